//! The slasher's HTTP API (axum).
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/signatures` | the fisherman's path: one signed checkpoint (the aggregator's JSON) or an array of at most `max_batch`; each is checked (our domain, a valid signature), stored, and run through the detector. 200 with one result per item: `new`, `duplicate`, `equivocation` (with the offence id), or a refusal code. |
//! | `POST /v1/evidence` | ready evidence (`vigil-types` `Evidence` JSON): checked (it proves an offence in our domain; double-sign signatures verified here, certificate conflicts simulated against the slasher contract) and recorded. 202 with the offence id. |
//! | `GET /v1/offences?state=&limit=` | offences, newest first (at most 1,000), optionally in one state |
//! | `GET /v1/offences/{id}` | one offence with every stored proof |
//! | `GET /v1/health` | `ok`, the cursors and the index size |
//! | `GET /openapi.json` | the API's OpenAPI document ([`openapi`], committed as `slasher/openapi.json`) |
//!
//! Errors are the kernel's [`ErrorBody`], `{ "error": code, "message": text }`, with a 4xx
//! status: `bad_request`
//! (malformed JSON, bad parameter), `body_too_large` (413), `batch_too_large`,
//! `wrong_domain`, `invalid_signature`, `not_an_offence`, `refused_by_contract`,
//! `not_found`, `unknown_route`, `method_not_allowed`; 503 `unavailable` when the ingest path is gone, 500 `internal` (details only in
//! the log). Nothing secret is ever returned.

use std::{collections::BTreeMap, sync::Arc};

use alloy::{
    primitives::{Address, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State, rejection::BytesRejection},
    http::StatusCode,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};
use utoipa::{OpenApi, ToSchema};
use vigil_chain::bindings::VigilVerifier;
use vigil_client::types::schema::{self, examples};
use vigil_crypto::{PublicKey, Signature, verify};
use vigil_service::http;
pub use vigil_service::http::{ErrorBody, HttpError as ApiError};
use vigil_types::{Evidence, Offence, SignedCheckpoint, SigningDomain};

use crate::{
    EvidenceStore, OffenceRecord, OffenceState, StateKind, metrics, now_ms,
    service::{IngestResult, PUBLIC_SOURCE},
    submit,
};

/// A batch of verified public submissions for the ingestor, and where to send its results.
#[derive(Debug)]
pub struct IngestRequest {
    /// `(seq in the public feed, signed checkpoint)`.
    pub items: Vec<(u64, SignedCheckpoint)>,
    /// The ingestor's answer, one per item.
    pub reply: oneshot::Sender<Vec<IngestResult>>,
}

/// Checks certificate-conflict evidence against the chain (the contract is the judge).
#[derive(Clone, Debug)]
pub struct ChainChecker {
    /// L1.
    pub provider: DynProvider,
    /// Vigil's slasher contract.
    pub slasher: Address,
}

/// The default of `api.max_body_bytes` (the config's), as the OpenAPI document states it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 262_144;

/// Limits of the API.
#[derive(Clone, Copy, Debug)]
pub struct ApiLimits {
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Most signed checkpoints in one `POST /v1/signatures`.
    pub max_batch: usize,
}

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The evidence store.
    pub store: EvidenceStore,
    /// Vigil's signing domain: submissions for another are refused.
    pub domain: SigningDomain,
    /// The ingestor's inbox.
    pub ingest: mpsc::Sender<IngestRequest>,
    /// For certificate-conflict evidence; `None`: such evidence is refused.
    pub chain: Option<ChainChecker>,
    /// Limits.
    pub limits: ApiLimits,
}

fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large(limit)
        } else {
            ApiError::bad_request(e.body_text())
        }
    })
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("JSON: {e}")))
}

/// The slasher API's OpenAPI document: the routes of [`router`] and [`metrics_router`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "vigil-slasher API",
        description = "Public submission of signed checkpoints and evidence of equivocation, the \
                       offences recorded, and metrics. Integers in the wire types are decimal \
                       strings, bytes `0x` hex. A body over the limit is 413 `body_too_large`.",
    ),
    paths(signatures, evidence, offences, offence, health),
    tags(
        (name = "public", description = "Submissions from anyone (fishermen)"),
        (name = "offences", description = "What the slasher recorded and did"),
        (name = "meta", description = "Health and this document"),
    )
)]
struct ApiDoc;

/// The slasher API's OpenAPI document (committed as `slasher/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::document::<ApiDoc>()
}

