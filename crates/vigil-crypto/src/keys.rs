//! Secret and public keys.

use std::fmt;

use blst::min_sig as bls;
use rand::RngCore;
use vigil_types::PublicKeyBytes;
use zeroize::Zeroizing;

use crate::{
    Error, POP_DST, Point, Result, SIG_DST, Signature,
    eip2537::{G2_EIP2537_LEN, g2_from_eip2537, g2_to_eip2537},
};

/// A BLS secret key. Zeroized on drop; never printed.
#[derive(Clone)]
pub struct SecretKey(bls::SecretKey);

impl SecretKey {
    /// A fresh key from 32 bytes of operating-system randomness (EIP-2333 `KeyGen`).
    pub fn random() -> Self {
        let mut ikm = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(ikm.as_mut());
        // 32 bytes of IKM always satisfy KeyGen.
        Self::from_ikm(ikm.as_ref()).unwrap_or_else(|_| unreachable!("32-byte IKM is accepted"))
    }

    /// Derives a key from input keying material (at least 32 bytes).
    pub fn from_ikm(ikm: &[u8]) -> Result<Self> {
        bls::SecretKey::key_gen(ikm, &[]).map(Self).map_err(|_| Error::ShortIkm)
    }

    /// Reads a 32-byte big-endian scalar; refuses zero and values not below the group order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        bls::SecretKey::from_bytes(bytes).map(Self).map_err(|_| Error::InvalidSecretKey)
    }

    /// The 32-byte big-endian scalar, in a buffer that zeroizes on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.sk_to_pk())
    }

    /// Signs a message (a 32-byte checkpoint digest) under the signature DST.
    pub fn sign(&self, msg: &[u8]) -> Signature {
        Signature::from_blst(self.0.sign(msg, SIG_DST, &[]))
    }

    /// Signs a proof-of-possession message under the PoP DST.
    pub fn sign_pop(&self, msg: &[u8]) -> Signature {
        Signature::from_blst(self.0.sign(msg, POP_DST, &[]))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A BLS public key (G2): on the curve and in the subgroup. Only [`PublicKey::decode`] can
/// yield the identity; the accepting constructors refuse it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(bls::PublicKey);

impl PublicKey {
    /// Decodes a 96-byte compressed or 192-byte uncompressed key as the public vectors demand:
    /// flags, field range, curve and subgroup are checked; the identity decodes.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let point = Point::PublicKey;
        if bytes.len() != 96 && bytes.len() != 192 {
            return Err(Error::WrongLength { point, found: bytes.len() });
        }
        let pk = bls::PublicKey::from_bytes(bytes).map_err(|e| Error::from_blst(point, e))?;
        match pk.validate() {
            Ok(()) | Err(blst::BLST_ERROR::BLST_PK_IS_INFINITY) => Ok(Self(pk)),
            Err(e) => Err(Error::from_blst(point, e)),
        }
    }

    /// Accepts a key: [`PublicKey::decode`], and the identity is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes)?.non_identity()
    }

    /// Accepts a key in the 256-byte EIP-2537 encoding (the identity is refused).
    pub fn from_eip2537(bytes: &[u8; G2_EIP2537_LEN]) -> Result<Self> {
        Self::from_bytes(&g2_from_eip2537(bytes)?)
    }

    /// Accepts a wire key.
    pub fn from_wire(bytes: &PublicKeyBytes) -> Result<Self> {
        Self::from_bytes(&bytes.0)
    }

    /// The wire form (compressed).
    pub fn to_wire(&self) -> PublicKeyBytes {
        PublicKeyBytes(self.to_compressed())
    }

    fn non_identity(self) -> Result<Self> {
        if self.is_identity() { Err(Error::Identity { point: Point::PublicKey }) } else { Ok(self) }
    }

    /// Whether this is the identity (possible only after [`PublicKey::decode`]).
    pub fn is_identity(&self) -> bool {
        self.0.compress().first().is_some_and(|b| b & 0x40 != 0)
    }

    /// The 96-byte compressed encoding.
    pub fn to_compressed(&self) -> [u8; 96] {
        self.0.compress()
    }

    /// The 192-byte uncompressed encoding.
    pub fn to_uncompressed(&self) -> [u8; 192] {
        self.0.serialize()
    }

    /// The 256-byte EIP-2537 encoding, as the contracts take it.
    pub fn to_eip2537(&self) -> [u8; G2_EIP2537_LEN] {
        g2_to_eip2537(&self.0.serialize())
    }

    pub(crate) fn as_blst(&self) -> &bls::PublicKey {
        &self.0
    }

    pub(crate) fn from_blst(pk: bls::PublicKey) -> Self {
        Self(pk)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.to_compressed();
        let head = c.get(..4).unwrap_or_default();
        write!(f, "PublicKey(0x{}…)", hex_lower(head))
    }
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
