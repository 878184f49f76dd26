//! BLS12-381 for Vigil, on `blst`, in the **min_sig** layout: 48-byte signatures in G1, 96-byte
//! public keys in G2, ciphersuite `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_` (and the
//! `BLS_POP_` DST for proofs of possession).
//!
//! Why min_sig: every certificate is verified on-chain, where hashing to G1 with the EIP-2537
//! precompiles costs about a quarter of hashing to G2.
//!
//! # Decoding and acceptance
//! - [`Signature::decode`] and [`PublicKey::decode`] follow the public deserialization vectors:
//!   length, flag bits, field range, curve and subgroup membership are checked; the identity
//!   decodes.
//! - [`Signature::from_bytes`] and [`PublicKey::from_bytes`] *accept*: they also refuse the
//!   identity. Use them wherever a key or signature is taken in (registration, intake, evidence).
//! - [`Signature::from_bytes_unchecked_subgroup`] skips only the per-signature subgroup check,
//!   for signatures that will be aggregated: the aggregate is subgroup-checked once instead
//!   ([`verify_same_message`]).
//!
//! # Verifying many
//! [`verify_same_message`] aggregates first, checks once (one subgroup check, one pairing) and
//! bisects only if the aggregate fails. A valid aggregate proves the *set* signed, not each
//! member, so where one signer is credited or blamed use [`verify`] or [`batch_verify`]
//! (random-scalar batch verification).
//!
//! # Secrets
//! [`SecretKey`] zeroizes on drop (blst's own `Zeroize` impl) and its `Debug` shows nothing.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
mod aggregate;
mod eip2537;
mod error;
pub mod h2c;
mod keys;
mod signature;

pub use aggregate::{
    SameMessageOutcome, aggregate_public_keys, aggregate_signatures, batch_verify,
    verify_each_same_message, verify_same_message,
};
pub use eip2537::{G1_EIP2537_LEN, G2_EIP2537_LEN};
pub use error::{Error, Point, Result};
pub use keys::{PublicKey, SecretKey};
pub use signature::{Signature, verify, verify_pop};

/// Domain separation tag for checkpoint signatures.
pub const SIG_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
/// Domain separation tag for proofs of possession.
pub const POP_DST: &[u8] = b"BLS_POP_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
