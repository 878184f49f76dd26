//! Signatures and single verification.

use std::fmt;

use blst::{BLST_ERROR, min_sig as bls};
use vigil_types::SignatureBytes;

use crate::{
    Error, POP_DST, Point, PublicKey, Result, SIG_DST,
    eip2537::{G1_EIP2537_LEN, g1_from_eip2537, g1_to_eip2537},
};

/// A BLS signature (G1), on the curve. Whether it was subgroup-checked depends on the
/// constructor; verification always makes sure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    point: bls::Signature,
    /// Known to be in the subgroup (checked at decode, or made by signing).
    checked: bool,
}

impl Signature {
    pub(crate) fn from_blst(point: bls::Signature) -> Self {
        Self { point, checked: true }
    }

    pub(crate) fn from_blst_unchecked(point: bls::Signature) -> Self {
        Self { point, checked: false }
    }

    fn check_length(bytes: &[u8]) -> Result<()> {
        match bytes.len() {
            48 | 96 => Ok(()),
            found => Err(Error::WrongLength { point: Point::Signature, found }),
        }
    }

    /// Decodes a 48-byte compressed or 96-byte uncompressed signature as the public vectors
    /// demand: flags, field range, curve and subgroup are checked; the identity decodes.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        Self::check_length(bytes)?;
        let point =
            bls::Signature::from_bytes(bytes).map_err(|e| Error::from_blst(Point::Signature, e))?;
        point.validate(false).map_err(|e| Error::from_blst(Point::Signature, e))?;
        Ok(Self::from_blst(point))
    }

    /// Accepts a signature: [`Signature::decode`], and the identity is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes)?.non_identity()
    }

    /// Accepts a signature checking everything but subgroup membership, which costs ~44 µs;
    /// for signatures that are aggregated and checked as one ([`crate::verify_same_message`]).
    /// [`verify`] still subgroup-checks a signature made this way.
    pub fn from_bytes_unchecked_subgroup(bytes: &[u8]) -> Result<Self> {
        Self::check_length(bytes)?;
        let point =
            bls::Signature::from_bytes(bytes).map_err(|e| Error::from_blst(Point::Signature, e))?;
        Self::from_blst_unchecked(point).non_identity()
    }

    /// Accepts a wire signature (fully checked).
    pub fn from_wire(bytes: &SignatureBytes) -> Result<Self> {
        Self::from_bytes(bytes.as_slice())
    }

    /// Accepts a signature in the 128-byte EIP-2537 encoding (fully checked).
    pub fn from_eip2537(bytes: &[u8; G1_EIP2537_LEN]) -> Result<Self> {
        Self::from_bytes(&g1_from_eip2537(bytes)?)
    }

    fn non_identity(self) -> Result<Self> {
        if self.is_identity() { Err(Error::Identity { point: Point::Signature }) } else { Ok(self) }
    }

    /// Whether this is the identity.
    pub fn is_identity(&self) -> bool {
        self.point.compress().first().is_some_and(|b| b & 0x40 != 0)
    }

    /// 48-byte compressed encoding.
    pub fn to_compressed(&self) -> [u8; 48] {
        self.point.compress()
    }

    /// 96-byte uncompressed encoding.
    pub fn to_uncompressed(&self) -> [u8; 96] {
        self.point.serialize()
    }

    /// 128-byte EIP-2537 encoding, as the contracts take it.
    pub fn to_eip2537(&self) -> [u8; G1_EIP2537_LEN] {
        g1_to_eip2537(&self.point.serialize())
    }

    /// The wire form: uncompressed (the default; saves the receiver a square root) or compressed.
    pub fn to_wire(&self, compressed: bool) -> SignatureBytes {
        if compressed {
            SignatureBytes::Compressed(self.to_compressed())
        } else {
            SignatureBytes::Uncompressed(self.to_uncompressed())
        }
    }

    pub(crate) fn as_blst(&self) -> &bls::Signature {
        &self.point
    }

    pub(crate) fn is_checked(&self) -> bool {
        self.checked
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.to_compressed();
        write!(f, "Signature(0x{}…)", crate::keys::hex_lower(c.get(..4).unwrap_or_default()))
    }
}

fn verify_dst(pk: &PublicKey, msg: &[u8], sig: &Signature, dst: &[u8]) -> Result<()> {
    if pk.is_identity() {
        return Err(Error::Identity { point: Point::PublicKey });
    }
    if sig.is_identity() {
        return Err(Error::Identity { point: Point::Signature });
    }
    // Keys are subgroup-checked at construction; the signature only if not already known good.
    match sig.as_blst().verify(!sig.is_checked(), msg, dst, &[], pk.as_blst(), false) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => {
            Err(Error::NotInSubgroup { point: Point::Signature })
        }
        _ => Err(Error::VerificationFailed),
    }
}

/// Verifies one signature over `msg` under the signature DST.
pub fn verify(pk: &PublicKey, msg: &[u8], sig: &Signature) -> Result<()> {
    verify_dst(pk, msg, sig, SIG_DST)
}

/// Verifies a proof of possession over `msg` under the PoP DST.
pub fn verify_pop(pk: &PublicKey, msg: &[u8], sig: &Signature) -> Result<()> {
    verify_dst(pk, msg, sig, POP_DST)
}
