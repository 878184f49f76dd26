//! The store's error type.

use std::sync::Arc;

/// Everything that can go wrong in the aggregator's store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme {scheme:?} (expected sqlite:// or postgres://)")]
    UnsupportedUrl {
        /// The scheme found (the rest of the URL is not echoed: it may hold a password).
        scheme: String,
    },
    /// The database was written by a newer (or unknown) schema: refuse rather than guess.
    #[error(
        "aggregator store schema version {found} is not supported (this build knows up to {supported})"
    )]
    UnsupportedSchema {
        /// The highest migration version applied to the database.
        found: i64,
        /// The highest migration version this build knows.
        supported: i64,
    },
    /// Running the migrations failed.
    #[error("aggregator store migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database reported an error.
    #[error("aggregator store database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An integer above `i64::MAX`, which the schema stores as a signed 64-bit integer.
    #[error("{what} = {value} is above the supported maximum {max}", max = i64::MAX)]
    IntegerOutOfRange {
        /// Which field.
        what: &'static str,
        /// The value refused.
        value: u128,
    },
    /// A stored value has the wrong shape (a foreign writer or corruption).
    #[error("aggregator store holds a malformed {what}")]
    CorruptRow {
        /// Which column.
        what: &'static str,
    },
    /// No certificate is stored for `(rollup_id, height)`.
    #[error("no certificate for rollup {rollup_id} at height {height}")]
    CertificateNotFound {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
    },
    /// `owner` does not hold a live lease on the certificate (it expired, another submitter
    /// claimed it, or it was never claimed): the caller must stop working on it.
    #[error(
        "{owner} does not hold the lease on the certificate for rollup {rollup_id} at height {height}"
    )]
    LeaseLost {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// The would-be owner.
        owner: String,
    },
    /// The group-commit batch holding this signature failed; every signature in it failed
    /// with the same error, and none was stored.
    #[error("group-commit batch failed: {0}")]
    BatchFailed(#[source] Arc<StoreError>),
    /// The group-commit writer task is gone (the runtime is shutting down).
    #[error("group-commit writer stopped")]
    WriterStopped,
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<vigil_service::db::DbError> for StoreError {
    fn from(e: vigil_service::db::DbError) -> Self {
        match e {
            vigil_service::db::DbError::UnsupportedUrl { scheme } => {
                Self::UnsupportedUrl { scheme }
            }
            vigil_service::db::DbError::UnsupportedSchema { found, supported } => {
                Self::UnsupportedSchema { found, supported }
            }
            vigil_service::db::DbError::Migrate(e) => Self::Migrate(e),
            vigil_service::db::DbError::Database(e) => Self::Database(e),
        }
    }
}

impl From<vigil_service::db::OutOfRange> for StoreError {
    fn from(e: vigil_service::db::OutOfRange) -> Self {
        Self::IntegerOutOfRange { what: e.what, value: e.value }
    }
}
