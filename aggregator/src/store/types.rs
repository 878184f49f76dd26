//! What the store takes and returns.

use std::{fmt, str::FromStr};

use alloy_primitives::{Address, B256, U256};
use vigil_types::{Certificate, SignedCheckpoint};

/// A signed checkpoint the aggregator accepted, to be stored and put on the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewSignature {
    /// The signed checkpoint as received.
    pub signed: SignedCheckpoint,
    /// The operator (EigenLayer address) registered with `signed.pubkey`.
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    pub received_at_ms: u64,
}

/// Where a signature landed in the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inserted {
    /// Its feed sequence number.
    pub seq: u64,
    /// Whether the same `(digest, pubkey)` was already stored (at `seq`): nothing was written.
    pub duplicate: bool,
}

/// One entry of the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedEntry {
    /// Feed sequence number: 1, 2, 3, … without gaps.
    pub seq: u64,
    /// The signed checkpoint.
    pub signed: SignedCheckpoint,
    /// The operator registered with the key.
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    pub received_at_ms: u64,
    /// Whether the signature failed verification ([`Store::mark_invalid`](super::Store::mark_invalid)).
    pub invalid: bool,
}

/// Where a certificate is in its submission to L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CertState {
    /// Built, waiting for a submitter.
    Ready,
    /// A transaction carrying it was sent.
    Submitted,
    /// That transaction was mined (successfully): the verifier recorded the checkpoint.
    Mined,
    /// Given up on.
    Failed,
}

impl CertState {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 4] = [Self::Ready, Self::Submitted, Self::Mined, Self::Failed];

    /// The lowercase name stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Submitted => "submitted",
            Self::Mined => "mined",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for CertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a [`CertState`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown certificate state {0:?}")]
pub struct UnknownCertState(pub String);

impl FromStr for CertState {
    type Err = UnknownCertState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownCertState(s.into()))
    }
}

/// A certificate the aggregator built, to be stored in state [`CertState::Ready`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificate {
    /// The certificate.
    pub certificate: Certificate,
    /// Stake weight of the signers at the checkpoint's `l1Block`.
    pub signed_weight: U256,
    /// Total stake weight of the operator set at that block.
    pub total_weight: U256,
    /// How many operators signed.
    pub signers: u32,
    /// When it was built (unix milliseconds); claims take the oldest first.
    pub created_at_ms: u64,
}

/// A stored certificate and its submission state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    /// The certificate.
    pub certificate: Certificate,
    /// The checkpoint's digest in the certificate's domain.
    pub digest: B256,
    /// Stake weight of the signers.
    pub signed_weight: U256,
    /// Total stake weight of the operator set.
    pub total_weight: U256,
    /// How many operators signed.
    pub signers: u32,
    /// Submission state.
    pub state: CertState,
    /// Hash of the last transaction sent (kept when the state goes back to ready).
    pub tx_hash: Option<B256>,
    /// Nonce of the last transaction sent.
    pub nonce: Option<u64>,
    /// Block that mined it.
    pub block_number: Option<u64>,
    /// Gas the mined transaction used.
    pub gas_used: Option<u64>,
    /// Transactions sent so far.
    pub attempts: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// The submitter holding (or last holding) the lease, while it is not released.
    pub lease_owner: Option<String>,
    /// Until when that lease runs (unix milliseconds).
    pub lease_until_ms: Option<u64>,
    /// When it was built (unix milliseconds).
    pub created_at_ms: u64,
    /// When it last changed (unix milliseconds).
    pub updated_at_ms: u64,
}

/// A change to a certificate's submission state, by the submitter holding its lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateUpdate {
    /// A transaction was sent; counts an attempt; the lease is kept.
    Submitted {
        /// Its hash.
        tx_hash: B256,
        /// Its nonce.
        nonce: u64,
    },
    /// The transaction was mined; the lease is released.
    Mined {
        /// Its hash (it may be a replacement of the one recorded at submission).
        tx_hash: B256,
        /// The block that included it.
        block_number: u64,
        /// Gas it used.
        gas_used: u64,
    },
    /// Give up; the lease is released.
    Failed {
        /// Why.
        reason: String,
    },
    /// Back to ready (say, the transaction was dropped); the lease is kept so the same
    /// submitter retries.
    Ready {
        /// Why.
        reason: String,
    },
}

impl StateUpdate {
    /// The state this update moves to.
    pub const fn state(&self) -> CertState {
        match self {
            Self::Submitted { .. } => CertState::Submitted,
            Self::Mined { .. } => CertState::Mined,
            Self::Failed { .. } => CertState::Failed,
            Self::Ready { .. } => CertState::Ready,
        }
    }
}
