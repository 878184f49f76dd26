//! The compact binary form of the wire types.
//!
//! ```text
//! value       = version (1 byte, 0x01) | tag (1 byte) | body
//! tag 1 SignedCheckpoint: domain | checkpoint | pubkey (96) | signature
//! tag 2 Certificate:      domain | checkpoint | count u32 BE | count × pubkey (96) | signature
//! tag 3 Evidence::DoubleSign:          signedCheckpoint body | signedCheckpoint body
//! tag 4 Evidence::CertificateConflict: offender (96) | certificate body | certificate body
//! tag 5 Evidence::Equivocation:        offender (96) | statement | statement
//! statement  = form (1 byte) | body:
//!              1 Signed:           signedCheckpoint body
//!              2 Aggregate:        certificate body
//!              3 InBatch:          domain | batchHeader | pubkey (96) | signature | checkpoint | proof
//!              4 InBatchAggregate: domain | batchHeader | count u32 BE | count × pubkey (96) |
//!                                  signature | checkpoint | proof
//! batchHeader = root (32) | leafCount u32 | fromL1Block u64 | toL1Block u64
//! proof       = index u32 | count (1 byte, at most 32) | count × sibling (32)
//! domain     = l1ChainId u64 | verifier (20) | operatorSetId u32          (32 bytes)
//! checkpoint = rollupId u64 | height u64 | blockHash | stateRoot | daCommitment | l1Block u64
//! signature  = length (1 byte: 48 or 96) | bytes
//! ```
//! Integers are big-endian. Decoding refuses trailing bytes and more than [`MAX_NON_SIGNERS`].

use alloy_primitives::{Address, B256};

use crate::{
    BatchCertificate, BatchHeader, Certificate, Checkpoint, Error, Evidence, InclusionProof,
    PublicKeyBytes, Result, SignatureBytes, SignedBatch, SignedCheckpoint, SigningDomain,
    Statement, wire::PUBLIC_KEY_COMPRESSED_LEN,
};

