//! The operator's Prometheus metrics: the EigenLayer node spec's `eigen_*` set and Vigil's own
//! `vigil_operator_*`, created once as statics and exported from one Vigil [`registry`].
//!
//! Callers record through the typed helpers below ([`record_signed`], [`record_refused`], …)
//! and never spell a metric name or label. Recording works whether or not anything scrapes;
//! [`encode`] renders the registry in the Prometheus text format for `GET /metrics`.

use std::{sync::LazyLock, time::Duration};

use prometheus::{Gauge, GaugeVec, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Registry};
use vigil_service::metrics;

/// `eigen_performance_score`: gauge, 0–100.
pub const PERFORMANCE_SCORE: &str = "eigen_performance_score";
/// `eigen_rpc_request_duration_seconds`: histogram by `method`, `client_type`, `client_version`.
pub const RPC_REQUEST_DURATION_SECONDS: &str = "eigen_rpc_request_duration_seconds";
/// `eigen_rpc_requests_total`: counter by `method`, `client_type`, `client_version`.
pub const RPC_REQUESTS_TOTAL: &str = "eigen_rpc_requests_total";
/// `eigen_registered_stakes`: gauge by `quorum_number`, `quorum_name`.
pub const REGISTERED_STAKES: &str = "eigen_registered_stakes";
/// `vigil_operator_checkpoints_observed_total`: counter by `rollup`.
pub const CHECKPOINTS_OBSERVED_TOTAL: &str = "vigil_operator_checkpoints_observed_total";
/// `vigil_operator_checkpoints_signed_total`: counter by `rollup`.
pub const CHECKPOINTS_SIGNED_TOTAL: &str = "vigil_operator_checkpoints_signed_total";
/// `vigil_operator_checkpoints_refused_total`: counter by `rollup`, `reason`.
pub const CHECKPOINTS_REFUSED_TOTAL: &str = "vigil_operator_checkpoints_refused_total";
/// `vigil_operator_da_checks_total`: counter by `rollup`, `result`.
pub const DA_CHECKS_TOTAL: &str = "vigil_operator_da_checks_total";
/// `vigil_operator_da_refusals_total`: counter by `rollup`, `reason` (the OP Stack adapter's
/// refusal labels: `wrong_sender`, `blob_commitment`, `frame_repeated`, `channel_timeout`, …).
pub const DA_REFUSALS_TOTAL: &str = "vigil_operator_da_refusals_total";
/// `vigil_operator_l1_reorgs_total`: counter by `rollup`, `depth` (`within_window`: rewound to
/// a remembered block; `beyond_window`: every remembered block was orphaned).
pub const L1_REORGS_TOTAL: &str = "vigil_operator_l1_reorgs_total";
/// `vigil_operator_batches_total`: counter by `result` (`signed`: a closed L1 range's batch was
/// signed; `refused`: slashing protection refused it; `unbatched`: a checkpoint could not join its
/// range, which had closed, e.g. after an L1 reorg deeper than the kept window).
pub const BATCHES_TOTAL: &str = "vigil_operator_batches_total";
/// `vigil_operator_submission_seconds`: histogram by `aggregator`.
pub const SUBMISSION_SECONDS: &str = "vigil_operator_submission_seconds";
/// `vigil_operator_submissions_total`: counter by `aggregator`, `result`.
pub const SUBMISSIONS_TOTAL: &str = "vigil_operator_submissions_total";
/// `vigil_operator_last_signed_height`: gauge by `rollup`.
pub const LAST_SIGNED_HEIGHT: &str = "vigil_operator_last_signed_height";
/// `vigil_operator_slashed`: gauge, 0 or 1.
pub const SLASHED: &str = "vigil_operator_slashed";

