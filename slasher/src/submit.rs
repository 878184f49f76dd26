//! Taking stored evidence to the slasher contract until the offence is slashed, vetoed, found
//! already slashed, or given up on.
//!
//! The transaction mechanics (chain first, simulation, write-ahead, fee bumps, resends, the
//! lease deadline, attempts) are the kernel's outbox ([`vigil_service::outbox`]); this module
//! is the offence's side of it: the slasher contract's record, the veto window, `execute`, the
//! deadline alarms and the contract's revert reasons.
//!
//! An [`EvidenceSubmitter`] makes passes over the open offences (pending, submitted, queued).
//! Each pass [claims](EvidenceStore::claim_next) them one by one under a lease, so that two
//! replicas on one PostgreSQL database never work on the same offence, looks at each once and
//! releases it. Nothing waits inside a pass: a transaction still pending, a veto window still
//! open or confirmations still missing are simply looked at again on the next pass.
//!
//! # Never twice
//!
//! - **The chain first.** Every look starts with the contract's own record of the offence
//!   (`slashes(offenceId)`): recorded means nothing more is sent (queued: wait for the veto
//!   window, then `execute`; executed: slashed, by us or by someone else's evidence; vetoed).
//!   "Other evidence of the same offence" is the same offence id, so it is never sent either.
//! - **Write-ahead.** A transaction is signed locally, its hash and nonce recorded as
//!   [`OffenceState::Submitted`] (one more attempt, counted in the store), and only then
//!   broadcast. A slasher killed at any instant
//!   leaves nothing sent, or a hash the next look finds mined, pending (replaced with the same
//!   nonce and higher fees after `receipt_timeout`) or unknown to the node (sent again, after
//!   the chain check above).
//! - **Simulation.** Before sending, the call is estimated; a revert is decoded: the contract
//!   already has the offence (`AlreadyPunished`: look again next pass), or the evidence is bad
//!   for good (`NotConflicting`, `InvalidOperatorSignature`, …: failed with the reason).
//!
//! # Reorgs
//! Slashed, already slashed and vetoed are final only once the block that made them is
//! `confirmations` deep; until then the offence stays open and is re-read. A transaction that a
//! reorg drops is sent again.
//!
//! # The deadline
//! EigenLayer refuses to slash an operator that is no longer slashable (`slashableUntil`,
//! `DEALLOCATION_DELAY` blocks after it left the operator set). For every open offence the
//! submitter reads how many blocks are left; fewer than `alarm_blocks` raises an alarm (an
//! error log and `vigil_slasher_slashable_blocks_left`); none left fails the offence. The
//! removal block comes from the AllocationManager's `OperatorRemovedFromOperatorSet` log, read
//! newest first in requests of at most `max_log_range` blocks and remembered per operator, so
//! that later passes read only the blocks since the last one (and a small reorg margin).

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use alloy::{
    eips::BlockId,
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, keccak256},
    providers::Provider,
    rpc::types::{Filter, TransactionReceipt},
    sol_types::{SolCall, SolEvent},
};
use tracing::{debug, error, info, warn};
use vigil_chain::{
    bindings::{
        VigilSlasher::{self, VigilSlasherErrors},
        VigilVerifier,
        eigenlayer::AllocationManager::{self, OperatorSet},
    },
    checkpoint_for_slasher,
    logs::{DEFAULT_MAX_LOG_RANGE, SearchOrder, find_logs_chunked},
};
use vigil_crypto::{PublicKey, Signature};
use vigil_service::outbox::{
    Call, Check, Job, Lease, OutboxError, Revert, SentTx, Step, Tracked, TxConfig, TxManager,
    release_own_leases,
};
use vigil_types::{Evidence, Offence, PublicKeyBytes, SignedCheckpoint, SigningDomain, Statement};

use crate::{EvidenceStore, OffenceRecord, OffenceState, metrics, now_ms, veto::SlashStatus};

/// Log target of the submitter.
const TARGET: &str = "vigil::slasher::submit";

/// Blocks below the last block scanned for an operator's removal that the next scan reads
/// again: a reorg that shallow may have moved or dropped the removal.
const REMOVAL_REORG_MARGIN: u64 = 12;

/// Most operators whose removal scan is remembered (the memory is cleared when it is full).
const MAX_REMEMBERED_REMOVALS: usize = 1_024;

/// How far an operator's removal from the set has been looked for.
#[derive(Clone, Copy, Debug)]
struct RemovalScan {
    /// The last block scanned.
    scanned_to: u64,
    /// The latest removal found at or below it.
    removed_at: Option<u64>,
}

