// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVigilBatchCheckpoints} from "./interfaces/IVigilBatchCheckpoints.sol";
import {BatchLib, InclusionProof} from "./libraries/BatchLib.sol";
import {Checkpoint} from "./libraries/CheckpointLib.sol";

/// @title VigilBatchRoots
/// @notice The record of every certified batch root (VIGIL_BATCH_V1), and the cheap inclusion check a
///         rollup makes against it ({IVigilBatchCheckpoints}). VigilVerifier verifies a batch
///         certificate (one pairing over the batch digest) and records its root here; it is the only
///         writer. The thresholds a rollup's check applies are mirrored here by the verifier whenever
///         they change (and anyone may re-sync one from the verifier: {syncRollupThreshold}).
/// @dev Not upgradeable and not behind a proxy, on purpose: a rollup's inclusion check pays for no
///      proxy dispatch (the admin slot, the implementation slot and a cold DELEGATECALL: ~7,000 gas
///      of VigilVerifier's ~10,750 for `isCertified`). What it pays is one cold slot for the root's
///      record, one for the thresholds (and one more for a rollup with its own threshold), the leaf
///      hash and one keccak per proof level (test/VigilGas.t.sol). If the verifier is ever replaced
///      by an upgrade that changes the batch format, it deploys and attaches a new VigilBatchRoots;
///      the roots recorded here stay readable.
contract VigilBatchRoots is IVigilBatchCheckpoints {
    /// @notice What is kept of a batch root's first valid certificate, in one word.
    struct Root {
        uint32 leafCount; // 0: not recorded
        uint32 toL1Block; // the stake reference block
        uint96 signedWeight;
        uint96 totalWeight;
    }

    /// @notice The thresholds, in one word.
    struct Thresholds {
        uint16 defaultBps;
        bool anyRollupThreshold; // lets the common case skip the per-rollup slot
    }

    /// @notice The verifier (its proxy): the only writer.
    address public immutable verifier;

    /// @notice The record of each recorded root (leafCount 0: none).
    mapping(bytes32 => Root) public roots;
    /// @notice keccak256 of the non-signers' keys of each recorded root's certificate: names its
    ///         signer set, for evidence.
    mapping(bytes32 => bytes32) public nonSignersHash;
    /// @notice The default threshold and whether any rollup has its own, as the verifier has them.
    Thresholds public thresholds;
    /// @notice Per-rollup thresholds in basis points (0: the default), as the verifier has them.
    mapping(uint64 => uint16) public rollupThresholdBps;

    /// @notice A write from anyone but the verifier.
    /// @param caller The caller.
    error OnlyVerifier(address caller);
    /// @notice A record with leafCount 0.
    error EmptyRoot();

    /// @notice `verifier_` is the verifier's proxy address, the one operators sign for.
    /// @param verifier_ The verifier.
    constructor(address verifier_) {
        verifier = verifier_;
    }

    modifier onlyVerifier() {
        if (msg.sender != verifier) revert OnlyVerifier(msg.sender);
        _;
    }

    // ---------------------------------------------------------------------------------------------
    // Written by the verifier
    // ---------------------------------------------------------------------------------------------

    /// @notice Records `root` if it is not yet recorded; false (and nothing written) if it is.
    /// @param root The batch root.
    /// @param r Its record (leafCount > 0).
    /// @param nonSignersHash_ keccak256 of the certificate's non-signer keys.
    /// @return recorded Whether the root was recorded now.
    function record(bytes32 root, Root calldata r, bytes32 nonSignersHash_)
        external
        onlyVerifier
        returns (bool recorded)
    {
        if (r.leafCount == 0) revert EmptyRoot();
        if (roots[root].leafCount != 0) return false;
        roots[root] = r;
        nonSignersHash[root] = nonSignersHash_;
        return true;
    }

    /// @notice Mirrors the verifier's default threshold.
    /// @param bps The default threshold, in basis points.
    function setDefaultThreshold(uint16 bps) external onlyVerifier {
        thresholds.defaultBps = bps;
    }

    /// @notice Mirrors the verifier's threshold of `rollupId` (0: the default).
    /// @param rollupId The rollup.
    /// @param bps Its threshold, in basis points.
    function setRollupThreshold(uint64 rollupId, uint16 bps) external onlyVerifier {
        rollupThresholdBps[rollupId] = bps;
        if (bps != 0) thresholds.anyRollupThreshold = true;
    }

    // ---------------------------------------------------------------------------------------------
    // IVigilBatchCheckpoints
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IVigilBatchCheckpoints
    function isCertifiedInBatch(Checkpoint calldata cp, bytes32 root, InclusionProof calldata proof)
        external
        view
        returns (bool)
    {
        Root memory r = roots[root];
        if (r.leafCount == 0) return false;
        if (!BatchLib.verifyInclusion(root, r.leafCount, BatchLib.leafHashCalldata(cp), proof)) return false;
        Thresholds memory t = thresholds;
        uint256 bps = t.anyRollupThreshold ? rollupThresholdBps[cp.rollupId] : 0;
        if (bps == 0) bps = t.defaultBps;
        // No threshold mirrored yet (never attached): nothing is certified.
        return bps != 0 && uint256(r.signedWeight) * 10_000 >= bps * uint256(r.totalWeight);
    }

    /// @inheritdoc IVigilBatchCheckpoints
    function batchCertifiedStake(bytes32 root) external view returns (uint256 signedWeight, uint256 totalWeight) {
        Root storage r = roots[root];
        return (r.signedWeight, r.totalWeight);
    }
}
