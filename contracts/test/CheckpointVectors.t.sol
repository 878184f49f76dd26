// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BLS12381} from "../src/libraries/BLS12381.sol";
import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {BLS12381Harness} from "./utils/BLS12381Harness.sol";
import {Test} from "./utils/Test.sol";

/// @notice Solidity against the vectors that Rust's `vigil-types`/`vigil-crypto` write to
///         testdata/checkpoints.json: digests, the conflict rule, PoP messages and signatures, checkpoint
///         signatures and DA commitments must agree bit for bit.
/// @dev The path can be overridden with VIGIL_CHECKPOINTS_JSON (it must be readable under
///      foundry.toml's fs_permissions). Every section is counted and must be non-empty.
contract CheckpointVectorsTest is Test {
    string internal constant DEFAULT_PATH = "../testdata/checkpoints.json";

    BLS12381Harness internal bls;
    string internal json;

    /// @dev A missing file fails every test here (readFile reverts): the vectors are committed.
    function setUp() public {
        bls = new BLS12381Harness();
        json = vm.readFile(vm.envOr("VIGIL_CHECKPOINTS_JSON", DEFAULT_PATH));
    }

    function test_digests() public view {
        uint256 n = _count(".checkpoints");
        assertGe(n, 20, "at least 20 checkpoints");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".checkpoints[", vm.toString(i), "]");
            (Checkpoint memory cp, uint256 chainId, address verifier, uint32 setId) = _checkpoint(k);
            bytes32 expected = vm.parseJsonBytes32(json, string.concat(k, ".digest"));
            assertEq(CheckpointLib.digest(cp, chainId, verifier, setId), expected, _name(k));
        }
    }

    function test_conflicts() public view {
        uint256 n = _count(".conflicts");
        assertGt(n, 0, "no conflict vectors");
        for (uint256 i; i < n; ++i) {
            _checkConflict(string.concat(".conflicts[", vm.toString(i), "]"));
        }
    }

    function _checkConflict(string memory k) internal view {
        string memory a =
            string.concat(".checkpoints[", vm.toString(vm.parseJsonUint(json, string.concat(k, ".a"))), "]");
        string memory b =
            string.concat(".checkpoints[", vm.toString(vm.parseJsonUint(json, string.concat(k, ".b"))), "]");
        (Checkpoint memory ca, uint256 chainA, address verA, uint32 setA) = _checkpoint(a);
        (Checkpoint memory cb, uint256 chainB, address verB, uint32 setB) = _checkpoint(b);
        // The vectors pair checkpoints of one domain; the rule itself ignores the domain.
        assertEq(chainA, chainB, "same l1ChainId");
        assertEq(verA, verB);
        assertEq(uint256(setA), uint256(setB), "same operatorSetId");
        bool expected = vm.parseJsonBool(json, string.concat(k, ".conflict"));
        assertEq(CheckpointLib.conflicts(ca, cb), expected, k);
        assertEq(CheckpointLib.conflicts(cb, ca), expected, "symmetric");
    }

    function test_pops() public view {
        uint256 n = _count(".pops");
        assertGt(n, 0, "no pop vectors");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".pops[", vm.toString(i), "]");
            uint256 chainId = _uint(string.concat(k, ".l1ChainId"));
            address registrar = vm.parseJsonAddress(json, string.concat(k, ".registrar"));
            address operator = vm.parseJsonAddress(json, string.concat(k, ".operator"));
            bytes memory pk = vm.parseJsonBytes(json, string.concat(k, ".pubkey"));
            bytes32 message = vm.parseJsonBytes32(json, string.concat(k, ".message"));
            bytes memory sig = vm.parseJsonBytes(json, string.concat(k, ".signature"));
            assertEq(pk.length, 256);
            assertEq(sig.length, 128);

            assertEq(CheckpointLib.popMessage(chainId, registrar, operator, pk), message, "pop message");
            assertTrue(bls.verify(pk, message, sig, BLS12381.DST_POP), "pop verifies");
            // Mutations: the signature-ciphersuite DST, another message, another (valid) signature point.
            assertFalse(bls.verify(pk, message, sig, BLS12381.DST_SIG), "pop under sig DST");
            assertFalse(bls.verify(pk, message ^ bytes32(uint256(1)), sig, BLS12381.DST_POP), "mutated message");
            bytes memory otherSig = bls.g1Add(sig, BLS12381.G1_GENERATOR);
            assertFalse(bls.verify(pk, message, otherSig, BLS12381.DST_POP), "mutated signature");
            // Bound to the operator: the same key and signature do not prove possession for another.
            bytes32 stolen = CheckpointLib.popMessage(chainId, registrar, address(uint160(operator) ^ 1), pk);
            assertFalse(bls.verify(pk, stolen, sig, BLS12381.DST_POP), "front-run");
        }
    }

    function test_signatures() public view {
        uint256 n = _count(".signatures");
        assertGt(n, 0, "no signature vectors");
        uint256 valid;
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".signatures[", vm.toString(i), "]");
            bytes memory pk = vm.parseJsonBytes(json, string.concat(k, ".pubkey"));
            bytes32 message = vm.parseJsonBytes32(json, string.concat(k, ".message"));
            bytes memory sig = vm.parseJsonBytes(json, string.concat(k, ".signature"));
            bool expected = vm.parseJsonBool(json, string.concat(k, ".valid"));
            // Malformed points make the precompiles (and so verify) revert: that is "invalid" too.
            bool ok;
            try bls.verify(pk, message, sig, BLS12381.DST_SIG) returns (bool v) {
                ok = v;
            } catch {
                ok = false;
            }
            assertEq(ok, expected, string.concat("signature ", vm.toString(i)));
            if (expected) ++valid;
        }
        assertGt(valid, 0, "no valid signature vector");
    }

    function test_daCommitments() public view {
        uint256 n = _count(".daCommitments");
        assertGt(n, 0, "no DA vectors");
        for (uint256 i; i < n; ++i) {
            string memory k = string.concat(".daCommitments[", vm.toString(i), "]");
            uint256 m = _count(string.concat(k, ".versionedHashes"));
            bytes32[] memory hashes = new bytes32[](m);
            for (uint256 j; j < m; ++j) {
                hashes[j] = vm.parseJsonBytes32(json, string.concat(k, ".versionedHashes[", vm.toString(j), "]"));
            }
            bytes32 expected = vm.parseJsonBytes32(json, string.concat(k, ".commitment"));
            assertEq(CheckpointLib.daCommitment(hashes), expected, string.concat("da ", vm.toString(i)));
        }
    }

    // ------------------------------------------------------------------ JSON helpers

    function _checkpoint(string memory k)
        internal
        view
        returns (Checkpoint memory cp, uint256 chainId, address verifier, uint32 setId)
    {
        chainId = _uint(string.concat(k, ".domain.l1ChainId"));
        verifier = vm.parseJsonAddress(json, string.concat(k, ".domain.verifier"));
        setId = uint32(_checkedUint(string.concat(k, ".domain.operatorSetId"), type(uint32).max));
        string memory c = string.concat(k, ".checkpoint");
        cp.rollupId = uint64(_checkedUint(string.concat(c, ".rollupId"), type(uint64).max));
        cp.height = uint64(_checkedUint(string.concat(c, ".height"), type(uint64).max));
        cp.blockHash = vm.parseJsonBytes32(json, string.concat(c, ".blockHash"));
        cp.stateRoot = vm.parseJsonBytes32(json, string.concat(c, ".stateRoot"));
        cp.daCommitment = vm.parseJsonBytes32(json, string.concat(c, ".daCommitment"));
        cp.l1Block = uint64(_checkedUint(string.concat(c, ".l1Block"), type(uint64).max));
    }

    /// @dev uint values are decimal strings in the vector file (JSON numbers lose precision past 2^53).
    function _uint(string memory key) internal view returns (uint256) {
        return vm.parseUint(vm.parseJsonString(json, key));
    }

    function _checkedUint(string memory key, uint256 max) internal view returns (uint256 v) {
        v = _uint(key);
        assertLe(v, max, key);
    }

    function _name(string memory k) internal view returns (string memory) {
        return
            vm.keyExistsJson(json, string.concat(k, ".name")) ? vm.parseJsonString(json, string.concat(k, ".name")) : k;
    }

    function _count(string memory key) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(key, "[", vm.toString(n), "]"))) ++n;
    }
}
