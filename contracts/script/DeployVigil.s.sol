// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {
    ITransparentUpgradeableProxy,
    TransparentUpgradeableProxy
} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {EmptyContract} from "../src/Proxies.sol";
import {VigilBatchRoots} from "../src/VigilBatchRoots.sol";
import {VigilRegistrar} from "../src/VigilRegistrar.sol";
import {VigilServiceManager} from "../src/VigilServiceManager.sol";
import {VigilSlasher} from "../src/VigilSlasher.sol";
import {VigilVerifier} from "../src/VigilVerifier.sol";
import {IAllocationManager} from "../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../src/interfaces/IPermissionController.sol";
import {Vm} from "../test/utils/Test.sol";

/// @title DeployVigil
/// @notice Deploys Vigil's contracts against an existing EigenLayer v1.3.0 core and wires them:
///         one ProxyAdmin and three transparent proxies (service manager, verifier, slasher), then
///         each implementation with its initializer: service manager (AVS, with the slasher proxy as
///         slashOperator appointee) -> metadata URI -> operator set -> verifier as registrar ->
///         slasher. Writes the deployment to the repository's config/deployments/<chainid>.json (see
///         {deploymentJson} for how it relates to the Rust schema).
///
///         Ownership: the slasher is initialized with OWNER; the service manager and the verifier,
///         which the broadcaster still has to configure, are handed to OWNER in two steps: OWNER must
///         call acceptOwnership() on both. The ProxyAdmin (OpenZeppelin's one-step Ownable), whose
///         upgrades bypass the parameter timelock, goes to a new OpenZeppelin TimelockController
///         whose minimum delay is GOVERNANCE_DELAY and whose only proposer, canceller and executor is
///         OWNER, so that an upgrade waits as long as a parameter change; or, if PROXY_ADMIN_OWNER is
///         set, to that address instead (an existing timelock). See contracts/README.md, "Governance".
/// @dev Environment: ALLOCATION_MANAGER, PERMISSION_CONTROLLER, STRATEGIES (comma-separated);
///      optional OWNER (default: the broadcaster), PROXY_ADMIN_OWNER (default: a new timelock),
///      OPERATOR_SET_ID (0), MAX_CERTIFICATE_AGE (7200 blocks), SLASH_WAD (5e16 = 5% per offence),
///      VETO_COMMITTEE (none), VETO_WINDOW (0 blocks), GOVERNANCE_DELAY (86400 seconds), METADATA_URI.
///        forge script script/DeployVigil.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployVigil {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Params {
        IAllocationManager allocationManager;
        IPermissionController permissionController;
        address[] strategies;
        address owner;
        address proxyAdminOwner;
        uint32 operatorSetId;
        uint32 maxCertificateAge;
        uint256 slashWad;
        address vetoCommittee;
        uint32 vetoWindow;
        uint64 governanceDelay;
        string metadataURI;
    }

    struct Deployment {
        ProxyAdmin proxyAdmin;
        /// @dev The ProxyAdmin's owner when this script made it; zero with PROXY_ADMIN_OWNER.
        TimelockController upgradeTimelock;
        VigilServiceManager serviceManager;
        VigilVerifier verifier;
        /// @dev Where batch roots are recorded (no proxy; see VigilBatchRoots).
        VigilBatchRoots batchRoots;
        VigilSlasher slasher;
    }

    function run() external returns (Deployment memory d) {
        Params memory p;
        p.allocationManager = IAllocationManager(vm.envAddress("ALLOCATION_MANAGER"));
        p.permissionController = IPermissionController(vm.envAddress("PERMISSION_CONTROLLER"));
        p.strategies = vm.envAddress("STRATEGIES", ",");
        p.owner = vm.envOr("OWNER", address(0));
        p.proxyAdminOwner = vm.envOr("PROXY_ADMIN_OWNER", address(0));
        p.operatorSetId = uint32(vm.envOr("OPERATOR_SET_ID", uint256(0)));
        p.maxCertificateAge = uint32(vm.envOr("MAX_CERTIFICATE_AGE", uint256(7200)));
        p.slashWad = vm.envOr("SLASH_WAD", uint256(5e16));
        p.vetoCommittee = vm.envOr("VETO_COMMITTEE", address(0));
        p.vetoWindow = uint32(vm.envOr("VETO_WINDOW", uint256(0)));
        p.governanceDelay = uint64(vm.envOr("GOVERNANCE_DELAY", uint256(1 days)));
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
        vm.serializeAddress(v, "proxyAdmin", address(d.proxyAdmin));
        vm.serializeAddress(v, "upgradeTimelock", address(d.upgradeTimelock));
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
        vm.serializeUint(q, "governanceDelay", p.governanceDelay);
        q = vm.serializeString(q, "metadataUri", p.metadataURI);

        string memory k = "deployment";
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeString(k, "eigenlayer", e);
        vm.serializeString(k, "vigil", v);
        return vm.serializeString(k, "params", q);
    }

    /// @notice The deployment itself. `deployer` is the account that makes the calls (the broadcaster,
    ///         or this contract when called directly); `p.owner` zero means it keeps ownership, and
    ///         `p.proxyAdminOwner` zero means a new TimelockController run by the owner.
    function deploy(Params memory p, address deployer) public returns (Deployment memory d) {
        address[] memory strategies = _sorted(p.strategies);
        address owner = p.owner == address(0) ? deployer : p.owner;

        // Proxies first: every address is then known before the implementations that name them.
        d.proxyAdmin = new ProxyAdmin();
        address empty = address(new EmptyContract());
        d.serviceManager = VigilServiceManager(_proxy(d.proxyAdmin, empty));
        d.verifier = VigilVerifier(_proxy(d.proxyAdmin, empty));
        d.slasher = VigilSlasher(_proxy(d.proxyAdmin, empty));

        d.proxyAdmin
            .upgradeAndCall(
                ITransparentUpgradeableProxy(address(d.serviceManager)),
                address(new VigilServiceManager(p.allocationManager, p.permissionController)),
                abi.encodeCall(VigilServiceManager.initialize, (deployer, address(d.slasher), p.governanceDelay))
            );
        d.serviceManager.updateAVSMetadataURI(p.metadataURI);
        d.serviceManager.createOperatorSet(p.operatorSetId, strategies);

        d.proxyAdmin
            .upgradeAndCall(
                ITransparentUpgradeableProxy(address(d.verifier)),
                address(new VigilVerifier(p.allocationManager, address(d.serviceManager), p.operatorSetId)),
                abi.encodeCall(VigilVerifier.initialize, (deployer, p.maxCertificateAge, p.governanceDelay))
            );
        VigilRegistrar.StrategyParams[] memory weights = new VigilRegistrar.StrategyParams[](strategies.length);
        uint256[] memory wads = new uint256[](strategies.length);
        for (uint256 i; i < strategies.length; ++i) {
            weights[i] = VigilRegistrar.StrategyParams(strategies[i], 1e18);
            wads[i] = p.slashWad;
        }
        d.verifier.setStrategies(weights);
        d.batchRoots = new VigilBatchRoots(address(d.verifier));
        d.verifier.attachBatchRoots(d.batchRoots);
        d.serviceManager.setAVSRegistrar(address(d.verifier));

        _initSlasher(d, p, owner, strategies, wads);

        if (owner != deployer) {
            // Two-step: `owner` accepts with acceptOwnership().
            d.serviceManager.transferOwnership(owner);
            d.verifier.transferOwnership(owner);
        }
        address adminOwner = p.proxyAdminOwner;
        if (adminOwner == address(0)) {
            d.upgradeTimelock = _upgradeTimelock(owner, p.governanceDelay);
            adminOwner = address(d.upgradeTimelock);
        }
        d.proxyAdmin.transferOwnership(adminOwner);
    }

    /// @dev A TimelockController that only `owner` may propose to, cancel and execute, and that
    ///      administers itself (changing its delay takes the delay).
    function _upgradeTimelock(address owner, uint64 delay) internal returns (TimelockController) {
        address[] memory accounts = new address[](1);
        accounts[0] = owner;
        return new TimelockController(delay, accounts, accounts, address(0));
    }

    function _initSlasher(
        Deployment memory d,
        Params memory p,
        address owner,
        address[] memory strategies,
        uint256[] memory wads
    ) internal {
        bytes memory init = abi.encodeCall(
            VigilSlasher.initialize, (owner, strategies, wads, p.vetoCommittee, p.vetoWindow, p.governanceDelay)
        );
        d.proxyAdmin
            .upgradeAndCall(
                ITransparentUpgradeableProxy(address(d.slasher)), address(new VigilSlasher(d.verifier)), init
            );
    }

    function _proxy(ProxyAdmin admin, address implementation) internal returns (address) {
        return address(new TransparentUpgradeableProxy(implementation, address(admin), ""));
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
