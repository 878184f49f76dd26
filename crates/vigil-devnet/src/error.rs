//! The devnet's errors.

use std::path::PathBuf;

/// Why the devnet could not start, or stopped short of what it was asked to show.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder of the state directory.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A chain (anvil, deployment, a transaction).
    #[error("{what}: {reason}")]
    Chain {
        /// What was being done.
        what: &'static str,
        /// The chain's error.
        reason: String,
    },
    /// A keystore could not be written or read.
    #[error("keystore {path}: {reason}")]
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// The failure.
        reason: String,
    },
    /// One of Vigil's binaries is missing, would not start, or exited.
    #[error("{name}: {reason}")]
    Process {
        /// `aggregator`, `slasher`, `op0`, …
        name: String,
        /// What happened, with where its log is.
        reason: String,
    },
    /// The state directory holds something this devnet cannot resume.
    #[error("state directory {path}: {reason}")]
    State {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A port the devnet needs is taken (another devnet, or another program).
    #[error("port {port} ({what}) is in use: stop what holds it, or pass --port-offset")]
    PortInUse {
        /// The port.
        port: u16,
        /// What the devnet wanted it for.
        what: String,
    },
    /// Unattended mode: what it waited for did not happen in time, or happened wrongly.
    #[error("devnet check failed: {0}")]
    Check(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn chain<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> Self {
        move |e| Self::Chain { what, reason: e.to_string() }
    }
}

/// The devnet's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
