// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice The devnet's stake token: an ERC-20 whose deployer receives the whole supply.
contract TestToken is ERC20 {
    constructor(string memory name, string memory symbol, uint256 supply, address holder) ERC20(name, symbol) {
        _mint(holder, supply);
    }
}
