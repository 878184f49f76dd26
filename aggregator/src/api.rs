//! The aggregator's HTTP API: signature intake, the feed the slasher follows, and queries for
//! rollups.
//!
//! | Route | Answer |
//! |---|---|
//! | `POST /v1/signatures` | a [`SignedCheckpoint`] → 202 [`Accepted`] |
//! | `GET /v1/feed?after=<seq>` | Server-Sent Events, one [`FeedEvent`] per stored signature |
//! | `GET /v1/checkpoints/{rollup}/latest` | the highest mined [`CheckpointView`] |
//! | `GET /v1/checkpoints/{rollup}/{height}` | that height's [`CheckpointView`], any state |
//! | `GET /v1/certificates/{rollup}/{height}` | the full [`CertificateView`] |
//! | `POST /v1/batches/signatures` | a [`BatchSignature`] (a signed batch header with its checkpoints) → 202 [`BatchAccepted`]; 404 unless `aggregation.batches` is on |
//! | `GET /v1/batches/checkpoints/{rollup}/{height}` | the [`BatchCheckpointStatus`] of a batch certificate holding that height |
//! | `GET /v1/batches/{digest}` | the [`BatchStatus`]: a batch certificate with all its checkpoints (for slashers) |
//! | `GET /v1/health` | [`Health`] |
//! | `GET /v1/domain` | the [`SigningDomain`] it aggregates for: `{l1ChainId, verifier, operatorSetId}` |
//!
//! | `GET /openapi.json` | the API's OpenAPI document ([`openapi`], committed as `aggregator/openapi.json`) |
//!
//! Every error, including an unknown route, a body over the limit or malformed JSON, is an
//! [`ApiError`]: a status and the kernel's [`ErrorBody`], `{"error": "<code>", "message": "…"}`,
//! with no internal detail. Metrics are served by [`metrics_router`], meant for its own port.
//!
//! A signature is its own authentication, so intake is open. Each new verified signature spends
//! its key's token bucket ([`ApiLimits::per_key_rate`], [`ApiLimits::per_key_burst`]); the
//! intake ([`crate::service`]) keeps a failure budget per source address, so garbage sent under
//! someone's key spends the sender's budget, never the key owner's.

mod error;
mod examples;
mod feed;
pub mod metrics;

mod types;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Path, Query, State,
        rejection::{BytesRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, HeaderName, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{KeepAlive, Sse},
    },
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::{
    IntoParams, IntoResponses, OpenApi,
    openapi::{RefOr, response::Response as DocResponse},
};
use vigil_client::types::schema;
use vigil_client::{BatchCheckpointStatus, BatchStatus};
use vigil_service::http;
use vigil_types::{Batch, BatchSignature, SignedCheckpoint, SigningDomain};

pub use error::{ApiError, ErrorBody};
pub use feed::FEED_EVENT;
pub use types::{CertificateState, CertificateView, CheckpointView, FeedEvent, Health, Submission};
pub use vigil_service::http::{METRICS_CONTENT_TYPE, serve};

use crate::{
    batch::{BatchAccepted, BatchAggregator},
    intake::{Accepted, Intake, IntakeError},
    store::{CertificateRecord, Store},
};
use vigil_service::http::{Source, rate_limit::RateLimiter};

/// The default of [`ApiLimits::max_body_bytes`].
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// Limits and pacing of the API. Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiLimits {
    /// Largest request body accepted, in bytes (a signed checkpoint is under 1 KiB).
    pub max_body_bytes: usize,
    /// Sustained `POST /v1/signatures` per second allowed for one public key.
    pub per_key_rate: u32,
    /// Requests one public key may make in a burst above the sustained rate.
    pub per_key_burst: u32,
    /// Most public keys with a rate-limit bucket; beyond it, idle buckets are dropped and
    /// untracked keys share one bucket.
    pub max_tracked_keys: usize,
    /// Entries read from the store per feed page.
    pub feed_page: u32,
    /// How often an idle feed stream re-reads the store, in milliseconds, in case another
    /// replica wrote (a local write wakes it at once).
    pub feed_poll_ms: u64,
    /// How often an idle feed stream sends a keep-alive comment, in seconds.
    pub feed_keep_alive_secs: u64,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            per_key_rate: 50,
            per_key_burst: 100,
            max_tracked_keys: 100_000,
            feed_page: 500,
            feed_poll_ms: 1_000,
            feed_keep_alive_secs: 15,
        }
    }
}