/// The API's routes, and its OpenAPI document at `GET /openapi.json`.
pub fn router(state: ApiState) -> Router {
    let limit = state.limits.max_body_bytes;
    let routes = Router::new()
        .route("/v1/signatures", post(signatures))
        .route("/v1/evidence", post(evidence))
        .route("/v1/offences", get(offences))
        .route("/v1/offences/{id}", get(offence))
        .route("/v1/health", get(health))
        .with_state(Arc::new(state))
        .merge(http::openapi_router(&openapi()));
    http::with_fallbacks(routes).layer(DefaultBodyLimit::max(limit))
}

/// `GET /metrics` on its own port: the process's default registry, where [`metrics`] registers.
pub fn metrics_router() -> Router {
    http::metrics_router(prometheus::default_registry())
}

/// One item's result in `POST /v1/signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignatureResult {
    /// `new`, `duplicate`, `replaced`, `equivocation`, `below_pruned`, or a refusal code
    /// (`wrong_domain`, `invalid_signature`).
    pub result: String,
    /// The offence proven, for `equivocation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offence_id: Option<i64>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST /v1/signatures`' body: one signed checkpoint or an array.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
enum OneOrMany {
    /// One.
    #[schema(value_type = schema::SignedCheckpoint)]
    One(Box<SignedCheckpoint>),
    /// Several, at most `max_batch`.
    #[schema(value_type = Vec<schema::SignedCheckpoint>)]
    Many(Vec<SignedCheckpoint>),
}

/// The fisherman's path: signed checkpoints, each checked (this slasher's domain, a valid
/// signature), stored and run through the detector.
#[utoipa::path(
    post,
    path = "/v1/signatures",
    tag = "public",
    request_body(content = OneOrMany, description = "One signed checkpoint or an array of at most `max_batch`",
        example = json!(examples::signed())),
    responses(
        (status = 200, description = "One result per item, in order: `new`, `duplicate`, `replaced`, `equivocation` (with the offence id), `below_pruned`, or a refusal (`wrong_domain`, `invalid_signature`)", body = Vec<SignatureResult>,
            example = json!([{"result": "equivocation", "offenceId": 7}, {"result": "wrong_domain", "message": "signed for another chain, verifier or operator set"}])),
        (status = 400, description = "`bad_request` (not JSON, not signed checkpoints) or `batch_too_large`", body = ErrorBody,
            example = json!({"error": "batch_too_large", "message": "at most 256 signed checkpoints per request"})),
        http::BodyTooLarge<DEFAULT_MAX_BODY_BYTES>,
        http::Internal,
        (status = 503, description = "`unavailable`: shutting down", body = ErrorBody,
            example = json!({"error": "unavailable", "message": "shutting down"})),
        http::MethodNotAllowed,
    )
)]
async fn signatures(
    State(state): State<Arc<ApiState>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<SignatureResult>>, ApiError> {
    let raw = body(raw, state.limits.max_body_bytes)?;
    let items = match json::<OneOrMany>(&raw)? {
        OneOrMany::One(s) => vec![*s],
        OneOrMany::Many(v) => v,
    };
    if items.len() > state.limits.max_batch {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "batch_too_large",
            format!("at most {} signed checkpoints per request", state.limits.max_batch),
        ));
    }
    let mut results: Vec<Option<SignatureResult>> = vec![None; items.len()];
    let mut accepted = Vec::new();
    let mut accepted_at = Vec::new();
    for (i, signed) in items.into_iter().enumerate() {
        let refusal = if signed.domain != state.domain {
            Some(("wrong_domain", "signed for another chain, verifier or operator set".into()))
        } else if !signature_valid(&signed) {
            Some(("invalid_signature", "the key or signature does not decode or verify".into()))
        } else {
            None
        };
        match refusal {
            Some((code, message)) => {
                metrics::public("signature", code);
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(SignatureResult {
                        result: code.into(),
                        offence_id: None,
                        message: Some(message),
                    });
                }
            }
            None => {
                accepted_at.push(i);
                accepted.push(signed);
            }
        }
    }
    if !accepted.is_empty() {
        // Durable first: the index is rebuilt from this table after a restart.
        let seqs =
            state.store.append_public(&accepted, now_ms()).await.map_err(ApiError::internal)?;
        let (reply, answer) = oneshot::channel();
        let request = IngestRequest { items: seqs.into_iter().zip(accepted).collect(), reply };
        let unavailable =
            || ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "shutting down");
        state.ingest.send(request).await.map_err(|_| unavailable())?;
        let ingested = answer.await.map_err(|_| unavailable())?;
        for (i, r) in accepted_at.into_iter().zip(ingested) {
            metrics::public("signature", r.label());
            let offence_id = match r {
                IngestResult::Offence { offence_id, .. } => Some(offence_id),
                IngestResult::Detected(_) => None,
            };
            if let Some(slot) = results.get_mut(i) {
                *slot =
                    Some(SignatureResult { result: r.label().into(), offence_id, message: None });
            }
        }
    }
    Ok(Json(results.into_iter().flatten().collect()))
}

