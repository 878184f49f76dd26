//! The slasher's durable state: offences with their evidence and slashing state (the outbox),
//! and the feed cursors.
//!
//! One [`EvidenceStore`] over [`sqlx::AnyPool`] serves both backends, as in
//! `vigil-aggregation`: SQLite (the embedded default; WAL, `synchronous = FULL`) and PostgreSQL
//! (several slasher replicas, one database). The queries are runtime-checked strings with
//! `$1`-style placeholders, the same on both; only the DDL differs (`migrations/sqlite`,
//! `migrations/postgres`), and [`EvidenceStore::open`] refuses a database written by a newer
//! schema ([`Error::UnsupportedSchema`](crate::Error::UnsupportedSchema)).
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
//! The store checks evidence structurally ([`Evidence::offence`](vigil_types::Evidence::offence))
//! but does no cryptography: the caller (the [`Detector`](crate::Detector), or the public
//! submission endpoint) verifies signatures before recording.

mod offences;
mod types;

use std::{fmt, time::Duration};

use sqlx::{
    Any, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};
use tracing::info;

pub use types::{OffenceRecord, OffenceState, Recorded, StateKind, UnknownState};

use crate::{Error, Result};

/// The most proofs kept per offence (the first included).
pub const MAX_PROOFS: u32 = 16;

/// Migrations for SQLite (`crates/vigil-slashing/migrations/sqlite/`).
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Migrations for PostgreSQL (`crates/vigil-slashing/migrations/postgres/`); the same versions
/// as [`SQLITE_MIGRATOR`].
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per pool.
const MAX_CONNECTIONS: u32 = 4;

/// Which database an [`EvidenceStore`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite: one file (or memory), the embedded default.
    Sqlite,
    /// PostgreSQL: shared by several slasher replicas.
    Postgres,
}

impl Backend {
    /// The backend a URL names: `sqlite:…`, `postgres://…` or `postgresql://…`.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(Error::UnsupportedUrl { scheme: scheme.into() }),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// This backend's migrations.
    pub fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATOR,
            Self::Postgres => &POSTGRES_MIGRATOR,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let any: AnyConnectOptions = sqlite_url(url, in_memory).parse()?;
                AnyPoolOptions::new()
                    .max_connections(if in_memory { 1 } else { MAX_CONNECTIONS })
                    .min_connections(u32::from(in_memory))
                    .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
                    .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(1800)) })
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            for pragma in SQLITE_PRAGMAS {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(any)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(MAX_CONNECTIONS).connect(url).await?
            }
        };
        let store = Self { pool, backend };
        store.check_schema_version().await?;
        backend.migrator().run(&store.pool).await?;
        info!(target: "slasher::store", %backend, "evidence store open");
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for its connections (before reopening the same SQLite file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refuses a database whose applied migrations this build does not know.
    async fn check_schema_version(&self) -> Result<()> {
        let migrator = self.backend.migrator();
        let supported = migrator.iter().map(|m| m.version).max().unwrap_or_default();
        let has_table = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master \
                 WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let has_table: i64 = sqlx::query_scalar(has_table).fetch_one(&self.pool).await?;
        if has_table == 0 {
            return Ok(());
        }
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await?;
        if applied.iter().any(|v| migrator.iter().all(|m| m.version != *v)) {
            let found = applied.iter().copied().max().unwrap_or_default();
            return Err(Error::UnsupportedSchema { found, supported });
        }
        Ok(())
    }

    /// Begins a transaction that will write (on SQLite, taking the write lock up front with
    /// `BEGIN IMMEDIATE`, so a read-then-write transaction cannot fail with `SQLITE_BUSY`).
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// `url` with `mode=rwc` (create if missing) unless it names a mode or an in-memory database.
fn sqlite_url(url: &str, in_memory: bool) -> String {
    if in_memory || url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Set on every SQLite connection; the busy timeout first, so switching to WAL waits for a
/// concurrent opener instead of failing.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    // FULL: evidence acknowledged (and its cursor advanced) survives power loss.
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
];