/// How an [`EvidenceSubmitter`] works: the kernel's outbox policy (a pass must finish well
/// inside the lease; `poll` is the time between passes; `confirmations` count on top of the
/// block that slashed, queued or vetoed) and the deadline alarm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitterConfig {
    /// The lease, the passes and the transactions.
    pub tx: TxConfig,
    /// Raise the alarm when an offender has fewer blocks than this left to be slashed.
    pub alarm_blocks: u64,
}

/// What one look at an offence did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do yet (a transaction pending, confirmations missing, the veto window open).
    Waiting,
    /// An evidence transaction was sent.
    Submitted {
        /// The transaction.
        tx_hash: B256,
    },
    /// `execute` was sent for a slash whose veto window has passed.
    ExecuteSent {
        /// The transaction.
        tx_hash: B256,
    },
    /// The contract recorded the offence and queued the slash.
    Queued {
        /// First block in which it can be executed.
        executable_at: u64,
    },
    /// The operator was slashed through our evidence (final).
    Slashed {
        /// The transaction that slashed (the evidence, or `execute`).
        tx_hash: B256,
        /// Its block.
        block: u64,
        /// Gas it used.
        gas_used: u64,
        /// From the offence's detection to the slash being final.
        latency: Duration,
    },
    /// The contract already had this offence from someone else's evidence (final).
    AlreadySlashed,
    /// The slash was vetoed (final).
    Vetoed,
    /// Given up on (final).
    Failed {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Submitted { .. } => "submitted",
            Self::ExecuteSent { .. } => "execute_sent",
            Self::Queued { .. } => "queued",
            Self::Slashed { .. } => "slashed",
            Self::AlreadySlashed => "already_slashed",
            Self::Vetoed => "vetoed",
            Self::Failed { .. } => "failed",
        }
    }
}

/// Why a look at an offence could not be completed (it is retried on the next pass).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The outbox failed: the node failed or refused a request, the transaction could not be
    /// signed, or the node serves another chain.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The evidence store failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl SubmitError {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Outbox(OutboxError::Sign(_)) => "sign",
            Self::Outbox(OutboxError::Rpc { .. } | OutboxError::WrongChain { .. }) => "rpc",
            Self::Store(_) => "store",
        }
    }
}

/// The contract's view of one offence (`VigilSlasher.slashes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChainStatus {
    None,
    Queued { executable_at: u64 },
    Vetoed,
    Executed,
}

/// Takes evidence from the store to the slasher contract. See the module docs.
pub struct EvidenceSubmitter<P> {
    store: EvidenceStore,
    tx: TxManager<P>,
    domain: SigningDomain,
    slasher: Address,
    allocation_manager: Address,
    operator_set: OperatorSet,
    alarm_blocks: u64,
    /// Most blocks per `eth_getLogs` request.
    max_log_range: u64,
    /// Per operator out of the set: how far its removal has been looked for, so that the next
    /// alarm reads only the blocks since (plus a reorg margin), not the whole delay again.
    removals: Mutex<HashMap<Address, RemovalScan>>,
}

impl<P> std::fmt::Debug for EvidenceSubmitter<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceSubmitter")
            .field("tx", &self.tx)
            .field("slasher", &self.slasher)
            .field("alarm_blocks", &self.alarm_blocks)
            .field("max_log_range", &self.max_log_range)
            .finish_non_exhaustive()
    }
}

/// Which call a look sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sending {
    /// The evidence (`submitDoubleSign`, `submitCertificateConflict`).
    Evidence,
    /// `execute`, once the veto window is over.
    Execute,
}

/// A claimed offence as the outbox's [`Job`]: one look.
struct EvidenceJob<'a, P> {
    submitter: &'a EvidenceSubmitter<P>,
    record: &'a OffenceRecord,
    /// What [`Job::check`] asked to send.
    sending: Option<Sending>,
}

