// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {CheckpointHarness} from "./utils/CheckpointHarness.sol";
import {Test} from "./utils/Test.sol";

contract CheckpointLibTest is Test {
    CheckpointHarness internal h;

    function setUp() public {
        h = new CheckpointHarness();
    }

    function test_tags() public pure {
        assertEq(CheckpointLib.CHECKPOINT_TAG, keccak256("VIGIL_CHECKPOINT_V1"));
        assertEq(CheckpointLib.POP_TAG, keccak256("VIGIL_POP_V1"));
    }

    function testFuzz_digestMatchesAbiEncode(Checkpoint memory cp, uint256 chainId, address verifier, uint32 setId)
        public
        view
    {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("VIGIL_CHECKPOINT_V1"),
                chainId,
                verifier,
                setId,
                cp.rollupId,
                cp.height,
                cp.blockHash,
                cp.stateRoot,
                cp.daCommitment,
                cp.l1Block
            )
        );
        assertEq(CheckpointLib.digest(cp, chainId, verifier, setId), expected);
        assertEq(h.digest(cp, chainId, verifier, setId), expected);
        assertEq(h.digestCalldata(cp, chainId, verifier, setId), expected);
    }

    /// @dev Dirty high bits in a uint64 calldata word must not yield a digest other than the one of
    ///      the ABI-decoded (masked) checkpoint: either the call reverts or the digests agree.
    function test_digestCalldataMasksDirtyInput() public view {
        Checkpoint memory cp = _cp(1, 2, "a", "s");
        bytes memory data = abi.encodeCall(CheckpointHarness.digestCalldata, (cp, 1, address(this), 0));
        data[4 + 23] = 0x01; // a bit above the 64 low bits of rollupId
        data[4 + 32 + 20] = 0x01; // and of height
        (bool ok, bytes memory out) = address(h).staticcall(data);
        if (ok) assertEq(abi.decode(out, (bytes32)), CheckpointLib.digest(cp, 1, address(this), 0));
    }

    function testFuzz_conflictSymmetric(Checkpoint memory a, Checkpoint memory b) public pure {
        assertEq(CheckpointLib.conflicts(a, b), CheckpointLib.conflicts(b, a));
        assertFalse(CheckpointLib.conflicts(a, a), "irreflexive");
    }

    function testFuzz_conflictRule(uint64 rollup, uint64 height, bytes32 bh, bytes32 sr, bytes32 x) public pure {
        Checkpoint memory a = Checkpoint(rollup, height, bh, sr, bytes32(0), 1);
        // Same block, other DA commitment and L1 block: not a conflict.
        Checkpoint memory b = Checkpoint(rollup, height, bh, sr, x, 2);
        assertFalse(CheckpointLib.conflicts(a, b));
        // Other block hash or state root at the same height: conflict.
        if (x != bh) assertTrue(CheckpointLib.conflicts(a, Checkpoint(rollup, height, x, sr, bytes32(0), 1)));
        if (x != sr) assertTrue(CheckpointLib.conflicts(a, Checkpoint(rollup, height, bh, x, bytes32(0), 1)));
        // Other height or rollup: never a conflict.
        assertFalse(CheckpointLib.conflicts(a, Checkpoint(rollup, height ^ 1, x, x, x, 1)));
        assertFalse(CheckpointLib.conflicts(a, Checkpoint(rollup ^ 1, height, x, x, x, 1)));
    }

    function testFuzz_popMessage(uint256 chainId, address registrar, address operator, bytes memory pk) public pure {
        assertEq(
            CheckpointLib.popMessage(chainId, registrar, operator, pk),
            keccak256(abi.encode(keccak256("VIGIL_POP_V1"), chainId, registrar, operator, keccak256(pk)))
        );
    }

    function testFuzz_daCommitment(bytes32[] memory hashes) public pure {
        assertEq(CheckpointLib.daCommitment(hashes), keccak256(abi.encodePacked(hashes)));
    }

    function test_gas_digest() public {
        Checkpoint memory cp = _cp(10, 20, "b", "s");
        uint256 g = gasleft();
        CheckpointLib.digest(cp, 1, address(this), 0);
        emit log_named_uint("digest (internal)", g - gasleft());
    }

    function _cp(uint64 rollup, uint64 height, bytes32 bh, bytes32 sr) internal pure returns (Checkpoint memory) {
        return Checkpoint(rollup, height, bh, sr, keccak256("da"), 100);
    }
}
