//! The aggregator's durable state: every accepted signature (the feed the slasher follows) and
//! every certificate with its submission to L1.
//!
//! One [`Store`] over [`sqlx::AnyPool`] serves both backends: SQLite (the embedded default; WAL,
//! `synchronous = FULL`) and PostgreSQL (several aggregator replicas sharing one database). The
//! queries are runtime-checked `sqlx::query(...)` strings, not the `query!` macros, written once
//! with `$1`-style placeholders (SQLite accepts them), so the same statements run, and are
//! tested, on both. Only the DDL differs: `migrations/sqlite` and `migrations/postgres` hold the
//! same schema in each dialect, and [`Store::open`] refuses a database written by a newer
//! schema ([`StoreError::UnsupportedSchema`]).
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
//! A submitter that dies simply lets its lease expire, and another replica takes over.

mod certificates;
mod codec;
mod error;
mod feed;
mod ingest;
mod types;

use std::{fmt, time::Duration};

use sqlx::{
    Any, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};
use tracing::info;

pub use error::{Result, StoreError};
pub use ingest::{IngestHandle, IngestWriter};
pub use types::{
    CertState, CertificateRecord, FeedEntry, Inserted, NewCertificate, NewSignature, StateUpdate,
    UnknownCertState,
};

/// Migrations for SQLite (`crates/vigil-aggregation/migrations/sqlite/`).
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Migrations for PostgreSQL (`crates/vigil-aggregation/migrations/postgres/`); the same
/// versions as [`SQLITE_MIGRATOR`].
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per pool: writers are serialised anyway (see the module docs); the rest serve
/// feed readers and queries.
const MAX_CONNECTIONS: u32 = 8;

/// Which database a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite: one file (or memory), the embedded default.
    Sqlite,
    /// PostgreSQL: shared by several aggregator replicas.
    Postgres,
}

impl Backend {
    /// The backend a URL names: `sqlite:…`, `postgres://…` or `postgresql://…`.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StoreError::UnsupportedUrl { scheme: scheme.into() }),
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

/// The aggregator's database: a cheap-to-clone handle on a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed) the database at `url`, checks its schema version and runs
    /// the migrations.
    ///
    /// `url` is `sqlite://path/to/file.db`, `sqlite::memory:` (one connection, gone when the
    /// store is dropped) or `postgres://user@host:port/db`. Fails with
    /// [`StoreError::UnsupportedSchema`] if a newer build wrote the database.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                // The `Any` driver takes only a URL: create-if-missing is `mode=rwc` there, and
                // the pragmas are set on every new connection.
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let any: AnyConnectOptions = sqlite_url(url, in_memory).parse()?;
                AnyPoolOptions::new()
                    // Each connection to `:memory:` would be its own database.
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
        info!(target: "aggregator::store", %backend, "store open");
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
        // A migration this build does not have was written by a newer (or foreign) build.
        if applied.iter().any(|v| migrator.iter().all(|m| m.version != *v)) {
            let found = applied.iter().copied().max().unwrap_or_default();
            return Err(StoreError::UnsupportedSchema { found, supported });
        }
        Ok(())
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can fail with
    /// `SQLITE_BUSY` when another connection wrote in between, which the busy timeout does not
    /// cover. On PostgreSQL, row locks do that job.
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

/// Set on every SQLite connection. The busy timeout (how long a statement waits for another
/// connection's write lock) comes first, so that switching to WAL waits for a concurrent opener
/// instead of failing.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    // FULL: fsync the WAL at every commit, so a signature acknowledged to an operator (and put on
    // the feed) survives power loss.
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
];
