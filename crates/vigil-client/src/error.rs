//! The client's errors.

/// What can go wrong talking to an aggregator.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL does not parse.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The request failed in transport (connection, timeout, reading the body).
    #[error("request to the aggregator failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The aggregator answered with an error status.
    #[error("aggregator answered {status}: {code}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The aggregator's error code (`error` in its JSON body), or `unknown`.
        code: String,
        /// The aggregator's message, or the raw body.
        message: String,
    },
    /// The body is not the expected JSON.
    #[error("cannot decode the aggregator's answer: {0}")]
    Decode(#[from] serde_json::Error),
}

/// `Result` with [`ClientError`] by default.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Why a certificate does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// `threshold_bps` is 0 or above 10 000.
    #[error("threshold {threshold_bps} bps is not in 1..=10000")]
    InvalidThreshold {
        /// The threshold given.
        threshold_bps: u16,
    },
    /// The operator set is empty.
    #[error("the operator set is empty")]
    EmptyOperatorSet,
    /// A key appears twice in the operator set (it would be counted twice).
    #[error("operator {key} appears twice in the operator set")]
    DuplicateOperator {
        /// The key, abbreviated.
        key: String,
    },
    /// A non-signer is not a member of the operator set.
    #[error("non-signer {key} is not in the operator set")]
    NonSignerNotMember {
        /// The key, abbreviated.
        key: String,
    },
    /// A non-signer is listed twice.
    #[error("non-signer {key} is listed twice")]
    DuplicateNonSigner {
        /// The key, abbreviated.
        key: String,
    },
    /// The inclusion proof does not show the checkpoint in the batch.
    #[error("the proof does not show rollup {rollup_id} height {height} in the batch")]
    NotInBatch {
        /// The checkpoint's rollup.
        rollup_id: u64,
        /// Its height.
        height: u64,
    },
    /// Every operator is a non-signer.
    #[error("no operator signed")]
    NoSigners,
    /// Summing weights overflowed 256 bits.
    #[error("stake weights overflow 256 bits")]
    WeightOverflow,
    /// The signers' weight is under the threshold.
    #[error("signed weight {signed_weight} of {total_weight} is under {threshold_bps} bps")]
    BelowThreshold {
        /// Weight of the signers.
        signed_weight: alloy_primitives::U256,
        /// Weight of the whole set.
        total_weight: alloy_primitives::U256,
        /// The threshold required.
        threshold_bps: u16,
    },
    /// The signers' aggregate key is the identity (keys that cancel out).
    #[error("the signers' aggregate key is the identity")]
    IdentityAggregateKey,
    /// The aggregate signature is not a valid point, or is the identity.
    #[error("malformed aggregate signature: {0}")]
    MalformedSignature(String),
    /// The aggregate signature does not verify for the signers over the checkpoint's digest.
    #[error("the aggregate signature does not verify")]
    InvalidSignature,
}
