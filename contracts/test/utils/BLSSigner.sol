// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BLS12381} from "../../src/libraries/BLS12381.sol";

/// @dev Forge cannot call blst, but the EIP-2537 MSM precompiles can do scalar multiplication, so
///      tests derive keys and sign in the EVM: pk = sk·g2, sig = sk·H(m). These are test-only helpers;
///      real keys never touch a contract.
library BLSSigner {
    /// @dev Order of the prime-order subgroups.
    uint256 internal constant R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    function publicKey(uint256 sk) internal view returns (bytes memory) {
        return BLS12381.g2Mul(BLS12381.G2_GENERATOR, sk);
    }

    function sign(uint256 sk, bytes32 digest, bytes memory dst) internal view returns (bytes memory) {
        return BLS12381.g1Mul(BLS12381.hashToG1(abi.encodePacked(digest), dst), sk);
    }

    /// @dev A secret key in [1, r) derived from a seed.
    function secretKey(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("vigil-test-sk", seed))) % (R - 1) + 1;
    }
}
