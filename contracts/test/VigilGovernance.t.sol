// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ITransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {VigilGoverned} from "../src/VigilGoverned.sol";
import {VigilServiceManager} from "../src/VigilServiceManager.sol";
import {VigilSlasher} from "../src/VigilSlasher.sol";
import {Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {IAllocationManager} from "../src/interfaces/IAllocationManager.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {BatchHeader} from "../src/libraries/BatchLib.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {VigilSlasherV2, VigilVerifierV2} from "./mocks/VigilUpgrades.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Governance on EigenLayer's real v1.3.0 core: upgrades through the ProxyAdmin keep every
///         operator, key, history entry and record; ownership moves in two steps; parameters change
///         only through the timelock.
contract VigilGovernanceTest is VigilFixture {
    address internal constant NEW_OWNER = address(0x0e);
    address internal constant COMMITTEE = address(0xc0c0);
    address internal constant STRANGER = address(0xbad);

    function setUp() public {
        _deployAndRegister(6, 4);
    }

    // ------------------------------------------------------------------ upgrades

    /// @dev Everything the verifier answers about the past, hashed.
    function _verifierView(uint32[] memory blocks) internal view returns (bytes32 h) {
        for (uint256 j; j < blocks.length; ++j) {
            (bytes memory apk, uint96 total) = verifier.setStateAt(blocks[j]);
            (address[] memory ops, bytes32[] memory keys, uint96[] memory ws, uint96 t) = verifier.membersAt(blocks[j]);
            h = keccak256(abi.encode(h, apk, total, ops, keys, ws, t));
            for (uint256 i = 1; i <= 5; ++i) {
                (bool active, uint96 w) = verifier.operatorStateAt(_operator(i), blocks[j]);
                h = keccak256(abi.encode(h, active, w));
            }
        }
        for (uint256 i = 1; i <= 5; ++i) {
            bytes32 keyHash = verifier.operatorKeyHash(_operator(i));
            h = keccak256(abi.encode(h, keyHash, verifier.pubkeyOf(keyHash), verifier.operatorOfKey(keyHash)));
        }
        h = keccak256(
            abi.encode(
                h,
                verifier.members(),
                verifier.allOperators(),
                verifier.owner(),
                verifier.governanceDelay(),
                verifier.maxCertificateAge(),
                verifier.defaultThresholdBps()
            )
        );
    }

    function test_upgradeVerifierKeepsState() public {
        // History: at 1010 operator 2's stake triples; at 1020 operator 4 leaves; at 1025 a certificate
        // on l1Block 1015 (operator 4 still in the set, not signing) is recorded.
        _setStake(2, 300 ether);
        verifier.updateAllOperators();
        vm.roll(1020);
        _deregister(4);
        vm.roll(1025);
        Checkpoint memory cp = _checkpoint(7, "b7", 1015);
        assertTrue(verifier.submitCertificate(_certificate(cp, _list(1, 2, 3), _list(4))));
        BatchHeader memory batch = BatchHeader(keccak256("a batch root"), 3, 1010, 1015);
        assertTrue(verifier.submitBatchCertificate(_batchCertificate(batch, _list(1, 2, 3), _list(4))));
        verifier.queueMaxCertificateAge(50); // a pending change survives too
        vm.roll(1030);

        uint32[] memory blocks = new uint32[](5);
        (blocks[0], blocks[1], blocks[2], blocks[3], blocks[4]) = (1000, 1009, 1015, 1020, 1029);
        bytes32 before = _verifierView(blocks);
        VigilVerifier.Record memory r = verifier.record(901, 7);
        bytes32 batchRecord = _batchRecordHash(batch.root);
        (, uint64 eta) = verifier.pendingMaxCertificateAge();

        address v2 = address(new VigilVerifierV2(am, address(sm), SET_ID));
        vm.prank(STRANGER);
        vm.expectRevert("Ownable: caller is not the owner");
        proxyAdmin.upgrade(ITransparentUpgradeableProxy(address(verifier)), v2);
        proxyAdmin.upgrade(ITransparentUpgradeableProxy(address(verifier)), v2);
        assertEq(_implementationOf(address(verifier)), v2);

        assertEq(VigilVerifierV2(address(verifier)).version(), 2, "new function");
        assertEq(_verifierView(blocks), before, "operators, keys, history");
        VigilVerifier.Record memory r2 = verifier.record(901, 7);
        assertEq(keccak256(abi.encode(r2)), keccak256(abi.encode(r)), "record");
        assertTrue(verifier.isCertified(cp));
        assertEq(address(verifier.batchRoots()), address(batchRoots), "batch roots attached");
        assertEq(_batchRecordHash(batch.root), batchRecord, "batch record");
        (uint256 batchSigned,) = batchRoots.batchCertifiedStake(batch.root);
        assertEq(batchSigned, 300 ether + 2 * STAKE, "batch stake");
        (uint32 age, uint64 eta2) = verifier.pendingMaxCertificateAge();
        assertEq(uint256(age), 50);
        assertEq(uint256(eta2), uint256(eta));
        vm.expectRevert("Initializable: contract is already initialized");
        verifier.initialize(STRANGER, 1, 0);

        // It keeps working: a registration writes the next apk, a certificate over the new set verifies.
        _register(5);
        vm.roll(1040);
        assertTrue(verifier.submitCertificate(_certificate(_checkpoint(8, "b8", 1035), _list(1, 2, 3, 5), _none())));
        (, uint96 total) = verifier.setStateAt(1035);
        assertEq(uint256(total), 600 ether);
    }

    function _batchRecordHash(bytes32 root) internal view returns (bytes32) {
        (uint32 leafCount, uint32 toL1Block, uint96 signed, uint96 total) = batchRoots.roots(root);
        assertGt(leafCount, 0, "recorded");
        return keccak256(abi.encode(leafCount, toL1Block, signed, total, batchRoots.nonSignersHash(root)));
    }

    function _createAddress(address deployer, uint256 nonce) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"d694", deployer, uint8(nonce)))))); // nonce < 0x80
    }

    /// @dev SSTORE2 under a proxy: the apk contracts are created by the proxy (nonce 1 for snapshot 0,
    ///      then one per registration), none by the implementation, and the sequence continues across
    ///      an upgrade.
    function test_apkStoredByProxy() public {
        bytes memory apk = new bytes(256);
        for (uint256 i; i <= 4; ++i) {
            if (i > 0) apk = BLS12381.g2Add(apk, _pk(i));
            assertEq(_createAddress(address(verifier), i + 1).code, bytes.concat(hex"00", apk));
        }
        address impl = _implementationOf(address(verifier));
        assertEq(_createAddress(impl, 1).code.length, 0, "the implementation stores nothing");

        proxyAdmin.upgrade(
            ITransparentUpgradeableProxy(address(verifier)), address(new VigilVerifierV2(am, address(sm), SET_ID))
        );
        _register(5);
        apk = BLS12381.g2Add(apk, _pk(5));
        assertEq(_createAddress(address(verifier), 6).code, bytes.concat(hex"00", apk));
        vm.roll(1011);
        (bytes memory current,) = verifier.setStateAt(1010);
        assertEq(current, apk);
    }

    /// @dev forge does not enforce EIP-170 in tests; a real chain refuses the deployment.
    function test_implementationsFitTheCodeSizeLimit() public view {
        assertLe(_implementationOf(address(verifier)).code.length, 24_576, "VigilVerifier");
        assertLe(_implementationOf(address(slasher)).code.length, 24_576, "VigilSlasher");
        assertLe(_implementationOf(address(sm)).code.length, 24_576, "VigilServiceManager");
    }

    function test_implementationsCannotBeInitialized() public {
        VigilVerifier v = VigilVerifier(_implementationOf(address(verifier)));
        vm.expectRevert("Initializable: contract is already initialized");
        v.initialize(STRANGER, 1, 0);
        assertEq(v.owner(), address(0));
        VigilSlasher s = VigilSlasher(_implementationOf(address(slasher)));
        vm.expectRevert("Initializable: contract is already initialized");
        s.initialize(STRANGER, new address[](0), new uint256[](0), address(0), 0, 0);
        VigilServiceManager m = VigilServiceManager(_implementationOf(address(sm)));
        vm.expectRevert("Initializable: contract is already initialized");
        m.initialize(STRANGER, address(0), 0);
    }

    function _signed(uint256 i, Checkpoint memory cp) internal view returns (VigilSlasher.SignedCheckpoint memory) {
        return VigilSlasher.SignedCheckpoint(cp, _sign(i, cp));
    }

    function _assertSlasherState(bytes32 executed, bytes32 queued) internal view {
        (address op, uint64 rollupId, uint64 height, uint32 executableAt, VigilSlasher.SlashStatus status) =
            slasher.slashes(executed);
        assertEq(op, _operator(1));
        assertEq(uint256(rollupId), 901);
        assertEq(uint256(height), 60);
        assertTrue(status == VigilSlasher.SlashStatus.Executed);
        (op,,, executableAt, status) = slasher.slashes(queued);
        assertEq(op, _operator(2));
        assertEq(uint256(executableAt), 1020);
        assertTrue(status == VigilSlasher.SlashStatus.Queued);
        assertEq(slasher.vetoCommittee(), COMMITTEE);
        assertEq(uint256(slasher.vetoWindow()), 10);
        (address[] memory ps, uint256[] memory pw, uint64 eta) = slasher.pendingSlashingParams();
        assertEq(ps[0], strategy);
        assertEq(pw[0], 1e17);
        assertGt(eta, 0, "still pending");
        assertEq(slasher.owner(), address(this));
    }

    function test_upgradeSlasherKeepsRecords() public {
        // One offence slashed at once, then (with a veto window) one queued, and a pending change.
        bytes32 executed = slasher.submitDoubleSign(
            _operator(1), _signed(1, _checkpoint(60, "a", 1005)), _signed(1, _checkpoint(60, "b", 1005))
        );
        slasher.queueVetoConfig(COMMITTEE, 10);
        _afterGovernanceDelay();
        slasher.applyVetoConfig();
        bytes32 queued = slasher.submitDoubleSign(
            _operator(2), _signed(2, _checkpoint(61, "a", 1005)), _signed(2, _checkpoint(61, "b", 1005))
        );
        address[] memory s = new address[](1);
        s[0] = strategy;
        uint256[] memory w = new uint256[](1);
        w[0] = 1e17;
        slasher.queueSlashingParams(s, w);

        address v2 = address(new VigilSlasherV2(verifier));
        proxyAdmin.upgrade(ITransparentUpgradeableProxy(address(slasher)), v2);
        assertEq(VigilSlasherV2(address(slasher)).version(), 2, "new function");

        _assertSlasherState(executed, queued);

        // The recorded offence is still punished once; the queued one executes after the upgrade.
        VigilSlasher.SignedCheckpoint memory sa = _signed(1, _checkpoint(60, "a", 1005));
        VigilSlasher.SignedCheckpoint memory sc = _signed(1, _checkpoint(60, "c", 1005));
        vm.expectRevert(abi.encodeWithSelector(VigilSlasher.AlreadyPunished.selector, executed));
        slasher.submitDoubleSign(_operator(1), sa, sc);
        vm.roll(1020);
        slasher.execute(queued);
        assertEq(_slashedWad(2), 5e16);
    }

    // ------------------------------------------------------------------ ownership

    function test_ownershipMovesOnlyWhenAccepted() public {
        address[3] memory targets = [address(sm), address(verifier), address(slasher)];
        for (uint256 j; j < targets.length; ++j) {
            Ownable2Step o = Ownable2Step(targets[j]);
            vm.prank(STRANGER);
            vm.expectRevert("Ownable: caller is not the owner");
            o.transferOwnership(STRANGER);
            o.transferOwnership(NEW_OWNER);
            assertEq(o.owner(), address(this), "unchanged until accepted");
            assertEq(o.pendingOwner(), NEW_OWNER);
            vm.prank(STRANGER);
            vm.expectRevert("Ownable2Step: caller is not the new owner");
            o.acceptOwnership();
            vm.prank(NEW_OWNER);
            o.acceptOwnership();
            assertEq(o.owner(), NEW_OWNER);
            assertEq(o.pendingOwner(), address(0));
        }
        // The old owner no longer governs; the new one does.
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.queueDefaultThreshold(5000);
        vm.prank(NEW_OWNER);
        verifier.queueDefaultThreshold(5000);
        // A transfer can be redirected before it is accepted.
        vm.prank(NEW_OWNER);
        verifier.transferOwnership(STRANGER);
        vm.prank(NEW_OWNER);
        verifier.transferOwnership(address(this));
        vm.prank(STRANGER);
        vm.expectRevert("Ownable2Step: caller is not the new owner");
        verifier.acceptOwnership();
    }

    // ------------------------------------------------------------------ timelock

    function test_queuedChangeAppliesOnlyAfterEta() public {
        bytes32 id = verifier.DEFAULT_THRESHOLD_CHANGE();
        uint64 eta = uint64(block.timestamp + GOV_DELAY);
        vm.expectEmit(address(verifier));
        emit VigilGoverned.ChangeQueued(id, bytes32(uint256(8000)), eta);
        verifier.queueDefaultThreshold(8000);

        // What a rollup reads on-chain.
        (uint16 bps, uint64 pendingEta) = verifier.pendingDefaultThreshold();
        assertEq(uint256(bps), 8000);
        assertEq(uint256(pendingEta), uint256(eta));
        (bytes32 value, uint64 eta2) = verifier.pendingChange(id);
        assertEq(uint256(value), 8000);
        assertEq(uint256(eta2), uint256(eta));

        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, id, eta));
        verifier.applyDefaultThreshold();
        vm.warp(eta - 1);
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, id, eta));
        verifier.applyDefaultThreshold();
        assertEq(uint256(verifier.defaultThresholdBps()), 6667);

        vm.warp(eta);
        vm.prank(STRANGER); // anyone may apply a due change
        verifier.applyDefaultThreshold();
        assertEq(uint256(verifier.defaultThresholdBps()), 8000);
        (bps, pendingEta) = verifier.pendingDefaultThreshold();
        assertEq(uint256(pendingEta), 0, "nothing pending");
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.NoPendingChange.selector, id));
        verifier.applyDefaultThreshold();
    }

    function test_queuedChangeCanBeCancelled() public {
        bytes32 id = verifier.MAX_CERTIFICATE_AGE_CHANGE();
        verifier.queueMaxCertificateAge(5);
        vm.prank(STRANGER);
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.cancelChange(id);
        vm.expectEmit(address(verifier));
        emit VigilGoverned.ChangeCancelled(id);
        verifier.cancelChange(id);
        (, uint64 eta) = verifier.pendingMaxCertificateAge();
        assertEq(uint256(eta), 0);
        _afterGovernanceDelay();
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.NoPendingChange.selector, id));
        verifier.applyMaxCertificateAge();
        assertEq(uint256(verifier.maxCertificateAge()), MAX_AGE);
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.NoPendingChange.selector, id));
        verifier.cancelChange(id);
    }

    function test_requeueRestartsTheDelay() public {
        verifier.queueRollupThreshold(901, 9000);
        vm.warp(block.timestamp + GOV_DELAY / 2);
        verifier.queueRollupThreshold(901, 7000);
        (uint16 bps, uint64 eta) = verifier.pendingRollupThreshold(901);
        assertEq(uint256(bps), 7000);
        assertEq(uint256(eta), block.timestamp + GOV_DELAY);
        vm.warp(block.timestamp + GOV_DELAY / 2);
        vm.expectRevert(
            abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, verifier.rollupThresholdChangeId(901), eta)
        );
        verifier.applyRollupThreshold(901);
        vm.warp(eta);
        verifier.applyRollupThreshold(901);
        assertEq(uint256(verifier.rollupThresholdBps(901)), 7000);
        (, eta) = verifier.pendingRollupThreshold(902);
        assertEq(uint256(eta), 0, "per rollup");
    }

    function test_governanceDelayChangesThroughItsOwnTimelock() public {
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.GovernanceDelayTooLong.selector, uint256(31 days)));
        verifier.queueGovernanceDelay(31 days);
        verifier.queueGovernanceDelay(2 days);
        (uint64 delay, uint64 eta) = verifier.pendingGovernanceDelay();
        assertEq(uint256(delay), 2 days);
        assertEq(uint256(eta), block.timestamp + GOV_DELAY, "under the current delay");
        vm.expectRevert(
            abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, verifier.GOVERNANCE_DELAY_CHANGE(), eta)
        );
        verifier.applyGovernanceDelay();
        vm.warp(eta);
        verifier.applyGovernanceDelay();
        assertEq(uint256(verifier.governanceDelay()), 2 days);
        // Later changes wait the new delay.
        verifier.queueMaxCertificateAge(50);
        (, eta) = verifier.pendingMaxCertificateAge();
        assertEq(uint256(eta), block.timestamp + 2 days);
    }

    /// @dev Every timelocked parameter of the three contracts: queued, visible, refused before its
    ///      eta, applied after it.
    function test_everyParameterIsTimelocked() public {
        address[] memory s = new address[](1);
        s[0] = strategy;
        uint256[] memory w = new uint256[](1);
        w[0] = 2e17;
        slasher.queueSlashingParams(s, w);
        slasher.queueVetoConfig(COMMITTEE, 25);
        sm.queueSlasher(address(0xabc));
        verifier.queueRollupThreshold(901, 8000);
        uint64 eta = uint64(block.timestamp + GOV_DELAY);

        (address[] memory ps, uint256[] memory pw, uint64 e1) = slasher.pendingSlashingParams();
        assertEq(ps[0], strategy);
        assertEq(pw[0], 2e17);
        (address committee, uint32 window, uint64 e2) = slasher.pendingVetoConfig();
        assertEq(committee, COMMITTEE);
        assertEq(uint256(window), 25);
        (address appointee, uint64 e3) = sm.pendingSlasher();
        assertEq(appointee, address(0xabc));
        (uint16 bps, uint64 e4) = verifier.pendingRollupThreshold(901);
        assertEq(uint256(bps), 8000);
        assertTrue(e1 == eta && e2 == eta && e3 == eta && e4 == eta, "etas");

        vm.expectRevert(
            abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, slasher.SLASHING_PARAMS_CHANGE(), eta)
        );
        slasher.applySlashingParams();
        vm.expectRevert(
            abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, slasher.VETO_CONFIG_CHANGE(), eta)
        );
        slasher.applyVetoConfig();
        vm.expectRevert(abi.encodeWithSelector(VigilGoverned.ChangeNotReady.selector, sm.SLASHER_CHANGE(), eta));
        sm.applySlasher();

        vm.warp(eta);
        slasher.applySlashingParams();
        slasher.applyVetoConfig();
        sm.applySlasher();
        verifier.applyRollupThreshold(901);
        (, uint256[] memory wads) = slasher.slashingParams();
        assertEq(wads[0], 2e17);
        assertEq(slasher.vetoCommittee(), COMMITTEE);
        assertEq(uint256(slasher.vetoWindow()), 25);
        assertEq(sm.slasher(), address(0xabc));
        assertTrue(pc.canCall(address(sm), address(0xabc), address(am), IAllocationManager.slashOperator.selector));
        assertFalse(pc.canCall(address(sm), address(slasher), address(am), IAllocationManager.slashOperator.selector));
        assertEq(uint256(verifier.rollupThresholdBps(901)), 8000);
    }

    function test_onlyOwnerQueues() public {
        vm.startPrank(STRANGER);
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.queueRollupThreshold(901, 1);
        vm.expectRevert("Ownable: caller is not the owner");
        verifier.queueGovernanceDelay(0);
        vm.expectRevert("Ownable: caller is not the owner");
        slasher.queueVetoConfig(STRANGER, 1);
        vm.expectRevert("Ownable: caller is not the owner");
        slasher.queueSlashingParams(new address[](0), new uint256[](0));
        vm.expectRevert("Ownable: caller is not the owner");
        sm.queueSlasher(STRANGER);
        vm.stopPrank();
    }

    /// @dev Certificates keep verifying through the proxy with the certificate's domain = the proxy.
    function test_domainIsTheProxy() public view {
        Certificate memory cert = _certificate(_checkpoint(9, "b9", 1005), _list(1, 2, 3, 4), _none());
        verifier.verifyCertificate(cert);
        assertEq(
            verifier.checkpointDigest(cert.checkpoint),
            keccak256(
                abi.encode(
                    keccak256("VIGIL_CHECKPOINT_V1"),
                    block.chainid,
                    address(verifier),
                    SET_ID,
                    uint64(901),
                    uint64(9),
                    cert.checkpoint.blockHash,
                    cert.checkpoint.stateRoot,
                    cert.checkpoint.daCommitment,
                    uint64(1005)
                )
            )
        );
    }
}
