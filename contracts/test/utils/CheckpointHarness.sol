// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Checkpoint, CheckpointLib} from "../../src/libraries/CheckpointLib.sol";

/// @dev External wrappers so tests can compare the memory and calldata digests and measure gas.
contract CheckpointHarness {
    function digest(Checkpoint memory cp, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        external
        pure
        returns (bytes32)
    {
        return CheckpointLib.digest(cp, l1ChainId, verifier, operatorSetId);
    }

    function digestCalldata(Checkpoint calldata cp, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        external
        pure
        returns (bytes32)
    {
        return CheckpointLib.digestCalldata(cp, l1ChainId, verifier, operatorSetId);
    }
}
