//! The slasher's Prometheus metrics (`vigil_slasher_*`), created once as statics in the
//! process's default registry, which the metrics port serves. Callers record through the
//! helpers below and never spell a metric name or label.
//!
//! | metric | labels | meaning |
//! |---|---|---|
//! | `vigil_slasher_signatures_total` | `source`, `result` | signed checkpoints ingested: new, duplicate, replaced, equivocation, invalid, below_pruned |
//! | `vigil_slasher_conflicts_total` | `source` | equivocations detected (proofs; one offence may have several) |
//! | `vigil_slasher_offences_recorded_total` | | offences newly recorded in the store |
//! | `vigil_slasher_evidence` | `state` | offences per state (pending, submitted, queued, slashed, …), refreshed every few seconds |
//! | `vigil_slasher_feed_seq` | `source` | last feed sequence number durably processed |
//! | `vigil_slasher_feed_head` | `source` | highest feed sequence number seen |
//! | `vigil_slasher_feed_troubles_total` | `source`, `kind` | feed connection errors, malformed events, gaps |
//! | `vigil_slasher_index_entries` | | entries in the in-memory index |
//! | `vigil_slasher_submissions_total` | `outcome` | outcomes of looks at open offences (submitted, slashed, already_slashed, queued, vetoed, failed, …) |
//! | `vigil_slasher_transactions_total` | | evidence/execute transactions signed and recorded |
//! | `vigil_slasher_fee_bumps_total` | | replacement transactions |
//! | `vigil_slasher_submit_errors_total` | `kind` | failed passes (rpc, sign, store) |
//! | `vigil_slasher_slash_latency_seconds` | | from detection to a final slash |
//! | `vigil_slasher_slash_gas_used` | | gas of the transaction that slashed |
//! | `vigil_slasher_slashes_total` | | operators slashed through our evidence |
//! | `vigil_slasher_slashable_blocks_left` | `operator` | blocks until an offender with open evidence stops being slashable (absent while it is a member) |
//! | `vigil_slasher_alarms_total` | | deadline alarms raised |
//! | `vigil_slasher_public_total` | `kind`, `result` | public submissions (`signature` items, `evidence`) by result: accepted or an ingest result (new, duplicate, …), or a refusal (`rate_limited`, `malformed`, `batch_too_large`, `wrong_domain`, `invalid_signature`, `unknown_operator`, `not_an_offence`, `refused_by_contract`, `unavailable`) |
//! | `vigil_slasher_public_sources_throttled_total` | | times a source spent its failure budget (its requests then get 429 until it refills) |
//! | `vigil_slasher_public_verify_seconds` | | one verification job of a public request (batch verification, and the fallback when it fails) |
//! | `vigil_slasher_chain_certificates_total` | `result` | certificates found on chain (`recorded`; `batch`: a batch certificate with its checkpoints; `batch_unknown`: a batch whose checkpoints no followed aggregator serves; `undecodable`) |
//! | `vigil_slasher_chain_scanned_block` | | last L1 block scanned for certificates |
//! | `vigil_slasher_certificate_checks_total` | `result` | signatures of another block checked against a recorded certificate |
//! | `vigil_slasher_slash_fraction` | | share of allocated stake one slash takes (from the contract's `slashingParams`) |

use std::{sync::LazyLock, time::Duration};

use alloy::primitives::Address;
use prometheus::{Gauge, Histogram, IntCounter, IntCounterVec, IntGauge, IntGaugeVec};
use vigil_service::metrics;

use crate::StateKind;

static SIGNATURES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_signatures_total",
        "Signed checkpoints ingested, by source and result",
        &["source", "result"],
    )
});
static CONFLICTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_conflicts_total",
        "Equivocations detected, by source",
        &["source"],
    )
});
static RECORDED: LazyLock<IntCounter> = LazyLock::new(|| {
    metrics::counter(
        "vigil_slasher_offences_recorded_total",
        "Offences newly recorded in the store",
    )
});
static EVIDENCE: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec("vigil_slasher_evidence", "Offences in the store, by state", &["state"])
});
static FEED_SEQ: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_slasher_feed_seq",
        "Last feed sequence number durably processed, by source",
        &["source"],
    )
});
static FEED_HEAD: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_slasher_feed_head",
        "Highest feed sequence number seen, by source",
        &["source"],
    )
});
static FEED_TROUBLES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_feed_troubles_total",
        "Feed connection errors, malformed events and gaps, by source and kind",
        &["source", "kind"],
    )
});
static INDEX_ENTRIES: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::int_gauge("vigil_slasher_index_entries", "Entries in the in-memory index")
});
static SUBMISSIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_submissions_total",
        "Outcomes of looks at open offences",
        &["outcome"],
    )
});
static TRANSACTIONS: LazyLock<IntCounter> = LazyLock::new(|| {
    metrics::counter("vigil_slasher_transactions_total", "Evidence and execute transactions sent")
});
static FEE_BUMPS: LazyLock<IntCounter> =
    LazyLock::new(|| metrics::counter("vigil_slasher_fee_bumps_total", "Replacement transactions"));
