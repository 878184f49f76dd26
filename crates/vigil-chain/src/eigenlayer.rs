//! The addresses of an EigenLayer core ([`EigenLayerCore`], part of every deployment file) and,
//! with the `anvil` feature, EigenLayer v1.3.0's real core on a local chain ([`deploy_core`]): the
//! implementations from eigensdk's bytecode, behind OpenZeppelin 4.9 transparent proxies, with our
//! own PauserRegistry and an ERC-20 strategy. Nothing here is a mock: the same AllocationManager
//! that runs on mainnet (at v1.3.0) registers, allocates and slashes.

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Serialize};

/// The EigenLayer release whose bytecode `eigen-utils` 2.0.0 carries.
#[cfg(feature = "anvil")]
pub const EIGENLAYER_VERSION: &str = "v1.3.0";

/// Core parameters fixed at deployment (constructor immutables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CoreParams {
    /// Blocks a deallocation (and a deregistration) stays slashable: `slashableUntil`.
    pub deallocation_delay: u32,
    /// Blocks before an operator's allocation delay setting takes effect.
    pub allocation_configuration_delay: u32,
    /// Blocks a withdrawal is queued.
    pub min_withdrawal_delay: u32,
    /// Initial supply of the staking token minted to the deployer.
    pub token_supply: U256,
}

impl Default for CoreParams {
    fn default() -> Self {
        Self {
            deallocation_delay: 20,
            allocation_configuration_delay: 1,
            min_withdrawal_delay: 20,
            token_supply: U256::from(10u64).pow(U256::from(30u64)),
        }
    }
}

/// Addresses of a deployed EigenLayer core (proxies, where a contract is proxied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EigenLayerCore {
    /// Owner of every core contract and of the proxy admin.
    pub owner: Address,
    /// The OpenZeppelin ProxyAdmin of every core proxy.
    pub proxy_admin: Address,
    /// Our PauserRegistry.
    pub pauser_registry: Address,
    /// PermissionController proxy.
    pub permission_controller: Address,
    /// AllocationManager proxy.
    pub allocation_manager: Address,
    /// DelegationManager proxy.
    pub delegation_manager: Address,
    /// StrategyManager proxy.
    pub strategy_manager: Address,
    /// AVSDirectory proxy.
    pub avs_directory: Address,
    /// EigenPodManager proxy (required by DelegationManager; no pods are used).
    pub eigen_pod_manager: Address,
    /// The staking ERC-20.
    pub token: Address,
    /// The whitelisted ERC-20 strategy for `token`.
    pub strategy: Address,
    /// The parameters it was deployed with.
    pub params: CoreParams,
}

