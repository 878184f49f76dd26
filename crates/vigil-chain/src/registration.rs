//! Joining and leaving Vigil's operator set through EigenLayer's AllocationManager, with standard
//! JSON-RPC only: nothing here mines, sets balances or moves time.
//!
//! Registration is a sequence of steps, each skipped when the chain shows it done, so that
//! [`register_operator`] can be run again after any failure or wait:
//! 1. `DelegationManager.registerAsOperator` (with the operator's metadata URI), if the account is
//!    not an EigenLayer operator yet. This sets the allocation delay, which EigenLayer activates
//!    only after `ALLOCATION_CONFIGURATION_DELAY` + 1 blocks (17.5 days on mainnet);
//! 2. a deposit, only when asked for, into a strategy the caller names (its underlying token);
//! 3. `modifyAllocations` of the configured magnitude in every strategy of Vigil's operator set,
//!    which takes effect after the operator's allocation delay;
//! 4. `registerForOperatorSets` with the BLS key and its proof of possession.
//!
//! A step that must wait for a future block stops the run with [`Waiting`] in the report, saying
//! the block; [`wait_for_block`] waits for it by polling `eth_blockNumber`.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use vigil_crypto::SecretKey;

use crate::{
    Error, Result,
    bindings::eigenlayer::{
        AllocationManager, DelegationManager, IAllocationManagerTypes, StrategyManager,
    },
    tx::send,
    vigil::{Deployment, registration_data},
};

alloy::sol! {
    /// The two calls a deposit needs beyond EigenLayer's own contracts.
    #[sol(rpc)]
    interface IStrategyToken {
        function underlyingToken() external view returns (address);
    }
    #[sol(rpc)]
    interface IERC20Approve {
        function approve(address spender, uint256 amount) external returns (bool);
        function allowance(address owner, address spender) external view returns (uint256);
    }
}

/// A deposit to make before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deposit {
    /// The EigenLayer strategy to deposit into (its underlying token is approved and moved).
    pub strategy: Address,
    /// Amount in the token's smallest unit.
    pub amount: U256,
}

/// What [`register_operator`] should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPlan {
    /// Deposit first; `None` registers with the stake already delegated to the operator.
    pub deposit: Option<Deposit>,
    /// Magnitude (WAD) to allocate to Vigil's operator set in each of its strategies.
    pub magnitude: u64,
    /// Metadata URI published with `registerAsOperator` (when the account is not an operator yet).
    pub metadata_uri: String,
}

/// A step that can only run from a future block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The operator's allocation delay is configured but not active yet; allocation must wait.
    AllocationDelay {
        /// First block at which it is active, when known (it is when this run set it).
        effect_block: Option<u64>,
    },
}

/// An allocation to Vigil's operator set that has not taken effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingAllocation {
    /// The strategy.
    pub strategy: Address,
    /// Magnitude now (WAD).
    pub current: u64,
    /// Magnitude once it takes effect (WAD).
    pub target: u64,
    /// Block from which the new magnitude counts.
    pub effect_block: u64,
}

/// Progress of [`register_operator`]: each step says whether it ran now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistrationReport {
    /// `DelegationManager.registerAsOperator` ran.
    pub registered_as_operator: bool,
    /// Stake was deposited.
    pub deposited: bool,
    /// Magnitude was allocated to Vigil's operator set.
    pub allocated: bool,
    /// `registerForOperatorSets` ran.
    pub registered_for_set: bool,
    /// Allocations still waiting for their effect block (stake not slashable, weight 0, until then).
    pub pending_allocations: Vec<PendingAllocation>,
    /// Set when the run stopped before the end: run again from the block it names.
    pub waiting: Option<Waiting>,
}

impl RegistrationReport {
    /// Whether every step is done (the operator is a member; allocations may still be pending).
    pub fn is_complete(&self) -> bool {
        self.waiting.is_none()
    }
}

fn err(what: &'static str) -> impl FnOnce(alloy::contract::Error) -> Error {
    move |e| Error::contract(what, e)
}

/// The set's strategies, as EigenLayer lists them.
async fn set_strategies<P: Provider + Clone>(
    am: &AllocationManager::AllocationManagerInstance<P>,
    set: &AllocationManager::OperatorSet,
) -> Result<Vec<Address>> {
    am.getStrategiesInOperatorSet(set.clone())
        .call()
        .await
        .map_err(err("getStrategiesInOperatorSet"))
}

