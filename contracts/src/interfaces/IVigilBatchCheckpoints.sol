// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InclusionProof} from "../libraries/BatchLib.sol";
import {Checkpoint} from "../libraries/CheckpointLib.sol";

/// @title IVigilBatchCheckpoints
/// @notice What a rollup's contracts ask Vigil about a checkpoint certified as a member of a batch
///         (VIGIL_BATCH_V1, see BatchLib): the batch root's certificate was verified and recorded by
///         VigilVerifier, and the rollup proves its checkpoint's inclusion. Implemented by
///         VigilBatchRoots (`VigilVerifier.batchRoots()`), a small contract without a proxy, so the
///         check costs a few thousand gas. Checkpoints certified alone: {IVigilCheckpoints}.
interface IVigilBatchCheckpoints {
    /// @notice True iff batch `root` is recorded, `proof` shows `cp`'s leaf in it, and the batch's
    ///         recorded weights meet cp.rollupId's threshold as it is now (its own threshold if set,
    ///         else the default). A batch is verified against the default threshold only, so a rollup
    ///         with a higher threshold than the batch reached gets false, by design.
    /// @param cp The checkpoint.
    /// @param root The batch's Merkle root.
    /// @param proof cp's leaf index and its siblings from the leaf level up.
    /// @return Whether cp is certified through that batch.
    function isCertifiedInBatch(Checkpoint calldata cp, bytes32 root, InclusionProof calldata proof)
        external
        view
        returns (bool);

    /// @notice The stake behind batch `root` (zeros unless recorded): the weight that signed it and the
    ///         set's total weight, both as of the header's toL1Block.
    /// @param root The batch's Merkle root.
    /// @return signedWeight The weight that signed it.
    /// @return totalWeight The set's total weight.
    function batchCertifiedStake(bytes32 root) external view returns (uint256 signedWeight, uint256 totalWeight);
}
