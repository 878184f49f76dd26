//! OP Stack batcher data to channels: frame parsing (`vigil_da::op::parse_frames`, kona's
//! `Frame`), Holocene channel assembly (`ChannelAssembler`) and the decoding of every channel it
//! completes (`decode_channel`). The input is one batcher data item (version byte, frames).
//! Never panics (a panic inside kona's batch decoder is caught by `decode_channel`, as in
//! production); parsed frames re-encode to the same item (up to `is_last` bytes, see below); an assembled channel holds no more than
//! the frames' data, and never more than the protocol allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_da::op::{
    Assembled, Carrier, ChannelAssembler, MAX_RLP_BYTES_PER_CHANNEL, decode_channel, parse_frames,
};
use vigil_types::B256;

fuzz_target!(|data: &[u8]| {
    vigil_fuzz::run_allowing_caught_panics(|| {
        let Ok(frames) = parse_frames(data, B256::ZERO) else { return };
        let mut item = vec![0u8];
        // The input with each frame's `is_last` byte as parsed: kona reads any byte other than
        // 1 as "not last", where op-node refuses bytes other than 0 and 1 (reported; see
        // README.md, "Findings"). Everything else must re-encode byte for byte.
        let mut normalized = data.to_vec();
        for frame in &frames {
            item.extend_from_slice(&frame.encode());
            let at = item.len() - 1;
            assert!(!frame.is_last || data.get(at) == Some(&1), "is_last from a byte other than 1");
            if let Some(byte) = normalized.get_mut(at) {
                *byte = u8::from(frame.is_last);
            }
        }
        assert!(item == normalized, "frames re-encode differently ({} bytes)", data.len());
        let config = vigil_fuzz::op_config(data.last().copied().unwrap_or_default());
        let carrier = Carrier { tx_hash: B256::ZERO, l1_block: 1, versioned_hashes: vec![] };
        let mut assembler = ChannelAssembler::new();
        for event in assembler.push(&carrier, frames.clone()) {
            if let Assembled::Channel(raw) = event {
                assert!(raw.data.len() <= MAX_RLP_BYTES_PER_CHANNEL);
                let total: usize = frames.iter().map(|f| f.data.len()).sum();
                assert!(raw.data.len() <= total, "a channel holds more than the frames given");
                assert!(raw.frames >= 1 && raw.frames <= frames.len());
                if let Ok(channel) = decode_channel(&raw, &config) {
                    assert!(!channel.blocks.is_empty(), "a decoded channel without blocks");
                    assert_eq!(channel.compressed_len, raw.data.len());
                }
            }
        }
    });
});
