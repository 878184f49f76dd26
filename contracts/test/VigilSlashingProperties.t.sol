// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilSlasher} from "../src/VigilSlasher.sol";
import {Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Slashing properties on EigenLayer's real v1.3.0 core, fuzzed: an honest operator is never
///         slashed whatever is submitted against it, and one offence slashes exactly once whatever
///         evidence proves it, in whatever order and however often it is submitted. "Slashed" is read
///         from EigenLayer itself (the operator's max magnitude), not from Vigil's bookkeeping.
contract VigilSlashingPropertiesTest is VigilFixture {
    uint64 internal constant H = 60;

    /// @dev The recorded certificate at height H: block X signed by all four.
    Checkpoint internal x;
    bytes internal nonSignersX;

    function setUp() public {
        _deployAndRegister(4, 4);
        x = _checkpoint(H, "honest", 1005);
        Certificate memory cert = _certificate(x, _list(1, 2, 3, 4), _none());
        verifier.submitCertificate(cert);
        nonSignersX = cert.nonSignerPubkeys;
    }

    function _signed(uint256 i, Checkpoint memory cp) internal view returns (VigilSlasher.SignedCheckpoint memory) {
        return VigilSlasher.SignedCheckpoint(cp, _sign(i, cp));
    }

    function _aggregate(Checkpoint memory cp, uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (VigilSlasher.Aggregate memory)
    {
        Certificate memory c = _certificate(cp, signers, nonSigners);
        return VigilSlasher.Aggregate(cp, c.nonSignerPubkeys, c.signature);
    }

    // ------------------------------------------------------------------ one offence, one slash

    /// @dev Operator 1 signed X (in the recorded certificate) and conflicting blocks Y and Z at the same
    ///      height. Six pieces of evidence each prove the offence; any order, with repeats, slashes once:
    ///      the first submission slashes, every later one is refused as already punished.
    function testFuzz_oneOffenceSlashesOnce(uint256 orderSeed, uint8 count) public {
        Checkpoint memory y = _checkpoint(H, "lie", 1006);
        Checkpoint memory z = _checkpoint(H, "another lie", 1007);
        Checkpoint memory xDa = x; // the same block, reposted: still conflicts with Y
        xDa.daCommitment = keccak256("reposted");
        uint256 n = 1 + uint256(count) % 8;
        bytes32 id = slasher.offenceId(_operator(1), x.rollupId, H);
        // Evidence is made before any expectRevert (it makes precompile calls of its own).
        VigilSlasher.SignedCheckpoint memory sx = _signed(1, x);
        VigilSlasher.SignedCheckpoint memory sy = _signed(1, y);
        VigilSlasher.SignedCheckpoint memory sz = _signed(1, z);
        VigilSlasher.SignedCheckpoint memory sxDa = _signed(1, xDa);
        VigilSlasher.Aggregate memory aggY = _aggregate(y, _list(1, 2), _list(3, 4));
        VigilSlasher.Aggregate memory aggZ = _aggregate(z, _list(1), _list(2, 3, 4));
        for (uint256 k; k < n; ++k) {
            uint256 kind = uint256(keccak256(abi.encode(orderSeed, k))) % 6;
            if (k > 0) vm.expectRevert(abi.encodeWithSelector(VigilSlasher.AlreadyPunished.selector, id));
            if (kind == 0) {
                slasher.submitDoubleSign(_operator(1), sx, sy);
            } else if (kind == 1) {
                slasher.submitDoubleSign(_operator(1), sy, sx); // reversed
            } else if (kind == 2) {
                slasher.submitDoubleSign(_operator(1), sxDa, sy);
            } else if (kind == 3) {
                slasher.submitDoubleSign(_operator(1), sz, sy); // neither is the recorded block
            } else if (kind == 4) {
                slasher.submitCertificateConflict(_operator(1), x, nonSignersX, aggY);
            } else {
                slasher.submitCertificateConflict(_operator(1), x, nonSignersX, aggZ);
            }
            assertEq(_slashedWad(1), 5e16, "slashed exactly once");
        }
        assertTrue(slasher.isPunished(_operator(1), x.rollupId, H));
        for (uint256 i = 2; i <= 4; ++i) {
            assertEq(_slashedWad(i), 0, "bystanders untouched");
        }
    }

    // ------------------------------------------------------------------ the honest are never slashed

    /// @dev Operator 1 is honest: at height H it signed only X (also reposted with another
    ///      daCommitment and l1Block, which honest operators do). Operator 2 is byzantine and signed Y
    ///      too. Whatever mix of the evidence anyone can assemble is submitted against operator 1, it
    ///      is refused and EigenLayer never slashes it; the byzantine operator's real evidence still
    ///      slashes it, so the slasher is live throughout.
    function testFuzz_honestOperatorNeverSlashed(uint256 seed) public {
        Checkpoint memory y = _checkpoint(H, "lie", 1006);
        Checkpoint memory xDa = x;
        xDa.daCommitment = keccak256("reposted");
        xDa.l1Block = 1007;
        // Evidence is made before any expectRevert (it makes precompile calls of its own).
        VigilSlasher.SignedCheckpoint memory honestX = _signed(1, x);
        VigilSlasher.SignedCheckpoint memory honestXDa = _signed(1, xDa);
        VigilSlasher.SignedCheckpoint memory byzantineY = _signed(2, y);
        VigilSlasher.SignedCheckpoint memory replayedOnY = VigilSlasher.SignedCheckpoint(y, honestX.signature);
        VigilSlasher.Aggregate memory yWithout1 = _aggregate(y, _list(2, 3, 4), _list(1));
        VigilSlasher.Aggregate memory yClaiming1 = _aggregate(y, _list(2, 3, 4), _none());
        VigilSlasher.Aggregate memory xAgain = _aggregate(xDa, _list(1, 2, 3, 4), _none());
        VigilSlasher.Aggregate memory xAll = _aggregate(x, _list(1, 2, 3, 4), _none());
        for (uint256 k; k < 4; ++k) {
            uint256 kind = uint256(keccak256(abi.encode(seed, k))) % 8;
            if (kind == 0) {
                // Two honest signatures on the same block.
                vm.expectRevert(VigilSlasher.NotConflicting.selector);
                slasher.submitDoubleSign(_operator(1), honestX, honestXDa);
            } else if (kind == 1) {
                // The byzantine operator's signature on Y passed off as operator 1's.
                vm.expectRevert(VigilSlasher.InvalidOperatorSignature.selector);
                slasher.submitDoubleSign(_operator(1), honestX, byzantineY);
            } else if (kind == 2) {
                // Operator 1's signature on X replayed as a signature on Y.
                vm.expectRevert(VigilSlasher.InvalidOperatorSignature.selector);
                slasher.submitDoubleSign(_operator(1), honestX, replayedOnY);
            } else if (kind == 3) {
                // An aggregate on Y by 2, 3, 4 that lists operator 1 as a non-signer.
                vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(1)));
                slasher.submitCertificateConflict(_operator(1), x, nonSignersX, yWithout1);
            } else if (kind == 4) {
                // The same aggregate claiming operator 1 signed it too (not listed): the signature fails.
                vm.expectRevert(VigilVerifier.InvalidSignature.selector);
                slasher.submitCertificateConflict(_operator(1), x, nonSignersX, yClaiming1);
            } else if (kind == 5) {
                // A second certificate of the same block.
                vm.expectRevert(VigilSlasher.NotConflicting.selector);
                slasher.submitCertificateConflict(_operator(1), x, nonSignersX, xAgain);
            } else if (kind == 6) {
                // A record that is not the recorded one (claiming operator 1 signed something else).
                vm.expectRevert(VigilSlasher.RecordMismatch.selector);
                slasher.submitCertificateConflict(_operator(1), y, nonSignersX, xAll);
            } else {
                // The byzantine operator's real offence: slashed once, and only it.
                if (slasher.isPunished(_operator(2), x.rollupId, H)) continue;
                slasher.submitDoubleSign(_operator(2), _signed(2, x), byzantineY);
                assertEq(_slashedWad(2), 5e16);
            }
        }
        assertEq(_slashedWad(1), 0, "honest operator slashed");
        assertFalse(slasher.isPunished(_operator(1), x.rollupId, H));
        assertEq(_slashedWad(3), 0);
        assertEq(_slashedWad(4), 0);
    }
}
