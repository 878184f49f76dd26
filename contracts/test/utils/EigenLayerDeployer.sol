// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {
    ITransparentUpgradeableProxy,
    TransparentUpgradeableProxy
} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {PauserRegistry} from "../../src/eigenlayer/PauserRegistry.sol";
import {EmptyContract} from "../../src/eigenlayer/Proxies.sol";
import {Strategy} from "../../src/eigenlayer/Strategy.sol";
import {TestToken} from "../../src/eigenlayer/TestToken.sol";
import {IStrategyManager} from "../../src/interfaces/IStrategyManager.sol";
import {Test} from "./Test.sol";

/// @dev The EigenLayer v1.3.0 calls the tests make beyond what Vigil's contracts use.
interface IELInit {
    function initialize(address initialOwner, uint256 initialPausedStatus) external;
}

interface IELStrategyManager {
    function initialize(address initialOwner, address initialStrategyWhitelister, uint256 initialPausedStatus) external;
    function addStrategiesToDepositWhitelist(address[] calldata strategies) external;
    function depositIntoStrategy(address strategy, address token, uint256 amount) external returns (uint256);
    function strategyIsWhitelistedForDeposit(address strategy) external view returns (bool);
}

interface IELDelegationManager {
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata uri) external;
    function isOperator(address operator) external view returns (bool);
    function operatorShares(address operator, address strategy) external view returns (uint256);
}

struct ELOperatorSet {
    address avs;
    uint32 id;
}

struct ELAllocateParams {
    ELOperatorSet operatorSet;
    address[] strategies;
    uint64[] newMagnitudes;
}

struct ELRegisterParams {
    address avs;
    uint32[] operatorSetIds;
    bytes data;
}

interface IELAllocationManager {
    function version() external view returns (string memory);
    function modifyAllocations(address operator, ELAllocateParams[] calldata params) external;
    function registerForOperatorSets(address operator, ELRegisterParams calldata params) external;
    function getMaxMagnitude(address operator, address strategy) external view returns (uint64);
    function getAllocationDelay(address operator) external view returns (bool isSet, uint32 delay);
    function ALLOCATION_CONFIGURATION_DELAY() external view returns (uint32);
}