/// What the handlers share. Cloning is cheap; every clone shares the rate limiter.
#[derive(Debug)]
pub struct ApiState<I> {
    intake: I,
    store: Store,
    feed_head: watch::Receiver<u64>,
    closing: Option<watch::Receiver<bool>>,
    limits: ApiLimits,
    limiter: Arc<RateLimiter<vigil_types::PublicKeyBytes>>,
    domain: Option<SigningDomain>,
    batches: Option<Arc<BatchAggregator>>,
}

impl<I: Clone> Clone for ApiState<I> {
    fn clone(&self) -> Self {
        Self {
            intake: self.intake.clone(),
            store: self.store.clone(),
            feed_head: self.feed_head.clone(),
            closing: self.closing.clone(),
            limits: self.limits.clone(),
            limiter: Arc::clone(&self.limiter),
            domain: self.domain,
            batches: self.batches.clone(),
        }
    }
}

impl<I: Intake> ApiState<I> {
    /// The API over `intake` and `store`. `feed_head` carries the highest sequence number this
    /// process has stored (the intake bumps it after each commit): it wakes feed streams.
    pub fn new(
        intake: I,
        store: Store,
        feed_head: watch::Receiver<u64>,
        limits: ApiLimits,
    ) -> Self {
        let limiter = Arc::new(RateLimiter::new(
            limits.per_key_rate,
            limits.per_key_burst,
            limits.max_tracked_keys,
        ));
        Self {
            intake,
            store,
            feed_head,
            closing: None,
            limits,
            limiter,
            domain: None,
            batches: None,
        }
    }

    /// Takes batch signatures at `POST /v1/batches/signatures` through `batches` (without it
    /// the route answers 404). They share the per-key budget of `POST /v1/signatures`.
    pub fn with_batches(mut self, batches: Arc<BatchAggregator>) -> Self {
        self.batches = Some(batches);
        self
    }

    /// Ends every feed stream once `closing` turns `true` (or its sender is dropped). Without
    /// it, feed streams never end, and a graceful shutdown ([`serve`]) waits for followers to
    /// disconnect. Followers reconnect from their last event id, so nothing is lost.
    pub fn closing_on(mut self, closing: watch::Receiver<bool>) -> Self {
        self.closing = Some(closing);
        self
    }

    /// Publishes `domain` at `GET /v1/domain`, so that operators and slashers can check before
    /// they start that they sign for, or follow, the same deployment (without it the route
    /// answers 404).
    pub fn with_domain(mut self, domain: SigningDomain) -> Self {
        self.domain = Some(domain);
        self
    }
}

/// The aggregator API's OpenAPI document: the routes of [`router`] and [`metrics_router`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "vigil-aggregator API",
        description = "Signature intake, the feed the slasher follows, certified checkpoints and \
                       certificates for rollups, and metrics. Integers are decimal strings \
                       (numbers are accepted on input), bytes `0x` hex. A body over the limit is \
                       413 `body_too_large`.",
    ),
    paths(
        submit,
        submit_batch,
        submit_batch_signature,
        feed,
        latest,
        checkpoint,
        certificate,
        batch_checkpoint,
        batch,
        health,
        domain
    ),
    tags(
        (name = "intake", description = "Signed checkpoints and batches from operators"),
        (name = "feed", description = "Every stored signature, in order"),
        (name = "query", description = "Certified checkpoints and certificates, for rollups"),
        (name = "meta", description = "Health, domain and this document"),
    )
)]
struct ApiDoc;

/// The aggregator API's OpenAPI document (committed as `aggregator/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::document::<ApiDoc>()
}

