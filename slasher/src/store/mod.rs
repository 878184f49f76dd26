//! The slasher's durable state: offences with their evidence and slashing state (the outbox),
//! and the feed cursors.
//!
//! One [`EvidenceStore`] over [`sqlx::AnyPool`] serves both backends, as in
//! `vigil-aggregator`: SQLite (the embedded default; WAL, `synchronous = FULL`) and PostgreSQL
//! (several slasher replicas, one database). The queries are runtime-checked strings with
//! `$1`-style placeholders, the same on both; only the DDL differs (`migrations/sqlite`,
//! `migrations/postgres`), and [`EvidenceStore::open`] refuses a database written by a newer
//! schema ([`DbError::UnsupportedSchema`](vigil_service::db::DbError::UnsupportedSchema)).
//!
//! # One offence, one row
//! An offence is `(domain, pubkey, rollupId, height)`. The first proof recorded for it is the
//! one submitted; further *distinct* proofs (a third block, a certificate conflict) are
//! appended to `offence_proofs`, up to [`MAX_PROOFS`] per offence, and later ones are ignored
//! (an offender can sign any number of blocks at one height; storing them all would let it
//! fill the disk). The same proof recorded twice is stored once.
//!
//! # The outbox rule
//! [`EvidenceStore::record_batch_with_cursor`] writes a batch of evidence and advances the
//! feed cursor in one transaction: after a crash either both happened or neither, so the
//! slasher never loses evidence it acknowledged and never skips feed entries.
//!
//! # Leases
//! The submitter [claims](EvidenceStore::claim_next) open offences under leases and records its
//! transactions with [`EvidenceStore::record_sent`] (the write-ahead, counting attempts), both
//! refused to anyone but the lease holder; the statements are the kernel outbox's one shape
//! ([`vigil_service::outbox::LeaseTable`]).
//!
//! The store checks evidence structurally ([`Evidence::offence`](vigil_types::Evidence::offence))
//! but does no cryptography: the caller (the [`Detector`](crate::Detector), or the public
//! submission endpoint) verifies signatures before recording.

mod offences;
mod types;

use sqlx::{Any, AnyPool, Transaction};
use tracing::info;
pub use vigil_service::db::Backend;
use vigil_service::db::{Db, Migrations};

pub use offences::{CHAIN_CURSOR, RecordedCertificate};
pub use types::{OffenceRecord, OffenceState, Recorded, StateKind, UnknownState};

use crate::Result;

/// The most proofs kept per offence (the first included).
pub const MAX_PROOFS: u32 = 16;

/// Connections per pool.
const MAX_CONNECTIONS: u32 = 4;

/// This store's migrations, one set per dialect (`slasher/migrations/sqlite/` and
/// `slasher/migrations/postgres/`, the same versions in both), embedded in the binary.
pub const MIGRATIONS: Migrations = Migrations {
    sqlite: vigil_service::embed_migrations!("migrations/sqlite": "20261125000000_initial", "20261206000000_outbox", "20261207000000_equivocation"),
    postgres: vigil_service::embed_migrations!("migrations/postgres": "20261125000000_initial", "20261206000000_outbox", "20261207000000_equivocation"),
};

/// The slasher's database: a cheap-to-clone handle on a connection pool.
#[derive(Clone, Debug)]
pub struct EvidenceStore {
    pool: AnyPool,
    backend: Backend,
}

impl EvidenceStore {
    /// Opens (creating if needed) the database at `url`, checks its schema version and runs
    /// the migrations.
    ///
    /// `url` is `sqlite://path/to/file.db`, `sqlite::memory:` (one connection, gone when the
    /// store is dropped) or `postgres://user@host:port/db`.
    pub async fn open(url: &str) -> Result<Self> {
        let db = Db::open(url, MIGRATIONS, MAX_CONNECTIONS).await?;
        let backend = db.backend;
        info!(target: "vigil::slasher::store", %backend, "evidence store open");
        Ok(Self { pool: db.pool, backend })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for its connections (before reopening the same SQLite file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write ([`Db::begin_write`]).
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(Db { pool: self.pool.clone(), backend: self.backend }.begin_write().await?)
    }
}

impl From<vigil_service::db::OutOfRange> for crate::Error {
    fn from(e: vigil_service::db::OutOfRange) -> Self {
        Self::IntegerOutOfRange { what: e.what, value: u64::try_from(e.value).unwrap_or(u64::MAX) }
    }
}
