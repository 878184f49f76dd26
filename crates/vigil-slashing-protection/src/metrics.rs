//! Prometheus metrics, created once as statics.
//!
//! Counters are bumped whether or not they are registered; call [`register_metrics`] once with
//! the binary's registry (or `prometheus::default_registry()`) to export them.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, Opts, Registry};

pub(crate) const VALID: &str = "valid";
pub(crate) const SAME_BLOCK: &str = "same_block";
pub(crate) const CONFLICT: &str = "conflict";
pub(crate) const BELOW_LOW_WATER: &str = "below_low_water";
pub(crate) const UNREGISTERED_KEY: &str = "unregistered_key";
pub(crate) const ERROR: &str = "error";

/// Every `outcome` label value of [`DECISIONS_TOTAL_NAME`].
pub const DECISION_OUTCOMES: [&str; 6] =
    [VALID, SAME_BLOCK, CONFLICT, BELOW_LOW_WATER, UNREGISTERED_KEY, ERROR];

/// Name of the decision counter, labelled by `outcome` (one of [`DECISION_OUTCOMES`]).
pub const DECISIONS_TOTAL_NAME: &str = "vigil_operator_protection_decisions_total";

/// `None` only if the constant name or label were invalid, which a unit test rules out.
static DECISIONS_TOTAL: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let counter = IntCounterVec::new(
        Opts::new(
            DECISIONS_TOTAL_NAME,
            "Slashing-protection decisions taken before signing a checkpoint, by outcome",
        ),
        &["outcome"],
    )
    .ok()?;
    // Every series exists from the start, so dashboards and alerts see zeros, not gaps.
    for outcome in DECISION_OUTCOMES {
        counter.with_label_values(&[outcome]);
    }
    Some(counter)
});

/// Registers the crate's metrics into `registry`. Registering twice into one registry is a
/// no-op; every registry shares the same underlying counters.
pub fn register_metrics(registry: &Registry) -> prometheus::Result<()> {
    let Some(counter) = DECISIONS_TOTAL.as_ref() else {
        return Err(prometheus::Error::Msg(format!("{DECISIONS_TOTAL_NAME} could not be created")));
    };
    match registry.register(Box::new(counter.clone())) {
        Ok(()) | Err(prometheus::Error::AlreadyReg) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The current value of the decision counter for `outcome` (0 for an unknown label).
pub fn decisions_total(outcome: &str) -> u64 {
    DECISIONS_TOTAL
        .as_ref()
        .filter(|_| DECISION_OUTCOMES.contains(&outcome))
        .map_or(0, |c| c.with_label_values(&[outcome]).get())
}

pub(crate) fn count_decision(outcome: &str) {
    if let Some(counter) = DECISIONS_TOTAL.as_ref() {
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
}
