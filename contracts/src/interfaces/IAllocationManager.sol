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
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external;

    function createOperatorSets(address avs, CreateSetParams[] calldata params) external;

    /// @dev EigenLayer v1.9+ only: creates sets whose slashOperator caller is `params[i].slasher`.
    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external;

    function setAVSRegistrar(address avs, address registrar) external;

    /// @dev EigenLayer v1.9+ only: names the set's next slasher, effective after EigenLayer's slasher
    ///      configuration delay.
    function updateSlasher(OperatorSet memory operatorSet, address slasher) external;

    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, address[] calldata strategies) external;

    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, address[] calldata strategies) external;

    /// @dev v1.3.0: callable by the AVS or its PermissionController appointee for this selector.
    ///      v1.9+: callable only by the set's slasher. From v1.5 on it returns (slashId, shares), which
    ///      VigilSlasher reads with a low-level call (this declaration matches v1.3.0).
    function slashOperator(address avs, SlashingParams calldata params) external;

    /// @notice Per operator, per strategy: the stake slashable by the set that remains slashable
    ///         at `futureBlock` (pending deallocations taken into account).
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        address[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);

    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);

    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) external view returns (bool);
}
