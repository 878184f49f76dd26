//! The L2 side of the OP Stack adapter: a channel's blocks compared with the operator's own L2
//! node.
//!
//! For every block of the channel: the timestamp and every non-deposit transaction (by hash, in
//! order) must equal the node's; the batch's parent check must hold; and where the node reports
//! the block's L1 origin (an OP Stack node does, in the L1-attributes deposit), it must equal
//! the batch's. A span batch's L1-origin check (the first 20 bytes of its last block's origin
//! hash) is checked against L1 itself. The node's block hash and state root are what the
//! operator then signs.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, address},
    providers::Provider,
};
use kona_protocol::L1BlockInfoTx;
use serde::{Deserialize, Serialize};

use crate::{
    DaError, Result,
    op::{DecodedChannel, ExpectedBlock, ParentCheck, Refusal},
};

/// The OP Stack's L1Block predeploy, the target of the L1-attributes deposit.
pub const L1_BLOCK_PREDEPLOY: Address = address!("4200000000000000000000000000000000000015");
/// The deposit transaction type.
pub const DEPOSIT_TX_TYPE: u8 = 0x7e;

/// An L2 block as the operator's own node reports it (`eth_getBlockByNumber` with full
/// transactions, read as JSON so that OP deposit transactions need no special decoding).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L2Block {
    /// Number.
    #[serde(with = "alloy::serde::quantity")]
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// State root.
    pub state_root: B256,
    /// Timestamp.
    #[serde(with = "alloy::serde::quantity")]
    pub timestamp: u64,
    /// Its transactions.
    pub transactions: Vec<L2Tx>,
}

/// The parts of an L2 transaction the check reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L2Tx {
    /// Hash.
    pub hash: B256,
    /// EIP-2718 type (`0x7e` for OP deposits).
    #[serde(rename = "type", with = "alloy::serde::quantity", default)]
    pub ty: u8,
    /// Recipient.
    #[serde(default)]
    pub to: Option<Address>,
    /// Calldata.
    #[serde(default)]
    pub input: Bytes,
}

impl L2Block {
    /// Hashes of the non-deposit transactions, in order.
    pub fn user_tx_hashes(&self) -> Vec<B256> {
        self.transactions.iter().filter(|t| t.ty != DEPOSIT_TX_TYPE).map(|t| t.hash).collect()
    }

    /// The L1 origin `(number, hash)` from the L1-attributes deposit, where the block has one.
    pub fn l1_origin(&self) -> Option<(u64, B256)> {
        let first = self.transactions.first()?;
        if first.ty != DEPOSIT_TX_TYPE || first.to != Some(L1_BLOCK_PREDEPLOY) {
            return None;
        }
        let info = L1BlockInfoTx::decode_calldata(&first.input).ok()?;
        let id = info.id();
        Some((id.number, id.hash))
    }
}

/// The operator's own L2 node.
#[derive(Debug, Clone)]
pub struct L2Node<P> {
    provider: P,
}

impl<P: Provider> L2Node<P> {
    /// Wraps a provider for the L2 node.
    pub fn new(provider: P) -> Self {
        Self { provider }
    }

    /// The block at `number`, or `None` if the node does not have it.
    pub async fn block(&self, number: u64) -> Result<Option<L2Block>> {
        self.provider
            .raw_request::<_, Option<L2Block>>(
                "eth_getBlockByNumber".into(),
                (BlockNumberOrTag::Number(number), true),
            )
            .await
            .map_err(|e| DaError::Rpc(crate::redact(&e)))
    }

    /// The number of the node's head at `tag` (`safe`, `finalized`, …).
    pub async fn head(&self, tag: BlockNumberOrTag) -> Result<u64> {
        Ok(self
            .provider
            .get_block_by_number(tag)
            .await
            .map_err(|e| DaError::Rpc(crate::redact(&e)))?
            .map_or(0, |b| b.header.number))
    }
}

/// One block of a channel, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum BlockVerdict {
    /// Reproduced from L1 data: the node's block is the batch's.
    Matches {
        /// Number.
        number: u64,
        /// The node's hash.
        hash: B256,
        /// The node's state root.
        state_root: B256,
    },
    /// Above the node's trusted head (or unknown to it): check again later.
    NotYet {
        /// Number.
        number: u64,
        /// The node's head at the tag.
        head: u64,
    },
}

/// A channel judged against the L2 node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum ChannelVerdict {
    /// Every block matches: the channel may be attested.
    Available {
        /// Each block, in order.
        blocks: Vec<BlockVerdict>,
    },
    /// Some blocks are above the node's trusted head; nothing mismatched so far.
    Pending {
        /// The node's head at the tag.
        head: u64,
    },
    /// A block differs from the node's: never sign anything of this channel.
    Refused {
        /// The first difference.
        refusal: Refusal,
    },
}

