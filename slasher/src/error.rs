//! The crate's error type.

use vigil_service::db::DbError;

/// Everything that can go wrong in the slashing library (the detector itself cannot fail).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Opening, migrating or querying the database failed (an unsupported URL, a schema written
    /// by a newer build, a failed migration, a database error).
    #[error(transparent)]
    Db(#[from] DbError),
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

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Database(e))
    }
}
