//! The OP Stack rollup adapter: batcher transactions on L1 (blobs and calldata), OP blob
//! encoding version 0, frames, channels (Holocene's order, channel timeout), zlib and brotli,
//! singular and span batches, and the comparison with the operator's own L2 node.
//!
//! The formats come from [`kona_protocol`] (op-rs's maintained Rust implementation of the OP
//! Stack protocol types, used by kona's fault-proof program and node): frames, singular batches,
//! span batches and their transaction encodings. Vigil adds what an attester needs around them:
//! decompression with typed truncation and corruption errors, Holocene's channel assembly,
//! blocks derived with overflow checks (a hostile span batch is an error, never a panic), and
//! the OP blob codec ([`blob_codec`]), whose reference lives in op-node and kona-derive.

pub mod batcher;
pub mod blob_codec;
mod channel;
mod check;
mod config;
mod frames;
pub mod inspect;
mod source;

pub use channel::{
    BatchKind, BatchSummary, Compression, DecodedChannel, DecompressError, Decompressed,
    ExpectedBlock, ParentCheck, decode_channel, decompress,
};
pub use check::{
    BlockVerdict, ChannelVerdict, DEPOSIT_TX_TYPE, L1_BLOCK_PREDEPLOY, L2Block, L2Node, L2Tx,
    check_channel,
};
pub use config::{
    CHANNEL_TIMEOUT_BEDROCK, CHANNEL_TIMEOUT_GRANITE, MAX_RLP_BYTES_PER_CHANNEL, OpRollupConfig,
};
pub use frames::{Assembled, Carrier, ChannelAssembler, RawChannel, hex_id, parse_frames};
pub use source::{BatcherData, OpStackSource, ScanOutcome, assemble, batcher_data_in_block};

use alloy::primitives::{Address, B256};

/// Why L1 data was not accepted as a rollup's batch data, or why a decoded block was not
/// attested. Each is logged and counted under [`Refusal::label`]; nothing that depends on
/// refused data is ever signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Refusal {
    /// A transaction to the batch inbox from someone other than the batcher (ignored, as the
    /// OP Stack's derivation ignores it).
    #[error("tx {tx} to the batch inbox is from {from}, not the batcher")]
    WrongSender {
        /// The transaction.
        tx: B256,
        /// Its sender.
        from: Address,
    },
    /// A blob the batcher transaction commits to was not served, or no served blob's
    /// recomputed KZG commitment matches its versioned hash.
    #[error("tx {tx}: {reason}")]
    BlobUnavailable {
        /// The transaction.
        tx: B256,
        /// What the beacon API answered.
        reason: String,
    },
    /// A blob that is not valid OP blob encoding (version 0).
    #[error("tx {tx} blob {index}: {reason}")]
    BadBlobEncoding {
        /// The transaction.
        tx: B256,
        /// The blob's index in the transaction.
        index: usize,
        /// The codec's error.
        reason: String,
    },
    /// Batcher data that does not parse as derivation version 0 frames.
    #[error("tx {tx}: frames do not parse: {reason}")]
    BadFrames {
        /// The transaction.
        tx: B256,
        /// Why.
        reason: String,
    },
    /// A frame the channel already has (dropped).
    #[error("channel {channel}: frame {number} repeated (tx {tx})")]
    FrameRepeated {
        /// The channel id.
        channel: String,
        /// The frame number.
        number: u16,
        /// The transaction.
        tx: B256,
    },
    /// A frame that is not the next one of the staged channel (dropped).
    #[error("channel {channel}: frame {number} out of order, expected {expected} (tx {tx})")]
    FrameOutOfOrder {
        /// The channel id.
        channel: String,
        /// The frame number.
        number: u16,
        /// The frame number expected.
        expected: u16,
        /// The transaction.
        tx: B256,
    },
    /// An unfinished channel dropped because a new channel started.
    #[error("channel {channel} dropped unfinished after {frames} frame(s): {by} started")]
    ChannelReplaced {
        /// The dropped channel.
        channel: String,
        /// The channel that replaced it.
        by: String,
        /// Frames it had.
        frames: u16,
    },
    /// A channel not completed within the channel timeout (dropped).
    #[error(
        "channel {channel} opened in L1 block {opened_l1} timed out at {l1_block} ({timeout} blocks)"
    )]
    ChannelTimedOut {
        /// The channel id.
        channel: String,
        /// Where it opened.
        opened_l1: u64,
        /// The L1 block past its timeout.
        l1_block: u64,
        /// The timeout in L1 blocks.
        timeout: u64,
    },
    /// A channel larger than the protocol allows.
    #[error("channel {channel} is larger than the protocol allows")]
    ChannelTooLarge {
        /// The channel id.
        channel: String,
    },
    /// The compressed stream ends early.
    #[error("channel {channel}: compressed stream is truncated")]
    TruncatedChannel {
        /// The channel id.
        channel: String,
    },
    /// The compressed stream is corrupt.
    #[error("channel {channel}: {reason}")]
    CorruptCompression {
        /// The channel id.
        channel: String,
        /// The decompressor's error.
        reason: String,
    },
    /// The channel's first byte names no known compression.
    #[error("channel {channel}: unknown compression version {version:#04x}")]
    UnknownCompression {
        /// The channel id.
        channel: String,
        /// The byte.
        version: u8,
    },
    /// The decompressed data is not a sequence of valid batches.
    #[error("channel {channel}: {reason}")]
    BadBatch {
        /// The channel id.
        channel: String,
        /// Why.
        reason: String,
    },
    /// A block of the channel differs from the operator's own L2 node.
    #[error("channel {channel}: L2 block {height} differs from the L2 node's: {field} ({detail})")]
    BlockMismatch {
        /// The channel id.
        channel: String,
        /// The L2 block number.
        height: u64,
        /// What differs: `timestamp`, `transactions`, `parent` or `l1_origin`.
        field: &'static str,
        /// Expected against found.
        detail: String,
    },
}

