//! Prometheus metrics, created once as statics.
//!
//! Counters are bumped whether or not they are registered; call [`register_metrics`] (and
//! [`register_batch_metrics`] once the binary signs batches) with the binary's registry (or
//! `prometheus::default_registry()`) to export them.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, Opts, Registry};

pub(crate) const VALID: &str = "valid";
pub(crate) const SAME_BLOCK: &str = "same_block";
pub(crate) const CONFLICT: &str = "conflict";
pub(crate) const BELOW_LOW_WATER: &str = "below_low_water";
pub(crate) const UNREGISTERED_KEY: &str = "unregistered_key";
pub(crate) const ERROR: &str = "error";
pub(crate) const SELF_CONFLICT: &str = "self_conflict";
pub(crate) const EMPTY_BATCH: &str = "empty_batch";
pub(crate) const BATCH_TOO_LARGE: &str = "too_many_leaves";

/// Every `outcome` label value of [`DECISIONS_TOTAL_NAME`].
pub const DECISION_OUTCOMES: [&str; 6] =
    [VALID, SAME_BLOCK, CONFLICT, BELOW_LOW_WATER, UNREGISTERED_KEY, ERROR];

/// Name of the decision counter, labelled by `outcome` (one of [`DECISION_OUTCOMES`]).
pub const DECISIONS_TOTAL_NAME: &str = "vigil_operator_protection_decisions_total";

/// Every `outcome` label value of [`BATCH_DECISIONS_TOTAL_NAME`]: `valid` (at least one leaf
/// was new), `same_block` (every leaf was already recorded), the refusal of the first leaf
/// refused (`conflict`, `below_low_water`), and the batch-only refusals.
pub const BATCH_DECISION_OUTCOMES: [&str; 9] = [
    VALID,
    SAME_BLOCK,
    CONFLICT,
    BELOW_LOW_WATER,
    SELF_CONFLICT,
    UNREGISTERED_KEY,
    EMPTY_BATCH,
    BATCH_TOO_LARGE,
    ERROR,
];

/// Name of the batch decision counter (one count per batch, not per leaf), labelled by
/// `outcome` (one of [`BATCH_DECISION_OUTCOMES`]).
pub const BATCH_DECISIONS_TOTAL_NAME: &str = "vigil_operator_protection_batch_decisions_total";

/// `None` only if the constant name or label were invalid, which a unit test rules out.
static DECISIONS_TOTAL: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    outcome_counter(
        DECISIONS_TOTAL_NAME,
        "Slashing-protection decisions taken before signing a checkpoint, by outcome",
        &DECISION_OUTCOMES,
    )
});

/// `None` only if the constant name or label were invalid, which a unit test rules out.
static BATCH_DECISIONS_TOTAL: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    outcome_counter(
        BATCH_DECISIONS_TOTAL_NAME,
        "Slashing-protection decisions taken before signing a batch of checkpoints, by outcome",
        &BATCH_DECISION_OUTCOMES,
    )
});

fn outcome_counter(name: &str, help: &str, outcomes: &[&str]) -> Option<IntCounterVec> {
    let counter = IntCounterVec::new(Opts::new(name, help), &["outcome"]).ok()?;
    // Every series exists from the start, so dashboards and alerts see zeros, not gaps.
    for outcome in outcomes {
        counter.with_label_values(&[outcome]);
    }
    Some(counter)
}

/// Registers the single-checkpoint decision counter ([`DECISIONS_TOTAL_NAME`]) into
/// `registry`. Registering twice into one registry is a no-op; every registry shares the same
/// underlying counters.
pub fn register_metrics(registry: &Registry) -> prometheus::Result<()> {
    register(registry, DECISIONS_TOTAL.as_ref(), DECISIONS_TOTAL_NAME)
}

/// Registers the batch decision counter ([`BATCH_DECISIONS_TOTAL_NAME`]) into `registry`, like
/// [`register_metrics`]. Separate so that a binary exports the family only once it signs
/// batches: the operator's tests pin the exact set of families it exports.
pub fn register_batch_metrics(registry: &Registry) -> prometheus::Result<()> {
    register(registry, BATCH_DECISIONS_TOTAL.as_ref(), BATCH_DECISIONS_TOTAL_NAME)
}

fn register(
    registry: &Registry,
    counter: Option<&IntCounterVec>,
    name: &str,
) -> prometheus::Result<()> {
    let Some(counter) = counter else {
        return Err(prometheus::Error::Msg(format!("{name} could not be created")));
    };
    match registry.register(Box::new(counter.clone())) {
        Ok(()) | Err(prometheus::Error::AlreadyReg) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The current value of the decision counter for `outcome` (0 for an unknown label).
pub fn decisions_total(outcome: &str) -> u64 {
    value(DECISIONS_TOTAL.as_ref(), &DECISION_OUTCOMES, outcome)
}

/// The current value of the batch decision counter for `outcome` (0 for an unknown label).
pub fn batch_decisions_total(outcome: &str) -> u64 {
    value(BATCH_DECISIONS_TOTAL.as_ref(), &BATCH_DECISION_OUTCOMES, outcome)
}

fn value(counter: Option<&IntCounterVec>, outcomes: &[&str], outcome: &str) -> u64 {
    counter
        .filter(|_| outcomes.contains(&outcome))
        .map_or(0, |c| c.with_label_values(&[outcome]).get())
}

pub(crate) fn count_decision(outcome: &str) {
    if let Some(counter) = DECISIONS_TOTAL.as_ref() {
        counter.with_label_values(&[outcome]).inc();
    }
}

pub(crate) fn count_batch_decision(outcome: &str) {
    if let Some(counter) = BATCH_DECISIONS_TOTAL.as_ref() {
        counter.with_label_values(&[outcome]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_is_created_and_registers_once() {
        assert!(DECISIONS_TOTAL.is_some());
        let registry = Registry::new();
        register_metrics(&registry).unwrap();
        register_metrics(&registry).unwrap();
        let before = decisions_total(VALID);
        count_decision(VALID);
        assert_eq!(decisions_total(VALID), before + 1);
        let families = registry.gather();
        assert_eq!(families.len(), 1);
        assert_eq!(families[0].name(), DECISIONS_TOTAL_NAME);
        assert_eq!(families[0].get_metric().len(), DECISION_OUTCOMES.len());
    }

    #[test]
    fn batch_counter_is_created_and_registers_once() {
        assert!(BATCH_DECISIONS_TOTAL.is_some());
        let registry = Registry::new();
        register_batch_metrics(&registry).unwrap();
        register_batch_metrics(&registry).unwrap();
        let before = batch_decisions_total(SELF_CONFLICT);
        count_batch_decision(SELF_CONFLICT);
        assert_eq!(batch_decisions_total(SELF_CONFLICT), before + 1);
        assert_eq!(batch_decisions_total("no such outcome"), 0);
        let families = registry.gather();
        assert_eq!(families.len(), 1);
        assert_eq!(families[0].name(), BATCH_DECISIONS_TOTAL_NAME);
        assert_eq!(families[0].get_metric().len(), BATCH_DECISION_OUTCOMES.len());
        // Both families side by side in one registry.
        register_metrics(&registry).unwrap();
        assert_eq!(registry.gather().len(), 2);
    }
}
