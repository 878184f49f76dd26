//! What the three HTTP APIs share: one error body, the `/metrics` and `/openapi.json` routes,
//! the part of the OpenAPI document that documents them ([`document`]), and one [`serve`].
//!
//! Every error any Vigil API answers, an unknown route included, is a status and an
//! [`ErrorBody`]: `{"error": "<stable code>", "message": "<for a person>"}`. Clients branch on
//! `error`, never on `message`, and neither carries internal detail ([`HttpError::internal`]
//! logs it instead). The answers every API documents alike ([`MethodNotAllowed`], [`Internal`],
//! [`RequestTimeout`], [`BodyTooLarge`]) are written once here, with the body the server really
//! sends as the example ([`error_responses`]).

use std::{borrow::Cow, collections::BTreeMap, future::Future, sync::Arc};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus::{Registry, TextEncoder};
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoResponses, OpenApi, ToSchema,
    openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response as DocResponse},
};

#[cfg(feature = "test-utils")]
pub mod conformance;
pub mod limits;
pub mod rate_limit;
mod server;
pub mod tls;

/// Where every API serves its OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where the metrics port serves Prometheus' text format.
pub const METRICS_PATH: &str = "/metrics";
/// The `Content-Type` of `GET /metrics`: Prometheus' text exposition format.
pub const METRICS_CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The JSON body of every error answer of every Vigil API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": "unknown_route", "message": "no such route"}))]
pub struct ErrorBody {
    /// A stable machine-readable code, such as `not_found`, `bad_request`, `unknown_route`,
    /// `method_not_allowed`, `body_too_large` or `internal`; each API documents its own.
    pub error: String,
    /// What went wrong, for a person. Never internal detail.
    pub message: String,
}

/// An error answer: a status, an [`ErrorBody`] and, when the client should come back later, a
/// `Retry-After` header. Each API's own error type turns into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct HttpError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    retry_after_secs: Option<u64>,
}

impl HttpError {
    /// An answer with `status`, the stable `code` and a `message` for a person.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code: Cow::Borrowed(code), message: message.into(), retry_after_secs: None }
    }

    /// 500 `internal`: `detail` goes to the log, the answer says only "internal error".
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(target: "vigil::http", error = %detail, "request failed");
        Self::internal_answer()
    }

    /// What [`Self::internal`] answers, whatever the detail.
    fn internal_answer() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }

    /// 413 `body_too_large`: the request body is over `limit` bytes.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request body is larger than {limit} bytes"),
        )
    }

    /// 400 `bad_request`: a parameter or body the route cannot read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404 `unknown_route`, so a client with a wrong base URL can tell it from a missing
    /// resource (`not_found`).
    pub fn unknown_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "unknown_route", "no such route")
    }

    /// 408 `request_timeout`: the response was not ready within `deadline`.
    pub fn request_timeout(deadline: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("no response within {} ms", deadline.as_millis()),
        )
    }

    /// 405 `method_not_allowed`: the route exists, not for this method.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed")
    }

    /// Adds `Retry-After: <secs>`.
    #[must_use]
    pub const fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The status.
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The body it answers with.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { error: self.code.clone().into_owned(), message: self.message.clone() }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// OpenAPI responses for error answers: each `(description, error)` documented under the error's
/// status, with its [`ErrorBody`] as the example, so an example is always what the server sends.
/// Implement [`IntoResponses`] with it for a group of answers several routes share, and list
/// the type in `#[utoipa::path(responses(…))]`.
pub fn error_responses<'a>(
    answers: impl IntoIterator<Item = (&'a str, HttpError)>,
) -> BTreeMap<String, RefOr<DocResponse>> {
    answers
        .into_iter()
        .map(|(description, error)| {
            // A struct of two strings always serializes.
            let example = serde_json::to_value(error.body()).unwrap_or_default();
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .example(Some(example))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/json", content);
            (error.status.as_u16().to_string(), response.build().into())
        })
        .collect()
}

/// 405 `method_not_allowed`, which every route answers to another method ([`with_fallbacks`]).
#[derive(Debug)]
pub struct MethodNotAllowed;

