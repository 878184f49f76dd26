//! What a service's `run` reports: where it listens, or why it could not start.

use std::{error::Error as StdError, net::SocketAddr};

/// Any error a component reports, kept with its causes.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a service could not start (or stopped). [`RunError::Config`] is the user's to fix (exit
/// status 2, see [`crate::exit`]); the others are the environment's (exit status 1).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration, or a file it names (deployment, keystore, password), is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// An address could not be bound.
    #[error("{field} {address}: {source}")]
    Bind {
        /// The config field that names it (`api.address`).
        field: String,
        /// The address as configured.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An RPC endpoint did not answer as needed (its URL without credentials).
    #[error("{what} {endpoint}: {source}")]
    Rpc {
        /// Which endpoint (`L1 RPC`).
        what: &'static str,
        /// The URL, credentials redacted.
        endpoint: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A component failed to start: the database, the store's restore, an index.
    #[error("{what}: {source}")]
    Start {
        /// Which component (`database`).
        what: &'static str,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A running task failed (an error, a panic, or a critical task that ended before
    /// shutdown): the service stopped so that its supervisor restarts it.
    #[error("task {task} failed: {reason}")]
    Task {
        /// The task's name (`api`, `submitter`).
        task: &'static str,
        /// What it reported.
        reason: String,
    },
}

impl RunError {
    /// A [`RunError::Start`] of `what`.
    pub fn start(what: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Start { what, source: source.into() }
    }
}

/// Where a running service listens.
#[derive(Clone, Copy, Debug)]
pub struct Listening {
    /// The HTTP API.
    pub api: SocketAddr,
    /// `GET /metrics`.
    pub metrics: SocketAddr,
}
