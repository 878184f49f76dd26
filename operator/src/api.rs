//! The operator's HTTP surface: the EigenLayer AVS node API (`/eigen/node…`, spec `v0.0.1`)
//! over a shared [`NodeState`] that the node's tasks update, and `GET /metrics` on its own
//! router so the two can listen on different ports.
//!
//! Every error, including an unknown route, is a status and the kernel's one JSON body
//! ([`ErrorBody`]: `{"error": "<code>", "message": "…"}`) that never carries internal detail
//! (that goes to the log). The API's OpenAPI document ([`openapi`]) is served at
//! `GET /openapi.json` and committed as `operator/openapi.json`.

use std::sync::{
    Arc, PoisonError, RwLock,
    atomic::{AtomicU8, Ordering},
};

use axum::{
    Json, Router,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use vigil_service::http::{self, HttpError};
pub use vigil_service::http::{ErrorBody, METRICS_CONTENT_TYPE, serve};

/// The version of the EigenLayer AVS node API spec this node implements.
pub const SPEC_VERSION: &str = "v0.0.1";
/// Id of the service that submits signed checkpoints to the aggregator.
pub const AGGREGATOR_SUBMISSION: &str = "aggregator-submission";
/// Id of the service backed by the slashing-protection database.
pub const SLASHING_PROTECTION: &str = "slashing-protection";

/// The service id of the watcher for `rollup` (its chain id): `rollup-<id>`.
pub fn rollup_service_id(rollup: u64) -> String {
    format!("rollup-{rollup}")
}

/// The node's overall health, as `GET /eigen/node/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeHealth {
    /// Every service is up: 200.
    Healthy,
    /// Initializing, or some services are down: 206.
    PartiallyHealthy,
    /// The node cannot do its job: 503.
    Unhealthy,
}

impl NodeHealth {
    /// The HTTP status the spec assigns to this health.
    pub const fn status_code(self) -> StatusCode {
        match self {
            Self::Healthy => StatusCode::OK,
            Self::PartiallyHealthy => StatusCode::PARTIAL_CONTENT,
            Self::Unhealthy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    const fn to_u8(self) -> u8 {
        match self {
            Self::Healthy => 0,
            Self::PartiallyHealthy => 1,
            Self::Unhealthy => 2,
        }
    }

    /// Only values written by [`Self::to_u8`] are ever stored; anything else reads as unhealthy.
    const fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Healthy,
            1 => Self::PartiallyHealthy,
            _ => Self::Unhealthy,
        }
    }
}

/// One service's status, serialized as the spec's `"Up"`, `"Down"` or `"Initializing"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ServiceStatus {
    /// Working: 200 on its health endpoint.
    Up,
    /// Not working: 503.
    Down,
    /// Starting, not yet working: 206 (as eigensdk's reference node API answers).
    Initializing,
}

impl ServiceStatus {
    /// The HTTP status of `GET /eigen/node/services/{id}/health` for this status.
    pub const fn status_code(self) -> StatusCode {
        match self {
            Self::Up => StatusCode::OK,
            Self::Down => StatusCode::SERVICE_UNAVAILABLE,
            Self::Initializing => StatusCode::PARTIAL_CONTENT,
        }
    }
}

/// One entry of `GET /eigen/node/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    /// Stable id, used in `/eigen/node/services/{id}/health`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the service does.
    pub description: String,
    /// Current status.
    pub status: ServiceStatus,
}

/// Body of `GET /eigen/node`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeInfo {
    /// The node software's name.
    pub node_name: String,
    /// The node API spec version ([`SPEC_VERSION`]).
    pub spec_version: String,
    /// The node software's version.
    pub node_version: String,
}

/// Body of `GET /eigen/node/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    /// Every service, in registration order: rollup watchers by id, then
    /// [`AGGREGATOR_SUBMISSION`], then [`SLASHING_PROTECTION`].
    pub services: Vec<Service>,
}

/// What the node API reports, shared between the HTTP handlers and the node's tasks. Cloning is
/// cheap and every clone sees the same state.
#[derive(Debug, Clone)]
pub struct NodeState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    node_name: String,
    node_version: String,
    health: AtomicU8,
    /// The set of ids is fixed at construction; only statuses change.
    services: RwLock<Vec<Service>>,
}

