//! Opening Vigil's databases, shared by the aggregator's and the slasher's stores: one URL
//! (`sqlite://file`, `sqlite::memory:` or `postgres://…`) over sqlx's `Any` driver, so each store
//! writes its SQL once (runtime-checked, `$1` placeholders, which SQLite accepts too) and tests it
//! on both backends. Each store brings one migration set per dialect with the same versions; a
//! database written by a newer build (an applied migration this build does not know) is refused
//! before anything runs.
//!
//! SQLite connections get WAL, `synchronous = FULL` (a commit is on disk before it is
//! acknowledged), a busy timeout and foreign keys; write transactions take the lock up front
//! (`BEGIN IMMEDIATE`), see [`Db::begin_write`].
//!
//! Row helpers shared by the stores: [`now_ms`] (their clock), [`to_i64`] and [`add_ms`] (the
//! checked conversions into their signed 64-bit columns).

use std::{
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use sqlx::{
    Any, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::{MigrateError, Migrator},
};

use crate::migrations::EmbeddedMigrations;

/// Wall-clock unix milliseconds: the stores' clock (leases, `created_at_ms`, `updated_at_ms`).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An integer above `i64::MAX`, which the schemas store as a signed 64-bit integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} = {value} is above the supported maximum {max}", max = i64::MAX)]
pub struct OutOfRange {
    /// Which field.
    pub what: &'static str,
    /// The value refused.
    pub value: u128,
}

/// `u64` → `i64` for a column, refusing values the signed column cannot hold.
pub fn to_i64(what: &'static str, value: u64) -> Result<i64, OutOfRange> {
    i64::try_from(value).map_err(|_| OutOfRange { what, value: value.into() })
}

/// Unix milliseconds `now_ms + by` for a column (a lease's end), checked.
pub fn add_ms(what: &'static str, now_ms: u64, by: Duration) -> Result<i64, OutOfRange> {
    let sum = u128::from(now_ms).saturating_add(by.as_millis());
    i64::try_from(sum).map_err(|_| OutOfRange { what, value: sum })
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported database.
    #[error("unsupported database URL scheme {scheme:?} (use sqlite:… or postgres://…)")]
    UnsupportedUrl {
        /// The scheme found (the rest of the URL is not echoed: it may hold a password).
        scheme: String,
    },
    /// A newer build wrote this database.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    UnsupportedSchema {
        /// Highest applied migration version.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] MigrateError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite: one file (or memory), the embedded default.
    Sqlite,
    /// PostgreSQL: shared by several replicas.
    Postgres,
}

impl Backend {
    /// The backend a URL names: `sqlite:…`, `postgres://…` or `postgresql://…`.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(DbError::UnsupportedUrl { scheme: scheme.into() }),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store's migrations, one set per dialect (same versions in both), embedded with
/// [`embed_migrations!`](crate::embed_migrations).
#[derive(Clone, Copy, Debug)]
pub struct Migrations {
    /// For SQLite.
    pub sqlite: EmbeddedMigrations,
    /// For PostgreSQL.
    pub postgres: EmbeddedMigrations,
}

impl Migrations {
    /// The set for `backend`.
    pub const fn for_backend(&self, backend: Backend) -> EmbeddedMigrations {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    /// A migrator over the set for `backend`.
    pub async fn migrator(&self, backend: Backend) -> Result<Migrator, MigrateError> {
        self.for_backend(backend).migrator().await
    }
}

/// What [`Db::inspect`] learns about a database without changing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Which database it is.
    pub backend: Backend,
    /// Whether it exists yet (a missing SQLite file is created at start).
    pub exists: bool,
    /// Migrations already applied.
    pub applied: usize,
    /// Migrations the next open will apply.
    pub pending: usize,
}

/// An open database: a pool and its backend. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection pool.
    pub pool: AnyPool,
    /// Which database it is.
    pub backend: Backend,
}

/// Set on every SQLite connection. The busy timeout (how long a statement waits for another
/// connection's write lock) comes first, so that switching to WAL waits for a concurrent opener
/// instead of failing.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    // FULL: fsync the WAL at every commit, so whatever is acknowledged survives power loss.
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
];

