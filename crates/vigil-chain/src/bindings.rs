//! Contract bindings, in one place:
//! * Vigil's, generated from the forge artifacts that `contracts/script/export-artifacts.mjs`
//!   exports to `crates/vigil-chain/artifacts/`, with the OpenZeppelin proxy contracts Vigil's
//!   deployment uses;
//! * the EigenLayer calls, events and structs production code uses ([`eigenlayer`]), and the v1.9+
//!   views Vigil probes ([`eigenlayer_v1_9`]), written by hand from EigenLayer's published
//!   interfaces (`tests/it/selectors.rs` checks every selector and topic against
//!   `testdata/eigenlayer/`);
//! * with the `anvil` feature only, what a local chain needs: EigenLayer v1.3.0's core with its
//!   creation bytecode, from eigensdk's `eigen-utils` (`eigenlayer_core`), and the local-chain
//!   helpers (`PauserRegistry`, `Strategy`, `TestToken`) from `contracts/dev/`. Production
//!   binaries build without it, so neither is linked into them.
#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

#[cfg(feature = "anvil")]
pub mod pauser_registry {
    alloy::sol!(
        #[sol(rpc)]
        PauserRegistry,
        "artifacts/PauserRegistry.json"
    );
}
#[cfg(feature = "anvil")]
pub use pauser_registry::PauserRegistry;
#[cfg(feature = "anvil")]
pub mod strategy {
    alloy::sol!(
        #[sol(rpc)]
        Strategy,
        "artifacts/Strategy.json"
    );
}
#[cfg(feature = "anvil")]
pub use strategy::Strategy;
#[cfg(feature = "anvil")]
pub mod test_token {
    alloy::sol!(
        #[sol(rpc)]
        TestToken,
        "artifacts/TestToken.json"
    );
}
#[cfg(feature = "anvil")]
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
pub mod vigil_batch_roots {
    alloy::sol!(
        #[sol(rpc)]
        VigilBatchRoots,
        "artifacts/VigilBatchRoots.json"
    );
}
pub use vigil_batch_roots::VigilBatchRoots;
pub mod vigil_slasher {
    alloy::sol!(
        #[sol(rpc)]
        VigilSlasher,
        "artifacts/VigilSlasher.json"
    );
}
pub use vigil_slasher::VigilSlasher;

/// The EigenLayer core calls, events and structs Vigil's production code uses, by hand from the
/// published interfaces (`testdata/eigenlayer/`): the same in v1.3.0, v1.9.0-rc.0, v1.9.0 and
/// v1.12.0 except `AllocationManager.version()` (up to v1.8; see `version.rs`). Custom errors are
/// matched by signature where they are decoded (the operator's registration advice), so none are
/// declared here. The names and paths are those of eigensdk's bindings, which the local chain's
/// deployment still uses (`eigenlayer_core`, with the `anvil` feature).
pub mod eigenlayer {
    alloy::sol! {
        // Debug, PartialEq, Eq, Hash and Default on every struct, as eigensdk's bindings have.
        #![sol(all_derives)]

        /// IAllocationManager's parameter and return structs Vigil builds or reads.
        interface IAllocationManagerTypes {
            /// An operator's allocation to an operator set in one strategy.
            struct Allocation {
                uint64 currentMagnitude;
                int128 pendingDiff;
                uint32 effectBlock;
            }
            /// A new magnitude per strategy of one operator set.
            struct AllocateParams {
                AllocationManager.OperatorSet operatorSet;
                address[] strategies;
                uint64[] newMagnitudes;
            }
            /// Joining operator sets of one AVS; `data` goes to the AVS's registrar.
            struct RegisterParams {
                address avs;
                uint32[] operatorSetIds;
                bytes data;
            }
            /// Leaving operator sets of one AVS.
            struct DeregisterParams {
                address operator;
                address avs;
                uint32[] operatorSetIds;
            }
        }

        /// EigenLayer's AllocationManager: operator sets, allocations, slashability.
        #[sol(rpc)]
        interface AllocationManager {
            /// An AVS's operator set.
            struct OperatorSet {
                address avs;
                uint32 id;
            }

            /// An operator's allocation delay, effective from `effectBlock`.
            event AllocationDelaySet(address operator, uint32 delay, uint32 effectBlock);
            /// An operator left an operator set (it stays slashable for `DEALLOCATION_DELAY`).
            event OperatorRemovedFromOperatorSet(address indexed operator, OperatorSet operatorSet);

            /// Blocks a deallocation or deregistration stays slashable (implementation constant).
            function DEALLOCATION_DELAY() external view returns (uint32);
            /// The release, up to v1.8 (SemVerMixin); absent from v1.9.0 on.
            function version() external view returns (string memory);
            function getAllocation(address operator, OperatorSet memory operatorSet, address strategy)
                external view returns (IAllocationManagerTypes.Allocation memory);
            function getAllocationDelay(address operator) external view returns (bool, uint32);
            function getStrategiesInOperatorSet(OperatorSet memory operatorSet)
                external view returns (address[] memory);
            function getAllocatedStake(
                OperatorSet memory operatorSet,
                address[] memory operators,
                address[] memory strategies
            ) external view returns (uint256[][] memory);
            function getMaxMagnitude(address operator, address strategy) external view returns (uint64);
            function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet)
                external view returns (bool);
            function isOperatorSlashable(address operator, OperatorSet memory operatorSet)
                external view returns (bool);
            function modifyAllocations(address operator, IAllocationManagerTypes.AllocateParams[] calldata params)
                external;
            function registerForOperatorSets(address operator, IAllocationManagerTypes.RegisterParams calldata params)
                external;
            function deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams calldata params) external;
        }

        /// EigenLayer's DelegationManager: operator registration and delegated shares.
        #[sol(rpc)]
        interface DelegationManager {
            /// An operator's metadata URI, published at `registerAsOperator` and on updates.
            event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);

            function isOperator(address operator) external view returns (bool);
            function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
                external;
            /// Shares delegated to `operator` in `strategy` (a public mapping of the implementation).
            function operatorShares(address operator, address strategy) external view returns (uint256);
        }

        /// EigenLayer's StrategyManager: deposits.
        #[sol(rpc)]
        interface StrategyManager {
            function depositIntoStrategy(address strategy, address token, uint256 amount)
                external returns (uint256 depositShares);
        }
    }
}

/// EigenLayer v1.3.0's core contracts with their creation bytecode, from eigensdk's
/// `eigen-utils`: only for deploying the core on a local chain (`deploy_core`, the forge fixture).
/// Talk to a deployed core through [`eigenlayer`].
#[cfg(feature = "anvil")]
pub mod eigenlayer_core {
    pub use eigen_utils::slashing::core::{
        allocation_manager::AllocationManager, avs_directory::AVSDirectory,
        delegation_manager::DelegationManager, eigen_pod_manager::EigenPodManager,
        permission_controller::PermissionController, strategy_manager::StrategyManager,
    };
}

/// The EigenLayer calls that v1.3.0 lacks: the v1.9+ AllocationManager views that tell releases
/// apart, and the ProtocolRegistry (v1.9.0-rc.0+). Written from the published
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
