// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    EigenLayerDeployer,
    IELAllocationManager,
    IELDelegationManager,
    IELStrategyManager
} from "./utils/EigenLayerDeployer.sol";

/// @notice The real EigenLayer v1.3.0 core deploys in forge from the fixture and works.
contract EigenLayerCoreTest is EigenLayerDeployer {
    Core internal core;
    address internal constant OPERATOR = address(0x0b0b);

    function setUp() public {
        core = deployEigenLayer();
    }

    function test_coreIsRealAndConfigured() public view {
        assertEq(IELAllocationManager(core.allocationManager).version(), "v1.3.0");
        assertEq(
            IELAllocationManager(core.allocationManager).ALLOCATION_CONFIGURATION_DELAY(),
            ALLOCATION_CONFIGURATION_DELAY
        );
        assertTrue(IELStrategyManager(core.strategyManager).strategyIsWhitelistedForDeposit(address(core.strategy)));
    }

    function test_operatorRegistersAndDeposits() public {
        makeOperator(core, OPERATOR, 32 ether);
        assertTrue(IELDelegationManager(core.delegationManager).isOperator(OPERATOR));
        assertEq(
            IELDelegationManager(core.delegationManager).operatorShares(OPERATOR, address(core.strategy)), 32 ether
        );
        assertEq(IELAllocationManager(core.allocationManager).getMaxMagnitude(OPERATOR, address(core.strategy)), 1e18);
        (bool isSet, uint32 delay) = IELAllocationManager(core.allocationManager).getAllocationDelay(OPERATOR);
        assertTrue(isSet);
        assertEq(delay, 0);
    }
}
