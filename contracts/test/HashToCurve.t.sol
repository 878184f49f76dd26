// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BLS12381Harness} from "./utils/BLS12381Harness.sol";
import {Test} from "./utils/Test.sol";

/// @notice RFC 9380 vectors (testdata/vectors/hash-to-curve): every expand_message_xmd output, every
///         hash_to_field pair u0, u1 and every P = hash_to_curve(msg) of BLS12381G1_XMD:SHA-256_SSWU_RO_.
contract HashToCurveTest is Test {
    string internal constant DIR = "../testdata/vectors/hash-to-curve/";

    BLS12381Harness internal h;

    function setUp() public {
        h = new BLS12381Harness();
    }

    function test_expandMessageXmd_dst38() public view {
        uint256 n = _checkExpandFile(string.concat(DIR, "expand_message_xmd_SHA256_38.json"));
        assertEq(n, 10, "vector count");
    }

    /// @dev This file's DST is 256 bytes long, so it exercises the oversize-DST rule (RFC 9380 §5.3.3).
    function test_expandMessageXmd_dst256() public view {
        uint256 n = _checkExpandFile(string.concat(DIR, "expand_message_xmd_SHA256_256.json"));
        assertEq(n, 10, "vector count");
    }

    function test_hashToG1_vectors() public view {
        string memory json = vm.readFile(string.concat(DIR, "BLS12381G1_XMD-SHA-256_SSWU_RO_.json"));
        bytes memory dst = bytes(vm.parseJsonString(json, ".dst"));
        uint256 n = _count(json, ".vectors");
        assertGt(n, 0, "no vectors read");
        assertEq(n, 5, "vector count");

        for (uint256 i; i < n; ++i) {
            string memory v = string.concat(".vectors[", vm.toString(i), "]");
            bytes memory message = bytes(vm.parseJsonString(json, string.concat(v, ".msg")));

            bytes memory u = h.hashToFieldFp(message, dst);
            bytes memory u0 = vm.parseJsonBytes(json, string.concat(v, ".u[0]"));
            bytes memory u1 = vm.parseJsonBytes(json, string.concat(v, ".u[1]"));
            assertEq(u, bytes.concat(_fp(u0), _fp(u1)), string.concat("u ", vm.toString(i)));

            bytes memory p = h.hashToG1(message, dst);
            bytes memory px = vm.parseJsonBytes(json, string.concat(v, ".P.x"));
            bytes memory py = vm.parseJsonBytes(json, string.concat(v, ".P.y"));
            assertEq(p, bytes.concat(_fp(px), _fp(py)), string.concat("P ", vm.toString(i)));

            // The map precompile clears the cofactor, so map(u0) + map(u1) is P itself.
            assertEq(h.g1Add(h.mapFpToG1(_fp(u0)), h.mapFpToG1(_fp(u1))), p);
        }
    }

    function _checkExpandFile(string memory path) internal view returns (uint256 n) {
        string memory json = vm.readFile(path);
        bytes memory dst = bytes(vm.parseJsonString(json, ".DST"));
        n = _count(json, ".tests");
        assertGt(n, 0, "no vectors read");

        for (uint256 i; i < n; ++i) {
            string memory t = string.concat(".tests[", vm.toString(i), "]");
            uint256 len = vm.parseUint(vm.parseJsonString(json, string.concat(t, ".len_in_bytes")));
            bytes memory expected =
                vm.parseBytes(string.concat("0x", vm.parseJsonString(json, string.concat(t, ".uniform_bytes"))));
            assertEq(expected.length, len);
            bytes memory message = bytes(vm.parseJsonString(json, string.concat(t, ".msg")));
            bytes memory out = h.expandMessageXmd(message, dst, len);
            assertEq(out, expected, string.concat(path, " test ", vm.toString(i)));
        }
    }

    /// @dev The length of the JSON array at `key`: every element is read, so the count is the file's.
    function _count(string memory json, string memory key) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(key, "[", vm.toString(n), "]"))) ++n;
    }

    /// @dev A 48-byte big-endian field element in EIP-2537's 64-byte encoding.
    function _fp(bytes memory x) internal pure returns (bytes memory) {
        require(x.length == 48, "fp length");
        return bytes.concat(bytes16(0), x);
    }
}
