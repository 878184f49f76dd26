// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A rollup checkpoint as operators sign it (DESIGN.md, "Checkpoints"; pinned format).
/// @param rollupId The L2's EIP-155 chain id.
/// @param height The L2 block number.
/// @param blockHash The L2 block hash at `height`.
/// @param stateRoot The L2 state root at `height`.
/// @param daCommitment keccak256(abi.encodePacked(versionedHashes)) of the blobs carrying the batch.
/// @param l1Block The L1 block that included the batch; also the stake reference block.
struct Checkpoint {
    uint64 rollupId;
    uint64 height;
    bytes32 blockHash;
    bytes32 stateRoot;
    bytes32 daCommitment;
    uint64 l1Block;
}

/// @title CheckpointLib
/// @notice The pinned digests of Vigil. Rust's `vigil-types` computes the same values; both are tested
///         against testdata/checkpoints.json.
library CheckpointLib {
    /// @notice keccak256("VIGIL_CHECKPOINT_V1").
    bytes32 internal constant CHECKPOINT_TAG = 0xf6c5ce4df710b7362135e0220f80d23e9c6e1625d01dd472da3c4a6e2c7ae3a1;
    /// @notice keccak256("VIGIL_POP_V1").
    bytes32 internal constant POP_TAG = 0x09973fb6245c57f751db33a474d4d7e705ff21e25d02cbb55714a300c0fd306f;

    /// @notice The digest an operator signs for `cp` in the domain (l1ChainId, verifier, operatorSetId).
    /// @dev keccak256(abi.encode(CHECKPOINT_TAG, l1ChainId, verifier, operatorSetId, rollupId, height,
    ///      blockHash, stateRoot, daCommitment, l1Block)), computed in place over 320 bytes.
    function digest(Checkpoint memory cp, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 tag = CHECKPOINT_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            mstore(add(m, 0x20), l1ChainId)
            mstore(add(m, 0x40), and(verifier, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(operatorSetId, 0xffffffff))
            // The struct's six fields are already six clean words in memory.
            mcopy(add(m, 0x80), cp, 0xc0)
            h := keccak256(m, 0x140)
        }
    }

    /// @notice Same as {digest} for a checkpoint in calldata.
    function digestCalldata(Checkpoint calldata cp, uint256 l1ChainId, address verifier, uint32 operatorSetId)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 tag = CHECKPOINT_TAG;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, tag)
            mstore(add(m, 0x20), l1ChainId)
            mstore(add(m, 0x40), and(verifier, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(operatorSetId, 0xffffffff))
            calldatacopy(add(m, 0x80), cp, 0xc0)
            // Calldata is not validated by the copy: clean the uint64 fields so a dirty encoding
            // cannot produce a digest different from the ABI-decoded values.
            mstore(add(m, 0x80), and(mload(add(m, 0x80)), 0xffffffffffffffff))
            mstore(add(m, 0xa0), and(mload(add(m, 0xa0)), 0xffffffffffffffff))
            mstore(add(m, 0x120), and(mload(add(m, 0x120)), 0xffffffffffffffff))
            h := keccak256(m, 0x140)
        }
    }

    /// @notice True iff `a` and `b` are the same L2 block height of the same rollup with a different
    ///         block hash or state root. A different daCommitment or l1Block alone is not a conflict.
    ///         The signing domain is the caller's concern (it is part of the digest).
    function conflicts(Checkpoint memory a, Checkpoint memory b) internal pure returns (bool) {
        return
            a.rollupId == b.rollupId && a.height == b.height
                && (a.blockHash != b.blockHash || a.stateRoot != b.stateRoot);
    }

    /// @notice The message an operator signs, under the PoP DST, to prove possession of `pubkey` for
    ///         registration with `registrar` as `operator` on chain `l1ChainId`.
    function popMessage(uint256 l1ChainId, address registrar, address operator, bytes memory pubkey)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(POP_TAG, l1ChainId, registrar, operator, keccak256(pubkey)));
    }

    /// @notice keccak256(abi.encodePacked(versionedHashes)): the blobs carrying a batch, in order.
    function daCommitment(bytes32[] memory versionedHashes) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(versionedHashes, 0x20), shl(5, mload(versionedHashes)))
        }
    }
}