impl<P: Provider> Job for EvidenceJob<'_, P> {
    type Outcome = Outcome;
    type Error = SubmitError;

    fn tracked(&self) -> Tracked {
        let tx_hash = match self.record.state {
            OffenceState::Submitted { tx_hash } => Some(tx_hash),
            _ => None,
        };
        Tracked {
            tx_hash,
            attempts: self.record.attempts,
            submitted_at_ms: self.record.updated_at_ms,
        }
    }

    async fn check(
        &mut self,
        _ours: Option<&TransactionReceipt>,
    ) -> Result<Check<Outcome>, SubmitError> {
        let check = self.submitter.check(self.record).await?;
        if let Check::Send(call) = &check {
            self.sending = Some(if call.input.starts_with(&VigilSlasher::executeCall::SELECTOR) {
                Sending::Execute
            } else {
                Sending::Evidence
            });
        }
        Ok(check)
    }

    fn classify(&self, call: &Call, revert: Option<&[u8]>) -> Revert {
        let record = self.record;
        if call.input.starts_with(&VigilSlasher::executeCall::SELECTOR) {
            // Vetoed or executed in the meantime, or the window not yet over at the node's
            // head: the next pass reads the status again.
            debug!(target: TARGET, offence_id = record.id, "execute would revert now");
            return Revert::NotYet("execute would revert".to_owned());
        }
        let Some((name, detail)) = revert.and_then(decode_revert) else {
            return Revert::Unknown;
        };
        if name == "AlreadyPunished" {
            // Recorded since our status read: the next pass settles it.
            return Revert::NotYet(detail);
        }
        let reason = format!("the slasher contract refuses the evidence: {detail}");
        warn!(target: TARGET, offence_id = record.id, %reason, "evidence refused");
        Revert::Permanent(reason)
    }

    async fn record_sent(&mut self, tx: SentTx, now_ms: u64) -> Result<(), SubmitError> {
        let s = self.submitter;
        s.store
            .record_sent(self.record.id, &s.config().owner, tx.tx_hash, tx.nonce, now_ms)
            .await?;
        metrics::submitted();
        Ok(())
    }

    async fn fail(&mut self, reason: String) -> Result<Outcome, SubmitError> {
        let state = OffenceState::Failed { reason: reason.clone() };
        self.submitter.finish(self.record, state, Outcome::Failed { reason }).await
    }

    fn label(&self) -> String {
        format!("offence {}", self.record.id)
    }
}

