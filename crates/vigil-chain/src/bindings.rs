//! Contract bindings, generated in one place: Vigil's (and the local-chain helpers') from the
//! forge artifacts exported to `crates/vigil-chain/artifacts/` by
//! `contracts/script/export-artifacts.mjs`, EigenLayer v1.3.0's from eigensdk's `eigen-utils`.
#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

pub mod pauser_registry {
    alloy::sol!(
        #[sol(rpc)]
        PauserRegistry,
        "artifacts/PauserRegistry.json"
    );
}
pub use pauser_registry::PauserRegistry;
pub mod strategy {
    alloy::sol!(
        #[sol(rpc)]
        Strategy,
        "artifacts/Strategy.json"
    );
}
pub use strategy::Strategy;
pub mod test_token {
    alloy::sol!(
        #[sol(rpc)]
        TestToken,
        "artifacts/TestToken.json"
    );
}
pub use test_token::TestToken;
pub mod empty_contract {
    alloy::sol!(
        #[sol(rpc)]
        EmptyContract,
        "artifacts/EmptyContract.json"
    );
}
pub use empty_contract::EmptyContract;
pub mod proxy_admin {
    alloy::sol!(
        #[sol(rpc)]
        ProxyAdmin,
        "artifacts/ProxyAdmin.json"
    );
}
pub use proxy_admin::ProxyAdmin;
pub mod transparent_upgradeable_proxy {
    alloy::sol!(
        #[sol(rpc)]
        TransparentUpgradeableProxy,
        "artifacts/TransparentUpgradeableProxy.json"
    );
}
pub use transparent_upgradeable_proxy::TransparentUpgradeableProxy;
pub mod vigil_service_manager {
    alloy::sol!(
        #[sol(rpc)]
        VigilServiceManager,
        "artifacts/VigilServiceManager.json"
    );
}
pub use vigil_service_manager::VigilServiceManager;
pub mod vigil_registrar {
    alloy::sol!(
        #[sol(rpc)]
        VigilRegistrar,
        "artifacts/VigilRegistrar.json"
    );
}
pub use vigil_registrar::VigilRegistrar;
pub mod vigil_verifier {
    alloy::sol!(
        #[sol(rpc)]
        VigilVerifier,
        "artifacts/VigilVerifier.json"
    );
}
pub use vigil_verifier::VigilVerifier;
pub mod vigil_slasher {
    alloy::sol!(
        #[sol(rpc)]
        VigilSlasher,
        "artifacts/VigilSlasher.json"
    );
}
pub use vigil_slasher::VigilSlasher;

/// EigenLayer v1.3.0's core contracts, with creation bytecode.
pub mod eigenlayer {
    pub use eigen_utils::slashing::core::{
        allocation_manager::{AllocationManager, IAllocationManagerTypes},
        avs_directory::AVSDirectory,
        delegation_manager::DelegationManager,
        eigen_pod_manager::EigenPodManager,
        permission_controller::PermissionController,
        strategy_manager::StrategyManager,
    };
}
