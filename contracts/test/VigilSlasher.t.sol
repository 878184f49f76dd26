// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilServiceManager} from "../src/VigilServiceManager.sol";
import {VigilSlasher} from "../src/VigilSlasher.sol";
import {Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {IAllocationManager, OperatorSet, SlashingParams} from "../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../src/interfaces/IPermissionController.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {AllocationManagerV19Mock} from "./mocks/AllocationManagerV19Mock.sol";
import {Vm} from "./utils/Test.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @dev The event EigenLayer v1.3.0's AllocationManager emits for each slash.
interface IELAllocationManagerEvents {
    event OperatorSlashed(
        address operator, OperatorSet operatorSet, address[] strategies, uint256[] wadSlashed, string description
    );
}

contract VigilSlasherTest is VigilFixture {
    address internal constant COMMITTEE = address(0xc0c0);

    function setUp() public {
        _deployAndRegister(4, 4);
    }

    function _signed(uint256 i, Checkpoint memory cp) internal view returns (VigilSlasher.SignedCheckpoint memory) {
        return VigilSlasher.SignedCheckpoint(cp, _sign(i, cp));
    }

    // ------------------------------------------------------------------ kind 1: double sign

    function test_doubleSignSlashes() public {
        Checkpoint memory a = _checkpoint(50, "honest", 1005);
        Checkpoint memory b = _checkpoint(50, "lie", 1006);
        address[] memory strategies = new address[](1);
        strategies[0] = strategy;
        uint256[] memory wads = new uint256[](1);
        wads[0] = 5e16;
        // EigenLayer's own record of the slash: operator, set, strategy, share and description.
        vm.expectEmit(address(am));
        emit IELAllocationManagerEvents.OperatorSlashed(
            _operator(2),
            OperatorSet(address(sm), SET_ID),
            strategies,
            wads,
            "vigil: conflicting checkpoints, rollup 901 height 50"
        );
        bytes32 id = slasher.submitDoubleSign(_operator(2), _signed(2, a), _signed(2, b));
        assertEq(id, slasher.offenceId(_operator(2), 901, 50));
        assertTrue(slasher.isPunished(_operator(2), 901, 50));
        assertEq(_slashedWad(2), 5e16, "5% of the magnitude");
        for (uint256 i = 1; i <= 4; ++i) {
            if (i != 2) assertEq(_slashedWad(i), 0, "others untouched");
        }
        // The slashed operator's weight is refreshed at once (5% of 100 ether slashed).
        vm.roll(1011);
        (, uint96 w) = verifier.operatorStateAt(_operator(2), 1010);
        assertEq(uint256(w), 95 ether);
        (, uint96 total) = verifier.setStateAt(1010);
        assertEq(uint256(total), 395 ether);
    }

    /// @dev EigenLayer v1.3.0's slashOperator returns nothing: the slash goes through and no slash id is
    ///      emitted (v1.5+'s return values: VigilSlasherV19PermissionsTest).
    function test_slashOnV130ReturnsNothing() public {
        VigilSlasher.SignedCheckpoint memory sa = _signed(3, _checkpoint(52, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sb = _signed(3, _checkpoint(52, "b", 1005));
        vm.recordLogs();
        slasher.submitDoubleSign(_operator(3), sa, sb);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool slashed;
        for (uint256 j; j < logs.length; ++j) {
            if (logs[j].emitter != address(slasher)) continue;
            assertTrue(logs[j].topics[0] != VigilSlasher.SlashIdRecorded.selector, "no slash id on v1.3.0");
            if (logs[j].topics[0] == VigilSlasher.OperatorSlashed.selector) slashed = true;
        }
        assertTrue(slashed);
        assertEq(_slashedWad(3), 5e16);
    }

    function test_offencePunishedOnce() public {
        Checkpoint memory a = _checkpoint(51, "honest", 1005);
        Checkpoint memory b = _checkpoint(51, "lie", 1005);
        Checkpoint memory c = _checkpoint(51, "another lie", 1005);
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, a);
        VigilSlasher.SignedCheckpoint memory sb = _signed(1, b);
        VigilSlasher.SignedCheckpoint memory sc = _signed(1, c);
        slasher.submitDoubleSign(_operator(1), sa, sb);
        bytes32 id = slasher.offenceId(_operator(1), 901, 51);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.AlreadyPunished.selector, id));
        slasher.submitDoubleSign(_operator(1), sa, sc);
        assertEq(_slashedWad(1), 5e16, "slashed once");
    }

    function test_sameBlockIsNoOffence() public {
        Checkpoint memory a = _checkpoint(52, "b", 1005);
        Checkpoint memory b = _checkpoint(52, "b", 1006);
        b.daCommitment = keccak256("reposted");
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, a);
        VigilSlasher.SignedCheckpoint memory sb = _signed(1, b);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitDoubleSign(_operator(1), sa, sb);
    }

    function test_doubleSignNeedsTheOperatorsOwnSignatures() public {
        Checkpoint memory a = _checkpoint(53, "honest", 1005);
        Checkpoint memory b = _checkpoint(53, "lie", 1005);
        // Operator 3 signed b, not operator 1.
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, a);
        VigilSlasher.SignedCheckpoint memory sb = _signed(3, b);
        vm.expectRevert(VigilSlasher.InvalidOperatorSignature.selector);
        slasher.submitDoubleSign(_operator(1), sa, sb);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.UnknownOperator.selector, address(0xdead)));
        slasher.submitDoubleSign(address(0xdead), sa, sb);
    }

    // ------------------------------------------------------------------ kind 2: certificate conflict

    function _recordA() internal returns (Checkpoint memory a, bytes memory nonSignersA) {
        a = _checkpoint(60, "honest", 1005);
        Certificate memory cert = _certificate(a, _list(1, 2, 3), _list(4));
        verifier.submitCertificate(cert);
        nonSignersA = cert.nonSignerPubkeys;
    }

    function _aggregateB(uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (VigilSlasher.Aggregate memory)
    {
        Certificate memory c = _certificate(_checkpoint(60, "lie", 1007), signers, nonSigners);
        return VigilSlasher.Aggregate(c.checkpoint, c.nonSignerPubkeys, c.signature);
    }

    function test_certificateConflictSlashesSigners() public {
        (Checkpoint memory a, bytes memory nsA) = _recordA();
        // The conflicting aggregate has far too little stake to certify, but it is still evidence.
        VigilSlasher.Aggregate memory b = _aggregateB(_list(1), _list(2, 3, 4));
        slasher.submitCertificateConflict(_operator(1), a, nsA, b);
        assertEq(_slashedWad(1), 5e16);
        for (uint256 i = 2; i <= 4; ++i) {
            assertEq(_slashedWad(i), 0, "only the operator named");
        }
    }

    function test_certificateConflictOnlySignersOfBoth() public {
        (Checkpoint memory a, bytes memory nsA) = _recordA();
        VigilSlasher.Aggregate memory b = _aggregateB(_list(1, 4), _list(2, 3));
        // Operator 2 signed A but not B; operator 4 signed B but not A.
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(2)));
        slasher.submitCertificateConflict(_operator(2), a, nsA, b);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotInSignerSet.selector, _operator(4)));
        slasher.submitCertificateConflict(_operator(4), a, nsA, b);
        slasher.submitCertificateConflict(_operator(1), a, nsA, b);
    }

    function test_certificateConflictChecksTheRecord() public {
        (Checkpoint memory a, bytes memory nsA) = _recordA();
        VigilSlasher.Aggregate memory b = _aggregateB(_list(1), _list(2, 3, 4));
        // Claiming operator 4 signed A by leaving out the non-signers: refused.
        vm.expectRevert(VigilSlasher.RecordMismatch.selector);
        slasher.submitCertificateConflict(_operator(4), a, "", b);
        // Another variant of the recorded checkpoint: refused.
        Checkpoint memory a2 = a;
        a2.l1Block = 1006;
        vm.expectRevert(VigilSlasher.RecordMismatch.selector);
        slasher.submitCertificateConflict(_operator(1), a2, nsA, b);
        // No record at all.
        Checkpoint memory none = _checkpoint(61, "x", 1005);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NoRecordedCertificate.selector, uint64(901), uint64(61)));
        slasher.submitCertificateConflict(_operator(1), none, nsA, b);
    }

    function test_certificateConflictNeedsValidAggregate() public {
        (Checkpoint memory a, bytes memory nsA) = _recordA();
        // Signed by 1 and 2 but only 3 and 4 listed as non-signers... and operator 2's share missing.
        VigilSlasher.Aggregate memory b = _aggregateB(_list(1), _list(3, 4));
        vm.expectRevert(VigilVerifier.InvalidSignature.selector);
        slasher.submitCertificateConflict(_operator(1), a, nsA, b);
        // Not conflicting: the recorded block itself.
        Certificate memory same = _certificate(a, _list(1, 2, 3, 4), _none());
        VigilSlasher.Aggregate memory s = VigilSlasher.Aggregate(a, same.nonSignerPubkeys, same.signature);
        vm.expectRevert(VigilSlasher.NotConflicting.selector);
        slasher.submitCertificateConflict(_operator(1), a, nsA, s);
    }

    function test_bothEvidenceKindsShareTheOffence() public {
        (Checkpoint memory a, bytes memory nsA) = _recordA();
        VigilSlasher.Aggregate memory b = _aggregateB(_list(1), _list(2, 3, 4));
        slasher.submitCertificateConflict(_operator(1), a, nsA, b);
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, a);
        VigilSlasher.SignedCheckpoint memory sb = _signed(1, b.checkpoint);
        vm.expectRevert(
            abi.encodeWithSelector(VigilSlasher.AlreadyPunished.selector, slasher.offenceId(_operator(1), 901, 60))
        );
        slasher.submitDoubleSign(_operator(1), sa, sb);
    }

    // ------------------------------------------------------------------ veto window

    /// @dev Through the timelock, with the block number unchanged (the veto window counts blocks).
    function _setVetoConfig(address committee, uint32 window) internal {
        slasher.queueVetoConfig(committee, window);
        _afterGovernanceDelay();
        slasher.applyVetoConfig();
    }

    function test_vetoWindow() public {
        _setVetoConfig(COMMITTEE, 10);
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, _checkpoint(70, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sb = _signed(1, _checkpoint(70, "b", 1005));
        bytes32 id = slasher.submitDoubleSign(_operator(1), sa, sb);
        assertEq(_slashedWad(1), 0, "queued, not slashed");

        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.VetoWindowOpen.selector, uint32(1020)));
        slasher.execute(id);
        vm.roll(1020);
        slasher.execute(id);
        assertEq(_slashedWad(1), 5e16);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotQueued.selector, id));
        slasher.execute(id);
    }

    function test_veto() public {
        _setVetoConfig(COMMITTEE, 10);
        VigilSlasher.SignedCheckpoint memory sa = _signed(2, _checkpoint(71, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sb = _signed(2, _checkpoint(71, "b", 1005));
        bytes32 id = slasher.submitDoubleSign(_operator(2), sa, sb);

        vm.expectRevert(VigilSlasher.OnlyVetoCommittee.selector);
        slasher.veto(id);
        vm.prank(COMMITTEE);
        slasher.veto(id);
        vm.roll(1030);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.NotQueued.selector, id));
        slasher.execute(id);
        assertEq(_slashedWad(2), 0);
        // A vetoed offence stays recorded.
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.AlreadyPunished.selector, id));
        slasher.submitDoubleSign(_operator(2), sa, sb);
    }

    function test_vetoAfterWindowRefused() public {
        _setVetoConfig(COMMITTEE, 10);
        VigilSlasher.SignedCheckpoint memory sa = _signed(3, _checkpoint(72, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sb = _signed(3, _checkpoint(72, "b", 1005));
        bytes32 id = slasher.submitDoubleSign(_operator(3), sa, sb);
        vm.roll(1020);
        vm.prank(COMMITTEE);
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.VetoWindowClosed.selector, uint32(1020)));
        slasher.veto(id);
    }

    // ------------------------------------------------------------------ permissions and config

    function test_slasherIsAppointee() public {
        bytes4 sel = IAllocationManager.slashOperator.selector;
        assertTrue(pc.canCall(address(sm), address(slasher), address(am), sel));
        sm.queueSlasher(address(0xabc));
        assertTrue(pc.canCall(address(sm), address(slasher), address(am), sel), "unchanged until applied");
        _afterGovernanceDelay();
        sm.applySlasher();
        assertFalse(pc.canCall(address(sm), address(slasher), address(am), sel));
        assertTrue(pc.canCall(address(sm), address(0xabc), address(am), sel));
        // Without the appointment, evidence cannot slash (and so is not recorded either).
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, _checkpoint(80, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sb = _signed(1, _checkpoint(80, "b", 1005));
        vm.expectRevert(bytes4(keccak256("InvalidPermissions()")));
        slasher.submitDoubleSign(_operator(1), sa, sb);
        assertFalse(slasher.isPunished(_operator(1), 901, 80));
        assertEq(_slashedWad(1), 0);
    }

    function test_slashingParamsValidated() public {
        address[] memory s = new address[](2);
        uint256[] memory w = new uint256[](2);
        (s[0], s[1]) = (address(2), address(1)); // not ascending
        (w[0], w[1]) = (1e17, 1e17);
        vm.expectRevert(VigilSlasher.InvalidSlashingParams.selector);
        slasher.queueSlashingParams(s, w);
        (s[0], s[1]) = (address(1), address(2));
        w[1] = 1e18 + 1;
        vm.expectRevert(VigilSlasher.InvalidSlashingParams.selector);
        slasher.queueSlashingParams(s, w);
        w[1] = 1e18;
        slasher.queueSlashingParams(s, w);
        vm.prank(address(0xbad));
        vm.expectRevert("Ownable: caller is not the owner");
        slasher.queueSlashingParams(s, w);
        _afterGovernanceDelay();
        slasher.applySlashingParams();
        (address[] memory strategies, uint256[] memory wads) = slasher.slashingParams();
        assertEq(strategies.length, 2);
        assertEq(wads[1], 1e18);
    }
}