impl<P: Provider> EvidenceSubmitter<P> {
    /// A submitter for evidence in `domain` (Vigil's verifier on one chain), sending to
    /// `slasher` through `provider`, signing with `wallet`'s default signer.
    /// `allocation_manager` and `avs` name EigenLayer's AllocationManager and Vigil's service
    /// manager (the operator set is `(avs, domain.operatorSetId)`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: EvidenceStore,
        provider: P,
        wallet: EthereumWallet,
        domain: SigningDomain,
        slasher: Address,
        allocation_manager: Address,
        avs: Address,
        config: SubmitterConfig,
    ) -> Self {
        let operator_set = OperatorSet { avs, id: domain.operator_set_id };
        let SubmitterConfig { tx, alarm_blocks } = config;
        let tx = TxManager::new(provider, wallet, tx, Some(domain.l1_chain_id));
        Self {
            store,
            tx,
            domain,
            slasher,
            allocation_manager,
            operator_set,
            alarm_blocks,
            max_log_range: DEFAULT_MAX_LOG_RANGE,
            removals: Mutex::default(),
        }
    }

    /// Reads logs in requests of at most `blocks` blocks (`[chain] max_log_range`; 0 counts
    /// as 1). The default is [`DEFAULT_MAX_LOG_RANGE`].
    #[must_use]
    pub fn with_max_log_range(mut self, blocks: u64) -> Self {
        self.max_log_range = blocks.max(1);
        self
    }

    /// The address transactions are sent from.
    pub fn sender(&self) -> Address {
        self.tx.sender()
    }

    /// The outbox policy it sends with.
    pub fn config(&self) -> &TxConfig {
        self.tx.config()
    }

    /// Makes passes until `shutdown` completes, one `poll` apart. Errors are logged, counted
    /// and retried on the next pass. Stopping at any instant is safe (see the module docs).
    pub async fn run<F: std::future::Future>(self, shutdown: F) {
        tokio::pin!(shutdown);
        info!(target: TARGET, owner = %self.config().owner, sender = %self.sender(), slasher = %self.slasher, "evidence submitter started");
        loop {
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                outcomes = self.pass() => {
                    if let Err(err) = outcomes {
                        metrics::submit_error(err.kind());
                        warn!(target: TARGET, %err, "evidence submission pass failed; retrying");
                    }
                }
            }
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                () = tokio::time::sleep(self.config().poll) => {}
            }
        }
        let owner = &self.config().owner;
        release_own_leases(owner, self.store.release_all(owner)).await;
        info!(target: TARGET, owner = %self.config().owner, "evidence submitter stopped");
    }

    /// One pass: claims every open offence in turn, looks at it once, and releases it.
    /// Returns what happened to each (offence id, outcome).
    pub async fn pass(&self) -> Result<Vec<(i64, Outcome)>, SubmitError> {
        let started = Instant::now();
        let mut claimed = Vec::new();
        let mut out = Vec::new();
        let mut first_error = None;
        // Stop claiming well before the first claim's lease could run out.
        while started.elapsed() < self.config().lease.checked_div(2).unwrap_or_default() {
            let claimed_at = Instant::now();
            let Some(record) =
                self.store.claim_next(&self.config().owner, self.config().lease, now_ms()).await?
            else {
                break;
            };
            claimed.push(record.id);
            let lease = Lease::new(&self.config().owner, self.config().lease, claimed_at);
            match self.look(&record, &lease).await {
                Ok(outcome) => {
                    metrics::submit_outcome(outcome.label());
                    if outcome != Outcome::Waiting {
                        debug!(target: TARGET, offence_id = record.id, outcome = outcome.label(), "offence looked at");
                    }
                    out.push((record.id, outcome));
                }
                Err(err) => {
                    warn!(target: TARGET, offence_id = record.id, %err, "looking at an offence failed; retrying next pass");
                    first_error.get_or_insert(err);
                }
            }
        }
        for id in claimed {
            self.store.release(id, &self.config().owner).await?;
        }
        match first_error {
            Some(err) if out.is_empty() => Err(err),
            Some(err) => {
                metrics::submit_error(err.kind());
                Ok(out)
            }
            None => Ok(out),
        }
    }

    /// One look at one claimed offence, through the outbox.
    async fn look(&self, record: &OffenceRecord, lease: &Lease) -> Result<Outcome, SubmitError> {
        let mut job = EvidenceJob { submitter: self, record, sending: None };
        let step = self.tx.step(&mut job, lease).await?;
        let sent = match step {
            Step::Done(outcome) => return Ok(outcome),
            Step::Wait => return Ok(Outcome::Waiting),
            Step::Sent(sent) => sent,
        };
        if let Some(old) = sent.replaced {
            info!(target: TARGET, offence_id = record.id, nonce = sent.nonce, old_max_fee = old.max_fee, max_fee = sent.max_fee, "evidence transaction pending too long; replacing it with higher fees");
            metrics::fee_bump();
        }
        let tx_hash = sent.tx_hash;
        match sent.broadcast_error {
            None => {
                info!(target: TARGET, offence_id = record.id, tx = %tx_hash, nonce = sent.nonce, gas = sent.gas, max_fee = sent.max_fee, "evidence transaction sent");
            }
            Some(err) => {
                // The next pass finds it pending, mined, or unknown and sends again.
                warn!(target: TARGET, offence_id = record.id, tx = %tx_hash, %err, "broadcasting the transaction failed");
            }
        }
        if job.sending == Some(Sending::Execute) {
            info!(target: TARGET, offence_id = record.id, tx = %tx_hash, "veto window over; execute sent");
            return Ok(Outcome::ExecuteSent { tx_hash });
        }
        Ok(Outcome::Submitted { tx_hash })
    }

    /// The chain first: the domain's checks, then the contract's record of the offence.
    async fn check(&self, record: &OffenceRecord) -> Result<Check<Outcome>, SubmitError> {
        let offence = record.offence;
        if offence.domain != self.domain {
            let reason = format!(
                "evidence for another domain (chain {}, verifier {})",
                offence.domain.l1_chain_id, offence.domain.verifier
            );
            return self.fail(record, reason).await;
        }
        let Ok(pk) = PublicKey::from_wire(&offence.pubkey) else {
            let reason = "the offender's key does not decode".to_owned();
            return self.fail(record, reason).await;
        };
        let verifier = VigilVerifier::new(self.domain.verifier, self.tx.provider());
        let operator = verifier
            .operatorOfKey(keccak256(pk.to_eip2537()))
            .call()
            .await
            .map_err(OutboxError::rpc("VigilVerifier.operatorOfKey"))?;
        if operator == Address::ZERO {
            let reason = "the offender's key is not registered with the verifier".to_owned();
            return self.fail(record, reason).await;
        }
        let id = offence_id(operator, offence.rollup_id, offence.height);
        let head = self
            .tx
            .provider()
            .get_block_number()
            .await
            .map_err(OutboxError::rpc("eth_blockNumber"))?;

        match self.chain_status(id, BlockId::latest()).await? {
            ChainStatus::Executed => self.executed(record, id, head).await.map(Check::Done),
            ChainStatus::Vetoed => {
                info!(target: TARGET, offence_id = record.id, operator = %operator, "slash vetoed by the committee");
                self.finish(record, OffenceState::Vetoed, Outcome::Vetoed).await.map(Check::Done)
            }
            ChainStatus::Queued { executable_at } => {
                self.queued(record, id, operator, executable_at, head).await
            }
            ChainStatus::None => self.not_recorded(record, operator, head).await,
        }
    }

    /// `slashes(id).status` at `block`.
    async fn chain_status(&self, id: B256, block: BlockId) -> Result<ChainStatus, SubmitError> {
        let slasher = VigilSlasher::new(self.slasher, self.tx.provider());
        let p = slasher
            .slashes(id)
            .block(block)
            .call()
            .await
            .map_err(OutboxError::rpc("VigilSlasher.slashes"))?;
        Ok(match SlashStatus::from_code(p.status) {
            SlashStatus::Queued => ChainStatus::Queued { executable_at: u64::from(p.executableAt) },
            SlashStatus::Vetoed => ChainStatus::Vetoed,
            SlashStatus::Executed => ChainStatus::Executed,
            SlashStatus::None => ChainStatus::None,
        })
    }

    /// The contract slashed the operator for this offence: by whose evidence, and is it deep?
    async fn executed(
        &self,
        record: &OffenceRecord,
        id: B256,
        head: u64,
    ) -> Result<Outcome, SubmitError> {
        let Some((slash_tx, slash_block)) =
            self.find_log(record, VigilSlasher::OperatorSlashed::SIGNATURE_HASH, id, head).await?
        else {
            // No log: the node no longer has it, or a reorg orphaned the slash since the status
            // was read (the status said executed, the log search ran on the new chain). Final
            // only if the slash also holds `confirmations` blocks below the head, read on the
            // chain as it is now; otherwise look again on the next pass (and resend if it went).
            let deep = head.saturating_sub(self.config().confirmations);
            if self.chain_status(id, BlockId::number(deep)).await? != ChainStatus::Executed {
                debug!(target: TARGET, offence_id = record.id, "slash status without its log: looking again");
                return Ok(Outcome::Waiting);
            }
            return self
                .finish(record, OffenceState::AlreadySlashed, Outcome::AlreadySlashed)
                .await;
        };
        if head.saturating_sub(slash_block) < self.config().confirmations {
            return Ok(Outcome::Waiting);
        }
        // Ours if the offence was recorded by a transaction from our key.
        let recorder = match self
            .find_log(record, VigilSlasher::OffenceRecorded::SIGNATURE_HASH, id, head)
            .await?
        {
            Some((tx, _)) => self
                .tx
                .provider()
                .get_transaction_by_hash(tx)
                .await
                .map_err(OutboxError::rpc("eth_getTransactionByHash"))?
                .map(|t| alloy::network::TransactionResponse::from(&t)),
            None => None,
        };
        if recorder != Some(self.tx.sender()) {
            info!(target: TARGET, offence_id = record.id, tx = %slash_tx, "offence already slashed through someone else's evidence");
            return self
                .finish(record, OffenceState::AlreadySlashed, Outcome::AlreadySlashed)
                .await;
        }
        let gas_used = self
            .tx
            .provider()
            .get_transaction_receipt(slash_tx)
            .await
            .map_err(OutboxError::rpc("eth_getTransactionReceipt"))?
            .map_or(0, |r| r.gas_used);
        let latency = Duration::from_millis(now_ms().saturating_sub(record.created_at_ms));
        info!(target: TARGET, offence_id = record.id, tx = %slash_tx, block = slash_block, gas_used, latency_ms = latency.as_millis() as u64, "operator slashed");
        metrics::slashed(gas_used, latency);
        let state = OffenceState::Slashed { tx_hash: slash_tx, block: slash_block };
        self.finish(
            record,
            state,
            Outcome::Slashed { tx_hash: slash_tx, block: slash_block, gas_used, latency },
        )
        .await
    }

    /// Recorded and queued: wait for the veto window, then execute.
    async fn queued(
        &self,
        record: &OffenceRecord,
        id: B256,
        operator: Address,
        executable_at: u64,
        head: u64,
    ) -> Result<Check<Outcome>, SubmitError> {
        self.alarm(record, operator, head).await?;
        // `execute` runs in the block after `head`.
        if head.saturating_add(1) < executable_at {
            if !matches!(record.state, OffenceState::Queued { .. }) {
                let tx = self
                    .find_log(record, VigilSlasher::SlashQueued::SIGNATURE_HASH, id, head)
                    .await?
                    .map_or(B256::ZERO, |(tx, _)| tx);
                info!(target: TARGET, offence_id = record.id, executable_at, "slash queued behind the veto window");
                self.store
                    .update_state_leased(
                        record.id,
                        &self.config().owner,
                        &OffenceState::Queued { tx_hash: tx, executable_at },
                        now_ms(),
                    )
                    .await?;
                return Ok(Check::Done(Outcome::Queued { executable_at }));
            }
            return Ok(Check::Done(Outcome::Waiting));
        }
        // Our `execute` may be on its way: the outbox waits for it, replaces or resends it.
        let input = VigilSlasher::executeCall { id }.abi_encode();
        Ok(Check::Send(Call { to: self.slasher, input: input.into() }))
    }

    /// The contract has no record of the offence: send the evidence (the outbox waits for ours
    /// if it is pending).
    async fn not_recorded(
        &self,
        record: &OffenceRecord,
        operator: Address,
        head: u64,
    ) -> Result<Check<Outcome>, SubmitError> {
        if !self.alarm(record, operator, head).await? {
            let reason =
                "the operator is no longer slashable (its slashableUntil has passed)".to_owned();
            error!(target: TARGET, offence_id = record.id, operator = %operator, "evidence came too late: {reason}");
            return self.fail(record, reason).await;
        }
        match evidence_call(operator, &record.evidence) {
            Ok(input) => Ok(Check::Send(Call { to: self.slasher, input })),
            Err(reason) => self.fail(record, reason).await,
        }
    }

    /// Gives the offence up (failed with `reason`).
    async fn fail(
        &self,
        record: &OffenceRecord,
        reason: String,
    ) -> Result<Check<Outcome>, SubmitError> {
        let state = OffenceState::Failed { reason: reason.clone() };
        self.finish(record, state, Outcome::Failed { reason }).await.map(Check::Done)
    }

    /// Checks how long the operator stays slashable; raises the alarm when it is short.
    /// Returns `false` if it is no longer slashable at all.
    async fn alarm(
        &self,
        record: &OffenceRecord,
        operator: Address,
        head: u64,
    ) -> Result<bool, SubmitError> {
        let am = AllocationManager::new(self.allocation_manager, self.tx.provider());
        let slashable = am
            .isOperatorSlashable(operator, self.operator_set.clone())
            .call()
            .await
            .map_err(OutboxError::rpc("AllocationManager.isOperatorSlashable"))?;
        if !slashable {
            self.forget_removal(operator);
            metrics::slashable_blocks_left(operator, 0);
            return Ok(false);
        }
        let member = am
            .isMemberOfOperatorSet(operator, self.operator_set.clone())
            .call()
            .await
            .map_err(OutboxError::rpc("AllocationManager.isMemberOfOperatorSet"))?;
        if member {
            self.forget_removal(operator);
            metrics::slashable_blocks_left(operator, u64::MAX);
            return Ok(true);
        }
        // It left the set: slashable until its removal block + DEALLOCATION_DELAY.
        let delay = u64::from(
            am.DEALLOCATION_DELAY()
                .call()
                .await
                .map_err(OutboxError::rpc("AllocationManager.DEALLOCATION_DELAY"))?,
        );
        let removed_at = self.removal_block(operator, delay, head).await?;
        let left = removed_at.map_or(0, |b| b.saturating_add(delay).saturating_sub(head));
        metrics::slashable_blocks_left(operator, left);
        if left < self.alarm_blocks {
            metrics::alarm();
            error!(
                target: TARGET,
                offence_id = record.id, operator = %operator, blocks_left = left,
                state = %record.state.kind(),
                "ALARM: the operator stops being slashable soon and its evidence has not landed"
            );
        }
        Ok(true)
    }

    /// The block of the operator's latest removal from the operator set within the last
    /// `delay + 1` blocks (an older one no longer makes it slashable), searched newest first in
    /// chunks. What an earlier call found is remembered: only the blocks since its scan (and
    /// [`REMOVAL_REORG_MARGIN`] below) are read again.
    async fn removal_block(
        &self,
        operator: Address,
        delay: u64,
        head: u64,
    ) -> Result<Option<u64>, SubmitError> {
        let window_from = head.saturating_sub(delay.saturating_add(1));
        // A head below the last scan (another node behind this one, a deep reorg): scan anew.
        let known = self
            .removals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&operator)
            .copied()
            .filter(|k| k.scanned_to <= head);
        let (from, kept) = match known {
            Some(k) => {
                let from = k
                    .scanned_to
                    .saturating_add(1)
                    .saturating_sub(REMOVAL_REORG_MARGIN)
                    .max(window_from);
                // A removal in the blocks read again is found again, or not if a reorg dropped it.
                (from, k.removed_at.filter(|&b| b < from))
            }
            None => (window_from, None),
        };
        let filter = Filter::new()
            .address(self.allocation_manager)
            .event_signature(AllocationManager::OperatorRemovedFromOperatorSet::SIGNATURE_HASH)
            .topic1(operator.into_word());
        let logs = find_logs_chunked(
            self.tx.provider(),
            &filter,
            from,
            head,
            self.max_log_range,
            SearchOrder::NewestFirst,
        )
        .await
        .map_err(OutboxError::rpc("eth_getLogs"))?;
        let found = logs.iter().filter(|l| !l.removed).filter_map(|l| l.block_number).max();
        let removed_at = found.or(kept);
        let mut removals = self.removals.lock().unwrap_or_else(PoisonError::into_inner);
        if removals.len() >= MAX_REMEMBERED_REMOVALS && !removals.contains_key(&operator) {
            removals.clear();
        }
        removals.insert(operator, RemovalScan { scanned_to: head, removed_at });
        Ok(removed_at)
    }

    /// Drops what is remembered of the operator's removal (it is back in the set, or no longer
    /// slashable): the memory holds only operators on their way out.
    fn forget_removal(&self, operator: Address) {
        self.removals.lock().unwrap_or_else(PoisonError::into_inner).remove(&operator);
    }

    /// The live log of `event` from the slasher with `id` as its first topic (the contract
    /// emits each of its offence events once per offence id), searched newest first from
    /// `head` down to [`search_floor`] in chunks of `max_log_range` blocks: an offence's logs
    /// are recent, so the search usually ends in the first chunk or two.
    async fn find_log(
        &self,
        record: &OffenceRecord,
        event: B256,
        id: B256,
        head: u64,
    ) -> Result<Option<(B256, u64)>, SubmitError> {
        let filter = Filter::new().address(self.slasher).event_signature(event).topic1(id);
        let logs = find_logs_chunked(
            self.tx.provider(),
            &filter,
            search_floor(&record.evidence, head),
            head,
            self.max_log_range,
            SearchOrder::NewestFirst,
        )
        .await
        .map_err(OutboxError::rpc("eth_getLogs"))?;
        Ok(logs
            .iter()
            .filter(|l| !l.removed)
            .find_map(|l| Some((l.transaction_hash?, l.block_number?))))
    }

    async fn finish(
        &self,
        record: &OffenceRecord,
        state: OffenceState,
        outcome: Outcome,
    ) -> Result<Outcome, SubmitError> {
        if record.state != state {
            self.store
                .update_state_leased(record.id, &self.config().owner, &state, now_ms())
                .await?;
        }
        Ok(outcome)
    }
}

