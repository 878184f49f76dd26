//! The compact binary form of the wire types.
//!
//! ```text
//! value       = version (1 byte, 0x01) | tag (1 byte) | body
//! tag 1 SignedCheckpoint: domain | checkpoint | pubkey (96) | signature
//! tag 2 Certificate:      domain | checkpoint | count u32 BE | count × pubkey (96) | signature
//! tag 3 Evidence::DoubleSign:          signedCheckpoint body | signedCheckpoint body
//! tag 4 Evidence::CertificateConflict: offender (96) | certificate body | certificate body
//! domain     = l1ChainId u64 | verifier (20) | operatorSetId u32          (32 bytes)
//! checkpoint = rollupId u64 | height u64 | blockHash | stateRoot | daCommitment | l1Block u64
//! signature  = length (1 byte: 48 or 96) | bytes
//! ```
//! Integers are big-endian. Decoding refuses trailing bytes and more than [`MAX_NON_SIGNERS`].

use alloy_primitives::{Address, B256};

use crate::{
    Certificate, Checkpoint, Error, Evidence, PublicKeyBytes, Result, SignatureBytes,
    SignedCheckpoint, SigningDomain, wire::PUBLIC_KEY_COMPRESSED_LEN,
};

const VERSION: u8 = 1;
const TAG_SIGNED_CHECKPOINT: u8 = 1;
const TAG_CERTIFICATE: u8 = 2;
const TAG_DOUBLE_SIGN: u8 = 3;
const TAG_CERTIFICATE_CONFLICT: u8 = 4;

/// The most non-signers a compact certificate may list (a guard against hostile lengths).
pub const MAX_NON_SIGNERS: usize = 8192;

/// A type with a compact binary encoding.
pub trait Compact: Sized {
    /// Encodes `self`, version byte and type tag first.
    fn to_compact(&self) -> Vec<u8>;
    /// Decodes a value written by [`Compact::to_compact`], refusing anything else.
    fn from_compact(bytes: &[u8]) -> Result<Self>;
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let (head, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(Error::Truncated { what, needed: n.saturating_sub(self.0.len()) })?;
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let bytes = self.take(N, what)?;
        bytes.try_into().map_err(|_| Error::Truncated { what, needed: N })
    }
    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }
    fn b256(&mut self, what: &'static str) -> Result<B256> {
        Ok(B256::from(self.array::<32>(what)?))
    }
    fn header(&mut self, what: &'static str, expected: &[u8]) -> Result<u8> {
        let version = self.u8("version")?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion { found: version, supported: VERSION });
        }
        let tag = self.u8("tag")?;
        if !expected.contains(&tag) {
            return Err(Error::UnexpectedTag { what, found: tag });
        }
        Ok(tag)
    }
    fn finish(self, what: &'static str) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes { what, count: self.0.len() })
        }
    }

    fn domain(&mut self) -> Result<SigningDomain> {
        Ok(SigningDomain {
            l1_chain_id: self.u64("domain.l1ChainId")?,
            verifier: Address::from(self.array::<20>("domain.verifier")?),
            operator_set_id: self.u32("domain.operatorSetId")?,
        })
    }
    fn checkpoint(&mut self) -> Result<Checkpoint> {
        Ok(Checkpoint {
            rollup_id: self.u64("checkpoint.rollupId")?,
            height: self.u64("checkpoint.height")?,
            block_hash: self.b256("checkpoint.blockHash")?,
            state_root: self.b256("checkpoint.stateRoot")?,
            da_commitment: self.b256("checkpoint.daCommitment")?,
            l1_block: self.u64("checkpoint.l1Block")?,
        })
    }
    fn pubkey(&mut self) -> Result<PublicKeyBytes> {
        Ok(PublicKeyBytes(self.array::<PUBLIC_KEY_COMPRESSED_LEN>("pubkey")?))
    }
    fn signature(&mut self) -> Result<SignatureBytes> {
        let len = self.u8("signature length")?;
        SignatureBytes::from_slice(self.take(usize::from(len), "signature")?)
    }
    fn signed_checkpoint(&mut self) -> Result<SignedCheckpoint> {
        Ok(SignedCheckpoint {
            domain: self.domain()?,
            checkpoint: self.checkpoint()?,
            pubkey: self.pubkey()?,
            signature: self.signature()?,
        })
    }
    fn certificate(&mut self) -> Result<Certificate> {
        let domain = self.domain()?;
        let checkpoint = self.checkpoint()?;
        let count = usize::try_from(self.u32("non-signer count")?).unwrap_or(usize::MAX);
        if count > MAX_NON_SIGNERS {
            return Err(Error::TooMany { what: "nonSigners", found: count, max: MAX_NON_SIGNERS });
        }
        let mut non_signers = Vec::with_capacity(count.min(self.0.len() / 96));
        for _ in 0..count {
            non_signers.push(self.pubkey()?);
        }
        Ok(Certificate { domain, checkpoint, non_signers, aggregate_signature: self.signature()? })
    }
}