impl IntoResponses for MethodNotAllowed {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        error_responses([("Another method", HttpError::method_not_allowed())])
    }
}

/// 500 `internal` ([`HttpError::internal`]), for routes that can fail inside.
#[derive(Debug)]
pub struct Internal;

impl IntoResponses for Internal {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        error_responses([("`internal`", HttpError::internal_answer())])
    }
}

/// 408 `request_timeout` ([`HttpError::request_timeout`]), which every route served by
/// [`serve_with`] answers when its response head is not ready within the server's
/// `request_timeout` (documented with the default, 30 000 ms).
#[derive(Debug)]
pub struct RequestTimeout;

impl IntoResponses for RequestTimeout {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        let deadline = ServerLimits::default().request_timeout;
        error_responses([("`request_timeout`", HttpError::request_timeout(deadline))])
    }
}

/// 413 `body_too_large` ([`HttpError::body_too_large`]) for a route whose body limit is `LIMIT`
/// bytes by default.
#[derive(Debug)]
pub struct BodyTooLarge<const LIMIT: usize>;

impl<const LIMIT: usize> IntoResponses for BodyTooLarge<LIMIT> {
    fn responses() -> BTreeMap<String, RefOr<DocResponse>> {
        error_responses([("`body_too_large`", HttpError::body_too_large(LIMIT))])
    }
}

/// The part every API's OpenAPI document shares: [`metrics`], [`openapi`], [`ErrorBody`] and
/// the `metrics` tag.
#[derive(OpenApi)]
#[openapi(
    paths(metrics, openapi),
    components(schemas(ErrorBody)),
    tags((name = "metrics", description = "Prometheus metrics, on the metrics address")),
)]
struct SharedDoc;

/// An API's OpenAPI document: `D`'s own routes, tags and info, and what every API shares
/// (`GET /metrics`, `GET /openapi.json`, the [`ErrorBody`] schema).
pub fn document<D: OpenApi>() -> utoipa::openapi::OpenApi {
    let mut doc = D::openapi();
    doc.merge(SharedDoc::openapi());
    doc.info.license = Some(utoipa::openapi::License::new(LICENSE));
    let own = doc.info.description.take().unwrap_or_default();
    doc.info.description = Some(format!("{own} {ERROR_CONVENTION}"));
    doc
}

/// The license every document names.
const LICENSE: &str = "MIT OR Apache-2.0";

/// What every document says about errors, after the service's own description.
const ERROR_CONVENTION: &str = "Every error is `{\"error\": \"<code>\", \"message\": \"…\"}` \
                                (`ErrorBody`); an unknown route is 404 `unknown_route`, a known \
                                route with another method 405 `method_not_allowed`.";

/// `router` answering [`HttpError::unknown_route`] for unknown paths and
/// [`HttpError::method_not_allowed`] for a known path with another method.
pub fn with_fallbacks<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .fallback(|| async { HttpError::unknown_route() })
        .method_not_allowed_fallback(|| async { HttpError::method_not_allowed() })
}

/// `GET /metrics`: `registry` in Prometheus' text format (500 `internal` if it cannot be
/// encoded), with the JSON error fallbacks. Meant for its own port.
pub fn metrics_router(registry: &'static Registry) -> Router {
    with_fallbacks(Router::new().route(METRICS_PATH, get(metrics)).with_state(registry))
}

