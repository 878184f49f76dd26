//! The transaction outbox: work recorded in a database (a certificate to submit, evidence to
//! send) taken to the chain by one or more replicas, never twice. The aggregator's
//! `CertificateSubmitter` and the slasher's `EvidenceSubmitter` are built on it; each keeps its
//! domain (which contract, which call, what "already done" means, how to settle, the slasher's
//! veto window and deadline alarms) and its own table.
//!
//! - [`LeaseTable`] and [`Lease`]: one SQL shape for the leases every outbox table carries
//!   (`lease_owner`, `lease_until_ms`): claim the first open row whose lease is free or
//!   expired, the write gate every write by the holder carries (refused once the lease ran
//!   out or was taken over), release of one's own leases only. In process, a [`Lease`] stops
//!   its holder from recording a transaction in the last fifth of it (at most 5 s).
//! - [`TxManager`] and [`Job`]: one look at a claimed job ([`TxManager::step`]).
//!
//! # Never twice
//!
//! - **The lease**: only its holder changes a row, and two replicas never hold it at once.
//! - **The chain first** ([`Job::check`]): every look asks the contract whether the work is
//!   already recorded before anything else, so work another replica (or an earlier life of
//!   this one) landed is settled, not sent again.
//! - **Simulation**: the call is estimated first; a revert is the job's to read
//!   ([`Job::classify`]): for good (the job fails with the decoded reason) or not yet.
//! - **Write-ahead**: a transaction is signed locally, its hash and nonce recorded
//!   ([`Job::record_sent`], counting one attempt in the store), and only then broadcast. A
//!   replica that dies at any instant leaves nothing sent, or a hash the next holder looks up:
//!   mined, pending (wait; after `receipt_timeout`, replace it with the same nonce and fees
//!   raised by `fee_bump_percent`, see [`bumped_fees`]), or unknown to the node (never
//!   broadcast, or dropped: sent again, after the chain check).
//!
//! # One policy
//!
//! Gas: the estimate plus [`GAS_MARGIN_PERCENT`]. Chain id: read from the node once and checked
//! against the configured one ([`TxManager::chain_id`]). Attempts: durable, in the job's row;
//! after `max_attempts` transactions the job is given up. Clock: [`crate::db::now_ms`].
//! Retries of failing loops: [`Backoff`].

mod lease;
mod manager;

pub use lease::{Lease, LeaseTable, release_own_leases};
pub use manager::{
    Backoff, Call, Check, GAS_MARGIN_PERCENT, Job, Replaced, Revert, Sent, SentTx, Step, Tracked,
    TxConfig, TxManager, TxStatus, bump, bumped_fees, with_margin,
};

/// What stops a [`TxManager::step`]; the job keeps its state and lease and is looked at again.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The node failed or refused a request.
    #[error("RPC {what}: {reason}")]
    Rpc {
        /// The request.
        what: &'static str,
        /// What the node or transport said.
        reason: String,
    },
    /// The transaction could not be built or signed.
    #[error("signing the transaction: {0}")]
    Sign(String),
    /// The node serves another chain than the configured one: nothing is signed for it.
    #[error("the node serves chain {found}, the configuration names chain {expected}")]
    WrongChain {
        /// The configured chain.
        expected: u64,
        /// The node's chain.
        found: u64,
    },
}

impl OutboxError {
    /// For `map_err`: the failure of the RPC request `what`, as the node or transport told it.
    pub fn rpc<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> Self {
        move |e| Self::Rpc { what, reason: e.to_string() }
    }
}

/// A contract's revert data as `(error name, "Name(fields)")`, if its selector is one of the
/// contract's errors (`E`, the `sol!`-generated errors enum, and its `name_by_selector`).
/// `detail` spells out the fields worth reading for the errors it knows (the generated types
/// do not implement `Debug`); the others read as their name.
pub fn decode_revert<E: alloy::sol_types::SolInterface>(
    data: &[u8],
    name_by_selector: fn([u8; 4]) -> Option<&'static str>,
    detail: impl FnOnce(&'static str, E) -> Option<String>,
) -> Option<(&'static str, String)> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let name = name_by_selector(selector)?;
    let detail = E::abi_decode(data).ok().and_then(|e| detail(name, e));
    Some((name, detail.unwrap_or_else(|| name.to_owned())))
}