fn signature_valid(signed: &SignedCheckpoint) -> bool {
    match (PublicKey::from_wire(&signed.pubkey), Signature::from_wire(&signed.signature)) {
        (Ok(pk), Ok(sig)) => verify(&pk, signed.digest().as_slice(), &sig).is_ok(),
        _ => false,
    }
}

/// `POST /v1/evidence`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceAccepted {
    /// The offence's id in the store.
    pub offence_id: i64,
    /// Whether the offence was new to this slasher.
    pub new: bool,
}

/// Ready evidence of an equivocation: checked (double-sign signatures verified here,
/// certificate conflicts simulated against the slasher contract) and recorded.
#[utoipa::path(
    post,
    path = "/v1/evidence",
    tag = "public",
    request_body(content = EvidenceSchema, description = "Evidence as `vigil-types` encodes it",
        example = json!(evidence_example())),
    responses(
        (status = 202, description = "Recorded", body = EvidenceAccepted,
            example = json!({"offenceId": 7, "new": true})),
        (status = 400, description = "`bad_request`: not evidence", body = ErrorBody,
            example = json!({"error": "bad_request", "message": "JSON: missing field `kind`"})),
        http::BodyTooLarge<DEFAULT_MAX_BODY_BYTES>,
        (status = 422, description = "`not_an_offence`, `wrong_domain`, `invalid_signature` or `refused_by_contract`", body = ErrorBody,
            example = json!({"error": "not_an_offence", "message": "the two checkpoints do not conflict"})),
        http::Internal,
        http::MethodNotAllowed,
    )
)]
async fn evidence(
    State(state): State<Arc<ApiState>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<EvidenceAccepted>), ApiError> {
    let raw = body(raw, state.limits.max_body_bytes)?;
    let evidence: Evidence = json(&raw)?;
    let refuse = |code: &'static str, message: String| {
        metrics::public("evidence", code);
        warn!(target: "vigil::slasher::api", code, %message, "public evidence refused");
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    };
    let offence = evidence.offence().map_err(|e| refuse("not_an_offence", e.to_string()))?;
    if offence.domain != state.domain {
        return Err(refuse("wrong_domain", "evidence for another chain or verifier".into()));
    }
    match &evidence {
        Evidence::DoubleSign { first, second } => {
            if !signature_valid(first) || !signature_valid(second) {
                return Err(refuse("invalid_signature", "a signature does not verify".into()));
            }
        }
        Evidence::CertificateConflict { .. } => {
            let Some(chain) = &state.chain else {
                return Err(refuse(
                    "refused_by_contract",
                    "this slasher cannot check certificate conflicts (no chain)".into(),
                ));
            };
            check_on_chain(chain, &state.domain, &offence, &evidence)
                .await
                .map_err(|m| refuse("refused_by_contract", m))?;
        }
    }
    let recorded = state.store.record(&evidence, now_ms()).await.map_err(ApiError::internal)?;
    metrics::public("evidence", "accepted");
    if recorded.new {
        metrics::recorded(1);
    }
    info!(target: "vigil::slasher::api", offence_id = recorded.offence_id, new = recorded.new, source = PUBLIC_SOURCE, "public evidence recorded");
    Ok((
        StatusCode::ACCEPTED,
        Json(EvidenceAccepted { offence_id: recorded.offence_id, new: recorded.new }),
    ))
}

