//! What the chain says about this operator.

use alloy::primitives::{Address, B256, U256};
use serde::Serialize;
use vigil_chain::{
    Deployment, PendingAllocation,
    bindings::{
        VigilVerifier,
        eigenlayer::{AllocationManager, DelegationManager},
    },
    http_provider, key_hash,
};

use crate::{Error, OperatorConfig, Result, keys::NodeKeys, registration::chain_error};

/// The operator's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The operator address.
    pub operator: Address,
    /// The configured BLS key's hash (as the contracts name it).
    pub bls_key_hash: B256,
    /// The key hash the registrar holds for this operator (zero if never registered).
    pub registered_key_hash: B256,
    /// Whether the address is an EigenLayer operator.
    pub is_eigenlayer_operator: bool,
    /// Whether it is a member of Vigil's operator set.
    pub is_member: bool,
    /// Whether its stake is slashable by the set.
    pub is_slashable: bool,
    /// Delegated shares in the core's strategy.
    pub shares: U256,
    /// Magnitude allocated to Vigil's set (WAD).
    pub allocated_magnitude: u64,
    /// Max magnitude (WAD; below 1e18 after a slash).
    pub max_magnitude: u64,
    /// Stake allocated to Vigil's set in the core's strategy (token units).
    pub allocated_stake: U256,
    /// Allocations to Vigil's set not in effect yet, each with its effect block and the
    /// estimated seconds until it.
    pub pending_allocations: Vec<PendingStatus>,
}

/// A pending allocation as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingStatus {
    /// The strategy.
    pub strategy: Address,
    /// Magnitude now (WAD).
    pub current: u64,
    /// Magnitude from the effect block on (WAD).
    pub target: u64,
    /// The block it takes effect in.
    pub effect_block: u64,
    /// Estimated seconds until then, from the chain's recent block time.
    pub eta_seconds: u64,
}

/// Reads the operator's status from the chain.
pub async fn status(config: &OperatorConfig, keys: &NodeKeys) -> Result<Status> {
    let deployment =
        Deployment::read(&config.chain.deployment).map_err(|e| Error::Config(e.to_string()))?;
    let url = config.chain.l1_rpc.parse().map_err(|e| {
        let url = vigil_types::redact::redact_url(&config.chain.l1_rpc);
        Error::Config(format!("chain.l1_rpc {url:?}: {e}"))
    })?;
    let provider =
        http_provider(url, std::time::Duration::from_millis(config.node.rpc_timeout_ms.max(1)));
    chain_status(&provider, &deployment, keys.operator, key_hash(&keys.bls.public_key())).await
}

/// Reads the status of `operator` (whose configured BLS key hashes to `bls_key_hash`) from the
/// chain through any provider.
pub async fn chain_status<P: alloy::providers::Provider + Clone>(
    provider: &P,
    deployment: &Deployment,
    operator: Address,
    bls_key_hash: B256,
) -> Result<Status> {
    let core = &deployment.eigenlayer;
    let set = AllocationManager::OperatorSet {
        avs: deployment.vigil.service_manager,
        id: deployment.vigil.operator_set_id,
    };
    let err = |what: &'static str| {
        move |e: alloy::contract::Error| {
            chain_error(vigil_chain::Error::Call {
                what: what.into(),
                reason: e.to_string(),
                revert: None,
            })
        }
    };
    let am = AllocationManager::new(core.allocation_manager, provider.clone());
    let dm = DelegationManager::new(core.delegation_manager, provider.clone());
    let verifier = VigilVerifier::new(deployment.vigil.verifier, provider.clone());
    let allocated_stake = am
        .getAllocatedStake(set.clone(), vec![operator], vec![core.strategy])
        .call()
        .await
        .map_err(err("getAllocatedStake"))?
        .first()
        .and_then(|per_strategy| per_strategy.first().copied())
        .unwrap_or_default();
    let allocation = am
        .getAllocation(operator, set.clone(), core.strategy)
        .call()
        .await
        .map_err(err("getAllocation"))?;
    Ok(Status {
        operator,
        bls_key_hash,
        registered_key_hash: verifier
            .operatorKeyHash(operator)
            .call()
            .await
            .map_err(err("operatorKeyHash"))?,
        is_eigenlayer_operator: dm.isOperator(operator).call().await.map_err(err("isOperator"))?,
        is_member: am
            .isMemberOfOperatorSet(operator, set.clone())
            .call()
            .await
            .map_err(err("isMemberOfOperatorSet"))?,
        is_slashable: am
            .isOperatorSlashable(operator, set)
            .call()
            .await
            .map_err(err("isOperatorSlashable"))?,
        shares: dm
            .operatorShares(operator, core.strategy)
            .call()
            .await
            .map_err(err("operatorShares"))?,
        allocated_magnitude: allocation.currentMagnitude,
        max_magnitude: am
            .getMaxMagnitude(operator, core.strategy)
            .call()
            .await
            .map_err(err("getMaxMagnitude"))?,
        allocated_stake,
        pending_allocations: pending(provider, deployment, operator).await?,
    })
}

async fn pending<P: alloy::providers::Provider + Clone>(
    provider: &P,
    deployment: &Deployment,
    operator: Address,
) -> Result<Vec<PendingStatus>> {
    let found = vigil_chain::pending_allocations(provider, deployment, operator)
        .await
        .map_err(chain_error)?;
    let mut out = Vec::with_capacity(found.len());
    for PendingAllocation { strategy, current, target, effect_block } in found {
        let eta_seconds =
            vigil_chain::seconds_until(provider, effect_block).await.map_err(chain_error)?;
        out.push(PendingStatus { strategy, current, target, effect_block, eta_seconds });
    }
    Ok(out)
}
