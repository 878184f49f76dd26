// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilSlasher} from "../src/VigilSlasher.sol";
import {BatchCertificate, Certificate} from "../src/VigilVerifier.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {BatchHeader, BatchLib, InclusionProof} from "../src/libraries/BatchLib.sol";
import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {BLSSigner} from "./utils/BLSSigner.sol";
import {BatchHarness, BatchTrees} from "./utils/BatchHarness.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Headline gas figures on EigenLayer's real v1.3.0 core. Each test makes one cold call, as a
///         transaction would, and reads the gas of that call as forge measures it (vm.lastCallGas, the
///         figure of `--gas-report`; it excludes the 21,000 intrinsic gas, the calldata and the caller's
///         ABI encoding, which crates/vigil-chain/benches/gas.rs measures as whole transactions on anvil).
///         Targets: verification <= 130,000 gas with no non-signer and <= 10,000 more per non-signer,
///         plus the fixed cost of reaching it through its transparent proxy ({PROXY_DISPATCH}).
///         `script/gas-table.sh` runs this (`forge test --match-contract VigilGasTest -vv`) and the bench.
///
///         The set: SMALL operators with 1 ether of stake each (the non-signers, so that 50 of them still
///         leave the threshold met) and BIG operators with 100 ether each.
///
///         Batch certificates: R checkpoints under one root. The verifier sees only the header, so
///         verifying or recording one costs the same for any R (measured for R = 1, 10, 100, 1000);
///         R shows in {isCertifiedInBatch}, whose proof has log2(R) siblings (R = 100, 1000 are
///         certified in setUp, so that the measured call finds them cold, as a rollup's would).
contract VigilGasTest is VigilFixture {
    uint256 internal constant SMALL = 50;
    uint256 internal constant BIG = 4;
    uint256 internal constant N = SMALL + BIG;
    /// @dev Made an EigenLayer operator but left unregistered, to measure a registration.
    uint256 internal constant NEWCOMER = N + 1;
    /// @dev What every call through the verifier's TransparentUpgradeableProxy (OpenZeppelin 4.9)
    ///      adds when cold: the admin slot and the implementation slot (2 x 2,100), the implementation's
    ///      account (2,600) and the forwarding of calldata and return data (measured: about 7,150).
    uint256 internal constant PROXY_DISPATCH = 7200;

    Certificate internal c0;
    Certificate internal c1;
    Certificate internal c10;
    Certificate internal c50;

    /// @dev The last checkpoint of a certified batch of 100 (1000) and its proof (depth 7, 10).
    Checkpoint internal member100;
    Checkpoint internal member1000;
    bytes32 internal root100;
    bytes32 internal root1000;
    InclusionProof internal proof100;
    InclusionProof internal proof1000;

    /// @dev A single checkpoint certified in setUp, to compare {isCertified} with {isCertifiedInBatch}.
    Certificate internal recordedSingle;
    BatchHarness internal harness;

    function setUp() public {
        _deployVigil(NEWCOMER);
        for (uint256 i = 1; i <= SMALL; ++i) {
            _setStake(i, 1 ether);
        }
        for (uint256 i = 1; i <= N; ++i) {
            _register(i);
        }
        vm.roll(1010);
        Checkpoint memory cp = _checkpoint(7, "b7", 1005);
        c0 = _fastCertificate(cp, 0);
        c1 = _fastCertificate(cp, 1);
        c10 = _fastCertificate(cp, 10);
        c50 = _fastCertificate(cp, 50);

        recordedSingle = _fastCertificate(_checkpoint(9, "single", 1005), 0);
        assertTrue(verifier.submitCertificate(recordedSingle));
        harness = new BatchHarness();
        (root100, member100, proof100) = _certifiedBatch(100);
        (root1000, member1000, proof1000) = _certifiedBatch(1000);
    }

    /// @dev A batch of `r` checkpoints certified by everyone; its root, last checkpoint and that one's proof.
    function _certifiedBatch(uint256 r)
        internal
        returns (bytes32 root, Checkpoint memory last, InclusionProof memory proof)
    {
        Checkpoint[] memory cps = BatchTrees.checkpoints(r, 1000, 1005, bytes32(r));
        bytes32[] memory leaves = BatchTrees.leafHashes(cps);
        root = BatchLib.computeRoot(leaves);
        // forge-lint: disable-next-line(unsafe-typecast)
        BatchHeader memory h = BatchHeader(root, uint32(r), 1000, 1005);
        assertTrue(verifier.submitBatchCertificate(_fastBatchCertificate(h, 0)));
        last = cps[r - 1];
        proof = BatchTrees.proof(leaves, r - 1);
    }

    /// @dev The header of a batch of `r` checkpoints (l1Blocks 1000..1005), its root over real leaves.
    function _batchHeader(uint256 r, bytes32 seed) internal pure returns (BatchHeader memory) {
        Checkpoint[] memory cps = BatchTrees.checkpoints(r, 1000, 1005, seed);
        // forge-lint: disable-next-line(unsafe-typecast)
        return BatchHeader(BatchLib.computeRoot(BatchTrees.leafHashes(cps)), uint32(r), 1000, 1005);
    }

    /// @dev As {_fastCertificate}, for a batch header.
    function _fastBatchCertificate(BatchHeader memory h, uint256 k) internal view returns (BatchCertificate memory) {
        (bytes memory nonSigners, bytes memory sig) =
            _fastAggregate(BatchLib.digest(h, block.chainid, address(verifier), SET_ID), k);
        return BatchCertificate(h, nonSigners, sig);
    }

    function _batchLabel(string memory call, uint256 r, uint256 k) internal pure returns (string memory) {
        return
            string.concat(call, ", ", vm.toString(r), r == 1 ? " leaf, " : " leaves, ", vm.toString(k), " non-signers");
    }

    /// @dev One cold verifyBatchCertificate (or submitBatchCertificate) of a fresh batch of `r` leaves
    ///      with `k` non-signers.
    function _measureBatch(uint256 r, uint256 k, bool submit) internal returns (uint256 used) {
        BatchCertificate memory c = _fastBatchCertificate(_batchHeader(r, "measured"), k);
        if (submit) {
            assertTrue(verifier.submitBatchCertificate(c), "recorded");
            used = vm.lastCallGas().gasTotalUsed;
            emit log_named_uint(_batchLabel("submitBatchCertificate (call)", r, k), used);
        } else {
            (uint96 signed, uint96 total) = verifier.verifyBatchCertificate(c);
            used = vm.lastCallGas().gasTotalUsed;
            assertLe(total - signed, k * 1 ether, "the non-signers' weight");
            emit log_named_uint(_batchLabel("verifyBatchCertificate", r, k), used);
        }
    }

    /// @dev Operators 1..k do not sign, everyone else does. The aggregate signature is made with the sum
    ///      of the signers' secret keys (one scalar multiplication instead of N: the same point).
    function _fastCertificate(Checkpoint memory cp, uint256 k) internal view returns (Certificate memory) {
        (bytes memory nonSigners, bytes memory sig) =
            _fastAggregate(CheckpointLib.digest(cp, block.chainid, address(verifier), SET_ID), k);
        return Certificate(cp, nonSigners, sig);
    }

    /// @dev Operators 1..k as non-signers (sorted keys) and everyone else's aggregate on `d`.
    function _fastAggregate(bytes32 d, uint256 k) internal view returns (bytes memory nonSigners, bytes memory sig) {
        uint256 skSum;
        for (uint256 i = k + 1; i <= N; ++i) {
            skSum = addmod(skSum, _sk(i), BLSSigner.R);
        }
        uint256[] memory ids = new uint256[](k);
        for (uint256 i; i < k; ++i) {
            ids[i] = i + 1;
        }
        return (_sortedKeys(ids), BLSSigner.sign(skSum, d, BLS12381.DST_SIG));
    }

    function _measureVerify(Certificate memory c, string memory label) internal returns (uint256 used) {
        verifier.verifyCertificate(c);
        used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint(label, used);
    }

    function _measureSubmit(Certificate memory c, string memory label) internal returns (uint256 used) {
        assertTrue(verifier.submitCertificate(c), "recorded");
        used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint(label, used);
    }

    function test_gas_register() public {
        bytes memory data = _registrationData(NEWCOMER, _operator(NEWCOMER));
        _registerAs(_operator(NEWCOMER), data);
        emit log_named_uint(
            "registerForOperatorSets (real AllocationManager + registrar), 55th operator", vm.lastCallGas().gasTotalUsed
        );
        assertEq(verifier.members().length, N + 1);
    }

    function test_gas_verify_0_nonSigners() public {
        assertLe(_measureVerify(c0, "verifyCertificate, 0 non-signers"), 130_000 + PROXY_DISPATCH, "target");
    }

    function test_gas_verify_1_nonSigner() public {
        _measureVerify(c1, "verifyCertificate, 1 non-signer");
    }

    function test_gas_verify_10_nonSigners() public {
        _measureVerify(c10, "verifyCertificate, 10 non-signers");
    }

    function test_gas_verify_50_nonSigners() public {
        _measureVerify(c50, "verifyCertificate, 50 non-signers");
    }

    /// @dev Per non-signer, from 0 and 50 (state reverted in between; the 50 first, so that anything
    ///      left warm could only lower the 0 and raise the per-non-signer figure).
    function test_gas_perNonSigner() public {
        uint256 snap = vm.snapshotState();
        uint256 g50 = _measureVerify(c50, "50");
        vm.revertToState(snap);
        uint256 g0 = _measureVerify(c0, "0");
        uint256 per = (g50 - g0) / 50;
        emit log_named_uint("per non-signer", per);
        assertLe(per, 10_000, "target");
    }

    function test_gas_submit_0_nonSigners() public {
        _measureSubmit(c0, "submitCertificate (call, records the checkpoint), 0 non-signers");
    }

    function test_gas_submit_1_nonSigner() public {
        _measureSubmit(c1, "submitCertificate (call), 1 non-signer");
    }

    function test_gas_submit_10_nonSigners() public {
        _measureSubmit(c10, "submitCertificate (call), 10 non-signers");
    }

    function test_gas_submit_50_nonSigners() public {
        _measureSubmit(c50, "submitCertificate (call), 50 non-signers");
    }

    function test_gas_verifyBatch_1_0() public {
        _measureBatch(1, 0, false);
    }

    function test_gas_verifyBatch_10_0() public {
        _measureBatch(10, 0, false);
    }

    function test_gas_verifyBatch_100_0() public {
        _measureBatch(100, 0, false);
    }

    function test_gas_verifyBatch_1000_0() public {
        _measureBatch(1000, 0, false);
    }

    function test_gas_verifyBatch_1_10() public {
        _measureBatch(1, 10, false);
    }

    function test_gas_verifyBatch_10_10() public {
        _measureBatch(10, 10, false);
    }

    function test_gas_verifyBatch_100_10() public {
        _measureBatch(100, 10, false);
    }

    function test_gas_verifyBatch_1000_10() public {
        _measureBatch(1000, 10, false);
    }

    function test_gas_submitBatch_1_0() public {
        _measureBatch(1, 0, true);
    }

    function test_gas_submitBatch_10_0() public {
        _measureBatch(10, 0, true);
    }

    function test_gas_submitBatch_100_0() public {
        _measureBatch(100, 0, true);
    }

    function test_gas_submitBatch_1000_0() public {
        _measureBatch(1000, 0, true);
    }

    function test_gas_submitBatch_1_10() public {
        _measureBatch(1, 10, true);
    }

    function test_gas_submitBatch_10_10() public {
        _measureBatch(10, 10, true);
    }

    function test_gas_submitBatch_100_10() public {
        _measureBatch(100, 10, true);
    }

    function test_gas_submitBatch_1000_10() public {
        _measureBatch(1000, 10, true);
    }

    function test_gas_isCertifiedInBatch_100() public {
        assertTrue(batchRoots.isCertifiedInBatch(member100, root100, proof100));
        emit log_named_uint("isCertifiedInBatch, 100 leaves (proof depth 7)", vm.lastCallGas().gasTotalUsed);
        assertEq(proof100.siblings.length, 7);
    }

    function test_gas_isCertifiedInBatch_1000() public {
        assertTrue(batchRoots.isCertifiedInBatch(member1000, root1000, proof1000));
        emit log_named_uint("isCertifiedInBatch, 1000 leaves (proof depth 10)", vm.lastCallGas().gasTotalUsed);
        assertEq(proof1000.siblings.length, 10);
    }

    /// @dev A rollup with its own threshold (here the default's value) pays one more cold slot.
    function test_gas_isCertifiedInBatch_100_ownThreshold() public {
        verifier.queueRollupThreshold(member100.rollupId, 6667);
        vm.warp(block.timestamp + GOV_DELAY);
        verifier.applyRollupThreshold(member100.rollupId);
        vm.cool(address(batchRoots)); // cold again, as a rollup's transaction finds it
        assertTrue(batchRoots.isCertifiedInBatch(member100, root100, proof100));
        emit log_named_uint(
            "isCertifiedInBatch, 100 leaves (proof depth 7), rollup with its own threshold",
            vm.lastCallGas().gasTotalUsed
        );
    }

    /// @dev The same question for a checkpoint certified alone: the fixed cost both forms pay (the
    ///      proxy's dispatch, the record's cold slot, the threshold's).
    function test_gas_isCertified_single() public {
        assertTrue(verifier.isCertified(recordedSingle.checkpoint));
        emit log_named_uint("isCertified (a checkpoint certified alone)", vm.lastCallGas().gasTotalUsed);
    }

    /// @dev The inclusion check alone (leaf hash and fold), without the record lookup: what
    ///      {isCertifiedInBatch} adds to {isCertified}'s fixed cost.
    function test_gas_inclusionProof_100() public {
        assertTrue(harness.includes(member100, root100, 100, proof100));
        emit log_named_uint("inclusion proof alone, 100 leaves (depth 7)", vm.lastCallGas().gasTotalUsed);
        InclusionProof memory wrong = proof100;
        wrong.index ^= 1;
        assertFalse(harness.includes(member100, root100, 100, wrong));
    }

    function test_gas_inclusionProof_1000() public {
        assertTrue(harness.includes(member1000, root1000, 1000, proof1000));
        emit log_named_uint("inclusion proof alone, 1000 leaves (depth 10)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_doubleSign() public {
        Checkpoint memory a = _checkpoint(50, "honest", 1005);
        Checkpoint memory b = _checkpoint(50, "lie", 1006);
        VigilSlasher.SignedCheckpoint memory sa = VigilSlasher.SignedCheckpoint(a, _sign(N, a));
        VigilSlasher.SignedCheckpoint memory sb = VigilSlasher.SignedCheckpoint(b, _sign(N, b));
        slasher.submitDoubleSign(_operator(N), sa, sb);
        emit log_named_uint("submitDoubleSign + slashOperator (call)", vm.lastCallGas().gasTotalUsed);
        // forge's figure is before refunds; a receipt's gasUsed is after them.
        emit log_named_int("  storage refund of that call", vm.lastCallGas().gasRefunded);
        assertEq(_slashedWad(N), 5e16);
    }

    function test_gas_certificateConflict() public {
        verifier.submitCertificate(c1);
        Checkpoint memory lie = _checkpoint(7, "lie", 1006);
        Certificate memory b = _fastCertificate(lie, 1);
        slasher.submitCertificateConflict(
            _operator(N),
            c1.checkpoint,
            c1.nonSignerPubkeys,
            VigilSlasher.Aggregate(lie, b.nonSignerPubkeys, b.signature)
        );
        emit log_named_uint(
            "submitCertificateConflict + slashOperator (call), 1 non-signer each", vm.lastCallGas().gasTotalUsed
        );
        emit log_named_int("  storage refund of that call", vm.lastCallGas().gasRefunded);
        assertEq(_slashedWad(N), 5e16);
    }
}
