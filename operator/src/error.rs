//! Errors of `vigil-operator`.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong running operator commands.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration does not load or is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A keystore could not be read, decrypted or written.
    #[error(transparent)]
    Keystore(#[from] vigil_keystore::Error),
    /// A key file or directory problem.
    #[error("{path}: {reason}")]
    KeyFile {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A chain interaction failed; `advice` says what to do about it.
    #[error("{step}: {reason}{}", advice.as_ref().map(|a| format!("\n  → {a}")).unwrap_or_default())]
    Chain {
        /// The step that failed.
        step: String,
        /// What the chain said.
        reason: String,
        /// What the operator can do about it, when known.
        advice: Option<String>,
    },
}
