//! Frames to channels: the channel assembler, with Holocene's rules.
//!
//! Since Holocene (active on every OP Stack chain today) a batcher's frames must arrive in
//! order: one channel at a time, frame numbers consecutive from 0, the last frame closing it. A
//! frame that breaks the order is dropped, and a new frame 0 replaces an unfinished channel. A
//! channel not completed within the channel timeout of the L1 block that opened it is dropped.
//! Vigil follows exactly these rules; data posted before Holocene that relied on frames out of
//! order is refused, never attested differently from what the chain derived.

use alloy::primitives::B256;
use kona_protocol::{ChannelId, Frame};

use crate::op::Refusal;

/// One L1 transaction that carried frames of a channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Carrier {
    /// The batcher transaction.
    pub tx_hash: B256,
    /// The L1 block that included it.
    pub l1_block: u64,
    /// Versioned hashes of its blobs in transaction order (empty for calldata).
    pub versioned_hashes: Vec<B256>,
}

impl Carrier {
    /// The values this carrier contributes to the channel's `daCommitment`: its blobs' versioned
    /// hashes, or, for calldata (whose bytes L1 itself keeps available), its transaction hash.
    pub fn commitment_items(&self) -> Vec<B256> {
        if self.versioned_hashes.is_empty() {
            vec![self.tx_hash]
        } else {
            self.versioned_hashes.clone()
        }
    }
}

/// A channel whose frames all arrived, in order, within its timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawChannel {
    /// The channel id.
    pub id: ChannelId,
    /// The L1 block whose frame 0 opened it.
    pub opened_l1: u64,
    /// The L1 block that carried its last frame: the checkpoint's `l1Block`.
    pub completed_l1: u64,
    /// Every transaction that carried a frame of it, in L1 order (deduplicated).
    pub carriers: Vec<Carrier>,
    /// Number of frames.
    pub frames: usize,
    /// The frames' data concatenated: the compressed channel.
    pub data: Vec<u8>,
}

#[derive(Debug)]
struct Staging {
    id: ChannelId,
    opened_l1: u64,
    next_number: u16,
    carriers: Vec<Carrier>,
    data: Vec<u8>,
}

/// What feeding the assembler produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    /// A channel completed.
    Channel(RawChannel),
    /// A frame or channel was dropped.
    Refused(Refusal),
}

/// Holds the one channel being assembled (Holocene).
#[derive(Debug, Default)]
pub struct ChannelAssembler {
    staging: Option<Staging>,
    /// Most compressed bytes one channel may accumulate before it is dropped.
    max_channel_bytes: usize,
}

/// The compressed size bound: a channel's frames may not exceed the decompressed bound.
const DEFAULT_MAX_CHANNEL_BYTES: usize = crate::op::config::MAX_RLP_BYTES_PER_CHANNEL;

