// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IStrategy} from "./interfaces/IStrategy.sol";
import {IStrategyManager} from "./interfaces/IStrategyManager.sol";

/// @title Strategy
/// @notice A plain ERC-20 strategy for EigenLayer's StrategyManager on local chains (the devnet).
///         Shares track the underlying balance with a virtual offset on both sides, which makes the
///         first-depositor inflation attack unprofitable (the same defence as EigenLayer's StrategyBase).
/// @dev Not upgradeable and not pausable: EigenLayer only needs the IStrategy surface. StrategyManager
///      transfers tokens to the strategy before calling {deposit}, and calls {withdraw} to pay out.
contract Strategy is IStrategy {
    using SafeERC20 for IERC20;

    /// @dev Virtual shares and balance added to both sides of the exchange rate.
    uint256 internal constant OFFSET = 1e3;
    /// @dev Keeps share arithmetic far from overflow.
    uint256 internal constant MAX_TOTAL_SHARES = 1e38 - 1;

    IStrategyManager public immutable strategyManager;
    IERC20 public immutable underlyingToken;
    uint256 public totalShares;

    constructor(IStrategyManager strategyManager_, IERC20 token) {
        strategyManager = strategyManager_;
        underlyingToken = token;
        emit StrategyTokenSet(token, IERC20Metadata(address(token)).decimals());
    }

    modifier onlyStrategyManager() {
        if (msg.sender != address(strategyManager)) revert OnlyStrategyManager();
        _;
    }

    function deposit(IERC20 token, uint256 amount) external onlyStrategyManager returns (uint256 newShares) {
        if (address(token) != address(underlyingToken)) revert OnlyUnderlyingToken();
        // The tokens are already here: price them against the balance before the transfer.
        uint256 balanceBefore = _balance() - amount;
        newShares = (amount * (totalShares + OFFSET)) / (balanceBefore + OFFSET);
        if (newShares == 0) revert NewSharesZero();
        totalShares += newShares;
        if (totalShares > MAX_TOTAL_SHARES) revert TotalSharesExceedsMax();
        _emitRate(balanceBefore + amount);
    }

    function withdraw(address recipient, IERC20 token, uint256 amountShares) external onlyStrategyManager {
        if (address(token) != address(underlyingToken)) revert OnlyUnderlyingToken();
        if (amountShares > totalShares) revert WithdrawalAmountExceedsTotalDeposits();
        uint256 balance = _balance();
        uint256 amount = (balance + OFFSET) * amountShares / (totalShares + OFFSET);
        totalShares -= amountShares;
        _emitRate(balance - amount);
        underlyingToken.safeTransfer(recipient, amount);
    }

    function sharesToUnderlying(uint256 amountShares) external view returns (uint256) {
        return sharesToUnderlyingView(amountShares);
    }

    function underlyingToShares(uint256 amountUnderlying) external view returns (uint256) {
        return underlyingToSharesView(amountUnderlying);
    }

    function userUnderlying(address user) external view returns (uint256) {
        return userUnderlyingView(user);
    }

    function shares(address user) public view returns (uint256) {
        return strategyManager.stakerDepositShares(user, address(this));
    }

    function sharesToUnderlyingView(uint256 amountShares) public view returns (uint256) {
        return (_balance() + OFFSET) * amountShares / (totalShares + OFFSET);
    }

    function underlyingToSharesView(uint256 amountUnderlying) public view returns (uint256) {
        return amountUnderlying * (totalShares + OFFSET) / (_balance() + OFFSET);
    }

    function userUnderlyingView(address user) public view returns (uint256) {
        return sharesToUnderlyingView(shares(user));
    }

    function explanation() external pure returns (string memory) {
        return "Vigil local-chain strategy: one ERC-20, shares track the balance with a virtual offset";
    }

    function version() external pure returns (string memory) {
        return "v1.3.0";
    }

    function _balance() internal view returns (uint256) {
        return underlyingToken.balanceOf(address(this));
    }

    function _emitRate(uint256 balance) internal {
        emit ExchangeRateEmitted(1e18 * (balance + OFFSET) / (totalShares + OFFSET));
    }
}
