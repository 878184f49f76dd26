// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BLS12381} from "../../src/libraries/BLS12381.sol";

/// @dev External wrappers around the internal library, so tests can expect reverts and forge can
///      measure each function as a call.
contract BLS12381Harness {
    function g1Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS12381.g1Add(a, b);
    }

    function g2Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS12381.g2Add(a, b);
    }

    function g1Negate(bytes memory p) external pure returns (bytes memory) {
        return BLS12381.g1Negate(p);
    }

    function g2Negate(bytes memory p) external pure returns (bytes memory) {
        return BLS12381.g2Negate(p);
    }

    function g1Mul(bytes memory p, uint256 k) external view returns (bytes memory) {
        return BLS12381.g1Mul(p, k);
    }

    function g2Mul(bytes memory p, uint256 k) external view returns (bytes memory) {
        return BLS12381.g2Mul(p, k);
    }

    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 len)
        external
        view
        returns (bytes memory)
    {
        return BLS12381.expandMessageXmd(message, dst, len);
    }

    function hashToFieldFp(bytes memory message, bytes memory dst) external view returns (bytes memory) {
        return BLS12381.hashToFieldFp(message, dst);
    }

    function mapFpToG1(bytes memory fp) external view returns (bytes memory) {
        return BLS12381.mapFpToG1(fp);
    }

    function hashToG1(bytes memory message, bytes memory dst) external view returns (bytes memory) {
        return BLS12381.hashToG1(message, dst);
    }

    function hashDigestToG1(bytes32 digest, bytes memory dst) external view returns (bytes memory r) {
        r = new bytes(128);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(r, 32)
        }
        BLS12381.hashDigestToG1At(digest, dst, dest);
    }

    function pairingCheck(bytes memory pairs) external view returns (bool) {
        return BLS12381.pairingCheck(pairs);
    }

    function pairingCheckSig(bytes memory sig, bytes memory hm, bytes memory pk) external view returns (bool) {
        return BLS12381.pairingCheckSig(sig, hm, pk);
    }

    function verify(bytes memory pk, bytes32 digest, bytes memory sig, bytes memory dst) external view returns (bool) {
        return BLS12381.verify(pk, digest, sig, dst);
    }
}