const VERSION: u8 = 1;
const TAG_SIGNED_CHECKPOINT: u8 = 1;
const TAG_CERTIFICATE: u8 = 2;
const TAG_DOUBLE_SIGN: u8 = 3;
const TAG_CERTIFICATE_CONFLICT: u8 = 4;
const TAG_EQUIVOCATION: u8 = 5;
const FORM_SIGNED: u8 = 1;
const FORM_AGGREGATE: u8 = 2;
const FORM_IN_BATCH: u8 = 3;
const FORM_IN_BATCH_AGGREGATE: u8 = 4;
/// The most siblings a compact inclusion proof may carry (a tree of 2^32 leaves; batches hold at
/// most 2^16).
const MAX_SIBLINGS: usize = 32;

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
    fn non_signers(&mut self) -> Result<Vec<PublicKeyBytes>> {
        let count = usize::try_from(self.u32("non-signer count")?).unwrap_or(usize::MAX);
        if count > MAX_NON_SIGNERS {
            return Err(Error::TooMany { what: "nonSigners", found: count, max: MAX_NON_SIGNERS });
        }
        let mut non_signers = Vec::with_capacity(count.min(self.0.len() / 96));
        for _ in 0..count {
            non_signers.push(self.pubkey()?);
        }
        Ok(non_signers)
    }
    fn certificate(&mut self) -> Result<Certificate> {
        let domain = self.domain()?;
        let checkpoint = self.checkpoint()?;
        let non_signers = self.non_signers()?;
        Ok(Certificate { domain, checkpoint, non_signers, aggregate_signature: self.signature()? })
    }
    fn batch_header(&mut self) -> Result<BatchHeader> {
        Ok(BatchHeader {
            root: self.b256("batch.root")?,
            leaf_count: self.u32("batch.leafCount")?,
            from_l1_block: self.u64("batch.fromL1Block")?,
            to_l1_block: self.u64("batch.toL1Block")?,
        })
    }
    fn proof(&mut self) -> Result<InclusionProof> {
        let index = self.u32("proof.index")?;
        let count = usize::from(self.u8("proof sibling count")?);
        if count > MAX_SIBLINGS {
            return Err(Error::TooMany { what: "siblings", found: count, max: MAX_SIBLINGS });
        }
        let mut siblings = Vec::with_capacity(count);
        for _ in 0..count {
            siblings.push(self.b256("proof.sibling")?);
        }
        Ok(InclusionProof { index, siblings })
    }
    fn statement(&mut self) -> Result<Statement> {
        Ok(match self.u8("statement form")? {
            FORM_SIGNED => Statement::Signed { signed: self.signed_checkpoint()? },
            FORM_AGGREGATE => Statement::Aggregate { certificate: self.certificate()? },
            FORM_IN_BATCH => Statement::InBatch {
                signed: SignedBatch {
                    domain: self.domain()?,
                    header: self.batch_header()?,
                    pubkey: self.pubkey()?,
                    signature: self.signature()?,
                },
                checkpoint: self.checkpoint()?,
                proof: self.proof()?,
            },
            FORM_IN_BATCH_AGGREGATE => Statement::InBatchAggregate {
                certificate: BatchCertificate {
                    domain: self.domain()?,
                    header: self.batch_header()?,
                    non_signers: self.non_signers()?,
                    aggregate_signature: self.signature()?,
                },
                checkpoint: self.checkpoint()?,
                proof: self.proof()?,
            },
            found => return Err(Error::UnexpectedTag { what: "Statement", found }),
        })
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

fn put_non_signers(out: &mut Vec<u8>, non_signers: &[PublicKeyBytes]) {
    let count = u32::try_from(non_signers.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for pk in non_signers {
        out.extend_from_slice(&pk.0);
    }
}

fn put_certificate(out: &mut Vec<u8>, c: &Certificate) {
    put_domain(out, &c.domain);
    put_checkpoint(out, &c.checkpoint);
    put_non_signers(out, &c.non_signers);
    put_signature(out, &c.aggregate_signature);
}

fn put_batch_header(out: &mut Vec<u8>, h: &BatchHeader) {
    out.extend_from_slice(h.root.as_slice());
    out.extend_from_slice(&h.leaf_count.to_be_bytes());
    out.extend_from_slice(&h.from_l1_block.to_be_bytes());
    out.extend_from_slice(&h.to_l1_block.to_be_bytes());
}

fn put_proof(out: &mut Vec<u8>, p: &InclusionProof) {
    out.extend_from_slice(&p.index.to_be_bytes());
    // Written as is: a proof of more than 32 siblings no batch has is refused when read back.
    out.push(u8::try_from(p.siblings.len()).unwrap_or(u8::MAX));
    for s in &p.siblings {
        out.extend_from_slice(s.as_slice());
    }
}

fn put_statement(out: &mut Vec<u8>, s: &Statement) {
    match s {
        Statement::Signed { signed } => {
            out.push(FORM_SIGNED);
            put_signed_checkpoint(out, signed);
        }
        Statement::Aggregate { certificate } => {
            out.push(FORM_AGGREGATE);
            put_certificate(out, certificate);
        }
        Statement::InBatch { signed, checkpoint, proof } => {
            out.push(FORM_IN_BATCH);
            put_domain(out, &signed.domain);
            put_batch_header(out, &signed.header);
            out.extend_from_slice(&signed.pubkey.0);
            put_signature(out, &signed.signature);
            put_checkpoint(out, checkpoint);
            put_proof(out, proof);
        }
        Statement::InBatchAggregate { certificate, checkpoint, proof } => {
            out.push(FORM_IN_BATCH_AGGREGATE);
            put_domain(out, &certificate.domain);
            put_batch_header(out, &certificate.header);
            put_non_signers(out, &certificate.non_signers);
            put_signature(out, &certificate.aggregate_signature);
            put_checkpoint(out, checkpoint);
            put_proof(out, proof);
        }
    }
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
            Self::Equivocation { offender, first, second } => {
                out.extend_from_slice(&[VERSION, TAG_EQUIVOCATION]);
                out.extend_from_slice(&offender.0);
                put_statement(&mut out, first);
                put_statement(&mut out, second);
            }
        }
        out
    }
    fn from_compact(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        let tag =
            r.header("Evidence", &[TAG_DOUBLE_SIGN, TAG_CERTIFICATE_CONFLICT, TAG_EQUIVOCATION])?;
        let value = match tag {
            TAG_DOUBLE_SIGN => {
                Self::DoubleSign { first: r.signed_checkpoint()?, second: r.signed_checkpoint()? }
            }
            TAG_CERTIFICATE_CONFLICT => Self::CertificateConflict {
                offender: r.pubkey()?,
                recorded: r.certificate()?,
                conflicting: r.certificate()?,
            },
            _ => Self::Equivocation {
                offender: r.pubkey()?,
                first: Box::new(r.statement()?),
                second: Box::new(r.statement()?),
            },
        };
        r.finish("Evidence")?;
        Ok(value)
    }
}
