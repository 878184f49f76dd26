//! Metrics of the RPC endpoints behind a [`Failover`] transport: which endpoint answers, which
//! failed and why, and how often every endpoint was rate-limiting at once.
//!
//! | metric | labels | meaning |
//! |---|---|---|
//! | `vigil_rpc_endpoint_active` | `chain`, `endpoint` | 1 for the endpoint that answered last, 0 for the others |
//! | `vigil_rpc_endpoint_failures_total` | `chain`, `endpoint`, `kind` | requests an endpoint failed: `unavailable` or `rate_limited` |
//! | `vigil_rpc_endpoint_switches_total` | `chain` | times the answering endpoint changed |
//! | `vigil_rpc_rate_limit_waits_total` | `chain` | times a request waited because every endpoint was rate-limiting |
//!
//! Endpoints are named by position and redacted URL (`#1 https://host/…`).

use std::sync::{Arc, LazyLock};

use prometheus::{IntCounterVec, IntGaugeVec};
use vigil_chain::failover::{EndpointEvent, Failover, FailureKind, Observer};

use crate::metrics;

static ACTIVE: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_rpc_endpoint_active",
        "1 for the RPC endpoint that answered last, 0 for the others",
        &["chain", "endpoint"],
    )
});

static FAILURES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_rpc_endpoint_failures_total",
        "Requests an RPC endpoint failed (unavailable or rate_limited)",
        &["chain", "endpoint", "kind"],
    )
});

static SWITCHES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_rpc_endpoint_switches_total",
        "Times the answering RPC endpoint changed",
        &["chain"],
    )
});

static WAITS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_rpc_rate_limit_waits_total",
        "Times a request waited because every RPC endpoint was rate-limiting",
        &["chain"],
    )
});

/// Creates every series of `transport`'s endpoints at zero, so dashboards see them before the
/// first failure.
pub fn register(transport: &Failover) {
    let chain = transport.chain();
    for endpoint in transport.endpoints() {
        ACTIVE.with_label_values(&[chain, &endpoint]).set(0);
        for kind in [FailureKind::Unavailable, FailureKind::RateLimited] {
            FAILURES.with_label_values(&[chain, &endpoint, kind.as_str()]);
        }
    }
    SWITCHES.with_label_values(&[chain]);
    WAITS.with_label_values(&[chain]);
}

/// The observer that keeps these metrics.
pub fn observer() -> Observer {
    Arc::new(|chain: &str, event: &EndpointEvent<'_>| match event {
        EndpointEvent::Switched { from, to } => {
            if let Some(from) = from {
                ACTIVE.with_label_values(&[chain, from]).set(0);
                SWITCHES.with_label_values(&[chain]).inc();
            }
            ACTIVE.with_label_values(&[chain, to]).set(1);
        }
        EndpointEvent::Failed { endpoint, kind, .. } => {
            FAILURES.with_label_values(&[chain, endpoint, kind.as_str()]).inc();
        }
        EndpointEvent::Waiting { .. } => WAITS.with_label_values(&[chain]).inc(),
    })
}
