//! Wire types: what operators send, what the aggregator certifies, what the slasher proves.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

use crate::{
    Batch, BatchError, BatchHeader, Checkpoint, Error, InclusionProof, Relation, Result,
    SigningDomain,
    serde_helpers::{decode_hex, hex_array},
};

/// Length of a compressed G2 public key.
pub const PUBLIC_KEY_COMPRESSED_LEN: usize = 96;
/// Length of a compressed G1 signature.
pub const SIGNATURE_COMPRESSED_LEN: usize = 48;
/// Length of an uncompressed G1 signature.
pub const SIGNATURE_UNCOMPRESSED_LEN: usize = 96;

/// An operator's BLS public key (G2) in its 96-byte compressed form: its identity on the wire.
///
/// These are bytes only; `vigil-crypto` decodes them and checks curve and subgroup membership.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PublicKeyBytes(#[serde(with = "hex_array")] pub [u8; PUBLIC_KEY_COMPRESSED_LEN]);

impl fmt::Debug for PublicKeyBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKeyBytes({self})")
    }
}

impl fmt::Display for PublicKeyBytes {
    /// Abbreviated, for logs: `0xa1b2c3d4…e5f6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, tail) = self.0.split_at(4);
        let tail = tail.get(tail.len().saturating_sub(2)..).unwrap_or_default();
        write!(f, "0x{}…{}", hex::encode(head), hex::encode(tail))
    }
}

/// A BLS signature (G1) as it travels: compressed (48 bytes) or uncompressed (96 bytes).
///
/// Operators send uncompressed by default: decompression costs a square root per signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureBytes {
    /// 48-byte compressed point.
    Compressed([u8; SIGNATURE_COMPRESSED_LEN]),
    /// 96-byte uncompressed point.
    Uncompressed([u8; SIGNATURE_UNCOMPRESSED_LEN]),
}

impl SignatureBytes {
    /// The raw bytes, in whichever form this is.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Self::Compressed(b) => b,
            Self::Uncompressed(b) => b,
        }
    }

    /// Reads a signature; its length decides its form.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        if let Ok(b) = <[u8; SIGNATURE_COMPRESSED_LEN]>::try_from(bytes) {
            Ok(Self::Compressed(b))
        } else if let Ok(b) = <[u8; SIGNATURE_UNCOMPRESSED_LEN]>::try_from(bytes) {
            Ok(Self::Uncompressed(b))
        } else {
            Err(Error::SignatureLength { found: bytes.len() })
        }
    }
}

impl fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureBytes(0x{})", hex::encode(self.as_slice()))
    }
}

impl Serialize for SignatureBytes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(self.as_slice())))
    }
}

impl<'de> Deserialize<'de> for SignatureBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = decode_hex(&s).map_err(D::Error::custom)?;
        Self::from_slice(&bytes).map_err(D::Error::custom)
    }
}

/// One operator's signature over one checkpoint: what operators post to the aggregator, what the
/// feed carries, and what anyone may submit to the slasher. It is its own authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedCheckpoint {
    /// The signing domain.
    pub domain: SigningDomain,
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The signer's public key.
    pub pubkey: PublicKeyBytes,
    /// Signature over `checkpoint.digest(&domain)`.
    pub signature: SignatureBytes,
}

impl SignedCheckpoint {
    /// The 32-byte message the signature is over.
    pub fn digest(&self) -> alloy_primitives::B256 {
        self.checkpoint.digest(&self.domain)
    }

    /// Whether `self` and `other` are an equivocation by one key: same key, same domain,
    /// conflicting checkpoints. (Signatures are not checked here.)
    pub fn equivocates_with(&self, other: &Self) -> bool {
        self.pubkey == other.pubkey
            && self.domain == other.domain
            && self.checkpoint.conflicts_with(&other.checkpoint)
    }
}

