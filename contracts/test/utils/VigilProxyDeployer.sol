// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";
import {
    ITransparentUpgradeableProxy,
    TransparentUpgradeableProxy
} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

import {EmptyContract} from "../../src/Proxies.sol";

/// @dev Vigil's contracts as they are deployed: each behind an OpenZeppelin 4.9 transparent proxy
///      administered by one ProxyAdmin (owned by the test). Proxies start empty so that every address
///      is known before any implementation (whose immutables name the others) is deployed.
abstract contract VigilProxyDeployer {
    ProxyAdmin internal proxyAdmin;
    address private _emptyImplementation;

    /// @dev A new proxy on the placeholder implementation.
    function _newProxy() internal returns (address) {
        if (address(proxyAdmin) == address(0)) proxyAdmin = new ProxyAdmin();
        if (_emptyImplementation == address(0)) _emptyImplementation = address(new EmptyContract());
        return address(new TransparentUpgradeableProxy(_emptyImplementation, address(proxyAdmin), ""));
    }

    /// @dev Points `proxy` at `implementation` and calls it with `data` (an initializer), in one step.
    function _upgradeAndCall(address proxy, address implementation, bytes memory data) internal {
        proxyAdmin.upgradeAndCall(ITransparentUpgradeableProxy(proxy), implementation, data);
    }

    /// @dev The implementation `proxy` currently runs.
    function _implementationOf(address proxy) internal view returns (address) {
        return proxyAdmin.getProxyImplementation(ITransparentUpgradeableProxy(proxy));
    }
}
