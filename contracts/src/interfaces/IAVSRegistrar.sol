// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAVSRegistrar
/// @notice The callbacks EigenLayer v1.3.0's AllocationManager makes into an AVS's registrar. The
///         4-argument form (with `avs`) is the one v1.3.0's bytecode calls: selector 0xc63fd502 for
///         registerOperator and 0x303ca956 for deregisterOperator.
interface IAVSRegistrar {
    /// @notice Called when `operator` registers for `operatorSetIds` of `avs`; reverting refuses it.
    /// @param operator The operator.
    /// @param avs The AVS.
    /// @param operatorSetIds The operator sets it joins.
    /// @param data The operator's registration data.
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external;

    /// @notice Called when `operator` is deregistered from `operatorSetIds` of `avs`.
    /// @param operator The operator.
    /// @param avs The AVS.
    /// @param operatorSetIds The operator sets it leaves.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external;

    /// @notice setAVSRegistrar reverts unless this answers true for the AVS.
    /// @param avs The AVS.
    /// @return Whether this registrar serves `avs`.
    function supportsAVS(address avs) external view returns (bool);
}