impl NodeState {
    /// A node watching `rollups` (chain ids; duplicates ignored). Every service starts
    /// [`ServiceStatus::Initializing`] and the node [`NodeHealth::PartiallyHealthy`], as the spec
    /// describes a node that is starting.
    pub fn new(
        node_name: impl Into<String>,
        node_version: impl Into<String>,
        rollups: impl IntoIterator<Item = u64>,
    ) -> Self {
        let mut rollups: Vec<u64> = rollups.into_iter().collect();
        rollups.sort_unstable();
        rollups.dedup();
        let mut services: Vec<Service> = rollups
            .into_iter()
            .map(|rollup| Service {
                id: rollup_service_id(rollup),
                name: format!("Rollup {rollup} watcher"),
                description: format!(
                    "Follows rollup {rollup} on the operator's L2 node, checks its batches' data \
                     availability on L1 and signs its checkpoints"
                ),
                status: ServiceStatus::Initializing,
            })
            .collect();
        services.push(Service {
            id: AGGREGATOR_SUBMISSION.to_owned(),
            name: "Aggregator submission".to_owned(),
            description: "Submits signed checkpoints to the aggregator".to_owned(),
            status: ServiceStatus::Initializing,
        });
        services.push(Service {
            id: SLASHING_PROTECTION.to_owned(),
            name: "Slashing protection".to_owned(),
            description: "The database that records every checkpoint before it is signed and \
                          refuses conflicting ones"
                .to_owned(),
            status: ServiceStatus::Initializing,
        });
        Self {
            inner: Arc::new(Inner {
                node_name: node_name.into(),
                node_version: node_version.into(),
                health: AtomicU8::new(NodeHealth::PartiallyHealthy.to_u8()),
                services: RwLock::new(services),
            }),
        }
    }

    /// The node's name and versions, as `GET /eigen/node` reports them.
    pub fn info(&self) -> NodeInfo {
        NodeInfo {
            node_name: self.inner.node_name.clone(),
            spec_version: SPEC_VERSION.to_owned(),
            node_version: self.inner.node_version.clone(),
        }
    }

    /// The overall health.
    pub fn health(&self) -> NodeHealth {
        NodeHealth::from_u8(self.inner.health.load(Ordering::Relaxed))
    }

    /// Sets the overall health.
    pub fn set_health(&self, health: NodeHealth) {
        self.inner.health.store(health.to_u8(), Ordering::Relaxed);
    }

    /// Every service and its status.
    pub fn services(&self) -> Vec<Service> {
        // A panicking writer cannot leave a status half-written, so a poisoned lock is usable.
        self.inner.services.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The status of service `id`, `None` if there is no such service.
    pub fn service_status(&self, id: &str) -> Option<ServiceStatus> {
        let services = self.inner.services.read().unwrap_or_else(PoisonError::into_inner);
        services.iter().find(|s| s.id == id).map(|s| s.status)
    }

    /// Sets the status of service `id`; returns `false` if there is no such service.
    #[must_use = "`false` means there is no such service"]
    pub fn set_service_status(&self, id: &str, status: ServiceStatus) -> bool {
        let mut services = self.inner.services.write().unwrap_or_else(PoisonError::into_inner);
        services.iter_mut().find(|s| s.id == id).map(|s| s.status = status).is_some()
    }

    /// Sets the status of the watcher for `rollup`; returns `false` if it is not configured.
    #[must_use = "`false` means there is no such service"]
    pub fn set_rollup_status(&self, rollup: u64, status: ServiceStatus) -> bool {
        self.set_service_status(&rollup_service_id(rollup), status)
    }

    /// Sets the status of [`AGGREGATOR_SUBMISSION`].
    pub fn set_aggregator_status(&self, status: ServiceStatus) {
        let _always_present = self.set_service_status(AGGREGATOR_SUBMISSION, status);
    }

    /// Sets the status of [`SLASHING_PROTECTION`].
    pub fn set_protection_status(&self, status: ServiceStatus) {
        let _always_present = self.set_service_status(SLASHING_PROTECTION, status);
    }

    /// Sets the overall health from the services' statuses and returns it:
    /// - unhealthy if slashing protection or aggregator submission is down (nothing can be
    ///   signed safely, or nothing signed reaches the aggregator), or every rollup watcher is;
    /// - healthy if every service is up;
    /// - partially healthy otherwise (initializing, or some rollups down).
    pub fn update_health_from_services(&self) -> NodeHealth {
        let health = derive_health(&self.services());
        self.set_health(health);
        health
    }
}

fn derive_health(services: &[Service]) -> NodeHealth {
    let down = |s: &Service| s.status == ServiceStatus::Down;
    let critical_down = services
        .iter()
        .any(|s| down(s) && (s.id == SLASHING_PROTECTION || s.id == AGGREGATOR_SUBMISSION));
    let mut rollups = services.iter().filter(|s| s.id.starts_with("rollup-")).peekable();
    let all_rollups_down = rollups.peek().is_some() && rollups.all(down);
    if critical_down || all_rollups_down {
        NodeHealth::Unhealthy
    } else if services.iter().all(|s| s.status == ServiceStatus::Up) {
        NodeHealth::Healthy
    } else {
        NodeHealth::PartiallyHealthy
    }
}

/// An HTTP error; its answer is a status and an [`ErrorBody`]. The detail of an internal error
/// is logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No such service: 404 `not_found`.
    #[error("no such service")]
    NotFound,
    /// Something failed inside the node: 500 `internal`. The string is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => HttpError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()),
            ApiError::Internal(detail) => HttpError::internal(detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        HttpError::from(self).into_response()
    }
}