/// Takes `operator` (the signer of `provider`) towards membership of Vigil's operator set, as far
/// as the chain allows now (see the module docs). Steps already done are skipped; a step that must
/// wait for a future block ends the run with [`RegistrationReport::waiting`] set.
pub async fn register_operator<P: Provider + Clone>(
    provider: &P,
    deployment: &Deployment,
    operator: Address,
    sk: &SecretKey,
    plan: &RegistrationPlan,
) -> Result<RegistrationReport> {
    let core = &deployment.eigenlayer;
    let set = AllocationManager::OperatorSet {
        avs: deployment.vigil.service_manager,
        id: deployment.vigil.operator_set_id,
    };
    let mut report = RegistrationReport::default();
    let dm = DelegationManager::new(core.delegation_manager, provider.clone());
    let am = AllocationManager::new(core.allocation_manager, provider.clone());

    let mut delay_effect = None;
    if !dm.isOperator(operator).call().await.map_err(err("isOperator"))? {
        tracing::info!(target: "vigil::registration", %operator, "registering as an EigenLayer operator");
        let receipt = send(
            "registerAsOperator",
            dm.registerAsOperator(Address::ZERO, 0, plan.metadata_uri.clone()),
        )
        .await?;
        report.registered_as_operator = true;
        delay_effect = allocation_delay_effect(&receipt);
    }

    if let Some(deposit) = plan.deposit {
        deposit_stake(provider, core.strategy_manager, deposit).await?;
        report.deposited = true;
    }

    let delay = am.getAllocationDelay(operator).call().await.map_err(err("getAllocationDelay"))?;
    if !delay._0 {
        report.waiting = Some(Waiting::AllocationDelay { effect_block: delay_effect });
        return Ok(report);
    }

    let strategies = set_strategies(&am, &set).await?;
    let mut to_allocate = Vec::new();
    for strategy in &strategies {
        let a = am
            .getAllocation(operator, set.clone(), *strategy)
            .call()
            .await
            .map_err(err("getAllocation"))?;
        if a.pendingDiff != 0 {
            continue; // EigenLayer allows one pending modification per (set, strategy)
        }
        if a.currentMagnitude != plan.magnitude {
            to_allocate.push(*strategy);
        }
    }
    if !to_allocate.is_empty() {
        tracing::info!(target: "vigil::registration", %operator, magnitude = plan.magnitude, "allocating to Vigil's operator set");
        send(
            "allocate to Vigil's operator set",
            am.modifyAllocations(
                operator,
                vec![IAllocationManagerTypes::AllocateParams {
                    operatorSet: set.clone(),
                    newMagnitudes: vec![plan.magnitude; to_allocate.len()],
                    strategies: to_allocate,
                }],
            ),
        )
        .await?;
        report.allocated = true;
    }
    report.pending_allocations = pending_allocations(provider, deployment, operator).await?;

    if !am.isMemberOfOperatorSet(operator, set.clone()).call().await.map_err(err("isMember"))? {
        let data = registration_data(sk, deployment.chain_id, deployment.vigil.verifier, operator);
        send(
            "registerForOperatorSets",
            am.registerForOperatorSets(
                operator,
                IAllocationManagerTypes::RegisterParams {
                    avs: set.avs,
                    operatorSetIds: vec![set.id],
                    data,
                },
            ),
        )
        .await?;
        report.registered_for_set = true;
    }
    Ok(report)
}

/// The effect block of the allocation delay set by a `registerAsOperator` receipt.
fn allocation_delay_effect(receipt: &TransactionReceipt) -> Option<u64> {
    receipt.inner.logs().iter().find_map(|log| {
        AllocationManager::AllocationDelaySet::decode_log_data(log.data())
            .ok()
            .map(|e| u64::from(e.effectBlock))
    })
}

/// Approves and deposits `deposit` into its strategy.
async fn deposit_stake<P: Provider + Clone>(
    provider: &P,
    strategy_manager: Address,
    deposit: Deposit,
) -> Result<()> {
    tracing::info!(target: "vigil::registration", strategy = %deposit.strategy, amount = %deposit.amount, "depositing stake");
    let token = IStrategyToken::new(deposit.strategy, provider.clone())
        .underlyingToken()
        .call()
        .await
        .map_err(err("strategy's underlyingToken"))?;
    let erc20 = IERC20Approve::new(token, provider.clone());
    send("approve stake", erc20.approve(strategy_manager, deposit.amount)).await?;
    let sm = StrategyManager::new(strategy_manager, provider.clone());
    send("deposit stake", sm.depositIntoStrategy(deposit.strategy, token, deposit.amount)).await?;
    Ok(())
}

