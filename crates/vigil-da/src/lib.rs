//! Data availability for Vigil: where a rollup's batches are on L1, whether their data is really
//! there, and what L2 blocks they commit to.
//!
//! # Parts
//! - [`BeaconClient`]: blobs from the **standard beacon API**. An execution block maps to its
//!   beacon block by slot (`(timestamp − genesis_time) / SECONDS_PER_SLOT`, from
//!   `/eth/v1/beacon/genesis` and `/eth/v1/config/spec`) or by the child block's
//!   `parentBeaconBlockRoot` (EIP-4788); blobs come from `/eth/v1/beacon/blobs/{block_id}`
//!   (falling back to `blob_sidecars` on older clients), with failover across endpoints, a
//!   retryable "not served yet" and a typed "pruned" past the retention window. Anvil's dialect
//!   (a `block_id` read as an execution block number) is supported for the devnet only.
//! - [`recompute`]: every blob's KZG commitment is recomputed and matched to the versioned hash
//!   the transaction carries; nothing a beacon node says about a blob is trusted.
//! - [`op`]: the **OP Stack rollup adapter** — batcher transactions found by batcher address and
//!   batch inbox (blobs and calldata), OP blob encoding, frames, channels under Holocene's rules
//!   and the channel timeout, zlib and brotli, singular and span batches, the L2 blocks they
//!   commit to, and the comparison with the operator's own L2 node ([`op::check_channel`]).
//!
//! # The adapter seam
//! A rollup adapter answers three questions, and the operator node asks nothing else:
//! 1. *Where are the batches on L1?* ([`op::OpStackSource::scan`], one L1 block at a time, each
//!    block applied whole or not at all);
//! 2. *What L2 blocks do they commit to?* ([`op::DecodedChannel`]: numbers, timestamps, L1
//!    origins, transaction hashes, parent checks, and the channel's `daCommitment` and
//!    `l1Block`);
//! 3. *Does the operator's own L2 node agree?* ([`op::check_channel`] → available, pending, or
//!    refused with a typed [`op::Refusal`]).
//!
//! The operator signs the checkpoints its cadence picks from an available channel (the last
//! block by default) through slashing protection.
//!
//! **An Arbitrum Nitro adapter** would plug in at the same three points, with no change to the
//! operator, the aggregator or the contracts: (1) batches are `SequencerBatchDelivered` events of
//! the rollup's SequencerInbox on L1, their data in the `addSequencerL2BatchFromOrigin` calldata
//! or, since 4844, in blobs (header flag `0x50`), read through the same [`BeaconClient`] and
//! [`recompute`]; (2) a batch's payload is brotli-compressed (header flag `0x00`) segments of
//! L2 messages, whose sequence numbers give the L2 blocks, and the delayed inbox supplies the
//! deposits; (3) the comparison reads the Nitro node's blocks by number like
//! [`op::L2Node`]. Its `daCommitment` would cover the blobs (or the calldata transaction) that
//! carried the batch, and its `l1Block` the block of the `SequencerBatchDelivered` event. A Nitro
//! module would sit beside [`op`] and the node's `[[rollups]]` `kind` would name it.
//!
//! # Why these crates
//! Formats others define come from maintained crates: frames, singular and span batches and
//! their transaction encodings from `kona-protocol` (op-rs's Rust implementation of the OP Stack
//! protocol types, used by kona's node and fault-proof program, MIT); brotli and zlib from the
//! `brotli` and `miniz_oxide` crates kona itself builds on, called directly so that a truncated
//! stream and a corrupt one are distinct, typed errors. kona's own channel type predates
//! Holocene's ordering rules and its span-batch derivation indexes without bounds checks, so
//! Vigil assembles channels and derives span blocks itself (with checked arithmetic) on top of
//! kona's decoded types. The OP blob codec is small and pinned by the official vectors, so it is
//! written here ([`op::blob_codec`]).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
mod beacon;
mod error;
mod kzg;
pub mod op;

#[doc(hidden)]
pub use beacon::parse_sidecars;
pub use beacon::{
    BeaconBlockId, BeaconClient, BeaconData, BeaconDialect, BeaconGenesis, BeaconSpec, ChainTiming,
};
pub use error::{DaError, Result};
pub use kzg::{VerifiedBlob, recompute, recompute_blocking};
// Errors that carry an endpoint's URL go through the workspace's one redaction rule: RPC and
// beacon URLs often hold API keys in their user-info, path or query, and errors end up in logs.
pub use vigil_types::redact::{redact, redact_urls};

use alloy::primitives::B256;

/// What Vigil needs to know about an L1 (execution) block to find its blobs on the beacon chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1BlockRef {
    /// Execution block number.
    pub number: u64,
    /// Execution block hash.
    pub hash: B256,
    /// Execution block timestamp (seconds): gives the beacon slot.
    pub timestamp: u64,
    /// The *child* block's `parentBeaconBlockRoot` (EIP-4788), when the child is known: the root
    /// of the beacon block that carries this execution block.
    pub child_parent_beacon_root: Option<B256>,
}
