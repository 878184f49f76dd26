//! The JSON bodies the API answers with. They are defined once, in `vigil-client` (the API's
//! contract with its readers); this module converts the store's records into them.

pub use vigil_client::types::{
    CertificateState, CertificateStatus as CertificateView, CheckpointStatus as CheckpointView,
    FeedEvent, Health, Submission,
};

use crate::store::{BatchCertificateRecord, CertState, CertificateRecord, FeedEntry};
use vigil_client::{BatchCheckpointStatus, BatchStatus, types::schema};
use vigil_types::{Checkpoint, InclusionProof};

/// The schema of `POST /v1/batches/signatures`' body, the JSON of
/// [`vigil_types::BatchSignature`].
#[derive(utoipa::ToSchema)]
#[schema(as = BatchSignature)]
#[allow(dead_code, reason = "exists only to carry a schema")]
pub(super) struct BatchSignatureSchema {
    /// The signed header.
    signed: schema::SignedBatch,
    /// The batch's checkpoints (any order; the tree's order is pinned).
    checkpoints: Vec<schema::Checkpoint>,
}

/// The schema of `POST /v1/batches/signatures`' answer, the JSON of
/// [`crate::batch::BatchAccepted`].
#[derive(utoipa::ToSchema)]
#[schema(as = BatchAccepted)]
#[allow(dead_code, reason = "exists only to carry a schema")]
pub(super) struct BatchAcceptedSchema {
    /// Its stored row's id (null when its range is too old to be certified: not stored).
    id: Option<schema::Quantity>,
    /// The same `(digest, key)` was already stored; it counted once.
    duplicate: bool,
    /// It counts towards no certificate (certified already, expired, or no weight).
    stale: bool,
}

/// A stored batch certificate and its checkpoints as `GET /v1/batches/{digest}` serves them.
pub(super) fn batch_view(r: BatchCertificateRecord, checkpoints: Vec<Checkpoint>) -> BatchStatus {
    BatchStatus {
        checkpoints,
        digest: r.digest,
        submission: submission_of(
            r.state,
            r.signed_weight,
            r.total_weight,
            r.signers,
            r.tx_hash,
            r.block_number,
        ),
        certificate: r.certificate,
    }
}

/// A stored batch certificate as `GET /v1/batches/checkpoints/…` serves it, for one of its
/// checkpoints.
pub(super) fn batch_checkpoint_view(
    r: BatchCertificateRecord,
    checkpoint: Checkpoint,
    proof: InclusionProof,
) -> BatchCheckpointStatus {
    BatchCheckpointStatus {
        checkpoint,
        proof,
        digest: r.digest,
        submission: submission_of(
            r.state,
            r.signed_weight,
            r.total_weight,
            r.signers,
            r.tx_hash,
            r.block_number,
        ),
        certificate: r.certificate,
    }
}

/// The schema of `POST /v1/signatures`' answer, the JSON of [`crate::intake::Accepted`].
#[derive(utoipa::ToSchema)]
#[schema(as = Accepted)]
#[allow(dead_code, reason = "exists only to carry a schema")]
pub(super) struct AcceptedSchema {
    /// Its feed sequence number.
    seq: u64,
    /// The same signature was already stored; nothing new happened.
    duplicate: bool,
    /// It joins no aggregation (its height is already certified, or its `l1Block` is past the
    /// verifier's maximum age) but it is on the feed.
    stale: bool,
}

/// One item's outcome in `POST /v1/signatures/batch`: accepted, or refused with an error body.
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "exists only to carry a schema")]
pub(super) enum BatchResult {
    /// Accepted.
    Accepted(AcceptedSchema),
    /// Refused, with the code and message a single submission would get.
    Refused(super::ErrorBody),
}

/// `POST /v1/signatures/batch`' answer.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "exists only to carry a schema")]
pub(super) struct BatchAnswer {
    /// One per item, in request order.
    results: Vec<BatchResult>,
}

/// A feed entry as the feed serves it.
pub(super) fn feed_event(e: FeedEntry) -> FeedEvent {
    FeedEvent {
        seq: e.seq,
        operator: e.operator,
        received_at_ms: e.received_at_ms,
        invalid: e.invalid,
        signed: e.signed,
    }
}

/// The API's name for a stored certificate state.
pub(super) const fn certificate_state(s: CertState) -> CertificateState {
    match s {
        CertState::Ready => CertificateState::Ready,
        CertState::Submitted => CertificateState::Submitted,
        CertState::Mined => CertificateState::Mined,
        CertState::Failed => CertificateState::Failed,
    }
}

/// Where a stored certificate stands, as both query routes serve it.
fn submission(r: &CertificateRecord) -> Submission {
    submission_of(r.state, r.signed_weight, r.total_weight, r.signers, r.tx_hash, r.block_number)
}

/// Where a stored certificate (single or batch) stands.
fn submission_of(
    state: CertState,
    signed_weight: alloy_primitives::U256,
    total_weight: alloy_primitives::U256,
    signers: u32,
    tx_hash: Option<alloy_primitives::B256>,
    block_number: Option<u64>,
) -> Submission {
    Submission {
        state: certificate_state(state),
        signed_weight,
        total_weight,
        signers,
        tx_hash,
        block_number,
    }
}

/// A stored certificate as `GET /v1/checkpoints/…` serves it.
pub(super) fn checkpoint_view(r: &CertificateRecord) -> CheckpointView {
    CheckpointView {
        domain: r.certificate.domain,
        checkpoint: r.certificate.checkpoint,
        digest: r.digest,
        submission: submission(r),
    }
}

/// A stored certificate as `GET /v1/certificates/…` serves it.
pub(super) fn certificate_view(r: CertificateRecord) -> CertificateView {
    CertificateView { submission: submission(&r), digest: r.digest, certificate: r.certificate }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn integers_are_decimal_strings() {
        let health = Health { status: "ok".into(), feed_head: u64::MAX };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(json, serde_json::json!({"status": "ok", "feedHead": u64::MAX.to_string()}));
        assert_eq!(serde_json::from_value::<Health>(json).unwrap(), health);
    }
}
