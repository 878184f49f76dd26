// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DeployVigil} from "../script/DeployVigil.s.sol";
import {IAllocationManager} from "../src/interfaces/IAllocationManager.sol";
import {MockAllocationManager, MockPermissionController} from "./mocks/MockEigenLayer.sol";
import {Test} from "./utils/Test.sol";

contract DeployVigilTest is Test {
    function test_deployWiresEverything() public {
        MockPermissionController pc = new MockPermissionController();
        MockAllocationManager am = new MockAllocationManager(pc);
        DeployVigil script = new DeployVigil();
        DeployVigil.Params memory p;
        p.allocationManager = am;
        p.permissionController = pc;
        p.strategies = new address[](2);
        (p.strategies[0], p.strategies[1]) = (address(0xbb), address(0xaa));
        p.owner = address(0x0e);
        p.maxCertificateAge = 7200;
        p.slashWad = 5e16;
        p.metadataURI = "uri";
        DeployVigil.Deployment memory d = script.deploy(p, address(script));

        assertEq(am.registrarOf(address(d.serviceManager)), address(d.verifier));
        assertTrue(
            pc.canCall(
                address(d.serviceManager), address(d.slasher), address(am), IAllocationManager.slashOperator.selector
            )
        );
        (address[] memory strategies,) = d.slasher.slashingParams();
        assertEq(strategies[0], address(0xaa), "sorted");
        assertEq(d.serviceManager.owner(), address(0x0e));
        assertEq(d.verifier.owner(), address(0x0e));
        assertEq(d.slasher.owner(), address(0x0e));
        assertEq(d.verifier.avs(), address(d.serviceManager));
        assertEq(uint256(d.verifier.maxCertificateAge()), 7200);
    }
}
