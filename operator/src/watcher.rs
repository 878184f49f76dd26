//! From a channel verified against the operator's *own* L2 node to the checkpoints it attests.

use alloy::eips::BlockNumberOrTag;
use vigil_da::op::{BlockVerdict, DecodedChannel};
use vigil_types::Checkpoint;

/// Which L2 head the operator trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum L2Tag {
    /// The L2 node's `safe` head.
    #[default]
    Safe,
    /// The L2 node's `finalized` head.
    Finalized,
}

impl From<L2Tag> for BlockNumberOrTag {
    fn from(tag: L2Tag) -> Self {
        match tag {
            L2Tag::Safe => Self::Safe,
            L2Tag::Finalized => Self::Finalized,
        }
    }
}

/// Why a block is attested: the cadence every honest operator derives from the same channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cadence {
    /// The last block of a complete channel: data and state are settled for the whole channel.
    ChannelFinal,
    /// A block whose number is a multiple of the rollup's `checkpoint_interval`.
    Interval,
}

impl Cadence {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ChannelFinal => "channel-final",
            Self::Interval => "interval",
        }
    }
}

/// The heights of `channel` to attest: its last block, plus every block whose number is a
/// multiple of `interval` (0: none). Depends only on the channel, so every honest operator
/// derives the same heights and their signatures aggregate.
pub fn cadence_heights(channel: &DecodedChannel, interval: u64) -> Vec<(u64, Cadence)> {
    let Some((first, last)) = channel.range() else { return Vec::new() };
    let mut out = Vec::new();
    if interval > 0 {
        let mut h = first.div_ceil(interval).saturating_mul(interval);
        while h < last {
            out.push((h, Cadence::Interval));
            h = h.saturating_add(interval);
        }
    }
    out.push((last, Cadence::ChannelFinal));
    out
}

/// The checkpoints to sign for a channel every block of which matched the L2 node (`blocks`,
/// from [`vigil_da::op::check_channel`]), at the cadence.
pub fn checkpoints(
    rollup_id: u64,
    channel: &DecodedChannel,
    blocks: &[BlockVerdict],
    interval: u64,
) -> Vec<(Checkpoint, Cadence)> {
    cadence_heights(channel, interval)
        .into_iter()
        .filter_map(|(height, cadence)| {
            blocks.iter().find_map(|b| match b {
                BlockVerdict::Matches { number, hash, state_root } if *number == height => Some((
                    Checkpoint {
                        rollup_id,
                        height,
                        block_hash: *hash,
                        state_root: *state_root,
                        da_commitment: channel.da_commitment,
                        l1_block: channel.l1_block,
                    },
                    cadence,
                )),
                _ => None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;
    use vigil_da::op::{Compression, ExpectedBlock};

    use super::*;

    fn channel(first: u64, last: u64) -> DecodedChannel {
        DecodedChannel {
            id: "0x01".into(),
            opened_l1: 10,
            l1_block: 11,
            carriers: vec![],
            frames: 1,
            compressed_len: 0,
            decompressed_len: 0,
            compression: Compression::Brotli,
            batches: vec![],
            blocks: (first..=last)
                .map(|number| ExpectedBlock {
                    number,
                    timestamp: number,
                    epoch_num: 1,
                    epoch_hash: None,
                    origin_prefix: None,
                    parent: None,
                    tx_hashes: vec![],
                })
                .collect(),
            da_commitment: B256::repeat_byte(9),
        }
    }

    #[test]
    fn cadence_is_the_channel_final_block_plus_multiples() {
        use Cadence::*;
        /// First and last block of the channel, the interval, and the heights to attest.
        type Case = (u64, u64, u64, Vec<(u64, Cadence)>);
        let cases: [Case; 5] = [
            (1, 16, 0, vec![(16, ChannelFinal)]),
            (1, 16, 5, vec![(5, Interval), (10, Interval), (15, Interval), (16, ChannelFinal)]),
            (5, 10, 5, vec![(5, Interval), (10, ChannelFinal)]),
            (7, 7, 3, vec![(7, ChannelFinal)]),
            (100, 250, 100, vec![(100, Interval), (200, Interval), (250, ChannelFinal)]),
        ];
        for (first, last, interval, want) in cases {
            assert_eq!(
                cadence_heights(&channel(first, last), interval),
                want,
                "{first}..={last}/{interval}"
            );
        }
    }

    #[test]
    fn checkpoints_carry_the_channel_commitment_and_l1_block() {
        let c = channel(1, 4);
        let blocks: Vec<BlockVerdict> = (1..=4)
            .map(|n| BlockVerdict::Matches {
                number: n,
                hash: B256::repeat_byte(n as u8),
                state_root: B256::repeat_byte(0x10 + n as u8),
            })
            .collect();
        let cps = checkpoints(42, &c, &blocks, 2);
        let heights: Vec<u64> = cps.iter().map(|(cp, _)| cp.height).collect();
        assert_eq!(heights, vec![2, 4]);
        let (cp, cadence) = &cps[1];
        assert_eq!(*cadence, Cadence::ChannelFinal);
        assert_eq!((cp.rollup_id, cp.l1_block, cp.da_commitment), (42, 11, B256::repeat_byte(9)));
        assert_eq!((cp.block_hash, cp.state_root), (B256::repeat_byte(4), B256::repeat_byte(0x14)));
    }
}
