// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {BatchHarness, BatchTrees} from "./utils/BatchHarness.sol";
import {Test} from "./utils/Test.sol";

/// @notice Solidity against the batch vectors that Rust's `vigil-types` writes to
///         testdata/batches.json (`cargo run -p vigil-testgen -- batches testdata/batches.json`):
///         tags, leaves, roots, depths, digests and inclusion proofs (VIGIL_BATCH_V1) must agree bit for
///         bit, and every bad proof must fail.
/// @dev The path can be overridden with VIGIL_BATCHES_JSON (it must be readable under foundry.toml's
///      fs_permissions). A missing file fails every test here: the vectors are committed.
contract BatchVectorsTest is Test {
    string internal constant DEFAULT_PATH = "../testdata/batches.json";

    BatchHarness internal h;
    string internal json;

    function setUp() public {
        h = new BatchHarness();
        json = vm.readFile(vm.envOr("VIGIL_BATCHES_JSON", DEFAULT_PATH));
    }

    function test_tags() public view {
        assertEq(vm.parseJsonBytes32(json, ".leafTag"), BatchLib.LEAF_TAG, "leafTag");
        assertEq(vm.parseJsonBytes32(json, ".batchTag"), BatchLib.BATCH_TAG, "batchTag");
    }

    /// @dev Each batch: its checkpoints in the pinned order within [fromL1Block, toL1Block], their
    ///      leaves, the root, the depth and the digest.
    function test_batches() public view {
        uint256 n = _count(".batches");
        assertGe(n, 5, "at least 5 batches");
        for (uint256 b; b < n; ++b) {
            _checkBatch(string.concat(".batches[", vm.toString(b), "]"));
        }
    }

    function _checkBatch(string memory k) internal view {
        string memory name = vm.parseJsonString(json, string.concat(k, ".name"));
        BatchHeader memory hd = _header(k);
        Checkpoint[] memory cps = _checkpoints(k);
        bytes32[] memory leaves = vm.parseJsonBytes32Array(json, string.concat(k, ".leaves"));
        assertEq(cps.length, leaves.length, name);
        assertEq(uint256(hd.leafCount), cps.length, string.concat(name, ": leafCount"));
        assertGe(hd.toL1Block, hd.fromL1Block, name);
        for (uint256 i; i < cps.length; ++i) {
            string memory where = string.concat(name, ": checkpoint ", vm.toString(i));
            assertEq(BatchLib.leafHash(cps[i]), leaves[i], where);
            assertEq(h.leafHashCalldata(cps[i]), leaves[i], where);
            assertTrue(cps[i].l1Block >= hd.fromL1Block && cps[i].l1Block <= hd.toL1Block, where);
            if (i > 0) {
                // Pinned order: strictly ascending by (rollupId, height).
                Checkpoint memory prev = cps[i - 1];
                assertTrue(
                    prev.rollupId < cps[i].rollupId
                        || (prev.rollupId == cps[i].rollupId && prev.height < cps[i].height),
                    string.concat(where, ": pinned order")
                );
            }
        }
        assertEq(BatchLib.computeRoot(leaves), hd.root, string.concat(name, ": root"));
        assertEq(BatchLib.depth(hd.leafCount), _uint(string.concat(k, ".depth")), string.concat(name, ": depth"));

        uint256 chainId = _uint(string.concat(k, ".domain.l1ChainId"));
        address verifier = vm.parseJsonAddress(json, string.concat(k, ".domain.verifier"));
        uint32 setId = uint32(_checkedUint(string.concat(k, ".domain.operatorSetId"), type(uint32).max));
        bytes32 digest = vm.parseJsonBytes32(json, string.concat(k, ".digest"));
        assertEq(BatchLib.digest(hd, chainId, verifier, setId), digest, string.concat(name, ": digest"));
        assertEq(h.digestCalldata(hd, chainId, verifier, setId), digest, string.concat(name, ": digest"));
    }

    /// @dev Every leaf's proof verifies (and is the one our own builder makes).
    function test_proofs() public view {
        uint256 n = _count(".batches");
        uint256 total;
        for (uint256 b; b < n; ++b) {
            string memory k = string.concat(".batches[", vm.toString(b), "]");
            BatchHeader memory hd = _header(k);
            bytes32[] memory leaves = vm.parseJsonBytes32Array(json, string.concat(k, ".leaves"));
            assertEq(_count(string.concat(k, ".proofs")), leaves.length, "one proof per leaf");
            for (uint256 i; i < leaves.length; ++i) {
                InclusionProof memory p = _proof(string.concat(k, ".proofs[", vm.toString(i), "]"));
                string memory where = string.concat(k, " proof ", vm.toString(i));
                assertEq(uint256(p.index), i, where);
                assertTrue(h.verifyInclusion(hd.root, hd.leafCount, leaves[i], p), where);
                InclusionProof memory ours = BatchTrees.proof(leaves, i);
                assertEq(keccak256(abi.encode(ours)), keccak256(abi.encode(p)), string.concat(where, ": same as ours"));
                ++total;
            }
        }
        assertGt(total, 0, "no proof");
    }

    function test_badProofs() public view {
        uint256 n = _count(".badProofs");
        assertGt(n, 0, "no bad proof");
        for (uint256 j; j < n; ++j) {
            string memory k = string.concat(".badProofs[", vm.toString(j), "]");
            string memory b = string.concat(".batches[", vm.toString(_uint(string.concat(k, ".batch"))), "]");
            BatchHeader memory hd = _header(b);
            bytes32 leaf = vm.parseJsonBytes32(
                json, string.concat(b, ".leaves[", vm.toString(_uint(string.concat(k, ".leaf"))), "]")
            );
            InclusionProof memory p = _proof(k);
            string memory why = string.concat(k, ": ", vm.parseJsonString(json, string.concat(k, ".why")));
            assertFalse(h.verifyInclusion(hd.root, hd.leafCount, leaf, p), why);
        }
    }

    // ------------------------------------------------------------------ JSON helpers

    function _header(string memory k) internal view returns (BatchHeader memory hd) {
        string memory x = string.concat(k, ".header");
        hd.root = vm.parseJsonBytes32(json, string.concat(x, ".root"));
        hd.leafCount = uint32(_checkedUint(string.concat(x, ".leafCount"), type(uint32).max));
        hd.fromL1Block = uint64(_checkedUint(string.concat(x, ".fromL1Block"), type(uint64).max));
        hd.toL1Block = uint64(_checkedUint(string.concat(x, ".toL1Block"), type(uint64).max));
    }

    function _checkpoints(string memory k) internal view returns (Checkpoint[] memory cps) {
        uint256 n = _count(string.concat(k, ".checkpoints"));
        cps = new Checkpoint[](n);
        for (uint256 i; i < n; ++i) {
            string memory c = string.concat(k, ".checkpoints[", vm.toString(i), "]");
            cps[i].rollupId = uint64(_checkedUint(string.concat(c, ".rollupId"), type(uint64).max));
            cps[i].height = uint64(_checkedUint(string.concat(c, ".height"), type(uint64).max));
            cps[i].blockHash = vm.parseJsonBytes32(json, string.concat(c, ".blockHash"));
            cps[i].stateRoot = vm.parseJsonBytes32(json, string.concat(c, ".stateRoot"));
            cps[i].daCommitment = vm.parseJsonBytes32(json, string.concat(c, ".daCommitment"));
            cps[i].l1Block = uint64(_checkedUint(string.concat(c, ".l1Block"), type(uint64).max));
        }
    }

    function _proof(string memory k) internal view returns (InclusionProof memory p) {
        p.index = uint32(_checkedUint(string.concat(k, ".index"), type(uint32).max));
        p.siblings = vm.parseJsonBytes32Array(json, string.concat(k, ".siblings"));
    }

    /// @dev uint values are decimal strings in the vector file (JSON numbers lose precision past 2^53).
    function _uint(string memory key) internal view returns (uint256) {
        return vm.parseUint(vm.parseJsonString(json, key));
    }

    function _checkedUint(string memory key, uint256 max) internal view returns (uint256 v) {
        v = _uint(key);
        assertLe(v, max, key);
    }

    function _count(string memory key) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(key, "[", vm.toString(n), "]"))) ++n;
    }
}