impl Db {
    /// Opens (creating if needed) the database at `url` with up to `max_connections`
    /// connections, refuses a schema written by a newer build, and runs `migrations`.
    /// `sqlite::memory:` gets exactly one connection (each would be its own database).
    pub async fn open(
        url: &str,
        migrations: Migrations,
        max_connections: u32,
    ) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                // The `Any` driver takes only a URL: create-if-missing is `mode=rwc` there, and
                // the pragmas are set on every new connection.
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let any: AnyConnectOptions = sqlite_url(url, in_memory).parse()?;
                AnyPoolOptions::new()
                    .max_connections(if in_memory { 1 } else { max_connections })
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
                AnyPoolOptions::new().max_connections(max_connections).connect(url).await?
            }
        };
        let db = Self { pool, backend };
        let migrator = migrations.migrator(backend).await?;
        db.check_schema_version(&migrator).await?;
        migrator.run(&db.pool).await?;
        Ok(db)
    }

    /// Connects to the database at `url` without changing it (SQLite: read-only, and a missing
    /// file is not created) and reports its migrations against `migrations`: a preflight of
    /// [`Db::open`]. Refuses what `open` would refuse (an unreachable server, a schema written by
    /// a newer build); a SQLite file whose folder does not exist is a [`DbError::Database`].
    pub async fn inspect(url: &str, migrations: Migrations) -> Result<SchemaStatus, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let migrator = migrations.migrator(backend).await?;
        let known = migrator.iter().count();
        let missing = SchemaStatus { backend, exists: false, applied: 0, pending: known };
        let connect_url = match backend {
            Backend::Sqlite => {
                if url.contains(":memory:") || url.contains("mode=memory") {
                    return Ok(missing);
                }
                let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"));
                let path =
                    std::path::Path::new(rest.unwrap_or_default().split('?').next().unwrap_or(""));
                if !path.exists() {
                    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
                    return match folder {
                        Some(dir) if !dir.is_dir() => {
                            Err(DbError::Database(sqlx::Error::Configuration(
                                format!("folder {} does not exist", dir.display()).into(),
                            )))
                        }
                        _ => Ok(missing),
                    };
                }
                if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=ro")
                } else {
                    format!("{url}?mode=ro")
                }
            }
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new().max_connections(1).connect(&connect_url).await?;
        let db = Self { pool, backend };
        let checked = db.check_schema_version(&migrator).await;
        let applied = match checked {
            Ok(()) => db.applied_versions().await,
            Err(e) => Err(e),
        };
        db.close().await;
        let applied = applied?;
        let pending = migrator.iter().filter(|m| !applied.contains(&m.version)).count();
        Ok(SchemaStatus { backend, exists: true, applied: applied.len(), pending })
    }

    /// The versions in `_sqlx_migrations` (none when the table does not exist yet).
    async fn applied_versions(&self) -> Result<Vec<i64>, DbError> {
        if !self.has_migrations_table().await? {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar("SELECT version FROM _sqlx_migrations").fetch_all(&self.pool).await?)
    }

    async fn has_migrations_table(&self) -> Result<bool, DbError> {
        let query = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master \
                 WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let n: i64 = sqlx::query_scalar(query).fetch_one(&self.pool).await?;
        Ok(n > 0)
    }

    /// Refuses a database whose applied migrations `migrator` does not know.
    async fn check_schema_version(&self, migrator: &Migrator) -> Result<(), DbError> {
        let supported = migrator.iter().map(|m| m.version).max().unwrap_or_default();
        let applied = self.applied_versions().await?;
        if applied.iter().any(|v| migrator.iter().all(|m| m.version != *v)) {
            let found = applied.iter().copied().max().unwrap_or_default();
            return Err(DbError::UnsupportedSchema { found, supported });
        }
        Ok(())
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can fail with
    /// `SQLITE_BUSY` when another connection wrote in between, which the busy timeout does not
    /// cover. On PostgreSQL, row locks do that job.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Closes the pool, waiting for its connections.
    pub async fn close(&self) {
        self.pool.close().await;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EMPTY: EmbeddedMigrations = EmbeddedMigrations(&[]);

    #[test]
    fn urls_name_backends() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err();
        assert!(matches!(err, DbError::UnsupportedUrl { ref scheme } if scheme == "mysql"));
        assert!(!err.to_string().contains("secret"), "the password is not echoed");
    }

    #[test]
    fn integers_are_checked_into_columns() {
        assert_eq!(to_i64("x", 7), Ok(7));
        assert_eq!(to_i64("x", u64::MAX), Err(OutOfRange { what: "x", value: u64::MAX.into() }));
        assert_eq!(add_ms("until", 1_000, Duration::from_secs(2)), Ok(3_000));
        assert!(add_ms("until", 0, Duration::MAX).is_err());
        assert!(now_ms() > 1_700_000_000_000);
    }

    #[test]
    fn sqlite_urls_create_if_missing() {
        assert_eq!(sqlite_url("sqlite://a.db", false), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?x=1", false), "sqlite://a.db?x=1&mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro", false), "sqlite://a.db?mode=ro");
    }

    #[tokio::test]
    async fn sqlite_file_opens_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let m = Migrations { sqlite: EMPTY, postgres: EMPTY };
        let db = Db::open(&url, m, 2).await.unwrap();
        let mode: String =
            sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&db.pool).await.unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&db.pool).await.unwrap();
        assert_eq!(sync, 2, "FULL");
        db.close().await;
    }

    /// `inspect` reports without changing anything: a missing file stays missing, and it refuses
    /// what `open` refuses (a newer schema, a folder that does not exist).
    #[tokio::test]
    async fn inspect_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let url = format!("sqlite://{}", file.display());
        let m = Migrations { sqlite: EMPTY, postgres: EMPTY };
        let status = Db::inspect(&url, m).await.unwrap();
        assert_eq!(
            status,
            SchemaStatus { backend: Backend::Sqlite, exists: false, applied: 0, pending: 0 }
        );
        assert!(!file.exists(), "not created");

        let db = Db::open(&url, m, 1).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES (99, 'from the future', TRUE, x'00', 0)",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        db.close().await;
        let err = Db::inspect(&url, m).await.unwrap_err();
        assert!(matches!(err, DbError::UnsupportedSchema { found: 99, .. }), "{err}");

        let nowhere = format!("sqlite://{}", dir.path().join("no/such/t.db").display());
        let err = Db::inspect(&nowhere, m).await.unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
