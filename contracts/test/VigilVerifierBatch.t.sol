// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilBatchRoots} from "../src/VigilBatchRoots.sol";
import {VigilRegistrar} from "../src/VigilRegistrar.sol";
import {BatchCertificate, Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {BLSSigner} from "./utils/BLSSigner.sol";
import {BatchTrees} from "./utils/BatchHarness.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Batch certificates (VIGIL_BATCH_V1) on EigenLayer's real v1.3.0 core: four operators of
///         equal stake sign one root over twelve checkpoints of two rollups (901: eight heights, 902:
///         four), with l1Blocks in [1000, 1005]; stake is read at toL1Block 1005.
contract VigilVerifierBatchTest is VigilFixture {
    uint64 internal constant FROM = 1000;
    uint64 internal constant TO = 1005;
    uint32 internal constant N = 12;

    Checkpoint[] internal cps;
    bytes32[] internal leaves;
    BatchHeader internal header;

    function setUp() public {
        _deployAndRegister(DEFAULT_POOL, 4);
        Checkpoint[] memory c = BatchTrees.checkpoints(N, FROM, TO, "batch");
        for (uint256 i; i < N; ++i) {
            cps.push(c[i]);
        }
        leaves = BatchTrees.leafHashes(c);
        header = BatchHeader(BatchLib.computeRoot(leaves), N, FROM, TO);
    }

    function _all() internal pure returns (uint256[] memory) {
        return _list(1, 2, 3, 4);
    }

    function _proofOf(uint256 i) internal view returns (InclusionProof memory) {
        return BatchTrees.proof(leaves, i);
    }

    function _expectRecordNone(bytes32 root) internal view {
        (uint32 leafCount,,,) = batchRoots.roots(root);
        assertEq(uint256(leafCount), 0, "nothing recorded");
        (uint256 s, uint256 t) = batchRoots.batchCertifiedStake(root);
        assertEq(s + t, 0, "no stake");
    }

    // ------------------------------------------------------------------ recording

    function test_batchRecordedOnce() public {
        BatchCertificate memory cert = _batchCertificate(header, _all(), _none());
        (uint96 signed, uint96 total) = verifier.verifyBatchCertificate(cert);
        assertEq(uint256(signed), 4 * STAKE);
        assertEq(uint256(total), 4 * STAKE);
        _expectRecordNone(header.root);

        bytes32 digest = BatchLib.digest(header, block.chainid, address(verifier), SET_ID);
        assertEq(verifier.batchDigest(header), digest, "batchDigest");
        vm.expectEmit(address(verifier));
        emit VigilVerifier.BatchCertified(header.root, digest, N, FROM, TO, 4 * STAKE96, 4 * STAKE96);
        assertTrue(verifier.submitBatchCertificate(cert));

        (uint32 leafCount, uint32 toL1Block, uint96 s, uint96 t) = batchRoots.roots(header.root);
        bytes32 nonSignersHash = batchRoots.nonSignersHash(header.root);
        assertEq(uint256(leafCount), N);
        assertEq(uint256(toL1Block), TO);
        assertEq(uint256(s), 4 * STAKE);
        assertEq(uint256(t), 4 * STAKE);
        assertEq(nonSignersHash, keccak256(""));
        (uint256 cs, uint256 ct) = batchRoots.batchCertifiedStake(header.root);
        assertEq(cs, 4 * STAKE);
        assertEq(ct, 4 * STAKE);

        // The same root again, even with another valid signer set: a no-op that keeps the first record.
        vm.recordLogs();
        assertFalse(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 3), _list(4))));
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        (,, s,) = batchRoots.roots(header.root);
        nonSignersHash = batchRoots.nonSignersHash(header.root);
        assertEq(uint256(s), 4 * STAKE, "first record kept");
        assertEq(nonSignersHash, keccak256(""));
        // ... and an invalid one still reverts (it is verified first, as a single certificate is).
        BatchCertificate memory bad = _batchCertificate(header, _list(1, 2), _list(3, 4));
        vm.expectRevert(
            abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, 2 * STAKE, 4 * STAKE, uint256(6667))
        );
        verifier.submitBatchCertificate(bad);
    }

    function test_batchWithNonSigners() public {
        BatchCertificate memory cert = _batchCertificate(header, _list(1, 2, 4), _list(3));
        (uint96 signed, uint96 total) = verifier.verifyBatchCertificate(cert);
        assertEq(uint256(signed), 3 * STAKE);
        assertEq(uint256(total), 4 * STAKE);
        assertTrue(verifier.submitBatchCertificate(cert));
        (,, uint96 s, uint96 t) = batchRoots.roots(header.root);
        bytes32 nonSignersHash = batchRoots.nonSignersHash(header.root);
        assertEq(uint256(s), 3 * STAKE);
        assertEq(uint256(t), 4 * STAKE);
        assertEq(nonSignersHash, keccak256(_pk(3)), "names the signer set");
        assertTrue(batchRoots.isCertifiedInBatch(cps[0], header.root, _proofOf(0)));
    }

    /// @dev Stake is taken at toL1Block, like a single certificate's l1Block: operator 4 leaving at
    ///      1010 changes nothing for a batch whose toL1Block is 1005.
    function test_batchStakeAtToL1Block() public {
        _deregister(4);
        vm.roll(1015);
        BatchCertificate memory cert = _batchCertificate(header, _all(), _none());
        (uint96 signed, uint96 total) = verifier.verifyBatchCertificate(cert);
        assertEq(uint256(signed), 4 * STAKE);
        assertEq(uint256(total), 4 * STAKE);
        // At toL1Block 1012 operator 4 is gone: listing it as a non-signer is refused.
        BatchHeader memory later = BatchHeader(header.root, header.leafCount, FROM, 1012);
        cert = _batchCertificate(later, _list(1, 2, 3), _list(4));
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.NonSignerNotInSet.selector, keccak256(_pk(4))));
        verifier.verifyBatchCertificate(cert);
        (signed, total) = verifier.verifyBatchCertificate(_batchCertificate(later, _list(1, 2, 3), _none()));
        assertEq(uint256(total), 3 * STAKE);
    }

    /// @dev Storage layout: the verifier keeps only the address of its VigilBatchRoots, in slot 103,
    ///      the first slot of its former `uint256[48] __gap`; the single-checkpoint records stay in
    ///      slot 102. Upgrading a proxy from the version before batches therefore moves nothing. The
    ///      records themselves are one word each in VigilBatchRoots (slot 0), the non-signers' hash
    ///      in its slot 1.
    function test_batchRecordStorageSlot() public {
        assertEq(address(uint160(uint256(vm.load(address(verifier), bytes32(uint256(103)))))), address(batchRoots));
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 4), _list(3))));
        uint256 packed = uint256(vm.load(address(batchRoots), keccak256(abi.encode(header.root, uint256(0)))));
        assertEq(packed & type(uint32).max, N, "leafCount");
        assertEq((packed >> 32) & type(uint32).max, TO, "toL1Block");
        assertEq((packed >> 64) & type(uint96).max, 3 * STAKE, "signedWeight");
        assertEq(packed >> 160, 4 * STAKE, "totalWeight");
        assertEq(
            vm.load(address(batchRoots), keccak256(abi.encode(header.root, uint256(1)))),
            keccak256(_pk(3)),
            "nonSignersHash"
        );

        Checkpoint memory cp = cps[0];
        assertTrue(verifier.submitCertificate(_certificate(cp, _all(), _none())));
        bytes32 inner = keccak256(abi.encode(cp.rollupId, uint256(102)));
        bytes32 slot = keccak256(abi.encode(cp.height, inner));
        assertEq(vm.load(address(verifier), slot), keccak256(abi.encode(cp.blockHash, cp.stateRoot)), "blockId");
    }

    // ------------------------------------------------------------------ VigilBatchRoots

    /// @dev Only the verifier writes roots and thresholds; a root cannot be recorded empty.
    function test_batchRootsOnlyVerifierWrites() public {
        VigilBatchRoots.Root memory r = VigilBatchRoots.Root(3, 1000, 1, 1);
        vm.prank(address(0xbad));
        vm.expectRevert(abi.encodeWithSelector(VigilBatchRoots.OnlyVerifier.selector, address(0xbad)));
        batchRoots.record(keccak256("forged"), r, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(VigilBatchRoots.OnlyVerifier.selector, address(this)));
        batchRoots.setDefaultThreshold(1);
        vm.expectRevert(abi.encodeWithSelector(VigilBatchRoots.OnlyVerifier.selector, address(this)));
        batchRoots.setRollupThreshold(901, 1);
        vm.prank(address(verifier));
        vm.expectRevert(VigilBatchRoots.EmptyRoot.selector);
        batchRoots.record(keccak256("empty"), VigilBatchRoots.Root(0, 1000, 1, 1), bytes32(0));
        (uint16 bps,) = batchRoots.thresholds();
        assertEq(uint256(bps), 6667, "the default, copied at attachment");
    }

    /// @dev Attaching happens once, by the owner, to roots made for this verifier; before it, batch
    ///      certificates are refused and a never-attached VigilBatchRoots certifies nothing.
    function test_attachBatchRoots() public {
        vm.prank(address(0xbad));
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.attachBatchRoots(batchRoots);
        VigilBatchRoots second = new VigilBatchRoots(address(verifier));
        vm.expectRevert(VigilVerifier.BatchRootsNotAttached.selector);
        verifier.attachBatchRoots(second);

        // A fresh verifier proxy: nothing attached yet.
        VigilVerifier fresh = VigilVerifier(_newProxy());
        _upgradeAndCall(
            address(fresh),
            address(new VigilVerifier(am, address(sm), SET_ID)),
            abi.encodeCall(VigilVerifier.initialize, (address(this), MAX_AGE, GOV_DELAY))
        );
        BatchCertificate memory cert = _batchCertificate(header, _all(), _none());
        vm.expectRevert(VigilVerifier.BatchRootsNotAttached.selector);
        fresh.submitBatchCertificate(cert);
        vm.expectRevert(VigilVerifier.BatchRootsNotAttached.selector);
        fresh.attachBatchRoots(batchRoots); // made for another verifier
        VigilBatchRoots unattached = new VigilBatchRoots(address(fresh));
        assertFalse(unattached.isCertifiedInBatch(cps[0], header.root, _proofOf(0)), "no threshold yet");

        // A rollup threshold set before attaching is copied by anyone with syncRollupThreshold.
        fresh.queueRollupThreshold(901, 9000);
        vm.warp(block.timestamp + GOV_DELAY);
        fresh.applyRollupThreshold(901);
        vm.expectEmit(address(fresh));
        emit VigilVerifier.BatchRootsAttached(address(unattached));
        fresh.attachBatchRoots(unattached);
        assertEq(uint256(unattached.rollupThresholdBps(901)), 0, "not copied yet");
        vm.prank(address(0xbad));
        fresh.syncRollupThreshold(901);
        assertEq(uint256(unattached.rollupThresholdBps(901)), 9000, "copied");
        (uint16 bps, bool any) = unattached.thresholds();
        assertEq(uint256(bps), 6667);
        assertTrue(any);
    }

    // ------------------------------------------------------------------ refusals

    function test_batchBelowThresholdRefused() public {
        BatchCertificate memory cert = _batchCertificate(header, _list(1, 2), _list(3, 4));
        vm.expectRevert(
            abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, 2 * STAKE, 4 * STAKE, uint256(6667))
        );
        verifier.submitBatchCertificate(cert);
        _expectRecordNone(header.root);
    }

    /// @dev The batch is held to the default threshold, whatever its rollups' own thresholds.
    function test_batchUsesTheDefaultThreshold() public {
        verifier.queueRollupThreshold(901, 10_000);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(901);
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 3), _list(4))));
        verifier.queueDefaultThreshold(8000);
        _afterGovernanceDelay();
        verifier.applyDefaultThreshold();
        BatchHeader memory other = BatchHeader(keccak256("other root"), 3, FROM, TO);
        BatchCertificate memory below = _batchCertificate(other, _list(1, 2, 3), _list(4));
        vm.expectRevert(
            abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, 3 * STAKE, 4 * STAKE, uint256(8000))
        );
        verifier.verifyBatchCertificate(below);
    }

    function test_batchBadSignatureRefused() public {
        BatchCertificate memory cert = _batchCertificate(header, _all(), _none());
        // The signature over the header with any one field changed.
        BatchHeader[4] memory changed = [
            BatchHeader(keccak256("another root"), header.leafCount, FROM, TO),
            BatchHeader(header.root, header.leafCount + 1, FROM, TO),
            BatchHeader(header.root, header.leafCount, FROM - 1, TO),
            BatchHeader(header.root, header.leafCount, FROM, TO - 1)
        ];
        for (uint256 j; j < changed.length; ++j) {
            vm.expectRevert(VigilVerifier.InvalidSignature.selector);
            verifier.verifyBatchCertificate(BatchCertificate(changed[j], "", cert.signature));
        }
        // Another domain (chain id).
        bytes32 d = BatchLib.digest(header, block.chainid + 1, address(verifier), SET_ID);
        bytes memory sig = new bytes(128);
        for (uint256 i = 1; i <= 4; ++i) {
            sig = BLS12381.g1Add(sig, BLSSigner.sign(_sk(i), d, BLS12381.DST_SIG));
        }
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyBatchCertificate(BatchCertificate(header, "", sig));
        // A checkpoint signature is not a batch signature, even for a one-leaf batch of that checkpoint.
        Checkpoint memory cp = cps[0];
        BatchHeader memory single = BatchHeader(BatchLib.leafHash(cp), 1, cp.l1Block, cp.l1Block);
        Certificate memory cpCert = _certificate(cp, _all(), _none());
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyBatchCertificate(BatchCertificate(single, "", cpCert.signature));
        // A signer listed as a non-signer; a non-signer not listed.
        BatchCertificate memory signerListed = _batchCertificate(header, _list(1, 2, 3), _list(3));
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyBatchCertificate(signerListed);
        BatchCertificate memory nonSignerUnlisted = _batchCertificate(header, _list(1, 2, 3), _none());
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyBatchCertificate(nonSignerUnlisted);
        // Malformed signature.
        cert.signature = new bytes(96);
        vm.expectRevert(VigilVerifier.InvalidSignatureLength.selector);
        verifier.submitBatchCertificate(cert);
        _expectRecordNone(header.root);
    }

    function test_batchHeaderRefused() public {
        BatchHeader memory h = header;
        h.leafCount = 0;
        BatchCertificate memory empty = _batchCertificate(h, _all(), _none());
        vm.expectRevert(VigilVerifier.EmptyBatch.selector);
        verifier.submitBatchCertificate(empty);
        h = BatchHeader(header.root, header.leafCount, TO + 1, TO);
        BatchCertificate memory reversed = _batchCertificate(h, _all(), _none());
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.InvalidBatchRange.selector, TO + 1, TO));
        verifier.submitBatchCertificate(reversed);
        // fromL1Block == toL1Block is a range of one block.
        h = BatchHeader(header.root, header.leafCount, TO, TO);
        verifier.verifyBatchCertificate(_batchCertificate(h, _all(), _none()));
    }

    function test_batchL1BlockWindow() public {
        BatchHeader memory h = BatchHeader(header.root, header.leafCount, FROM, 1010);
        BatchCertificate memory future = _batchCertificate(h, _all(), _none());
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.L1BlockInFuture.selector, uint64(1010)));
        verifier.verifyBatchCertificate(future);
        h.toL1Block = 1009;
        BatchCertificate memory cert = _batchCertificate(h, _all(), _none());
        verifier.verifyBatchCertificate(cert);
        vm.roll(1009 + MAX_AGE + 1);
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.L1BlockTooOld.selector, uint64(1009), uint256(MAX_AGE)));
        verifier.submitBatchCertificate(cert);
        vm.roll(1009 + MAX_AGE);
        assertTrue(verifier.submitBatchCertificate(cert), "at the oldest allowed block");
        // Before the verifier existed: no snapshot.
        vm.roll(1010);
        h = BatchHeader(keccak256("early"), 1, 990, 999);
        BatchCertificate memory early = _batchCertificate(h, _all(), _none());
        vm.expectRevert(abi.encodeWithSelector(VigilRegistrar.NoSnapshotAt.selector, uint256(999)));
        verifier.verifyBatchCertificate(early);
    }

    // ------------------------------------------------------------------ isCertifiedInBatch

    function test_isCertifiedInBatch() public {
        for (uint256 i; i < N; ++i) {
            assertFalse(batchRoots.isCertifiedInBatch(cps[i], header.root, _proofOf(i)), "unrecorded root");
        }
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _all(), _none())));
        for (uint256 i; i < N; ++i) {
            assertTrue(batchRoots.isCertifiedInBatch(cps[i], header.root, _proofOf(i)), "member");
            // A batch certifies through the batch path only: no single record is written.
            assertFalse(verifier.isCertified(cps[i]));
        }
        // Wrong proofs: another leaf's proof, a flipped sibling, another index, one sibling short.
        InclusionProof memory p = _proofOf(5);
        assertFalse(batchRoots.isCertifiedInBatch(cps[5], header.root, _proofOf(4)), "another leaf's proof");
        p.siblings[2] ^= bytes32(uint256(1));
        assertFalse(batchRoots.isCertifiedInBatch(cps[5], header.root, p), "flipped sibling");
        p = _proofOf(5);
        p.index = 4;
        assertFalse(batchRoots.isCertifiedInBatch(cps[5], header.root, p), "other index");
        p.index = 5 + 16; // same path bits, past leafCount
        assertFalse(batchRoots.isCertifiedInBatch(cps[5], header.root, p), "index >= leafCount");
        p = _proofOf(5);
        bytes32[] memory shorter = new bytes32[](p.siblings.length - 1);
        for (uint256 k; k < shorter.length; ++k) {
            shorter[k] = p.siblings[k];
        }
        p.siblings = shorter;
        assertFalse(batchRoots.isCertifiedInBatch(cps[5], header.root, p), "one sibling short");
        // Wrong checkpoints: each field changed in turn.
        for (uint256 f; f < 6; ++f) {
            Checkpoint memory cp = cps[3];
            if (f == 0) cp.rollupId += 1;
            if (f == 1) cp.height += 1;
            if (f == 2) cp.blockHash ^= bytes32(uint256(1));
            if (f == 3) cp.stateRoot ^= bytes32(uint256(1));
            if (f == 4) cp.daCommitment ^= bytes32(uint256(1));
            if (f == 5) cp.l1Block += 1;
            assertFalse(batchRoots.isCertifiedInBatch(cp, header.root, _proofOf(3)), vm.toString(f));
        }
        // A valid proof against another (unrecorded) root.
        leaves[0] = keccak256("not a checkpoint");
        bytes32 otherRoot = BatchLib.computeRoot(leaves);
        assertFalse(batchRoots.isCertifiedInBatch(cps[1], otherRoot, BatchTrees.proof(leaves, 1)), "unrecorded root");
    }

    /// @dev Thresholds apply at query time, per rollup: a batch that reached 75% certifies rollup 901's
    ///      checkpoints but not rollup 902's once 902 requires 80%, nor anyone's once the default does.
    function test_isCertifiedInBatchAppliesTheRollupThreshold() public {
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _list(1, 2, 3), _list(4))));
        assertEq(cps[0].rollupId, 901);
        assertEq(cps[N - 1].rollupId, 902);
        verifier.queueRollupThreshold(902, 8000);
        verifier.queueRollupThreshold(901, 7500);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(902);
        verifier.applyRollupThreshold(901);
        assertTrue(batchRoots.isCertifiedInBatch(cps[0], header.root, _proofOf(0)), "901 at exactly 75%");
        assertFalse(batchRoots.isCertifiedInBatch(cps[N - 1], header.root, _proofOf(N - 1)), "902 wants 80%");
        verifier.queueRollupThreshold(902, 0); // back to the default
        verifier.queueDefaultThreshold(7600);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(902);
        assertTrue(batchRoots.isCertifiedInBatch(cps[N - 1], header.root, _proofOf(N - 1)), "902 on the default");
        verifier.applyDefaultThreshold();
        assertFalse(batchRoots.isCertifiedInBatch(cps[N - 1], header.root, _proofOf(N - 1)), "default now 76%");
        assertTrue(batchRoots.isCertifiedInBatch(cps[0], header.root, _proofOf(0)), "901 keeps its own");
        // The recorded stake does not change with thresholds.
        (uint256 s, uint256 t) = batchRoots.batchCertifiedStake(header.root);
        assertEq(s, 3 * STAKE);
        assertEq(t, 4 * STAKE);
    }

    /// @dev Batches and single certificates live side by side.
    function test_singleAndBatchIndependent() public {
        Checkpoint memory cp = cps[2];
        assertTrue(verifier.submitCertificate(_certificate(cp, _all(), _none())));
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(header, _all(), _none())));
        assertTrue(verifier.isCertified(cp));
        assertTrue(batchRoots.isCertifiedInBatch(cp, header.root, _proofOf(2)));
        (uint256 s,) = verifier.certifiedStake(cp);
        assertEq(s, 4 * STAKE);
    }

    /// @dev For random batches of 1..64 checkpoints, certified once by everyone: every member's proof
    ///      verifies through the verifier, and a flipped sibling or another index does not.
    function testFuzz_isCertifiedInBatch(bytes32 seed, uint8 count) public {
        uint256 n = uint256(count) % 64 + 1;
        Checkpoint[] memory c = BatchTrees.checkpoints(n, FROM, TO, seed);
        bytes32[] memory l = BatchTrees.leafHashes(c);
        // forge-lint: disable-next-line(unsafe-typecast)
        BatchHeader memory h = BatchHeader(BatchLib.computeRoot(l), uint32(n), FROM, TO);
        uint256 skSum;
        for (uint256 i = 1; i <= 4; ++i) {
            skSum = addmod(skSum, _sk(i), BLSSigner.R);
        }
        bytes memory sig =
            BLSSigner.sign(skSum, BatchLib.digest(h, block.chainid, address(verifier), SET_ID), BLS12381.DST_SIG);
        assertTrue(verifier.submitBatchCertificate(BatchCertificate(h, "", sig)));
        for (uint256 i; i < n; ++i) {
            InclusionProof memory p = BatchTrees.proof(l, i);
            assertTrue(batchRoots.isCertifiedInBatch(c[i], h.root, p), "member");
            if (p.siblings.length == 0) continue;
            uint256 k = uint256(keccak256(abi.encode(seed, i))) % p.siblings.length;
            p.siblings[k] ^= bytes32(uint256(1) << (uint256(seed) % 256));
            assertFalse(batchRoots.isCertifiedInBatch(c[i], h.root, p), "flipped sibling");
            p.siblings[k] ^= bytes32(uint256(1) << (uint256(seed) % 256));
            // forge-lint: disable-next-line(unsafe-typecast)
            p.index = uint32(i ^ (uint256(1) << k));
            assertFalse(batchRoots.isCertifiedInBatch(c[i], h.root, p), "other index");
        }
    }
}
