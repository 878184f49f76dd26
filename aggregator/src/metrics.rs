//! The aggregator's Prometheus metrics (`vigil_aggregator_*`), created once as statics in the
//! process's default registry, which the metrics port serves. Callers record through the helpers
//! below and never spell a metric name or label. Signature intake results
//! (`vigil_aggregator_signatures_total{result}`) are counted by the HTTP API.

use std::{sync::LazyLock, time::Duration};

use alloy_primitives::U256;
use prometheus::{GaugeVec, HistogramVec, IntCounterVec, IntGaugeVec};
use vigil_service::metrics;

static BATCHES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_batches_total",
        "Batch certificates (VIGIL_BATCH_V1) by event: built, expired (no quorum before the \
         verifier's maximum age), submitted, mined, already_recorded, failed",
        &["event"],
    )
});
static BATCH_STATES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_batch_certificates",
        "Stored batch certificates by submission state",
        &["state"],
    )
});
static BATCH_ROUNDS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_batch_rounds",
        "Batch rounds held in memory: open (collecting) and done (certified, kept until pruned)",
        &["kind"],
    )
});
static ENGINE_ROUNDS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_rounds",
        "(rollup, height) rounds held in memory: open (collecting) and done (certified or \
         covered by a batch, kept until pruned)",
        &["kind"],
    )
});
static BATCH_SIGNATURES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_batch_signatures_total",
        "POST /v1/batches/signatures by result: accepted, duplicate, stale or the error code",
        &["result"],
    )
});
static SINGLES_COVERED: LazyLock<prometheus::IntCounter> = LazyLock::new(|| {
    metrics::counter(
        "vigil_aggregator_singles_covered_total",
        "Checkpoints at quorum alone whose single certificate was not built: a batch \
         certificate holds the same block",
    )
});
static ROUNDS_OPEN: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_open_rounds",
        "(rollup, height) rounds still collecting signatures",
        &["rollup"],
    )
});
static CERTIFICATES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_certificates_total",
        "Certificates by event: built, submitted, mined, failed, already_recorded",
        &["rollup", "event"],
    )
});
static WEIGHT_REFRESHES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_weight_refreshes_total",
        "Passes over the registrar's recorded weights: current, updated (updateOperators sent), error",
        &["result"],
    )
});
static CERTIFICATE_STATES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_certificates",
        "Stored certificates by submission state",
        &["state"],
    )
});
static TIME_TO_QUORUM: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "vigil_aggregator_time_to_quorum_seconds",
        "From a checkpoint's first signature to reaching its rollup's threshold",
        &["rollup"],
        &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0],
    )
});
static NON_SIGNERS: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "vigil_aggregator_non_signers",
        "Non-signers per built certificate",
        &["rollup"],
        &[0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0],
    )
});
static GAS_USED: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "vigil_aggregator_gas_used",
        "Gas used by mined certificate transactions",
        &["rollup"],
        &[150e3, 200e3, 250e3, 300e3, 400e3, 500e3, 750e3, 1e6, 2e6],
    )
});
static INVALID: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_invalid_signatures_total",
        "Signatures found invalid during aggregation (bisection or individual check)",
        &["rollup"],
    )
});
static EQUIVOCATIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_equivocations_total",
        "Operators seen signing two conflicting checkpoints for one (rollup, height)",
        &["rollup"],
    )
});
static LAST_CERTIFIED: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_last_certified_height",
        "Highest height with a mined certificate",
        &["rollup"],
    )
});
static CERT_SIGNED_WEIGHT: LazyLock<GaugeVec> = LazyLock::new(|| {
    metrics::gauge_vec(
        "vigil_aggregator_certificate_signed_weight",
        "Stake weight (whole tokens) that signed the latest built certificate",
        &["rollup"],
    )
});
static CERT_TOTAL_WEIGHT: LazyLock<GaugeVec> = LazyLock::new(|| {
    metrics::gauge_vec(
        "vigil_aggregator_certificate_total_weight",
        "Total stake weight (whole tokens) of the operator set at the latest built certificate's l1Block",
        &["rollup"],
    )
});
static THRESHOLD_BPS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_aggregator_threshold_bps",
        "Certification threshold of the rollup, in basis points of total weight",
        &["rollup"],
    )
});