/// The evidence as calldata for the slasher contract, or why it cannot be sent.
pub(crate) fn evidence_call(operator: Address, evidence: &Evidence) -> Result<Bytes, String> {
    match evidence {
        Evidence::DoubleSign { first, second } => {
            let a = signed_for_contract(first)?;
            let b = signed_for_contract(second)?;
            Ok(VigilSlasher::submitDoubleSignCall { operator, a, b }.abi_encode().into())
        }
        Evidence::CertificateConflict { recorded, conflicting, .. } => {
            let recorded_non_signers = non_signers(recorded)?;
            let conflicting = VigilSlasher::Aggregate {
                checkpoint: checkpoint_for_slasher(&conflicting.checkpoint),
                nonSignerPubkeys: non_signers(conflicting)?,
                signature: signature_bytes(&conflicting.aggregate_signature)?,
            };
            Ok(VigilSlasher::submitCertificateConflictCall {
                operator,
                recorded: checkpoint_for_slasher(&recorded.checkpoint),
                recordedNonSigners: recorded_non_signers,
                conflicting,
            }
            .abi_encode()
            .into())
        }
        Evidence::Equivocation { first, second, .. } => {
            let a = statement_for_contract(first)?;
            let b = statement_for_contract(second)?;
            Ok(VigilSlasher::submitEquivocationCall { operator, a, b }.abi_encode().into())
        }
    }
}

