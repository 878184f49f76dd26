//! Errors of `vigil-chain`.

use alloy::primitives::TxHash;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a chain or deploying to it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The local anvil process could not be started or stopped.
    #[error("anvil: {0}")]
    Anvil(String),
    /// An RPC or contract call failed before a transaction was mined (including a revert found
    /// by gas estimation, whose reason is in the message).
    #[error("{what}: {reason}")]
    Call {
        /// The step that failed.
        what: String,
        /// What the node said.
        reason: String,
        /// The revert data, when the call reverted (a custom error callers can decode).
        revert: Option<alloy::primitives::Bytes>,
    },
    /// A transaction was mined but reverted.
    #[error("{what}: transaction {tx} reverted")]
    Reverted {
        /// The step that failed.
        what: String,
        /// The transaction.
        tx: TxHash,
    },
    /// A deployment file could not be read or written.
    #[error("deployment file {path}: {reason}")]
    DeploymentFile {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No built-in network has this name.
    #[error("unknown network {name:?}; known networks: {}", .known.join(", "))]
    UnknownNetwork {
        /// The name asked for.
        name: String,
        /// The built-in networks' names.
        known: Vec<&'static str>,
    },
    /// No built-in network has this chain id.
    #[error("no built-in network has chain id {chain_id}; known networks: {}", .known.join(", "))]
    UnknownChainId {
        /// The chain id asked for.
        chain_id: u64,
        /// The built-in networks, as `name (chain id)`.
        known: Vec<String>,
    },
    /// A built-in network file (`config/networks/<name>.json`, embedded at build time) does not
    /// parse: the build embedded a broken file.
    #[error("built-in network file {name}.json: {reason}")]
    NetworkFile {
        /// The network.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// There is no contract at the address given as EigenLayer's AllocationManager (wrong
    /// address, or wrong chain).
    #[error("no contract at {address} on this chain (expected EigenLayer's AllocationManager)")]
    NoContract {
        /// The address.
        address: alloy::primitives::Address,
    },
    /// The contract answers none of the calls that tell EigenLayer releases apart.
    #[error("{address} is not an EigenLayer AllocationManager this version knows: {reason}")]
    UnrecognisedEigenLayer {
        /// The address.
        address: alloy::primitives::Address,
        /// What it answered.
        reason: String,
    },
}

impl Error {
    pub(crate) fn call(what: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Self::Call { what: what.into(), reason: err.to_string(), revert: None }
    }

    /// A failed contract call, keeping its revert data.
    pub(crate) fn contract(what: impl Into<String>, err: alloy::contract::Error) -> Self {
        let revert = err.as_revert_data();
        Self::Call { what: what.into(), reason: err.to_string(), revert }
    }

    /// The revert data of a failed call, if it reverted.
    pub fn revert_data(&self) -> Option<&alloy::primitives::Bytes> {
        match self {
            Self::Call { revert, .. } => revert.as_ref(),
            _ => None,
        }
    }
}
