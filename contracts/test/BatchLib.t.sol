// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {BatchHarness, BatchTrees} from "./utils/BatchHarness.sol";
import {Test} from "./utils/Test.sol";

/// @notice BatchLib against the format's definition written out with abi.encode, and the tree and
///         proofs against an independent builder ({BatchTrees}). Rust agrees on the same values
///         through testdata/batches.json (BatchVectors.t.sol).
contract BatchLibTest is Test {
    BatchHarness internal h;

    function setUp() public {
        h = new BatchHarness();
    }

    function test_tags() public pure {
        assertEq(BatchLib.LEAF_TAG, keccak256("VIGIL_BATCH_LEAF_V1"));
        assertEq(BatchLib.BATCH_TAG, keccak256("VIGIL_BATCH_V1"));
    }

    function testFuzz_leafHashMatchesAbiEncode(Checkpoint memory cp) public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("VIGIL_BATCH_LEAF_V1"),
                cp.rollupId,
                cp.height,
                cp.blockHash,
                cp.stateRoot,
                cp.daCommitment,
                cp.l1Block
            )
        );
        assertEq(BatchLib.leafHash(cp), expected);
        assertEq(h.leafHash(cp), expected);
        assertEq(h.leafHashCalldata(cp), expected);
    }

    function testFuzz_digestMatchesAbiEncode(BatchHeader memory hd, uint256 chainId, address verifier, uint32 setId)
        public
        view
    {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("VIGIL_BATCH_V1"),
                chainId,
                verifier,
                setId,
                hd.root,
                hd.leafCount,
                hd.fromL1Block,
                hd.toL1Block
            )
        );
        assertEq(BatchLib.digest(hd, chainId, verifier, setId), expected);
        assertEq(h.digest(hd, chainId, verifier, setId), expected);
        assertEq(h.digestCalldata(hd, chainId, verifier, setId), expected);
    }

    /// @dev Dirty high bits in a calldata word must not yield a hash other than the one of the
    ///      ABI-decoded (masked) values: either the call reverts or the results agree.
    function test_calldataVariantsMaskDirtyInput() public view {
        Checkpoint memory cp = Checkpoint(1, 2, "b", "s", "d", 3);
        bytes memory data = abi.encodeCall(BatchHarness.leafHashCalldata, (cp));
        data[4 + 23] = 0x01; // above rollupId's 64 bits
        data[4 + 32 + 20] = 0x01; // height
        data[4 + 160 + 3] = 0x01; // l1Block
        (bool ok, bytes memory out) = address(h).staticcall(data);
        if (ok) assertEq(abi.decode(out, (bytes32)), BatchLib.leafHash(cp));

        BatchHeader memory hd = BatchHeader("root", 3, 70, 80);
        data = abi.encodeCall(BatchHarness.digestCalldata, (hd, 1, address(this), 0));
        data[4 + 32 + 27] = 0x01; // above leafCount's 32 bits
        data[4 + 64 + 23] = 0x01; // fromL1Block
        data[4 + 96 + 0] = 0x01; // toL1Block
        (ok, out) = address(h).staticcall(data);
        if (ok) assertEq(abi.decode(out, (bytes32)), BatchLib.digest(hd, 1, address(this), 0));
    }

    function test_depth() public pure {
        uint32[12] memory counts = [uint32(0), 1, 2, 3, 4, 5, 8, 9, 100, 1000, 1024, type(uint32).max];
        uint256[12] memory depths = [uint256(0), 0, 1, 2, 2, 3, 3, 4, 7, 10, 10, 32];
        for (uint256 i; i < counts.length; ++i) {
            assertEq(BatchLib.depth(counts[i]), depths[i], vm.toString(counts[i]));
        }
    }

    function testFuzz_depthIsLog2OfThePaddedWidth(uint32 n) public pure {
        uint256 width = 1;
        uint256 d;
        while (width < n) {
            width <<= 1;
            ++d;
        }
        assertEq(BatchLib.depth(n), d);
    }

    function test_computeRootSmallTrees() public pure {
        bytes32 a = keccak256("a");
        bytes32 b = keccak256("b");
        bytes32 c = keccak256("c");
        bytes32[] memory one = new bytes32[](1);
        one[0] = a;
        assertEq(BatchLib.computeRoot(one), a, "a single leaf is the root");
        bytes32[] memory three = new bytes32[](3);
        (three[0], three[1], three[2]) = (a, b, c);
        bytes32 expected =
            keccak256(abi.encodePacked(keccak256(abi.encodePacked(a, b)), keccak256(abi.encodePacked(c, bytes32(0)))));
        assertEq(BatchLib.computeRoot(three), expected, "padded with a zero leaf");
    }

    function test_computeRootRefusesNoLeaf() public {
        vm.expectRevert(BatchLib.EmptyBatch.selector);
        this.computeRoot(new bytes32[](0));
    }

    function computeRoot(bytes32[] memory leaves) external pure returns (bytes32) {
        return BatchLib.computeRoot(leaves);
    }

    /// @dev For random leaf sets of 1..64 leaves: every proof verifies, and a flipped sibling, another
    ///      index, a proof one sibling short or long, another leaf count or another root fails.
    function testFuzz_proofs(bytes32 seed, uint8 count) public view {
        uint256 n = uint256(count) % 64 + 1;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
        bytes32 root = BatchLib.computeRoot(leaves);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 n32 = uint32(n);
        for (uint256 i; i < n; ++i) {
            InclusionProof memory p = BatchTrees.proof(leaves, i);
            assertEq(p.siblings.length, BatchLib.depth(n32), "proof length");
            assertTrue(h.verifyInclusion(root, n32, leaves[i], p), "member");
            _assertMutationsFail(root, n32, leaves, i, p, seed);
        }
        // Leaves not in the tree: the zero padding leaf and a stranger.
        if (n32 & (n32 - 1) != 0) {
            InclusionProof memory pad = BatchTrees.proof(leaves, n);
            assertFalse(h.verifyInclusion(root, n32, bytes32(0), pad), "padding leaf");
        }
        assertFalse(h.verifyInclusion(root, n32, keccak256(abi.encode(seed, n)), BatchTrees.proof(leaves, 0)));
    }

    function _assertMutationsFail(
        bytes32 root,
        uint32 n,
        bytes32[] memory leaves,
        uint256 i,
        InclusionProof memory p,
        bytes32 seed
    ) internal view {
        bytes32 leaf = leaves[i];
        uint256 d = p.siblings.length;
        if (d > 0) {
            uint256 k = uint256(keccak256(abi.encode(seed, "k", i))) % d;
            bytes32 saved = p.siblings[k];
            p.siblings[k] = saved ^ bytes32(uint256(1) << (uint256(seed) % 256));
            assertFalse(h.verifyInclusion(root, n, leaf, p), "flipped sibling");
            p.siblings[k] = saved;
            // Another index: each bit of the index picks a side, so any other index fails.
            uint32 saved32 = p.index;
            p.index = uint32((i ^ (uint256(1) << k)) % n);
            if (p.index != saved32) assertFalse(h.verifyInclusion(root, n, leaf, p), "other index");
            p.index = saved32;
        }
        // Index out of range (the same path bits, one tree width further).
        // forge-lint: disable-next-line(unsafe-typecast)
        p.index = uint32(i + (uint256(1) << d));
        assertFalse(h.verifyInclusion(root, n, leaf, p), "index >= leafCount");
        // forge-lint: disable-next-line(unsafe-typecast)
        p.index = uint32(i);
        // One sibling short or long, or another leafCount with another depth.
        bytes32[] memory siblings = p.siblings;
        bytes32[] memory longer = new bytes32[](d + 1);
        for (uint256 k; k < d; ++k) {
            longer[k] = siblings[k];
        }
        p.siblings = longer;
        assertFalse(h.verifyInclusion(root, n, leaf, p), "one sibling too many");
        if (d > 0) {
            bytes32[] memory shorter = new bytes32[](d - 1);
            for (uint256 k; k + 1 < d; ++k) {
                shorter[k] = siblings[k];
            }
            p.siblings = shorter;
            assertFalse(h.verifyInclusion(root, n, leaf, p), "one sibling short");
        }
        p.siblings = siblings;
        assertFalse(h.verifyInclusion(root, uint32(2 * (uint256(1) << d) + 1), leaf, p), "other depth");
        assertFalse(h.verifyInclusion(root ^ bytes32(uint256(1)), n, leaf, p), "other root");
        assertTrue(h.verifyInclusion(root, n, leaf, p), "restored");
    }

    /// @dev The example an aggregator builds: checkpoints in the pinned order, their leaves, the root.
    function test_checkpointBatch() public view {
        Checkpoint[] memory cps = BatchTrees.checkpoints(5, 70, 80, "seed");
        bytes32[] memory leaves = BatchTrees.leafHashes(cps);
        bytes32 root = BatchLib.computeRoot(leaves);
        for (uint256 i; i < cps.length; ++i) {
            assertTrue(h.verifyInclusion(root, 5, BatchLib.leafHash(cps[i]), BatchTrees.proof(leaves, i)));
            assertTrue(cps[i].l1Block >= 70 && cps[i].l1Block <= 80, "l1Block in range");
        }
    }
}
