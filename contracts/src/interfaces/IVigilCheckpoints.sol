// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {InclusionProof} from "../libraries/BatchLib.sol";
import {Checkpoint} from "../libraries/CheckpointLib.sol";

/// @title IVigilCheckpoints
/// @notice What a rollup's contracts ask Vigil: is this checkpoint certified, and by how much stake.
///         A checkpoint is certified either alone (a certificate of that checkpoint: {isCertified}) or
///         as a member of a certified batch (a certificate of a batch root, plus the checkpoint's
///         inclusion proof: {isCertifiedInBatch}; VIGIL_BATCH_V1, see BatchLib).
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
