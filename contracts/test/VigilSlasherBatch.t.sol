// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilSlasher} from "../src/VigilSlasher.sol";
import {BatchCertificate, Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {BatchTrees} from "./utils/BatchHarness.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Evidence kind 3 ({VigilSlasher.submitEquivocation}) on EigenLayer's real v1.3.0 core: a
///         checkpoint inside a batch (VIGIL_BATCH_V1) an operator signed, alone or in an aggregate, is
///         attributable to it exactly like a checkpoint it signed alone. Four operators of equal stake
///         are registered at block 1000 (a fifth, made an EigenLayer operator, is not); evidence is
///         submitted at block 1010. "Slashed" is read from EigenLayer (the operator's max magnitude).
contract VigilSlasherBatchTest is VigilFixture {
    address internal constant COMMITTEE = address(0xc0c0);

    /// @dev A batch as an aggregator builds it: its checkpoints, their leaves and the header.
    struct Batch {
        Checkpoint[] cps;
        bytes32[] leaves;
        BatchHeader header;
    }

    function setUp() public {
        _deployAndRegister(5, 4);
    }

    // ------------------------------------------------------------------ evidence builders

    function _batch(Checkpoint[] memory cps, uint64 from, uint64 to) internal pure returns (Batch memory b) {
        b.cps = cps;
        b.leaves = BatchTrees.leafHashes(cps);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.header = BatchHeader(BatchLib.computeRoot(b.leaves), uint32(cps.length), from, to); // <= 32 leaves
    }

    /// @dev `n` checkpoints of rollups 901.. (l1Blocks in [1001, 1005]) with, at position `k`, `cp`.
    function _batchWith(uint256 n, uint256 k, Checkpoint memory cp, bytes32 seed, uint64 to)
        internal
        pure
        returns (Batch memory)
    {
        Checkpoint[] memory cps = BatchTrees.checkpoints(n, 1001, 1005, seed);
        cps[k] = cp;
        return _batch(cps, 1001, to);
    }

    /// @dev Another block at cp's (rollupId, height).
    function _lie(Checkpoint memory cp, bytes32 tag) internal pure returns (Checkpoint memory) {
        bytes32 h = keccak256(abi.encode(cp.blockHash, tag));
        return Checkpoint(cp.rollupId, cp.height, h, keccak256(abi.encode("state", h)), cp.daCommitment, cp.l1Block);
    }

    /// @dev The same block as `cp`, reposted with another daCommitment and l1Block.
    function _repost(Checkpoint memory cp, uint64 l1Block) internal pure returns (Checkpoint memory) {
        return Checkpoint(cp.rollupId, cp.height, cp.blockHash, cp.stateRoot, keccak256("reposted"), l1Block);
    }

    function _noHeader() internal pure returns (BatchHeader memory) {
        return BatchHeader(bytes32(0), 0, 0, 0);
    }

    function _noProof() internal pure returns (InclusionProof memory) {
        return InclusionProof(0, new bytes32[](0));
    }

    /// @dev Form a: operator i's own signature on `cp`.
    function _alone(uint256 i, Checkpoint memory cp) internal view returns (VigilSlasher.Statement memory) {
        return VigilSlasher.Statement(cp, _noHeader(), _noProof(), "", _sign(i, cp), false);
    }

    /// @dev Form b: an aggregate on `cp` by `signers`, listing `nonSigners`.
    function _onCheckpoint(Checkpoint memory cp, uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (VigilSlasher.Statement memory)
    {
        Certificate memory c = _certificate(cp, signers, nonSigners);
        return VigilSlasher.Statement(cp, _noHeader(), _noProof(), c.nonSignerPubkeys, c.signature, true);
    }

    /// @dev Form c: operator i's own signature on batch `b`, and the proof of its checkpoint `k`.
    function _inBatch(uint256 i, Batch memory b, uint256 k) internal view returns (VigilSlasher.Statement memory) {
        return
            VigilSlasher.Statement(
                b.cps[k], b.header, BatchTrees.proof(b.leaves, k), "", _signBatch(i, b.header), false
            );
    }

    /// @dev Form d: an aggregate on batch `b` by `signers`, listing `nonSigners`, and the proof of `k`.
    function _inBatchAggregate(Batch memory b, uint256 k, uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (VigilSlasher.Statement memory)
    {
        BatchCertificate memory c = _batchCertificate(b.header, signers, nonSigners);
        return VigilSlasher.Statement(
            b.cps[k], b.header, BatchTrees.proof(b.leaves, k), c.nonSignerPubkeys, c.signature, true
        );
    }

    /// @dev Form `form` (0..3 = a..d) of operator i having signed checkpoint `k` of `b` (a and b sign
    ///      the checkpoint itself); aggregates are by operators 1, 2 and 3, operator 4 not signing.
    function _statement(uint256 form, uint256 i, Batch memory b, uint256 k)
        internal
        view
        returns (VigilSlasher.Statement memory)
    {
        if (form == 0) return _alone(i, b.cps[k]);
        if (form == 1) return _onCheckpoint(b.cps[k], _list(1, 2, 3), _list(4));
        if (form == 2) return _inBatch(i, b, k);
        return _inBatchAggregate(b, k, _list(1, 2, 3), _list(4));
    }

    function _expectAlreadyPunished(uint256 i, Checkpoint memory cp) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                VigilSlasher.AlreadyPunished.selector, slasher.offenceId(_operator(i), cp.rollupId, cp.height)
            )
        );
    }

    function _assertOnlySlashed(uint256 offender) internal view {
        for (uint256 i = 1; i <= 5; ++i) {
            assertEq(_slashedWad(i), i == offender ? 5e16 : 0, i == offender ? "slashed once" : "bystander");
        }
    }

    // ------------------------------------------------------------------ one offence, one slash

    /// @dev Operator 2 signed a batch of 12 holding X at position 9, and a conflicting Y alone.
    function test_batchAloneVsCheckpointAlone() public {
        Checkpoint memory x = BatchTrees.checkpoints(12, 1001, 1005, "x")[9];
        Batch memory b = _batchWith(12, 9, x, "x", 1005);
        Checkpoint memory y = _lie(x, "y");
        VigilSlasher.Statement memory inBatch = _inBatch(2, b, 9);
        VigilSlasher.Statement memory alone = _alone(2, y);
        VigilSlasher.SignedCheckpoint memory sx = VigilSlasher.SignedCheckpoint(x, _sign(2, x));
        VigilSlasher.SignedCheckpoint memory sy = VigilSlasher.SignedCheckpoint(y, alone.signature);

        bytes32 id = slasher.offenceId(_operator(2), x.rollupId, x.height);
        vm.expectEmit(address(slasher));
        emit VigilSlasher.OffenceRecorded(id, _operator(2), x.rollupId, x.height, 3);
        assertEq(slasher.submitEquivocation(_operator(2), inBatch, alone), id);
        emit log_named_uint(
            "submitEquivocation, batch of 12 (alone) vs checkpoint alone", vm.lastCallGas().gasTotalUsed
        );
        assertTrue(slasher.isPunished(_operator(2), x.rollupId, x.height));
        _assertOnlySlashed(2);

        // The same offence, proven again in another order or by kind 1: refused.
        _expectAlreadyPunished(2, x);
        slasher.submitEquivocation(_operator(2), alone, inBatch);
        _expectAlreadyPunished(2, x);
        slasher.submitDoubleSign(_operator(2), sx, sy);
        _assertOnlySlashed(2);
    }

    /// @dev A recorded batch certificate (signed by 1, 2, 3; 4 not signing) holds X; operator 1 also
    ///      signed Y alone.
    function test_batchCertificateVsCheckpointAlone() public {
        Checkpoint memory x = BatchTrees.checkpoints(5, 1001, 1005, "cert")[3];
        Batch memory b = _batchWith(5, 3, x, "cert", 1005);
        BatchCertificate memory cert = _batchCertificate(b.header, _list(1, 2, 3), _list(4));
        assertTrue(verifier.submitBatchCertificate(cert));
        assertTrue(batchRoots.isCertifiedInBatch(x, b.header.root, BatchTrees.proof(b.leaves, 3)));
        Checkpoint memory y = _lie(x, "y");
        VigilSlasher.Statement memory recorded = VigilSlasher.Statement(
            x, b.header, BatchTrees.proof(b.leaves, 3), cert.nonSignerPubkeys, cert.signature, true
        );
        VigilSlasher.Statement memory yBy1 = _alone(1, y);
        VigilSlasher.Statement memory yBy4 = _alone(4, y);

        // Operator 4 signed Y but not the batch: no offence.
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(4)));
        slasher.submitEquivocation(_operator(4), recorded, yBy4);
        slasher.submitEquivocation(_operator(1), recorded, yBy1);
        _assertOnlySlashed(1);
        // Operator 1's own signature on the batch, against the same Y: the same offence.
        VigilSlasher.Statement memory own = _inBatch(1, b, 3);
        _expectAlreadyPunished(1, x);
        slasher.submitEquivocation(_operator(1), yBy1, own);
        _assertOnlySlashed(1);
    }

    /// @dev Two different batches whose roots hold X (position 2 of 4) and Y (position 6 of 7) at one
    ///      height: operator 3 signed both alone; both were also signed by 1, 2, 3 as aggregates.
    function test_batchVsBatch() public {
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[2];
        Batch memory a = _batchWith(4, 2, x, "A", 1005);
        Batch memory b = _batchWith(7, 6, _lie(x, "y"), "B", 1007);
        assertTrue(a.header.root != b.header.root);
        VigilSlasher.Statement memory a3 = _inBatch(3, a, 2);
        VigilSlasher.Statement memory b3 = _inBatch(3, b, 6);
        VigilSlasher.Statement memory aAgg = _inBatchAggregate(a, 2, _list(1, 2, 3), _list(4));
        VigilSlasher.Statement memory bAgg = _inBatchAggregate(b, 6, _list(1, 2, 3), _list(4));

        slasher.submitEquivocation(_operator(3), a3, b3);
        _assertOnlySlashed(3);
        _expectAlreadyPunished(3, x);
        slasher.submitEquivocation(_operator(3), bAgg, aAgg);
        // The aggregates prove operator 1's offence as well: another offence, slashed once.
        slasher.submitEquivocation(_operator(1), aAgg, bAgg);
        assertEq(_slashedWad(1), 5e16);
        assertEq(_slashedWad(2), 0);
        assertEq(_slashedWad(3), 5e16, "still once");
        _expectAlreadyPunished(1, x);
        slasher.submitEquivocation(_operator(1), bAgg, aAgg);
        assertEq(_slashedWad(1), 5e16);
    }

    /// @dev A recorded certificate of X (all four) against Y in a batch operator 1 signed.
    function test_aggregateOnCheckpointVsBatch() public {
        Checkpoint memory x = _checkpoint(103, "honest", 1005);
        Certificate memory cert = _certificate(x, _list(1, 2, 3, 4), _none());
        verifier.submitCertificate(cert);
        Checkpoint memory y = _lie(x, "y");
        Batch memory b = _batchWith(8, 3, y, "B", 1006); // BatchTrees puts height 103 at position 3
        VigilSlasher.Statement memory recorded =
            VigilSlasher.Statement(x, _noHeader(), _noProof(), cert.nonSignerPubkeys, cert.signature, true);
        VigilSlasher.Statement memory yInBatch = _inBatch(1, b, 3);
        // Kind 2 and kind 1 evidence of the same offence, to submit after.
        VigilSlasher.Aggregate memory yAgg;
        {
            Certificate memory c = _certificate(y, _list(1), _list(2, 3, 4));
            yAgg = VigilSlasher.Aggregate(y, c.nonSignerPubkeys, c.signature);
        }
        VigilSlasher.SignedCheckpoint memory sx = VigilSlasher.SignedCheckpoint(x, _sign(1, x));
        VigilSlasher.SignedCheckpoint memory sy = VigilSlasher.SignedCheckpoint(y, _sign(1, y));

        slasher.submitEquivocation(_operator(1), recorded, yInBatch);
        _assertOnlySlashed(1);
        _expectAlreadyPunished(1, x);
        slasher.submitCertificateConflict(_operator(1), x, cert.nonSignerPubkeys, yAgg);
        _expectAlreadyPunished(1, x);
        slasher.submitDoubleSign(_operator(1), sx, sy);
        _assertOnlySlashed(1);
    }

    /// @dev The other way round: kinds 1 and 2 punish first, kind 3 is then refused.
    function test_earlierKindsShareTheOffence() public {
        Checkpoint memory x = _checkpoint(104, "honest", 1005);
        Checkpoint memory y = _lie(x, "y");
        Batch memory b = _batchWith(8, 4, y, "B", 1006);
        {
            Certificate memory cert = _certificate(x, _list(1, 2, 3, 4), _none());
            verifier.submitCertificate(cert);
            Certificate memory c = _certificate(y, _list(2), _list(1, 3, 4));
            VigilSlasher.Aggregate memory yAgg = VigilSlasher.Aggregate(y, c.nonSignerPubkeys, c.signature);
            VigilSlasher.SignedCheckpoint memory sx = VigilSlasher.SignedCheckpoint(x, _sign(1, x));
            VigilSlasher.SignedCheckpoint memory sy = VigilSlasher.SignedCheckpoint(y, _sign(1, y));
            slasher.submitDoubleSign(_operator(1), sx, sy);
            slasher.submitCertificateConflict(_operator(2), x, cert.nonSignerPubkeys, yAgg);
        }
        VigilSlasher.Statement memory x1 = _alone(1, x);
        VigilSlasher.Statement memory y1 = _inBatch(1, b, 4);
        VigilSlasher.Statement memory x2 = _alone(2, x);
        VigilSlasher.Statement memory y2 = _inBatch(2, b, 4);
        _expectAlreadyPunished(1, x);
        slasher.submitEquivocation(_operator(1), x1, y1);
        _expectAlreadyPunished(2, x);
        slasher.submitEquivocation(_operator(2), y2, x2);
        assertEq(_slashedWad(1), 5e16);
        assertEq(_slashedWad(2), 5e16);
        assertEq(_slashedWad(3), 0);
    }

    // ------------------------------------------------------------------ never an offence

    /// @dev The same block at one height in two overlapping batches (reposted with another
    ///      daCommitment and l1Block), signed alone and as aggregates: what honest operators do.
    function test_sameBlockInOverlappingBatchesIsNoOffence() public {
        Checkpoint memory x = BatchTrees.checkpoints(6, 1001, 1005, "A")[5];
        Batch memory a = _batchWith(6, 5, x, "A", 1005);
        Batch memory b = _batchWith(9, 5, _repost(x, 1006), "A", 1007); // overlaps a, and goes on
        assertTrue(a.header.root != b.header.root);
        VigilSlasher.Statement memory a1 = _inBatch(1, a, 5);
        VigilSlasher.Statement memory b1 = _inBatch(1, b, 5);
        VigilSlasher.Statement memory aAgg = _inBatchAggregate(a, 5, _list(1, 2, 3), _list(4));
        VigilSlasher.Statement memory bAgg = _inBatchAggregate(b, 5, _list(1, 2, 3), _list(4));
        VigilSlasher.Statement memory xAlone = _alone(1, x);

        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(1), a1, b1);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(1), aAgg, bAgg);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(1), xAlone, bAgg);
        // Another height of each batch: not the same height, not a conflict either.
        VigilSlasher.Statement memory other = _inBatch(1, b, 6);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(1), a1, other);
        _assertOnlySlashed(0);
    }

    /// @dev Operator 1 honestly signed batch A holding X; a lie Y at X's height is passed off as being
    ///      in A through every kind of bad proof.
    function test_forgedInclusionProofRefused() public {
        Checkpoint memory x = BatchTrees.checkpoints(6, 1001, 1005, "A")[2];
        Batch memory a = _batchWith(6, 2, x, "A", 1005);
        Checkpoint memory y = _lie(x, "y");
        VigilSlasher.Statement memory yAlone = _alone(1, y); // as if operator 1 also signed Y
        VigilSlasher.Statement memory xAlone = _alone(1, x);
        VigilSlasher.Statement memory s = _inBatch(1, a, 2);
        // The claim: Y at X's position, with X's proof, against operator 1's honest signature on X.
        s.checkpoint = y;
        _expectInvalidProof(s, xAlone);
        s.checkpoint = x;
        // X with the proof of another position, and with a flipped index.
        s.proof = BatchTrees.proof(a.leaves, 3);
        _expectInvalidProof(s, yAlone);
        s.proof = BatchTrees.proof(a.leaves, 2);
        s.proof.index = 3;
        _expectInvalidProof(s, yAlone);
        // A sibling altered.
        s.proof = BatchTrees.proof(a.leaves, 2);
        s.proof.siblings[1] = keccak256("forged");
        _expectInvalidProof(s, yAlone);
        // One sibling too few, one too many (the depth is exact).
        bytes32[] memory full = BatchTrees.proof(a.leaves, 2).siblings;
        bytes32[] memory shorter = new bytes32[](2);
        (shorter[0], shorter[1]) = (full[0], full[1]);
        s.proof = InclusionProof(2, shorter);
        _expectInvalidProof(s, yAlone);
        bytes32[] memory longer = new bytes32[](4);
        (longer[0], longer[1], longer[2], longer[3]) = (full[0], full[1], full[2], bytes32(0));
        s.proof = InclusionProof(2, longer);
        _expectInvalidProof(s, yAlone);
        // The proof of X in another batch, against A's header.
        Batch memory other = _batchWith(6, 0, x, "other", 1005);
        s.proof = BatchTrees.proof(other.leaves, 0);
        _expectInvalidProof(s, yAlone);
        // The original is valid: the refusals above were the proofs' doing.
        s.proof = BatchTrees.proof(a.leaves, 2);
        slasher.submitEquivocation(_operator(1), s, yAlone);
        _assertOnlySlashed(1);
    }

    function _expectInvalidProof(VigilSlasher.Statement memory s, VigilSlasher.Statement memory t) internal {
        vm.expectRevert(VigilSlasher.InvalidInclusionProof.selector);
        slasher.submitEquivocation(_operator(1), s, t);
        vm.expectRevert(VigilSlasher.InvalidInclusionProof.selector);
        slasher.submitEquivocation(_operator(1), t, s);
    }

    /// @dev index < leafCount: a header claiming 5 of a tree's 8 leaves (same root, same depth) does not
    ///      cover leaf 6, though its proof folds to the root.
    function test_indexBeyondLeafCountRefused() public {
        Checkpoint memory x = BatchTrees.checkpoints(8, 1001, 1005, "A")[6];
        Batch memory a = _batchWith(8, 6, x, "A", 1005);
        a.header.leafCount = 5;
        VigilSlasher.Statement memory s = _inBatch(1, a, 6);
        VigilSlasher.Statement memory yAlone = _alone(1, _lie(x, "y"));
        assertTrue(BatchLib.depth(5) == BatchLib.depth(8));
        vm.expectRevert(VigilSlasher.InvalidInclusionProof.selector);
        slasher.submitEquivocation(_operator(1), s, yAlone);
        a.header.leafCount = 8;
        s = _inBatch(1, a, 6);
        slasher.submitEquivocation(_operator(1), s, yAlone);
        _assertOnlySlashed(1);
    }

    /// @dev Operator 4 is a non-signer of the aggregates; operator 5 registers at 1010, after their
    ///      reference blocks, and signs the lie itself: neither is in a signer set.
    function test_notInSignerSet() public {
        _register(5);
        vm.roll(1012);
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[1];
        Batch memory a = _batchWith(4, 1, x, "A", 1005);
        VigilSlasher.Statement memory batchAgg = _inBatchAggregate(a, 1, _list(1, 2, 3), _list(4));
        VigilSlasher.Statement memory cpAgg = _onCheckpoint(x, _list(1, 2, 3), _list(4));
        Checkpoint memory y = _lie(x, "y");
        VigilSlasher.Statement memory y4 = _alone(4, y);
        VigilSlasher.Statement memory y5 = _alone(5, y);
        for (uint256 i = 4; i <= 5; ++i) {
            VigilSlasher.Statement memory yi = i == 4 ? y4 : y5;
            vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(i)));
            slasher.submitEquivocation(_operator(i), batchAgg, yi);
            vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(i)));
            slasher.submitEquivocation(_operator(i), yi, cpAgg);
        }
        // Claiming operator 4 signed too, by leaving it out of the non-signers: the aggregate fails.
        VigilSlasher.Statement memory claiming4 = batchAgg;
        claiming4.nonSignerPubkeys = "";
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        slasher.submitEquivocation(_operator(4), claiming4, y4);
        _assertOnlySlashed(0);
    }

    /// @dev Signatures that are not the operator's own on the statement's digest.
    function test_signatureByAnotherKeyRefused() public {
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[0];
        Batch memory a = _batchWith(4, 0, x, "A", 1005);
        Checkpoint memory y = _lie(x, "y");
        VigilSlasher.Statement memory y1 = _alone(1, y);
        // Operator 3's signature on the batch, claimed as operator 1's.
        VigilSlasher.Statement memory by3 = _inBatch(3, a, 0);
        // Operator 1's signature on X alone, replayed as its signature on a batch holding X.
        VigilSlasher.Statement memory replayed = _inBatch(1, a, 0);
        replayed.signature = _sign(1, x);
        // Operator 1's signature on the batch, replayed as its signature on X alone.
        VigilSlasher.Statement memory batchSigAsAlone = _alone(1, x);
        batchSigAsAlone.signature = _signBatch(1, a.header);
        VigilSlasher.Statement[3] memory bad = [by3, replayed, batchSigAsAlone];
        for (uint256 k; k < bad.length; ++k) {
            vm.expectRevert(VigilSlasher.InvalidOperatorSignature.selector);
            slasher.submitEquivocation(_operator(1), bad[k], y1);
            vm.expectRevert(VigilSlasher.InvalidOperatorSignature.selector);
            slasher.submitEquivocation(_operator(1), y1, bad[k]);
        }
        _assertOnlySlashed(0);
    }

    function test_unknownOperatorRefused() public {
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[0];
        Batch memory a = _batchWith(4, 0, x, "A", 1005);
        VigilSlasher.Statement memory s = _inBatch(1, a, 0);
        VigilSlasher.Statement memory t = _alone(1, _lie(x, "y"));
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.UnknownOperator.selector, address(0xdead)));
        slasher.submitEquivocation(address(0xdead), s, t);
        // Operator 5 is an EigenLayer operator but never registered a key with Vigil.
        VigilSlasher.Statement memory s5 = _inBatch(5, a, 0);
        VigilSlasher.Statement memory t5 = _alone(5, t.checkpoint);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.UnknownOperator.selector, _operator(5)));
        slasher.submitEquivocation(_operator(5), s5, t5);
    }

    /// @dev Reference blocks (a batch's toL1Block, a checkpoint's l1Block) must be in the past.
    function test_referenceBlockInFutureRefused() public {
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[0];
        Batch memory a = _batchWith(4, 0, x, "A", 1010);
        VigilSlasher.Statement memory s = _inBatch(1, a, 0);
        VigilSlasher.Statement memory sAgg = _inBatchAggregate(a, 0, _list(1, 2, 3), _list(4));
        VigilSlasher.Statement memory t = _alone(1, _lie(x, "y"));
        VigilSlasher.Statement memory tLater = _alone(1, _repost(t.checkpoint, 1010));
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.ReferenceBlockInFuture.selector, uint64(1010)));
        slasher.submitEquivocation(_operator(1), s, t);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.ReferenceBlockInFuture.selector, uint64(1010)));
        slasher.submitEquivocation(_operator(1), t, sAgg);
        VigilSlasher.Statement memory xAlone = _alone(1, x);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.ReferenceBlockInFuture.selector, uint64(1010)));
        slasher.submitEquivocation(_operator(1), xAlone, tLater);
        // Once the block is past, the same evidence is good.
        vm.roll(1011);
        slasher.submitEquivocation(_operator(1), s, t);
        _assertOnlySlashed(1);
    }

    // ------------------------------------------------------------------ veto window

    function test_vetoWindowQueuesKind3() public {
        slasher.queueVetoConfig(COMMITTEE, 10);
        _afterGovernanceDelay();
        slasher.applyVetoConfig();
        Checkpoint memory x = BatchTrees.checkpoints(4, 1001, 1005, "A")[3];
        Batch memory a = _batchWith(4, 3, x, "A", 1005);
        VigilSlasher.Statement memory s = _inBatch(2, a, 3);
        VigilSlasher.Statement memory t = _alone(2, _lie(x, "y"));
        bytes32 id = slasher.offenceId(_operator(2), x.rollupId, x.height);

        vm.expectEmit(address(slasher));
        emit VigilSlasher.OffenceRecorded(id, _operator(2), x.rollupId, x.height, 3);
        vm.expectEmit(address(slasher));
        emit VigilSlasher.SlashQueued(id, 1020);
        assertEq(slasher.submitEquivocation(_operator(2), s, t), id);
        // The evidence's own cost, without EigenLayer's slash: batch of 4 (alone) vs checkpoint alone.
        emit log_named_uint("submitEquivocation queued, batch of 4 (alone) vs alone", vm.lastCallGas().gasTotalUsed);
        assertEq(_slashedWad(2), 0, "queued, not slashed");
        _expectAlreadyPunished(2, x);
        slasher.submitEquivocation(_operator(2), t, s);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.VetoWindowOpen.selector, uint32(1020)));
        slasher.execute(id);
        vm.roll(1020);
        slasher.execute(id);
        _assertOnlySlashed(2);
        // A vetoed kind-3 offence stays recorded too.
        VigilSlasher.Statement memory s3 = _inBatch(3, a, 3);
        VigilSlasher.Statement memory t3 = _alone(3, t.checkpoint);
        bytes32 id3 = slasher.submitEquivocation(_operator(3), s3, t3);
        vm.prank(COMMITTEE);
        slasher.veto(id3);
        _expectAlreadyPunished(3, x);
        slasher.submitEquivocation(_operator(3), t3, s3);
        vm.roll(1040);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotQueued.selector, id3));
        slasher.execute(id3);
        _assertOnlySlashed(2);
    }

    // ------------------------------------------------------------------ fuzzed

    /// @dev What the fuzz test submits (built before any expectRevert: signing makes precompile calls).
    struct FuzzCase {
        uint256 offender;
        uint256 honest;
        Checkpoint x;
        VigilSlasher.Statement sa;
        VigilSlasher.Statement sb;
        VigilSlasher.Statement sa2;
        VigilSlasher.Statement sb2;
        VigilSlasher.Statement ha;
        VigilSlasher.Statement hc;
        VigilSlasher.SignedCheckpoint kx;
        VigilSlasher.SignedCheckpoint ky;
    }

    /// @dev Batch A (nA checkpoints, X at i), B (nB, a conflicting Y at j) and C (A with X reposted).
    function _fuzzBatches(uint256 nA, uint256 nB, uint256 seed)
        internal
        pure
        returns (Batch memory a, Batch memory b, Batch memory c, uint256 i, uint256 j)
    {
        i = uint256(keccak256(abi.encode(seed, "i"))) % nA;
        j = uint256(keccak256(abi.encode(seed, "j"))) % nB;
        Checkpoint memory x = BatchTrees.checkpoints(nA, 1001, 1005, bytes32(seed))[i];
        a = _batchWith(nA, i, x, bytes32(seed), 1005);
        b = _batchWith(nB, j, _lie(x, "y"), keccak256(abi.encode(seed)), 1006);
        c = _batchWith(nA, i, _repost(x, 1006), bytes32(seed), 1007);
    }

    function _fuzzCase(uint8 sizeA, uint8 sizeB, uint256 seed) internal view returns (FuzzCase memory f) {
        (Batch memory a, Batch memory b, Batch memory c, uint256 i, uint256 j) =
            _fuzzBatches(1 + uint256(sizeA) % 32, 1 + uint256(sizeB) % 32, seed);
        f.offender = 1 + seed % 3;
        f.honest = 1 + (f.offender % 3); // another of 1..3
        f.x = a.cps[i];
        f.sa = _statement((seed >> 8) % 4, f.offender, a, i);
        f.sb = _statement((seed >> 16) % 4, f.offender, b, j);
        f.sa2 = _statement((seed >> 24) % 4, f.offender, a, i);
        f.sb2 = _statement((seed >> 32) % 4, f.offender, b, j);
        f.ha = _statement((seed >> 40) % 4, f.honest, a, i);
        f.hc = _statement((seed >> 48) % 4, f.honest, c, i);
        f.kx = VigilSlasher.SignedCheckpoint(f.x, _sign(f.offender, f.x));
        f.ky = VigilSlasher.SignedCheckpoint(b.cps[j], _sign(f.offender, b.cps[j]));
    }

    /// @dev Random batches A and B (1..32 checkpoints) hold, at random positions, X and a conflicting
    ///      Y. Operator `offender` (1..3) signed both; each is proven in a random form (a..d, aggregates
    ///      by 1, 2, 3). It is slashed exactly once: any second proof, in any forms or by kind 1, is
    ///      refused. Another operator, which signed X and X reposted in a batch C overlapping A, is
    ///      never slashed, whatever forms prove its two signatures.
    function testFuzz_equivocationSlashesOnce(uint8 sizeA, uint8 sizeB, uint256 seed) public {
        FuzzCase memory f = _fuzzCase(sizeA, sizeB, seed);
        address offender = _operator(f.offender);

        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(f.honest), f.ha, f.hc);

        bytes32 id = (seed >> 56) & 1 == 1
            ? slasher.submitEquivocation(offender, f.sb, f.sa)
            : slasher.submitEquivocation(offender, f.sa, f.sb);
        assertEq(id, slasher.offenceId(offender, f.x.rollupId, f.x.height));
        _assertOnlySlashed(f.offender);

        _expectAlreadyPunished(f.offender, f.x);
        slasher.submitEquivocation(offender, f.sb2, f.sa2);
        _expectAlreadyPunished(f.offender, f.x);
        slasher.submitDoubleSign(offender, f.kx, f.ky);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitEquivocation(_operator(f.honest), f.hc, f.ha);
        _assertOnlySlashed(f.offender);
        assertFalse(slasher.isPunished(_operator(f.honest), f.x.rollupId, f.x.height));
    }
}