/// The API's routes over `state` (see the module docs).
pub fn router<I: Intake>(state: ApiState<I>) -> Router {
    metrics::init();
    let body_limit = state.limits.max_body_bytes;
    let routes = Router::new()
        .route("/v1/signatures", post(submit::<I>))
        .route(
            "/v1/signatures/batch",
            post(submit_batch::<I>)
                .layer(DefaultBodyLimit::max(body_limit.saturating_mul(MAX_BATCH))),
        )
        .route(
            "/v1/batches/signatures",
            post(submit_batch_signature::<I>)
                .layer(DefaultBodyLimit::max(body_limit.saturating_mul(MAX_BATCH))),
        )
        .route("/v1/batches/checkpoints/{rollup}/{height}", get(batch_checkpoint::<I>))
        .route("/v1/batches/{digest}", get(batch::<I>))
        .route("/v1/feed", get(feed::<I>))
        .route("/v1/checkpoints/{rollup}/latest", get(latest::<I>))
        .route("/v1/checkpoints/{rollup}/{height}", get(checkpoint::<I>))
        .route("/v1/certificates/{rollup}/{height}", get(certificate::<I>))
        .route("/v1/health", get(health::<I>))
        .route("/v1/domain", get(domain::<I>))
        .with_state(state)
        .merge(http::openapi_router(&openapi()));
    http::with_fallbacks(routes).layer(DefaultBodyLimit::max(body_limit))
}

/// `GET /metrics`: [`metrics::registry`] in the Prometheus text format.
pub fn metrics_router() -> Router {
    http::metrics_router(metrics::registry())
}

/// Submits one signed checkpoint. A signature is its own authentication: it is verified before
/// anything is stored. A source that sends too many that fail, or a key that sends too many
/// new ones, is rate limited.
#[utoipa::path(
    post,
    path = "/v1/signatures",
    tag = "intake",
    request_body(content = schema::SignedCheckpoint, description = "One operator's signed checkpoint",
        example = json!(examples::signed())),
    responses(
        (status = 202, description = "Stored and on the feed", body = types::AcceptedSchema,
            example = json!(examples::accepted())),
        (status = 400, description = "`malformed` (not a signed checkpoint) or `malformed_signature`", body = ErrorBody,
            example = json!(examples::error("malformed", "malformed request: missing field `domain`"))),
        (status = 403, description = "`wrong_domain`, `unknown_operator` or `invalid_signature`", body = ErrorBody,
            example = json!(examples::error("invalid_signature", "invalid signature"))),
        http::BodyTooLarge<DEFAULT_MAX_BODY_BYTES>,
        (status = 422, description = "`future_l1_block`: `l1Block` is ahead of the aggregator's L1 head", body = ErrorBody,
            example = json!(examples::error("future_l1_block", "l1Block 10 is ahead of the L1 head 9"))),
        (status = 429, description = "`rate_limited`, with `Retry-After`: the source's failure budget, the key's budget, or the key's budget of new `l1Block` values is spent", body = ErrorBody,
            example = json!(examples::error("rate_limited", "rate limited; retry after 2.5s"))),
        (status = 503, description = "`unavailable`: retry later", body = ErrorBody,
            example = json!(examples::error("unavailable", "the aggregator cannot take signatures right now; retry later"))),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn submit<I: Intake>(
    State(state): State<ApiState<I>>,
    source: Source,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let outcome = accept(&state, source, body).await;
    match outcome {
        Ok(accepted) => {
            let result = if accepted.duplicate {
                "duplicate"
            } else if accepted.stale {
                "stale"
            } else {
                "accepted"
            };
            metrics::record_signature(result);
            (StatusCode::ACCEPTED, Json(accepted)).into_response()
        }
        Err(e) => {
            metrics::record_signature(e.code());
            e.into_response()
        }
    }
}

/// Most signed checkpoints in one `POST /v1/signatures/batch`.
pub const MAX_BATCH: usize = 256;

/// One item's outcome in a batch answer: [`Accepted`] or an [`ErrorBody`](error::ErrorBody).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum BatchItem {
    Accepted(Accepted),
    Refused(error::ErrorBody),
}

