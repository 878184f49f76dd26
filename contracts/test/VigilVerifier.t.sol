// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilRegistrar} from "../src/VigilRegistrar.sol";
import {Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {BLSSigner} from "./utils/BLSSigner.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

contract VigilVerifierTest is VigilFixture {
    function setUp() public {
        _deployAndRegister(DEFAULT_POOL, 4);
    }

    // ------------------------------------------------------------------ registration

    function test_registrationState() public {
        (bytes memory apk, uint96 total) = verifier.setStateAt(1000);
        bytes memory expected = new bytes(256);
        for (uint256 i = 1; i <= 4; ++i) {
            expected = BLS12381.g2Add(expected, _pk(i));
            assertEq(verifier.operatorKeyHash(_operator(i)), keccak256(_pk(i)));
            assertEq(verifier.operatorOfKey(keccak256(_pk(i))), _operator(i));
            (bool active, uint96 w) = verifier.operatorStateAt(_operator(i), 1000);
            assertTrue(active);
            assertEq(uint256(w), STAKE);
        }
        assertEq(apk, expected);
        assertEq(uint256(total), 4 * STAKE);
        assertEq(verifier.members().length, 4);
        // Before the verifier existed: no snapshot.
        vm.expectRevert(abi.encodeWithSelector(VigilRegistrar.NoSnapshotAt.selector, uint256(999)));
        verifier.setStateAt(999);
    }

    function test_supportsAVS() public view {
        assertTrue(verifier.supportsAVS(address(sm)));
        assertFalse(verifier.supportsAVS(address(this)));
    }

    function test_registerOnlyFromAllocationManager() public {
        bytes memory data = _registrationData(9, _operator(9));
        vm.expectRevert(VigilRegistrar.OnlyAllocationManager.selector);
        verifier.registerOperator(_operator(9), address(sm), _ids(), data);
    }

    function test_popBoundToOperator() public {
        // Operator 6 replays operator 5's key and proof of possession: refused.
        bytes memory data = _registrationData(5, _operator(5));
        vm.expectRevert(VigilRegistrar.InvalidProofOfPossession.selector);
        _registerAs(_operator(6), data);
        // The rightful owner can still register.
        _registerAs(_operator(5), data);
    }

    function test_keyUniqueAcrossOperators() public {
        // Operator 7 presents operator 1's key with a valid PoP for itself (it would need sk 1: we
        // have it here, which is the point: even with the key, a second owner is refused).
        bytes memory pk = _pk(1);
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), _operator(7), pk);
        bytes memory data = bytes.concat(pk, BLSSigner.sign(_sk(1), m, BLS12381.DST_POP));
        vm.expectRevert(
            abi.encodeWithSelector(VigilRegistrar.KeyAlreadyRegistered.selector, keccak256(pk), _operator(1))
        );
        _registerAs(_operator(7), data);
    }

    function test_keyFixedPerOperator() public {
        _deregister(1);
        // EigenLayer lets an operator back in once it is no longer slashable by its old registration.
        vm.roll(1010 + DEALLOCATION_DELAY + 1);
        // Operator 1 comes back with another key: refused.
        bytes memory pk = _pk(11);
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), _operator(1), pk);
        bytes memory data = bytes.concat(pk, BLSSigner.sign(_sk(11), m, BLS12381.DST_POP));
        vm.expectRevert(
            abi.encodeWithSelector(VigilRegistrar.OperatorKeyMismatch.selector, keccak256(_pk(1)), keccak256(pk))
        );
        _registerAs(_operator(1), data);
        // With its own key it can.
        _registerAs(_operator(1), _registrationData(1, _operator(1)));
    }

    /// @dev Proofs of possession that do not prove possession of the presented key are refused.
    function test_forgedPopRefused() public {
        address op = _operator(9);
        bytes memory pk = _pk(9);
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), op, pk);
        bytes[] memory forged = new bytes[](5);
        // The right message under the checkpoint DST (a checkpoint signature is not a PoP).
        forged[0] = BLSSigner.sign(_sk(9), m, BLS12381.DST_SIG);
        // Signed by another key.
        forged[1] = BLSSigner.sign(_sk(10), m, BLS12381.DST_POP);
        // For another registrar (another deployment's domain) and another chain.
        forged[2] =
            BLSSigner.sign(_sk(9), CheckpointLib.popMessage(block.chainid, address(0xbeef), op, pk), BLS12381.DST_POP);
        forged[3] = BLSSigner.sign(
            _sk(9), CheckpointLib.popMessage(block.chainid + 1, address(verifier), op, pk), BLS12381.DST_POP
        );
        // A point that is no signature at all.
        forged[4] = BLS12381.hashToG1(abi.encodePacked(m), BLS12381.DST_POP);
        for (uint256 j; j < forged.length; ++j) {
            bytes memory data = bytes.concat(pk, forged[j]);
            vm.expectRevert(VigilRegistrar.InvalidProofOfPossession.selector);
            _registerAs(op, data);
        }
        assertEq(verifier.operatorKeyHash(op), bytes32(0), "nothing recorded");
        _registerAs(op, _registrationData(9, op)); // the genuine one
    }

    /// @dev The rogue-key attack: present pk_r = pk_a - apk(set), whose secret key the attacker does
    ///      not know, so that the set's apk becomes pk_a and the attacker alone could sign for
    ///      everyone. With a proof of possession required, it cannot register pk_r.
    function testFuzz_rogueKeyRefused(uint256 attackerSeed) public {
        uint256 a = BLSSigner.secretKey(attackerSeed);
        address op = _operator(9);
        (bytes memory apk,) = verifier.setStateAt(1010);
        bytes memory rogue = BLS12381.g2Add(BLSSigner.publicKey(a), BLS12381.g2Negate(apk));
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), op, rogue);
        // The best the attacker can do: sign with the key it has, or pair pk_r with its own PoP.
        bytes memory data = bytes.concat(rogue, BLSSigner.sign(a, m, BLS12381.DST_POP));
        vm.expectRevert(VigilRegistrar.InvalidProofOfPossession.selector);
        _registerAs(op, data);
        bytes memory pkA = BLSSigner.publicKey(a);
        data = bytes.concat(
            rogue,
            BLSSigner.sign(a, CheckpointLib.popMessage(block.chainid, address(verifier), op, pkA), BLS12381.DST_POP)
        );
        vm.expectRevert(VigilRegistrar.InvalidProofOfPossession.selector);
        _registerAs(op, data);
        assertEq(verifier.members().length, 4);
        (bytes memory after_,) = verifier.setStateAt(1010);
        assertEq(after_, apk, "apk unchanged");
    }

    function test_identityKeyRefused() public {
        bytes memory data = bytes.concat(new bytes(256), new bytes(128));
        vm.expectRevert(VigilRegistrar.IdentityKey.selector);
        _registerAs(_operator(8), data);
    }

    function test_badRegistrationDataRefused() public {
        vm.expectRevert(VigilRegistrar.InvalidRegistrationData.selector);
        _registerAs(_operator(8), new bytes(383));
    }

    function test_deregistrationUpdatesApkWithHistory() public {
        _deregister(4);
        vm.roll(1020);
        (bytes memory apk, uint96 total) = verifier.setStateAt(1010);
        bytes memory expected = BLS12381.g2Add(BLS12381.g2Add(_pk(1), _pk(2)), _pk(3));
        assertEq(apk, expected);
        assertEq(uint256(total), 3 * STAKE);
        (bool active,) = verifier.operatorStateAt(_operator(4), 1010);
        assertFalse(active);
        (active,) = verifier.operatorStateAt(_operator(4), 1009);
        assertTrue(active);
        // The old snapshot still answers for old blocks.
        (, total) = verifier.setStateAt(1005);
        assertEq(uint256(total), 4 * STAKE);
    }

    function test_weightUpdate() public {
        _setStake(2, 300 ether);
        address[] memory ops = new address[](2);
        ops[0] = _operator(2);
        ops[1] = address(0xdead); // unknown operators are skipped
        verifier.updateOperators(ops);
        vm.roll(1011);
        (, uint96 total) = verifier.setStateAt(1010);
        assertEq(uint256(total), 600 ether);
        (, uint96 w) = verifier.operatorStateAt(_operator(2), 1010);
        assertEq(uint256(w), 300 ether);
        (, total) = verifier.setStateAt(1009);
        assertEq(uint256(total), 400 ether);
    }

    function test_multiplier() public {
        VigilRegistrar.StrategyParams[] memory params = new VigilRegistrar.StrategyParams[](1);
        params[0] = VigilRegistrar.StrategyParams(strategy, 2.5e18);
        verifier.setStrategies(params);
        verifier.updateAllOperators();
        vm.roll(1011);
        (, uint96 total) = verifier.setStateAt(1010);
        assertEq(uint256(total), 1000 ether);
    }

    // ------------------------------------------------------------------ archive-free views

    /// @dev Sorted copy of membersAt(b), as (operator, keyHash, weight) triples keyed by operator.
    function _membersAt(uint32 b)
        internal
        view
        returns (address[] memory ops, bytes32[] memory keys, uint96[] memory ws, uint96 total)
    {
        (ops, keys, ws, total) = verifier.membersAt(b);
        for (uint256 a = 1; a < ops.length; ++a) {
            for (uint256 c = a; c > 0 && ops[c] < ops[c - 1]; --c) {
                (ops[c], ops[c - 1]) = (ops[c - 1], ops[c]);
                (keys[c], keys[c - 1]) = (keys[c - 1], keys[c]);
                (ws[c], ws[c - 1]) = (ws[c - 1], ws[c]);
            }
        }
    }

    function _assertMembers(uint32 b, uint256[] memory idx, uint256[] memory weights) internal view {
        (address[] memory ops, bytes32[] memory keys, uint96[] memory ws, uint96 total) = _membersAt(b);
        assertEq(ops.length, idx.length, "member count");
        uint256 sum;
        for (uint256 j; j < idx.length; ++j) {
            assertEq(ops[j], _operator(idx[j]));
            assertEq(keys[j], keccak256(_pk(idx[j])));
            assertEq(uint256(ws[j]), weights[j]);
            sum += weights[j];
        }
        assertEq(uint256(total), sum, "total");
        (, uint96 setTotal) = verifier.setStateAt(b);
        assertEq(total, setTotal, "same as setStateAt");
    }

    function test_membersAtPastBlocks() public {
        // 1010: operator 2's weight changes; 1020: operator 4 leaves; 1030: operator 5 joins.
        _setStake(2, 300 ether);
        verifier.updateAllOperators();
        vm.roll(1020);
        _deregister(4);
        vm.roll(1030);
        _register(5);
        vm.roll(1040);

        _assertMembers(1000, _list(1, 2, 3, 4), _list(STAKE, STAKE, STAKE, STAKE));
        _assertMembers(1009, _list(1, 2, 3, 4), _list(STAKE, STAKE, STAKE, STAKE));
        _assertMembers(1010, _list(1, 2, 3, 4), _list(STAKE, 300 ether, STAKE, STAKE));
        _assertMembers(1019, _list(1, 2, 3, 4), _list(STAKE, 300 ether, STAKE, STAKE));
        _assertMembers(1020, _list(1, 2, 3), _list(STAKE, 300 ether, STAKE));
        _assertMembers(1030, _list(1, 2, 3, 5), _list(STAKE, 300 ether, STAKE, STAKE));
        _assertMembers(1039, _list(1, 2, 3, 5), _list(STAKE, 300 ether, STAKE, STAKE));
        // Deregistered operators stay in the append-only list; the current member list shrinks.
        assertEq(verifier.allOperators().length, 5);
        assertEq(verifier.members().length, 4);
        vm.expectRevert(abi.encodeWithSelector(VigilRegistrar.NoSnapshotAt.selector, uint256(999)));
        verifier.membersAt(999);
    }

    function test_membersAtSkipsZeroWeight() public {
        // Operator 3's stake goes to zero: active, but not a member that counts.
        _setStake(3, 0);
        verifier.updateAllOperators();
        vm.roll(1011);
        _assertMembers(1010, _list(1, 2, 4), _list(STAKE, STAKE, STAKE));
        (bool active,) = verifier.operatorStateAt(_operator(3), 1010);
        assertTrue(active);
    }

    function test_outdatedOperators() public {
        assertEq(verifier.outdatedOperators().length, 0);
        // An EigenLayer operator that registers before allocating joins with weight 0.
        address late = _operator(13);
        makeOperator(core, late, STAKE);
        _register(13);
        (bool active, uint96 w) = verifier.operatorStateAt(late, uint32(block.number));
        assertTrue(active);
        assertEq(uint256(w), 0);
        assertEq(verifier.outdatedOperators().length, 0);
        // Its allocation takes effect, and operator 2 deposits more.
        allocate(core, late, address(sm), SET_ID, 1e18);
        _setStake(2, 250 ether);
        address[] memory outdated = verifier.outdatedOperators();
        assertEq(outdated.length, 2);
        bool seenLate;
        bool seen2;
        for (uint256 j; j < outdated.length; ++j) {
            if (outdated[j] == late) seenLate = true;
            if (outdated[j] == _operator(2)) seen2 = true;
        }
        assertTrue(seenLate && seen2, "both listed");
        verifier.updateOperators(outdated);
        assertEq(verifier.outdatedOperators().length, 0);
        (, w) = verifier.operatorStateAt(late, uint32(block.number));
        assertEq(uint256(w), STAKE);
        (, w) = verifier.operatorStateAt(_operator(2), uint32(block.number));
        assertEq(uint256(w), 250 ether);
    }

    // ------------------------------------------------------------------ certificates

    function test_certificateAllSigners() public {
        Checkpoint memory cp = _checkpoint(7, "b7", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2, 3, 4), _none());
        (uint96 signed, uint96 total) = verifier.verifyCertificate(cert);
        assertEq(uint256(signed), 4 * STAKE);
        assertEq(uint256(total), 4 * STAKE);
        assertTrue(verifier.submitCertificate(cert));
        assertTrue(verifier.isCertified(cp));
        assertTrue(verifier.isBlockCertified(cp.rollupId, cp.height, cp.blockHash, cp.stateRoot));
        (uint256 s, uint256 t) = verifier.certifiedStake(cp);
        assertEq(s, 4 * STAKE);
        assertEq(t, 4 * STAKE);
    }

    /// @dev DESIGN.md: with four equal operators, three signers certify and two do not.
    function test_thresholdThreeOfFour() public {
        Checkpoint memory cp = _checkpoint(8, "b8", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2, 4), _list(3));
        (uint96 signed,) = verifier.verifyCertificate(cert);
        assertEq(uint256(signed), 3 * STAKE);

        cert = _certificate(cp, _list(1, 2), _list(3, 4));
        vm.expectRevert(
            abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, 2 * STAKE, 4 * STAKE, uint256(6667))
        );
        verifier.verifyCertificate(cert);
    }

    /// @dev For any stakes and any signer subset: certified iff signed * 10_000 >= 6667 * total.
    function testFuzz_thresholdRule(uint64[4] memory stakes, uint8 mask) public {
        address[] memory ops = new address[](4);
        uint256 total;
        for (uint256 i; i < 4; ++i) {
            ops[i] = _operator(i + 1);
            _setStake(i + 1, stakes[i]);
            total += stakes[i];
        }
        verifier.updateOperators(ops);
        vm.roll(1011);
        uint256 nSigners;
        for (uint256 i; i < 4; ++i) {
            if ((mask >> i) & 1 == 1) ++nSigners;
        }
        uint256[] memory signers = new uint256[](nSigners);
        uint256[] memory nonSigners = new uint256[](4 - nSigners);
        uint256 signed;
        (uint256 a, uint256 b) = (0, 0);
        for (uint256 i; i < 4; ++i) {
            if ((mask >> i) & 1 == 1) {
                signers[a++] = i + 1;
                signed += stakes[i];
            } else {
                nonSigners[b++] = i + 1;
            }
        }
        Certificate memory cert = _certificate(_checkpoint(5, "b5", 1010), signers, nonSigners);
        if (total == 0) {
            vm.expectRevert(VigilVerifier.EmptySet.selector);
        } else if (nSigners == 0) {
            vm.expectRevert(VigilVerifier.InvalidSignature.selector); // the identity signature
        } else if (signed == 0) {
            vm.expectRevert(VigilVerifier.EmptySignerSet.selector);
        } else if (signed * 10_000 < 6667 * total) {
            vm.expectRevert(abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, signed, total, 6667));
        }
        verifier.verifyCertificate(cert);
    }

    function test_rollupThreshold() public {
        verifier.queueRollupThreshold(901, 10_000);
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(901);
        Checkpoint memory cp = _checkpoint(8, "b8", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2, 4), _list(3));
        vm.expectRevert(
            abi.encodeWithSelector(VigilVerifier.InsufficientStake.selector, 3 * STAKE, 4 * STAKE, uint256(10_000))
        );
        verifier.verifyCertificate(cert);
        verifier.queueRollupThreshold(901, 0); // back to the default
        _afterGovernanceDelay();
        verifier.applyRollupThreshold(901);
        verifier.verifyCertificate(cert);
    }

    function test_wrongNonSignerListFails() public {
        Checkpoint memory cp = _checkpoint(9, "b9", 1005);
        // Operator 3 signed but is listed as a non-signer: the apk no longer matches.
        Certificate memory cert = _certificate(cp, _list(1, 2, 3), _list(3));
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(cert);
        // Operator 4 did not sign and is not listed.
        cert = _certificate(cp, _list(1, 2, 3), _none());
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(cert);
    }

    function test_nonSignersMustBeSortedAndUnique() public {
        Checkpoint memory cp = _checkpoint(9, "b9", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2), _list(3, 4));
        bytes memory sorted = cert.nonSignerPubkeys;
        // swap the two keys
        bytes memory a = new bytes(256);
        bytes memory b = new bytes(256);
        for (uint256 j; j < 256; ++j) {
            a[j] = sorted[j];
            b[j] = sorted[256 + j];
        }
        cert.nonSignerPubkeys = bytes.concat(b, a);
        vm.expectRevert(VigilVerifier.NonSignersNotSorted.selector);
        verifier.verifyCertificate(cert);
        cert.nonSignerPubkeys = bytes.concat(a, a);
        vm.expectRevert(VigilVerifier.NonSignersNotSorted.selector);
        verifier.verifyCertificate(cert);
    }

    function test_unknownNonSignerRefused() public {
        Checkpoint memory cp = _checkpoint(9, "b9", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2, 3, 4), _list(12));
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.NonSignerNotInSet.selector, keccak256(_pk(12))));
        verifier.verifyCertificate(cert);
    }

    function test_l1BlockWindow() public {
        Certificate memory cert = _certificate(_checkpoint(1, "b", 1010), _list(1, 2, 3, 4), _none());
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.L1BlockInFuture.selector, uint64(1010)));
        verifier.verifyCertificate(cert);
        cert = _certificate(_checkpoint(1, "b", 1009), _list(1, 2, 3, 4), _none());
        verifier.verifyCertificate(cert);
        vm.roll(1009 + MAX_AGE + 1);
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.L1BlockTooOld.selector, uint64(1009), uint256(MAX_AGE)));
        verifier.verifyCertificate(cert);
    }

    function test_certificateBeforeDeploymentFails() public {
        Certificate memory cert = _certificate(_checkpoint(1, "b", 999), _list(1, 2, 3, 4), _none());
        vm.expectRevert(abi.encodeWithSelector(VigilRegistrar.NoSnapshotAt.selector, uint256(999)));
        verifier.verifyCertificate(cert);
    }

    function test_emptySetFails() public {
        for (uint256 i = 1; i <= 4; ++i) {
            _deregister(i);
        }
        vm.roll(1011);
        Certificate memory cert = _certificate(_checkpoint(1, "b", 1010), _list(1), _none());
        vm.expectRevert(VigilVerifier.EmptySet.selector);
        verifier.verifyCertificate(cert);
        (bytes memory apk,) = verifier.setStateAt(1010);
        assertEq(apk, new bytes(256));
    }

    function test_signerSetFromHistory() public {
        // A certificate at l1Block 1005 stays valid after operator 4 leaves at 1010.
        _deregister(4);
        vm.roll(1015);
        Certificate memory cert = _certificate(_checkpoint(3, "b3", 1005), _list(1, 2, 3, 4), _none());
        verifier.verifyCertificate(cert);
        // At 1012 operator 4 is gone: the three remaining sign everything.
        cert = _certificate(_checkpoint(3, "b3", 1012), _list(1, 2, 3), _none());
        (uint96 signed, uint96 total) = verifier.verifyCertificate(cert);
        assertEq(uint256(signed), 3 * STAKE);
        assertEq(uint256(total), 3 * STAKE);
        // And operator 4 may not be listed as a non-signer there.
        cert = _certificate(_checkpoint(3, "b3", 1012), _list(1, 2, 3), _list(4));
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.NonSignerNotInSet.selector, keccak256(_pk(4))));
        verifier.verifyCertificate(cert);
    }

    function test_identityOrMalformedSignatureRefused() public {
        Certificate memory cert = _certificate(_checkpoint(1, "b", 1005), _list(1, 2, 3, 4), _none());
        cert.signature = new bytes(128);
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(cert);
        cert.signature = new bytes(96);
        vm.expectRevert(VigilVerifier.InvalidSignatureLength.selector);
        verifier.verifyCertificate(cert);
    }

    function test_otherDomainSignatureFails() public {
        Checkpoint memory cp = _checkpoint(1, "b", 1005);
        bytes32 d = CheckpointLib.digest(cp, block.chainid + 1, address(verifier), SET_ID);
        bytes memory sig = new bytes(128);
        for (uint256 i = 1; i <= 4; ++i) {
            sig = BLS12381.g1Add(sig, BLSSigner.sign(_sk(i), d, BLS12381.DST_SIG));
        }
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(Certificate(cp, "", sig));
    }

    function test_signatureOnAnotherCheckpointRefused() public {
        Checkpoint memory cp = _checkpoint(1, "b", 1005);
        Certificate memory cert = _certificate(_checkpoint(2, "b", 1005), _list(1, 2, 3, 4), _none());
        cert.checkpoint = cp;
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(cert);
        // One signer's share replaced by its signature on another block.
        cert = _certificate(cp, _list(1, 2, 3), _none());
        cert.signature = BLS12381.g1Add(cert.signature, _sign(4, _checkpoint(1, "other", 1005)));
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        verifier.verifyCertificate(cert);
    }

    function test_submitFirstRecordedSameNoopConflictRefused() public {
        Checkpoint memory cp = _checkpoint(20, "b20", 1005);
        assertTrue(verifier.submitCertificate(_certificate(cp, _list(1, 2, 3, 4), _none())));
        // Same block, another DA commitment and L1 block: no-op.
        Checkpoint memory again = cp;
        again.daCommitment = keccak256("da2");
        again.l1Block = 1006;
        assertFalse(verifier.submitCertificate(_certificate(again, _list(1, 2, 3), _list(4))));
        assertFalse(verifier.isCertified(again), "only the recorded variant");
        assertTrue(verifier.isBlockCertified(again.rollupId, again.height, again.blockHash, again.stateRoot));
        // Another block at the same height: refused.
        Checkpoint memory other = _checkpoint(20, "other", 1005);
        Certificate memory otherCert = _certificate(other, _list(1, 2, 3, 4), _none());
        vm.expectRevert(
            abi.encodeWithSelector(
                VigilVerifier.ConflictingCheckpoint.selector,
                keccak256(abi.encode(cp.blockHash, cp.stateRoot)),
                keccak256(abi.encode(other.blockHash, other.stateRoot))
            )
        );
        verifier.submitCertificate(otherCert);
        assertFalse(verifier.isCertified(other));
    }

    function test_submitEmitsEvent() public {
        Checkpoint memory cp = _checkpoint(21, "b21", 1005);
        Certificate memory cert = _certificate(cp, _list(1, 2, 3, 4), _none());
        vm.expectEmit(address(verifier));
        emit VigilVerifier.CheckpointCertified(
            cp.rollupId,
            cp.height,
            CheckpointLib.digest(cp, block.chainid, address(verifier), SET_ID),
            cp.blockHash,
            cp.stateRoot,
            cp.daCommitment,
            cp.l1Block,
            4 * STAKE96,
            4 * STAKE96
        );
        verifier.submitCertificate(cert);
    }

    function test_onlyOwnerConfig() public {
        vm.prank(address(0xbad));
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.queueDefaultThreshold(5000);
        vm.expectRevert(abi.encodeWithSelector(VigilVerifier.InvalidThreshold.selector, uint256(10_001)));
        verifier.queueDefaultThreshold(10_001);
        vm.prank(address(0xbad));
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.queueMaxCertificateAge(1);
        vm.prank(address(0xbad));
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.setStrategies(new VigilRegistrar.StrategyParams[](0));
    }
}
