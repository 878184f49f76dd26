//! The slasher's HTTP API (axum).
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/signatures` | the fisherman's path: one signed checkpoint (the aggregator's JSON) or an array of at most `max_batch`; each is checked (our domain, a valid signature), stored, and run through the detector. 200 with one result per item: `new`, `duplicate`, `equivocation` (with the offence id), or a refusal code. |
//! | `POST /v1/evidence` | ready evidence (`vigil-types` `Evidence` JSON): checked (it proves an offence in our domain; double-sign signatures verified here, certificate conflicts simulated against the slasher contract) and recorded. 202 with the offence id. |
//! | `GET /v1/offences?state=&limit=` | offences, newest first (at most 1,000), optionally in one state |
//! | `GET /v1/offences/{id}` | one offence with every stored proof |
//! | `GET /v1/health` | `ok`, the cursors and the index size |
//!
//! Errors are JSON `{ "error": code, "message": text }` with a 4xx status: `bad_request`
//! (malformed JSON, bad parameter), `body_too_large` (413), `batch_too_large`,
//! `wrong_domain`, `invalid_signature`, `not_an_offence`, `refused_by_contract`,
//! `not_found`; 503 `unavailable` when the ingest path is gone, 500 `internal` (details only in
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
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};
use vigil_chain::bindings::VigilVerifier;
use vigil_crypto::{PublicKey, Signature, verify};
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

/// The JSON body of every error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code (see the module docs).
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// An API error: status, code, message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    fn internal(err: impl std::fmt::Display) -> Self {
        error!(target: "vigil::slasher::api", %err, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.code.into(), message: self.message }))
            .into_response()
    }
}

fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("request body is larger than {limit} bytes"),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
        }
    })
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("JSON: {e}")))
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    let limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v1/signatures", post(signatures))
        .route("/v1/evidence", post(evidence))
        .route("/v1/offences", get(offences))
        .route("/v1/offences/{id}", get(offence))
        .route("/v1/health", get(health))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "unknown_route", "no such route")
        })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(Arc::new(state))
}

/// `GET /metrics` on its own port.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(|| async { metrics::render() }))
}

/// One item's result in `POST /v1/signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Box<SignedCheckpoint>),
    Many(Vec<SignedCheckpoint>),
}

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceAccepted {
    /// The offence's id in the store.
    pub offence_id: i64,
    /// Whether the offence was new to this slasher.
    pub new: bool,
}

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffenceView {
    /// Id in the store.
    pub id: i64,
    /// The offence.
    pub offence: Offence,
    /// `pending`, `submitted`, `queued`, `slashed`, `already_slashed`, `vetoed`, `failed`.
    pub state: String,
    /// The state's transaction, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
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

async fn offences(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<OffenceView>>, ApiError> {
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let kind = q
        .state
        .as_deref()
        .map(str::parse::<StateKind>)
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
    let limit = q.limit.unwrap_or(100).min(1_000);
    let list = state.store.list(limit, kind).await.map_err(ApiError::internal)?;
    Ok(Json(list.into_iter().map(OffenceView::from).collect()))
}

/// `GET /v1/offences/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffenceDetail {
    /// The offence.
    #[serde(flatten)]
    pub offence: OffenceView,
    /// Every stored proof, the submitted one first.
    pub all_proofs: Vec<Evidence>,
}

async fn offence(
    State(state): State<Arc<ApiState>>,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<OffenceDetail>, ApiError> {
    let Path(id) =
        id.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let Some(record) = state.store.get_by_id(id).await.map_err(ApiError::internal)? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no offence {id}")));
    };
    let all_proofs = state.store.proofs(id).await.map_err(ApiError::internal)?;
    Ok(Json(OffenceDetail { offence: record.into(), all_proofs }))
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlasherHealth {
    /// `ok`.
    pub status: String,
    /// Offences per state.
    pub offences: BTreeMap<String, u64>,
}

async fn health(State(state): State<Arc<ApiState>>) -> Result<Json<SlasherHealth>, ApiError> {
    let counts = state.store.count_by_state().await.map_err(ApiError::internal)?;
    Ok(Json(SlasherHealth {
        status: "ok".into(),
        offences: counts.into_iter().map(|(k, n)| (k.as_str().to_owned(), n)).collect(),
    }))
}
