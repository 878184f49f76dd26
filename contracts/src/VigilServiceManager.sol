// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {CreateSetParams, CreateSetParamsV2, IAllocationManager} from "./interfaces/IAllocationManager.sol";
import {IPermissionController} from "./interfaces/IPermissionController.sol";

/// @title VigilServiceManager
/// @notice Vigil's identity in EigenLayer: the AVS address. It owns the metadata URI and the operator
///         set, names the registrar (the {VigilVerifier}), and appoints the {VigilSlasher} to call
///         AllocationManager.slashOperator on its behalf through the PermissionController.
/// @dev Two permission models for slashing:
///      - EigenLayer v1.3.0: an account with no admins is its own admin, so this contract appoints the
///        slasher with PermissionController.setAppointee ({createOperatorSet}, then {setSlasher});
///      - EigenLayer v1.9+: slashOperator requires msg.sender == the set's slasher, named when the set is
///        created ({createOperatorSetWithSlasher}): deploy the slasher first.
contract VigilServiceManager is Ownable {
    IAllocationManager public immutable allocationManager;
    IPermissionController public immutable permissionController;

    /// @notice The contract currently appointed to slash for this AVS.
    address public slasher;

    event SlasherSet(address indexed previous, address indexed current);

    constructor(IAllocationManager allocationManager_, IPermissionController permissionController_, address owner_) {
        allocationManager = allocationManager_;
        permissionController = permissionController_;
        _transferOwnership(owner_);
    }

    /// @notice Sets the AVS metadata URI (EigenLayer requires one before operator sets exist).
    function updateAVSMetadataURI(string calldata uri) external onlyOwner {
        allocationManager.updateAVSMetadataURI(address(this), uri);
    }

    /// @notice Creates operator set `id` counting `strategies`.
    function createOperatorSet(uint32 id, address[] calldata strategies) external onlyOwner {
        CreateSetParams[] memory params = new CreateSetParams[](1);
        params[0] = CreateSetParams(id, strategies);
        allocationManager.createOperatorSets(address(this), params);
    }

    /// @notice EigenLayer v1.9+: creates operator set `id` with `slasher_` as the only address allowed
    ///         to slash it. Not available on v1.3.0 (use {createOperatorSet} and {setSlasher}).
    function createOperatorSetWithSlasher(uint32 id, address[] calldata strategies, address slasher_)
        external
        onlyOwner
    {
        CreateSetParamsV2[] memory params = new CreateSetParamsV2[](1);
        params[0] = CreateSetParamsV2(id, strategies, slasher_);
        allocationManager.createOperatorSets(address(this), params);
        emit SlasherSet(slasher, slasher_);
        slasher = slasher_;
    }

    function addStrategies(uint32 id, address[] calldata strategies) external onlyOwner {
        allocationManager.addStrategiesToOperatorSet(address(this), id, strategies);
    }

    function removeStrategies(uint32 id, address[] calldata strategies) external onlyOwner {
        allocationManager.removeStrategiesFromOperatorSet(address(this), id, strategies);
    }

    /// @notice Names the registrar that receives operator registrations (it must support this AVS).
    function setAVSRegistrar(address registrar) external onlyOwner {
        allocationManager.setAVSRegistrar(address(this), registrar);
    }

    /// @notice Appoints `newSlasher` (and removes the previous one) as the caller allowed to slash
    ///         operators of this AVS.
    function setSlasher(address newSlasher) external onlyOwner {
        bytes4 selector = IAllocationManager.slashOperator.selector;
        address previous = slasher;
        if (previous != address(0)) {
            permissionController.removeAppointee(address(this), previous, address(allocationManager), selector);
        }
        if (newSlasher != address(0)) {
            permissionController.setAppointee(address(this), newSlasher, address(allocationManager), selector);
        }
        slasher = newSlasher;
        emit SlasherSet(previous, newSlasher);
    }
}