/// Simulates the evidence against the slasher contract: `Ok` if it would slash (or the
/// offence is already recorded: `AlreadyPunished` means the evidence was good).
async fn check_on_chain(
    chain: &ChainChecker,
    domain: &SigningDomain,
    offence: &Offence,
    evidence: &Evidence,
) -> Result<(), String> {
    let pk = PublicKey::from_wire(&offence.pubkey).map_err(|e| format!("offender key: {e}"))?;
    let verifier = VigilVerifier::new(domain.verifier, &chain.provider);
    let operator = verifier
        .operatorOfKey(keccak256(pk.to_eip2537()))
        .call()
        .await
        .map_err(|e| format!("cannot read the verifier: {e}"))?;
    if operator == Address::ZERO {
        return Err("the offender's key is not registered".into());
    }
    let input = submit::evidence_call(operator, evidence)?;
    let request = TransactionRequest::default().to(chain.slasher).input(input.into());
    match chain.provider.estimate_gas(request).await {
        Ok(_) => Ok(()),
        Err(err) => {
            match err
                .as_error_resp()
                .and_then(|e| e.as_revert_data())
                .and_then(|d| submit::decode_revert(&d))
            {
                Some(("AlreadyPunished", _)) => Ok(()),
                Some((_, detail)) => Err(detail),
                None => Err(format!("simulation failed: {err}")),
            }
        }
    }
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    limit: Option<u32>,
}

/// One offence as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OffenceView {
    /// Id in the store.
    pub id: i64,
    /// The offence.
    #[schema(value_type = OffenceSchema)]
    pub offence: Offence,
    /// `pending`, `submitted`, `queued`, `slashed`, `already_slashed`, `vetoed`, `failed`.
    pub state: String,
    /// The state's transaction, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Bytes32>)]
    pub tx_hash: Option<alloy::primitives::B256>,
    /// Slashed: its block; queued: the first block it can be executed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    /// Failed: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Distinct proofs stored.
    pub proofs: u32,
    /// The proof submitted.
    #[schema(value_type = EvidenceSchema)]
    pub evidence: Evidence,
    /// First recorded (unix ms).
    pub created_at_ms: u64,
    /// Last state change (unix ms).
    pub updated_at_ms: u64,
}

impl From<OffenceRecord> for OffenceView {
    fn from(r: OffenceRecord) -> Self {
        let (tx_hash, block, reason) = match &r.state {
            OffenceState::Submitted { tx_hash } => (Some(*tx_hash), None, None),
            OffenceState::Queued { tx_hash, executable_at } => {
                (Some(*tx_hash), Some(*executable_at), None)
            }
            OffenceState::Slashed { tx_hash, block } => (Some(*tx_hash), Some(*block), None),
            OffenceState::Failed { reason } => (None, None, Some(reason.clone())),
            _ => (None, None, None),
        };
        Self {
            id: r.id,
            offence: r.offence,
            state: r.state.kind().as_str().into(),
            tx_hash,
            block,
            reason,
            proofs: r.proofs,
            evidence: r.evidence,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

/// Offences, newest first, optionally in one state.
#[utoipa::path(
    get,
    path = "/v1/offences",
    tag = "offences",
    params(
        ("state" = Option<String>, Query, description = "Only offences in this state: `pending`, `submitted`, `queued`, `slashed`, `already_slashed`, `vetoed` or `failed`", example = "slashed"),
        ("limit" = Option<u32>, Query, description = "At most this many (default 100, at most 1000)", example = 10),
    ),
    responses(
        (status = 200, description = "The offences", body = Vec<OffenceView>, example = json!([offence_example()])),
        (status = 400, description = "`bad_request`: an unknown state or a bad limit", body = ErrorBody,
            example = json!({"error": "bad_request", "message": "unknown offence state `asleep`"})),
        http::Internal,
        http::MethodNotAllowed,
    )
)]
async fn offences(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<OffenceView>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let kind = q
        .state
        .as_deref()
        .map(str::parse::<StateKind>)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let limit = q.limit.unwrap_or(100).min(1_000);
    let list = state.store.list(limit, kind).await.map_err(ApiError::internal)?;
    Ok(Json(list.into_iter().map(OffenceView::from).collect()))
}

/// `GET /v1/offences/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OffenceDetail {
    /// The offence.
    #[serde(flatten)]
    pub offence: OffenceView,
    /// Every stored proof, the submitted one first.
    #[schema(value_type = Vec<EvidenceSchema>)]
    pub all_proofs: Vec<Evidence>,
}