impl Refusal {
    /// A short, stable label for metrics (`reason` label values).
    pub fn label(&self) -> &'static str {
        match self {
            Self::WrongSender { .. } => "wrong_sender",
            Self::BlobUnavailable { .. } => "blob_commitment",
            Self::BadBlobEncoding { .. } => "bad_blob_encoding",
            Self::BadFrames { .. } => "bad_frames",
            Self::FrameRepeated { .. } => "frame_repeated",
            Self::FrameOutOfOrder { .. } => "frame_out_of_order",
            Self::ChannelReplaced { .. } => "channel_replaced",
            Self::ChannelTimedOut { .. } => "channel_timeout",
            Self::ChannelTooLarge { .. } => "channel_too_large",
            Self::TruncatedChannel { .. } => "truncated_channel",
            Self::CorruptCompression { .. } => "corrupt_compression",
            Self::UnknownCompression { .. } => "unknown_compression",
            Self::BadBatch { .. } => "bad_batch",
            Self::BlockMismatch { field: "transactions", .. } => "tx_mismatch",
            Self::BlockMismatch { field: "timestamp", .. } => "timestamp_mismatch",
            Self::BlockMismatch { field: "parent", .. } => "parent_mismatch",
            Self::BlockMismatch { .. } => "l1_origin_mismatch",
        }
    }

    /// Every label [`Refusal::label`] can return (metrics create these series up front).
    pub const LABELS: [&'static str; 17] = [
        "wrong_sender",
        "blob_commitment",
        "bad_blob_encoding",
        "bad_frames",
        "frame_repeated",
        "frame_out_of_order",
        "channel_replaced",
        "channel_timeout",
        "channel_too_large",
        "truncated_channel",
        "corrupt_compression",
        "unknown_compression",
        "bad_batch",
        "tx_mismatch",
        "timestamp_mismatch",
        "parent_mismatch",
        "l1_origin_mismatch",
    ];
}