/// `POST /v1/signatures/batch`: a JSON array of up to [`MAX_BATCH`] signed checkpoints (the
/// body limit is `max_body_bytes` per item). Each item goes through the same intake as
/// `POST /v1/signatures`, concurrently (so the database commits them together); the answer is
/// 200 with `{"results": [...]}` in request order, each an accepted entry or a typed error.
#[utoipa::path(
    post,
    path = "/v1/signatures/batch",
    tag = "intake",
    request_body(content = Vec<schema::SignedCheckpoint>, description = "Up to 256 signed checkpoints",
        example = json!(examples::batch())),
    responses(
        (status = 200, description = "One result per item, in order: accepted, or the error a single submission would get", body = types::BatchAnswer,
            example = json!(examples::batch_answer())),
        (status = 400, description = "`malformed`: not an array of signed checkpoints, or too many", body = ErrorBody,
            example = json!(examples::error("malformed", "malformed request: 300 items; at most 256 per batch"))),
        http::BodyTooLarge<{ DEFAULT_MAX_BODY_BYTES * MAX_BATCH }>,
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn submit_batch<I: Intake>(
    State(state): State<ApiState<I>>,
    source: Source,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let items: Vec<SignedCheckpoint> = match body {
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let e = ApiError::BodyTooLarge {
                limit: state.limits.max_body_bytes.saturating_mul(MAX_BATCH),
            };
            metrics::record_signature(e.code());
            return e.into_response();
        }
        Err(rejection) => {
            return ApiError::Intake(IntakeError::Malformed(rejection.body_text())).into_response();
        }
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(items) => items,
            Err(e) => {
                return ApiError::Intake(IntakeError::Malformed(e.to_string())).into_response();
            }
        },
    };
    if items.len() > MAX_BATCH {
        return ApiError::Intake(IntakeError::Malformed(format!(
            "{} items; at most {MAX_BATCH} per batch",
            items.len()
        )))
        .into_response();
    }
    let outcomes = futures_util::future::join_all(items.into_iter().map(|signed| {
        let state = state.clone();
        async move { accept_signed(&state, signed, source).await }
    }))
    .await;
    let results: Vec<BatchItem> = outcomes
        .into_iter()
        .map(|o| match o {
            Ok(a) => {
                metrics::record_signature(if a.duplicate {
                    "duplicate"
                } else if a.stale {
                    "stale"
                } else {
                    "accepted"
                });
                BatchItem::Accepted(a)
            }
            Err(e) => {
                metrics::record_signature(e.code());
                // Like single submissions: an internal failure's detail is logged, not sent.
                let message = if matches!(e, IntakeError::Unavailable(_)) {
                    tracing::warn!(target: "aggregator::api", error = %e, "batch item unavailable");
                    "temporarily unavailable; retry".to_owned()
                } else {
                    e.to_string()
                };
                BatchItem::Refused(error::ErrorBody { error: e.code().to_owned(), message })
            }
        })
        .collect();
    (StatusCode::OK, Json(serde_json::json!({ "results": results }))).into_response()
}

async fn accept<I: Intake>(
    state: &ApiState<I>,
    source: Source,
    body: Result<Bytes, BytesRejection>,
) -> Result<Accepted, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge { limit: state.limits.max_body_bytes }
        } else {
            ApiError::Intake(IntakeError::Malformed(rejection.body_text()))
        }
    })?;
    let signed: SignedCheckpoint = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Intake(IntakeError::Malformed(e.to_string())))?;
    Ok(accept_signed(state, signed, source).await?)
}

/// One signed checkpoint through intake. The key's budget is checked first but spent only by
/// a new verified signature: garbage or replays under a key cannot spend its owner's budget.
async fn accept_signed<I: Intake>(
    state: &ApiState<I>,
    signed: SignedCheckpoint,
    source: Source,
) -> Result<Accepted, IntakeError> {
    let key = signed.pubkey;
    state.limiter.peek(&key).map_err(IntakeError::RateLimited)?;
    let accepted = state.intake.accept(signed, source).await?;
    if !accepted.duplicate {
        state.limiter.charge(&key);
    }
    Ok(accepted)
}