static UNVERIFIED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_unverified_total",
        "Submissions refused before they reached the store, by source address and reason: \
         invalid_signature, malformed_signature, unknown_operator, wrong_domain, future_l1_block, \
         source_budget_spent (the source's failure budget was spent, nothing was checked)",
        &["source", "reason"],
    )
});
static VERIFY_CHECKS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_verify_checks_total",
        "Pairing checks run at intake: group (many signatures over one checkpoint, random \
         combination) or single",
        &["kind"],
    )
});
static VERIFY_BATCH: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "vigil_aggregator_verify_batch_size",
        "Signatures verified together at intake",
        &[],
        &[1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0],
    )
});
static INTAKE_RPC: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_aggregator_intake_rpc_calls_total",
        "L1 reads caused by submissions: key (a registration lookup), head (eth_blockNumber), \
         snapshot (the operator set at a new l1Block)",
        &["call"],
    )
});

/// The `reason`s of [`unverified`].
pub const UNVERIFIED_REASONS: [&str; 6] = [
    "invalid_signature",
    "malformed_signature",
    "unknown_operator",
    "wrong_domain",
    "future_l1_block",
    "source_budget_spent",
];

/// Most sources [`unverified`] labels by address; the rest are `other`.
pub const MAX_SOURCE_SERIES: usize = 64;

/// Counts a submission from `source` refused before verification passed, by `reason`.
pub fn unverified(source: vigil_service::http::Source, reason: &str) {
    static SEEN: LazyLock<std::sync::Mutex<std::collections::HashSet<std::net::IpAddr>>> =
        LazyLock::new(Default::default);
    let labelled = SEEN
        .lock()
        .map(|mut seen| {
            seen.contains(&source.0) || (seen.len() < MAX_SOURCE_SERIES && seen.insert(source.0))
        })
        .unwrap_or(false);
    let label = if labelled { source.to_string() } else { "other".to_owned() };
    UNVERIFIED.with_label_values(&[&label, reason]).inc();
}

/// Records one verification batch at intake: its size and the checks it took.
pub fn verify_batch(size: usize, group_checks: usize, single_checks: usize) {
    VERIFY_BATCH.with_label_values::<&str>(&[]).observe(size as f64);
    VERIFY_CHECKS.with_label_values(&["group"]).inc_by(group_checks as u64);
    VERIFY_CHECKS.with_label_values(&["single"]).inc_by(single_checks as u64);
}

/// Counts an L1 read caused by a submission (`key`, `head`, `snapshot`).
pub fn intake_rpc(call: &str) {
    INTAKE_RPC.with_label_values(&[call]).inc();
}

