// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice An EigenLayer operator set: (AVS address, set id).
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @notice Parameters of AllocationManager.createOperatorSets (EigenLayer v1.3.0).
struct CreateSetParams {
    uint32 operatorSetId;
    address[] strategies;
}

/// @notice Parameters of createOperatorSets from EigenLayer v1.9 on, where each set names the one
///         address allowed to slash it (this overload does not exist in v1.3.0).
struct CreateSetParamsV2 {
    uint32 operatorSetId;
    address[] strategies;
    address slasher;
}

/// @notice Parameters of AllocationManager.slashOperator (EigenLayer v1.3.0). `strategies` must be in
///         ascending address order and each `wadsToSlash` entry in (0, 1e18].
struct SlashingParams {
    address operator;
    uint32 operatorSetId;
    address[] strategies;
    uint256[] wadsToSlash;
    string description;
}

/// @title IAllocationManager
/// @notice The part of EigenLayer v1.3.0's AllocationManager that Vigil calls. Written from the
///         v1.3.0 ABI; only what Vigil uses.
interface IAllocationManager {
    /// @notice Publishes `avs`'s metadata URI (required before it creates operator sets).
    /// @param avs The AVS.
    /// @param metadataURI The metadata URI.
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external;

    /// @notice Creates operator sets of `avs` (v1.3.0's form, without a slasher).
    /// @param avs The AVS.
    /// @param params The sets: id and strategies.
    function createOperatorSets(address avs, CreateSetParams[] calldata params) external;

    /// @dev EigenLayer v1.9+ only: creates sets whose slashOperator caller is `params[i].slasher`.
    /// @param avs The AVS.
    /// @param params The sets: id, strategies and slasher.
    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external;

    /// @notice Names the contract that receives `avs`'s operator registrations.
    /// @param avs The AVS.
    /// @param registrar The registrar.
    function setAVSRegistrar(address avs, address registrar) external;

    /// @dev EigenLayer v1.9+ only: names the set's next slasher, effective after EigenLayer's slasher
    ///      configuration delay.
    /// @param operatorSet The operator set.
    /// @param slasher The new slasher.
    function updateSlasher(OperatorSet memory operatorSet, address slasher) external;

    /// @notice Adds `strategies` to an operator set of `avs`.
    /// @param avs The AVS.
    /// @param operatorSetId The set's id.
    /// @param strategies The strategies.
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, address[] calldata strategies) external;

    /// @notice Removes `strategies` from an operator set of `avs`.
    /// @param avs The AVS.
    /// @param operatorSetId The set's id.
    /// @param strategies The strategies.
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, address[] calldata strategies) external;

    /// @dev v1.3.0: callable by the AVS or its PermissionController appointee for this selector.
    ///      v1.9+: callable only by the set's slasher. From v1.5 on it returns (slashId, shares), which
    ///      VigilSlasher reads with a low-level call (this declaration matches v1.3.0).
    /// @param avs The AVS.
    /// @param params The operator, set, strategies, wads to slash and description.
    function slashOperator(address avs, SlashingParams calldata params) external;

    /// @notice Per operator, per strategy: the stake slashable by the set that remains slashable
    ///         at `futureBlock` (pending deallocations taken into account).
    /// @param operatorSet The operator set.
    /// @param operators The operators.
    /// @param strategies The strategies.
    /// @param futureBlock The block.
    /// @return slashableStake Per operator, per strategy, the stake.
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        address[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);

    /// @notice Whether `operator` is registered for the set.
    /// @param operator The operator.
    /// @param operatorSet The operator set.
    /// @return Whether it is a member.
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);

    /// @notice Whether `operator`'s stake is slashable by the set (a member, or deregistered within the deallocation delay).
    /// @param operator The operator.
    /// @param operatorSet The operator set.
    /// @return Whether it is slashable.
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) external view returns (bool);
}