/// Every metric this module defines. Dashboards and alerts may query only these (plus
/// [`vigil_slashing_protection::DECISIONS_TOTAL_NAME`], which [`registry`] also exports).
pub const METRIC_NAMES: [&str; 15] = [
    PERFORMANCE_SCORE,
    RPC_REQUEST_DURATION_SECONDS,
    RPC_REQUESTS_TOTAL,
    REGISTERED_STAKES,
    CHECKPOINTS_OBSERVED_TOTAL,
    CHECKPOINTS_SIGNED_TOTAL,
    CHECKPOINTS_REFUSED_TOTAL,
    DA_CHECKS_TOTAL,
    DA_REFUSALS_TOTAL,
    L1_REORGS_TOTAL,
    BATCHES_TOTAL,
    SUBMISSION_SECONDS,
    SUBMISSIONS_TOTAL,
    LAST_SIGNED_HEIGHT,
    SLASHED,
];

/// What became of a batch (`result` label of [`BATCHES_TOTAL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchResult {
    /// A closed range's batch was signed.
    Signed,
    /// Slashing protection refused a batch.
    Refused,
    /// A checkpoint could not join its range's batch.
    Unbatched,
}

impl BatchResult {
    /// Every value, for exporting each at zero.
    pub const ALL: [Self; 3] = [Self::Signed, Self::Refused, Self::Unbatched];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Refused => "refused",
            Self::Unbatched => "unbatched",
        }
    }
}

/// Why the operator declined to sign a checkpoint it observed (`reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// The slashing-protection database refused it (conflict, low-water mark, unknown key).
    SlashingProtection,
    /// The batch carrying the block could not be found or fetched from L1 blobs.
    DataUnavailable,
    /// The batch was found but does not match the block the operator's L2 node reports.
    BlockMismatch,
    /// An internal or RPC error stopped the checks from completing.
    Error,
}

impl RefusalReason {
    /// Every reason, in label order.
    pub const ALL: [Self; 4] =
        [Self::SlashingProtection, Self::DataUnavailable, Self::BlockMismatch, Self::Error];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SlashingProtection => "slashing_protection",
            Self::DataUnavailable => "data_unavailable",
            Self::BlockMismatch => "block_mismatch",
            Self::Error => "error",
        }
    }
}

/// Outcome of one data-availability check (`result` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaCheckResult {
    /// The blobs were found, their KZG commitments verified and the batch matched.
    Available,
    /// No batch or blob for the block was found on L1.
    Missing,
    /// A batch was found but its commitments or contents do not match.
    Mismatch,
    /// The check could not complete (RPC or beacon failure); it will be retried.
    Error,
}

impl DaCheckResult {
    /// Every result, in label order.
    pub const ALL: [Self; 4] = [Self::Available, Self::Missing, Self::Mismatch, Self::Error];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Missing => "missing",
            Self::Mismatch => "mismatch",
            Self::Error => "error",
        }
    }
}

/// How far back an L1 reorg reached (`depth` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReorgDepth {
    /// The fork is among the L1 blocks the node remembers: it rescanned from there.
    WithinWindow,
    /// Every remembered block was orphaned: it rescanned from the oldest of them, and a batch
    /// in an orphaned block older than that is not found again.
    BeyondWindow,
}

impl ReorgDepth {
    /// Every depth, in label order.
    pub const ALL: [Self; 2] = [Self::WithinWindow, Self::BeyondWindow];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WithinWindow => "within_window",
            Self::BeyondWindow => "beyond_window",
        }
    }
}

/// Outcome of submitting a signature to an aggregator (`result` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubmissionResult {
    /// The aggregator accepted the signature.
    Accepted,
    /// The aggregator answered and refused it.
    Rejected,
    /// No usable answer: transport error, timeout or a server error.
    Error,
}

impl SubmissionResult {
    /// Every result, in label order.
    pub const ALL: [Self; 3] = [Self::Accepted, Self::Rejected, Self::Error];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Error => "error",
        }
    }
}

const RPC_LABELS: [&str; 3] = ["method", "client_type", "client_version"];

/// Signature submissions are one HTTP round trip; slow ones point at the aggregator or network.
const SUBMISSION_BUCKETS: [f64; 11] =
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

