//! The aggregator's durable state: every accepted signature (the feed the slasher follows) and
//! every certificate with its submission to L1; and, for batch rounds (`VIGIL_BATCH_V1`), the
//! signatures over batch headers and the batch certificates.
//!
//! One [`Store`] over [`sqlx::AnyPool`] serves both backends: SQLite (the embedded default; WAL,
//! `synchronous = FULL`) and PostgreSQL (several aggregator replicas sharing one database). The
//! queries are runtime-checked `sqlx::query(...)` strings, not the `query!` macros, written once
//! with `$1`-style placeholders (SQLite accepts them), so the same statements run, and are
//! tested, on both. Only the DDL differs: `migrations/sqlite` and `migrations/postgres` hold the
//! same schema in each dialect, and [`Store::open`] refuses a database written by a newer
//! schema ([`DbError::UnsupportedSchema`](vigil_service::db::DbError::UnsupportedSchema)).
//!
//! # The feed's sequence numbers
//!
//! A reader that has seen sequence number `N` must never later see a new row below `N`,
//! otherwise a slasher resuming from its cursor would skip it. A `BIGSERIAL` does not give
//! that: two transactions draw 5 and 6, the one holding 6 commits first, a reader sees 6, and 5
//! appears afterwards. So sequence numbers come from a one-row `feed_counter` table that every
//! insert transaction updates *first*: the row lock (on SQLite, the database's write lock)
//! serialises writers, so the next writer draws its numbers only after the previous one has
//! committed and become visible. Writers are serialised for the length of one transaction,
//! which is why intake goes through [`IngestWriter`]: one transaction (and one fsync) for many
//! signatures.
//!
//! # Certificates and leases
//!
//! A submitter [claims](Store::claim_next) a certificate for a while (a lease), sends it, and
//! records progress with [`Store::update_state`], which only succeeds while it holds the lease.
//! A submitter that dies simply lets its lease expire, and another replica takes over. The
//! lease statements (claim, write gate, release) are the kernel outbox's one shape
//! ([`vigil_service::outbox::LeaseTable`]); the table and its columns are this store's.

mod batches;
mod certificates;
mod codec;
mod error;
mod feed;
mod ingest;
mod types;

use std::sync::Arc;

use sqlx::{Any, AnyPool, Transaction};
use tracing::info;
pub use vigil_service::db::Backend;
use vigil_service::db::{Db, Migrations};

pub use batches::{
    BatchCertificateRecord, BatchLookup, NewBatchCertificate, NewBatchSignature, PrunedBatches,
};
pub use error::{Result, StoreError};
pub use ingest::{IngestHandle, IngestWriter};
pub use types::{
    CertState, CertificateRecord, FeedEntry, Inserted, NewCertificate, NewSignature, StateUpdate,
    UnknownCertState,
};

/// Connections per pool: writers are serialised anyway (see the module docs); the rest serve
/// feed readers and queries.
const MAX_CONNECTIONS: u32 = 8;

/// This store's migrations, one set per dialect (`aggregator/migrations/sqlite/` and
/// `aggregator/migrations/postgres/`, the same versions in both), embedded in the binary.
pub const MIGRATIONS: Migrations = Migrations {
    sqlite: vigil_service::embed_migrations!("migrations/sqlite": "20261125000000_initial", "20261207000000_batches", "20261207100000_batch_leaves"),
    postgres: vigil_service::embed_migrations!("migrations/postgres": "20261125000000_initial", "20261207000000_batches", "20261207100000_batch_leaves"),
};

/// The aggregator's database: a cheap-to-clone handle on a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: one writer at a time, queued here. SQLite allows one writer per database; a second
    /// one gets `SQLITE_BUSY` and the busy handler sleeps (1, 2, 5 … up to 100 ms) before trying
    /// again, so the aggregator's own writers (group commit, certificates, submitter) would
    /// stall one another. Waiting in this async queue costs nothing of the kind.
    write_gate: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction: on SQLite it also holds the write gate until it ends.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits (and releases the write gate).
    pub(crate) async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url`, checks its schema version and runs
    /// the migrations.
    ///
    /// `url` is `sqlite://path/to/file.db`, `sqlite::memory:` (one connection, gone when the
    /// store is dropped) or `postgres://user@host:port/db`. Fails with
    /// [`DbError::UnsupportedSchema`](vigil_service::db::DbError::UnsupportedSchema) if a newer build wrote the database.
    pub async fn open(url: &str) -> Result<Self> {
        let db = Db::open(url, MIGRATIONS, MAX_CONNECTIONS).await?;
        let backend = db.backend;
        info!(target: "aggregator::store", %backend, "store open");
        Ok(Self { pool: db.pool, backend, write_gate: Arc::default() })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for its connections (before reopening the same SQLite file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write ([`Db::begin_write`]), after the write gate on
    /// SQLite.
    async fn begin_write(&self) -> Result<WriteTx> {
        let gate = self.gate().await;
        let tx = Db { pool: self.pool.clone(), backend: self.backend }.begin_write().await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// The write gate, on SQLite (hold it across a single autocommit write).
    async fn gate(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(Arc::clone(&self.write_gate).lock_owned().await),
            Backend::Postgres => None,
        }
    }
}
