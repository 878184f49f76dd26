// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPauserRegistry} from "./interfaces/IPauserRegistry.sol";

/// @title PauserRegistry
/// @notice Who may pause and unpause EigenLayer's core contracts on a Vigil chain. The unpauser
///         manages the pauser list and may hand its role on.
contract PauserRegistry is IPauserRegistry {
    mapping(address => bool) public isPauser;
    address public unpauser;

    constructor(address[] memory pausers, address initialUnpauser) {
        for (uint256 i; i < pausers.length; ++i) {
            _setPauser(pausers[i], true);
        }
        _setUnpauser(initialUnpauser);
    }

    modifier onlyUnpauser() {
        if (msg.sender != unpauser) revert OnlyUnpauser();
        _;
    }

    function setIsPauser(address pauser, bool canPause) external onlyUnpauser {
        _setPauser(pauser, canPause);
    }

    function setUnpauser(address newUnpauser) external onlyUnpauser {
        _setUnpauser(newUnpauser);
    }

    function _setPauser(address pauser, bool canPause) internal {
        if (pauser == address(0)) revert InputAddressZero();
        isPauser[pauser] = canPause;
        emit PauserStatusChanged(pauser, canPause);
    }

    function _setUnpauser(address newUnpauser) internal {
        if (newUnpauser == address(0)) revert InputAddressZero();
        emit UnpauserChanged(unpauser, newUnpauser);
        unpauser = newUnpauser;
    }
}
