//! A complete OP Stack channel's data (zlib, or brotli after the `0x01` version byte) to L2
//! blocks: `vigil_da::op::decompress` and `decode_channel` (decompression, singular and span
//! batches, block derivation). Never panics (a panic inside kona's batch decoder is caught by
//! `decode_channel`, as in production); decompression stays within its limit; a decoded
//! channel has consecutive blocks, each batch summarising its blocks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_da::op::{Carrier, RawChannel, decode_channel, decompress};
use vigil_types::B256;

/// A small limit, so the fuzzer also reaches "inflates past the limit".
const LIMIT: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    vigil_fuzz::run_allowing_caught_panics(|| {
        if let Ok(out) = decompress(data, LIMIT) {
            assert!(out.data.len() <= LIMIT, "decompressed past the limit");
        }
        let config = vigil_fuzz::op_config(data.last().copied().unwrap_or_default());
        let raw = RawChannel {
            id: [7; 16],
            opened_l1: 1,
            completed_l1: 2,
            carriers: vec![Carrier { tx_hash: B256::ZERO, l1_block: 2, versioned_hashes: vec![] }],
            frames: 1,
            data: data.to_vec(),
        };
        if let Ok(channel) = decode_channel(&raw, &config) {
            assert!(!channel.blocks.is_empty());
            for pair in channel.blocks.windows(2) {
                assert_eq!(pair[1].number, pair[0].number + 1, "blocks are not consecutive");
            }
            let summarised: usize = channel.batches.iter().map(|b| b.txs).sum();
            assert_eq!(summarised, channel.tx_count());
        }
    });
});
