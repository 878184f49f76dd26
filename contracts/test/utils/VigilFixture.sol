// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilBatchRoots} from "../../src/VigilBatchRoots.sol";
import {VigilRegistrar} from "../../src/VigilRegistrar.sol";
import {VigilServiceManager} from "../../src/VigilServiceManager.sol";
import {VigilSlasher} from "../../src/VigilSlasher.sol";
import {BatchCertificate, Certificate, VigilVerifier} from "../../src/VigilVerifier.sol";
import {IAllocationManager} from "../../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../../src/interfaces/IPermissionController.sol";
import {BLS12381} from "../../src/libraries/BLS12381.sol";
import {BatchHeader, BatchLib} from "../../src/libraries/BatchLib.sol";
import {Checkpoint, CheckpointLib} from "../../src/libraries/CheckpointLib.sol";
import {BLSSigner} from "./BLSSigner.sol";
import {
    ELDeregisterParams,
    ELRegisterParams,
    EigenLayerDeployer,
    IELAllocationManager,
    IELDelegationManager
} from "./EigenLayerDeployer.sol";
import {VigilProxyDeployer} from "./VigilProxyDeployer.sol";

/// @dev Vigil on EigenLayer's real v1.3.0 core ({EigenLayerDeployer}), with operators whose keys and
///      signatures are made in the EVM (BLSSigner). Operator i has secret key BLSSigner.secretKey(i).
///
///      Timeline of {_deployVigil}: at block 990 the core, the three (empty) proxies and the service
///      manager (whose proxy is initialized with the slasher proxy as appointee) and its operator set
///      are deployed and operators 1..pool become EigenLayer operators holding STAKE each; at 992 (past
///      the allocation configuration delay) each allocates all of it to Vigil's set; at 1000 the
///      verifier (registrar) and the slasher proxies get their implementations and are initialized and
///      wired. Tests then register operators with {_register}: the real
///      AllocationManager.registerForOperatorSets, whose registrar callback reads the real slashable
///      stake as the weight. Parameter changes go through the timelock: {_afterGovernanceDelay}.
abstract contract VigilFixture is EigenLayerDeployer, VigilProxyDeployer {
    uint32 internal constant SET_ID = 0;
    uint32 internal constant MAX_AGE = 100;
    uint256 internal constant STAKE = 100 ether;
    uint96 internal constant STAKE96 = 100 ether;
    uint256 internal constant DEFAULT_POOL = 12;
    /// @dev The block the verifier is deployed at: its first snapshot.
    uint256 internal constant DEPLOY_BLOCK = 1000;
    /// @dev The governance delay (seconds) the fixture deploys with.
    uint64 internal constant GOV_DELAY = 1 days;

    Core internal core;
    IAllocationManager internal am;
    IPermissionController internal pc;
    /// @dev The core's ERC-20 strategy, the one Vigil counts and slashes.
    address internal strategy;
    VigilServiceManager internal sm;
    VigilVerifier internal verifier;
    VigilBatchRoots internal batchRoots;
    VigilSlasher internal slasher;

    function _deployVigil() internal {
        _deployVigil(DEFAULT_POOL);
    }

    /// @dev Everything, with operators 1..pool ready to register (see the contract's timeline).
    function _deployVigil(uint256 pool) internal {
        vm.roll(DEPLOY_BLOCK - 10);
        core = deployEigenLayer();
        am = IAllocationManager(core.allocationManager);
        pc = IPermissionController(core.permissionController);
        strategy = address(core.strategy);
        _newVigilProxies();
        _initServiceManager(address(slasher));
        sm.updateAVSMetadataURI("https://vigil.example/avs.json");
        sm.createOperatorSet(SET_ID, _strategies());
        for (uint256 i = 1; i <= pool; ++i) {
            makeOperatorNoRoll(core, _operator(i), STAKE);
        }
        vm.roll(block.number + ALLOCATION_CONFIGURATION_DELAY + 1);
        for (uint256 i = 1; i <= pool; ++i) {
            allocateNoRoll(core, _operator(i), address(sm), SET_ID, 1e18);
        }
        vm.roll(DEPLOY_BLOCK);
        _initVerifier();
        sm.setAVSRegistrar(address(verifier));
        _initSlasher();
    }

    /// @dev The usual start: {_deployVigil} with `pool` operators, operators 1..registered
    ///      registered, then block 1010 (so that certificates may reference block 1005).
    function _deployAndRegister(uint256 pool, uint256 registered) internal {
        _deployVigil(pool);
        for (uint256 i = 1; i <= registered; ++i) {
            _register(i);
        }
        vm.roll(1010);
    }

    /// @dev Empty proxies for the service manager, the verifier and the slasher.
    function _newVigilProxies() internal {
        sm = VigilServiceManager(_newProxy());
        verifier = VigilVerifier(_newProxy());
        slasher = VigilSlasher(_newProxy());
    }

    /// @dev The service manager's implementation on `am` and `pc`, initialized with `appointee` as the
    ///      slasher it appoints (address(0): none, EigenLayer v1.9's model).
    function _initServiceManager(address appointee) internal {
        _upgradeAndCall(
            address(sm),
            address(new VigilServiceManager(am, pc)),
            abi.encodeCall(VigilServiceManager.initialize, (address(this), appointee, GOV_DELAY))
        );
    }

    /// @dev The verifier's implementation, initialized, counting `strategy` at full weight.
    function _initVerifier() internal {
        _upgradeAndCall(
            address(verifier),
            address(new VigilVerifier(am, address(sm), SET_ID)),
            abi.encodeCall(VigilVerifier.initialize, (address(this), MAX_AGE, GOV_DELAY))
        );
        VigilRegistrar.StrategyParams[] memory params = new VigilRegistrar.StrategyParams[](1);
        params[0] = VigilRegistrar.StrategyParams(strategy, 1e18);
        verifier.setStrategies(params);
        batchRoots = new VigilBatchRoots(address(verifier));
        verifier.attachBatchRoots(batchRoots);
    }

    /// @dev The slasher's implementation, initialized to take {_slashWads} of {_strategies}.
    function _initSlasher() internal {
        _upgradeAndCall(
            address(slasher),
            address(new VigilSlasher(verifier)),
            abi.encodeCall(
                VigilSlasher.initialize, (address(this), _strategies(), _slashWads(), address(0), 0, GOV_DELAY)
            )
        );
    }

    /// @dev The one strategy Vigil counts and slashes, as the array the contracts take.
    function _strategies() internal view returns (address[] memory s) {
        s = new address[](1);
        s[0] = strategy;
    }

    /// @dev What a slash takes of each of {_strategies}: 5%.
    function _slashWads() internal pure returns (uint256[] memory w) {
        w = new uint256[](1);
        w[0] = 5e16;
    }

    /// @dev Moves time past the governance delay, so that changes queued now can be applied.
    function _afterGovernanceDelay() internal {
        vm.warp(block.timestamp + GOV_DELAY);
    }

    function _operator(uint256 i) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return address(uint160(0x1000 + i)); // small test indices
    }

    function _sk(uint256 i) internal pure returns (uint256) {
        return BLSSigner.secretKey(i);
    }

    function _pk(uint256 i) internal view returns (bytes memory) {
        return BLSSigner.publicKey(_sk(i));
    }

    function _registrationData(uint256 i, address operator) internal view returns (bytes memory) {
        bytes memory pk = _pk(i);
        bytes32 m = CheckpointLib.popMessage(block.chainid, address(verifier), operator, pk);
        return bytes.concat(pk, BLSSigner.sign(_sk(i), m, BLS12381.DST_POP));
    }

    /// @dev Operator i registers with its own key through the real AllocationManager.
    function _register(uint256 i) internal {
        _registerAs(_operator(i), _registrationData(i, _operator(i)));
    }

    /// @dev `operator` calls AllocationManager.registerForOperatorSets for Vigil's set with `data`.
    function _registerAs(address operator, bytes memory data) internal {
        vm.prank(operator);
        IELAllocationManager(address(am)).registerForOperatorSets(operator, ELRegisterParams(address(sm), _ids(), data));
    }

    function _deregister(uint256 i) internal {
        vm.prank(_operator(i));
        IELAllocationManager(address(am))
            .deregisterFromOperatorSets(ELDeregisterParams(_operator(i), address(sm), _ids()));
    }

    /// @dev Brings operator i's delegated shares (hence its slashable stake in the set, all of it being
    ///      allocated) to `amount`: a deposit to raise it, a queued withdrawal to lower it. Weights change
    ///      when the verifier next reads them (registration, updateOperators).
    function _setStake(uint256 i, uint256 amount) internal {
        address op = _operator(i);
        uint256 current = IELDelegationManager(core.delegationManager).operatorShares(op, strategy);
        if (amount > current) deposit(core, op, amount - current);
        else if (amount < current) queueWithdrawal(core, op, current - amount);
    }

    /// @dev How much of operator i's magnitude has been slashed away (1e18 = all): 0 until slashed.
    function _slashedWad(uint256 i) internal view returns (uint256) {
        return 1e18 - IELAllocationManager(address(am)).getMaxMagnitude(_operator(i), strategy);
    }

    function _ids() internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = SET_ID;
    }

    function _checkpoint(uint64 height, bytes32 blockHash, uint64 l1Block) internal pure returns (Checkpoint memory) {
        return Checkpoint(901, height, blockHash, keccak256(abi.encode("state", blockHash)), keccak256("da"), l1Block);
    }

    /// @dev Signature of operator i on `cp` in the verifier's domain.
    function _sign(uint256 i, Checkpoint memory cp) internal view returns (bytes memory) {
        bytes32 d = CheckpointLib.digest(cp, block.chainid, address(verifier), SET_ID);
        return BLSSigner.sign(_sk(i), d, BLS12381.DST_SIG);
    }

    /// @dev The sum of `signers`' signatures on digest `d`.
    function _aggregateOver(bytes32 d, uint256[] memory signers) internal view returns (bytes memory sig) {
        sig = new bytes(128);
        for (uint256 j; j < signers.length; ++j) {
            sig = BLS12381.g1Add(sig, BLSSigner.sign(_sk(signers[j]), d, BLS12381.DST_SIG));
        }
    }

    /// @dev A certificate signed by `signers` with `nonSigners` listed (sorted by key hash).
    function _certificate(Checkpoint memory cp, uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (Certificate memory cert)
    {
        bytes32 d = CheckpointLib.digest(cp, block.chainid, address(verifier), SET_ID);
        cert = Certificate(cp, _sortedKeys(nonSigners), _aggregateOver(d, signers));
    }

    /// @dev Signature of operator i on batch `header` in the verifier's domain.
    function _signBatch(uint256 i, BatchHeader memory header) internal view returns (bytes memory) {
        bytes32 d = BatchLib.digest(header, block.chainid, address(verifier), SET_ID);
        return BLSSigner.sign(_sk(i), d, BLS12381.DST_SIG);
    }

    /// @dev A batch certificate signed by `signers` with `nonSigners` listed (sorted by key hash).
    function _batchCertificate(BatchHeader memory header, uint256[] memory signers, uint256[] memory nonSigners)
        internal
        view
        returns (BatchCertificate memory cert)
    {
        bytes32 d = BatchLib.digest(header, block.chainid, address(verifier), SET_ID);
        cert = BatchCertificate(header, _sortedKeys(nonSigners), _aggregateOver(d, signers));
    }

    function _sortedKeys(uint256[] memory idx) internal view returns (bytes memory out) {
        bytes[] memory keys = new bytes[](idx.length);
        for (uint256 j; j < idx.length; ++j) {
            keys[j] = _pk(idx[j]);
        }
        // insertion sort by keccak256
        for (uint256 a = 1; a < keys.length; ++a) {
            for (uint256 b = a; b > 0 && keccak256(keys[b]) < keccak256(keys[b - 1]); --b) {
                (keys[b], keys[b - 1]) = (keys[b - 1], keys[b]);
            }
        }
        for (uint256 j; j < keys.length; ++j) {
            out = bytes.concat(out, keys[j]);
        }
    }

    function _list(uint256 a) internal pure returns (uint256[] memory l) {
        l = new uint256[](1);
        l[0] = a;
    }

    function _list(uint256 a, uint256 b) internal pure returns (uint256[] memory l) {
        l = new uint256[](2);
        (l[0], l[1]) = (a, b);
    }

    function _list(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory l) {
        l = new uint256[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function _list(uint256 a, uint256 b, uint256 c, uint256 d) internal pure returns (uint256[] memory l) {
        l = new uint256[](4);
        (l[0], l[1], l[2], l[3]) = (a, b, c, d);
    }

    function _none() internal pure returns (uint256[] memory) {
        return new uint256[](0);
    }
}
