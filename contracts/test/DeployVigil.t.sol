// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";

import {Strategy} from "../dev/Strategy.sol";
import {TestToken} from "../dev/TestToken.sol";
import {IStrategyManager} from "../dev/interfaces/IStrategyManager.sol";
import {DeployVigil} from "../script/DeployVigil.s.sol";
import {IAllocationManager, OperatorSet} from "../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../src/interfaces/IPermissionController.sol";
import {VigilVerifierV2} from "./mocks/VigilUpgrades.sol";
import {EigenLayerDeployer, IELAllocationManager} from "./utils/EigenLayerDeployer.sol";

/// @notice The deploy script against EigenLayer's real v1.3.0 core.
contract DeployVigilTest is EigenLayerDeployer {
    function test_deployWiresEverything() public {
        Core memory c = deployEigenLayer();
        // A second strategy, so that the script's sorting shows.
        Strategy other =
            new Strategy(IStrategyManager(c.strategyManager), new TestToken("Other", "OTH", 1e24, address(this)));
        DeployVigil script = new DeployVigil();
        DeployVigil.Params memory p;
        p.allocationManager = IAllocationManager(c.allocationManager);
        p.permissionController = IPermissionController(c.permissionController);
        p.strategies = new address[](2);
        (address lo, address hi) = address(other) < address(c.strategy)
            ? (address(other), address(c.strategy))
            : (address(c.strategy), address(other));
        (p.strategies[0], p.strategies[1]) = (hi, lo);
        p.owner = address(0x0e);
        p.operatorSetId = 3;
        p.maxCertificateAge = 7200;
        p.slashWad = 5e16;
        p.governanceDelay = 2 days;
        p.metadataURI = "uri";
        DeployVigil.Deployment memory d = script.deploy(p, address(script));

        IELAllocationManager am = IELAllocationManager(c.allocationManager);
        assertEq(am.getAVSRegistrar(address(d.serviceManager)), address(d.verifier));
        assertTrue(
            IPermissionController(c.permissionController)
                .canCall(
                    address(d.serviceManager),
                    address(d.slasher),
                    c.allocationManager,
                    IAllocationManager.slashOperator.selector
                )
        );
        assertTrue(IAllocationManagerSets(c.allocationManager).isOperatorSet(OperatorSet(address(d.serviceManager), 3)));
        address[] memory inSet = IAllocationManagerSets(c.allocationManager)
            .getStrategiesInOperatorSet(OperatorSet(address(d.serviceManager), 3));
        assertEq(inSet.length, 2);
        (address[] memory strategies, uint256[] memory wads) = d.slasher.slashingParams();
        assertEq(strategies[0], lo, "sorted");
        assertEq(strategies[1], hi, "sorted");
        assertEq(wads[1], 5e16);
        // Two-step ownership: the service manager and the verifier wait for the owner to accept.
        assertEq(d.serviceManager.owner(), address(script));
        assertEq(d.serviceManager.pendingOwner(), address(0x0e));
        assertEq(d.verifier.pendingOwner(), address(0x0e));
        vm.startPrank(address(0x0e));
        d.serviceManager.acceptOwnership();
        d.verifier.acceptOwnership();
        vm.stopPrank();
        assertEq(d.serviceManager.owner(), address(0x0e));
        assertEq(d.verifier.owner(), address(0x0e));
        assertEq(d.slasher.owner(), address(0x0e));
        // Upgrades wait for the same delay as parameters: the ProxyAdmin belongs to a timelock that
        // only the owner drives.
        assertEq(d.proxyAdmin.owner(), address(d.upgradeTimelock));
        assertEq(d.upgradeTimelock.getMinDelay(), 2 days);
        assertTrue(d.upgradeTimelock.hasRole(d.upgradeTimelock.PROPOSER_ROLE(), address(0x0e)));
        assertTrue(d.upgradeTimelock.hasRole(d.upgradeTimelock.EXECUTOR_ROLE(), address(0x0e)));
        assertFalse(d.upgradeTimelock.hasRole(d.upgradeTimelock.PROPOSER_ROLE(), address(script)));
        _upgradeThroughTimelock(d);
        assertEq(d.proxyAdmin.getProxyAdmin(ITransparentUpgradeableProxy(address(d.verifier))), address(d.proxyAdmin));
        assertEq(uint256(d.verifier.governanceDelay()), 2 days);
        assertEq(uint256(d.slasher.governanceDelay()), 2 days);
        assertEq(uint256(d.serviceManager.governanceDelay()), 2 days);
        assertEq(d.verifier.avs(), address(d.serviceManager));
        assertEq(uint256(d.verifier.operatorSetId()), 3);
        assertEq(uint256(d.verifier.maxCertificateAge()), 7200);

        // The JSON it writes uses vigil_chain::Deployment's field names.
        string memory json = script.deploymentJson(p, d);
        assertEq(vm.parseJsonUint(json, ".chainId"), block.chainid);
        assertEq(vm.parseJsonAddress(json, ".vigil.proxyAdmin"), address(d.proxyAdmin));
        assertEq(vm.parseJsonAddress(json, ".vigil.upgradeTimelock"), address(d.upgradeTimelock));
        assertEq(vm.parseJsonAddress(json, ".vigil.serviceManager"), address(d.serviceManager));
        assertEq(vm.parseJsonAddress(json, ".vigil.verifier"), address(d.verifier));
        assertEq(vm.parseJsonAddress(json, ".vigil.slasher"), address(d.slasher));
        assertEq(vm.parseJsonUint(json, ".vigil.operatorSetId"), 3);
        assertEq(vm.parseJsonAddress(json, ".eigenlayer.allocationManager"), c.allocationManager);
        assertEq(vm.parseJsonAddress(json, ".eigenlayer.permissionController"), c.permissionController);
        assertEq(vm.parseJsonUint(json, ".params.maxCertificateAge"), 7200);
        assertEq(vm.parseJsonUint(json, ".params.governanceDelay"), 2 days);
        assertEq(vm.parseJsonString(json, ".params.wadsToSlash"), "50000000000000000");
        assertEq(vm.parseJsonString(json, ".params.metadataUri"), "uri");
        assertEq(script.DEPLOYMENTS_DIR(), "../config/deployments/");
        // foundry.toml lets scripts write there (a scratch name: never clobber a real deployment).
        string memory path = string.concat(script.DEPLOYMENTS_DIR(), "forge-test-scratch.json");
        vm.writeJson(json, path);
        assertEq(vm.parseJsonAddress(vm.readFile(path), ".vigil.verifier"), address(d.verifier));
        vm.removeFile(path);
    }

    /// @dev Schedules, then executes after the delay, an upgrade of the verifier through the timelock.
    function _upgradeThroughTimelock(DeployVigil.Deployment memory d) internal {
        address v2 =
            address(new VigilVerifierV2(d.verifier.allocationManager(), d.verifier.avs(), d.verifier.operatorSetId()));
        bytes memory call = abi.encodeCall(ProxyAdmin.upgrade, (ITransparentUpgradeableProxy(address(d.verifier)), v2));
        vm.prank(address(0x0e));
        d.upgradeTimelock.schedule(address(d.proxyAdmin), 0, call, bytes32(0), bytes32(0), 2 days);
        vm.prank(address(0x0e));
        vm.expectRevert("TimelockController: operation is not ready");
        d.upgradeTimelock.execute(address(d.proxyAdmin), 0, call, bytes32(0), bytes32(0));
        vm.warp(block.timestamp + 2 days);
        vm.prank(address(0x0e));
        d.upgradeTimelock.execute(address(d.proxyAdmin), 0, call, bytes32(0), bytes32(0));
        assertEq(uint256(VigilVerifierV2(address(d.verifier)).version()), 2);
    }
}

interface IAllocationManagerSets {
    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool);
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet) external view returns (address[] memory);
}