/// A certificate: a checkpoint, the registered keys that did *not* sign it, and the aggregate
/// signature of everyone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certificate {
    /// The signing domain.
    pub domain: SigningDomain,
    /// The certified checkpoint.
    pub checkpoint: Checkpoint,
    /// Registered operators that did not sign, as their public keys.
    pub non_signers: Vec<PublicKeyBytes>,
    /// Aggregate signature of all other registered operators.
    pub aggregate_signature: SignatureBytes,
}

/// One operator's signature over one batch header (`VIGIL_BATCH_V1`): what an operator posts
/// for an L1 range instead of one signature per checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedBatch {
    /// The signing domain.
    pub domain: SigningDomain,
    /// What was signed.
    pub header: BatchHeader,
    /// The signer's public key.
    pub pubkey: PublicKeyBytes,
    /// Signature over `header.digest(&domain)`.
    pub signature: SignatureBytes,
}

impl SignedBatch {
    /// The 32-byte message the signature is over.
    pub fn digest(&self) -> alloy_primitives::B256 {
        self.header.digest(&self.domain)
    }
}

/// An operator's batch signature as delivered to aggregators: the signed header and the
/// checkpoints it commits to, so that the receiver checks the root itself ([`Self::batch`]) and
/// can serve every checkpoint's inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchSignature {
    /// The signed header.
    pub signed: SignedBatch,
    /// The batch's checkpoints (any order; the tree's order is pinned).
    pub checkpoints: Vec<Checkpoint>,
}

impl BatchSignature {
    /// The batch the checkpoints build, if it is exactly the signed header (root, leaf count and
    /// L1 range); a typed error otherwise. Does not check the signature.
    pub fn batch(&self) -> std::result::Result<Batch, BatchError> {
        let h = &self.signed.header;
        let batch = Batch::new(self.checkpoints.clone(), h.from_l1_block, h.to_l1_block)?;
        let built = batch.header();
        if built != h {
            return Err(BatchError::HeaderMismatch {
                built: built.root,
                leaf_count: built.leaf_count,
            });
        }
        Ok(batch)
    }
}

/// A batch certificate: a batch header, the registered keys (at `toL1Block`) that did *not*
/// sign it, and the aggregate signature of everyone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchCertificate {
    /// The signing domain.
    pub domain: SigningDomain,
    /// The certified batch.
    pub header: BatchHeader,
    /// Registered operators that did not sign, as their public keys.
    pub non_signers: Vec<PublicKeyBytes>,
    /// Aggregate signature of all other registered operators.
    pub aggregate_signature: SignatureBytes,
}

/// One way of showing that a key signed a checkpoint: the forms the slasher contract takes as
/// evidence kind 3 (`VigilSlasher.Statement`). A checkpoint in a signed batch is attributable to
/// its signers exactly as if they had signed it alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "camelCase", deny_unknown_fields)]
pub enum Statement {
    /// (a) The key's own signature on the checkpoint.
    #[serde(rename_all = "camelCase")]
    Signed {
        /// The signed checkpoint.
        signed: SignedCheckpoint,
    },
    /// (b) An aggregate on the checkpoint by the set at its `l1Block` less the non-signers (a
    /// certificate), the key among the signers.
    #[serde(rename_all = "camelCase")]
    Aggregate {
        /// The aggregate.
        certificate: Certificate,
    },
    /// (c) The key's own signature on a batch holding the checkpoint, with its inclusion proof.
    #[serde(rename_all = "camelCase")]
    InBatch {
        /// The signed batch header.
        signed: SignedBatch,
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// Its leaf's place in the batch's root.
        proof: InclusionProof,
    },
    /// (d) An aggregate on a batch holding the checkpoint (a batch certificate) by the set at the
    /// batch's `toL1Block` less the non-signers, the key among the signers, with the proof.
    #[serde(rename_all = "camelCase")]
    InBatchAggregate {
        /// The batch certificate.
        certificate: BatchCertificate,
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// Its leaf's place in the batch's root.
        proof: InclusionProof,
    },
}

