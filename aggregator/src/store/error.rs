//! The store's error type.

use std::sync::Arc;

use vigil_service::db::DbError;

/// Everything that can go wrong in the aggregator's store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Opening, migrating or querying the database failed (an unsupported URL, a schema written
    /// by a newer build, a failed migration, a database error).
    #[error(transparent)]
    Db(#[from] DbError),
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
    /// A batch certificate's state change by someone who does not hold its lease (any more).
    #[error("{owner} does not hold the lease on the batch certificate {digest}")]
    BatchLeaseLost {
        /// The batch's digest.
        digest: alloy_primitives::B256,
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

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Database(e))
    }
}

impl From<vigil_service::db::OutOfRange> for StoreError {
    fn from(e: vigil_service::db::OutOfRange) -> Self {
        Self::IntegerOutOfRange { what: e.what, value: e.value }
    }
}
