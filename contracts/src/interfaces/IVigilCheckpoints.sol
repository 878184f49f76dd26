// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Checkpoint} from "../libraries/CheckpointLib.sol";

/// @title IVigilCheckpoints
/// @notice What a rollup's contracts ask Vigil: is this checkpoint certified, and by how much stake.
///         Implemented by VigilVerifier for checkpoints certified alone (a certificate of that
///         checkpoint). A checkpoint certified as a member of a batch (VIGIL_BATCH_V1) is checked
///         with its inclusion proof against {IVigilBatchCheckpoints}, at `VigilVerifier.batchRoots()`.
interface IVigilCheckpoints {
    /// @notice True iff `cp` is exactly the checkpoint recorded for (rollupId, height): the first valid
    ///         certificate for that block. A later certificate of the same block with another
    ///         daCommitment or l1Block is not recorded, so such a variant answers false.
    /// @param cp The checkpoint.
    /// @return Whether it is the recorded checkpoint.
    function isCertified(Checkpoint calldata cp) external view returns (bool);

    /// @notice True iff the recorded checkpoint for (rollupId, height) has this blockHash and stateRoot.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @param blockHash The L2 block hash.
    /// @param stateRoot The L2 state root.
    /// @return Whether that block is certified.
    function isBlockCertified(uint64 rollupId, uint64 height, bytes32 blockHash, bytes32 stateRoot)
        external
        view
        returns (bool);

    /// @notice The stake behind the recorded checkpoint `cp` (zeros unless {isCertified}): the weight that
    ///         signed it and the set's total weight, both as of `cp.l1Block`.
    /// @param cp The checkpoint.
    /// @return signedWeight The weight that signed it.
    /// @return totalWeight The set's total weight.
    function certifiedStake(Checkpoint calldata cp) external view returns (uint256 signedWeight, uint256 totalWeight);
}