impl Statement {
    /// The checkpoint it shows signed.
    pub const fn checkpoint(&self) -> &Checkpoint {
        match self {
            Self::Signed { signed } => &signed.checkpoint,
            Self::Aggregate { certificate } => &certificate.checkpoint,
            Self::InBatch { checkpoint, .. } | Self::InBatchAggregate { checkpoint, .. } => {
                checkpoint
            }
        }
    }

    /// The signing domain of its signature.
    pub const fn domain(&self) -> &SigningDomain {
        match self {
            Self::Signed { signed } => &signed.domain,
            Self::Aggregate { certificate } => &certificate.domain,
            Self::InBatch { signed, .. } => &signed.domain,
            Self::InBatchAggregate { certificate, .. } => &certificate.domain,
        }
    }

    /// The 32-byte message its signature is over (the checkpoint's digest, or its batch's).
    pub fn digest(&self) -> alloy_primitives::B256 {
        match self {
            Self::Signed { signed } => signed.digest(),
            Self::Aggregate { certificate } => certificate.checkpoint.digest(&certificate.domain),
            Self::InBatch { signed, .. } => signed.digest(),
            Self::InBatchAggregate { certificate, .. } => {
                certificate.header.digest(&certificate.domain)
            }
        }
    }

    /// The block the signer set is read at: the checkpoint's `l1Block`, or the batch's
    /// `toL1Block`.
    pub const fn reference_block(&self) -> u64 {
        match self {
            Self::Signed { signed } => signed.checkpoint.l1_block,
            Self::Aggregate { certificate } => certificate.checkpoint.l1_block,
            Self::InBatch { signed, .. } => signed.header.to_l1_block,
            Self::InBatchAggregate { certificate, .. } => certificate.header.to_l1_block,
        }
    }

    /// The key's own signature, for the forms that carry one (a, c).
    pub const fn own_signature(&self) -> Option<(&PublicKeyBytes, &SignatureBytes)> {
        match self {
            Self::Signed { signed } => Some((&signed.pubkey, &signed.signature)),
            Self::InBatch { signed, .. } => Some((&signed.pubkey, &signed.signature)),
            Self::Aggregate { .. } | Self::InBatchAggregate { .. } => None,
        }
    }

    /// The aggregate's non-signers and signature, for the aggregate forms (b, d).
    pub fn aggregate(&self) -> Option<(&[PublicKeyBytes], &SignatureBytes)> {
        match self {
            Self::Aggregate { certificate } => {
                Some((&certificate.non_signers, &certificate.aggregate_signature))
            }
            Self::InBatchAggregate { certificate, .. } => {
                Some((&certificate.non_signers, &certificate.aggregate_signature))
            }
            Self::Signed { .. } | Self::InBatch { .. } => None,
        }
    }

    /// The batch header and the proof, for the batch forms (c, d).
    pub const fn batch(&self) -> Option<(&BatchHeader, &InclusionProof)> {
        match self {
            Self::InBatch { signed, proof, .. } => Some((&signed.header, proof)),
            Self::InBatchAggregate { certificate, proof, .. } => Some((&certificate.header, proof)),
            Self::Signed { .. } | Self::Aggregate { .. } => None,
        }
    }

    /// Checks, without cryptography, that this statement names `key` among its signers: its
    /// own key (a, c) or not a non-signer (b, d), and for the batch forms that the proof places
    /// the checkpoint in the batch's root.
    fn check_signer(&self, key: &PublicKeyBytes) -> Result<()> {
        if let Some((own, _)) = self.own_signature()
            && own != key
        {
            return Err(Error::NotAConflict { reason: "a statement signed by another key" });
        }
        if let Some((non_signers, _)) = self.aggregate()
            && non_signers.contains(key)
        {
            return Err(Error::NotAConflict { reason: "offender is a non-signer of an aggregate" });
        }
        if let Some((header, proof)) = self.batch()
            && !header.includes(self.checkpoint(), proof)
        {
            return Err(Error::NotAConflict {
                reason: "an inclusion proof does not place its checkpoint in its batch",
            });
        }
        Ok(())
    }
}

