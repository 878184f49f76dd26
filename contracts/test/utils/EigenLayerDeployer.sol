// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {
    ITransparentUpgradeableProxy,
    TransparentUpgradeableProxy
} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {PauserRegistry} from "../../dev/PauserRegistry.sol";
import {Strategy} from "../../dev/Strategy.sol";
import {TestToken} from "../../dev/TestToken.sol";
import {IStrategyManager} from "../../dev/interfaces/IStrategyManager.sol";
import {EmptyContract} from "../../src/Proxies.sol";
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

/// @dev v1.3.0's `QueuedWithdrawalParams`; the third field is deprecated and must be the staker.
struct ELQueuedWithdrawalParams {
    address[] strategies;
    uint256[] depositShares;
    address withdrawer;
}

/// @dev v1.3.0's `Withdrawal`.
struct ELWithdrawal {
    address staker;
    address delegatedTo;
    address withdrawer;
    uint256 nonce;
    uint32 startBlock;
    address[] strategies;
    uint256[] scaledShares;
}

interface IELDelegationManager {
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata uri) external;
    function isOperator(address operator) external view returns (bool);
    function operatorShares(address operator, address strategy) external view returns (uint256);
    function queueWithdrawals(ELQueuedWithdrawalParams[] calldata params) external returns (bytes32[] memory);
    function completeQueuedWithdrawal(ELWithdrawal calldata withdrawal, address[] calldata tokens, bool receiveAsTokens)
        external;
    function cumulativeWithdrawalsQueued(address staker) external view returns (uint256);
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

struct ELDeregisterParams {
    address operator;
    address avs;
    uint32[] operatorSetIds;
}

interface IELAllocationManager {
    function version() external view returns (string memory);
    function modifyAllocations(address operator, ELAllocateParams[] calldata params) external;
    function registerForOperatorSets(address operator, ELRegisterParams calldata params) external;
    function deregisterFromOperatorSets(ELDeregisterParams calldata params) external;
    function getAVSRegistrar(address avs) external view returns (address);
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

    /// @dev The fixture, decoded in one parse: forge encodes a JSON object as a tuple of its values in
    ///      alphabetical key order, hex strings as bytes.
    struct Fixture {
        bytes AVSDirectory;
        bytes AllocationManager;
        bytes DelegationManager;
        bytes EigenPodManager;
        bytes PermissionController;
        bytes StrategyManager;
        string description;
        string version;
    }

    function _impl(bytes memory code, bytes memory args) private returns (address) {
        return _create(abi.encodePacked(code, args));
    }

    /// @notice Deploys the core; this test contract owns everything.
    function deployEigenLayer() internal returns (Core memory c) {
        Fixture memory f = abi.decode(vm.parseJson(vm.readFile(EIGENLAYER_FIXTURE)), (Fixture));
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

        string memory v = f.version;
        address pauser = address(c.pauserRegistry);
        _upgrade(c, c.permissionController, _impl(f.PermissionController, abi.encode(v)), "");
        _upgrade(
            c,
            c.allocationManager,
            _impl(
                f.AllocationManager,
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
                f.DelegationManager,
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
            _impl(f.StrategyManager, abi.encode(c.delegationManager, pauser, v)),
            abi.encodeCall(IELStrategyManager.initialize, (address(this), address(this), 0))
        );
        _upgrade(
            c,
            c.avsDirectory,
            _impl(f.AVSDirectory, abi.encode(c.delegationManager, pauser, v)),
            abi.encodeCall(IELInit.initialize, (address(this), 0))
        );
        // No beacon chain in tests: inert deposit-contract and pod-beacon addresses.
        _upgrade(
            c,
            c.eigenPodManager,
            _impl(f.EigenPodManager, abi.encode(address(0xe7), address(0xbe), c.delegationManager, pauser, v)),
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
        makeOperatorNoRoll(c, operator, amount);
        vm.roll(block.number + ALLOCATION_CONFIGURATION_DELAY + 1);
    }

    /// @notice As {makeOperator} without the roll: many operators can be made in one block, then one
    ///         roll of ALLOCATION_CONFIGURATION_DELAY + 1 blocks lets them all allocate.
    function makeOperatorNoRoll(Core memory c, address operator, uint256 amount) internal {
        vm.prank(operator);
        IELDelegationManager(c.delegationManager).registerAsOperator(address(0), 0, "");
        deposit(c, operator, amount);
    }

    /// @notice `staker` deposits `amount` of fresh tokens into the strategy (an operator is delegated to
    ///         itself, so its delegated shares grow at once).
    function deposit(Core memory c, address staker, uint256 amount) internal {
        c.token.transfer(staker, amount);
        vm.startPrank(staker);
        c.token.approve(c.strategyManager, amount);
        IELStrategyManager(c.strategyManager).depositIntoStrategy(address(c.strategy), address(c.token), amount);
        vm.stopPrank();
    }

    /// @notice `staker` queues a withdrawal of `shares` deposit shares of the strategy: its (operator's)
    ///         delegated shares drop at once; the tokens are claimable MIN_WITHDRAWAL_DELAY blocks later
    ///         with the returned withdrawal.
    function queueWithdrawal(Core memory c, address staker, uint256 shares) internal returns (ELWithdrawal memory w) {
        IELDelegationManager dm = IELDelegationManager(c.delegationManager);
        ELQueuedWithdrawalParams[] memory params = new ELQueuedWithdrawalParams[](1);
        params[0].strategies = new address[](1);
        params[0].strategies[0] = address(c.strategy);
        params[0].depositShares = new uint256[](1);
        params[0].depositShares[0] = shares;
        params[0].withdrawer = staker;
        address delegatedTo = dm.isOperator(staker) ? staker : address(0);
        uint256 nonce = dm.cumulativeWithdrawalsQueued(staker);
        vm.prank(staker);
        dm.queueWithdrawals(params);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 startBlock = uint32(block.number); // test chains stay far below 2^32 blocks
        w = ELWithdrawal(staker, delegatedTo, staker, nonce, startBlock, params[0].strategies, params[0].depositShares);
    }

    /// @notice `operator` allocates `magnitude` (of 1e18) of its stake in the strategy to set (avs, id).
    function allocate(Core memory c, address operator, address avs, uint32 id, uint64 magnitude) internal {
        allocateNoRoll(c, operator, avs, id, magnitude);
        vm.roll(block.number + 1);
    }

    /// @notice As {allocate} without the roll (an increase with allocation delay 0 takes effect at once).
    function allocateNoRoll(Core memory c, address operator, address avs, uint32 id, uint64 magnitude) internal {
        ELAllocateParams[] memory params = new ELAllocateParams[](1);
        params[0].operatorSet = ELOperatorSet(avs, id);
        params[0].strategies = new address[](1);
        params[0].strategies[0] = address(c.strategy);
        params[0].newMagnitudes = new uint64[](1);
        params[0].newMagnitudes[0] = magnitude;
        vm.prank(operator);
        IELAllocationManager(c.allocationManager).modifyAllocations(operator, params);
    }
}