/// One offence with every stored proof.
#[utoipa::path(
    get,
    path = "/v1/offences/{id}",
    tag = "offences",
    params(("id" = i64, Path, description = "The offence's id", example = 1)),
    responses(
        (status = 200, description = "The offence", body = OffenceDetail, example = json!(offence_detail_example())),
        (status = 400, description = "`bad_request`: the id is not a number", body = ErrorBody,
            example = json!({"error": "bad_request", "message": "Invalid URL: Cannot parse `x` to a `i64`"})),
        (status = 404, description = "`not_found`", body = ErrorBody,
            example = json!({"error": "not_found", "message": "no offence 1"})),
        http::Internal,
        http::MethodNotAllowed,
    )
)]
async fn offence(
    State(state): State<Arc<ApiState>>,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<OffenceDetail>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let Some(record) = state.store.get_by_id(id).await.map_err(ApiError::internal)? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no offence {id}")));
    };
    let all_proofs = state.store.proofs(id).await.map_err(ApiError::internal)?;
    Ok(Json(OffenceDetail { offence: record.into(), all_proofs }))
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlasherHealth {
    /// `ok`.
    pub status: String,
    /// Offences per state.
    pub offences: BTreeMap<String, u64>,
}

/// Whether the slasher and its database answer, and its offences per state.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "meta",
    responses(
        (status = 200, description = "Up", body = SlasherHealth,
            example = json!({"status": "ok", "offences": {"pending": 0, "slashed": 1}})),
        http::Internal,
        http::MethodNotAllowed,
    )
)]
async fn health(State(state): State<Arc<ApiState>>) -> Result<Json<SlasherHealth>, ApiError> {
    let counts = state.store.count_by_state().await.map_err(ApiError::internal)?;
    Ok(Json(SlasherHealth {
        status: "ok".into(),
        offences: counts.into_iter().map(|(k, n)| (k.as_str().to_owned(), n)).collect(),
    }))
}

/// The schema of `vigil-types`' `Offence`: a key that signed two conflicting checkpoints for one
/// `(rollupId, height)` in one domain.
#[derive(ToSchema)]
#[schema(as = Offence)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "exists only to carry a schema")]
struct OffenceSchema {
    /// The domain the conflicting signatures were made in.
    domain: schema::SigningDomain,
    /// The offender's key.
    pubkey: schema::PublicKey,
    /// The rollup.
    rollup_id: schema::Quantity,
    /// The height signed twice.
    height: schema::Quantity,
}

/// The schema of `vigil-types`' `Evidence`: proof that an operator equivocated.
#[derive(ToSchema)]
#[schema(as = Evidence)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[allow(dead_code, reason = "exists only to carry a schema")]
enum EvidenceSchema {
    /// Two individually signed, conflicting checkpoints by one key.
    DoubleSign {
        /// The first signed checkpoint.
        first: schema::SignedCheckpoint,
        /// The second, conflicting one (same key, same domain).
        second: schema::SignedCheckpoint,
    },
    /// A recorded certificate and a conflicting aggregate, both with `offender` among the
    /// signers.
    #[serde(rename_all = "camelCase")]
    CertificateConflict {
        /// The key blamed.
        offender: schema::PublicKey,
        /// The certificate the verifier recorded.
        recorded: schema::Certificate,
        /// A conflicting aggregate the offender is part of.
        conflicting: schema::Certificate,
    },
}

/// Double-sign evidence: the example signed checkpoint and a second one (same key, same height,
/// another block).
fn evidence_example() -> serde_json::Value {
    let first = examples::signed();
    let mut second = first.clone();
    if let Some(block) = second.pointer_mut("/checkpoint/blockHash") {
        *block = "0x2222222222222222222222222222222222222222222222222222222222222222".into();
    }
    serde_json::json!({"kind": "doubleSign", "first": first, "second": second})
}

fn offence_example() -> serde_json::Value {
    let signed = examples::signed();
    serde_json::json!({
        "id": 1,
        "offence": {
            "domain": examples::domain(),
            "pubkey": signed.get("pubkey"),
            "rollupId": "901",
            "height": "1000"
        },
        "state": "slashed",
        "txHash": "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170",
        "block": 120,
        "proofs": 1,
        "evidence": evidence_example(),
        "createdAtMs": 1_764_000_000_000_u64,
        "updatedAtMs": 1_764_000_012_000_u64
    })
}

fn offence_detail_example() -> serde_json::Value {
    let mut detail = offence_example();
    if let Some(fields) = detail.as_object_mut() {
        fields.insert("allProofs".into(), serde_json::json!([evidence_example()]));
    }
    detail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick check (no chain): the committed document is the one the types derive. The
    /// integration test `openapi` checks the one a running service serves.
    #[test]
    fn committed_openapi_document_is_current() {
        let check = http::check_committed(&openapi(), env!("CARGO_MANIFEST_DIR"), "vigil-slasher");
        check.unwrap_or_else(|e| panic!("{e}"));
    }
}
