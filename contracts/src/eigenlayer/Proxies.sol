// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// EigenLayer v1.3.0 runs its core contracts behind OpenZeppelin 4.9 transparent proxies. Importing
// them here makes forge emit their artifacts (out/ProxyAdmin.sol, out/TransparentUpgradeableProxy.sol)
// for the devnet deployer, next to {EmptyContract}, the placeholder implementation proxies start with.
import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title EmptyContract
/// @notice The implementation a proxy points at until the real implementation, which needs the proxies'
///         addresses in its constructor, is deployed and upgraded to.
contract EmptyContract {
    function foo() external pure returns (uint256) {
        return 0;
    }
}
