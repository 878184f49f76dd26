//! One way to define metrics: each service declares its metrics as `LazyLock` statics built
//! with these constructors, which register them once in the process's one registry
//! ([`registry`], Prometheus' default registry), the one the `/metrics` route serves.
//!
//! ```
//! use std::sync::LazyLock;
//!
//! use prometheus::IntCounterVec;
//!
//! static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
//!     vigil_service::metrics::counter_vec("vigil_doc_requests_total", "Requests", &["result"])
//! });
//!
//! REQUESTS.with_label_values(&["ok"]).inc();
//! assert!(vigil_service::metrics::encode().contains("vigil_doc_requests_total{result=\"ok\"} 1"));
//! ```
//!
//! A name registered twice (two tests of one process building the same static, or two crates
//! choosing one name) keeps the first registration; the second collector still counts, it is
//! just not exported, and a log line says so.

use prometheus::{
    Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder, core::Collector,
};

/// The process's registry: every metric of every Vigil crate lives here.
pub fn registry() -> &'static Registry {
    prometheus::default_registry()
}

/// Everything in [`registry`] in the Prometheus text format.
pub fn encode() -> String {
    TextEncoder::new().encode_to_string(&registry().gather()).unwrap_or_else(|e| {
        tracing::error!(target: "vigil::metrics", error = %e, "encoding metrics failed");
        String::new()
    })
}

/// Registers `collector` in [`registry`] and returns it.
pub fn register<C: Collector + Clone + 'static>(collector: C) -> C {
    if let Err(e) = registry().register(Box::new(collector.clone())) {
        // AlreadyReg: the first registration is exported, this one still counts.
        tracing::debug!(target: "vigil::metrics", error = %e, "metric not registered");
    }
    collector
}

/// A counter with labels.
pub fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| invalid(name, e)))
}

/// A counter without labels.
pub fn counter(name: &str, help: &str) -> IntCounter {
    register(IntCounter::new(name, help).unwrap_or_else(|e| invalid(name, e)))
}

/// An integer gauge with labels.
pub fn int_gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(IntGaugeVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| invalid(name, e)))
}

/// An integer gauge without labels.
pub fn int_gauge(name: &str, help: &str) -> IntGauge {
    register(IntGauge::new(name, help).unwrap_or_else(|e| invalid(name, e)))
}

/// A float gauge with labels.
pub fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    register(GaugeVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| invalid(name, e)))
}

/// A float gauge without labels.
pub fn gauge(name: &str, help: &str) -> Gauge {
    register(Gauge::new(name, help).unwrap_or_else(|e| invalid(name, e)))
}

/// A histogram without labels, with these bucket bounds.
pub fn histogram(name: &str, help: &str, buckets: &[f64]) -> Histogram {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(Histogram::with_opts(opts).unwrap_or_else(|e| invalid(name, e)))
}

/// A histogram with labels, with these bucket bounds.
pub fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(HistogramVec::new(opts, labels).unwrap_or_else(|e| invalid(name, e)))
}

/// Metric definitions are constants written in the source: an invalid one (a bad name, labels
/// that repeat) is a programming error that every test run finds at once.
#[allow(clippy::panic)]
fn invalid(name: &str, e: prometheus::Error) -> ! {
    panic!("metric {name} is defined wrongly: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_is_exported_once_and_a_second_definition_still_counts() {
        let first = counter_vec("vigil_test_twice_total", "twice", &["k"]);
        let second = counter_vec("vigil_test_twice_total", "twice", &["k"]);
        first.with_label_values(&["a"]).inc();
        second.with_label_values(&["a"]).inc_by(5);
        let text = encode();
        assert_eq!(text.matches("# TYPE vigil_test_twice_total counter").count(), 1);
        assert!(text.contains("vigil_test_twice_total{k=\"a\"} 1"), "{text}");
        assert_eq!(second.with_label_values(&["a"]).get(), 5);
    }

    #[test]
    fn every_kind_is_exported() {
        counter("vigil_test_c_total", "c").inc();
        int_gauge("vigil_test_ig", "ig").set(3);
        int_gauge_vec("vigil_test_igv", "igv", &["x"]).with_label_values(&["y"]).set(4);
        gauge("vigil_test_g", "g").set(0.5);
        gauge_vec("vigil_test_gv", "gv", &["x"]).with_label_values(&["y"]).set(1.5);
        histogram("vigil_test_h", "h", &[1.0, 2.0]).observe(1.5);
        histogram_vec("vigil_test_hv", "hv", &["x"], &[1.0]).with_label_values(&["y"]).observe(0.5);
        let text = encode();
        for line in [
            "vigil_test_c_total 1",
            "vigil_test_ig 3",
            "vigil_test_igv{x=\"y\"} 4",
            "vigil_test_g 0.5",
            "vigil_test_gv{x=\"y\"} 1.5",
            "vigil_test_h_bucket{le=\"2\"} 1",
            "vigil_test_hv_count{x=\"y\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    #[should_panic(expected = "defined wrongly")]
    fn an_invalid_definition_is_found_at_once() {
        let _ = counter_vec("bad name", "x", &[]);
    }
}