/// Submits one operator's signature over a batch header (`VIGIL_BATCH_V1`) with the
/// checkpoints it commits to. The checkpoints must build exactly the signed header and the
/// signature must verify before anything is stored; the batch's checkpoints are stored once,
/// for the inclusion proofs rollups fetch. Answers 404 unless batches are on
/// (`aggregation.batches`). The body limit is `max_body_bytes` × 256.
#[utoipa::path(
    post,
    path = "/v1/batches/signatures",
    tag = "intake",
    request_body(content = types::BatchSignatureSchema, description = "A signed batch header and its checkpoints",
        example = json!(examples::batch_signature())),
    responses(
        (status = 202, description = "Stored; counts towards the batch's certificate unless `stale`", body = types::BatchAcceptedSchema,
            example = json!(examples::batch_accepted())),
        (status = 400, description = "`malformed`: not a batch signature, or the checkpoints do not build the signed header; or `malformed_signature`", body = ErrorBody,
            example = json!(examples::error("malformed", "malformed request: the checkpoints build root 0x… with 3 leaves, not the signed header"))),
        (status = 403, description = "`wrong_domain`, `unknown_operator` or `invalid_signature`", body = ErrorBody,
            example = json!(examples::error("invalid_signature", "invalid signature"))),
        (status = 404, description = "`not_found`: this aggregator does not take batches", body = ErrorBody,
            example = json!(examples::error("not_found", "this aggregator does not take batch signatures"))),
        http::BodyTooLarge<{ DEFAULT_MAX_BODY_BYTES * MAX_BATCH }>,
        (status = 422, description = "`future_l1_block`: `toL1Block` is ahead of the aggregator's L1 head", body = ErrorBody,
            example = json!(examples::error("future_l1_block", "l1Block 10 is ahead of the L1 head 9"))),
        (status = 429, description = "`rate_limited`, with `Retry-After`: the source's failure budget or the key's budget is spent", body = ErrorBody,
            example = json!(examples::error("rate_limited", "rate limited; retry after 2.5s"))),
        (status = 503, description = "`unavailable`: retry later", body = ErrorBody,
            example = json!(examples::error("unavailable", "the aggregator cannot take signatures right now; retry later"))),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn submit_batch_signature<I: Intake>(
    State(state): State<ApiState<I>>,
    source: Source,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let outcome = accept_batch_signature(&state, source, body).await;
    match outcome {
        Ok(accepted) => {
            let result = if accepted.duplicate {
                "duplicate"
            } else if accepted.stale {
                "stale"
            } else {
                "accepted"
            };
            crate::metrics::record_batch_signature(result);
            (StatusCode::ACCEPTED, Json(accepted)).into_response()
        }
        Err(e) => {
            crate::metrics::record_batch_signature(e.code());
            e.into_response()
        }
    }
}

async fn accept_batch_signature<I: Intake>(
    state: &ApiState<I>,
    source: Source,
    body: Result<Bytes, BytesRejection>,
) -> Result<BatchAccepted, ApiError> {
    let Some(batches) = &state.batches else {
        return Err(ApiError::NotFound("this aggregator does not take batch signatures".into()));
    };
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge { limit: state.limits.max_body_bytes.saturating_mul(MAX_BATCH) }
        } else {
            ApiError::Intake(IntakeError::Malformed(rejection.body_text()))
        }
    })?;
    let signature: BatchSignature = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Intake(IntakeError::Malformed(e.to_string())))?;
    let key = signature.signed.pubkey;
    state.limiter.peek(&key).map_err(|w| ApiError::Intake(IntakeError::RateLimited(w)))?;
    let accepted = batches.accept_with_leaves(signature, source).await.map_err(ApiError::Intake)?;
    if !accepted.duplicate {
        state.limiter.charge(&key);
    }
    Ok(accepted)
}

