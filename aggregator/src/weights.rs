//! Keeps the verifier's weights current. The registrar records an operator's weight (its slashable
//! stake) when it registers and whenever anyone calls `updateOperators`; stake moves in
//! EigenLayer (deposits, withdrawals, allocations taking effect, slashes) do not tell it. So the
//! aggregator asks the registrar which members' recorded weight differs from their stake now
//! (`outdatedOperators`, a view over current state) and, if any, sends `updateOperators` with
//! exactly those. This is also what gives weight to an operator whose allocation was still
//! pending when it registered.
//!
//! The transaction is paid by the submitter account. It shares the account's nonces with the
//! certificate submitter the way two replicas do: a collision costs a resend, never a
//! certificate.

use std::time::Duration;

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
};
use tracing::{info, warn};
use vigil_chain::bindings::VigilVerifier;

use crate::metrics;

const TARGET: &str = "vigil::aggregator::weights";

/// Errors of one refresh.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// Reading `outdatedOperators` failed.
    #[error("outdatedOperators: {0}")]
    Read(String),
    /// Sending or mining `updateOperators` failed.
    #[error("updateOperators: {0}")]
    Update(String),
}

/// Refreshes the verifier's recorded weights when stake moved.
#[derive(Debug, Clone)]
pub struct WeightRefresher {
    verifier: VigilVerifier::VigilVerifierInstance<DynProvider>,
}

impl WeightRefresher {
    /// A refresher for `verifier`, reading through `reader` and paying with `wallet`.
    pub fn new(reader: DynProvider, wallet: EthereumWallet, verifier: Address) -> Self {
        let provider = ProviderBuilder::new().wallet(wallet).connect_provider(reader).erased();
        Self { verifier: VigilVerifier::new(verifier, provider) }
    }

    /// One pass: the operators whose weight was refreshed (empty if every weight is current).
    pub async fn refresh_once(&self) -> Result<Vec<Address>, WeightsError> {
        let outdated = self
            .verifier
            .outdatedOperators()
            .call()
            .await
            .map_err(|e| WeightsError::Read(e.to_string()))?;
        if outdated.is_empty() {
            return Ok(outdated);
        }
        let receipt = self
            .verifier
            .updateOperators(outdated.clone())
            .send()
            .await
            .map_err(|e| WeightsError::Update(e.to_string()))?
            .get_receipt()
            .await
            .map_err(|e| WeightsError::Update(e.to_string()))?;
        if !receipt.status() {
            return Err(WeightsError::Update(format!(
                "transaction {} reverted",
                receipt.transaction_hash
            )));
        }
        Ok(outdated)
    }

    /// Refreshes every `interval` until `stopped` resolves. Failures are logged and counted, and
    /// the next pass tries again.
    pub async fn run(self, interval: Duration, stopped: impl Future<Output = ()>) {
        let mut stopped = std::pin::pin!(stopped);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stopped => return,
                _ = ticker.tick() => {}
            }
            match self.refresh_once().await {
                Ok(updated) if updated.is_empty() => metrics::weight_refresh("current"),
                Ok(updated) => {
                    metrics::weight_refresh("updated");
                    info!(target: TARGET, operators = ?updated, "stake moved: recorded weights refreshed");
                }
                Err(err) => {
                    metrics::weight_refresh("error");
                    warn!(target: TARGET, %err, "cannot refresh operator weights; retrying next pass");
                }
            }
        }
    }
}