impl ChannelAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self { staging: None, max_channel_bytes: DEFAULT_MAX_CHANNEL_BYTES }
    }

    /// The channel being assembled, if any: `(id, opening L1 block, frames so far)`.
    pub fn staging(&self) -> Option<(ChannelId, u64, u16)> {
        self.staging.as_ref().map(|s| (s.id, s.opened_l1, s.next_number))
    }

    /// Drops the staged channel if L1 block `l1_block` is past its timeout (`timeout` L1 blocks
    /// after the block that opened it). Call once per L1 block, before its frames.
    pub fn expire(&mut self, l1_block: u64, timeout: u64) -> Option<Refusal> {
        let staging = self.staging.as_ref()?;
        if l1_block > staging.opened_l1.saturating_add(timeout) {
            let s = self.staging.take()?;
            return Some(Refusal::ChannelTimedOut {
                channel: hex_id(&s.id),
                opened_l1: s.opened_l1,
                l1_block,
                timeout,
            });
        }
        None
    }

    /// Feeds the frames one batcher transaction carried, in order.
    pub fn push(&mut self, carrier: &Carrier, frames: Vec<Frame>) -> Vec<Assembled> {
        let mut out = Vec::new();
        for frame in frames {
            self.push_frame(carrier, frame, &mut out);
        }
        out
    }

    fn push_frame(&mut self, carrier: &Carrier, frame: Frame, out: &mut Vec<Assembled>) {
        let channel = hex_id(&frame.id);
        let tx = carrier.tx_hash;
        match self.staging.as_mut() {
            Some(s) if s.id == frame.id => {
                if frame.number < s.next_number {
                    out.push(Assembled::Refused(Refusal::FrameRepeated {
                        channel,
                        number: frame.number,
                        tx,
                    }));
                    return;
                }
                if frame.number > s.next_number {
                    out.push(Assembled::Refused(Refusal::FrameOutOfOrder {
                        channel,
                        number: frame.number,
                        expected: s.next_number,
                        tx,
                    }));
                    return;
                }
            }
            _ if frame.number != 0 => {
                // A frame of a channel that is not (or no longer) staged.
                out.push(Assembled::Refused(Refusal::FrameOutOfOrder {
                    channel,
                    number: frame.number,
                    expected: 0,
                    tx,
                }));
                return;
            }
            _ => {}
        }
        if frame.number == 0 {
            if let Some(old) = self.staging.take() {
                out.push(Assembled::Refused(Refusal::ChannelReplaced {
                    channel: hex_id(&old.id),
                    by: channel.clone(),
                    frames: old.next_number,
                }));
            }
            self.staging = Some(Staging {
                id: frame.id,
                opened_l1: carrier.l1_block,
                next_number: 0,
                carriers: Vec::new(),
                data: Vec::new(),
            });
        }
        let Some(s) = self.staging.as_mut() else { return };
        if s.data.len().saturating_add(frame.data.len()) > self.max_channel_bytes {
            self.staging = None;
            out.push(Assembled::Refused(Refusal::ChannelTooLarge { channel }));
            return;
        }
        s.data.extend_from_slice(&frame.data);
        s.next_number = s.next_number.saturating_add(1);
        if s.carriers.last().is_none_or(|c| c.tx_hash != carrier.tx_hash) {
            s.carriers.push(carrier.clone());
        }
        if frame.is_last
            && let Some(s) = self.staging.take()
        {
            out.push(Assembled::Channel(RawChannel {
                id: s.id,
                opened_l1: s.opened_l1,
                completed_l1: carrier.l1_block,
                carriers: s.carriers,
                frames: usize::from(s.next_number),
                data: s.data,
            }));
        }
    }
}

/// A channel id as `0x`-hex, for logs and refusals.
pub fn hex_id(id: &ChannelId) -> String {
    format!("0x{}", alloy::hex::encode(id))
}