/// `GET /metrics`, in every API's OpenAPI document.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "metrics",
    description = "Prometheus' text format, on the metrics address (not the API's).",
    responses(
        (status = 200, description = "Every metric of the process", content_type = "text/plain; version=0.0.4", body = String,
            example = "# HELP eigen_performance_score The performance metric is a score between 0 and 100\n# TYPE eigen_performance_score gauge\neigen_performance_score 100\n"),
        (status = 500, description = "The registry cannot be encoded", body = ErrorBody,
            example = json!({"error": "internal", "message": "internal error"})),
        MethodNotAllowed,
        RequestTimeout,
    )
)]
pub async fn metrics(State(registry): State<&'static Registry>) -> Result<Response, HttpError> {
    let text =
        TextEncoder::new().encode_to_string(&registry.gather()).map_err(HttpError::internal)?;
    Ok(([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response())
}

/// `doc` as the committed file holds it: pretty JSON and a final newline.
pub fn openapi_json(doc: &utoipa::openapi::OpenApi) -> String {
    // A document of strings and maps always serializes.
    let mut json = serde_json::to_string_pretty(doc).unwrap_or_default();
    json.push('\n');
    json
}

/// Test support: whether `doc` is the document committed as `openapi.json` in the package at
/// `manifest_dir` (with `VIGIL_BLESS=1`, rewrites the file instead). The error names the
/// command that regenerates it, for `package`'s unit test named `openapi`.
#[cfg(feature = "test-utils")]
pub fn check_committed(
    doc: &utoipa::openapi::OpenApi,
    manifest_dir: &str,
    package: &str,
) -> Result<(), String> {
    let committed = std::path::Path::new(manifest_dir).join("openapi.json");
    let regenerate = format!("VIGIL_BLESS=1 cargo test -p {package} --lib openapi");
    conformance::compare_or_bless(&openapi_json(doc), &committed, &regenerate)
}

/// `GET /openapi.json`: `doc`, encoded once. Merge it into the API's router.
pub fn openapi_router<S: Clone + Send + Sync + 'static>(
    doc: &utoipa::openapi::OpenApi,
) -> Router<S> {
    let json: Arc<str> = openapi_json(doc).into();
    Router::new().route(OPENAPI_PATH, get(openapi)).with_state(json)
}

/// `GET /openapi.json`, in every API's OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    description = "This document (OpenAPI 3.1).",
    responses(
        (status = 200, description = "The API's OpenAPI document", body = serde_json::Value,
            example = json!({"openapi": "3.1.0", "info": {"title": "…", "version": "0.1.0"}, "paths": {}})),
        MethodNotAllowed,
        RequestTimeout,
    )
)]
pub async fn openapi(State(json): State<Arc<str>>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json.to_string()).into_response()
}

/// Where a request came from: the peer's IP address, for budgets kept per source (see
/// [`rate_limit`]). Served by [`serve`]/[`serve_with`], which record each connection's peer; a
/// router served some other way sees every request as [`Source::UNKNOWN`] (one shared source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Source(pub std::net::IpAddr);

impl Source {
    /// The source of a request whose peer is not known.
    pub const UNKNOWN: Self = Self(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<axum::extract::ConnectInfo<Self>>()
            .map_or(Self::UNKNOWN, |info| info.0))
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, limits::CappedListener>>
    for Source
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, limits::CappedListener>) -> Self {
        Self(stream.remote_addr().ip())
    }
}

/// How a server limits its clients ([`limits`], [`serve_with`]), what it is called in metrics
/// and logs, and whether it speaks TLS.
#[derive(Clone, Debug)]
pub struct ServerLimits {
    /// The server's name in the `server` label of the `vigil_http_*` metrics and in logs:
    /// `api`, `metrics`, `node` (the operator's node API).
    pub server: &'static str,
    /// Most connections open at once; further clients wait in the accept queue.
    pub max_connections: usize,
    /// Longest a handler may take to produce its response head (408 `request_timeout` after).
    pub request_timeout: std::time::Duration,
    /// Longest a client may take to send a whole request head (HTTP/1.1: the first, or the next
    /// on a kept-alive connection) or to finish the TLS handshake; then it is disconnected. A
    /// new connection not answered a byte within it (nothing, or no whole request, sent) is
    /// closed too.
    pub header_read_timeout: std::time::Duration,
    /// A connection on which no byte has moved either way for this long is closed (after the
    /// response in flight, if any).
    pub idle_timeout: std::time::Duration,
    /// HTTPS with this identity instead of plain HTTP ([`tls`]).
    pub tls: Option<tls::Tls>,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from one of them has as
    /// its [`Source`] the right-most address of that header that is not itself a trusted proxy
    /// (what the last untrusted hop connected from; entries further left are the client's own
    /// claims). Empty: every request's source is its peer.
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
}