/// The node API's OpenAPI document: the routes of [`router`] and [`metrics_router`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "vigil-operator node API",
        description = "The EigenLayer AVS node API (spec v0.0.1) of a Vigil operator, and its \
                       metrics.",
    ),
    paths(node_info, node_health, services, service_health),
    tags(
        (name = "node", description = "The EigenLayer AVS node API"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// The node API's OpenAPI document (committed as `operator/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::document::<ApiDoc>()
}

/// The EigenLayer node API over `state`: `GET /eigen/node`, `/eigen/node/health`,
/// `/eigen/node/services` and `/eigen/node/services/{service_id}/health`, and its OpenAPI
/// document at `GET /openapi.json`.
pub fn router(state: NodeState) -> Router {
    http::with_fallbacks(
        Router::new()
            .route("/eigen/node", get(node_info))
            .route("/eigen/node/health", get(node_health))
            .route("/eigen/node/services", get(services))
            .route("/eigen/node/services/{service_id}/health", get(service_health))
            .with_state(state)
            .merge(http::openapi_router(&openapi())),
    )
}

/// `GET /metrics`: [`crate::metrics::registry`] in the Prometheus text format.
pub fn metrics_router() -> Router {
    http::metrics_router(crate::metrics::registry())
}

/// The node's name and versions.
#[utoipa::path(
    get,
    path = "/eigen/node",
    tag = "node",
    responses(
        (status = 200, description = "The node software and the spec version", body = NodeInfo,
            example = json!({"node_name": "vigil-operator", "spec_version": "v0.0.1", "node_version": "0.1.0"})),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn node_info(State(state): State<NodeState>) -> Json<NodeInfo> {
    Json(state.info())
}

/// The node's overall health, as a status with an empty body.
#[utoipa::path(
    get,
    path = "/eigen/node/health",
    tag = "node",
    responses(
        (status = 200, description = "Healthy: every service is up"),
        (status = 206, description = "Partially healthy: initializing, or some rollups' watchers are down"),
        (status = 503, description = "Unhealthy: slashing protection or aggregator submission is down, or every rollup's watcher"),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn node_health(State(state): State<NodeState>) -> StatusCode {
    state.health().status_code()
}

/// Every service and its status: the rollups' watchers by chain id, then aggregator
/// submission, then slashing protection.
#[utoipa::path(
    get,
    path = "/eigen/node/services",
    tag = "node",
    responses(
        (status = 200, description = "Every service", body = ServiceList,
            example = json!({"services": [
                {"id": "rollup-10", "name": "Rollup 10 watcher", "description": "Follows rollup 10 on the operator's L2 node, checks its batches' data availability on L1 and signs its checkpoints", "status": "Up"},
                {"id": "aggregator-submission", "name": "Aggregator submission", "description": "Submits signed checkpoints to the aggregator", "status": "Up"},
                {"id": "slashing-protection", "name": "Slashing protection", "description": "The database that records every checkpoint before it is signed and refuses conflicting ones", "status": "Initializing"}
            ]})),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn services(State(state): State<NodeState>) -> Json<ServiceList> {
    Json(ServiceList { services: state.services() })
}

/// One service's health, as a status with an empty body.
#[utoipa::path(
    get,
    path = "/eigen/node/services/{service_id}/health",
    tag = "node",
    params(("service_id" = String, Path, description = "A service id from `GET /eigen/node/services`", example = "slashing-protection")),
    responses(
        (status = 200, description = "Up"),
        (status = 206, description = "Initializing"),
        (status = 503, description = "Down"),
        (status = 404, description = "No such service", body = ErrorBody,
            example = json!({"error": "not_found", "message": "no such service"})),
        http::MethodNotAllowed,
        http::RequestTimeout,
    )
)]
async fn service_health(
    State(state): State<NodeState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    state.service_status(&id).map(ServiceStatus::status_code).ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick check (no chain): the committed document is the one the types derive. The
    /// integration test `openapi` checks the one a running node serves.
    #[test]
    fn committed_openapi_document_is_current() {
        let check = http::check_committed(&openapi(), env!("CARGO_MANIFEST_DIR"), "vigil-operator");
        check.unwrap_or_else(|e| panic!("{e}"));
    }

    fn with_statuses(statuses: &[(&str, ServiceStatus)]) -> Vec<Service> {
        let state = NodeState::new("vigil", "0", [1, 2]);
        for (id, status) in statuses {
            assert!(state.set_service_status(id, *status), "{id}");
        }
        state.services()
    }

    #[test]
    fn health_is_derived_from_services() {
        use ServiceStatus::{Down, Initializing, Up};
        let all_up = [
            ("rollup-1", Up),
            ("rollup-2", Up),
            (AGGREGATOR_SUBMISSION, Up),
            (SLASHING_PROTECTION, Up),
        ];
        let starting = all_up.map(|(id, _)| (id, Initializing));
        type Case<'a> = (&'a str, &'a [(&'a str, ServiceStatus)], NodeHealth);
        let cases: [Case<'_>; 7] = [
            ("starting", &starting, NodeHealth::PartiallyHealthy),
            (
                "one rollup initializing",
                &[("rollup-1", Initializing)],
                NodeHealth::PartiallyHealthy,
            ),
            ("all up", &all_up, NodeHealth::Healthy),
            ("one rollup down", &[("rollup-2", Down)], NodeHealth::PartiallyHealthy),
            ("all rollups down", &[("rollup-1", Down), ("rollup-2", Down)], NodeHealth::Unhealthy),
            ("protection down", &[(SLASHING_PROTECTION, Down)], NodeHealth::Unhealthy),
            ("aggregator down", &[(AGGREGATOR_SUBMISSION, Down)], NodeHealth::Unhealthy),
        ];
        for (name, changes, expected) in cases {
            let mut statuses = all_up.to_vec();
            statuses.extend_from_slice(changes);
            assert_eq!(derive_health(&with_statuses(&statuses)), expected, "{name}");
        }
    }

    #[test]
    fn services_are_fixed_and_deduplicated() {
        let state = NodeState::new("vigil", "0", [7, 3, 7]);
        let ids: Vec<String> = state.services().into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["rollup-3", "rollup-7", AGGREGATOR_SUBMISSION, SLASHING_PROTECTION]);
        assert!(!state.set_service_status("rollup-9", ServiceStatus::Up));
        assert!(state.set_rollup_status(7, ServiceStatus::Up));
        assert_eq!(state.service_status("rollup-7"), Some(ServiceStatus::Up));
    }

    #[test]
    fn health_round_trips() {
        let state = NodeState::new("vigil", "0", []);
        for health in [NodeHealth::Healthy, NodeHealth::PartiallyHealthy, NodeHealth::Unhealthy] {
            state.set_health(health);
            assert_eq!(state.health(), health);
        }
    }
}