/// Parses the frames of one batcher data item (calldata, or one decoded blob): a version byte
/// (0) followed by frames.
pub fn parse_frames(data: &[u8], tx: B256) -> Result<Vec<Frame>, Refusal> {
    let frames =
        Frame::parse_frames(data).map_err(|e| Refusal::BadFrames { tx, reason: e.to_string() })?;
    // op-node refuses a frame whose `is_last` byte is neither 0 nor 1, and with it the whole
    // transaction; kona's parser reads any other byte as "not last". Checked on the raw bytes
    // (version byte, then per frame: id 16, number 2, length 4, data, is_last 1); found by the
    // `op_frames` fuzz target.
    let mut at = 1usize;
    for frame in &frames {
        let flag = at.saturating_add(22).saturating_add(frame.data.len());
        match data.get(flag) {
            Some(0 | 1) => {}
            other => {
                return Err(Refusal::BadFrames {
                    tx,
                    reason: format!(
                        "frame {} has an is_last byte of {other:?}, neither 0 nor 1",
                        frame.number
                    ),
                });
            }
        }
        at = flag.saturating_add(1);
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carrier(n: u8, l1: u64) -> Carrier {
        Carrier { tx_hash: B256::repeat_byte(n), l1_block: l1, versioned_hashes: vec![] }
    }

    fn frame(id: u8, number: u16, data: &[u8], last: bool) -> Frame {
        Frame::new([id; 16], number, data.to_vec(), last)
    }

    /// One Holocene frame-order case: the frames fed, in order, and what must come out.
    struct Case {
        name: &'static str,
        frames: Vec<Frame>,
        complete: Option<&'static [u8]>,
        refusals: &'static [&'static str],
    }

    /// A [`Case`], one line of the table.
    fn case(
        name: &'static str,
        frames: Vec<Frame>,
        complete: Option<&'static [u8]>,
        refusals: &'static [&'static str],
    ) -> Case {
        Case { name, frames, complete, refusals }
    }

    #[test]
    fn an_is_last_byte_other_than_0_or_1_refuses_the_transaction() {
        let mut data = vec![0u8];
        data.extend(frame(1, 0, b"ab", false).encode());
        data.extend(frame(1, 1, b"cd", true).encode());
        let parsed = parse_frames(&data, B256::ZERO).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(parsed[1].is_last);
        // The first frame's flag (1 + 22 + 2) set to 2: op-node drops the transaction.
        let flag = 1 + 22 + 2;
        assert_eq!(data[flag], 0);
        data[flag] = 2;
        let err = parse_frames(&data, B256::ZERO).unwrap_err();
        assert!(err.to_string().contains("is_last byte of Some(2)"), "{err}");
    }

    /// Table of Holocene frame-order cases.
    #[test]
    fn holocene_frame_rules() {
        let cases = [
            case(
                "in order",
                vec![frame(1, 0, b"ab", false), frame(1, 1, b"cd", true)],
                Some(b"abcd"),
                &[],
            ),
            case("single frame", vec![frame(1, 0, b"x", true)], Some(b"x"), &[]),
            case(
                "repeated frame dropped",
                vec![
                    frame(1, 0, b"ab", false),
                    frame(1, 0, b"ab", false),
                    frame(1, 1, b"cd", true),
                ],
                Some(b"abcd"),
                &["frame_repeated"],
            ),
            case(
                "gap dropped, channel never completes",
                vec![frame(1, 0, b"ab", false), frame(1, 2, b"ef", true)],
                None,
                &["frame_out_of_order"],
            ),
            case(
                "out of order then in order",
                vec![
                    frame(1, 0, b"ab", false),
                    frame(1, 2, b"ef", true),
                    frame(1, 1, b"cd", false),
                    frame(1, 2, b"ef", true),
                ],
                Some(b"abcdef"),
                &["frame_out_of_order"],
            ),
            case(
                "frame of an unknown channel",
                vec![frame(2, 1, b"zz", true)],
                None,
                &["frame_out_of_order"],
            ),
            case(
                "new channel replaces an unfinished one",
                vec![frame(1, 0, b"ab", false), frame(2, 0, b"new", true)],
                Some(b"new"),
                &["channel_replaced"],
            ),
        ];
        for case in cases {
            let mut asm = ChannelAssembler::new();
            let events = asm.push(&carrier(1, 10), case.frames);
            let completed: Vec<_> = events
                .iter()
                .filter_map(|e| match e {
                    Assembled::Channel(c) => Some(c.data.clone()),
                    Assembled::Refused(_) => None,
                })
                .collect();
            let refused: Vec<_> = events
                .iter()
                .filter_map(|e| match e {
                    Assembled::Refused(r) => Some(r.label()),
                    Assembled::Channel(_) => None,
                })
                .collect();
            assert_eq!(completed.first().map(Vec::as_slice), case.complete, "{}", case.name);
            assert_eq!(refused, case.refusals, "{}", case.name);
        }
    }

    #[test]
    fn channel_across_transactions_and_timeout() {
        let mut asm = ChannelAssembler::new();
        assert!(asm.push(&carrier(1, 100), vec![frame(7, 0, b"ab", false)]).is_empty());
        assert_eq!(asm.expire(150, 50), None, "still inside the timeout");
        let events = asm.push(&carrier(2, 150), vec![frame(7, 1, b"cd", true)]);
        let [Assembled::Channel(c)] = events.as_slice() else { panic!("{events:?}") };
        assert_eq!((c.opened_l1, c.completed_l1, c.frames), (100, 150, 2));
        assert_eq!(c.carriers, vec![carrier(1, 100), carrier(2, 150)]);

        assert!(asm.push(&carrier(3, 200), vec![frame(8, 0, b"ab", false)]).is_empty());
        let refusal = asm.expire(251, 50).unwrap();
        assert_eq!(refusal.label(), "channel_timeout");
        let late = asm.push(&carrier(4, 251), vec![frame(8, 1, b"cd", true)]);
        assert!(matches!(late.as_slice(), [Assembled::Refused(Refusal::FrameOutOfOrder { .. })]));
    }

    #[test]
    fn calldata_commits_to_its_transaction() {
        assert_eq!(carrier(5, 1).commitment_items(), vec![B256::repeat_byte(5)]);
        let blob = Carrier {
            versioned_hashes: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
            ..carrier(5, 1)
        };
        assert_eq!(blob.commitment_items(), blob.versioned_hashes);
    }
}
