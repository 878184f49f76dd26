// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilRegistrar} from "../src/VigilRegistrar.sol";
import {VigilServiceManager} from "../src/VigilServiceManager.sol";
import {VigilSlasher} from "../src/VigilSlasher.sol";
import {VigilVerifier} from "../src/VigilVerifier.sol";
import {IAllocationManager} from "../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../src/interfaces/IPermissionController.sol";
import {Vm} from "../test/utils/Test.sol";

/// @title DeployVigil
/// @notice Deploys Vigil's contracts against an existing EigenLayer v1.3.0 core and wires them:
///         service manager (AVS) -> metadata URI -> operator set -> verifier as registrar -> slasher as
///         slashOperator appointee. Writes the deployment to the repository's
///         config/deployments/<chainid>.json (see {deploymentJson} for how it relates to the Rust schema).
/// @dev Environment: ALLOCATION_MANAGER, PERMISSION_CONTROLLER, STRATEGIES (comma-separated);
///      optional OWNER (default: the broadcaster), OPERATOR_SET_ID (0), MAX_CERTIFICATE_AGE (7200
///      blocks), SLASH_WAD (5e16 = 5% per offence), VETO_COMMITTEE (none), VETO_WINDOW (0 blocks),
///      METADATA_URI.
///        forge script script/DeployVigil.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployVigil {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Params {
        IAllocationManager allocationManager;
        IPermissionController permissionController;
        address[] strategies;
        address owner;
        uint32 operatorSetId;
        uint32 maxCertificateAge;
        uint256 slashWad;
        address vetoCommittee;
        uint32 vetoWindow;
        string metadataURI;
    }

    struct Deployment {
        VigilServiceManager serviceManager;
        VigilVerifier verifier;
        VigilSlasher slasher;
    }

    function run() external returns (Deployment memory d) {
        Params memory p;
        p.allocationManager = IAllocationManager(vm.envAddress("ALLOCATION_MANAGER"));
        p.permissionController = IPermissionController(vm.envAddress("PERMISSION_CONTROLLER"));
        p.strategies = vm.envAddress("STRATEGIES", ",");
        p.owner = vm.envOr("OWNER", address(0));
        p.operatorSetId = uint32(vm.envOr("OPERATOR_SET_ID", uint256(0)));
        p.maxCertificateAge = uint32(vm.envOr("MAX_CERTIFICATE_AGE", uint256(7200)));
        p.slashWad = vm.envOr("SLASH_WAD", uint256(5e16));
        p.vetoCommittee = vm.envOr("VETO_COMMITTEE", address(0));
        p.vetoWindow = uint32(vm.envOr("VETO_WINDOW", uint256(0)));
        p.metadataURI = vm.envOr("METADATA_URI", string("https://github.com/vigil-avs/vigil"));

        vm.startBroadcast();
        // Under broadcast, contracts are created and called by the broadcaster, not by this script.
        (, address broadcaster,) = vm.readCallers();
        d = deploy(p, broadcaster);
        vm.stopBroadcast();

        vm.writeJson(deploymentJson(p, d), string.concat(DEPLOYMENTS_DIR, _toString(block.chainid), ".json"));
    }

    /// @notice Where deployments live: the repository's config/deployments/, shared with the Rust side.
    string public constant DEPLOYMENTS_DIR = "../config/deployments/";

    /// @notice The deployment as JSON, with the field names of `vigil_chain::Deployment` (camelCase;
    ///         U256 values as decimal strings, which its serde accepts). A subset: this script deploys
    ///         against an existing core that it knows only by `allocationManager` and
    ///         `permissionController`, so `eigenlayer` holds just those two and `params` has no single
    ///         `strategyMultiplier` for its several strategies (each counts 1x); the Rust deployer,
    ///         which deploys the core too, writes the complete file.
    function deploymentJson(Params memory p, Deployment memory d) public returns (string memory) {
        string memory v = "vigil";
        vm.serializeAddress(v, "serviceManager", address(d.serviceManager));
        vm.serializeAddress(v, "verifier", address(d.verifier));
        vm.serializeAddress(v, "slasher", address(d.slasher));
        v = vm.serializeUint(v, "operatorSetId", p.operatorSetId);

        string memory e = "eigenlayer";
        vm.serializeAddress(e, "allocationManager", address(p.allocationManager));
        e = vm.serializeAddress(e, "permissionController", address(p.permissionController));

        string memory q = "params";
        vm.serializeUint(q, "operatorSetId", p.operatorSetId);
        vm.serializeUint(q, "maxCertificateAge", p.maxCertificateAge);
        vm.serializeString(q, "wadsToSlash", _toString(p.slashWad));
        vm.serializeAddress(q, "vetoCommittee", p.vetoCommittee);
        vm.serializeUint(q, "vetoWindow", p.vetoWindow);
        q = vm.serializeString(q, "metadataUri", p.metadataURI);

        string memory k = "deployment";
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeString(k, "eigenlayer", e);
        vm.serializeString(k, "vigil", v);
        return vm.serializeString(k, "params", q);
    }

    /// @notice The deployment itself. `deployer` is the account that makes the calls (the broadcaster,
    ///         or this contract when called directly); `p.owner` zero means it keeps ownership.
    function deploy(Params memory p, address deployer) public returns (Deployment memory d) {
        address[] memory strategies = _sorted(p.strategies);
        d.serviceManager = new VigilServiceManager(p.allocationManager, p.permissionController, deployer);
        d.serviceManager.updateAVSMetadataURI(p.metadataURI);
        d.serviceManager.createOperatorSet(p.operatorSetId, strategies);

        d.verifier = new VigilVerifier(
            p.allocationManager, address(d.serviceManager), p.operatorSetId, deployer, p.maxCertificateAge
        );
        VigilRegistrar.StrategyParams[] memory weights = new VigilRegistrar.StrategyParams[](strategies.length);
        uint256[] memory wads = new uint256[](strategies.length);
        for (uint256 i; i < strategies.length; ++i) {
            weights[i] = VigilRegistrar.StrategyParams(strategies[i], 1e18);
            wads[i] = p.slashWad;
        }
        d.verifier.setStrategies(weights);
        d.serviceManager.setAVSRegistrar(address(d.verifier));

        d.slasher = new VigilSlasher(d.verifier, deployer, strategies, wads, p.vetoCommittee, p.vetoWindow);
        d.serviceManager.setSlasher(address(d.slasher));

        address owner = p.owner == address(0) ? deployer : p.owner;
        d.serviceManager.transferOwnership(owner);
        d.verifier.transferOwnership(owner);
        d.slasher.transferOwnership(owner);
    }

    /// @dev EigenLayer wants strategies in ascending order when slashing.
    function _sorted(address[] memory a) internal pure returns (address[] memory) {
        for (uint256 i = 1; i < a.length; ++i) {
            for (uint256 j = i; j > 0 && a[j] < a[j - 1]; --j) {
                (a[j], a[j - 1]) = (a[j - 1], a[j]);
            }
        }
        return a;
    }

    function _toString(uint256 v) internal pure returns (string memory) {
        return vm.toString(v);
    }
}