fn mismatch(
    channel: &DecodedChannel,
    height: u64,
    field: &'static str,
    detail: String,
) -> ChannelVerdict {
    ChannelVerdict::Refused {
        refusal: Refusal::BlockMismatch { channel: channel.id.clone(), height, field, detail },
    }
}

/// Compares every block of `channel` with `l2`'s, up to the node's head `head` at the trusted
/// tag. `l1` (optional) answers span batches' L1-origin check. An `Err` is an endpoint failure
/// (retryable); a verdict is final for `Refused`.
pub async fn check_channel<P: Provider, Q: Provider>(
    l2: &L2Node<P>,
    l1: Option<&Q>,
    channel: &DecodedChannel,
    head: u64,
) -> Result<ChannelVerdict> {
    let mut verdicts = Vec::with_capacity(channel.blocks.len());
    let mut previous: Option<L2Block> = None;
    for expected in &channel.blocks {
        if expected.number > head {
            return Ok(ChannelVerdict::Pending { head });
        }
        let Some(node) = l2.block(expected.number).await? else {
            return Ok(ChannelVerdict::Pending { head });
        };
        if let Some(verdict) = compare(channel, expected, &node, previous.as_ref(), l1).await? {
            return Ok(verdict);
        }
        verdicts.push(BlockVerdict::Matches {
            number: node.number,
            hash: node.hash,
            state_root: node.state_root,
        });
        previous = Some(node);
    }
    Ok(ChannelVerdict::Available { blocks: verdicts })
}

async fn compare<Q: Provider>(
    channel: &DecodedChannel,
    expected: &ExpectedBlock,
    node: &L2Block,
    previous: Option<&L2Block>,
    l1: Option<&Q>,
) -> Result<Option<ChannelVerdict>> {
    let height = expected.number;
    if node.number != height {
        return Ok(Some(mismatch(
            channel,
            height,
            "parent",
            format!("node answered block {}", node.number),
        )));
    }
    if node.timestamp != expected.timestamp {
        return Ok(Some(mismatch(
            channel,
            height,
            "timestamp",
            format!("batch {}, node {}", expected.timestamp, node.timestamp),
        )));
    }
    let node_txs = node.user_tx_hashes();
    if node_txs != expected.tx_hashes {
        let first_diff = node_txs
            .iter()
            .zip(&expected.tx_hashes)
            .position(|(a, b)| a != b)
            .unwrap_or(node_txs.len().min(expected.tx_hashes.len()));
        return Ok(Some(mismatch(
            channel,
            height,
            "transactions",
            format!(
                "batch has {} tx(s), node {}; first difference at index {first_diff}",
                expected.tx_hashes.len(),
                node_txs.len()
            ),
        )));
    }
    // Parent: within the channel, the node's own chain must link; at a batch's start, the
    // batch's parent check must hold against the node's parent.
    if let Some(prev) = previous
        && node.parent_hash != prev.hash
    {
        return Ok(Some(mismatch(channel, height, "parent", "node's chain does not link".into())));
    }
    match expected.parent {
        Some(ParentCheck::Hash(hash)) if hash != node.parent_hash => {
            return Ok(Some(mismatch(
                channel,
                height,
                "parent",
                format!("batch {hash}, node {}", node.parent_hash),
            )));
        }
        Some(ParentCheck::Prefix(prefix))
            if node.parent_hash.get(..20) != Some(prefix.as_slice()) =>
        {
            return Ok(Some(mismatch(
                channel,
                height,
                "parent",
                format!("batch prefix {prefix}, node {}", node.parent_hash),
            )));
        }
        _ => {}
    }
    // The L1 origin, where the node reports it.
    if let Some((number, hash)) = node.l1_origin() {
        if number != expected.epoch_num || expected.epoch_hash.is_some_and(|h| h != hash) {
            return Ok(Some(mismatch(
                channel,
                height,
                "l1_origin",
                format!("batch epoch {}, node {number} ({hash})", expected.epoch_num),
            )));
        }
        if let Some(prefix) = expected.origin_prefix
            && hash.get(..20) != Some(prefix.as_slice())
        {
            return Ok(Some(mismatch(
                channel,
                height,
                "l1_origin",
                format!("batch origin prefix {prefix}, node {hash}"),
            )));
        }
    }
    // A span batch's L1-origin check, against L1 itself.
    if let (Some(prefix), Some(l1)) = (expected.origin_prefix, l1) {
        let hash = l1
            .get_block_by_number(expected.epoch_num.into())
            .await
            .map_err(|e| DaError::Rpc(crate::redact(&e)))?
            .map(|b| b.header.hash);
        if hash.and_then(|h| h.get(..20).map(|p| p == prefix.as_slice())) != Some(true) {
            return Ok(Some(mismatch(
                channel,
                height,
                "l1_origin",
                format!("L1 block {} does not start with {prefix}", expected.epoch_num),
            )));
        }
    }
    Ok(None)
}
