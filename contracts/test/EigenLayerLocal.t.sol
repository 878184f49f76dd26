// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {PauserRegistry} from "../src/eigenlayer/PauserRegistry.sol";
import {Strategy} from "../src/eigenlayer/Strategy.sol";
import {TestToken} from "../src/eigenlayer/TestToken.sol";
import {IPauserRegistry} from "../src/interfaces/IPauserRegistry.sol";
import {IStrategy} from "../src/interfaces/IStrategy.sol";
import {IStrategyManager} from "../src/interfaces/IStrategyManager.sol";
import {Test} from "./utils/Test.sol";

/// @dev Plays EigenLayer's StrategyManager: moves tokens to the strategy, then calls deposit.
contract FakeStrategyManager is IStrategyManager {
    mapping(address => uint256) public deposits;

    function stakerDepositShares(address staker, address) external view returns (uint256) {
        return deposits[staker];
    }

    function deposit(Strategy s, address staker, uint256 amount) external returns (uint256 newShares) {
        s.underlyingToken().transferFrom(staker, address(s), amount);
        newShares = s.deposit(s.underlyingToken(), amount);
        deposits[staker] += newShares;
    }

    function withdraw(Strategy s, address staker, uint256 shares) external {
        deposits[staker] -= shares;
        s.withdraw(staker, s.underlyingToken(), shares);
    }
}

contract EigenLayerLocalTest is Test {
    TestToken internal token;
    FakeStrategyManager internal sm;
    Strategy internal strategy;
    address internal constant ALICE = address(0xa11ce);

    function setUp() public {
        token = new TestToken("Vigil Stake", "VSTK", 1e30, ALICE);
        sm = new FakeStrategyManager();
        strategy = new Strategy(sm, token);
        vm.prank(ALICE);
        token.approve(address(sm), type(uint256).max);
    }

    function testFuzz_depositWithdrawRoundTrip(uint96 amount) public {
        vm.assume(amount > 0);
        uint256 shares = sm.deposit(strategy, ALICE, amount);
        assertEq(shares, amount, "1:1 while no yield");
        assertEq(strategy.totalShares(), shares);
        assertEq(strategy.shares(ALICE), shares);
        assertEq(strategy.userUnderlyingView(ALICE), amount);
        assertEq(strategy.sharesToUnderlyingView(shares), amount);
        sm.withdraw(strategy, ALICE, shares);
        assertEq(token.balanceOf(ALICE), 1e30);
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
        vm.prank(address(sm));
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
