//! EIP-2537 point encodings: each Fp element is 64 bytes (16 zero bytes, then 48 big-endian);
//! G1 is `x ‖ y` (128 bytes), G2 is `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1` (256 bytes); the identity is
//! all zeros.
//!
//! blst's uncompressed serialization (the ZCash/IETF format) puts `c1` before `c0` and uses the
//! top three bits of the first byte as flags, so conversion is a reordering plus checks.

use crate::{Error, Point, Result};

/// Length of an EIP-2537 G1 point.
pub const G1_EIP2537_LEN: usize = 128;
/// Length of an EIP-2537 G2 point.
pub const G2_EIP2537_LEN: usize = 256;

const FP: usize = 48;
const PAD: usize = 16;
/// ZCash-format flag for the point at infinity.
const INFINITY_FLAG: u8 = 0x40;

/// Copies each 48-byte coordinate of `serialized` into its padded 64-byte EIP-2537 slot.
/// `order` lists, for each output slot, which 48-byte chunk of `serialized` goes there.
fn to_eip2537<const IN: usize, const OUT: usize>(
    serialized: &[u8; IN],
    order: &[usize],
) -> [u8; OUT] {
    let mut out = [0u8; OUT];
    if serialized.first().is_some_and(|b| b & INFINITY_FLAG != 0) {
        return out;
    }
    for (slot, &chunk) in order.iter().enumerate() {
        let src = serialized.get(chunk * FP..(chunk + 1) * FP);
        let dst = out.get_mut(slot * 64 + PAD..(slot + 1) * 64);
        if let (Some(src), Some(dst)) = (src, dst) {
            dst.copy_from_slice(src);
        }
    }
    out
}

/// The inverse of [`to_eip2537`]: checks padding and that no coordinate sets the top three bits
/// (which blst would read as flags; any value that large is not below the modulus anyway).
fn from_eip2537<const IN: usize, const OUT: usize>(
    point: Point,
    encoded: &[u8; IN],
    order: &[usize],
) -> Result<[u8; OUT]> {
    let mut out = [0u8; OUT];
    if encoded.iter().all(|b| *b == 0) {
        if let Some(first) = out.first_mut() {
            *first = INFINITY_FLAG;
        }
        return Ok(out);
    }
    for (slot, &chunk) in order.iter().enumerate() {
        let padded = encoded.get(slot * 64..(slot + 1) * 64).ok_or(Error::BadEncoding { point })?;
        let (pad, coordinate) = padded.split_at(PAD);
        if pad.iter().any(|b| *b != 0) || coordinate.first().is_some_and(|b| b & 0xe0 != 0) {
            return Err(Error::BadEncoding { point });
        }
        out.get_mut(chunk * FP..(chunk + 1) * FP)
            .ok_or(Error::BadEncoding { point })?
            .copy_from_slice(coordinate);
    }
    Ok(out)
}

/// G1 uncompressed (96) → EIP-2537 (128).
pub(crate) fn g1_to_eip2537(serialized: &[u8; 96]) -> [u8; G1_EIP2537_LEN] {
    to_eip2537(serialized, &[0, 1])
}

/// EIP-2537 (128) → G1 uncompressed (96), unchecked for curve membership.
pub(crate) fn g1_from_eip2537(encoded: &[u8; G1_EIP2537_LEN]) -> Result<[u8; 96]> {
    from_eip2537(Point::Signature, encoded, &[0, 1])
}

/// ZCash order of G2 coordinates: x.c1, x.c0, y.c1, y.c0; EIP-2537 wants x.c0, x.c1, y.c0, y.c1.
const G2_ORDER: [usize; 4] = [1, 0, 3, 2];

/// G2 uncompressed (192) → EIP-2537 (256).
pub(crate) fn g2_to_eip2537(serialized: &[u8; 192]) -> [u8; G2_EIP2537_LEN] {
    to_eip2537(serialized, &G2_ORDER)
}

/// EIP-2537 (256) → G2 uncompressed (192), unchecked for curve membership.
pub(crate) fn g2_from_eip2537(encoded: &[u8; G2_EIP2537_LEN]) -> Result<[u8; 192]> {
    from_eip2537(Point::PublicKey, encoded, &G2_ORDER)
}
