//! The crate's error type.

/// Everything that can go wrong in the slashing library (the detector itself cannot fail).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme {scheme:?} (expected sqlite:// or postgres://)")]
    UnsupportedUrl {
        /// The scheme found (the rest of the URL is not echoed: it may hold a password).
        scheme: String,
    },
    /// The database was written by a newer (or unknown) schema: refuse rather than guess.
    #[error(
        "evidence store schema version {found} is not supported (this build knows up to {supported})"
    )]
    UnsupportedSchema {
        /// The highest migration version applied to the database.
        found: i64,
        /// The highest migration version this build knows.
        supported: i64,
    },
    /// Running the migrations failed.
    #[error("evidence store migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database reported an error.
    #[error("evidence store database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Evidence that proves no offence (different keys or domains, the same block, …).
    #[error("evidence proves no offence: {0}")]
    NotAnOffence(#[from] vigil_types::Error),
    /// Evidence could not be encoded or a stored proof decoded.
    #[error("evidence JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An integer above `i64::MAX`, which the schema stores as a signed 64-bit integer.
    #[error("{what} = {value} is above the supported maximum {max}", max = i64::MAX)]
    IntegerOutOfRange {
        /// Which field.
        what: &'static str,
        /// The value refused.
        value: u64,
    },
    /// A stored value has the wrong shape (a foreign writer or corruption).
    #[error("evidence store holds a malformed {what}")]
    CorruptRow {
        /// Which column.
        what: &'static str,
    },
    /// This replica no longer holds the offence's lease (it ran out, another replica took it).
    #[error("lease on offence {id} lost")]
    LeaseLost {
        /// The offence.
        id: i64,
    },
    /// No offence with this id.
    #[error("no offence with id {id}")]
    OffenceNotFound {
        /// The id asked for.
        id: i64,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<vigil_service::db::DbError> for Error {
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
