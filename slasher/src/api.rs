//! The slasher's HTTP API (axum).
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/signatures` | the fisherman's path: one signed checkpoint (the aggregator's JSON) or an array of at most `max_batch`; each is checked (our domain, a registered key, a valid signature), stored, and run through the detector. 200 with one result per item: `new`, `duplicate`, `equivocation` (with the offence id), or a refusal code. |
//! | `POST /v1/evidence` | ready evidence (`vigil-types` `Evidence` JSON): checked (it proves an offence in our domain by a registered key; double-sign signatures verified here, certificate conflicts simulated against the slasher contract) and recorded. 202 with the offence id. |
//! | `GET /v1/offences?state=&limit=` | offences, newest first (at most 1,000), optionally in one state |
//! | `GET /v1/offences/{id}` | one offence with every stored proof |
//! | `GET /v1/health` | `ok`, the cursors and the index size |
//! | `GET /openapi.json` | the API's OpenAPI document ([`openapi`], committed as `slasher/openapi.json`) |
//!
//! Errors are the kernel's [`ErrorBody`], `{ "error": code, "message": text }`, with a 4xx
//! status: `bad_request`
//! (malformed JSON, bad parameter), `body_too_large` (413), `batch_too_large`,
//! `wrong_domain`, `invalid_signature`, `unknown_operator`, `not_an_offence`,
//! `refused_by_contract`, `rate_limited` (429, with `Retry-After`), `not_found`,
//! `unknown_route`, `method_not_allowed`; 503 `unavailable` when the ingest path is gone or the
//! chain cannot be read, 500 `internal` (details only in the log). Nothing secret is ever
//! returned.
//!
//! # Offered evidence, never flooded
//! The public routes are open to anyone, so what one request can cost is bounded:
//! - **A failure budget per source** (an IPv4 address or an IPv6 /64; token buckets,
//!   [`RateLimiter`](vigil_service::http::rate_limit::RateLimiter)): each item that fails (a
//!   signature that does not verify, another domain, a key never registered, a malformed
//!   request) spends one token; valid submissions never do. A source with its budget spent gets
//!   429 `rate_limited` before any work, and the rest of a request that spends it mid-way is
//!   answered `rate_limited` without being checked.
//! - **Registration before storage**: a key is looked up with the verifier (`operatorOfKey`)
//!   before its signature is verified or stored, and the answer remembered in a bounded cache
//!   (unregistered keys for `api.unknown_key_ttl_ms`). A key never registered is refused
//!   `unknown_operator` and never reaches the database.
//! - **Bounded verification**: pairings run on the blocking pool, at most one job per core at
//!   once; a request's signatures are checked by random-scalar batch verification (sound per
//!   signer) in chunks of 16, falling back to one verification each only in a chunk whose batch
//!   fails, and never past the point where the source's budget is spent.
//! - **Replays cost a hash**: the latest signed checkpoints stored from this route are
//!   remembered by fingerprint; one sent again (copied from a feed, say) is a `duplicate`
//!   without a pairing or a new row.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

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
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};
use utoipa::{OpenApi, ToSchema};
use vigil_chain::bindings::VigilVerifier;
use vigil_client::types::schema::{self, examples};
use vigil_crypto::{PublicKey, Signature, batch_verify, verify};
use vigil_service::http::{self, Source};
pub use vigil_service::http::{ErrorBody, HttpError as ApiError};
use vigil_types::{Evidence, Offence, PublicKeyBytes, SignedCheckpoint, SigningDomain};

mod guard;

pub use guard::GuardLimits;
use guard::{Budget, Guard, Registration, chain_unavailable, fingerprint, unavailable};

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

/// The chain as the API reads it: key registrations (the verifier's `operatorOfKey`) and
/// certificate-conflict evidence, simulated against the slasher contract (the judge).
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
    /// Failure budgets and the registration cache of the public routes.
    pub guard: GuardLimits,
}

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    store: EvidenceStore,
    domain: SigningDomain,
    ingest: mpsc::Sender<IngestRequest>,
    chain: ChainChecker,
    limits: ApiLimits,
    guard: Arc<Guard>,
}

impl ApiState {
    /// The API over `store`, for Vigil's signing `domain` (submissions for another are refused),
    /// feeding the ingestor's inbox `ingest`, reading registrations and checking certificate
    /// conflicts on `chain`.
    pub fn new(
        store: EvidenceStore,
        domain: SigningDomain,
        ingest: mpsc::Sender<IngestRequest>,
        chain: ChainChecker,
        limits: ApiLimits,
    ) -> Self {
        let guard = Arc::new(Guard::new(limits.guard, chain.provider.clone(), domain.verifier));
        Self { store, domain, ingest, chain, limits, guard }
    }
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
    /// (`wrong_domain`, `invalid_signature`, `unknown_operator`, `rate_limited`).
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

/// Why one item of `POST /v1/signatures` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// The source's failure budget ran out before this item was checked (not charged).
    RateLimited,
    /// Another chain, verifier or operator set.
    WrongDomain,
    /// The key or the signature does not decode, or the signature does not verify.
    InvalidSignature,
    /// No operator ever registered the key.
    UnknownOperator,
}

impl Refusal {
    const fn code(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::WrongDomain => "wrong_domain",
            Self::InvalidSignature => "invalid_signature",
            Self::UnknownOperator => "unknown_operator",
        }
    }

    const fn message(self) -> &'static str {
        match self {
            Self::RateLimited => "too many failed submissions from this address; retry later",
            Self::WrongDomain => "signed for another chain, verifier or operator set",
            Self::InvalidSignature => "the key or signature does not decode or verify",
            Self::UnknownOperator => "the key is not registered to any operator",
        }
    }

    /// The item's answer, counted.
    fn answer(self) -> SignatureResult {
        metrics::public("signature", self.code());
        SignatureResult {
            result: self.code().into(),
            offence_id: None,
            message: Some(self.message().into()),
        }
    }
}

/// An item that passed the cheap checks, with its registered key.
type Registered = (usize, SignedCheckpoint, PublicKey);

/// Items that passed a step (by index in the request), and the refusals.
type Sorted<T> = (Vec<T>, Vec<(usize, Refusal)>);

/// The fisherman's path: signed checkpoints, each checked (this slasher's domain, a key
/// registered to an operator, a valid signature), stored and run through the detector. Each
/// item that fails is charged to the source's failure budget.
#[utoipa::path(
    post,
    path = "/v1/signatures",
    tag = "public",
    request_body(content = OneOrMany, description = "One signed checkpoint or an array of at most `max_batch`",
        example = json!(examples::signed())),
    responses(
        (status = 200, description = "One result per item, in order: `new`, `duplicate`, `replaced`, `equivocation` (with the offence id), `below_pruned`, or a refusal (`wrong_domain`, `invalid_signature`, `unknown_operator`; `rate_limited` when the source's failure budget ran out before the item was checked)", body = Vec<SignatureResult>,
            example = json!([{"result": "equivocation", "offenceId": 7}, {"result": "wrong_domain", "message": "signed for another chain, verifier or operator set"}])),
        (status = 400, description = "`bad_request` (not JSON, not signed checkpoints) or `batch_too_large`", body = ErrorBody,
            example = json!({"error": "batch_too_large", "message": "at most 256 signed checkpoints per request"})),
        http::BodyTooLarge<DEFAULT_MAX_BODY_BYTES>,
        (status = 429, description = "`rate_limited`: this source's failure budget is spent; retry after `Retry-After` seconds", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the budget has refilled enough")),
            example = json!({"error": "rate_limited", "message": "too many failed submissions from this address; retry later"})),
        http::Internal,
        (status = 503, description = "`unavailable`: shutting down, or the operator set cannot be read now", body = ErrorBody,
            example = json!({"error": "unavailable", "message": "shutting down"})),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn signatures(
    State(state): State<Arc<ApiState>>,
    source: Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<SignatureResult>>, ApiError> {
    const KIND: &str = "signature";
    let budget = state.guard.budget(source);
    budget.check(KIND)?;
    let raw =
        body(raw, state.limits.max_body_bytes).map_err(|e| budget.fail(KIND, "malformed", e))?;
    let items = match json::<OneOrMany>(&raw).map_err(|e| budget.fail(KIND, "malformed", e))? {
        OneOrMany::One(s) => vec![*s],
        OneOrMany::Many(v) => v,
    };
    drop(raw);
    if items.len() > state.limits.max_batch {
        let error = ApiError::new(
            StatusCode::BAD_REQUEST,
            "batch_too_large",
            format!("at most {} signed checkpoints per request", state.limits.max_batch),
        );
        return Err(budget.fail(KIND, "batch_too_large", error));
    }
    let mut results: Vec<Option<SignatureResult>> = vec![None; items.len()];
    let mut set = |i: usize, result: SignatureResult| {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    };

    // 1. What costs nothing: the domain, and replays of what was stored (copied from a feed,
    // say), which are duplicates without a pairing or a row.
    let mut open = Vec::with_capacity(items.len());
    for (i, signed) in items.into_iter().enumerate() {
        if budget.spent().is_some() {
            set(i, Refusal::RateLimited.answer());
        } else if signed.domain != state.domain {
            budget.charge();
            set(i, Refusal::WrongDomain.answer());
        } else if state.guard.stored_recently(&fingerprint(&signed)) {
            metrics::public(KIND, "duplicate");
            set(i, SignatureResult { result: "duplicate".into(), offence_id: None, message: None });
        } else {
            open.push((i, signed));
        }
    }

    // 2. Registration, before any pairing and before anything is stored.
    let (registered, refused) = registration(&state, &budget, open).await?;
    for (i, refusal) in refused {
        set(i, refusal.answer());
    }

    // 3. Signatures: batch verification, off the async workers.
    let accepted = if registered.is_empty() {
        Vec::new()
    } else if budget.spent().is_some() {
        registered.iter().for_each(|(i, _, _)| set(*i, Refusal::RateLimited.answer()));
        Vec::new()
    } else {
        let job_budget = budget.clone();
        let (accepted, refused) =
            state.guard.run(move || verify_registered(registered, &job_budget)).await?;
        for (i, refusal) in refused {
            set(i, refusal.answer());
        }
        accepted
    };

    // 4. Durable, then detected.
    if !accepted.is_empty() {
        let (accepted_at, accepted): (Vec<usize>, Vec<SignedCheckpoint>) =
            accepted.into_iter().unzip();
        // Durable first: the index is rebuilt from this table after a restart.
        let seqs =
            state.store.append_public(&accepted, now_ms()).await.map_err(ApiError::internal)?;
        let (reply, answer) = oneshot::channel();
        let request = IngestRequest { items: seqs.into_iter().zip(accepted).collect(), reply };
        let stored: Vec<_> = request.items.iter().map(|(_, s)| fingerprint(s)).collect();
        state.ingest.send(request).await.map_err(|_| unavailable())?;
        let ingested = answer.await.map_err(|_| unavailable())?;
        state.guard.remember_stored(stored);
        for (i, r) in accepted_at.into_iter().zip(ingested) {
            metrics::public(KIND, r.label());
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

/// How many keys one request may be asking the chain about at once.
const LOOKUPS_AT_ONCE: usize = 8;

/// Splits `open` into items under registered keys and refusals. Keys the cache does not know
/// are decoded on the verification pool, then asked about a few at a time; a key found
/// unregistered is charged at once for each of its items, and once the budget is spent no more
/// keys are asked about (their items are `rate_limited`). 503 if the chain cannot be read.
async fn registration(
    state: &ApiState,
    budget: &Budget,
    open: Vec<(usize, SignedCheckpoint)>,
) -> Result<Sorted<Registered>, ApiError> {
    let keys = state.guard.keys();
    let mut items_of: HashMap<PublicKeyBytes, u32> = HashMap::new();
    for (_, signed) in &open {
        let n = items_of.entry(signed.pubkey).or_default();
        *n = n.saturating_add(1);
    }
    // `(registration, already charged)` per key.
    let mut known: HashMap<PublicKeyBytes, (Option<Registration>, bool)> = HashMap::new();
    let mut missing = Vec::new();
    for key in items_of.keys() {
        match keys.cached(key) {
            Some(r) => {
                known.insert(*key, (Some(r), false));
            }
            None => missing.push(*key),
        }
    }
    if !missing.is_empty() {
        let decoded = state
            .guard
            .run(move || {
                missing.into_iter().map(|k| (k, PublicKey::from_wire(&k).ok())).collect::<Vec<_>>()
            })
            .await?;
        let items_of = &items_of;
        let asks = decoded.into_iter().map(|(pubkey, key)| async move {
            let Some(key) = key else {
                return Ok((pubkey, (Some(Registration::Undecodable), false)));
            };
            if budget.spent().is_some() {
                return Ok((pubkey, (None, false)));
            }
            let registration = keys.ask(&pubkey, key).await?;
            let charged = matches!(registration, Registration::Unregistered);
            if charged {
                for _ in 0..items_of.get(&pubkey).copied().unwrap_or(1) {
                    budget.charge();
                }
            }
            Ok::<_, String>((pubkey, (Some(registration), charged)))
        });
        let answers: Vec<_> =
            futures_util::stream::iter(asks).buffered(LOOKUPS_AT_ONCE).collect().await;
        for answer in answers {
            let (pubkey, registration) = answer.map_err(chain_unavailable)?;
            known.insert(pubkey, registration);
        }
    }
    let mut registered = Vec::with_capacity(open.len());
    let mut refused = Vec::new();
    for (i, signed) in open {
        match known.get(&signed.pubkey).copied().unwrap_or((None, false)) {
            (Some(Registration::Registered(key)), _) => registered.push((i, signed, key)),
            (Some(Registration::Unregistered), charged) => {
                if !charged {
                    budget.charge();
                }
                refused.push((i, Refusal::UnknownOperator));
            }
            (Some(Registration::Undecodable), _) => {
                budget.charge();
                refused.push((i, Refusal::InvalidSignature));
            }
            (None, _) => refused.push((i, Refusal::RateLimited)),
        }
    }
    Ok((registered, refused))
}

/// Signatures per batch verification. Batches amortise the final exponentiation; keeping them
/// small bounds what one failure token buys an attacker: a failed batch (then one verification
/// per item until the budget is spent) costs at most this many pairings more than nothing.
const VERIFY_CHUNK: usize = 16;

/// Verifies the signatures of `items` (keys registered and decoded) in chunks of
/// [`VERIFY_CHUNK`]: each chunk with one random-scalar batch verification, and only if that
/// fails, each item on its own. Once the budget is spent, the rest is `rate_limited` unchecked.
/// Runs on the blocking pool. Returns the valid items and the refusals.
fn verify_registered(items: Vec<Registered>, budget: &Budget) -> Sorted<(usize, SignedCheckpoint)> {
    let mut refused = Vec::new();
    let mut decoded = Vec::with_capacity(items.len());
    for (i, signed, key) in items {
        match Signature::from_wire(&signed.signature) {
            Ok(sig) => decoded.push((i, signed, key, signed.digest(), sig)),
            Err(_) => {
                budget.charge();
                refused.push((i, Refusal::InvalidSignature));
            }
        }
    }
    let mut valid = Vec::with_capacity(decoded.len());
    for chunk in decoded.chunks(VERIFY_CHUNK) {
        if budget.spent().is_some() {
            refused.extend(chunk.iter().map(|(i, ..)| (*i, Refusal::RateLimited)));
            continue;
        }
        let batch: Vec<(&PublicKey, &[u8], &Signature)> =
            chunk.iter().map(|(_, _, key, digest, sig)| (key, digest.as_slice(), sig)).collect();
        if batch.len() > 1 && batch_verify(&batch).is_ok() {
            valid.extend(chunk.iter().map(|(i, signed, ..)| (*i, *signed)));
            continue;
        }
        for (i, signed, key, digest, sig) in chunk {
            if budget.spent().is_some() {
                refused.push((*i, Refusal::RateLimited));
            } else if verify(key, digest.as_slice(), sig).is_ok() {
                valid.push((*i, *signed));
            } else {
                budget.charge();
                refused.push((*i, Refusal::InvalidSignature));
            }
        }
    }
    (valid, refused)
}

/// Whether `signed`'s signature verifies under `key` (its registered, decoded key).
fn signature_valid(key: &PublicKey, signed: &SignedCheckpoint) -> bool {
    Signature::from_wire(&signed.signature)
        .is_ok_and(|sig| verify(key, signed.digest().as_slice(), &sig).is_ok())
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

/// Ready evidence of an equivocation: checked (the offender's key registered, double-sign
/// signatures verified here, certificate conflicts simulated against the slasher contract) and
/// recorded. Each refusal is charged to the source's failure budget.
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
        (status = 422, description = "`not_an_offence`, `wrong_domain`, `unknown_operator`, `invalid_signature` or `refused_by_contract`", body = ErrorBody,
            example = json!({"error": "not_an_offence", "message": "the two checkpoints do not conflict"})),
        (status = 429, description = "`rate_limited`: this source's failure budget is spent; retry after `Retry-After` seconds", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the budget has refilled enough")),
            example = json!({"error": "rate_limited", "message": "too many failed submissions from this address; retry later"})),
        http::Internal,
        (status = 503, description = "`unavailable`: the operator set cannot be read now", body = ErrorBody,
            example = json!({"error": "unavailable", "message": "cannot read the operator set now; retry"})),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn evidence(
    State(state): State<Arc<ApiState>>,
    source: Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<EvidenceAccepted>), ApiError> {
    const KIND: &str = "evidence";
    let budget = state.guard.budget(source);
    budget.check(KIND)?;
    let raw =
        body(raw, state.limits.max_body_bytes).map_err(|e| budget.fail(KIND, "malformed", e))?;
    let evidence: Evidence = json(&raw).map_err(|e| budget.fail(KIND, "malformed", e))?;
    drop(raw);
    let refuse = |code: &'static str, message: String| {
        warn!(target: "vigil::slasher::api", code, %message, "public evidence refused");
        budget.fail(KIND, code, ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message))
    };
    let offence = evidence.offence().map_err(|e| refuse("not_an_offence", e.to_string()))?;
    if offence.domain != state.domain {
        return Err(refuse("wrong_domain", "evidence for another chain or verifier".into()));
    }
    // Nothing about a key never registered is checked further, nor stored.
    let key = match state.guard.keys().of(&state.guard, offence.pubkey).await? {
        Registration::Registered(key) => key,
        Registration::Unregistered => {
            return Err(refuse(
                "unknown_operator",
                "the offender's key is not registered to any operator".into(),
            ));
        }
        Registration::Undecodable => {
            return Err(refuse("invalid_signature", "the offender's key does not decode".into()));
        }
    };
    match &evidence {
        Evidence::DoubleSign { first, second } => {
            let (first, second) = (*first, *second);
            let valid = state
                .guard
                .run(move || signature_valid(&key, &first) && signature_valid(&key, &second))
                .await?;
            if !valid {
                return Err(refuse("invalid_signature", "a signature does not verify".into()));
            }
        }
        // Aggregates (and batches) are checked by the contract itself, simulated: the signer set
        // at the reference block, the non-signers, the inclusion proofs.
        Evidence::CertificateConflict { .. } | Evidence::Equivocation { .. } => {
            check_on_chain(&state.chain, &state.domain, &offence, &evidence)
                .await
                .map_err(|m| refuse("refused_by_contract", m))?;
        }
    }
    let recorded = state.store.record(&evidence, now_ms()).await.map_err(ApiError::internal)?;
    metrics::public(KIND, "accepted");
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
        http::RequestTimeout,
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
        http::RequestTimeout,
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
        http::RequestTimeout,
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
#[allow(clippy::large_enum_variant, reason = "never built: it only carries a schema")]
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
    /// Two statements (each a checkpoint signed alone, in an aggregate, or in a batch with its
    /// inclusion proof) of conflicting checkpoints, both by `offender`.
    #[serde(rename_all = "camelCase")]
    Equivocation {
        /// The key blamed.
        offender: schema::PublicKey,
        /// One statement.
        first: schema::Statement,
        /// A statement of a conflicting checkpoint.
        second: schema::Statement,
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