static SUBMIT_ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_submit_errors_total",
        "Failed submission passes, by kind",
        &["kind"],
    )
});
static LATENCY: LazyLock<Histogram> = LazyLock::new(|| {
    metrics::histogram(
        "vigil_slasher_slash_latency_seconds",
        "From detection to a final slash",
        &[1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0],
    )
});
static GAS: LazyLock<Histogram> = LazyLock::new(|| {
    metrics::histogram(
        "vigil_slasher_slash_gas_used",
        "Gas used by the transaction that slashed",
        &[100e3, 150e3, 200e3, 250e3, 300e3, 400e3, 500e3, 750e3, 1e6, 2e6],
    )
});
static SLASHES: LazyLock<IntCounter> = LazyLock::new(|| {
    metrics::counter("vigil_slasher_slashes_total", "Operators slashed through our evidence")
});
static BLOCKS_LEFT: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec(
        "vigil_slasher_slashable_blocks_left",
        "Blocks until an offender with open evidence stops being slashable",
        &["operator"],
    )
});
static ALARMS: LazyLock<IntCounter> =
    LazyLock::new(|| metrics::counter("vigil_slasher_alarms_total", "Deadline alarms raised"));
static PUBLIC: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_public_total",
        "Public submissions by kind (signature, evidence) and result",
        &["kind", "result"],
    )
});
static THROTTLED: LazyLock<IntCounter> = LazyLock::new(|| {
    metrics::counter(
        "vigil_slasher_public_sources_throttled_total",
        "Times a source spent its failure budget on the public routes (then 429 until it refills)",
    )
});
static VERIFY_SECONDS: LazyLock<Histogram> = LazyLock::new(|| {
    metrics::histogram(
        "vigil_slasher_public_verify_seconds",
        "One verification job of a public request (batch, and individual fallback if it fails)",
        &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
    )
});

static SLASH_FRACTION: LazyLock<Gauge> = LazyLock::new(|| {
    metrics::gauge(
        "vigil_slasher_slash_fraction",
        "Share of an offender's allocated stake one slash takes (the slasher contract's largest wadsToSlash / 1e18)",
    )
});

static CHAIN_CERTIFICATES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_chain_certificates_total",
        "Certificates found on chain: recorded, batch (a batch certificate with its checkpoints), \
         batch_unknown (no followed aggregator serves its checkpoints), or undecodable (not a \
         direct submitCertificate or submitBatchCertificate)",
        &["result"],
    )
});
static CHAIN_SCANNED: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::int_gauge(
        "vigil_slasher_chain_scanned_block",
        "Last L1 block scanned for certificates",
    )
});
static CERTIFICATE_CHECKS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_slasher_certificate_checks_total",
        "Signatures of another block than a recorded certificate's, checked against it: evidence, \
         not_a_signer, invalid_signature, error",
        &["result"],
    )
});

pub(crate) fn chain_certificate(result: &str) {
    CHAIN_CERTIFICATES.with_label_values(&[result]).inc();
}

pub(crate) fn chain_scanned(block: u64) {
    CHAIN_SCANNED.set(i64::try_from(block).unwrap_or(i64::MAX));
}

pub(crate) fn certificate_check(result: &str) {
    CERTIFICATE_CHECKS.with_label_values(&[result]).inc();
}

/// Sets the share of allocated stake one slash takes, as read from the slasher contract.
pub fn set_slash_fraction(fraction: f64) {
    SLASH_FRACTION.set(fraction);
}