/// A rollup's checkpoint at one height certified inside a batch: the checkpoint, its inclusion
/// proof, the batch certificate and its submission (a mined certificate first, then one in
/// submission, then a ready one). Verify it offline with `vigil-client`, or on L1 with
/// `IVigilBatchCheckpoints.isCertifiedInBatch`.
#[utoipa::path(
    get,
    path = "/v1/batches/checkpoints/{rollup}/{height}",
    tag = "query",
    params(AtHeight),
    responses(
        (status = 200, description = "The checkpoint, its proof and the batch certificate", body = BatchCheckpointStatus,
            example = json!(examples::batch_checkpoint_view())),
        (status = 404, description = "`not_found`: no batch certificate holds that height", body = ErrorBody,
            example = json!(examples::error("not_found", "no batch certificate holds rollup 901 at height 1"))),
        QueryErrors,
        http::RequestTimeout,
    )
)]
async fn batch_checkpoint<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<AtHeight>, PathRejection>,
) -> Result<Json<BatchCheckpointStatus>, ApiError> {
    let AtHeight { rollup, height } = parse_path(path)?;
    let not_found = || {
        ApiError::NotFound(format!("no batch certificate holds rollup {rollup} at height {height}"))
    };
    let found = state.store.batch_for_checkpoint(rollup, height).await?.ok_or_else(not_found)?;
    let header = found.record.certificate.header;
    let batch = Batch::new(found.leaves, header.from_l1_block, header.to_l1_block)
        .map_err(|e| ApiError::Internal(format!("stored batch does not rebuild: {e}")))?;
    if batch.header() != &header {
        return Err(ApiError::Internal("stored batch does not rebuild its header".into()));
    }
    let checkpoint = *batch.checkpoints().get(found.index).ok_or_else(not_found)?;
    let proof = batch.proof(found.index).ok_or_else(not_found)?;
    Ok(Json(types::batch_checkpoint_view(found.record, checkpoint, proof)))
}

/// A batch certificate with every checkpoint it holds, in leaf order, and its submission: what
/// a slasher reads to attribute each checkpoint of a recorded batch (`BatchCertified` gives only
/// the root) to the batch's signers.
#[utoipa::path(
    get,
    path = "/v1/batches/{digest}",
    tag = "query",
    params(OfDigest),
    responses(
        (status = 200, description = "The batch certificate and its checkpoints", body = BatchStatus,
            example = json!(examples::batch_view())),
        (status = 404, description = "`not_found`: no batch certificate for that digest", body = ErrorBody,
            example = json!(examples::error("not_found", "no batch certificate for digest 0x…"))),
        (status = 400, description = "`bad_request`: the digest is not 32 bytes of hex", body = ErrorBody,
            example = json!(examples::error("bad_request", "Invalid URL: Cannot parse `digest`"))),
        http::Internal,
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn batch<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<OfDigest>, PathRejection>,
) -> Result<Json<BatchStatus>, ApiError> {
    let OfDigest { digest } = parse_path(path)?;
    let not_found = || ApiError::NotFound(format!("no batch certificate for digest {digest}"));
    let record = state.store.batch_certificate(digest).await?.ok_or_else(not_found)?;
    let checkpoints = state.store.batch_leaves(digest).await?;
    if checkpoints.is_empty() {
        return Err(not_found());
    }
    Ok(Json(types::batch_view(record, checkpoints)))
}

/// The path of `GET /v1/batches/{digest}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct OfDigest {
    /// The digest the batch's signers signed (`BatchCertified`'s `digest`), 0x-prefixed hex
    #[param(value_type = String, example = "0x9f4a8f1c1a4d5b2e3c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b")]
    digest: alloy_primitives::B256,
}

/// The query of `GET /v1/feed`.
#[derive(Debug, Deserialize)]
struct FeedQuery {
    after: Option<u64>,
}