/// @title EigenLayerDeployer
/// @notice Puts EigenLayer's real v1.3.0 core into a forge test: the implementations' creation
///         bytecode comes from `testdata/fixtures/eigenlayer-v1.3.0.json` (written by
///         `vigil-testgen eigenlayer` from eigensdk's eigen-utils 2.0.0), deployed behind OpenZeppelin
///         transparent proxies with our PauserRegistry and ERC-20 Strategy — the same layout as the
///         Rust deployment in `vigil-chain`.
abstract contract EigenLayerDeployer is Test {
    string internal constant EIGENLAYER_FIXTURE = "../testdata/fixtures/eigenlayer-v1.3.0.json";
    uint32 internal constant DEALLOCATION_DELAY = 20;
    uint32 internal constant ALLOCATION_CONFIGURATION_DELAY = 1;
    uint32 internal constant MIN_WITHDRAWAL_DELAY = 20;

    struct Core {
        ProxyAdmin proxyAdmin;
        PauserRegistry pauserRegistry;
        address permissionController;
        address allocationManager;
        address delegationManager;
        address strategyManager;
        address avsDirectory;
        address eigenPodManager;
        TestToken token;
        Strategy strategy;
    }

    function _create(bytes memory code) private returns (address deployed) {
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "EigenLayerDeployer: create failed");
    }

    function _impl(string memory json, string memory name, bytes memory args) private returns (address) {
        return _create(abi.encodePacked(vm.parseJsonBytes(json, string.concat(".", name)), args));
    }

    /// @notice Deploys the core; this test contract owns everything.
    function deployEigenLayer() internal returns (Core memory c) {
        string memory json = vm.readFile(EIGENLAYER_FIXTURE);
        address[] memory pausers = new address[](1);
        pausers[0] = address(this);
        c.pauserRegistry = new PauserRegistry(pausers, address(this));
        c.proxyAdmin = new ProxyAdmin();
        address empty = address(new EmptyContract());
        c.permissionController = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));
        c.allocationManager = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));
        c.delegationManager = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));
        c.strategyManager = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));
        c.avsDirectory = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));
        c.eigenPodManager = address(new TransparentUpgradeableProxy(empty, address(c.proxyAdmin), ""));

        string memory v = vm.parseJsonString(json, ".version");
        address pauser = address(c.pauserRegistry);
        _upgrade(c, c.permissionController, _impl(json, "PermissionController", abi.encode(v)), "");
        _upgrade(
            c,
            c.allocationManager,
            _impl(
                json,
                "AllocationManager",
                abi.encode(
                    c.delegationManager,
                    pauser,
                    c.permissionController,
                    DEALLOCATION_DELAY,
                    ALLOCATION_CONFIGURATION_DELAY,
                    v
                )
            ),
            abi.encodeCall(IELInit.initialize, (address(this), 0))
        );
        _upgrade(
            c,
            c.delegationManager,
            _impl(
                json,
                "DelegationManager",
                abi.encode(
                    c.strategyManager,
                    c.eigenPodManager,
                    c.allocationManager,
                    pauser,
                    c.permissionController,
                    MIN_WITHDRAWAL_DELAY,
                    v
                )
            ),
            abi.encodeCall(IELInit.initialize, (address(this), 0))
        );
        _upgrade(
            c,
            c.strategyManager,
            _impl(json, "StrategyManager", abi.encode(c.delegationManager, pauser, v)),
            abi.encodeCall(IELStrategyManager.initialize, (address(this), address(this), 0))
        );
        _upgrade(
            c,
            c.avsDirectory,
            _impl(json, "AVSDirectory", abi.encode(c.delegationManager, pauser, v)),
            abi.encodeCall(IELInit.initialize, (address(this), 0))
        );
        // No beacon chain in tests: inert deposit-contract and pod-beacon addresses.
        _upgrade(
            c,
            c.eigenPodManager,
            _impl(json, "EigenPodManager", abi.encode(address(0xe7), address(0xbe), c.delegationManager, pauser, v)),
            abi.encodeCall(IELInit.initialize, (address(this), 0))
        );

        c.token = new TestToken("Vigil Stake", "VSTK", 1e30, address(this));
        c.strategy = new Strategy(IStrategyManager(c.strategyManager), c.token);
        address[] memory strategies = new address[](1);
        strategies[0] = address(c.strategy);
        IELStrategyManager(c.strategyManager).addStrategiesToDepositWhitelist(strategies);
    }

    function _upgrade(Core memory c, address proxy, address implementation, bytes memory data) private {
        if (data.length == 0) {
            c.proxyAdmin.upgrade(ITransparentUpgradeableProxy(proxy), implementation);
        } else {
            c.proxyAdmin.upgradeAndCall(ITransparentUpgradeableProxy(proxy), implementation, data);
        }
    }

    /// @notice Makes `operator` an EigenLayer operator (allocation delay 0) holding `amount` of stake,
    ///         and rolls past the allocation configuration delay so it can allocate.
    function makeOperator(Core memory c, address operator, uint256 amount) internal {
        c.token.transfer(operator, amount);
        vm.startPrank(operator);
        IELDelegationManager(c.delegationManager).registerAsOperator(address(0), 0, "");
        c.token.approve(c.strategyManager, amount);
        IELStrategyManager(c.strategyManager).depositIntoStrategy(address(c.strategy), address(c.token), amount);
        vm.stopPrank();
        vm.roll(block.number + ALLOCATION_CONFIGURATION_DELAY + 1);
    }

    /// @notice `operator` allocates `magnitude` (of 1e18) of its stake in the strategy to set (avs, id).
    function allocate(Core memory c, address operator, address avs, uint32 id, uint64 magnitude) internal {
        ELAllocateParams[] memory params = new ELAllocateParams[](1);
        params[0].operatorSet = ELOperatorSet(avs, id);
        params[0].strategies = new address[](1);
        params[0].strategies[0] = address(c.strategy);
        params[0].newMagnitudes = new uint64[](1);
        params[0].newMagnitudes[0] = magnitude;
        vm.prank(operator);
        IELAllocationManager(c.allocationManager).modifyAllocations(operator, params);
        vm.roll(block.number + 1);
    }
}
