//! The slasher's library core: find operators that signed two conflicting checkpoints, and keep
//! the evidence safe until it has been acted on.
//!
//! - [`Detector`]: the hot in-memory index over the signature feed. It remembers the first
//!   signed block per `(domain, key, rollupId, height)` and turns a conflicting signature into
//!   [`Evidence::DoubleSign`](vigil_types::Evidence::DoubleSign), verifying signatures only
//!   when a conflict appears.
//! - [`EvidenceStore`]: the durable outbox on SQLite or PostgreSQL. One row per offence however
//!   many proofs arrive, its slashing state, and the feed cursors, with evidence and cursor
//!   written in one transaction ([`EvidenceStore::record_batch_with_cursor`]).
//!
//! The conflict rule is `vigil-types`' ([`Checkpoint::relation`](vigil_types::Checkpoint)):
//! same domain, key, rollup and height with a different `blockHash` or `stateRoot`. A different
//! `daCommitment` or `l1Block` alone is not an offence.
#![deny(clippy::arithmetic_side_effects)]

pub mod api;
pub mod chain;
pub mod config;
mod detector;
mod error;
pub mod feed;
pub mod metrics;
pub mod preflight;
pub mod runner;
pub mod service;
mod store;
pub mod submit;

pub use detector::{Detector, Ingested};
pub use error::{Error, Result};
pub use store::{
    Backend, CHAIN_CURSOR, EvidenceStore, MAX_PROOFS, OffenceRecord, OffenceState,
    POSTGRES_MIGRATOR, Recorded, RecordedCertificate, SQLITE_MIGRATOR, StateKind, UnknownState,
};

/// Wall-clock unix milliseconds (the store's clock).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