/// Sets the number of open rounds of `rollup`.
pub fn set_open_rounds(rollup: u64, n: usize) {
    ROUNDS_OPEN.with_label_values(&[&rollup.to_string()]).set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Counts a certificate event (`built`, `submitted`, `mined`, `failed`, `already_recorded`).
pub fn certificate_event(rollup: u64, event: &str) {
    CERTIFICATES.with_label_values(&[&rollup.to_string(), event]).inc();
}

/// Counts one pass of the weight refresher (`current`, `updated`, `error`).
pub fn weight_refresh(result: &str) {
    WEIGHT_REFRESHES.with_label_values(&[result]).inc();
}

/// Sets how many stored certificates are in `state`.
pub fn set_certificates_in_state(state: &str, n: u64) {
    CERTIFICATE_STATES.with_label_values(&[state]).set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Records the time from first signature to quorum.
pub fn time_to_quorum(rollup: u64, took: Duration) {
    TIME_TO_QUORUM.with_label_values(&[&rollup.to_string()]).observe(took.as_secs_f64());
}

/// Records the non-signers of a built certificate.
pub fn non_signers(rollup: u64, n: usize) {
    NON_SIGNERS.with_label_values(&[&rollup.to_string()]).observe(n as f64);
}

/// Records the gas of a mined certificate transaction.
pub fn gas_used(rollup: u64, gas: u64) {
    GAS_USED.with_label_values(&[&rollup.to_string()]).observe(gas as f64);
}

/// Counts signatures found invalid while aggregating.
pub fn invalid_signatures(rollup: u64, n: usize) {
    INVALID.with_label_values(&[&rollup.to_string()]).inc_by(n as u64);
}

/// Counts an equivocation seen by the aggregator.
pub fn equivocation(rollup: u64) {
    EQUIVOCATIONS.with_label_values(&[&rollup.to_string()]).inc();
}

/// Sets the highest mined height of `rollup`.
pub fn set_last_certified(rollup: u64, height: u64) {
    LAST_CERTIFIED
        .with_label_values(&[&rollup.to_string()])
        .set(i64::try_from(height).unwrap_or(i64::MAX));
}

/// Records the stake behind a built certificate: weights in whole tokens (weight / 10^18) and
/// the threshold it had to meet.
pub fn certificate_stake(rollup: u64, signed: U256, total: U256, threshold_bps: u16) {
    let tokens = |w: U256| w.to_string().parse::<f64>().unwrap_or(f64::MAX) / 1e18;
    let r = rollup.to_string();
    CERT_SIGNED_WEIGHT.with_label_values(&[&r]).set(tokens(signed));
    CERT_TOTAL_WEIGHT.with_label_values(&[&r]).set(tokens(total));
    THRESHOLD_BPS.with_label_values(&[&r]).set(i64::from(threshold_bps));
}

/// Counts a batch-certificate event (see `vigil_aggregator_batches_total`).
pub fn batch_event(event: &str) {
    BATCHES.with_label_values(&[event]).inc();
}

/// Sets the stored batch certificates in `state`.
pub fn set_batches_in_state(state: &str, n: u64) {
    BATCH_STATES.with_label_values(&[state]).set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Sets the batch rounds held in memory.
pub fn set_batch_rounds(open: usize, done: usize) {
    BATCH_ROUNDS.with_label_values(&["open"]).set(i64::try_from(open).unwrap_or(i64::MAX));
    BATCH_ROUNDS.with_label_values(&["done"]).set(i64::try_from(done).unwrap_or(i64::MAX));
}

/// Sets the `(rollup, height)` rounds held in memory.
pub fn set_engine_rounds(open: usize, done: usize) {
    ENGINE_ROUNDS.with_label_values(&["open"]).set(i64::try_from(open).unwrap_or(i64::MAX));
    ENGINE_ROUNDS.with_label_values(&["done"]).set(i64::try_from(done).unwrap_or(i64::MAX));
}

/// Counts a batch signature's intake result.
pub fn record_batch_signature(result: &str) {
    BATCH_SIGNATURES.with_label_values(&[result]).inc();
}

/// Counts a checkpoint whose single certificate a batch certificate made unneeded.
pub fn single_covered() {
    SINGLES_COVERED.inc();
}

/// Most rollups [`observe_rollup`] creates series for.
pub const MAX_ROLLUP_SERIES: usize = 1_024;

/// Creates every per-rollup series of `rollup` at zero the first time it is seen (cheap after
/// that): the aggregator learns its rollups from registered operators' signatures. At most
/// [`MAX_ROLLUP_SERIES`] rollups get series this way, so label cardinality stays bounded.
pub fn observe_rollup(rollup: u64) {
    static SEEN: LazyLock<std::sync::Mutex<std::collections::HashSet<u64>>> =
        LazyLock::new(Default::default);
    let first = SEEN
        .lock()
        .map(|mut seen| seen.len() < MAX_ROLLUP_SERIES && seen.insert(rollup))
        .unwrap_or(false);
    if first {
        init_rollup(rollup);
    }
}

fn init_rollup(r: u64) {
    set_open_rounds(r, 0);
    for e in ["built", "submitted", "mined", "failed", "already_recorded"] {
        CERTIFICATES.with_label_values(&[&r.to_string(), e]);
    }
    INVALID.with_label_values(&[&r.to_string()]);
    EQUIVOCATIONS.with_label_values(&[&r.to_string()]);
    TIME_TO_QUORUM.with_label_values(&[&r.to_string()]);
    NON_SIGNERS.with_label_values(&[&r.to_string()]);
    GAS_USED.with_label_values(&[&r.to_string()]);
}

/// Touches every metric so each series exists (zero) before the first event; dashboards and
/// alerts then see the series from the start.
pub fn init(rollups: &[u64]) {
    for r in rollups {
        init_rollup(*r);
    }
    for s in ["ready", "submitted", "mined", "failed"] {
        set_certificates_in_state(s, 0);
    }
    for call in ["key", "head", "snapshot"] {
        INTAKE_RPC.with_label_values(&[call]);
    }
    // Sources get series as they fail; `other` (beyond the first 64) exists from the start.
    for reason in UNVERIFIED_REASONS {
        UNVERIFIED.with_label_values(&["other", reason]);
    }
    for kind in ["group", "single"] {
        VERIFY_CHECKS.with_label_values(&[kind]);
    }
    for e in ["built", "expired", "submitted", "mined", "already_recorded", "failed"] {
        BATCHES.with_label_values(&[e]);
    }
    for s in ["ready", "submitted", "mined", "failed"] {
        set_batches_in_state(s, 0);
    }
    set_batch_rounds(0, 0);
    set_engine_rounds(0, 0);
    for r in ["accepted", "duplicate", "stale"] {
        BATCH_SIGNATURES.with_label_values(&[r]);
    }
    LazyLock::force(&SINGLES_COVERED);
}
