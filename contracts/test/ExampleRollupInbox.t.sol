// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ExampleRollupInbox} from "../src/examples/ExampleRollupInbox.sol";
import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {BatchTrees} from "./utils/BatchHarness.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice The example consumer on EigenLayer's real v1.3.0 core: four operators of equal stake
///         certify one batch over twelve checkpoints of rollups 901 (eight heights) and 902 (four);
///         rollup 901's inbox accepts its own checkpoints with their proofs and nothing else.
contract ExampleRollupInboxTest is VigilFixture {
    uint64 internal constant FROM = 1000;
    uint64 internal constant TO = 1005;
    uint32 internal constant N = 12;

    Checkpoint[] internal cps;
    bytes32[] internal leaves;
    BatchHeader internal header;
    ExampleRollupInbox internal inbox;

    function setUp() public {
        _deployAndRegister(DEFAULT_POOL, 4);
        Checkpoint[] memory c = BatchTrees.checkpoints(N, FROM, TO, "inbox");
        for (uint256 i; i < N; ++i) {
            cps.push(c[i]);
        }
        leaves = BatchTrees.leafHashes(c);
        header = BatchHeader(BatchLib.computeRoot(leaves), N, FROM, TO);
        inbox = new ExampleRollupInbox(verifier, batchRoots, 901);
    }

    function _proofOf(uint256 i) internal view returns (InclusionProof memory) {
        return BatchTrees.proof(leaves, i);
    }

    function test_acceptsItsCheckpointsFromACertifiedBatch() public {
        // Before the batch is certified: refused.
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptFromBatch(cps[0], header.root, _proofOf(0));

        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 3), _list(4))));
        for (uint256 i; i < 8; ++i) {
            vm.expectEmit(address(inbox));
            emit ExampleRollupInbox.CheckpointAccepted(cps[i].height, cps[i].blockHash, cps[i].stateRoot, header.root);
            assertTrue(inbox.acceptFromBatch(cps[i], header.root, _proofOf(i)));
            assertEq(inbox.stateRootAt(cps[i].height), cps[i].stateRoot);
        }
        assertEq(uint256(inbox.latestHeight()), 107);
        // The same checkpoint again: nothing new.
        assertFalse(inbox.acceptFromBatch(cps[3], header.root, _proofOf(3)));

        // Another rollup's checkpoint, certified in the same batch: not this inbox's.
        vm.expectRevert(abi.encodeWithSelector(ExampleRollupInbox.WrongRollup.selector, uint64(902)));
        inbox.acceptFromBatch(cps[8], header.root, _proofOf(8));
    }

    function test_refusesWithoutAValidProof() public {
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _all(), _none())));
        // Another leaf's proof.
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptFromBatch(cps[2], header.root, _proofOf(1));
        // A forged state root with the genuine proof.
        Checkpoint memory forged = cps[2];
        forged.stateRoot = keccak256("a state root nobody certified");
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptFromBatch(forged, header.root, _proofOf(2));
        // A tree of our own making: its root was never certified.
        leaves[2] = BatchLib.leafHash(forged);
        bytes32 forgedRoot = BatchLib.computeRoot(leaves);
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptFromBatch(forged, forgedRoot, BatchTrees.proof(leaves, 2));
        assertEq(inbox.stateRootAt(forged.height), bytes32(0), "nothing accepted");
    }

    /// @dev The rollup's own threshold applies: a batch signed by 75% is not enough for a rollup that
    ///      asks for 80%, and becomes enough when it asks for 75%.
    function test_appliesTheRollupsThreshold() public {
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 3), _list(4))));
        verifier.queueRollupThreshold(901, 8000);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(901);
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptFromBatch(cps[0], header.root, _proofOf(0));
        verifier.queueRollupThreshold(901, 7500);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(901);
        assertTrue(inbox.acceptFromBatch(cps[0], header.root, _proofOf(0)));
    }

    /// @dev A checkpoint certified alone is accepted too; a conflicting certified state root at a
    ///      height already accepted (a safety failure of the set) halts the inbox for good.
    function test_singleCertificatesAndTheConflictHalt() public {
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _all(), _none())));
        assertTrue(inbox.acceptFromBatch(cps[0], header.root, _proofOf(0)));

        Checkpoint memory next = _checkpoint(200, keccak256("b200"), TO);
        vm.expectRevert(ExampleRollupInbox.NotCertified.selector);
        inbox.acceptCertified(next);
        assertTrue(verifier.submitCertificate(_certificate(next, _all(), _none())));
        assertTrue(inbox.acceptCertified(next));
        assertEq(uint256(inbox.latestHeight()), 200);

        // Three of four sign another block at cps[0]'s height alone: certified, and conflicting.
        Checkpoint memory other = _checkpoint(cps[0].height, keccak256("another block"), TO);
        assertTrue(verifier.submitCertificate(_certificate(other, _list(1, 2, 3), _list(4))));
        vm.expectEmit(address(inbox));
        emit ExampleRollupInbox.ConflictHalted(other.height, cps[0].stateRoot, other.stateRoot);
        assertFalse(inbox.acceptCertified(other));
        assertTrue(inbox.halted());
        assertEq(inbox.stateRootAt(other.height), cps[0].stateRoot, "the first stays");
        vm.expectRevert(ExampleRollupInbox.Halted.selector);
        inbox.acceptFromBatch(cps[1], header.root, _proofOf(1));
    }

    /// @dev What a rollup pays to accept a checkpoint from a batch of 12 (cold).
    function test_gas_acceptFromBatch() public {
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _all(), _none())));
        vm.cool(address(batchRoots));
        assertTrue(inbox.acceptFromBatch(cps[5], header.root, _proofOf(5)));
        emit log_named_uint("ExampleRollupInbox.acceptFromBatch, 12 leaves", vm.lastCallGas().gasTotalUsed);
    }

    function _all() internal pure returns (uint256[] memory) {
        return _list(1, 2, 3, 4);
    }
}