struct Metrics {
    performance_score: IntGauge,
    rpc_request_duration_seconds: HistogramVec,
    rpc_requests_total: IntCounterVec,
    registered_stakes: GaugeVec,
    checkpoints_observed_total: IntCounterVec,
    checkpoints_signed_total: IntCounterVec,
    checkpoints_refused_total: IntCounterVec,
    da_checks_total: IntCounterVec,
    da_refusals_total: IntCounterVec,
    l1_reorgs_total: IntCounterVec,
    batches_total: IntCounterVec,
    submission_seconds: HistogramVec,
    submissions_total: IntCounterVec,
    last_signed_height: IntGaugeVec,
    slashed: Gauge,
}

impl Metrics {
    fn new() -> Self {
        Self {
            performance_score: metrics::int_gauge(
                PERFORMANCE_SCORE,
                "EigenLayer node spec: the node's own performance score, 0 (down) to 100 (fully \
                 healthy)",
            ),
            rpc_request_duration_seconds: metrics::histogram_vec(
                RPC_REQUEST_DURATION_SECONDS,
                "EigenLayer node spec: duration of RPC requests to L1/L2 clients, in seconds",
                &RPC_LABELS,
                prometheus::DEFAULT_BUCKETS,
            ),
            rpc_requests_total: metrics::counter_vec(
                RPC_REQUESTS_TOTAL,
                "EigenLayer node spec: RPC requests made to L1/L2 clients",
                &RPC_LABELS,
            ),
            registered_stakes: metrics::gauge_vec(
                REGISTERED_STAKES,
                "EigenLayer node spec: the operator's registered stake per quorum (Vigil's \
                 operator set), in the set's weight units",
                &["quorum_number", "quorum_name"],
            ),
            checkpoints_observed_total: metrics::counter_vec(
                CHECKPOINTS_OBSERVED_TOTAL,
                "Checkpoints read from the operator's own L2 node, by rollup id",
                &["rollup"],
            ),
            checkpoints_signed_total: metrics::counter_vec(
                CHECKPOINTS_SIGNED_TOTAL,
                "Checkpoints signed after every check and slashing protection passed, by rollup id",
                &["rollup"],
            ),
            checkpoints_refused_total: metrics::counter_vec(
                CHECKPOINTS_REFUSED_TOTAL,
                "Checkpoints observed but not signed, by rollup id and reason",
                &["rollup", "reason"],
            ),
            da_checks_total: metrics::counter_vec(
                DA_CHECKS_TOTAL,
                "Data-availability checks of the L1 blobs carrying a checkpoint's batch, by rollup \
                 id and result",
                &["rollup", "result"],
            ),
            da_refusals_total: metrics::counter_vec(
                DA_REFUSALS_TOTAL,
                "Batcher data or L2 blocks refused by the rollup adapter, by rollup id and reason",
                &["rollup", "reason"],
            ),
            l1_reorgs_total: metrics::counter_vec(
                L1_REORGS_TOTAL,
                "L1 reorgs the node noticed and rewound its scan for, by rollup id and depth \
                 (within_window or beyond_window of the remembered blocks)",
                &["rollup", "depth"],
            ),
            batches_total: metrics::counter_vec(
                BATCHES_TOTAL,
                "Batches (VIGIL_BATCH_V1) of closed L1 ranges, by result (signed, refused by \
                 slashing protection, or a checkpoint that could not join its range: unbatched)",
                &["result"],
            ),
            submission_seconds: metrics::histogram_vec(
                SUBMISSION_SECONDS,
                "Time to submit one signature to an aggregator, in seconds",
                &["aggregator"],
                &SUBMISSION_BUCKETS,
            ),
            submissions_total: metrics::counter_vec(
                SUBMISSIONS_TOTAL,
                "Signature submissions to an aggregator, by aggregator and result",
                &["aggregator", "result"],
            ),
            last_signed_height: metrics::int_gauge_vec(
                LAST_SIGNED_HEIGHT,
                "L2 block height of the last checkpoint signed, by rollup id",
                &["rollup"],
            ),
            slashed: metrics::gauge(
                SLASHED,
                "1 if the operator has been slashed by Vigil's slasher, else 0",
            ),
        }
    }
}

