// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPermissionController
/// @notice The part of EigenLayer v1.3.0's PermissionController that Vigil calls. An account with no
///         admins is its own admin, so the AVS contract can appoint its slasher directly.
interface IPermissionController {
    /// @notice Lets `appointee` call `selector` on `target` on behalf of `account`.
    /// @param account The account whose permission it is (the AVS).
    /// @param appointee The appointee.
    /// @param target The contract called.
    /// @param selector The function selector.
    function setAppointee(address account, address appointee, address target, bytes4 selector) external;

    /// @notice Withdraws the appointment {setAppointee} made.
    /// @param account The account whose permission it is (the AVS).
    /// @param appointee The appointee.
    /// @param target The contract called.
    /// @param selector The function selector.
    function removeAppointee(address account, address appointee, address target, bytes4 selector) external;

    /// @notice Whether `caller` may call `selector` on `target` on behalf of `account`.
    /// @param account The account whose permission it is (the AVS).
    /// @param caller The caller.
    /// @param target The contract called.
    /// @param selector The function selector.
    /// @return Whether it may.
    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool);
}
