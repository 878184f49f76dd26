//! Contract bindings, generated in one place: Vigil's (and the local-chain helpers') from the
//! forge artifacts exported to `crates/vigil-chain/artifacts/` by
//! `contracts/script/export-artifacts.mjs`, EigenLayer v1.3.0's from eigensdk's `eigen-utils`, and
//! the few v1.9+ EigenLayer views Vigil probes ([`eigenlayer_v1_9`]) from the published interface.
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

/// The EigenLayer calls that eigensdk's v1.3.0 bindings lack: the v1.9+ AllocationManager views
/// that tell releases apart, and the ProtocolRegistry (v1.9.0-rc.0+). Written from the published
/// interfaces; `tests/it/selectors.rs` checks them against `testdata/eigenlayer/`.
pub mod eigenlayer_v1_9 {
    alloy::sol! {
        /// The v1.9+ AllocationManager's per-operator-set slasher views.
        #[sol(rpc)]
        interface IAllocationManagerV19 {
            struct OperatorSet {
                address avs;
                uint32 id;
            }
            /// The set's effective slasher (zero if the set does not exist); v1.9.0-rc.0+.
            function getSlasher(OperatorSet memory operatorSet) external view returns (address);
            /// Blocks before a new slasher takes effect; v1.9.0+ (absent from v1.9.0-rc.0).
            function SLASHER_CONFIGURATION_DELAY() external view returns (uint32);
        }

        /// Where the protocol's version lives from v1.9.0 on.
        #[sol(rpc)]
        interface IProtocolRegistry {
            /// The deployed protocol's semantic version.
            function version() external view returns (string memory);
        }
    }
}
