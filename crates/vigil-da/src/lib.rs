//! Data availability for Vigil: where a rollup's batches are and whether their data is really
//! there.
//!
//! A batcher posts each batch (the [`vigil_types::Batch`] format) as the payload of EIP-4844
//! blobs, in a type-3 transaction from its batcher address to its inbox address on L1 (the OP
//! Stack convention). [`BlobDa`] finds those transactions in an L1 block, fetches the block's
//! blobs from a beacon endpoint (`/eth/v1/beacon/blobs/{block}`, which anvil serves too),
//! **recomputes each blob's KZG commitment** (c-kzg, Ethereum's trusted setup) and matches its
//! versioned hash against the transaction's, decodes the payload and returns the batch with the
//! `daCommitment` operators sign. Nothing is trusted that was not recomputed.
//!
//! [`DaSource`] is the seam for other DA layers. [`batch_from_l2`] is the batcher side: it reads
//! L2 blocks over RPC and checks each header RLP hashes to the block hash the node reports.

mod blob;
mod error;
mod l2;

pub use blob::{BlobDa, DEFAULT_TIMEOUT, RollupInbox, post_batch};
pub use error::{DaError, Result};
pub use l2::{batch_from_l2, header_matches};

use alloy::primitives::B256;
use vigil_types::Batch;

/// A batch whose data was found and verified on a DA layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBatch {
    /// The L1 block that included it (the checkpoint's `l1Block`).
    pub l1_block: u64,
    /// The transaction that carried it.
    pub tx_hash: B256,
    /// Versioned hashes of its blobs, in transaction order.
    pub versioned_hashes: Vec<B256>,
    /// `keccak256(abi.encodePacked(versionedHashes))`: the checkpoint's `daCommitment`.
    pub da_commitment: B256,
    /// The decoded batch.
    pub batch: Batch,
}

/// A source of verified batches; one implementation per DA layer.
pub trait DaSource: Send + Sync {
    /// Every batch of the rollup carried by L1 block `l1_block`, verified.
    fn batches_at(
        &self,
        l1_block: u64,
    ) -> impl std::future::Future<Output = Result<Vec<VerifiedBatch>>> + Send;
}
