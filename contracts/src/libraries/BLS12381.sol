// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title BLS12381
/// @notice BLS signatures over BLS12-381 in the min_sig variant (signatures in G1, public keys in G2),
///         built on the EIP-2537 precompiles (Prague and later) and RFC 9380 hash-to-curve.
/// @dev Encodings are EIP-2537's, unchanged, so points go to the precompiles without conversion:
///      - Fp: 64 bytes, 16 zero bytes then the 48-byte big-endian value;
///      - G1: x ‖ y (128 bytes);
///      - G2: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (256 bytes);
///      - the point at infinity is all zero bytes.
///      A `staticcall` to an address without a precompile succeeds with empty output, so every call
///      checks success *and* the returned length and reverts with {PrecompileFailed} otherwise.
///      That includes malformed input: a point off the curve, a coordinate >= p, or (for the pairing
///      and MSM) a point outside the prime-order subgroup makes the precompile fail, and so this
///      library reverts. A failing EIP-2537 call consumes all the gas passed to it, so such a revert
///      costs the caller most of its remaining gas. G1ADD/G2ADD do not check subgroup membership.
///      The checks are written `and(eq(returndatasize(), n), staticcall(...))` on purpose: Yul
///      evaluates arguments right to left, so the call runs before `returndatasize()` is read.
///
///      Gas, measured with forge at evm_version osaka (test/BLS12381.t.sol, test_gas_*), as internal
///      calls; precompile prices per EIP-2537/EIP-7883: G1ADD 375, G2ADD 600, MAP_FP_TO_G1 5,500,
///      MODEXP 500 minimum, pairing 37,700 + 32,600 per pair, plus ~140 per call:
///      - expandMessageXmd(32-byte msg, 43-byte DST, 128)   2,136
///      - hashToFieldFp(32-byte msg, 43-byte DST)           3,818
///      - hashToG1(32-byte msg, 43-byte DST)               15,851
///      - hashDigestToG1At(digest, 43-byte DST)            15,583
///      - pairingCheck, 2 pairs                           103,253
///      - verify(pk, digest, sig, DST_SIG)                120,591
library BLS12381 {
    /// @notice A precompile call failed or returned an unexpected length (missing precompile, or
    ///         input the precompile rejects, e.g. a point off the curve or outside the subgroup).
    /// @param precompile The precompile's address.
    error PrecompileFailed(address precompile);
    /// @notice An encoded point or field element had the wrong byte length.
    /// @param expected The length required.
    /// @param actual The length given.
    error InvalidEncodingLength(uint256 expected, uint256 actual);
    /// @notice expand_message_xmd was asked for more than 255 * 32 bytes (RFC 9380 §5.3.1).
    /// @param lenInBytes The length asked for.
    error ExpandLengthTooLarge(uint256 lenInBytes);

    /// @notice DST of the min_sig proof-of-possession ciphersuite, for ordinary signatures.
    bytes internal constant DST_SIG = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice DST of the min_sig proof-of-possession ciphersuite, for proofs of possession.
    bytes internal constant DST_POP = "BLS_POP_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

    uint256 internal constant FP_LENGTH = 64;
    uint256 internal constant G1_LENGTH = 128;
    uint256 internal constant G2_LENGTH = 256;

    /// @dev The field modulus p as high 128 bits and low 256 bits.
    uint256 internal constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    address internal constant SHA256 = address(0x02);
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G1MSM = address(0x0c);
    address internal constant G2ADD = address(0x0d);
    address internal constant G2MSM = address(0x0e);
    address internal constant PAIRING = address(0x0f);
    address internal constant MAP_FP_TO_G1 = address(0x10);

    /// @notice The G1 generator.
    bytes internal constant G1_GENERATOR =
        hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
    /// @notice The G2 generator.
    bytes internal constant G2_GENERATOR =
        hex"00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb80000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";
    /// @notice -G2 generator: lets e(sig, g2) == e(H(m), pk) be checked as e(sig, -g2) · e(H(m), pk) == 1
    ///         without negating anything at run time.
    bytes internal constant NEG_G2_GENERATOR =
        hex"00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb80000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e000000000000000000000000000000000d1b3cc2c7027888be51d9ef691d77bcb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa0000000000000000000000000000000013fa4d4a0ad8b1ce186ed5061789213d993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed";

    // ---------------------------------------------------------------------------------------------
    // Group operations
    // ---------------------------------------------------------------------------------------------

    /// @notice a + b in G1 (on-curve checked by the precompile, no subgroup check). ~600 gas.
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory r) {
        _checkLength(a, G1_LENGTH);
        _checkLength(b, G1_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(r, 128)
            let input := add(r, 160)
            mcopy(input, add(a, 32), 128)
            mcopy(add(input, 128), add(b, 32), 128)
            ok := and(eq(returndatasize(), 128), staticcall(gas(), 0x0b, input, 256, add(r, 32), 128))
            mstore(0x40, add(r, 160))
        }
        if (!ok) revert PrecompileFailed(G1ADD);
    }

    /// @notice a + b in G2 (on-curve checked by the precompile, no subgroup check). ~900 gas.
    function g2Add(bytes memory a, bytes memory b) internal view returns (bytes memory r) {
        _checkLength(a, G2_LENGTH);
        _checkLength(b, G2_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(r, 256)
            let input := add(r, 288)
            mcopy(input, add(a, 32), 256)
            mcopy(add(input, 256), add(b, 32), 256)
            ok := and(eq(returndatasize(), 256), staticcall(gas(), 0x0d, input, 512, add(r, 32), 256))
            mstore(0x40, add(r, 288))
        }
        if (!ok) revert PrecompileFailed(G2ADD);
    }

    /// @notice -p in G1. Pure arithmetic on y; does not validate p (the next precompile will).
    function g1Negate(bytes memory p) internal pure returns (bytes memory r) {
        _checkLength(p, G1_LENGTH);
        r = bytes.concat(p);
        assembly ("memory-safe") {
            _negFp(add(r, 96))
            function _negFp(ptr) {
                let hi := mload(ptr)
                let lo := mload(add(ptr, 32))
                if or(hi, lo) {
                    mstore(ptr, sub(sub(P_HI, hi), gt(lo, P_LO)))
                    mstore(add(ptr, 32), sub(P_LO, lo))
                }
            }
        }
    }

    /// @notice -p in G2 (negates both coordinates of y in Fp2).
    function g2Negate(bytes memory p) internal pure returns (bytes memory r) {
        _checkLength(p, G2_LENGTH);
        r = bytes.concat(p);
        assembly ("memory-safe") {
            _negFp(add(r, 160))
            _negFp(add(r, 224))
            function _negFp(ptr) {
                let hi := mload(ptr)
                let lo := mload(add(ptr, 32))
                if or(hi, lo) {
                    mstore(ptr, sub(sub(P_HI, hi), gt(lo, P_LO)))
                    mstore(add(ptr, 32), sub(P_LO, lo))
                }
            }
        }
    }

    /// @notice k * p in G1 via G1MSM (subgroup-checks p). Used by tests and tooling to sign.
    function g1Mul(bytes memory p, uint256 k) internal view returns (bytes memory r) {
        _checkLength(p, G1_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(r, 128)
            let input := add(r, 160)
            mcopy(input, add(p, 32), 128)
            mstore(add(input, 128), k)
            ok := and(eq(returndatasize(), 128), staticcall(gas(), 0x0c, input, 160, add(r, 32), 128))
            mstore(0x40, add(r, 160))
        }
        if (!ok) revert PrecompileFailed(G1MSM);
    }

    /// @notice k * p in G2 via G2MSM (subgroup-checks p). Used by tests and tooling to derive keys.
    function g2Mul(bytes memory p, uint256 k) internal view returns (bytes memory r) {
        _checkLength(p, G2_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(r, 256)
            let input := add(r, 288)
            mcopy(input, add(p, 32), 256)
            mstore(add(input, 256), k)
            ok := and(eq(returndatasize(), 256), staticcall(gas(), 0x0e, input, 288, add(r, 32), 256))
            mstore(0x40, add(r, 288))
        }
        if (!ok) revert PrecompileFailed(G2MSM);
    }

    /// @notice True iff the encoding is all zero bytes (EIP-2537's point at infinity).
    function isZero(bytes memory p) internal pure returns (bool zero) {
        assembly ("memory-safe") {
            let acc := 0
            let end := add(add(p, 32), mload(p))
            for { let i := add(p, 32) } lt(i, end) { i := add(i, 32) } { acc := or(acc, mload(i)) }
            // Lengths are multiples of 32 here, but mask the tail anyway in case they are not.
            let tail := mod(mload(p), 32)
            if tail { acc := or(acc, shr(mul(8, sub(32, tail)), mload(sub(end, tail)))) }
            zero := iszero(acc)
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Hash to curve (RFC 9380, suite BLS12381G1_XMD:SHA-256_SSWU_RO_)
    // ---------------------------------------------------------------------------------------------

    /// @notice expand_message_xmd with SHA-256 (RFC 9380 §5.3.1), including the oversize-DST rule
    ///         of §5.3.3 (a DST longer than 255 bytes is replaced by SHA-256("H2C-OVERSIZE-DST-" ‖ DST)).
    /// @dev 2,136 gas for a 32-byte message, a 43-byte DST and 128 output bytes (5 SHA-256 calls).
    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 lenInBytes)
        internal
        view
        returns (bytes memory out)
    {
        if (lenInBytes > 255 * 32 || lenInBytes == 0) revert ExpandLengthTooLarge(lenInBytes);
        if (dst.length > 255) dst = abi.encodePacked(_sha256(abi.encodePacked("H2C-OVERSIZE-DST-", dst)));
        bool ok;
        assembly ("memory-safe") {
            let ell := div(add(lenInBytes, 31), 32)
            out := mload(0x40)
            mstore(out, lenInBytes)
            let outData := add(out, 32)
            let buf := add(outData, mul(ell, 32))
            let dstLen := mload(dst)
            let msgLen := mload(message)

            // b_0 = H(Z_pad ‖ msg ‖ I2OSP(len, 2) ‖ I2OSP(0, 1) ‖ DST_prime)
            mstore(buf, 0)
            mstore(add(buf, 32), 0)
            let p := add(buf, 64)
            mcopy(p, add(message, 32), msgLen)
            p := add(p, msgLen)
            mstore(p, shl(232, shl(8, lenInBytes)))
            p := add(p, 3)
            mcopy(p, add(dst, 32), dstLen)
            p := add(p, dstLen)
            mstore8(p, dstLen)
            p := add(p, 1)
            ok := and(eq(returndatasize(), 32), staticcall(gas(), 0x02, buf, sub(p, buf), 0, 32))
            let b0 := mload(0)

            // b_i = H(strxor(b_0, b_(i-1)) ‖ I2OSP(i, 1) ‖ DST_prime), with b_1 = H(b_0 ‖ 1 ‖ DST_prime)
            mcopy(add(buf, 33), add(dst, 32), dstLen)
            mstore8(add(add(buf, 33), dstLen), dstLen)
            let inLen := add(34, dstLen)
            mstore(buf, b0)
            mstore8(add(buf, 32), 1)
            ok := and(ok, and(eq(returndatasize(), 32), staticcall(gas(), 0x02, buf, inLen, outData, 32)))
            for { let i := 2 } iszero(gt(i, ell)) { i := add(i, 1) } {
                let dest := add(outData, mul(sub(i, 1), 32))
                mstore(buf, xor(b0, mload(sub(dest, 32))))
                mstore8(add(buf, 32), i)
                ok := and(ok, and(eq(returndatasize(), 32), staticcall(gas(), 0x02, buf, inLen, dest, 32)))
            }
            mstore(0x40, buf)
        }
        if (!ok) revert PrecompileFailed(SHA256);
    }

    /// @notice hash_to_field for Fp with count = 2 and L = 64: the two field elements u0 ‖ u1
    ///         (each 64 bytes in EIP-2537 encoding) that hashToG1 maps to the curve.
    /// @dev Each 64-byte chunk is reduced mod p with MODEXP(chunk, 1, p). 3,818 gas.
    function hashToFieldFp(bytes memory message, bytes memory dst) internal view returns (bytes memory u) {
        bytes memory uniform = expandMessageXmd(message, dst, 128);
        u = new bytes(128);
        _reduceTwo(uniform, u);
    }

    /// @notice MAP_FP_TO_G1 on one 64-byte field element (clears the cofactor). ~5,600 gas.
    function mapFpToG1(bytes memory fp) internal view returns (bytes memory r) {
        _checkLength(fp, FP_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(r, 128)
            ok := and(eq(returndatasize(), 128), staticcall(gas(), 0x10, add(fp, 32), 64, add(r, 32), 128))
            mstore(0x40, add(r, 160))
        }
        if (!ok) revert PrecompileFailed(MAP_FP_TO_G1);
    }

    /// @notice hash_to_curve for BLS12381G1_XMD:SHA-256_SSWU_RO_: G1ADD(map(u0), map(u1)).
    /// @dev 15,851 gas for a 32-byte message and a 43-byte DST.
    function hashToG1(bytes memory message, bytes memory dst) internal view returns (bytes memory r) {
        r = new bytes(128);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(r, 32)
        }
        _hashToG1At(message, dst, dest);
    }

    /// @notice hashToG1 specialised for what Vigil signs, a 32-byte digest, with a DST of at most 255
    ///         bytes, written to memory at `dest` (128 bytes, which the caller has allocated).
    /// @dev The same RFC 9380 steps as {hashToG1} in one assembly block over scratch memory past the
    ///      free-memory pointer (nothing is allocated): SHA-256 ×5, MODEXP ×2, MAP_FP_TO_G1 ×2, G1ADD.
    ///      15,583 gas.
    function hashDigestToG1At(bytes32 digest, bytes memory dst, uint256 dest) internal view {
        uint256 dstLen = dst.length;
        if (dstLen > 255) revert InvalidEncodingLength(255, dstLen);
        address failed;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let inp := m // hash inputs, up to 100 + 255 bytes
            let b := add(m, 0x180) // b_0 ‖ b_1 ‖ b_2 ‖ b_3 ‖ b_4
            let mx := add(m, 0x220) // MODEXP input, 209 bytes
            let u := add(m, 0x300) // u0 ‖ u1
            let q := add(m, 0x380) // map(u0) ‖ map(u1)
            let dstData := add(dst, 32)

            // b_0 = H(Z_pad ‖ digest ‖ I2OSP(128, 2) ‖ I2OSP(0, 1) ‖ DST ‖ I2OSP(len(DST), 1))
            mstore(inp, 0)
            mstore(add(inp, 32), 0)
            mstore(add(inp, 64), digest)
            mstore(add(inp, 96), shl(232, 0x008000))
            mcopy(add(inp, 99), dstData, dstLen)
            mstore8(add(add(inp, 99), dstLen), dstLen)
            if iszero(and(eq(returndatasize(), 32), staticcall(gas(), 0x02, inp, add(100, dstLen), b, 32))) {
                failed := 0x02
            }
            let b0 := mload(b)

            // b_i = H((b_0 xor b_(i-1)) ‖ I2OSP(i, 1) ‖ DST ‖ I2OSP(len(DST), 1)), i = 1..4
            mcopy(add(inp, 33), dstData, dstLen)
            mstore8(add(add(inp, 33), dstLen), dstLen)
            let inLen := add(34, dstLen)
            mstore(inp, b0)
            for { let i := 1 } lt(i, 5) { i := add(i, 1) } {
                if gt(i, 1) { mstore(inp, xor(b0, mload(add(b, mul(sub(i, 1), 32))))) }
                mstore8(add(inp, 32), i)
                if iszero(and(eq(returndatasize(), 32), staticcall(gas(), 0x02, inp, inLen, add(b, mul(i, 32)), 32))) {
                    failed := 0x02
                }
            }

            // u_j = OS2IP(b_(2j+1) ‖ b_(2j+2)) mod p, by MODEXP(base, 1, p), into 64-byte Fp encodings
            mstore(mx, 64)
            mstore(add(mx, 32), 1)
            mstore(add(mx, 64), 48)
            mstore8(add(mx, 160), 1)
            mstore(add(mx, 161), shl(128, P_HI))
            mstore(add(mx, 177), P_LO)
            mcopy(add(mx, 96), add(b, 32), 64)
            mstore(u, 0)
            if iszero(and(eq(returndatasize(), 48), staticcall(gas(), 0x05, mx, 209, add(u, 16), 48))) {
                failed := 0x05
            }
            mcopy(add(mx, 96), add(b, 96), 64)
            mstore(add(u, 64), 0)
            if iszero(and(eq(returndatasize(), 48), staticcall(gas(), 0x05, mx, 209, add(u, 80), 48))) {
                failed := 0x05
            }

            // P = map(u0) + map(u1)
            if iszero(and(eq(returndatasize(), 128), staticcall(gas(), 0x10, u, 64, q, 128))) {
                failed := 0x10
            }
            if iszero(and(eq(returndatasize(), 128), staticcall(gas(), 0x10, add(u, 64), 64, add(q, 128), 128))) {
                failed := 0x10
            }
            if iszero(and(eq(returndatasize(), 128), staticcall(gas(), 0x0b, q, 256, dest, 128))) {
                failed := 0x0b
            }
        }
        if (failed != address(0)) revert PrecompileFailed(failed);
    }

    // ---------------------------------------------------------------------------------------------
    // Pairing and verification
    // ---------------------------------------------------------------------------------------------

    /// @notice PAIRING_CHECK on n (G1, G2) pairs concatenated (384 bytes each): true iff the product
    ///         of the pairings is one. Reverts if any point is off the curve or outside the subgroup.
    /// @dev 37,700 + 32,600 * n gas for the precompile; 103,253 in all for two pairs.
    function pairingCheck(bytes memory pairs) internal view returns (bool result) {
        if (pairs.length == 0 || pairs.length % 384 != 0) revert InvalidEncodingLength(384, pairs.length);
        bool ok;
        assembly ("memory-safe") {
            ok := and(eq(returndatasize(), 32), staticcall(gas(), 0x0f, add(pairs, 32), mload(pairs), 0, 32))
            result := eq(mload(0), 1)
        }
        if (!ok) revert PrecompileFailed(PAIRING);
    }

    /// @notice e(sig, g2) == e(H(m), pk) as one two-pair check: e(sig, -g2) · e(H(m), pk) == 1.
    /// @param hm H(m), already hashed to G1 (128 bytes).
    function pairingCheckSig(bytes memory sig, bytes memory hm, bytes memory pk) internal view returns (bool) {
        _checkLength(sig, G1_LENGTH);
        _checkLength(hm, G1_LENGTH);
        _checkLength(pk, G2_LENGTH);
        return pairingCheck(bytes.concat(sig, NEG_G2_GENERATOR, hm, pk));
    }

    /// @notice Verifies a min_sig BLS signature on a 32-byte digest under `dst`.
    /// @dev Returns false for the identity as key or signature (which would otherwise verify
    ///      trivially); reverts with {PrecompileFailed} for encodings the precompiles reject, including
    ///      keys or signatures outside the prime-order subgroup. `dst` is at most 255 bytes (both
    ///      ciphersuite DSTs are 43). 120,591 gas.
    function verify(bytes memory pk, bytes32 digest, bytes memory sig, bytes memory dst)
        internal
        view
        returns (bool valid)
    {
        _checkLength(pk, G2_LENGTH);
        _checkLength(sig, G1_LENGTH);
        if (isZero(pk) || isZero(sig)) return false;
        // One buffer laid out as the pairing input: sig ‖ -g2 ‖ H(m) ‖ pk; H(m) is written in place.
        bytes memory input = new bytes(768);
        bytes memory negG2 = NEG_G2_GENERATOR;
        uint256 hmPtr;
        assembly ("memory-safe") {
            let data := add(input, 32)
            mcopy(data, add(sig, 32), 128)
            mcopy(add(data, 128), add(negG2, 32), 256)
            mcopy(add(data, 512), add(pk, 32), 256)
            hmPtr := add(data, 384)
        }
        hashDigestToG1At(digest, dst, hmPtr);
        return pairingCheck(input);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Writes hash_to_curve(message) (128 bytes) to memory at `dest`, which must be allocated.
    ///      The two map outputs go to scratch memory past the free-memory pointer, laid out as q0 ‖ q1,
    ///      which is exactly G1ADD's input; G1ADD then writes straight to `dest`.
    function _hashToG1At(bytes memory message, bytes memory dst, uint256 dest) internal view {
        bytes memory uniform = expandMessageXmd(message, dst, 128);
        bytes memory u = new bytes(128);
        _reduceTwo(uniform, u);
        bool mapped;
        bool added;
        assembly ("memory-safe") {
            let q := mload(0x40)
            mapped := and(eq(returndatasize(), 128), staticcall(gas(), 0x10, add(u, 32), 64, q, 128))
            mapped := and(
                mapped,
                and(eq(returndatasize(), 128), staticcall(gas(), 0x10, add(u, 96), 64, add(q, 128), 128))
            )
            added := and(eq(returndatasize(), 128), staticcall(gas(), 0x0b, q, 256, dest, 128))
        }
        if (!mapped) revert PrecompileFailed(MAP_FP_TO_G1);
        if (!added) revert PrecompileFailed(G1ADD);
    }

    /// @dev u[0..64] = uniform[0..64] mod p and u[64..128] = uniform[64..128] mod p, each as EIP-2537
    ///      Fp (16 zero bytes then 48), by MODEXP(base = chunk, exponent = 1, modulus = p).
    function _reduceTwo(bytes memory uniform, bytes memory u) private view {
        bool ok;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(buf, 64) // base length
            mstore(add(buf, 32), 1) // exponent length
            mstore(add(buf, 64), 48) // modulus length
            mstore8(add(buf, 160), 1) // exponent
            mstore(add(buf, 161), shl(128, P_HI)) // modulus: 16 bytes of P_HI ...
            mstore(add(buf, 177), P_LO) // ... then 32 bytes of P_LO
            let out := add(u, 32)
            mstore(out, 0)
            mstore(add(out, 64), 0)
            mcopy(add(buf, 96), add(uniform, 32), 64)
            ok := and(eq(returndatasize(), 48), staticcall(gas(), 0x05, buf, 209, add(out, 16), 48))
            mcopy(add(buf, 96), add(uniform, 96), 64)
            ok := and(ok, and(eq(returndatasize(), 48), staticcall(gas(), 0x05, buf, 209, add(out, 80), 48)))
        }
        if (!ok) revert PrecompileFailed(MODEXP);
    }

    /// @dev SHA-256 through the precompile with a length check (Solidity's builtin does not check it).
    function _sha256(bytes memory data) private view returns (bytes32 h) {
        bool ok;
        assembly ("memory-safe") {
            ok := and(eq(returndatasize(), 32), staticcall(gas(), 0x02, add(data, 32), mload(data), 0, 32))
            h := mload(0)
        }
        if (!ok) revert PrecompileFailed(SHA256);
    }

    function _checkLength(bytes memory b, uint256 expected) private pure {
        if (b.length != expected) revert InvalidEncodingLength(expected, b.length);
    }
}