fn put_domain(out: &mut Vec<u8>, d: &SigningDomain) {
    out.extend_from_slice(&d.l1_chain_id.to_be_bytes());
    out.extend_from_slice(d.verifier.as_slice());
    out.extend_from_slice(&d.operator_set_id.to_be_bytes());
}

fn put_checkpoint(out: &mut Vec<u8>, c: &Checkpoint) {
    out.extend_from_slice(&c.rollup_id.to_be_bytes());
    out.extend_from_slice(&c.height.to_be_bytes());
    out.extend_from_slice(c.block_hash.as_slice());
    out.extend_from_slice(c.state_root.as_slice());
    out.extend_from_slice(c.da_commitment.as_slice());
    out.extend_from_slice(&c.l1_block.to_be_bytes());
}

fn put_signature(out: &mut Vec<u8>, s: &SignatureBytes) {
    let bytes = s.as_slice();
    // Lengths are 48 or 96 by construction.
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

fn put_signed_checkpoint(out: &mut Vec<u8>, s: &SignedCheckpoint) {
    put_domain(out, &s.domain);
    put_checkpoint(out, &s.checkpoint);
    out.extend_from_slice(&s.pubkey.0);
    put_signature(out, &s.signature);
}

fn put_certificate(out: &mut Vec<u8>, c: &Certificate) {
    put_domain(out, &c.domain);
    put_checkpoint(out, &c.checkpoint);
    let count = u32::try_from(c.non_signers.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for pk in &c.non_signers {
        out.extend_from_slice(&pk.0);
    }
    put_signature(out, &c.aggregate_signature);
}

impl Compact for SignedCheckpoint {
    fn to_compact(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + 32 + 128 + 96 + 97);
        out.extend_from_slice(&[VERSION, TAG_SIGNED_CHECKPOINT]);
        put_signed_checkpoint(&mut out, self);
        out
    }
    fn from_compact(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        r.header("SignedCheckpoint", &[TAG_SIGNED_CHECKPOINT])?;
        let value = r.signed_checkpoint()?;
        r.finish("SignedCheckpoint")?;
        Ok(value)
    }
}

impl Compact for Certificate {
    fn to_compact(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + 32 + 128 + 4 + 96 * self.non_signers.len() + 97);
        out.extend_from_slice(&[VERSION, TAG_CERTIFICATE]);
        put_certificate(&mut out, self);
        out
    }
    fn from_compact(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        r.header("Certificate", &[TAG_CERTIFICATE])?;
        let value = r.certificate()?;
        r.finish("Certificate")?;
        Ok(value)
    }
}

impl Compact for Evidence {
    fn to_compact(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        match self {
            Self::DoubleSign { first, second } => {
                out.extend_from_slice(&[VERSION, TAG_DOUBLE_SIGN]);
                put_signed_checkpoint(&mut out, first);
                put_signed_checkpoint(&mut out, second);
            }
            Self::CertificateConflict { offender, recorded, conflicting } => {
                out.extend_from_slice(&[VERSION, TAG_CERTIFICATE_CONFLICT]);
                out.extend_from_slice(&offender.0);
                put_certificate(&mut out, recorded);
                put_certificate(&mut out, conflicting);
            }
        }
        out
    }
    fn from_compact(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        let tag = r.header("Evidence", &[TAG_DOUBLE_SIGN, TAG_CERTIFICATE_CONFLICT])?;
        let value = if tag == TAG_DOUBLE_SIGN {
            Self::DoubleSign { first: r.signed_checkpoint()?, second: r.signed_checkpoint()? }
        } else {
            Self::CertificateConflict {
                offender: r.pubkey()?,
                recorded: r.certificate()?,
                conflicting: r.certificate()?,
            }
        };
        r.finish("Evidence")?;
        Ok(value)
    }
}