/// One offence: a key that signed two conflicting checkpoints for one `(rollupId, height)` in one
/// domain. It is slashed once, however many proofs of it exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offence {
    /// The domain the conflicting signatures were made in.
    pub domain: SigningDomain,
    /// The offender's key.
    pub pubkey: PublicKeyBytes,
    /// The rollup.
    #[serde(with = "crate::serde_helpers::quoted_u64")]
    pub rollup_id: u64,
    /// The height signed twice.
    #[serde(with = "crate::serde_helpers::quoted_u64")]
    pub height: u64,
}

/// Proof that an operator equivocated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Evidence {
    /// Two individually signed, conflicting checkpoints by one key.
    #[serde(rename_all = "camelCase")]
    DoubleSign {
        /// The first signed checkpoint.
        first: SignedCheckpoint,
        /// The second, conflicting one (same key, same domain).
        second: SignedCheckpoint,
    },
    /// A recorded certificate and a conflicting aggregate, both with `offender` among the
    /// signers (that is, not among the non-signers).
    #[serde(rename_all = "camelCase")]
    CertificateConflict {
        /// The key blamed.
        offender: PublicKeyBytes,
        /// The certificate the verifier recorded.
        recorded: Certificate,
        /// A conflicting aggregate the offender is part of.
        conflicting: Certificate,
    },
    /// Two statements, each showing that `offender` signed a checkpoint (alone, in an aggregate,
    /// or in a batch: [`Statement`]), of conflicting checkpoints. The contract's evidence kind 3;
    /// the offence is the same `(key, rollupId, height)` as the other kinds'.
    #[serde(rename_all = "camelCase")]
    Equivocation {
        /// The key blamed.
        offender: PublicKeyBytes,
        /// One statement.
        first: Box<Statement>,
        /// A statement of a conflicting checkpoint.
        second: Box<Statement>,
    },
}

impl Evidence {
    /// Checks everything about the evidence that needs no cryptography (same domain, same key,
    /// a real conflict, the offender among both signer sets) and returns the offence it proves.
    pub fn offence(&self) -> Result<Offence> {
        let (domain, pubkey, a, b) = match self {
            Self::DoubleSign { first, second } => {
                if first.pubkey != second.pubkey {
                    return Err(Error::NotAConflict { reason: "signed by different keys" });
                }
                if first.domain != second.domain {
                    return Err(Error::NotAConflict { reason: "signed in different domains" });
                }
                (first.domain, first.pubkey, &first.checkpoint, &second.checkpoint)
            }
            Self::CertificateConflict { offender, recorded, conflicting } => {
                if recorded.domain != conflicting.domain {
                    return Err(Error::NotAConflict {
                        reason: "certificates in different domains",
                    });
                }
                if recorded.non_signers.contains(offender)
                    || conflicting.non_signers.contains(offender)
                {
                    return Err(Error::NotAConflict {
                        reason: "offender is a non-signer of one certificate",
                    });
                }
                (recorded.domain, *offender, &recorded.checkpoint, &conflicting.checkpoint)
            }
            Self::Equivocation { offender, first, second } => {
                if first.domain() != second.domain() {
                    return Err(Error::NotAConflict { reason: "statements in different domains" });
                }
                first.check_signer(offender)?;
                second.check_signer(offender)?;
                (*first.domain(), *offender, first.checkpoint(), second.checkpoint())
            }
        };
        match a.relation(b) {
            Relation::Conflict => {
                Ok(Offence { domain, pubkey, rollup_id: a.rollup_id, height: a.height })
            }
            Relation::SameBlock => Err(Error::NotAConflict {
                reason: "same block (a different daCommitment or l1Block is not a conflict)",
            }),
            Relation::Unrelated => {
                Err(Error::NotAConflict { reason: "different rollup or height" })
            }
        }
    }
}
