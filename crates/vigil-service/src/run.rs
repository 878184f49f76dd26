//! What a service's `run` reports: where it listens, or why it could not start.

use std::net::SocketAddr;

/// Why a service could not start (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// A component failed to start.
    #[error("{0}")]
    Start(String),
}

/// Where a running service listens.
#[derive(Clone, Copy, Debug)]
pub struct Listening {
    /// The HTTP API.
    pub api: SocketAddr,
    /// `GET /metrics`.
    pub metrics: SocketAddr,
}
