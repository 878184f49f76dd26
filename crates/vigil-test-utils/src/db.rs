//! A database for one test, on either backend, kept alive as long as the test holds it: a SQLite
//! file in a temporary directory, or a private PostgreSQL server ([`PgServer`]). Stores written
//! once against `sqlx::Any` run the same suite on both with [`on_both_backends!`](crate::on_both_backends).

use tempfile::TempDir;

use crate::PgServer;

/// Which backend a [`TestDb`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file.
    Sqlite,
    /// A private PostgreSQL server.
    Postgres,
}

impl TestBackend {
    /// `"sqlite"` or `"postgres"` (as `vigil_service::db::Backend::as_str` names them).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Debug)]
enum Guard {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] PgServer),
}

/// A database for one test.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    backend: TestBackend,
    _guard: Guard,
}

impl TestDb {
    /// A SQLite file named `file` in a fresh temporary directory.
    ///
    /// # Panics
    /// If no temporary directory can be made.
    #[allow(clippy::expect_used)]
    pub fn sqlite(file: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join(file).display());
        Self { url, backend: TestBackend::Sqlite, _guard: Guard::Sqlite(dir) }
    }

    /// A private PostgreSQL server (started off the async workers).
    ///
    /// # Panics
    /// If PostgreSQL is not installed or does not start: the tests need it
    /// (`apt-get install postgresql`), they do not skip.
    #[allow(clippy::expect_used)]
    pub async fn postgres() -> Self {
        let server = tokio::task::spawn_blocking(PgServer::start)
            .await
            .expect("the PostgreSQL start task")
            .expect("PostgreSQL is required for these tests (apt-get install postgresql)");
        Self { url: server.url(), backend: TestBackend::Postgres, _guard: Guard::Postgres(server) }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its backend.
    pub const fn backend(&self) -> TestBackend {
        self.backend
    }

    /// Records migration `version` as applied, as a newer build would have: a store opened
    /// afterwards must refuse the database (its schema is newer than it knows).
    ///
    /// # Panics
    ///
    /// When the database cannot be written: this is test set-up.
    #[allow(clippy::expect_used)]
    pub async fn pretend_newer_schema(&self, version: i64) {
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&self.url).await.expect("connect");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES ($1, 'from a newer build', TRUE, $2, 0)",
        )
        .bind(version)
        .bind(vec![0u8; 48])
        .execute(&raw)
        .await
        .expect("record the migration");
        raw.close().await;
    }
}

/// Runs each listed `async fn(&TestDb)` once per backend, as `sqlite::name` and
/// `postgres::name`, with a SQLite file named `$file`.
#[macro_export]
macro_rules! on_both_backends {
    ($file:literal; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&$crate::TestDb::sqlite($file)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&$crate::TestDb::postgres().await).await;
                }
            )*
        }
    };
}