/// A [`Statement`] as the contract's `Statement` (evidence kind 3): header and proof zero for a
/// checkpoint signed alone, non-signers empty for the key's own signature.
fn statement_for_contract(s: &Statement) -> Result<VigilSlasher::Statement, String> {
    let (header, proof) = match s.batch() {
        Some((h, p)) => (
            VigilSlasher::BatchHeader {
                root: h.root,
                leafCount: h.leaf_count,
                fromL1Block: h.from_l1_block,
                toL1Block: h.to_l1_block,
            },
            VigilSlasher::InclusionProof { index: p.index, siblings: p.siblings.clone() },
        ),
        None => (
            VigilSlasher::BatchHeader {
                root: B256::ZERO,
                leafCount: 0,
                fromL1Block: 0,
                toL1Block: 0,
            },
            VigilSlasher::InclusionProof { index: 0, siblings: Vec::new() },
        ),
    };
    let (non_signers, signature, aggregate) = match (s.own_signature(), s.aggregate()) {
        (Some((_, sig)), _) => (Bytes::new(), signature_bytes(sig)?, false),
        (None, Some((keys, sig))) => (non_signer_keys(keys)?, signature_bytes(sig)?, true),
        (None, None) => return Err("a statement without a signature".to_owned()),
    };
    Ok(VigilSlasher::Statement {
        checkpoint: checkpoint_for_slasher(s.checkpoint()),
        header,
        proof,
        nonSignerPubkeys: non_signers,
        signature,
        aggregate,
    })
}