/// Deploys EigenLayer's core. `provider` must sign as `owner`.
#[cfg(feature = "anvil")]
pub async fn deploy_core<P: alloy::providers::Provider + Clone>(
    provider: &P,
    owner: Address,
    params: CoreParams,
) -> crate::Result<EigenLayerCore> {
    use alloy::{primitives::Bytes, sol_types::SolCall};

    use crate::{
        bindings::{
            EmptyContract, PauserRegistry, ProxyAdmin, Strategy, TestToken,
            TransparentUpgradeableProxy,
            eigenlayer_core::{
                AVSDirectory, AllocationManager, DelegationManager, EigenPodManager,
                PermissionController, StrategyManager,
            },
        },
        tx::send,
    };

    // `deploy!(Contract(args))`: deploys with `provider`; a failure is "deploy Contract".
    macro_rules! deploy {
        ($contract:ident($($arg:expr),* $(,)?)) => {
            $contract::deploy(provider.clone() $(, $arg)*)
                .await
                .map_err(|e| crate::Error::call(concat!("deploy ", stringify!($contract)), e))?
        };
    }

    let pauser_registry = deploy!(PauserRegistry(vec![owner], owner));
    let proxy_admin = deploy!(ProxyAdmin());
    let empty = deploy!(EmptyContract());

    // Proxies first, on an empty implementation: the implementations take each other's proxy
    // addresses.
    let proxy = async |what: &str| -> crate::Result<Address> {
        let proxy = TransparentUpgradeableProxy::deploy(
            provider.clone(),
            *empty.address(),
            *proxy_admin.address(),
            Bytes::new(),
        )
        .await
        .map_err(|e| crate::Error::call(format!("deploy {what} proxy"), e))?;
        Ok(*proxy.address())
    };
    let permission_controller = proxy("PermissionController").await?;
    let allocation_manager = proxy("AllocationManager").await?;
    let delegation_manager = proxy("DelegationManager").await?;
    let strategy_manager = proxy("StrategyManager").await?;
    let avs_directory = proxy("AVSDirectory").await?;
    let eigen_pod_manager = proxy("EigenPodManager").await?;
    let pauser = *pauser_registry.address();
    let version = EIGENLAYER_VERSION.to_owned();

    let pc_impl = deploy!(PermissionController(version.clone()));
    let am_impl = deploy!(AllocationManager(
        delegation_manager,
        pauser,
        permission_controller,
        params.deallocation_delay,
        params.allocation_configuration_delay,
        version.clone(),
    ));
    let dm_impl = deploy!(DelegationManager(
        strategy_manager,
        eigen_pod_manager,
        allocation_manager,
        pauser,
        permission_controller,
        params.min_withdrawal_delay,
        version.clone(),
    ));
    let sm_impl = deploy!(StrategyManager(delegation_manager, pauser, version.clone()));
    let avs_impl = deploy!(AVSDirectory(delegation_manager, pauser, version.clone()));
    // No beacon chain here: EigenPodManager gets inert addresses for the deposit contract and the
    // pod beacon; DelegationManager only needs it to exist.
    let epm_impl = deploy!(EigenPodManager(
        Address::repeat_byte(0xe7),
        Address::repeat_byte(0xbe),
        delegation_manager,
        pauser,
        version,
    ));

    let admin = ProxyAdmin::new(*proxy_admin.address(), provider.clone());
    let init = |owner: Address| {
        AllocationManager::initializeCall { initialOwner: owner, initialPausedStatus: U256::ZERO }
            .abi_encode()
    };
    send("upgrade PermissionController", admin.upgrade(permission_controller, *pc_impl.address()))
        .await?;
    for (what, proxy, implementation, data) in [
        ("initialize AllocationManager", allocation_manager, *am_impl.address(), init(owner)),
        ("initialize DelegationManager", delegation_manager, *dm_impl.address(), init(owner)),
        ("initialize AVSDirectory", avs_directory, *avs_impl.address(), init(owner)),
        ("initialize EigenPodManager", eigen_pod_manager, *epm_impl.address(), init(owner)),
        (
            "initialize StrategyManager",
            strategy_manager,
            *sm_impl.address(),
            StrategyManager::initializeCall {
                initialOwner: owner,
                initialStrategyWhitelister: owner,
                initialPausedStatus: U256::ZERO,
            }
            .abi_encode(),
        ),
    ] {
        send(what, admin.upgradeAndCall(proxy, implementation, data.into())).await?;
    }

    let token =
        deploy!(TestToken("Vigil Stake".to_owned(), "VSTK".to_owned(), params.token_supply, owner));
    let strategy = deploy!(Strategy(strategy_manager, *token.address()));
    let sm = StrategyManager::new(strategy_manager, provider.clone());
    send("whitelist strategy", sm.addStrategiesToDepositWhitelist(vec![*strategy.address()]))
        .await?;

    Ok(EigenLayerCore {
        owner,
        proxy_admin: *proxy_admin.address(),
        pauser_registry: pauser,
        permission_controller,
        allocation_manager,
        delegation_manager,
        strategy_manager,
        avs_directory,
        eigen_pod_manager,
        token: *token.address(),
        strategy: *strategy.address(),
        params,
    })
}
