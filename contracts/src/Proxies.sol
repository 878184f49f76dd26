// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Vigil's contracts (and EigenLayer v1.3.0's on local chains) sit behind OpenZeppelin 4.9 transparent proxies.
// Importing them here makes forge emit their artifacts (out/ProxyAdmin.sol, out/TransparentUpgradeableProxy.sol)
// for the Rust deployer, next to {EmptyContract}, the placeholder implementation proxies start with (also used
// by script/DeployVigil.s.sol).
import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title EmptyContract
/// @notice The implementation a proxy points at until the real implementation, which needs the proxies'
///         addresses in its constructor, is deployed and upgraded to.
contract EmptyContract {
    /// @notice A function, so that the placeholder has code and a selector (it does nothing).
    /// @return Always 0.
    function foo() external pure returns (uint256) {
        return 0;
    }
}
