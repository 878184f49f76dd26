// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchHeader, BatchLib, InclusionProof} from "../../src/libraries/BatchLib.sol";
import {Checkpoint} from "../../src/libraries/CheckpointLib.sol";

/// @dev External wrappers so tests can reach BatchLib's calldata functions (and compare them with the
///      memory ones).
contract BatchHarness {
    function leafHash(Checkpoint memory cp) external pure returns (bytes32) {
        return BatchLib.leafHash(cp);
    }

    function leafHashCalldata(Checkpoint calldata cp) external pure returns (bytes32) {
        return BatchLib.leafHashCalldata(cp);
    }

    function digest(BatchHeader memory header, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        external
        pure
        returns (bytes32)
    {
        return BatchLib.digest(header, l1ChainId, verifier, operatorSetId);
    }

    function digestCalldata(BatchHeader calldata header, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        external
        pure
        returns (bytes32)
    {
        return BatchLib.digestCalldata(header, l1ChainId, verifier, operatorSetId);
    }

    /// @dev The inclusion check alone, as a rollup holding a root it trusts would make it: the leaf of
    ///      `cp` and the fold of its proof.
    function includes(Checkpoint calldata cp, bytes32 root, uint32 leafCount, InclusionProof calldata proof)
        external
        pure
        returns (bool)
    {
        return BatchLib.verifyInclusion(root, leafCount, BatchLib.leafHashCalldata(cp), proof);
    }

    function verifyInclusion(bytes32 root, uint32 leafCount, bytes32 leaf, InclusionProof calldata proof)
        external
        pure
        returns (bool)
    {
        return BatchLib.verifyInclusion(root, leafCount, leaf, proof);
    }
}

/// @dev Builds batch trees and inclusion proofs the way an aggregator does (off-chain in production).
library BatchTrees {
    /// @dev The siblings of leaf `index` from the leaf level up, in the tree of `leaves` padded with
    ///      zero leaves to a power of two.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (InclusionProof memory p) {
        uint256 width = 1;
        uint256 d;
        while (width < leaves.length) {
            width <<= 1;
            ++d;
        }
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i; i < leaves.length; ++i) {
            level[i] = leaves[i];
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        p.index = uint32(index);
        p.siblings = new bytes32[](d);
        for (uint256 k; k < d; ++k) {
            p.siblings[k] = level[index ^ 1];
            width >>= 1;
            for (uint256 i; i < width; ++i) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            index >>= 1;
        }
    }

    /// @dev `n` checkpoints in the pinned order (ascending by rollupId, then height), over a few
    ///      rollups, with l1Blocks in [fromL1Block, toL1Block].
    function checkpoints(uint256 n, uint64 fromL1Block, uint64 toL1Block, bytes32 seed)
        internal
        pure
        returns (Checkpoint[] memory cps)
    {
        cps = new Checkpoint[](n);
        uint64 span = toL1Block - fromL1Block + 1;
        for (uint256 i; i < n; ++i) {
            bytes32 h = keccak256(abi.encode(seed, i));
            // forge-lint: disable-next-line(unsafe-typecast)
            uint64 rollupId = 901 + uint64(i / 8); // eight heights per rollup
            // forge-lint: disable-next-line(unsafe-typecast)
            uint64 height = 100 + uint64(i % 8);
            cps[i] = Checkpoint(
                rollupId,
                height,
                h,
                keccak256(abi.encode("state", h)),
                keccak256(abi.encode("da", h)),
                // forge-lint: disable-next-line(unsafe-typecast)
                fromL1Block + uint64(uint256(h) % span)
            );
        }
    }

    function leafHashes(Checkpoint[] memory cps) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](cps.length);
        for (uint256 i; i < cps.length; ++i) {
            l[i] = BatchLib.leafHash(cps[i]);
        }
    }
}
