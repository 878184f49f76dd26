// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Checkpoint} from "./CheckpointLib.sol";

/// @notice What operators sign for a batch of checkpoints (VIGIL_BATCH_V1; pinned format).
/// @param root The Merkle root over the batch's leaves ({BatchLib.leafHash} of each checkpoint,
///        ascending by (rollupId, height), padded with zero leaves to a power of two).
/// @param leafCount The number of checkpoints (>= 1), before padding.
/// @param fromL1Block The lowest l1Block a leaf may have (an off-chain rule: leaves are not seen here).
/// @param toL1Block The highest l1Block a leaf may have; also the stake reference block.
struct BatchHeader {
    bytes32 root;
    uint32 leafCount;
    uint64 fromL1Block;
    uint64 toL1Block;
}

/// @notice A checkpoint's place in a batch.
/// @param index The leaf's position (< leafCount).
/// @param siblings The sibling hashes from the leaf level up; exactly {BatchLib.depth}(leafCount) of them.
struct InclusionProof {
    uint32 index;
    bytes32[] siblings;
}

/// @title BatchLib
/// @notice Batched certificates (VIGIL_BATCH_V1): leaves, the tree, the header digest and inclusion
///         proofs. Rust's `vigil-types` computes the same values; both are tested against
///         testdata/batches.json.
/// @dev Leaf = keccak256(abi.encode(LEAF_TAG, rollupId, height, blockHash, stateRoot, daCommitment,
///      l1Block)) (224 bytes, no signing domain: the domain is in the batch digest). Internal node =
///      keccak256(left ‖ right) (64 bytes). The leaves are padded with bytes32(0) to P, the next power
///      of two >= leafCount, and the tree's depth is log2(P) (0 for a single leaf, which is the root).
library BatchLib {
    /// @notice keccak256("VIGIL_BATCH_LEAF_V1").
    bytes32 internal constant LEAF_TAG = 0x19176f395db7c3c8ad5d357f93e5a263362f7f16ffe1702633f1664194d6de14;
    /// @notice keccak256("VIGIL_BATCH_V1").
    bytes32 internal constant BATCH_TAG = 0xcf9d0261f081d51ded96756706b578662bf43f341af7518c58d259c1aaa5161b;

    /// @notice computeRoot was given no leaf.
    error EmptyBatch();

    /// @notice The leaf of `cp` in a batch tree.
    function leafHash(Checkpoint memory cp) internal pure returns (bytes32 h) {
        bytes32 tag = LEAF_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            // The struct's six fields are already six clean words in memory.
            mcopy(add(m, 0x20), cp, 0xc0)
            h := keccak256(m, 0xe0)
        }
    }

    /// @notice Same as {leafHash} for a checkpoint in calldata.
    function leafHashCalldata(Checkpoint calldata cp) internal pure returns (bytes32 h) {
        bytes32 tag = LEAF_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            calldatacopy(add(m, 0x20), cp, 0xc0)
            // Clean the uint64 words (see CheckpointLib.digestCalldata).
            mstore(add(m, 0x20), and(mload(add(m, 0x20)), 0xffffffffffffffff))
            mstore(add(m, 0x40), and(mload(add(m, 0x40)), 0xffffffffffffffff))
            mstore(add(m, 0xc0), and(mload(add(m, 0xc0)), 0xffffffffffffffff))
            h := keccak256(m, 0xe0)
        }
    }

    /// @notice The digest operators sign for `header` in the domain (l1ChainId, verifier, operatorSetId).
    /// @dev keccak256(abi.encode(BATCH_TAG, l1ChainId, verifier, operatorSetId, root, leafCount,
    ///      fromL1Block, toL1Block)): 8 words.
    function digest(BatchHeader memory header, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 tag = BATCH_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            mstore(add(m, 0x20), l1ChainId)
            mstore(add(m, 0x40), and(verifier, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(operatorSetId, 0xffffffff))
            mcopy(add(m, 0x80), header, 0x80)
            h := keccak256(m, 0x100)
        }
    }

    /// @notice Same as {digest} for a header in calldata.
    function digestCalldata(BatchHeader calldata header, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 tag = BATCH_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            mstore(add(m, 0x20), l1ChainId)
            mstore(add(m, 0x40), and(verifier, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(operatorSetId, 0xffffffff))
            calldatacopy(add(m, 0x80), header, 0x80)
            mstore(add(m, 0xa0), and(mload(add(m, 0xa0)), 0xffffffff))
            mstore(add(m, 0xc0), and(mload(add(m, 0xc0)), 0xffffffffffffffff))
            mstore(add(m, 0xe0), and(mload(add(m, 0xe0)), 0xffffffffffffffff))
            h := keccak256(m, 0x100)
        }
    }

    /// @notice The depth of a tree of `leafCount` leaves: log2 of the next power of two >= leafCount
    ///         (0 for 0 or 1 leaf), i.e. the bit length of leafCount - 1.
    function depth(uint32 leafCount) internal pure returns (uint256 d) {
        assembly ("memory-safe") {
            let x := sub(leafCount, gt(leafCount, 0))
            // Bit length of x < 2^32, by halving steps.
            let s := shl(4, gt(x, 0xffff))
            x := shr(s, x)
            d := s
            s := shl(3, gt(x, 0xff))
            x := shr(s, x)
            d := or(d, s)
            s := shl(2, gt(x, 0xf))
            x := shr(s, x)
            d := or(d, s)
            s := shl(1, gt(x, 0x3))
            x := shr(s, x)
            d := or(d, s)
            // x < 4 now, whose bit length is x, except 2 for 3.
            d := add(d, sub(x, eq(x, 3)))
        }
    }

    /// @notice True iff `proof` shows `leaf` at `proof.index` of the tree of `leafCount` leaves with
    ///         root `root`: index < leafCount, exactly depth(leafCount) siblings, and they fold to `root`.
    /// @dev Reads the proof from calldata directly, without the ABI decoder's checks: a malformed
    ///      encoding only yields other words to fold (calldata past its end reads as zeros), so it
    ///      cannot make a proof verify that its well-formed reading would not. A dirty index word
    ///      is at least 2^32 > leafCount, hence refused.
    function verifyInclusion(bytes32 root, uint32 leafCount, bytes32 leaf, InclusionProof calldata proof)
        internal
        pure
        returns (bool ok)
    {
        uint256 d = depth(leafCount);
        assembly ("memory-safe") {
            let index := calldataload(proof)
            let siblings := add(proof, calldataload(add(proof, 0x20))) // the array's length word
            if and(lt(index, leafCount), eq(calldataload(siblings), d)) {
                let h := leaf
                for {
                    let p := add(siblings, 0x20)
                    let end := add(p, shl(5, d))
                } lt(p, end) { p := add(p, 0x20) } {
                    // The current hash goes left (scratch word 0) when the index bit is 0, right when 1.
                    let side := shl(5, and(index, 1))
                    mstore(side, h)
                    mstore(xor(side, 0x20), calldataload(p))
                    h := keccak256(0, 0x40)
                    index := shr(1, index)
                }
                ok := eq(h, root)
            }
        }
    }

    /// @notice The root of the tree over `leaves` (at least one), padded with zero leaves to a
    ///         power of two. For tests and off-chain-style checks; it copies the leaves.
    function computeRoot(bytes32[] memory leaves) internal pure returns (bytes32 root) {
        uint256 n = leaves.length;
        if (n == 0) revert EmptyBatch();
        uint256 p = 1;
        while (p < n) p <<= 1;
        bytes32[] memory level = new bytes32[](p);
        assembly ("memory-safe") {
            mcopy(add(level, 0x20), add(leaves, 0x20), shl(5, n))
        }
        while (p > 1) {
            p >>= 1;
            assembly ("memory-safe") {
                let base := add(level, 0x20)
                for { let i := 0 } lt(i, p) { i := add(i, 1) } {
                    mstore(add(base, shl(5, i)), keccak256(add(base, shl(6, i)), 0x40))
                }
            }
        }
        root = level[0];
    }
}