/// `operator`'s allocations to Vigil's set that have not taken effect yet.
pub async fn pending_allocations<P: Provider + Clone>(
    provider: &P,
    deployment: &Deployment,
    operator: Address,
) -> Result<Vec<PendingAllocation>> {
    let am = AllocationManager::new(deployment.eigenlayer.allocation_manager, provider.clone());
    let set = AllocationManager::OperatorSet {
        avs: deployment.vigil.service_manager,
        id: deployment.vigil.operator_set_id,
    };
    let mut pending = Vec::new();
    for strategy in set_strategies(&am, &set).await? {
        let a = am
            .getAllocation(operator, set.clone(), strategy)
            .call()
            .await
            .map_err(err("getAllocation"))?;
        if a.pendingDiff == 0 {
            continue;
        }
        let target = i128::from(a.currentMagnitude).saturating_add(a.pendingDiff);
        pending.push(PendingAllocation {
            strategy,
            current: a.currentMagnitude,
            target: u64::try_from(target.max(0)).unwrap_or(u64::MAX),
            effect_block: u64::from(a.effectBlock),
        });
    }
    Ok(pending)
}

/// When block `block` is expected, as seconds from now, from the average block time of the last
/// 100 blocks (12 s when the chain is younger). Zero if it is already there.
pub async fn seconds_until<P: Provider>(provider: &P, block: u64) -> Result<u64> {
    let head = provider.get_block_number().await.map_err(|e| Error::call("eth_blockNumber", e))?;
    if block <= head {
        return Ok(0);
    }
    let header = |n: u64| async move {
        provider
            .get_block_by_number(n.into())
            .await
            .map_err(|e| Error::call("eth_getBlockByNumber", e))?
            .map(|b| b.header.timestamp)
            .ok_or_else(|| Error::call("eth_getBlockByNumber", format!("block {n} unknown")))
    };
    let back = head.min(100);
    let per_block = if back == 0 {
        12
    } else {
        let (now, then) = (header(head).await?, header(head - back).await?);
        (now.saturating_sub(then) / back).max(1)
    };
    Ok((block - head).saturating_mul(per_block))
}

/// Waits until the chain's head reaches `block`, polling `eth_blockNumber` every `poll`; gives
/// up (returning `false`) after `timeout`.
pub async fn wait_for_block<P: Provider>(
    provider: &P,
    block: u64,
    poll: Duration,
    timeout: Duration,
) -> Result<bool> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let head =
            provider.get_block_number().await.map_err(|e| Error::call("eth_blockNumber", e))?;
        if head >= block {
            return Ok(true);
        }
        if tokio::time::Instant::now() + poll > deadline {
            return Ok(false);
        }
        tokio::time::sleep(poll).await;
    }
}

/// Deregisters `operator` (the signer of `provider`) from Vigil's operator set. Its stake stays
/// slashable for `DEALLOCATION_DELAY` blocks (EigenLayer's `slashableUntil`). Returns `false` if it
/// was not a member.
pub async fn deregister_operator<P: Provider + Clone>(
    provider: &P,
    deployment: &Deployment,
    operator: Address,
) -> Result<bool> {
    let am = AllocationManager::new(deployment.eigenlayer.allocation_manager, provider.clone());
    let set = AllocationManager::OperatorSet {
        avs: deployment.vigil.service_manager,
        id: deployment.vigil.operator_set_id,
    };
    let member = am
        .isMemberOfOperatorSet(operator, set.clone())
        .call()
        .await
        .map_err(err("isMemberOfOperatorSet"))?;
    if !member {
        return Ok(false);
    }
    tracing::info!(target: "vigil::registration", %operator, "deregistering from Vigil's operator set");
    send(
        "deregisterFromOperatorSets",
        am.deregisterFromOperatorSets(IAllocationManagerTypes::DeregisterParams {
            operator,
            avs: set.avs,
            operatorSetIds: vec![set.id],
        }),
    )
    .await?;
    Ok(true)
}