/// Created (and registered in the process's one registry, [`registry`]) on first use.
static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    if let Err(e) = vigil_slashing_protection::register_metrics(metrics::registry()) {
        tracing::error!(target: "node::metrics", error = %e, "registering protection metrics");
    }
    if let Err(e) = vigil_slashing_protection::register_batch_metrics(metrics::registry()) {
        tracing::error!(target: "node::metrics", error = %e, "registering protection metrics");
    }
    Metrics::new()
});

/// The process's registry ([`vigil_service::metrics::registry`]): every metric of this module and
/// of `vigil-slashing-protection`, as the node API's `GET /metrics` serves it.
pub fn registry() -> &'static Registry {
    LazyLock::force(&METRICS);
    metrics::registry()
}

/// The registry in the Prometheus text exposition format.
pub fn encode() -> String {
    LazyLock::force(&METRICS);
    metrics::encode()
}

/// Like [`encode`], but returns the encoder's error.
pub fn try_encode() -> prometheus::Result<String> {
    prometheus::TextEncoder::new().encode_to_string(&registry().gather())
}

fn with(f: impl FnOnce(&Metrics)) {
    f(&METRICS);
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Sets `eigen_performance_score`; values above 100 are clamped to 100.
pub fn set_performance_score(score: u8) {
    with(|m| m.performance_score.set(i64::from(score.min(100))));
}

/// Records one RPC request to an L1/L2 client: bumps `eigen_rpc_requests_total` and observes
/// its duration in `eigen_rpc_request_duration_seconds`.
///
/// `method` is the JSON-RPC method (`eth_getBlockByNumber`), `client_type` the client's name
/// (`reth`, `geth`, `anvil`) and `client_version` its version, as `web3_clientVersion` reports.
pub fn record_rpc_request(
    method: &str,
    client_type: &str,
    client_version: &str,
    duration: Duration,
) {
    with(|m| {
        let labels = [method, client_type, client_version];
        m.rpc_requests_total.with_label_values(&labels).inc();
        m.rpc_request_duration_seconds.with_label_values(&labels).observe(duration.as_secs_f64());
    });
}

/// Sets `eigen_registered_stakes` for one quorum (Vigil's operator set id and its name).
pub fn set_registered_stake(quorum_number: u32, quorum_name: &str, stake: f64) {
    with(|m| {
        m.registered_stakes
            .with_label_values(&[&quorum_number.to_string(), quorum_name])
            .set(stake);
    });
}

/// Creates every per-rollup series of `rollup` at zero, so dashboards and alerts see them before
/// the first event (a refusal, say) and `increase()` counts that first event.
pub fn init_rollup(rollup: u64) {
    with(|m| {
        let rollup = rollup.to_string();
        m.checkpoints_observed_total.with_label_values(&[&rollup]);
        m.checkpoints_signed_total.with_label_values(&[&rollup]);
        for reason in RefusalReason::ALL {
            m.checkpoints_refused_total.with_label_values(&[&rollup, reason.as_str()]);
        }
        for result in DaCheckResult::ALL {
            m.da_checks_total.with_label_values(&[&rollup, result.as_str()]);
        }
        for reason in vigil_da::op::Refusal::LABELS {
            m.da_refusals_total.with_label_values(&[&rollup, reason]);
        }
        for depth in ReorgDepth::ALL {
            m.l1_reorgs_total.with_label_values(&[&rollup, depth.as_str()]);
        }
    });
}

/// Counts batcher data or an L2 block the rollup adapter refused, by its reason label.
pub fn record_da_refusal(rollup: u64, reason: &str) {
    with(|m| m.da_refusals_total.with_label_values(&[&rollup.to_string(), reason]).inc());
}

/// Counts an L1 reorg `rollup`'s scan was rewound for, and how deep it reached.
pub fn record_l1_reorg(rollup: u64, depth: ReorgDepth) {
    with(|m| {
        m.l1_reorgs_total.with_label_values(&[&rollup.to_string(), depth.as_str()]).inc();
    });
}

/// Counts what became of a batch.
pub fn record_batch(result: BatchResult) {
    with(|m| m.batches_total.with_label_values(&[result.as_str()]).inc());
}

/// Exports every batch result at zero (a node signing batches).
pub fn init_batches() {
    with(|m| {
        for r in BatchResult::ALL {
            m.batches_total.with_label_values(&[r.as_str()]).inc_by(0);
        }
    });
}

/// Counts a checkpoint read from the operator's L2 node for `rollup` (its chain id).
pub fn record_observed(rollup: u64) {
    with(|m| m.checkpoints_observed_total.with_label_values(&[&rollup.to_string()]).inc());
}

/// Counts a signed checkpoint for `rollup` and sets its last signed `height`.
pub fn record_signed(rollup: u64, height: u64) {
    with(|m| {
        let rollup = rollup.to_string();
        m.checkpoints_signed_total.with_label_values(&[&rollup]).inc();
        m.last_signed_height.with_label_values(&[&rollup]).set(saturating_i64(height));
    });
}

/// Counts a checkpoint for `rollup` the operator declined to sign, and why.
pub fn record_refused(rollup: u64, reason: RefusalReason) {
    with(|m| {
        m.checkpoints_refused_total
            .with_label_values(&[&rollup.to_string(), reason.as_str()])
            .inc();
    });
}

/// Counts one data-availability check for `rollup` and its result.
pub fn record_da_check(rollup: u64, result: DaCheckResult) {
    with(|m| {
        m.da_checks_total.with_label_values(&[&rollup.to_string(), result.as_str()]).inc();
    });
}

/// Records one signature submission to `aggregator` (its URL or configured name): its
/// `duration` in `vigil_operator_submission_seconds` and its `result` in
/// `vigil_operator_submissions_total`.
pub fn record_submission(aggregator: &str, result: SubmissionResult, duration: Duration) {
    with(|m| {
        m.submission_seconds.with_label_values(&[aggregator]).observe(duration.as_secs_f64());
        m.submissions_total.with_label_values(&[aggregator, result.as_str()]).inc();
    });
}

/// Sets `vigil_operator_slashed` to 1 once the operator is known to be slashed, else 0.
pub fn set_slashed(slashed: bool) {
    with(|m| m.slashed.set(if slashed { 1.0 } else { 0.0 }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_and_protections_are_exported() {
        init_rollup(78);
        set_slashed(false);
        set_registered_stake(0, "vigil", 1.0);
        record_rpc_request("eth_chainId", "anvil", "1", Duration::from_millis(1));
        record_submission("a", SubmissionResult::Accepted, Duration::from_millis(1));
        record_signed(78, 1);
        set_performance_score(100);
        init_batches();
        let text = encode();
        for name in METRIC_NAMES.iter().chain([&vigil_slashing_protection::DECISIONS_TOTAL_NAME]) {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing from:\n{text}");
        }
    }

    #[test]
    fn names_are_conventional() {
        for name in METRIC_NAMES {
            assert!(name.starts_with("eigen_") || name.starts_with("vigil_operator_"), "{name}");
        }
        let mut sorted = METRIC_NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), METRIC_NAMES.len());
    }

    #[test]
    fn init_rollup_exports_every_refusal_reason_at_zero() {
        init_rollup(77);
        let text = encode();
        for reason in RefusalReason::ALL {
            let line = format!(
                "vigil_operator_checkpoints_refused_total{{reason=\"{}\",rollup=\"77\"}} 0",
                reason.as_str()
            );
            assert!(text.contains(&line), "{line} missing from:\n{text}");
        }
        assert!(text.contains("vigil_operator_checkpoints_signed_total{rollup=\"77\"} 0"));
        for depth in ReorgDepth::ALL {
            let line = format!(
                "vigil_operator_l1_reorgs_total{{depth=\"{}\",rollup=\"77\"}} 0",
                depth.as_str()
            );
            assert!(text.contains(&line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn performance_score_is_clamped() {
        set_performance_score(250);
        assert_eq!(METRICS.performance_score.get(), 100);
    }
}