/// Touches every metric so that it is exported (with zeros) from the start.
pub fn init(sources: &[String]) {
    for source in sources {
        for result in ["new", "duplicate", "replaced", "equivocation", "invalid", "below_pruned"] {
            SIGNATURES.with_label_values(&[source.as_str(), result]);
        }
        CONFLICTS.with_label_values(&[source.as_str()]);
        for kind in [
            "gap",
            "store",
            "connect",
            "status",
            "timeout",
            "disconnected",
            "closed",
            "malformed",
            "oversize",
        ] {
            FEED_TROUBLES.with_label_values(&[source.as_str(), kind]);
        }
        FEED_SEQ.with_label_values(&[source.as_str()]);
        FEED_HEAD.with_label_values(&[source.as_str()]);
    }
    for kind in StateKind::ALL {
        EVIDENCE.with_label_values(&[kind.as_str()]);
    }
    for outcome in ["submitted", "slashed", "already_slashed", "queued", "vetoed", "failed"] {
        SUBMISSIONS.with_label_values(&[outcome]);
    }
    LazyLock::force(&RECORDED);
    LazyLock::force(&INDEX_ENTRIES);
    LazyLock::force(&TRANSACTIONS);
    LazyLock::force(&FEE_BUMPS);
    LazyLock::force(&LATENCY);
    LazyLock::force(&GAS);
    LazyLock::force(&SLASHES);
    LazyLock::force(&ALARMS);
    LazyLock::force(&BLOCKS_LEFT);
    LazyLock::force(&SLASH_FRACTION);
    LazyLock::force(&CHAIN_SCANNED);
    for result in ["recorded", "batch", "batch_unknown", "undecodable"] {
        CHAIN_CERTIFICATES.with_label_values(&[result]);
    }
    for result in ["evidence", "not_a_signer", "invalid_signature", "error"] {
        CERTIFICATE_CHECKS.with_label_values(&[result]);
    }
    SUBMIT_ERRORS.with_label_values(&["rpc"]);
    for (kind, result) in [("signature", "accepted"), ("evidence", "accepted")] {
        PUBLIC.with_label_values(&[kind, result]);
    }
    for kind in ["signature", "evidence"] {
        for result in PUBLIC_REFUSALS {
            PUBLIC.with_label_values(&[kind, result]);
        }
    }
    LazyLock::force(&THROTTLED);
    LazyLock::force(&VERIFY_SECONDS);
}

/// The refusals `vigil_slasher_public_total` counts (exported from the start).
const PUBLIC_REFUSALS: [&str; 5] =
    ["rate_limited", "malformed", "wrong_domain", "invalid_signature", "unknown_operator"];

pub(crate) fn signature(source: &str, result: &str) {
    SIGNATURES.with_label_values(&[source, result]).inc();
}

pub(crate) fn conflict(source: &str) {
    CONFLICTS.with_label_values(&[source]).inc();
}

pub(crate) fn recorded(new_offences: u64) {
    RECORDED.inc_by(new_offences);
}

/// Sets the per-state offence counts.
pub fn evidence_states(counts: &[(StateKind, u64)]) {
    for (kind, n) in counts {
        EVIDENCE.with_label_values(&[kind.as_str()]).set(i64::try_from(*n).unwrap_or(i64::MAX));
    }
}

pub(crate) fn feed_seq(source: &str, seq: u64) {
    FEED_SEQ.with_label_values(&[source]).set(i64::try_from(seq).unwrap_or(i64::MAX));
}

pub(crate) fn feed_head(source: &str, seq: u64) {
    let g = FEED_HEAD.with_label_values(&[source]);
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    if seq > g.get() {
        g.set(seq);
    }
}

pub(crate) fn feed_trouble(source: &str, kind: &str) {
    FEED_TROUBLES.with_label_values(&[source, kind]).inc();
}

pub(crate) fn index_entries(n: usize) {
    INDEX_ENTRIES.set(i64::try_from(n).unwrap_or(i64::MAX));
}

pub(crate) fn submit_outcome(outcome: &str) {
    if outcome != "waiting" {
        SUBMISSIONS.with_label_values(&[outcome]).inc();
    }
}

pub(crate) fn submitted() {
    TRANSACTIONS.inc();
}

pub(crate) fn fee_bump() {
    FEE_BUMPS.inc();
}

pub(crate) fn submit_error(kind: &str) {
    SUBMIT_ERRORS.with_label_values(&[kind]).inc();
}

pub(crate) fn slashed(gas_used: u64, latency: Duration) {
    SLASHES.inc();
    #[allow(clippy::cast_precision_loss)]
    GAS.observe(gas_used as f64);
    LATENCY.observe(latency.as_secs_f64());
}

/// `u64::MAX` means "still a member": the series is removed.
pub(crate) fn slashable_blocks_left(operator: Address, left: u64) {
    let label = operator.to_string();
    if left == u64::MAX {
        let _ = BLOCKS_LEFT.remove_label_values(&[label.as_str()]);
    } else {
        BLOCKS_LEFT
            .with_label_values(&[label.as_str()])
            .set(i64::try_from(left).unwrap_or(i64::MAX));
    }
}

pub(crate) fn alarm() {
    ALARMS.inc();
}

/// Counts a public submission's result; `result` is one of a fixed set of codes (never a
/// source address), so the series stay few.
pub(crate) fn public(kind: &str, result: &str) {
    PUBLIC.with_label_values(&[kind, result]).inc();
}

/// A source just spent its failure budget.
pub(crate) fn source_throttled() {
    THROTTLED.inc();
}

pub(crate) fn verify_job(elapsed: Duration) {
    VERIFY_SECONDS.observe(elapsed.as_secs_f64());
}

/// The default registry in Prometheus text format.
pub fn render() -> String {
    use prometheus::Encoder as _;
    let mut buf = Vec::new();
    let _ = prometheus::TextEncoder::new().encode(&prometheus::gather(), &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
