//! What the store takes and returns.

use std::{fmt, str::FromStr};

use alloy_primitives::B256;
use vigil_types::{Evidence, Offence};

/// Where an offence was recorded by [`EvidenceStore::record`](super::EvidenceStore::record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The offence's id in this store.
    pub offence_id: i64,
    /// Whether the offence is new; `false` if it was already stored (the proof was then
    /// appended or ignored, see the module docs).
    pub new: bool,
}

/// Where an offence is on its way to being slashed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OffenceState {
    /// Found, not yet submitted.
    Pending,
    /// Evidence sent to the slasher contract in this transaction.
    Submitted {
        /// The transaction.
        tx_hash: B256,
    },
    /// The contract recorded the offence and queued the slash behind its veto window.
    Queued {
        /// The transaction that recorded the offence.
        tx_hash: B256,
        /// The first block in which the slash can be executed.
        executable_at: u64,
    },
    /// The contract slashed the operator.
    Slashed {
        /// The transaction.
        tx_hash: B256,
        /// The block it was mined in.
        block: u64,
    },
    /// The contract had already recorded this offence (someone else's evidence).
    AlreadySlashed,
    /// Vetoed by the slashing committee.
    Vetoed,
    /// Given up on.
    Failed {
        /// Why.
        reason: String,
    },
}

impl OffenceState {
    /// This state's kind (its name, without data).
    pub const fn kind(&self) -> StateKind {
        match self {
            Self::Pending => StateKind::Pending,
            Self::Submitted { .. } => StateKind::Submitted,
            Self::Queued { .. } => StateKind::Queued,
            Self::Slashed { .. } => StateKind::Slashed,
            Self::AlreadySlashed => StateKind::AlreadySlashed,
            Self::Vetoed => StateKind::Vetoed,
            Self::Failed { .. } => StateKind::Failed,
        }
    }
}

/// The kind of an [`OffenceState`], as stored and as filters take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    /// [`OffenceState::Pending`].
    Pending,
    /// [`OffenceState::Submitted`].
    Submitted,
    /// [`OffenceState::Queued`].
    Queued,
    /// [`OffenceState::Slashed`].
    Slashed,
    /// [`OffenceState::AlreadySlashed`].
    AlreadySlashed,
    /// [`OffenceState::Vetoed`].
    Vetoed,
    /// [`OffenceState::Failed`].
    Failed,
}

impl StateKind {
    /// Every kind.
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Submitted,
        Self::Queued,
        Self::Slashed,
        Self::AlreadySlashed,
        Self::Vetoed,
        Self::Failed,
    ];

    /// The name stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitted => "submitted",
            Self::Queued => "queued",
            Self::Slashed => "slashed",
            Self::AlreadySlashed => "already_slashed",
            Self::Vetoed => "vetoed",
            Self::Failed => "failed",
        }
    }

    /// Whether an offence in this state may still be slashed (pruning keeps it).
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Submitted | Self::Queued)
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a [`StateKind`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown offence state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for StateKind {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownState(s.into()))
    }
}

/// One stored offence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffenceRecord {
    /// Its id in this store.
    pub id: i64,
    /// The offence.
    pub offence: Offence,
    /// The first proof recorded: the one to submit.
    pub evidence: Evidence,
    /// Distinct proofs stored (the first included; at most [`MAX_PROOFS`](super::MAX_PROOFS)).
    pub proofs: u32,
    /// Its state.
    pub state: OffenceState,
    /// Transactions recorded for it so far (evidence, `execute`, replacements, resends).
    pub attempts: u32,
    /// When it was first recorded (unix milliseconds).
    pub created_at_ms: u64,
    /// When its state last changed (unix milliseconds).
    pub updated_at_ms: u64,
}
