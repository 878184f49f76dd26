//! The outcome of a signing check: [`Safe`] (or [`BatchSafe`]) to sign, or [`NotSafe`] with a
//! typed reason.

use alloy_primitives::B256;
use vigil_types::{Checkpoint, PublicKeyBytes};

use crate::Error;

/// The block content the conflict rule compares: `(blockHash, stateRoot)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordedBlock {
    /// L2 block hash.
    pub block_hash: B256,
    /// L2 state root.
    pub state_root: B256,
}

impl From<&Checkpoint> for RecordedBlock {
    fn from(checkpoint: &Checkpoint) -> Self {
        Self { block_hash: checkpoint.block_hash, state_root: checkpoint.state_root }
    }
}

/// The checkpoint may be signed. Returned only once the record is durably committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "sign only on `Safe`, and only after it is returned"]
pub enum Safe {
    /// A new record was written.
    Valid,
    /// This exact block is already recorded at this height (perhaps signed with another
    /// `daCommitment` or `l1Block`): signing it again is not an offence.
    SameBlock,
}

/// The batch may be signed: every leaf is recorded. Returned only once the records are durably
/// committed. `inserted + same_block` is the number of leaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use = "sign only on `BatchSafe`, and only after it is returned"]
pub struct BatchSafe {
    /// Leaves recorded by this decision (each one a [`Safe::Valid`]).
    pub inserted: usize,
    /// Leaves whose block was already recorded at their height, before this decision or by an
    /// identical earlier leaf of the same batch (each one a [`Safe::SameBlock`]).
    pub same_block: usize,
}

/// The checkpoint (or batch) must not be signed.
#[derive(Debug, thiserror::Error)]
pub enum NotSafe {
    /// The key was never registered with [`SlashingDatabase::register_key`](crate::SlashingDatabase::register_key).
    #[error("key {pubkey} is not registered in the slashing-protection database")]
    UnregisteredKey {
        /// The key.
        pubkey: PublicKeyBytes,
    },
    /// Another block is recorded at this `(key, domain, rollupId, height)`: signing would be an
    /// offence.
    #[error(
        "conflict at rollup {rollup_id} height {height}: recorded block {:?} state root {:?}, attempted block {:?} state root {:?}",
        existing.block_hash, existing.state_root, attempted.block_hash, attempted.state_root
    )]
    Conflict {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// A recorded block that differs from the attempt.
        existing: RecordedBlock,
        /// The block the caller wanted to sign.
        attempted: RecordedBlock,
    },
    /// The height is at or below the low-water mark left by an import or by pruning, and does
    /// not repeat a recorded block: history there is incomplete, so nothing new is signed.
    #[error(
        "rollup {rollup_id} height {height} is at or below the low-water mark {low_water_mark}"
    )]
    BelowLowWaterMark {
        /// The rollup.
        rollup_id: u64,
        /// The height refused.
        height: u64,
        /// The effective low-water mark.
        low_water_mark: u64,
    },
    /// A batch with no leaves: there is nothing to sign.
    #[error("a batch needs at least one leaf")]
    EmptyBatch,
    /// A batch with more leaves than the format allows; nothing was checked or recorded.
    #[error("a batch of {count} leaves exceeds the limit of {max}")]
    BatchTooLarge {
        /// How many leaves were given.
        count: usize,
        /// [`vigil_types::MAX_BATCH_LEAVES`].
        max: u32,
    },
    /// Two leaves of one batch are different blocks at the same `(rollupId, height)`: the batch
    /// alone would be evidence of an offence. Nothing was recorded.
    #[error(
        "batch holds two blocks at rollup {rollup_id} height {height}: block {:?} state root {:?} and block {:?} state root {:?}",
        first.block_hash, first.state_root, second.block_hash, second.state_root
    )]
    BatchSelfConflict {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// The block of the first leaf at that height, in slice order.
        first: RecordedBlock,
        /// A later leaf's different block at that height.
        second: RecordedBlock,
    },
    /// The database failed; nothing was recorded, so nothing may be signed.
    #[error(transparent)]
    Db(#[from] Error),
}

impl NotSafe {
    /// The `outcome` label this refusal is counted under.
    pub(crate) fn outcome_label(&self) -> &'static str {
        match self {
            Self::UnregisteredKey { .. } => crate::metrics::UNREGISTERED_KEY,
            Self::Conflict { .. } => crate::metrics::CONFLICT,
            Self::BelowLowWaterMark { .. } => crate::metrics::BELOW_LOW_WATER,
            Self::EmptyBatch => crate::metrics::EMPTY_BATCH,
            Self::BatchTooLarge { .. } => crate::metrics::BATCH_TOO_LARGE,
            Self::BatchSelfConflict { .. } => crate::metrics::SELF_CONFLICT,
            Self::Db(_) => crate::metrics::ERROR,
        }
    }
}

impl Safe {
    /// The `outcome` label this decision is counted under.
    pub(crate) fn outcome_label(&self) -> &'static str {
        match self {
            Self::Valid => crate::metrics::VALID,
            Self::SameBlock => crate::metrics::SAME_BLOCK,
        }
    }
}

impl BatchSafe {
    /// The `outcome` label this decision is counted under: `valid` if any leaf was new,
    /// `same_block` if the whole batch was already recorded.
    pub(crate) fn outcome_label(&self) -> &'static str {
        if self.inserted > 0 { crate::metrics::VALID } else { crate::metrics::SAME_BLOCK }
    }
}
