//! The crate's error type.

use std::path::PathBuf;

use vigil_types::SigningDomain;

/// Everything that can go wrong in the slashing-protection database, other than a refusal to
/// sign (that is a [`NotSafe`](crate::NotSafe)).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process (or another open handle in this one) holds the database's lock file.
    /// Two signers sharing one database could each pass the check and both sign.
    #[error("slashing-protection database is locked by another process (lock file {path})")]
    AlreadyLocked {
        /// The lock file next to the database.
        path: PathBuf,
    },
    /// The database's folder does not exist and cannot be created.
    #[error("slashing-protection folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Creating, opening or locking the lock file failed for a reason other than contention.
    #[error("lock file {path}: {source}")]
    LockFile {
        /// The lock file next to the database.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a newer (or unknown) schema: refuse rather than guess.
    #[error(
        "slashing-protection schema version {found} is not supported (this build knows up to {supported})"
    )]
    UnsupportedSchema {
        /// The highest migration version applied to the database.
        found: i64,
        /// The highest migration version this build knows.
        supported: i64,
    },
    /// Running the migrations failed.
    #[error("slashing-protection migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// SQLite reported an error.
    #[error("slashing-protection database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// `PRAGMA integrity_check` did not return `ok`.
    #[error("slashing-protection database failed its integrity check: {0}")]
    IntegrityCheck(String),
    /// A stored value has the wrong shape (a foreign writer or corruption).
    #[error("slashing-protection database holds a malformed {what}")]
    CorruptRow {
        /// Which column.
        what: &'static str,
    },
    /// An integer above `i64::MAX`, which SQLite cannot store as an ordered integer.
    #[error("{what} = {value} is above the supported maximum {max}", max = i64::MAX)]
    IntegerOutOfRange {
        /// Which field.
        what: &'static str,
        /// The value refused.
        value: u64,
    },
    /// An interchange file names another signing domain than the one being imported into.
    #[error("interchange is for domain {found:?}, not this operator's domain {expected:?}")]
    DomainMismatch {
        /// The domain the caller imports into.
        expected: SigningDomain,
        /// The domain in the interchange's metadata.
        found: SigningDomain,
    },
    /// An interchange file has a format version this build does not read.
    #[error("interchange format version {found} is not supported (expected {supported})")]
    UnsupportedInterchangeVersion {
        /// The version in the file.
        found: u64,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// An interchange file is not valid JSON of the expected shape.
    #[error("invalid interchange JSON: {0}")]
    InterchangeJson(#[from] serde_json::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
