//! Errors of `vigil-da`.

use alloy::primitives::B256;

/// `Result` with this crate's [`DaError`].
pub type Result<T, E = DaError> = std::result::Result<T, E>;

/// What can go wrong finding or verifying a batch. Every variant but [`DaError::Rpc`] and
/// [`DaError::Beacon`] means the data is *not* available as claimed: an operator must not sign.
#[derive(Debug, thiserror::Error)]
pub enum DaError {
    /// An L1 or L2 RPC call failed (retryable).
    #[error("rpc: {0}")]
    Rpc(String),
    /// The beacon endpoint failed or answered malformed JSON (retryable).
    #[error("beacon endpoint: {0}")]
    Beacon(String),
    /// A block the caller asked about does not exist (yet).
    #[error("block {0} not found")]
    BlockNotFound(u64),
    /// A blob the transaction commits to is not among the block's blobs.
    #[error("blob with versioned hash {versioned_hash} is missing (tx {tx})")]
    MissingBlob {
        /// The transaction.
        tx: B256,
        /// The versioned hash with no matching blob.
        versioned_hash: B256,
    },
    /// Blob bytes that are not a valid blob, or KZG failed.
    #[error("invalid blob: {0}")]
    InvalidBlob(String),
    /// The blobs do not decode to one payload.
    #[error("blob payload does not decode (tx {0})")]
    Undecodable(B256),
    /// The payload is not a valid batch.
    #[error("batch in tx {tx}: {source}")]
    Batch {
        /// The transaction.
        tx: B256,
        /// Why the batch is invalid.
        source: vigil_types::Error,
    },
    /// The batch names another rollup than its inbox serves.
    #[error("batch in tx {tx} is for rollup {found}, inbox serves {expected}")]
    WrongRollup {
        /// The transaction.
        tx: B256,
        /// The rollup the inbox serves.
        expected: u64,
        /// The rollup the batch names.
        found: u64,
    },
    /// An L2 block header does not hash to the block hash the L2 node reports.
    #[error("L2 block {height}: header hashes to {computed}, node reports {reported}")]
    HeaderMismatch {
        /// The height.
        height: u64,
        /// keccak256 of the header RLP.
        computed: B256,
        /// What the node reports.
        reported: B256,
    },
}

impl DaError {
    /// Whether retrying later may succeed (the node or the network failed), as opposed to the
    /// data being unavailable or invalid as claimed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Rpc(_) | Self::Beacon(_) | Self::BlockNotFound(_))
    }
}
