//! From a verified batch and the operator's *own* L2 node to the checkpoints it attests.

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use vigil_da::VerifiedBatch;
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

/// Why a block of a batch is not attested (yet, or at all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// The L2 node's trusted head has not reached this height yet: try again later.
    #[error("L2 {tag:?} head {head} is below height {height}")]
    NotYetTrusted {
        /// The height.
        height: u64,
        /// The node's head at the tag.
        head: u64,
        /// The tag.
        tag: L2Tag,
    },
    /// The batch's block differs from what the operator's own L2 node reports: never sign.
    #[error("L2 block {height} in the batch differs from the node's block")]
    Mismatch {
        /// The height.
        height: u64,
    },
    /// The L2 node failed to answer (retryable).
    #[error("L2 rpc: {0}")]
    Rpc(String),
}

/// The checkpoints `batch` supports according to the operator's own L2 node at `tag`, one per
/// block: each block must be at or below the node's trusted head, and its hash and state root
/// must equal the node's. Blocks that fail are reported, not attested.
pub async fn checkpoints_for_batch<P: Provider>(
    l2: &P,
    tag: L2Tag,
    batch: &VerifiedBatch,
) -> (Vec<Checkpoint>, Vec<Skip>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let head = match l2.get_block_by_number(tag.into()).await {
        Ok(Some(block)) => block.header.number,
        Ok(None) => 0,
        Err(e) => return (out, vec![Skip::Rpc(e.to_string())]),
    };
    for block in batch.batch.blocks() {
        let height = block.number();
        if height > head {
            skipped.push(Skip::NotYetTrusted { height, head, tag });
            continue;
        }
        let node_block = match l2.get_block_by_number(height.into()).await {
            Ok(Some(b)) => b,
            Ok(None) => {
                skipped.push(Skip::NotYetTrusted { height, head, tag });
                continue;
            }
            Err(e) => {
                skipped.push(Skip::Rpc(e.to_string()));
                continue;
            }
        };
        if node_block.header.hash != block.hash()
            || node_block.header.state_root != block.state_root()
        {
            tracing::warn!(target: "vigil::watcher", rollup = batch.batch.rollup_id(), height, "batch block differs from the L2 node's: not signing");
            skipped.push(Skip::Mismatch { height });
            continue;
        }
        out.push(Checkpoint {
            rollup_id: batch.batch.rollup_id(),
            height,
            block_hash: block.hash(),
            state_root: block.state_root(),
            da_commitment: batch.da_commitment,
            l1_block: batch.l1_block,
        });
    }
    (out, skipped)
}
