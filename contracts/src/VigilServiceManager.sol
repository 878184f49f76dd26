// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilGoverned} from "./VigilGoverned.sol";
import {CreateSetParams, CreateSetParamsV2, IAllocationManager, OperatorSet} from "./interfaces/IAllocationManager.sol";
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
///      Runs behind a proxy; replacing the appointee goes through the timelock ({VigilGoverned}).
contract VigilServiceManager is VigilGoverned {
    /// @notice Change id (see {VigilGoverned}) of the slasher appointee.
    bytes32 public constant SLASHER_CHANGE = keccak256("vigil.slasher");

    /// @notice EigenLayer's AllocationManager.
    IAllocationManager public immutable allocationManager;
    /// @notice EigenLayer's PermissionController, where the slasher is appointed (v1.3.0).
    IPermissionController public immutable permissionController;

    /// @notice The contract currently appointed to slash for this AVS.
    address public slasher;

    /// @notice EigenLayer v1.9+: the operator sets created with a per-set slasher
    ///         ({createOperatorSetWithSlasher}); a slasher change is passed on to each with
    ///         AllocationManager.updateSlasher.
    uint32[] public perSetSlasherSets;

    uint256[48] private __gap;

    /// @notice The address allowed to slash Vigil's operators changed.
    /// @param previous The slasher before (zero: none).
    /// @param current The slasher now (zero: none).
    event SlasherSet(address indexed previous, address indexed current);

    /// @dev The implementation: immutables only. Proxies are set up with {initialize}.
    constructor(IAllocationManager allocationManager_, IPermissionController permissionController_) {
        allocationManager = allocationManager_;
        permissionController = permissionController_;
    }

    /// @notice Sets up a proxy: owner, governance delay (seconds) and, on EigenLayer v1.3.0, the first
    ///         slasher appointee (zero: none; on v1.9+ use {createOperatorSetWithSlasher}). The
    ///         appointee may be an address without code yet (a proxy to be set up next).
    /// @param owner_ The owner (governance).
    /// @param slasher_ The first slasher appointee (zero: none).
    /// @param governanceDelay_ Seconds between queueing a parameter change and its earliest application.
    function initialize(address owner_, address slasher_, uint64 governanceDelay_) external initializer {
        __VigilGoverned_init(owner_, governanceDelay_);
        if (slasher_ != address(0)) _setSlasher(slasher_);
    }

    /// @notice Sets the AVS metadata URI (EigenLayer requires one before operator sets exist).
    /// @param uri The metadata URI.
    function updateAVSMetadataURI(string calldata uri) external onlyOwner {
        allocationManager.updateAVSMetadataURI(address(this), uri);
    }

    /// @notice Creates operator set `id` counting `strategies`.
    /// @param id The operator set id.
    /// @param strategies The strategies it counts.
    function createOperatorSet(uint32 id, address[] calldata strategies) external onlyOwner {
        CreateSetParams[] memory params = new CreateSetParams[](1);
        params[0] = CreateSetParams(id, strategies);
        allocationManager.createOperatorSets(address(this), params);
    }

    /// @notice EigenLayer v1.9+: creates operator set `id` with `slasher_` as the only address allowed
    ///         to slash it. Not available on v1.3.0 (use {createOperatorSet} and {setSlasher}).
    /// @param id The operator set id.
    /// @param strategies The strategies it counts.
    /// @param slasher_ The only address allowed to slash the set.
    function createOperatorSetWithSlasher(uint32 id, address[] calldata strategies, address slasher_)
        external
        onlyOwner
    {
        CreateSetParamsV2[] memory params = new CreateSetParamsV2[](1);
        params[0] = CreateSetParamsV2(id, strategies, slasher_);
        allocationManager.createOperatorSets(address(this), params);
        perSetSlasherSets.push(id);
        emit SlasherSet(slasher, slasher_);
        slasher = slasher_;
    }

    /// @notice Adds `strategies` to operator set `id`.
    /// @param id The operator set id.
    /// @param strategies The strategies to add.
    function addStrategies(uint32 id, address[] calldata strategies) external onlyOwner {
        allocationManager.addStrategiesToOperatorSet(address(this), id, strategies);
    }

    /// @notice Removes `strategies` from operator set `id`.
    /// @param id The operator set id.
    /// @param strategies The strategies to remove.
    function removeStrategies(uint32 id, address[] calldata strategies) external onlyOwner {
        allocationManager.removeStrategiesFromOperatorSet(address(this), id, strategies);
    }

    /// @notice Names the registrar that receives operator registrations (it must support this AVS).
    /// @param registrar The registrar (Vigil's verifier).
    function setAVSRegistrar(address registrar) external onlyOwner {
        allocationManager.setAVSRegistrar(address(this), registrar);
    }

    /// @notice Queues the appointment of `newSlasher` (zero: none) as the caller allowed to slash
    ///         operators of this AVS, replacing the current one after {governanceDelay}.
    /// @param newSlasher The new slasher (zero: none).
    function queueSlasher(address newSlasher) external onlyOwner {
        _queueChange(SLASHER_CHANGE, bytes32(uint256(uint160(newSlasher))));
    }

    /// @notice Applies the queued appointment once due. Anyone may call it.
    function applySlasher() external {
        _setSlasher(address(uint160(uint256(_takeChange(SLASHER_CHANGE)))));
    }

    /// @notice The queued slasher appointee and its eta (eta 0: none).
    /// @return newSlasher The queued slasher.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingSlasher() external view returns (address newSlasher, uint64 eta) {
        PendingChange storage p = _pendingChanges[SLASHER_CHANGE];
        return (address(uint160(uint256(p.value))), p.eta);
    }

    function _setSlasher(address newSlasher) internal {
        bytes4 selector = IAllocationManager.slashOperator.selector;
        address previous = slasher;
        // A slasher named only by a v1.9 set (createOperatorSetWithSlasher) was never appointed.
        if (
            previous != address(0)
                && permissionController.canCall(address(this), previous, address(allocationManager), selector)
        ) {
            permissionController.removeAppointee(address(this), previous, address(allocationManager), selector);
        }
        if (newSlasher != address(0)) {
            permissionController.setAppointee(address(this), newSlasher, address(allocationManager), selector);
        }
        // v1.9+: the appointee no longer grants slashing; the set's own slasher does.
        for (uint256 i; i < perSetSlasherSets.length; ++i) {
            allocationManager.updateSlasher(OperatorSet(address(this), perSetSlasherSets[i]), newSlasher);
        }
        slasher = newSlasher;
        emit SlasherSet(previous, newSlasher);
    }
}
