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
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

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
pub mod veto;

// The `vigil-veto` binary's command line; the library itself does not parse arguments.
use clap as _;

pub use detector::{Detector, Ingested};
pub use error::{Error, Result};
pub use store::{
    Backend, CHAIN_CURSOR, EvidenceStore, MAX_PROOFS, MIGRATIONS, OffenceRecord, OffenceState,
    Recorded, RecordedCertificate, StateKind, UnknownState,
};

/// Wall-clock unix milliseconds (the store's clock): the kernel's.
pub(crate) use vigil_service::db::now_ms;

vigil_service::service! {
    /// The `vigil-slasher` binary as a [`vigil_service::cli::Service`]: its whole `main` is
    /// `vigil_service::cli::service_main::<Slasher>()`.
    pub struct Slasher {
        name: "vigil-slasher",
        about: "Vigil slasher: detects equivocation in every signature it sees and submits the evidence",
        sample: "config/slasher.toml",
        env_prefix: "VIGIL_SLASHER_",
        config: config::SlasherConfig,
        config_error: config::ConfigError,
        check: preflight::check,
        run: runner::run,
    }
}
