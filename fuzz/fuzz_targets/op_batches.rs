//! The OP Stack batch layer alone: the input is a channel's *decompressed* data (RLP byte
//! strings, each a singular (`0x00`) or span (`0x01`) batch), compressed here with zlib so that
//! the fuzzer mutates batches rather than deflate streams, then decoded by `decode_channel`.
//! The last input byte picks the rollup configuration. Never panics (a panic inside kona's batch
//! decoder is caught by `decode_channel`, as in production); a decoded channel's blocks are
//! consecutive and its batch summaries add up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_da::op::{Carrier, Compression, RawChannel, decode_channel};
use vigil_types::B256;

fuzz_target!(|data: &[u8]| {
    vigil_fuzz::run_allowing_caught_panics(|| {
        let config = vigil_fuzz::op_config(data.last().copied().unwrap_or_default());
        let raw = RawChannel {
            id: [9; 16],
            opened_l1: 1,
            completed_l1: 2,
            carriers: vec![Carrier { tx_hash: B256::ZERO, l1_block: 2, versioned_hashes: vec![] }],
            frames: 1,
            data: miniz_oxide::deflate::compress_to_vec_zlib(data, 1),
        };
        match decode_channel(&raw, &config) {
            Ok(channel) => {
                assert_eq!(channel.compression, Compression::Zlib);
                assert_eq!(channel.decompressed_len, data.len());
                for pair in channel.blocks.windows(2) {
                    assert_eq!(pair[1].number, pair[0].number + 1, "blocks are not consecutive");
                }
                let summarised: usize = channel.batches.iter().map(|b| b.txs).sum();
                assert_eq!(summarised, channel.tx_count());
            }
            Err(refusal) => {
                // A complete zlib stream is never truncated, corrupt or of unknown compression.
                let label = refusal.label();
                assert!(
                    !matches!(
                        label,
                        "truncated_channel" | "corrupt_compression" | "unknown_compression"
                    ),
                    "{refusal}"
                );
            }
        }
    });
});
