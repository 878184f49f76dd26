// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPermissionController
/// @notice The part of EigenLayer v1.3.0's PermissionController that Vigil calls. An account with no
///         admins is its own admin, so the AVS contract can appoint its slasher directly.
interface IPermissionController {
    function setAppointee(address account, address appointee, address target, bytes4 selector) external;

    function removeAppointee(address account, address appointee, address target, bytes4 selector) external;

    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool);
}
