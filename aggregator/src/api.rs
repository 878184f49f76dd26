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
//! | `GET /v1/health` | [`Health`] |
//! | `GET /v1/domain` | the [`SigningDomain`] it aggregates for: `{l1ChainId, verifier, operatorSetId}` |
//!
//! Every error, including an unknown route, a body over the limit or malformed JSON, is an
//! [`ApiError`]: a status and `{"error": "<code>", "message": "…"}` with no internal detail.
//! Metrics are served by [`metrics_router`], meant for its own port.
//!
//! A signature is its own authentication, so intake is open; it is limited per public key
//! (a token bucket: [`ApiLimits::per_key_rate`], [`ApiLimits::per_key_burst`]) before the
//! signature is verified, which is the expensive part.

mod error;
mod feed;
pub mod metrics;
mod rate_limit;
mod types;

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Path, Query, State,
        rejection::{BytesRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, HeaderName, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{KeepAlive, Sse},
    },
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use vigil_types::{SignedCheckpoint, SigningDomain};

pub use error::{ApiError, ErrorBody};
pub use feed::FEED_EVENT;
pub use types::{CertificateState, CertificateView, CheckpointView, FeedEvent, Health};

use crate::{
    intake::{Accepted, Intake, IntakeError},
    store::Store,
};
use rate_limit::RateLimiter;

/// The `Content-Type` of `GET /metrics`.
pub const METRICS_CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

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
            max_body_bytes: 16 * 1024,
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
    limiter: Arc<RateLimiter>,
    domain: Option<SigningDomain>,
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
        Self { intake, store, feed_head, closing: None, limits, limiter, domain: None }
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

/// The API's routes over `state` (see the module docs).
pub fn router<I: Intake>(state: ApiState<I>) -> Router {
    metrics::init();
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v1/signatures", post(submit::<I>))
        .route(
            "/v1/signatures/batch",
            post(submit_batch::<I>)
                .layer(DefaultBodyLimit::max(body_limit.saturating_mul(MAX_BATCH))),
        )
        .route("/v1/feed", get(feed::<I>))
        .route("/v1/checkpoints/{rollup}/latest", get(latest::<I>))
        .route("/v1/checkpoints/{rollup}/{height}", get(checkpoint::<I>))
        .route("/v1/certificates/{rollup}/{height}", get(certificate::<I>))
        .route("/v1/health", get(health::<I>))
        .route("/v1/domain", get(domain::<I>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// `GET /metrics`: [`metrics::registry`] in the Prometheus text format.
pub fn metrics_router() -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting connections
/// and returns once in-flight requests have finished. Feed streams finish only when the state
/// was built with [`ApiState::closing_on`]: signal that together with `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(target: "aggregator::api", %addr, "serving HTTP");
    }
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

async fn submit<I: Intake>(
    State(state): State<ApiState<I>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let outcome = accept(&state, body).await;
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
async fn submit_batch<I: Intake>(
    State(state): State<ApiState<I>>,
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
        async move {
            state.limiter.check(&signed.pubkey).map_err(IntakeError::RateLimited)?;
            state.intake.accept(signed).await
        }
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
    state.limiter.check(&signed.pubkey).map_err(IntakeError::RateLimited)?;
    Ok(state.intake.accept(signed).await?)
}

/// The query of `GET /v1/feed`.
#[derive(Debug, Deserialize)]
struct FeedQuery {
    after: Option<u64>,
}

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

async fn latest<I: Intake>(
    State(state): State<ApiState<I>>,
    rollup: Result<Path<u64>, PathRejection>,
) -> Result<Json<CheckpointView>, ApiError> {
    let rollup = parse_path(rollup)?;
    let record = state.store.latest_mined(rollup).await?.ok_or_else(|| {
        ApiError::NotFound(format!("no certified checkpoint for rollup {rollup} yet"))
    })?;
    Ok(Json(types::checkpoint_view(&record)))
}

async fn checkpoint<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<(u64, u64)>, PathRejection>,
) -> Result<Json<CheckpointView>, ApiError> {
    let (rollup, height) = parse_path(path)?;
    let record = state
        .store
        .certificate(rollup, height)
        .await?
        .ok_or_else(|| no_certificate(rollup, height))?;
    Ok(Json(types::checkpoint_view(&record)))
}

async fn certificate<I: Intake>(
    State(state): State<ApiState<I>>,
    path: Result<Path<(u64, u64)>, PathRejection>,
) -> Result<Json<CertificateView>, ApiError> {
    let (rollup, height) = parse_path(path)?;
    let record = state
        .store
        .certificate(rollup, height)
        .await?
        .ok_or_else(|| no_certificate(rollup, height))?;
    Ok(Json(types::certificate_view(record)))
}

fn no_certificate(rollup: u64, height: u64) -> ApiError {
    ApiError::NotFound(format!("no certificate for rollup {rollup} at height {height}"))
}

async fn health<I: Intake>(State(state): State<ApiState<I>>) -> Result<Json<Health>, ApiError> {
    // Reading the head also proves the database answers.
    let feed_head = state
        .store
        .feed_head()
        .await
        .map_err(|e| ApiError::Intake(IntakeError::Unavailable(e.to_string())))?;
    Ok(Json(Health { status: "ok".to_owned(), feed_head }))
}

async fn domain<I: Intake>(
    State(state): State<ApiState<I>>,
) -> Result<Json<SigningDomain>, ApiError> {
    state
        .domain
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("this aggregator does not publish its domain".into()))
}

async fn metrics_text() -> Result<impl IntoResponse, ApiError> {
    let body = metrics::try_encode().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], body))
}

async fn not_found() -> ApiError {
    ApiError::UnknownRoute
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