/// The lowest block [`EvidenceSubmitter::find_log`] searches for the logs of the offence
/// `evidence` proves: the smallest `l1Block` among its checkpoints (at most `head`).
///
/// The store keeps no block for an offence (only times), and "from genesis" is a range no
/// provider serves, so the bound comes from the evidence. For a certificate conflict it is
/// sound: the verifier refuses a certificate whose `l1Block` is not in the past, so the recorded
/// certificate, and any offence proved with it, come after that block. A double sign's
/// `l1Block`s are the offender's own words, which the slasher contract does not check; honest
/// software signs recent blocks. If the log is below the floor anyway (forged `l1Block`s, or
/// the offence recorded earlier through other evidence), it is not found, and the callers go
/// by the contract's status alone, as for a node that no longer has the log: the slash itself
/// is never affected.
fn search_floor(evidence: &Evidence, head: u64) -> u64 {
    let floor = match evidence {
        Evidence::DoubleSign { first, second } => {
            first.checkpoint.l1_block.min(second.checkpoint.l1_block)
        }
        Evidence::CertificateConflict { recorded, conflicting, .. } => {
            recorded.checkpoint.l1_block.min(conflicting.checkpoint.l1_block)
        }
        Evidence::Equivocation { first, second, .. } => {
            first.reference_block().min(second.reference_block())
        }
    };
    floor.min(head)
}

