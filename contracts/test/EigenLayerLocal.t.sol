// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {PauserRegistry} from "../dev/PauserRegistry.sol";
import {Strategy} from "../dev/Strategy.sol";
import {TestToken} from "../dev/TestToken.sol";
import {IPauserRegistry} from "../dev/interfaces/IPauserRegistry.sol";
import {IStrategy} from "../dev/interfaces/IStrategy.sol";
import {ELWithdrawal, EigenLayerDeployer, IELDelegationManager} from "./utils/EigenLayerDeployer.sol";

/// @notice Our local-chain pieces (ERC-20 Strategy, PauserRegistry, TestToken) under EigenLayer's real
///         v1.3.0 StrategyManager and DelegationManager.
contract EigenLayerLocalTest is EigenLayerDeployer {
    Core internal core;
    TestToken internal token;
    Strategy internal strategy;
    address internal constant ALICE = address(0xa11ce);

    function setUp() public {
        core = deployEigenLayer();
        token = core.token;
        strategy = core.strategy;
    }

    /// @dev Deposit through the real StrategyManager, withdraw through the real DelegationManager's
    ///      queue: the strategy prices shares 1:1 while it earns nothing, and pays everything back.
    function testFuzz_depositWithdrawRoundTrip(uint96 amount) public {
        vm.assume(amount > 0);
        deposit(core, ALICE, amount);
        uint256 shares = strategy.shares(ALICE);
        assertEq(shares, amount, "1:1 while no yield");
        assertEq(strategy.totalShares(), shares);
        assertEq(strategy.userUnderlyingView(ALICE), amount);
        assertEq(strategy.sharesToUnderlyingView(shares), amount);
        assertEq(token.balanceOf(ALICE), 0);

        ELWithdrawal memory w = queueWithdrawal(core, ALICE, shares);
        assertEq(strategy.shares(ALICE), 0, "deposit shares leave at once");
        vm.roll(block.number + MIN_WITHDRAWAL_DELAY + 1);
        address[] memory tokens = new address[](1);
        tokens[0] = address(token);
        vm.prank(ALICE);
        IELDelegationManager(core.delegationManager).completeQueuedWithdrawal(w, tokens, true);
        assertEq(token.balanceOf(ALICE), amount);
        assertEq(strategy.totalShares(), 0);
    }

    function test_onlyStrategyManager() public {
        vm.expectRevert(IStrategy.OnlyStrategyManager.selector);
        strategy.deposit(token, 1);
        vm.expectRevert(IStrategy.OnlyStrategyManager.selector);
        strategy.withdraw(ALICE, token, 1);
    }

    function test_onlyUnderlyingToken() public {
        TestToken other = new TestToken("Other", "OTH", 1e18, address(this));
        vm.prank(core.strategyManager);
        vm.expectRevert(IStrategy.OnlyUnderlyingToken.selector);
        strategy.deposit(IERC20(address(other)), 1);
    }

    function test_views() public view {
        assertEq(address(strategy.underlyingToken()), address(token));
        assertEq(strategy.version(), "v1.3.0");
        assertTrue(bytes(strategy.explanation()).length > 0);
    }

    function test_pauserRegistry() public {
        address[] memory pausers = new address[](1);
        pausers[0] = address(0x9001);
        PauserRegistry r = new PauserRegistry(pausers, address(this));
        assertTrue(r.isPauser(address(0x9001)));
        assertEq(r.unpauser(), address(this));
        r.setIsPauser(address(0x9002), true);
        assertTrue(r.isPauser(address(0x9002)));
        r.setUnpauser(address(0xbeef));
        vm.expectRevert(IPauserRegistry.OnlyUnpauser.selector);
        r.setIsPauser(address(0x9002), false);
        vm.prank(address(0xbeef));
        vm.expectRevert(IPauserRegistry.InputAddressZero.selector);
        r.setUnpauser(address(0));
    }
}
