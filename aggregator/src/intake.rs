//! What intake (the HTTP API's `POST /v1/signatures`) hands to the aggregator, and the typed
//! refusals it answers with.

use std::{future::Future, time::Duration};

pub use vigil_service::http::Source;
use vigil_types::SignedCheckpoint;

/// A signature the aggregator accepted: durable and on the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// Its feed sequence number.
    pub seq: u64,
    /// The same signature was already stored; nothing new happened.
    pub duplicate: bool,
    /// It joins no aggregation (its height is already certified, or its `l1Block` is past the
    /// verifier's maximum age) but it is on the feed: a late conflicting signature is evidence.
    pub stale: bool,
}

/// Why a signed checkpoint was refused. Each maps to a 4xx (or 503) status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The body is not a signed checkpoint.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// Signed for another chain, verifier or operator set.
    #[error("wrong signing domain: expected {expected}, got {got}")]
    WrongDomain {
        /// This aggregator's domain.
        expected: String,
        /// The request's domain.
        got: String,
    },
    /// The key is not registered in the operator set.
    #[error("unknown operator key {0}")]
    UnknownOperator(String),
    /// The signature bytes are not a point on the curve (or are the identity).
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// The signature does not verify for the checkpoint and key.
    #[error("invalid signature")]
    InvalidSignature,
    /// `l1Block` is ahead of the aggregator's view of L1.
    #[error("l1Block {l1_block} is ahead of the L1 head {head}")]
    FutureL1Block {
        /// The checkpoint's `l1Block`.
        l1_block: u64,
        /// The aggregator's L1 head.
        head: u64,
    },
    /// Too many requests from this key, or too many failures from this source.
    #[error("rate limited; retry after {0:?}")]
    RateLimited(Duration),
    /// The aggregator cannot take it now (database or chain unavailable); retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl IntakeError {
    /// A stable machine-readable code (also the `result` label of the intake metric).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::WrongDomain { .. } => "wrong_domain",
            Self::UnknownOperator(_) => "unknown_operator",
            Self::MalformedSignature(_) => "malformed_signature",
            Self::InvalidSignature => "invalid_signature",
            Self::FutureL1Block { .. } => "future_l1_block",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The HTTP status for it.
    pub const fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::MalformedSignature(_) => 400,
            Self::WrongDomain { .. } | Self::UnknownOperator(_) | Self::InvalidSignature => 403,
            Self::FutureL1Block { .. } => 422,
            Self::RateLimited(_) => 429,
            Self::Unavailable(_) => 503,
        }
    }
}

/// The aggregator as the HTTP API sees it.
pub trait Intake: Clone + Send + Sync + 'static {
    /// Validates, persists (durable before this returns `Ok`), feeds and aggregates one signed
    /// checkpoint that came from `source`.
    fn accept(
        &self,
        signed: SignedCheckpoint,
        source: Source,
    ) -> impl Future<Output = Result<Accepted, IntakeError>> + Send;
}
