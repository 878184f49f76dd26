//! Errors of `vigil-keystore`.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong reading, decrypting or writing a keystore.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The checksum (EIP-2335) or MAC (V3) does not match: almost always a wrong password.
    #[error("wrong password (keystore checksum does not match)")]
    WrongPassword,
    /// The keystore JSON does not parse or lacks a field.
    #[error("malformed keystore: {0}")]
    Malformed(String),
    /// A version this crate does not read.
    #[error("unsupported keystore version {found} (expected {expected})")]
    UnsupportedVersion {
        /// Version found.
        found: u64,
        /// Version expected.
        expected: u64,
    },
    /// A KDF, PRF, cipher or checksum function this crate does not implement.
    #[error("unsupported {what} function {name:?}")]
    UnsupportedFunction {
        /// Which module.
        what: &'static str,
        /// The function named.
        name: String,
    },
    /// KDF parameters out of the accepted range (a guard against hostile files that would take
    /// hours or gigabytes to open).
    #[error("KDF parameters refused: {0}")]
    KdfParams(String),
    /// The decrypted secret is not a valid key.
    #[error("decrypted secret is not a valid key: {0}")]
    InvalidSecret(String),
    /// The keystore's public key or address does not match its decrypted secret.
    #[error("keystore {field} does not match its secret")]
    IdentityMismatch {
        /// `pubkey` or `address`.
        field: &'static str,
    },
    /// A password could not be read.
    #[error("cannot read password from {source_name}: {reason}")]
    Password {
        /// The variable or file.
        source_name: String,
        /// What went wrong.
        reason: String,
    },
    /// A keystore file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Malformed(e.to_string())
    }
}