impl ServerLimits {
    /// The defaults, for the server called `server`.
    pub fn named(server: &'static str) -> Self {
        Self {
            server,
            max_connections: 1024,
            request_timeout: std::time::Duration::from_secs(30),
            header_read_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(120),
            tls: None,
            trusted_proxies: std::sync::Arc::new([]),
        }
    }
}

impl Default for ServerLimits {
    /// [`Self::named`] `http`.
    fn default() -> Self {
        Self::named("http")
    }
}

/// Serves `router` on `listener` with the default [`ServerLimits`] until `shutdown` completes,
/// then stops accepting connections and returns once in-flight requests have finished (a
/// long-lived stream, such as the aggregator's feed, must end by itself: bound the wait). Body
/// limits are the router's own (`DefaultBodyLimit` layers).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, ServerLimits::default()).await
}

/// [`serve`] with explicit [`ServerLimits`]: the connection cap, the request deadline (408),
/// the header-read and idle timeouts, and TLS when [`ServerLimits::tls`] is set. Each request
/// carries its peer's [`Source`].
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(
        target: "vigil::http",
        server = limits.server,
        %addr,
        tls = limits.tls.is_some(),
        max_connections = limits.max_connections,
        request_timeout_ms = limits.request_timeout.as_millis(),
        header_read_timeout_ms = limits.header_read_timeout.as_millis(),
        idle_timeout_ms = limits.idle_timeout.as_millis(),
        "serving HTTP"
    );
    let mut router = router.layer(axum::middleware::from_fn_with_state(
        limits.request_timeout,
        limits::request_deadline,
    ));
    if !limits.trusted_proxies.is_empty() {
        router = router.layer(axum::middleware::from_fn_with_state(
            limits.trusted_proxies.clone(),
            limits::forwarded_source,
        ));
    }
    let listener = limits::CappedListener::new(listener, limits.max_connections, limits.server);
    server::run(listener, router, shutdown, limits).await
}

/// Binds `address` for the config field `field` (say `api.address`), the error naming both.
pub async fn bind(field: &str, address: &str) -> Result<tokio::net::TcpListener, crate::RunError> {
    tokio::net::TcpListener::bind(address).await.map_err(|source| crate::RunError::Bind {
        field: field.to_owned(),
        address: address.to_owned(),
        source,
    })
}

/// Binds the API and metrics addresses and says where they listen.
pub async fn bind_pair(
    api: &str,
    metrics: &str,
) -> Result<(tokio::net::TcpListener, tokio::net::TcpListener, crate::Listening), crate::RunError> {
    let api_listener = bind("api.address", api).await?;
    let metrics_listener = bind("metrics.address", metrics).await?;
    let local = |l: &tokio::net::TcpListener| {
        l.local_addr().map_err(|e| crate::RunError::start("listening address", e))
    };
    let listening =
        crate::Listening { api: local(&api_listener)?, metrics: local(&metrics_listener)? };
    Ok((api_listener, metrics_listener, listening))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn errors_have_one_body() {
        let e = HttpError::new(StatusCode::FORBIDDEN, "wrong_domain", "another chain");
        let json = serde_json::to_value(e.body()).unwrap();
        assert_eq!(json, serde_json::json!({"error": "wrong_domain", "message": "another chain"}));
        let e = HttpError::internal("password=hunter2");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body().message.contains("hunter2"));
        let response = HttpError::unknown_route().retry_after(3).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }

    #[test]
    fn documented_errors_are_the_answers() {
        let documented = BodyTooLarge::<1024>::responses();
        let Some(RefOr::T(response)) = documented.get("413") else { panic!("413 is not inline") };
        let example = response.content["application/json"].example.clone().unwrap();
        let sent = serde_json::to_value(HttpError::body_too_large(1024).body()).unwrap();
        assert_eq!(example, sent);
        let doc = document::<SharedDoc>();
        assert_eq!(doc.paths.paths.len(), 2);
        assert!(doc.components.unwrap().schemas.contains_key("ErrorBody"));
    }
}