/// Every stored signature after a sequence number, as Server-Sent Events (`id: <seq>`,
/// `event: signature`, `data: <FeedEvent>`); the stream stays open for new ones. Without
/// `after`, a reconnecting client's `Last-Event-ID` says where to resume.
#[utoipa::path(
    get,
    path = "/v1/feed",
    tag = "feed",
    params(("after" = Option<u64>, Query, description = "Sequence number to start after (default 0)", example = 0)),
    responses(
        (status = 200, description = "The event stream; each event's data is a `FeedEvent`", content_type = "text/event-stream", body = FeedEvent,
            example = json!(examples::feed_stream())),
        (status = 400, description = "`bad_request`: `after` or `Last-Event-ID` is not a sequence number", body = ErrorBody,
            example = json!(examples::error("bad_request", "Last-Event-ID is not a sequence number"))),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn feed<I: Intake>(
    State(state): State<ApiState<I>>,
    query: Result<Query<FeedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let after = match (query.after, headers.get("last-event-id")) {
        (Some(after), _) => after,
        (None, Some(id)) => {
            id.to_str().ok().and_then(|id| id.trim().parse().ok()).ok_or_else(|| {
                ApiError::BadRequest("Last-Event-ID is not a sequence number".into())
            })?
        }
        (None, None) => 0,
    };
    let events = feed::events(
        state.store.clone(),
        state.feed_head.clone(),
        state.closing.clone(),
        after,
        state.limits.feed_page,
        Duration::from_millis(state.limits.feed_poll_ms.max(1)),
    );
    let keep_alive =
        KeepAlive::new().interval(Duration::from_secs(state.limits.feed_keep_alive_secs.max(1)));
    // Reverse proxies (nginx) must not buffer an event stream.
    Ok((
        [(HeaderName::from_static("x-accel-buffering"), "no")],
        Sse::new(events).keep_alive(keep_alive),
    ))
}

fn parse_path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(p)| p).map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The highest checkpoint of a rollup whose certificate is mined on L1.
#[utoipa::path(
    get,
    path = "/v1/checkpoints/{rollup}/latest",
    tag = "query",
    params(OfRollup),
    responses(
        (status = 200, description = "The checkpoint and its certificate's state", body = CheckpointView,
            example = json!(examples::checkpoint_view())),
        (status = 404, description = "`not_found`: none certified yet", body = ErrorBody,
            example = json!(examples::error("not_found", "no certified checkpoint for rollup 901 yet"))),
        QueryErrors,
        http::RequestTimeout,
    )
)]
async fn latest<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<OfRollup>, PathRejection>,
) -> Result<Json<CheckpointView>, ApiError> {
    let OfRollup { rollup } = parse_path(path)?;
    let record = state.store.latest_mined(rollup).await?.ok_or_else(|| {
        ApiError::NotFound(format!("no certified checkpoint for rollup {rollup} yet"))
    })?;
    Ok(Json(types::checkpoint_view(&record)))
}

/// A rollup's checkpoint at one height and its certificate's state (any state).
#[utoipa::path(
    get,
    path = "/v1/checkpoints/{rollup}/{height}",
    tag = "query",
    params(AtHeight),
    responses(
        (status = 200, description = "The checkpoint and its certificate's state", body = CheckpointView,
            example = json!(examples::checkpoint_view())),
        NoCertificate,
        QueryErrors,
        http::RequestTimeout,
    )
)]
async fn checkpoint<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<AtHeight>, PathRejection>,
) -> Result<Json<CheckpointView>, ApiError> {
    Ok(Json(types::checkpoint_view(&certificate_at(&state, path).await?)))
}

/// A rollup's full certificate at one height, to verify offline (`vigil-client`).
#[utoipa::path(
    get,
    path = "/v1/certificates/{rollup}/{height}",
    tag = "query",
    params(AtHeight),
    responses(
        (status = 200, description = "The certificate and its state", body = CertificateView,
            example = json!(examples::certificate_view())),
        NoCertificate,
        QueryErrors,
        http::RequestTimeout,
    )
)]
async fn certificate<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<AtHeight>, PathRejection>,
) -> Result<Json<CertificateView>, ApiError> {
    Ok(Json(types::certificate_view(certificate_at(&state, path).await?)))
}

/// The path of `GET /v1/checkpoints/{rollup}/latest`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct OfRollup {
    /// The rollup's chain id
    #[param(example = 901)]
    rollup: u64,
}

/// The path of the routes at one height.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AtHeight {
    /// The rollup's chain id
    #[param(example = 901)]
    rollup: u64,
    /// The checkpoint's L2 height
    #[param(example = 1)]
    height: u64,
}