pub use vigil_chain::offence_id;

/// The offence a piece of evidence proves, as the contract names it, for an operator address.
pub fn offence_id_of(operator: Address, offence: &Offence) -> B256 {
    offence_id(operator, offence.rollup_id, offence.height)
}

fn signature_bytes(sig: &vigil_types::SignatureBytes) -> Result<Bytes, String> {
    let sig = Signature::from_wire(sig).map_err(|e| format!("a signature does not decode: {e}"))?;
    Ok(Bytes::from(sig.to_eip2537().to_vec()))
}

fn signed_for_contract(s: &SignedCheckpoint) -> Result<VigilSlasher::SignedCheckpoint, String> {
    Ok(VigilSlasher::SignedCheckpoint {
        checkpoint: checkpoint_for_slasher(&s.checkpoint),
        signature: signature_bytes(&s.signature)?,
    })
}

fn non_signers(cert: &vigil_types::Certificate) -> Result<Bytes, String> {
    non_signer_keys(&cert.non_signers)
}

fn non_signer_keys(keys: &[PublicKeyBytes]) -> Result<Bytes, String> {
    let keys = keys
        .iter()
        .map(PublicKey::from_wire)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("a non-signer key does not decode: {e}"))?;
    Ok(vigil_chain::non_signer_bytes(&keys))
}

/// A slasher revert as `(error name, readable detail)`.
pub(crate) fn decode_revert(data: &[u8]) -> Option<(&'static str, String)> {
    use VigilSlasherErrors as E;
    vigil_service::outbox::decode_revert(data, E::name_by_selector, |name, e: E| {
        Some(match e {
            E::UnknownOperator(e) => format!("{name}(operator {})", e.operator),
            E::NotInSignerSet(e) => format!("{name}(operator {})", e.operator),
            E::NoRecordedCertificate(e) => {
                format!("{name}(rollupId {}, height {})", e.rollupId, e.height)
            }
            E::AlreadyPunished(e) => format!("{name}(offenceId {})", e.offenceId),
            _ => return None,
        })
    })
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolError;

    use super::*;

    #[test]
    fn offence_id_matches_abi_encode() {
        let op = Address::repeat_byte(0x11);
        let mut expected = vec![0u8; 12];
        expected.extend_from_slice(op.as_slice());
        expected.extend_from_slice(&[0u8; 24]);
        expected.extend_from_slice(&7u64.to_be_bytes());
        expected.extend_from_slice(&[0u8; 24]);
        expected.extend_from_slice(&9u64.to_be_bytes());
        assert_eq!(offence_id(op, 7, 9), keccak256(&expected));
    }

    #[test]
    fn decodes_slasher_errors_by_name() {
        let data = VigilSlasher::AlreadyPunished { offenceId: B256::repeat_byte(1) }.abi_encode();
        let (name, detail) = decode_revert(&data).unwrap();
        assert_eq!(name, "AlreadyPunished");
        assert!(detail.contains("0x0101"), "{detail}");
        let data = VigilSlasher::NotConflicting {}.abi_encode();
        assert_eq!(decode_revert(&data).unwrap().0, "NotConflicting");
        assert!(decode_revert(&[0xde, 0xad, 0xbe, 0xef]).is_none());
        assert!(decode_revert(&[1]).is_none());
    }
}
