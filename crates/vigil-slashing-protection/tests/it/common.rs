//! Shared fixtures.

use std::path::PathBuf;

use vigil_slashing_protection::{BatchSafe, NotSafe, Safe, SlashingDatabase};
use vigil_types::{Address, B256, Checkpoint, PublicKeyBytes, SigningDomain};

/// A test key: 96 bytes, distinct per `i`.
pub fn key(i: u8) -> PublicKeyBytes {
    let mut bytes = [0xa0; 96];
    bytes[0] = i;
    PublicKeyBytes(bytes)
}

/// A test domain, distinct per `i`.
pub fn domain(i: u8) -> SigningDomain {
    SigningDomain {
        l1_chain_id: 31337,
        verifier: Address::repeat_byte(0x50 ^ i),
        operator_set_id: 1,
    }
}

/// A checkpoint with the given block content.
pub fn cp(rollup_id: u64, height: u64, block_hash: B256, state_root: B256) -> Checkpoint {
    Checkpoint {
        rollup_id,
        height,
        block_hash,
        state_root,
        da_commitment: B256::repeat_byte(0xda),
        l1_block: 1_000,
    }
}

/// The honest block at `height` in the tests' canonical chain.
pub fn block(height: u64) -> (B256, B256) {
    (
        alloy_primitives::keccak256(height.to_be_bytes()),
        alloy_primitives::keccak256((height ^ 0xffff).to_be_bytes()),
    )
}

/// A canonical checkpoint at `height`.
pub fn honest(rollup_id: u64, height: u64) -> Checkpoint {
    let (h, s) = block(height);
    cp(rollup_id, height, h, s)
}

/// A conflicting checkpoint at `height`.
pub fn forged(rollup_id: u64, height: u64) -> Checkpoint {
    let (h, s) = block(height);
    cp(rollup_id, height, !h, s)
}

/// A fresh database in its own temp dir (kept alive by the returned guard).
pub async fn fresh() -> (tempfile::TempDir, PathBuf, SlashingDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protection.sqlite");
    let db = SlashingDatabase::open(&path).await.unwrap();
    (dir, path, db)
}

/// The outcome without its details, for tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Valid,
    SameBlock,
    Conflict,
    BelowLowWater,
    Unregistered,
    SelfConflict,
    EmptyBatch,
    BatchTooLarge,
    Db,
}

pub fn outcome(result: &Result<Safe, NotSafe>) -> Outcome {
    match result {
        Ok(Safe::Valid) => Outcome::Valid,
        Ok(Safe::SameBlock) => Outcome::SameBlock,
        Err(e) => refusal(e),
    }
}

/// The `outcome` label an outcome is counted under.
pub fn label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Valid => "valid",
        Outcome::SameBlock => "same_block",
        Outcome::Conflict => "conflict",
        Outcome::BelowLowWater => "below_low_water",
        Outcome::Unregistered => "unregistered_key",
        Outcome::SelfConflict => "self_conflict",
        Outcome::EmptyBatch => "empty_batch",
        Outcome::BatchTooLarge => "too_many_leaves",
        Outcome::Db => "error",
    }
}

/// A batch decision as the single decision it amounts to: `Valid` if any leaf was new.
pub fn batch_outcome(result: &Result<BatchSafe, NotSafe>) -> Outcome {
    match result {
        Ok(safe) if safe.inserted > 0 => Outcome::Valid,
        Ok(_) => Outcome::SameBlock,
        Err(e) => refusal(e),
    }
}

fn refusal(not_safe: &NotSafe) -> Outcome {
    match not_safe {
        NotSafe::Conflict { .. } => Outcome::Conflict,
        NotSafe::BelowLowWaterMark { .. } => Outcome::BelowLowWater,
        NotSafe::UnregisteredKey { .. } => Outcome::Unregistered,
        NotSafe::BatchSelfConflict { .. } => Outcome::SelfConflict,
        NotSafe::EmptyBatch => Outcome::EmptyBatch,
        NotSafe::BatchTooLarge { .. } => Outcome::BatchTooLarge,
        NotSafe::Db(_) => Outcome::Db,
    }
}

/// Deterministic xorshift64*, for tests that need cheap randomness without a seed file.
pub struct Rng(u64);

impl Rng {
    pub fn seeded() -> Self {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                as u64;
        Self(nanos | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