/// The certificate at `path`, in any state.
async fn certificate_at<I: Intake>(
    state: &ApiState<I>,
    path: Result<Path<AtHeight>, PathRejection>,
) -> Result<CertificateRecord, ApiError> {
    let AtHeight { rollup, height } = parse_path(path)?;
    state.store.certificate(rollup, height).await?.ok_or_else(|| no_certificate(rollup, height))
}

fn no_certificate(rollup: u64, height: u64) -> ApiError {
    ApiError::NotFound(format!("no certificate for rollup {rollup} at height {height}"))
}

/// 404 `not_found` of the routes at a height ([`no_certificate`]).
struct NoCertificate;

impl IntoResponses for NoCertificate {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        let example = no_certificate(901, 1).into();
        http::error_responses([("`not_found`: no certificate at that height", example)])
    }
}

/// The errors every query route answers besides its `not_found`: 400 `bad_request` when a path
/// parameter does not parse ([`parse_path`]), 500 `internal`, 405 `method_not_allowed`.
struct QueryErrors;

impl IntoResponses for QueryErrors {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        let bad_path = ApiError::BadRequest(
            "Invalid URL: Cannot parse `rollup` with value `x` to a `u64`".into(),
        );
        let mut responses = http::error_responses([(
            "`bad_request`: a path parameter is not a number",
            bad_path.into(),
        )]);
        responses.extend(http::Internal::responses());
        responses.extend(http::MethodNotAllowed::responses());
        responses
    }
}

/// Whether the aggregator and its database answer, and the feed's head.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "meta",
    responses(
        (status = 200, description = "Up", body = Health, example = json!(examples::health())),
        (status = 503, description = "`unavailable`: the database does not answer", body = ErrorBody,
            example = json!(examples::error("unavailable", "the aggregator cannot take signatures right now; retry later"))),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn health<I: Intake>(State(state): State<ApiState<I>>) -> Result<Json<Health>, ApiError> {
    // Reading the head also proves the database answers.
    let feed_head = state
        .store
        .feed_head()
        .await
        .map_err(|e| ApiError::Intake(IntakeError::Unavailable(e.to_string())))?;
    Ok(Json(Health { status: "ok".to_owned(), feed_head }))
}

/// The signing domain this aggregator aggregates for, to check before signing or following it.
#[utoipa::path(
    get,
    path = "/v1/domain",
    tag = "meta",
    responses(
        (status = 200, description = "The domain", body = schema::SigningDomain, example = json!(examples::domain())),
        (status = 404, description = "`not_found`: this aggregator does not publish its domain", body = ErrorBody,
            example = json!(examples::error("not_found", "this aggregator does not publish its domain"))),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn domain<I: Intake>(
    State(state): State<ApiState<I>>,
) -> Result<Json<SigningDomain>, ApiError> {
    state
        .domain
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("this aggregator does not publish its domain".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick check (no chain): the committed document is the one the types derive. The
    /// integration test `openapi` checks the one a running service serves.
    #[test]
    fn committed_openapi_document_is_current() {
        let check =
            http::check_committed(&openapi(), env!("CARGO_MANIFEST_DIR"), "vigil-aggregator");
        check.unwrap_or_else(|e| panic!("{e}"));
    }

    /// The documented answer to a path parameter that does not parse is the one the routes
    /// send, whichever parameter it is.
    #[tokio::test]
    async fn bad_path_example_is_real() {
        #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
        let documented = QueryErrors::responses();
        let RefOr::T(response) = &documented["400"] else { panic!("400 is not inline") };
        let example = response.content["application/json"].example.clone().unwrap();

        let answer = |r: Result<(), ApiError>| async move { r.map(|()| StatusCode::OK) };
        let router = Router::new()
            .route(
                "/v1/checkpoints/{rollup}/latest",
                get(move |p| answer(parse_path::<OfRollup>(p).map(drop))),
            )
            .route(
                "/v1/certificates/{rollup}/{height}",
                get(move |p| answer(parse_path::<AtHeight>(p).map(drop))),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        for path in ["/v1/checkpoints/x/latest", "/v1/certificates/x/1"] {
            let response = reqwest::get(format!("{base}{path}")).await.unwrap();
            assert_eq!(response.status().as_u16(), 400, "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body, example, "{path}");
        }
    }
}
