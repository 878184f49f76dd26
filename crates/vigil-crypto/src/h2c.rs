//! RFC 9380 hash-to-curve pieces in Rust: `expand_message_xmd` (SHA-256) and `hash_to_field`
//! for Fp and Fp2, plus hashing to G1 in the EIP-2537 encoding.
//!
//! blst hashes to the curve internally when signing; these functions exist as the reference the
//! Solidity implementation (`BLS12381.sol`, built on the EIP-2537 map precompiles) is checked
//! against, and they are tested on the RFC's own vectors.

use alloy_primitives::{U512, uint};
use sha2::{Digest, Sha256};

use crate::eip2537::{G1_EIP2537_LEN, g1_to_eip2537};

/// The BLS12-381 base field modulus.
const P: U512 = uint!(0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab_U512);
/// Bytes per field element drawn from the expanded message (`L` in RFC 9380).
const L: usize = 64;

/// `expand_message_xmd` with SHA-256 (RFC 9380 §5.3.1). Returns `None` if `len_in_bytes` is
/// over 8160 or the expansion would need more than 255 blocks.
pub fn expand_message_xmd(msg: &[u8], dst: &[u8], len_in_bytes: usize) -> Option<Vec<u8>> {
    const B_IN_BYTES: usize = 32;
    const S_IN_BYTES: usize = 64;
    let ell = len_in_bytes.div_ceil(B_IN_BYTES);
    if ell > 255 || len_in_bytes > 65535 {
        return None;
    }
    // Oversize DSTs are hashed first (§5.3.3).
    let long_dst;
    let dst = if dst.len() > 255 {
        long_dst = Sha256::new().chain_update(b"H2C-OVERSIZE-DST-").chain_update(dst).finalize();
        long_dst.as_slice()
    } else {
        dst
    };
    let dst_len = [u8::try_from(dst.len()).ok()?];
    let len_bytes = u16::try_from(len_in_bytes).ok()?.to_be_bytes();
    let b0 = Sha256::new()
        .chain_update([0u8; S_IN_BYTES])
        .chain_update(msg)
        .chain_update(len_bytes)
        .chain_update([0u8])
        .chain_update(dst)
        .chain_update(dst_len)
        .finalize();
    let mut out = Vec::with_capacity(ell * B_IN_BYTES);
    let mut prev = Sha256::new()
        .chain_update(b0)
        .chain_update([1u8])
        .chain_update(dst)
        .chain_update(dst_len)
        .finalize();
    out.extend_from_slice(&prev);
    for i in 2..=ell {
        let mixed: Vec<u8> = b0.iter().zip(prev.iter()).map(|(a, b)| a ^ b).collect();
        prev = Sha256::new()
            .chain_update(&mixed)
            .chain_update([u8::try_from(i).ok()?])
            .chain_update(dst)
            .chain_update(dst_len)
            .finalize();
        out.extend_from_slice(&prev);
    }
    out.truncate(len_in_bytes);
    Some(out)
}

fn reduce(chunk: &[u8]) -> [u8; 48] {
    let reduced = U512::from_be_slice(chunk) % P;
    let wide: [u8; 64] = reduced.to_be_bytes();
    let mut out = [0u8; 48];
    if let Some(tail) = wide.get(16..) {
        out.copy_from_slice(tail);
    }
    out
}

/// `hash_to_field` into Fp (`m = 1`): `count` 48-byte big-endian elements.
pub fn hash_to_field_fp(msg: &[u8], dst: &[u8], count: usize) -> Option<Vec<[u8; 48]>> {
    let bytes = expand_message_xmd(msg, dst, count.checked_mul(L)?)?;
    Some(bytes.chunks_exact(L).map(reduce).collect())
}

/// `hash_to_field` into Fp2 (`m = 2`): `count` elements as `(c0, c1)`.
pub fn hash_to_field_fp2(
    msg: &[u8],
    dst: &[u8],
    count: usize,
) -> Option<Vec<([u8; 48], [u8; 48])>> {
    let bytes = expand_message_xmd(msg, dst, count.checked_mul(2 * L)?)?;
    Some(
        bytes
            .chunks_exact(2 * L)
            .map(|e| {
                let (c0, c1) = e.split_at(L);
                (reduce(c0), reduce(c1))
            })
            .collect(),
    )
}

/// `hash_to_curve` into G1 (`BLS12381G1_XMD:SHA-256_SSWU_RO_` with the given DST), as blst
/// computes it when signing, in the 128-byte EIP-2537 encoding.
pub fn hash_to_g1_eip2537(msg: &[u8], dst: &[u8]) -> [u8; G1_EIP2537_LEN] {
    g1_to_eip2537(&hash_to_g1_uncompressed(msg, dst))
}

/// `hash_to_curve` into G1, as a 96-byte uncompressed point.
pub fn hash_to_g1_uncompressed(msg: &[u8], dst: &[u8]) -> [u8; 96] {
    let mut point = blst::blst_p1::default();
    let mut affine = blst::blst_p1_affine::default();
    let mut out = [0u8; 96];
    // SAFETY: every pointer is valid for the length passed with it; blst writes only `point`,
    // `affine` and the 96 bytes of `out`.
    unsafe {
        blst::blst_hash_to_g1(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            std::ptr::null(),
            0,
        );
        blst::blst_p1_to_affine(&mut affine, &point);
        blst::blst_p1_affine_serialize(out.as_mut_ptr(), &affine);
    }
    out
}
