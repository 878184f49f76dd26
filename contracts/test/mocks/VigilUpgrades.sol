// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilSlasher} from "../../src/VigilSlasher.sol";
import {VigilVerifier} from "../../src/VigilVerifier.sol";
import {IAllocationManager} from "../../src/interfaces/IAllocationManager.sol";

/// @notice A next version of the verifier, as an upgrade would ship it: the same storage and one new
///         function.
contract VigilVerifierV2 is VigilVerifier {
    constructor(IAllocationManager allocationManager_, address avs_, uint32 operatorSetId_)
        VigilVerifier(allocationManager_, avs_, operatorSetId_)
    {}

    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A next version of the slasher with one new function.
contract VigilSlasherV2 is VigilSlasher {
    constructor(VigilVerifier verifier_) VigilSlasher(verifier_) {}

    function version() external pure returns (uint256) {
        return 2;
    }
}
