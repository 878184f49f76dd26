//! The HTTP API's Prometheus metrics, created once as statics in the process's default
//! [`registry`] (with [`crate::metrics`]' own).
//!
//! Handlers record through [`record_signature`] and never spell a metric name or label.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, Opts, Registry, TextEncoder};

/// `vigil_aggregator_signatures_total`: counter by `result` (every outcome of
/// `POST /v1/signatures`).
pub const SIGNATURES_TOTAL: &str = "vigil_aggregator_signatures_total";

/// Every metric this module defines.
pub const METRIC_NAMES: [&str; 1] = [SIGNATURES_TOTAL];

/// The `result` label values of [`SIGNATURES_TOTAL`] for an accepted signature. A refusal is
/// labelled with its error code ([`crate::intake::IntakeError::code`], or `body_too_large`).
pub const SUCCESS_RESULTS: [&str; 3] = ["accepted", "duplicate", "stale"];

static SIGNATURES: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let counter = IntCounterVec::new(
        Opts::new(SIGNATURES_TOTAL, "Signed checkpoints posted to the aggregator, by outcome"),
        &["result"],
    );
    match counter {
        Ok(counter) => {
            // A second registration (several routers in one test process) keeps the first.
            let _ = registry().register(Box::new(counter.clone()));
            Some(counter)
        }
        Err(e) => {
            tracing::error!(target: "aggregator::metrics", error = %e, "cannot create metric");
            None
        }
    }
});

/// The registry the metrics port serves: the process's default registry, where
/// [`crate::metrics`] registers the aggregator's other metrics too.
pub fn registry() -> &'static Registry {
    prometheus::default_registry()
}

/// The registry in the Prometheus text exposition format.
pub fn try_encode() -> prometheus::Result<String> {
    TextEncoder::new().encode_to_string(&registry().gather())
}

/// [`try_encode`], or an empty string if encoding fails (it only fails on invalid UTF-8, which
/// the metrics' own names and labels never are).
pub fn encode() -> String {
    try_encode().unwrap_or_default()
}

/// Registers the API's metrics, so a scrape shows them before the first request.
pub fn init() {
    LazyLock::force(&SIGNATURES);
}

/// Counts one outcome of `POST /v1/signatures`.
pub fn record_signature(result: &str) {
    if let Some(counter) = SIGNATURES.as_ref() {
        counter.with_label_values(&[result]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_names_are_the_declared_ones() {
        record_signature("accepted");
        let text = encode();
        for name in METRIC_NAMES {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
        assert!(text.contains(r#"vigil_aggregator_signatures_total{result="accepted"}"#));
    }
}
