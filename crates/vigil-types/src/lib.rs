//! Vigil's pinned formats: every component depends on exactly these definitions.
//!
//! - [`Checkpoint`] and its signed digest ([`Checkpoint::digest`], tag `VIGIL_CHECKPOINT_V1`);
//! - the conflict rule ([`Checkpoint::relation`]): same `(domain, rollupId, height)` with a
//!   different `blockHash` or `stateRoot`. A different `daCommitment` or `l1Block` alone is *not*
//!   a conflict;
//! - the proof-of-possession message ([`pop_message`], tag `VIGIL_POP_V1`);
//! - the DA commitment ([`da_commitment`]): keccak256 over the EIP-4844 versioned hashes of the
//!   blobs that carried a batch's channel (for a calldata frame, its transaction hash), in L1
//!   order;
//! - batched certificates ([`batch`], tags `VIGIL_BATCH_V1` and `VIGIL_BATCH_LEAF_V1`): one
//!   signature over a Merkle root of many checkpoints, and the inclusion proof of each;
//! - wire types: [`SignedCheckpoint`], [`Certificate`] and [`Evidence`], as serde JSON (integers
//!   as decimal strings, bytes as `0x` hex, camelCase names matching the Solidity) and as a compact
//!   binary form ([`Compact`]).
//!
//! Also [`redact`]: the one rule for showing a URL (an RPC endpoint, a database) without its
//! credentials, shared by every crate that logs or prints one.
//!
//! Nothing here does elliptic-curve work: points travel as bytes and are decoded and checked by
//! `vigil-crypto`. The Solidity side implements the same digests and is tested against the same
//! vector files (`testdata/checkpoints.json`, `testdata/batches.json`).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
pub mod batch;
mod checkpoint;
mod codec;
mod error;
mod pop;
pub mod redact;
pub mod serde_helpers;
mod wire;

pub use alloy_primitives::{Address, B256, Bytes};
pub use batch::{
    BATCH_LEAF_TAG, BATCH_TAG, Batch, BatchError, BatchHeader, InclusionProof, MAX_BATCH_LEAVES,
};
pub use checkpoint::{
    CHECKPOINT_TAG, Checkpoint, Relation, SigningDomain, checkpoint_typehash, da_commitment,
};
pub use codec::{Compact, MAX_NON_SIGNERS};
pub use error::{Error, Result};
pub use pop::{POP_TAG, pop_message, pop_typehash};
pub use wire::{
    BatchCertificate, BatchSignature, Certificate, Evidence, Offence, PUBLIC_KEY_COMPRESSED_LEN,
    PublicKeyBytes, SIGNATURE_COMPRESSED_LEN, SIGNATURE_UNCOMPRESSED_LEN, SignatureBytes,
    SignedBatch, SignedCheckpoint, Statement,
};
