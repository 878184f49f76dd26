//! Errors of `vigil-da`.

use alloy::primitives::B256;

/// `Result` with this crate's [`DaError`].
pub type Result<T, E = DaError> = std::result::Result<T, E>;

/// What can go wrong reaching a DA source. Retryable variants ([`DaError::is_retryable`]) mean
/// "ask again later"; the others are verdicts: the data is *not* available as claimed, and an
/// operator must not sign anything that depends on it.
#[derive(Debug, thiserror::Error)]
pub enum DaError {
    /// An L1 or L2 RPC call failed (retryable). The message never holds the endpoint's URL.
    #[error("rpc: {0}")]
    Rpc(String),
    /// Every beacon endpoint failed, timed out or answered malformed JSON (retryable).
    #[error("beacon API: {0}")]
    Beacon(String),
    /// A block the caller asked about does not exist (yet) on L1 or L2 (retryable).
    #[error("block {0} not found")]
    BlockNotFound(u64),
    /// The beacon node does not serve this block's blobs yet (it is too new, or the node is
    /// syncing). Retryable: the block exists on the execution layer.
    #[error("beacon API does not serve blobs for {block_id} yet (execution block {block})")]
    BlobsNotYetServed {
        /// The execution block.
        block: u64,
        /// The beacon `block_id` asked for.
        block_id: String,
    },
    /// The blobs are older than the beacon node's retention window
    /// (`MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`, 4096 epochs ≈ 18 days on mainnet): no standard
    /// node serves them any more. Not retryable; an archive beacon endpoint is needed.
    #[error(
        "blobs of slot {slot} (execution block {block}) are past the blob retention window \
         (epoch {epoch} < oldest served epoch {oldest_epoch}); configure an archival beacon endpoint"
    )]
    BlobsPruned {
        /// The execution block.
        block: u64,
        /// Its beacon slot.
        slot: u64,
        /// The slot's epoch.
        epoch: u64,
        /// The oldest epoch whose blobs a node must still serve.
        oldest_epoch: u64,
    },
    /// A blob the transaction commits to is not among the blobs the beacon node returned, or the
    /// returned blob's recomputed KZG commitment does not hash to that versioned hash.
    #[error("no served blob matches versioned hash {versioned_hash} (tx {tx})")]
    MissingBlob {
        /// The transaction.
        tx: B256,
        /// The versioned hash with no matching blob.
        versioned_hash: B256,
    },
    /// A sidecar's declared KZG commitment differs from the commitment recomputed from its blob.
    #[error("sidecar {index} of {block_id}: declared KZG commitment differs from the blob's")]
    CommitmentMismatch {
        /// The beacon `block_id`.
        block_id: String,
        /// The sidecar's blob index.
        index: u64,
    },
    /// The beacon node answered for another block than the one asked for.
    #[error(
        "beacon API answered {block_id} with a block at slot {found} (expected slot {expected})"
    )]
    WrongBeaconBlock {
        /// The beacon `block_id` asked for.
        block_id: String,
        /// The slot expected.
        expected: u64,
        /// The slot found in the response.
        found: u64,
    },
    /// Blob bytes that are not a valid blob (wrong length, a field element out of range), or
    /// KZG failed.
    #[error("invalid blob: {0}")]
    InvalidBlob(String),
    /// A rollup configuration that cannot be used.
    #[error("rollup config: {0}")]
    Config(String),
}

impl DaError {
    /// Whether retrying later may succeed (the node or the network failed), as opposed to the
    /// data being unavailable or invalid as claimed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Rpc(_)
                | Self::Beacon(_)
                | Self::BlockNotFound(_)
                | Self::BlobsNotYetServed { .. }
        )
    }

    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Rpc(_) => "rpc",
            Self::Beacon(_) => "beacon",
            Self::BlockNotFound(_) => "block_not_found",
            Self::BlobsNotYetServed { .. } => "blobs_not_yet_served",
            Self::BlobsPruned { .. } => "blobs_pruned",
            Self::MissingBlob { .. } => "blob_commitment",
            Self::CommitmentMismatch { .. } => "blob_commitment",
            Self::WrongBeaconBlock { .. } => "wrong_beacon_block",
            Self::InvalidBlob(_) => "invalid_blob",
            Self::Config(_) => "config",
        }
    }
}