/// @notice The EigenLayer v1.9+ permission model: the set names its slasher at creation, no appointee.
///         The one test on a mock: there is no v1.9 bytecode here (see contracts/README.md). The
///         PermissionController is the real v1.3.0 one.
contract VigilSlasherV19PermissionsTest is VigilFixture {
    function test_setSlasherModel() public {
        vm.roll(DEPLOY_BLOCK);
        core = deployEigenLayer();
        pc = IPermissionController(core.permissionController);
        AllocationManagerV19Mock mock = new AllocationManagerV19Mock(pc);
        am = IAllocationManager(address(mock));
        strategy = address(core.strategy);
        _newVigilProxies();
        // v1.9: no appointee; the set names the slasher.
        _initServiceManager(address(0));
        sm.updateAVSMetadataURI("uri");
        _initVerifier();
        address[] memory strategies = _strategies();
        uint256[] memory wads = _slashWads();
        // The slasher exists before the set, which names it.
        _initSlasher();
        sm.createOperatorSetWithSlasher(SET_ID, strategies, address(slasher));
        sm.setAVSRegistrar(address(verifier));
        assertEq(sm.slasher(), address(slasher));
        assertEq(mock.slasherOf(address(sm), SET_ID), address(slasher));
        assertFalse(pc.canCall(address(sm), address(slasher), address(am), IAllocationManager.slashOperator.selector));

        mock.setSlashableStake(_operator(1), strategy, STAKE);
        mock.registerForOperatorSets(_operator(1), address(sm), _ids(), _registrationData(1, _operator(1)));
        vm.roll(DEPLOY_BLOCK + 10);
        VigilSlasher.SignedCheckpoint memory a = VigilSlasher.SignedCheckpoint(_checkpoint(9, "a", 1005), "");
        VigilSlasher.SignedCheckpoint memory b = VigilSlasher.SignedCheckpoint(_checkpoint(9, "b", 1005), "");
        a.signature = _sign(1, a.checkpoint);
        b.signature = _sign(1, b.checkpoint);
        // Only the named slasher may slash the set.
        vm.prank(address(0xbad));
        vm.expectRevert(AllocationManagerV19Mock.InvalidCaller.selector);
        am.slashOperator(address(sm), SlashingParams(_operator(1), SET_ID, strategies, wads, ""));
        // v1.5+'s slashOperator returns (slashId, shares): the slasher decodes and emits them.
        uint256[] memory shares = new uint256[](1);
        shares[0] = STAKE * 5e16 / 1e18;
        bytes32 id = slasher.offenceId(_operator(1), 901, 9);
        vm.expectEmit(address(slasher));
        emit VigilSlasher.SlashIdRecorded(id, 1, shares);
        slasher.submitDoubleSign(_operator(1), a, b);
        assertEq(mock.slashCount(), 1);
        assertEq(mock.slashedOperator(0), _operator(1));

        // A new slasher, through the timelock, reaches the set (updateSlasher), not just the
        // PermissionController: the old one can no longer slash.
        address next = address(0x5ea5);
        sm.queueSlasher(next);
        vm.warp(block.timestamp + GOV_DELAY);
        sm.applySlasher();
        assertEq(mock.getSlasher(OperatorSet(address(sm), SET_ID)), next);
        vm.prank(address(slasher));
        vm.expectRevert(AllocationManagerV19Mock.InvalidCaller.selector);
        am.slashOperator(address(sm), SlashingParams(_operator(1), SET_ID, strategies, wads, ""));
    }
}
