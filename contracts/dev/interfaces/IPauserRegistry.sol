// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPauserRegistry
/// @notice EigenLayer's pauser registry interface: its core contracts take one in their constructors.
interface IPauserRegistry {
    event PauserStatusChanged(address pauser, bool canPause);
    event UnpauserChanged(address previousUnpauser, address newUnpauser);

    error InputAddressZero();
    error OnlyUnpauser();

    /// @notice True iff `pauser` may pause.
    function isPauser(address pauser) external view returns (bool);

    /// @notice The one address that may unpause.
    function unpauser() external view returns (address);
}
