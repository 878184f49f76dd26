// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStrategyManager
/// @notice The one StrategyManager (EigenLayer v1.3.0) view that {Strategy} reads.
interface IStrategyManager {
    function stakerDepositShares(address staker, address strategy) external view returns (uint256);
}
