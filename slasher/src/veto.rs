//! Vetoing a queued slash during its veto window: what a member of the veto committee runs
//! (the `vigil-veto` binary), with the committee's own key. The slasher service never holds
//! that key; it only waits out the window and then calls `execute` (see [`crate::submit`]).
//!
//! [`veto`] reads the slash first and refuses, without sending anything, when the sender is not
//! the committee, nothing is queued for the offence, or the window will have closed by the next
//! block; then it sends `veto(offenceId)` and waits for the receipt.

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};
use serde::Serialize;
use vigil_chain::bindings::VigilSlasher;

pub use vigil_chain::SlashStatus;

/// One offence's slash as the contract and the chain say now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlashView {
    /// The offence.
    pub offence_id: B256,
    /// Its slash's status.
    pub status: SlashStatus,
    /// The first block `execute` may run at (0 unless queued).
    pub executable_at: u64,
    /// The chain's head when read.
    pub head: u64,
    /// The veto committee (zero: none).
    pub committee: Address,
}

/// A veto that landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vetoed {
    /// The offence.
    pub offence_id: B256,
    /// The veto's transaction.
    pub tx: B256,
    /// The block that mined it.
    pub block: u64,
}

/// Why a veto was not sent or did not land.
#[derive(Debug, thiserror::Error)]
pub enum VetoError {
    /// The L1 node failed a call.
    #[error("L1 RPC: {what}: {reason}")]
    Rpc {
        /// What was being done.
        what: &'static str,
        /// The node's error.
        reason: String,
    },
    /// The key is not the committee's: the contract would refuse it.
    #[error("{sender} is not the veto committee ({committee}); nothing was sent")]
    NotCommittee {
        /// The key's address.
        sender: Address,
        /// The committee's.
        committee: Address,
    },
    /// Nothing to veto.
    #[error(
        "no slash of offence {offence_id} is queued (its status is {status}); nothing was sent"
    )]
    NotQueued {
        /// The offence.
        offence_id: B256,
        /// Its status.
        status: SlashStatus,
    },
    /// Too late: the slash can execute by the next block.
    #[error(
        "the veto window of offence {offence_id} ends at block {executable_at} and the head is \
         {head}; nothing was sent"
    )]
    WindowClosed {
        /// The offence.
        offence_id: B256,
        /// The first block the slash can execute at.
        executable_at: u64,
        /// The head.
        head: u64,
    },
    /// The transaction was mined but reverted (the slash executed or was vetoed meanwhile).
    #[error("the veto transaction {tx} reverted")]
    Reverted {
        /// The transaction.
        tx: B256,
    },
}

fn rpc<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> VetoError {
    move |e| VetoError::Rpc { what, reason: e.to_string() }
}

/// Reads the slash of `offence_id` from the slasher contract at `slasher`.
pub async fn status<P: Provider>(
    provider: &P,
    slasher: Address,
    offence_id: B256,
) -> Result<SlashView, VetoError> {
    let contract = VigilSlasher::new(slasher, provider);
    let p = contract.slashes(offence_id).call().await.map_err(rpc("VigilSlasher.slashes"))?;
    let committee =
        contract.vetoCommittee().call().await.map_err(rpc("VigilSlasher.vetoCommittee"))?;
    let head = provider.get_block_number().await.map_err(rpc("eth_blockNumber"))?;
    let status = SlashStatus::from_code(p.status);
    let executable_at = if status == SlashStatus::Queued { u64::from(p.executableAt) } else { 0 };
    Ok(SlashView { offence_id, status, executable_at, head, committee })
}

/// Vetoes the queued slash of `offence_id`, sending from `sender` (the provider must sign for
/// it). Checks everything the contract would first, so a refused veto costs no gas.
pub async fn veto<P: Provider>(
    provider: &P,
    sender: Address,
    slasher: Address,
    offence_id: B256,
) -> Result<Vetoed, VetoError> {
    let view = status(provider, slasher, offence_id).await?;
    if view.committee != sender {
        return Err(VetoError::NotCommittee { sender, committee: view.committee });
    }
    if view.status != SlashStatus::Queued {
        return Err(VetoError::NotQueued { offence_id, status: view.status });
    }
    // The veto lands in the next block at the earliest: the window must still be open there.
    if view.head.saturating_add(1) >= view.executable_at {
        return Err(VetoError::WindowClosed {
            offence_id,
            executable_at: view.executable_at,
            head: view.head,
        });
    }
    let contract = VigilSlasher::new(slasher, provider);
    let receipt = contract
        .veto(offence_id)
        .from(sender)
        .send()
        .await
        .map_err(rpc("VigilSlasher.veto"))?
        .get_receipt()
        .await
        .map_err(rpc("veto receipt"))?;
    if !receipt.status() {
        return Err(VetoError::Reverted { tx: receipt.transaction_hash });
    }
    Ok(Vetoed {
        offence_id,
        tx: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
    })
}
