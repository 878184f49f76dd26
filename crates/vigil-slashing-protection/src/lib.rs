//! Slashing protection for Vigil operators: the last line of defence between an operator's key
//! and a slashable double signature.
//!
//! Before an operator signs a [`Checkpoint`](vigil_types::Checkpoint), it asks
//! [`SlashingDatabase::check_and_insert`]. In one exclusive SQLite transaction (`BEGIN
//! IMMEDIATE`) that records `(key, verifier domain, rollupId, height, blockHash, stateRoot)` and
//! returns [`Safe`] only after `COMMIT`; the caller signs afterwards. Signing the same block
//! again is [`Safe::SameBlock`] (even with another `daCommitment` or `l1Block`, which never
//! decide a conflict); another block at the same height is [`NotSafe::Conflict`].
//!
//! - **Batches.** Signing a `VIGIL_BATCH_V1` header signs every checkpoint (leaf) its root
//!   commits to, so [`SlashingDatabase::check_and_insert_batch`] decides for all the leaves at
//!   once, in one transaction: every leaf goes through exactly the single-checkpoint rule (the
//!   same code), and the batch is [`BatchSafe`] only if every leaf is safe. The first leaf
//!   refused refuses the whole batch with its own [`NotSafe::Conflict`] or
//!   [`NotSafe::BelowLowWaterMark`] and nothing is recorded; a batch holding two blocks at one
//!   `(rollupId, height)` is [`NotSafe::BatchSelfConflict`], an empty one
//!   [`NotSafe::EmptyBatch`], one above `MAX_BATCH_LEAVES` [`NotSafe::BatchTooLarge`]. Leaves
//!   already recorded with the same block (overlapping batches, a batch re-derived after an L1
//!   reorg, leaves first signed alone) are fine: [`BatchSafe`] counts them as `same_block`.
//! - **Low-water marks.** After an import, heights at or below the lowest imported height for a
//!   (key, rollup) are refused unless they repeat a recorded block (EIP-3076's rule for a
//!   database that keeps every record). [`SlashingDatabase::prune_below`] forgets old records
//!   and leaves a mark at or below which nothing is signed. Both refuse with
//!   [`NotSafe::BelowLowWaterMark`].
//! - **Crash safety.** WAL journal with `synchronous = FULL`: every commit is fsynced before
//!   `check_and_insert` returns, so a record the caller acted on survives SIGKILL and power
//!   loss. That costs a few milliseconds per decision, which is nothing next to a checkpoint's
//!   cadence; losing a record could cost the operator's stake. A crash after the commit and
//!   before the signature is harmless: re-signing the recorded block is allowed.
//! - **One process per database.** [`SlashingDatabase::open`] takes an exclusive `flock(2)` on
//!   `<database>.lock` (via `fs4`) and fails a second opener at once with
//!   [`Error::AlreadyLocked`]. A lock file rather than SQLite's `locking_mode = EXCLUSIVE`:
//!   SQLite only takes its lock at the first read or write, reports contention as a generic
//!   `SQLITE_BUSY` after the busy timeout, and ties the lock to one pooled connection; `flock`
//!   is taken before anything touches the database, fails immediately with a typed error,
//!   conflicts between two handles of one process too, and the kernel releases it when the
//!   holder dies, so a SIGKILLed operator restarts without manual cleanup. (Like every advisory
//!   lock it does not work across NFS; keep the database on a local disk.)
//! - **Schema.** Migrations in `migrations/` behind [`migrations`] run at open; a database with a
//!   migration this build does not know is refused with [`Error::UnsupportedSchema`].
//! - **Interchange.** [`Interchange`] is EIP-3076's format in spirit: the verifier domain in the
//!   metadata, and per key its signed checkpoints. [`SlashingDatabase::import_interchange`]
//!   merges (refusing another domain), [`SlashingDatabase::export_interchange`] exports.
//! - **Metrics.** Every decision bumps `vigil_operator_protection_decisions_total{outcome}`
//!   (`valid`, `same_block`, `conflict`, `below_low_water`, `unregistered_key`, `error`);
//!   export it with [`register_metrics`]. Every batch decision bumps
//!   `vigil_operator_protection_batch_decisions_total{outcome}` once (not once per leaf): the
//!   same labels (`valid` if any leaf was new, `same_block` if none was, `conflict` and
//!   `below_low_water` for the first leaf refused) plus `self_conflict`, `empty_batch` and
//!   `too_many_leaves`; export it with [`register_batch_metrics`].
//!
//! Integers are stored as SQLite's signed 64-bit integers; rollup ids, heights and chain ids
//! above `i64::MAX` are refused with [`Error::IntegerOutOfRange`].

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
// Signing-protection code: no silent overflow anywhere (lighthouse does the same in state
// processing).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod database;
mod decision;
mod error;
mod interchange;
mod lock;
mod metrics;

pub use database::{ImportSummary, SlashingDatabase, migrations};
pub use decision::{BatchSafe, NotSafe, RecordedBlock, Safe};
pub use error::{Error, Result};
pub use interchange::{
    INTERCHANGE_FORMAT_VERSION, Interchange, InterchangeCheckpoint, InterchangeKey,
    InterchangeMetadata,
};
pub use metrics::{
    BATCH_DECISION_OUTCOMES, BATCH_DECISIONS_TOTAL_NAME, DECISION_OUTCOMES, DECISIONS_TOTAL_NAME,
    batch_decisions_total, decisions_total, register_batch_metrics, register_metrics,
};
