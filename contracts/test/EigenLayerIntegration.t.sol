// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilRegistrar} from "../src/VigilRegistrar.sol";
import {VigilServiceManager} from "../src/VigilServiceManager.sol";
import {VigilSlasher} from "../src/VigilSlasher.sol";
import {Certificate, VigilVerifier} from "../src/VigilVerifier.sol";
import {IAllocationManager, OperatorSet} from "../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../src/interfaces/IPermissionController.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {Checkpoint, CheckpointLib} from "../src/libraries/CheckpointLib.sol";
import {BLSSigner} from "./utils/BLSSigner.sol";
import {
    ELDeregisterParams,
    ELRegisterParams,
    EigenLayerDeployer,
    IELAllocationManager
} from "./utils/EigenLayerDeployer.sol";
import {VigilProxyDeployer} from "./utils/VigilProxyDeployer.sol";

/// @notice Vigil on the real EigenLayer v1.3.0 core: the AllocationManager's registrar callback with
///         a proof of possession, weights from real allocations, a certificate, a slash through the
///         PermissionController appointee path, and deregistration.
contract EigenLayerIntegrationTest is EigenLayerDeployer, VigilProxyDeployer {
    uint32 internal constant SET_ID = 1;
    uint256 internal constant N = 4;
    uint256 internal constant DEPOSIT = 1000 ether;

    Core internal core;
    VigilServiceManager internal avs;
    VigilVerifier internal verifier;
    VigilSlasher internal slasher;

    function setUp() public {
        vm.roll(100);
        core = deployEigenLayer();
        IAllocationManager am = IAllocationManager(core.allocationManager);
        avs = VigilServiceManager(_newProxy());
        verifier = VigilVerifier(_newProxy());
        slasher = VigilSlasher(_newProxy());
        _upgradeAndCall(
            address(avs),
            address(new VigilServiceManager(am, IPermissionController(core.permissionController))),
            abi.encodeCall(VigilServiceManager.initialize, (address(this), address(slasher), 1 days))
        );
        avs.updateAVSMetadataURI("https://vigil.example/avs.json");
        address[] memory s = new address[](1);
        s[0] = address(core.strategy);
        avs.createOperatorSet(SET_ID, s);
        _upgradeAndCall(
            address(verifier),
            address(new VigilVerifier(am, address(avs), SET_ID)),
            abi.encodeCall(VigilVerifier.initialize, (address(this), 100, 1 days))
        );
        VigilRegistrar.StrategyParams[] memory params = new VigilRegistrar.StrategyParams[](1);
        params[0] = VigilRegistrar.StrategyParams(address(core.strategy), 1e18);
        verifier.setStrategies(params);
        avs.setAVSRegistrar(address(verifier));
        uint256[] memory wads = new uint256[](1);
        wads[0] = 5e16;
        _upgradeAndCall(
            address(slasher),
            address(new VigilSlasher(verifier)),
            abi.encodeCall(VigilSlasher.initialize, (address(this), s, wads, address(0), 0, 1 days))
        );

        for (uint256 i = 1; i <= N; ++i) {
            address op = _operator(i);
            makeOperator(core, op, DEPOSIT);
            bytes memory data = _registrationData(i, op); // before the prank: it makes calls
            vm.prank(op);
            IELAllocationManager(core.allocationManager)
                .registerForOperatorSets(op, ELRegisterParams(address(avs), _ids(), data));
            allocate(core, op, address(avs), SET_ID, 1e18);
        }
        verifier.updateAllOperators();
        vm.roll(block.number + 1);
    }

    function test_wiring() public view {
        assertEq(IELAllocationManager(core.allocationManager).getAVSRegistrar(address(avs)), address(verifier));
        assertTrue(
            IPermissionController(core.permissionController)
                .canCall(
                    address(avs), address(slasher), core.allocationManager, IAllocationManager.slashOperator.selector
                )
        );
        assertEq(verifier.members().length, N);
        for (uint256 i = 1; i <= N; ++i) {
            assertTrue(
                IAllocationManager(core.allocationManager)
                    .isMemberOfOperatorSet(_operator(i), OperatorSet(address(avs), SET_ID))
            );
        }
    }

    function test_weightsFromRealAllocations() public view {
        uint32 b = _lastBlock();
        (, uint96 total) = verifier.setStateAt(b);
        assertEq(uint256(total), N * DEPOSIT);
        (bool active, uint96 w) = verifier.operatorStateAt(_operator(1), b);
        assertTrue(active);
        assertEq(uint256(w), DEPOSIT);
    }

    function test_popBoundToOperatorOnRealCore() public {
        address op = address(0x70099);
        makeOperator(core, op, DEPOSIT);
        // Registration data made for another operator (as seen in the mempool) replayed by `op`.
        bytes memory stolen = _registrationData(9, address(0x70098));
        vm.prank(op);
        vm.expectRevert(VigilRegistrar.InvalidProofOfPossession.selector);
        IELAllocationManager(core.allocationManager)
            .registerForOperatorSets(op, ELRegisterParams(address(avs), _ids(), stolen));
    }

    function test_certificateAndSlash() public {
        uint64 ref = uint64(_lastBlock());
        Checkpoint memory cp = Checkpoint(901, 10, "honest", "state", "da", ref);
        bytes memory sig = new bytes(128);
        for (uint256 i = 1; i <= 3; ++i) {
            sig = BLS12381.g1Add(sig, _sign(i, cp));
        }
        Certificate memory cert = Certificate(cp, BLSSigner.publicKey(_sk(4)), sig);
        assertTrue(verifier.submitCertificate(cert));
        assertTrue(verifier.isCertified(cp));
        (uint256 signedWeight, uint256 totalWeight) = verifier.certifiedStake(cp);
        assertEq(signedWeight, 3 * DEPOSIT);
        assertEq(totalWeight, N * DEPOSIT);

        // Operator 2 also signed another block at the same height.
        Checkpoint memory lie = Checkpoint(901, 10, "lie", "state", "da", ref);
        VigilSlasher.SignedCheckpoint memory a = VigilSlasher.SignedCheckpoint(cp, _sign(2, cp));
        VigilSlasher.SignedCheckpoint memory b = VigilSlasher.SignedCheckpoint(lie, _sign(2, lie));
        IELAllocationManager am = IELAllocationManager(core.allocationManager);
        assertEq(uint256(am.getMaxMagnitude(_operator(2), address(core.strategy))), 1e18);
        slasher.submitDoubleSign(_operator(2), a, b);
        assertEq(uint256(am.getMaxMagnitude(_operator(2), address(core.strategy))), 0.95e18, "5% slashed");

        // The weight refresh made right after the slash.
        vm.roll(block.number + 1);
        (, uint96 w) = verifier.operatorStateAt(_operator(2), _lastBlock());
        assertEq(uint256(w), DEPOSIT * 95 / 100);
    }

    function test_deregistration() public {
        vm.prank(_operator(3));
        IELAllocationManager(core.allocationManager)
            .deregisterFromOperatorSets(ELDeregisterParams(_operator(3), address(avs), _ids()));
        assertEq(verifier.members().length, N - 1);
        vm.roll(block.number + 1);
        (bool active,) = verifier.operatorStateAt(_operator(3), _lastBlock());
        assertFalse(active);
        (, uint96 total) = verifier.setStateAt(_lastBlock());
        assertEq(uint256(total), (N - 1) * DEPOSIT);
    }

    // ------------------------------------------------------------------ helpers

    function _lastBlock() internal view returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(block.number - 1);
    }

    function _operator(uint256 i) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return address(uint160(0x70000 + i));
    }

    function _sk(uint256 i) internal pure returns (uint256) {
        return BLSSigner.secretKey(i);
    }

    function _ids() internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = SET_ID;
    }

    function _registrationData(uint256 i, address op) internal view returns (bytes memory) {
        bytes memory pk = BLSSigner.publicKey(_sk(i));
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), op, pk);
        return bytes.concat(pk, BLSSigner.sign(_sk(i), m, BLS12381.DST_POP));
    }

    function _sign(uint256 i, Checkpoint memory cp) internal view returns (bytes memory) {
        return BLSSigner.sign(_sk(i), verifier.checkpointDigest(cp), BLS12381.DST_SIG);
    }
}
