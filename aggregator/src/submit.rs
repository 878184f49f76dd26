//! Submitting stored certificates to the verifier contract and following them until they are
//! mined (or given up on), safely from several replicas sharing one database.
//!
//! A [`CertificateSubmitter`] [claims](Store::claim_next) one certificate at a time under a
//! lease and works on it until it is settled or the lease is about to run out; whatever is left
//! (a transaction still pending, confirmations still missing) is picked up by the next claim,
//! by this replica or another.
//!
//! The transaction mechanics (chain first, simulation, write-ahead, fee bumps, resends, the
//! lease deadline, attempts) are the kernel's outbox ([`vigil_service::outbox`]); this module
//! is the certificate's side of it: the verifier's record, its `CheckpointCertified` log,
//! confirmations and its revert reasons.
//!
//! # Never two transactions for one certificate
//!
//! - The lease: only its holder changes a certificate ([`Store::update_state`] refuses anyone
//!   else), and two replicas never hold it at once.
//! - The chain first: every pass asks the verifier whether `(rollupId, height)` is already
//!   recorded before doing anything else, so a certificate another replica (or an earlier life
//!   of this one) landed is marked mined, not sent again.
//! - Write-ahead: a transaction is signed locally, its hash and nonce are recorded as
//!   [`StateUpdate::Submitted`], and only then is it broadcast. A submitter that dies at any
//!   instant leaves behind either nothing sent, or a hash the next holder can look up: mined,
//!   pending (wait, then replace it with the same nonce and higher fees), or unknown to the node
//!   (never broadcast, or dropped: send again).
//!
//! # Confirmations and reorgs
//!
//! A certificate is marked mined only once its transaction's block is `confirmations` deep.
//! Until then it stays submitted and is re-checked; a transaction that a reorg sends back to the
//! pool is just pending again, and one that vanishes is sent again.

use std::{fmt, future::Future, time::Instant};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::{Filter, TransactionReceipt},
    sol_types::{SolCall, SolEvent},
};
use tracing::{debug, info, warn};
use vigil_chain::{
    bindings::VigilVerifier::{self, VigilVerifierErrors},
    checkpoint_sol,
    logs::{DEFAULT_MAX_LOG_RANGE, SearchOrder, find_logs_chunked},
};
use vigil_crypto::{PublicKey, Signature};
use vigil_service::{
    db::now_ms,
    outbox::{
        Call, Check, Job, Lease, OutboxError, Revert, SentTx, Step, Tracked, TxConfig, TxManager,
        release_own_leases,
    },
};
use vigil_types::Certificate;

use crate::store::{CertState, CertificateRecord, StateUpdate, Store, StoreError};

/// Log target of the submitter.
const TARGET: &str = "vigil::aggregator";

/// Passes (one `poll` apart) that may find the verifier's record without the log of the
/// transaction that made it, before the submitter settles for the record alone.
const LOG_MISSES: u32 = 3;

/// How a [`CertificateSubmitter`] works: the kernel's outbox policy as it is (its lease,
/// poll, fee policy and `confirmations`, the blocks that must follow the one that mined the
/// transaction before the certificate counts as mined).
pub type SubmitterConfig = TxConfig;

/// What one [`CertificateSubmitter::step`] did with the certificate it claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Our transaction was mined and is `confirmations` deep: the verifier recorded the
    /// checkpoint. The certificate is now in state mined.
    Mined {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// The transaction (the last replacement, if any).
        tx_hash: B256,
        /// The block that mined it.
        block_number: u64,
        /// Gas it used.
        gas_used: u64,
    },
    /// The verifier had already recorded this block, through a transaction this submitter did
    /// not track: nothing was sent. The certificate is now in state mined, with gas 0.
    AlreadyRecorded {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// The transaction that recorded it, if its log was found.
        tx_hash: Option<B256>,
        /// The block that recorded it (the head when no log was found).
        block_number: u64,
    },
    /// Given up: the verifier refuses the certificate for good (its decoded error is in
    /// `reason`), or `max_attempts` transactions did not land it. The certificate is now in
    /// state failed.
    Failed {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// Not settled before the lease ran out (a transaction is pending or lacks confirmations,
    /// or the verifier says "not yet"); the next claim carries on.
    Pending {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
    },
}

/// What can stop a [`CertificateSubmitter::step`]. The certificate keeps its state and its
/// lease, and is claimed again once the lease expires.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The store failed.
    #[error("certificate store: {0}")]
    Store(#[source] StoreError),
    /// Another submitter holds the certificate now (our lease expired): we stopped touching it.
    #[error("lost the lease on the certificate for rollup {rollup_id} at height {height}")]
    LeaseLost {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
    },
    /// The outbox failed: the node failed or refused a request, the transaction could not be
    /// signed, or the node serves another chain.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The certificate was made for another verifier or chain than this submitter's: it is left
    /// for a submitter configured for its domain.
    #[error(
        "certificate for chain {chain_id} verifier {verifier}, but this submitter sends to chain {our_chain_id} verifier {our_verifier}"
    )]
    WrongDomain {
        /// The certificate's chain.
        chain_id: u64,
        /// The certificate's verifier.
        verifier: Address,
        /// This submitter's chain.
        our_chain_id: u64,
        /// This submitter's verifier.
        our_verifier: Address,
    },
}

impl From<StoreError> for SubmitError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::LeaseLost { rollup_id, height, .. } => {
                Self::LeaseLost { rollup_id, height }
            }
            other => Self::Store(other),
        }
    }
}

/// Sends certificates from a [`Store`] to the verifier contract; see the module docs.
///
/// `provider` reads the chain and broadcasts; `wallet` signs (locally, so the transaction's hash
/// is recorded before it is broadcast). Its key should be used by this replica alone: replicas
/// sharing a key compete for nonces, which costs replacements and resends (never a second
/// record, which the verifier refuses anyway).
pub struct CertificateSubmitter<P> {
    store: Store,
    tx: TxManager<P>,
    verifier: Address,
    /// Most blocks per `eth_getLogs` request.
    max_log_range: u64,
}

impl<P> fmt::Debug for CertificateSubmitter<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The manager holds the key: it never prints it.
        f.debug_struct("CertificateSubmitter")
            .field("tx", &self.tx)
            .field("verifier", &self.verifier)
            .field("max_log_range", &self.max_log_range)
            .finish_non_exhaustive()
    }
}

/// A claimed certificate, as far as this submitter has taken it.
#[derive(Debug)]
struct Claim {
    rollup_id: u64,
    height: u64,
    certificate: Certificate,
    /// `keccak256(blockHash ‖ stateRoot)`: what the verifier judges conflicts on.
    block_id: B256,
    state: CertState,
    tx_hash: Option<B256>,
    attempts: u32,
    /// When the last transaction was recorded as submitted (unix ms).
    submitted_at_ms: u64,
    /// Passes that found the verifier's record but not the log of the transaction behind it.
    log_misses: u32,
}

impl Claim {
    fn new(record: CertificateRecord) -> Self {
        let cp = &record.certificate.checkpoint;
        let block_id = keccak256([cp.block_hash.0, cp.state_root.0].concat());
        Self {
            rollup_id: cp.rollup_id,
            height: cp.height,
            block_id,
            certificate: record.certificate,
            state: record.state,
            tx_hash: record.tx_hash,
            attempts: record.attempts,
            submitted_at_ms: record.updated_at_ms,
            log_misses: 0,
        }
    }

    fn pending(&self) -> Outcome {
        Outcome::Pending { rollup_id: self.rollup_id, height: self.height }
    }

    fn failed(&self, reason: String) -> Outcome {
        Outcome::Failed { rollup_id: self.rollup_id, height: self.height, reason }
    }
}

/// The result of one look at a claimed certificate.
enum Pass {
    /// Settled (mined or failed) in the store.
    Done(Outcome),
    /// Look again after `poll`.
    Wait,
}

/// A claimed certificate as the outbox's [`Job`].
struct CertJob<'a, P> {
    submitter: &'a CertificateSubmitter<P>,
    claim: &'a mut Claim,
}

impl<P: Provider> Job for CertJob<'_, P> {
    type Outcome = Outcome;
    type Error = SubmitError;

    fn tracked(&self) -> Tracked {
        let tx_hash = match self.claim.state {
            CertState::Submitted => self.claim.tx_hash,
            _ => None,
        };
        Tracked {
            tx_hash,
            attempts: self.claim.attempts,
            submitted_at_ms: self.claim.submitted_at_ms,
        }
    }

    async fn check(
        &mut self,
        ours: Option<&TransactionReceipt>,
    ) -> Result<Check<Outcome>, SubmitError> {
        self.submitter.check(self.claim, ours).await
    }

    fn classify(&self, _call: &Call, revert: Option<&[u8]>) -> Revert {
        let Some((name, detail)) = revert.and_then(decode_revert) else {
            return Revert::Unknown;
        };
        if name == "L1BlockInFuture" {
            debug!(target: TARGET, rollup = self.claim.rollup_id, height = self.claim.height, reason = %detail, "verifier not ready for the certificate yet");
            Revert::NotYet(detail)
        } else {
            Revert::Permanent(detail)
        }
    }

    async fn record_sent(&mut self, tx: SentTx, now_ms: u64) -> Result<(), SubmitError> {
        let update = StateUpdate::Submitted { tx_hash: tx.tx_hash, nonce: tx.nonce };
        self.submitter.update(self.claim, update, now_ms).await?;
        self.claim.tx_hash = Some(tx.tx_hash);
        self.claim.attempts = self.claim.attempts.saturating_add(1);
        self.claim.submitted_at_ms = now_ms;
        Ok(())
    }

    async fn fail(&mut self, reason: String) -> Result<Outcome, SubmitError> {
        match self.submitter.fail(self.claim, reason).await? {
            Pass::Done(outcome) => Ok(outcome),
            Pass::Wait => Ok(self.claim.pending()),
        }
    }

    fn label(&self) -> String {
        format!("certificate rollup {} height {}", self.claim.rollup_id, self.claim.height)
    }
}

impl<P: Provider> CertificateSubmitter<P> {
    /// A submitter sending to `verifier` through `provider`, signing with `wallet`'s default
    /// signer.
    pub fn new(
        store: Store,
        provider: P,
        wallet: EthereumWallet,
        verifier: Address,
        config: SubmitterConfig,
    ) -> Self {
        // The chain is the one the node serves; each certificate's domain is checked against it.
        let tx = TxManager::new(provider, wallet, config, None);
        Self { store, tx, verifier, max_log_range: DEFAULT_MAX_LOG_RANGE }
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

    /// The configuration.
    pub fn config(&self) -> &SubmitterConfig {
        self.tx.config()
    }

    /// Submits certificates until `shutdown` completes. See [`Self::run_with`].
    pub async fn run<F: Future>(self, shutdown: F) {
        self.run_with(shutdown, |_| {}).await;
    }

    /// Submits certificates until `shutdown` completes, handing every [`Outcome`] to
    /// `on_outcome` (to count it). Errors are logged and retried after `poll`.
    ///
    /// Stopping in the middle of a step is safe: see the module docs.
    pub async fn run_with<F: Future>(self, shutdown: F, mut on_outcome: impl FnMut(&Outcome)) {
        tokio::pin!(shutdown);
        info!(target: TARGET, owner = %self.config().owner, sender = %self.sender(), verifier = %self.verifier, "certificate submitter started");
        loop {
            let idle = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                step = self.step() => match step {
                    Ok(Some(outcome)) => {
                        on_outcome(&outcome);
                        false
                    }
                    Ok(None) => true,
                    Err(err) => {
                        warn!(target: TARGET, owner = %self.config().owner, %err, "certificate submission step failed");
                        true
                    }
                },
            };
            if idle {
                tokio::select! {
                    biased;
                    _ = &mut shutdown => break,
                    () = tokio::time::sleep(self.config().poll) => {}
                }
            }
        }
        let owner = &self.config().owner;
        release_own_leases(owner, self.store.release_all(owner)).await;
        info!(target: TARGET, owner = %self.config().owner, "certificate submitter stopped");
    }

    /// Claims the oldest certificate that needs work, if any, and works on it until it is
    /// settled or the lease is nearly over. `Ok(None)`: nothing to do.
    pub async fn step(&self) -> Result<Option<Outcome>, SubmitError> {
        let started = Instant::now();
        let Some(record) =
            self.store.claim_next(&self.config().owner, self.config().lease, now_ms()).await?
        else {
            return Ok(None);
        };
        let lease = Lease::new(&self.config().owner, self.config().lease, started);
        let mut claim = Claim::new(record);
        self.check_domain(&claim).await?;
        debug!(target: TARGET, rollup = claim.rollup_id, height = claim.height, state = %claim.state, attempts = claim.attempts, "working on certificate");
        loop {
            if let Pass::Done(outcome) = self.pass(&mut claim, &lease).await? {
                return Ok(Some(outcome));
            }
            if lease.nearly_over(self.config().poll) {
                debug!(target: TARGET, rollup = claim.rollup_id, height = claim.height, state = %claim.state, "lease nearly over; leaving it for the next claim");
                return Ok(Some(claim.pending()));
            }
            tokio::time::sleep(self.config().poll).await;
        }
    }

    /// Refuses to work on a certificate signed for another verifier or chain.
    async fn check_domain(&self, claim: &Claim) -> Result<(), SubmitError> {
        let domain = &claim.certificate.domain;
        let chain_id = self.tx.chain_id().await?;
        if domain.verifier != self.verifier || domain.l1_chain_id != chain_id {
            return Err(SubmitError::WrongDomain {
                chain_id: domain.l1_chain_id,
                verifier: domain.verifier,
                our_chain_id: chain_id,
                our_verifier: self.verifier,
            });
        }
        Ok(())
    }

    /// One look at the certificate, through the outbox: the chain first, then our transaction,
    /// then (if needed) a new or replacement transaction.
    async fn pass(&self, claim: &mut Claim, lease: &Lease) -> Result<Pass, SubmitError> {
        let (rollup_id, height) = (claim.rollup_id, claim.height);
        let mut job = CertJob { submitter: self, claim };
        match self.tx.step(&mut job, lease).await? {
            Step::Done(outcome) => Ok(Pass::Done(outcome)),
            Step::Wait => Ok(Pass::Wait),
            Step::Sent(sent) => {
                if let Some(old) = sent.replaced {
                    info!(target: TARGET, rollup = rollup_id, height, tx = %old.tx_hash, nonce = sent.nonce, old_max_fee = old.max_fee, max_fee = sent.max_fee, "transaction pending too long; replacing it with higher fees");
                }
                match sent.broadcast_error {
                    None => {
                        info!(target: TARGET, rollup = rollup_id, height, tx = %sent.tx_hash, nonce = sent.nonce, gas = sent.gas, max_fee = sent.max_fee, attempt = sent.attempt, "certificate transaction sent");
                    }
                    Some(err) => {
                        // The next pass finds it pending or mined, or unknown and sends again.
                        warn!(target: TARGET, rollup = rollup_id, height, tx = %sent.tx_hash, %err, "broadcasting the certificate transaction failed");
                    }
                }
                Ok(Pass::Wait)
            }
        }
    }

    /// The chain first: the verifier's record of `(rollupId, height)`. `receipt` is our
    /// transaction's, read before the record so that if it is mined the record shows it.
    async fn check(
        &self,
        claim: &mut Claim,
        receipt: Option<&TransactionReceipt>,
    ) -> Result<Check<Outcome>, SubmitError> {
        let verifier = VigilVerifier::new(self.verifier, self.tx.provider());
        let recorded = verifier
            .record(claim.rollup_id, claim.height)
            .call()
            .await
            .map_err(OutboxError::rpc("VigilVerifier.record"))?;
        if recorded.blockId != B256::ZERO {
            return Ok(match self.recorded(claim, recorded.blockId, receipt.cloned()).await? {
                Pass::Done(outcome) => Check::Done(outcome),
                Pass::Wait => Check::Wait,
            });
        }
        if claim.state == CertState::Submitted && receipt.is_some_and(|r| r.status()) {
            // Mined, yet not recorded: reorged out since; look again.
            return Ok(Check::Wait);
        }
        let Some(cert) = self.solidity_certificate(claim) else {
            let reason = "malformed certificate: a non-signer key or the signature does not \
                          decode"
                .to_owned();
            return Ok(match self.fail(claim, reason).await? {
                Pass::Done(outcome) => Check::Done(outcome),
                Pass::Wait => Check::Wait,
            });
        };
        let input = VigilVerifier::submitCertificateCall { cert }.abi_encode();
        Ok(Check::Send(Call { to: self.verifier, input: input.into() }))
    }

    /// The verifier has a record for `(rollupId, height)` with `block_id`.
    async fn recorded(
        &self,
        claim: &mut Claim,
        block_id: B256,
        receipt: Option<TransactionReceipt>,
    ) -> Result<Pass, SubmitError> {
        if block_id != claim.block_id {
            let reason = format!(
                "ConflictingCheckpoint: the verifier recorded block id {block_id} at this height, \
                 the certificate has {}",
                claim.block_id
            );
            return self.fail(claim, reason).await;
        }
        let head = self
            .tx
            .provider()
            .get_block_number()
            .await
            .map_err(OutboxError::rpc("eth_blockNumber"))?;
        let mut ours = receipt.filter(|r| self.certified_in(r));
        let found = match ours {
            Some(_) => None,
            None => self.find_recording(claim, head).await?,
        };
        if ours.is_none()
            && let Some((tx, _)) = found
        {
            // Our key's all the same: the original of a replacement we recorded, say.
            let receipt = self
                .tx
                .provider()
                .get_transaction_receipt(tx)
                .await
                .map_err(OutboxError::rpc("eth_getTransactionReceipt"))?;
            ours = receipt.filter(|r| r.from == self.tx.sender() && self.certified_in(r));
        }
        if let Some(receipt) = ours {
            let block_number = receipt.block_number.unwrap_or(head);
            if head.saturating_sub(block_number) < self.config().confirmations {
                debug!(target: TARGET, rollup = claim.rollup_id, height = claim.height, block = block_number, head, "waiting for confirmations");
                return Ok(Pass::Wait);
            }
            let (tx_hash, gas_used) = (receipt.transaction_hash, receipt.gas_used);
            self.update(claim, StateUpdate::Mined { tx_hash, block_number, gas_used }, now_ms())
                .await?;
            info!(target: TARGET, rollup = claim.rollup_id, height = claim.height, tx = %tx_hash, block = block_number, gas_used, "certificate mined");
            return Ok(Pass::Done(Outcome::Mined {
                rollup_id: claim.rollup_id,
                height: claim.height,
                tx_hash,
                block_number,
                gas_used,
            }));
        }
        // Someone else's transaction (another replica, anyone).
        let (tx_hash, block_number) = match found {
            Some((tx, block)) => {
                if head.saturating_sub(block) < self.config().confirmations {
                    return Ok(Pass::Wait);
                }
                (Some(tx), block)
            }
            None => {
                // The record is visible but not its log: a node may serve a new block's state
                // a moment before its logs (anvil does), or refuse the range. Look a few more
                // times; then go by the record, read at the head, with no block to count
                // confirmations from.
                if claim.log_misses < LOG_MISSES {
                    claim.log_misses = claim.log_misses.saturating_add(1);
                    return Ok(Pass::Wait);
                }
                (None, head)
            }
        };
        let stored_hash = tx_hash.or(claim.tx_hash).unwrap_or_default();
        let update = StateUpdate::Mined { tx_hash: stored_hash, block_number, gas_used: 0 };
        self.update(claim, update, now_ms()).await?;
        info!(target: TARGET, rollup = claim.rollup_id, height = claim.height, tx = ?tx_hash, block = block_number, "certificate already recorded on chain; nothing sent");
        Ok(Pass::Done(Outcome::AlreadyRecorded {
            rollup_id: claim.rollup_id,
            height: claim.height,
            tx_hash,
            block_number,
        }))
    }

    /// Whether `receipt` is of a successful transaction in which the verifier recorded a
    /// checkpoint (a later one for the same block succeeds too, as a no-op without the event).
    fn certified_in(&self, receipt: &TransactionReceipt) -> bool {
        receipt.status()
            && receipt.inner.logs().iter().any(|log| {
                log.address() == self.verifier
                    && log.topic0() == Some(&VigilVerifier::CheckpointCertified::SIGNATURE_HASH)
            })
    }

    /// The transaction and block of the verifier's `CheckpointCertified` log for the claim,
    /// searched from the checkpoint's `l1Block` (it cannot be recorded earlier) up to `head`, in
    /// chunks of `max_log_range` blocks, oldest first: the verifier takes a certificate only
    /// within `maxCertificateAge` blocks of its `l1Block`, so the log is in the first chunks.
    async fn find_recording(
        &self,
        claim: &Claim,
        head: u64,
    ) -> Result<Option<(B256, u64)>, SubmitError> {
        let filter = Filter::new()
            .address(self.verifier)
            .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH)
            .topic1(B256::from(U256::from(claim.rollup_id)))
            .topic2(B256::from(U256::from(claim.height)));
        let found = find_logs_chunked(
            self.tx.provider(),
            &filter,
            claim.certificate.checkpoint.l1_block,
            head,
            self.max_log_range,
            SearchOrder::OldestFirst,
        )
        .await;
        let logs = match found {
            Ok(logs) => logs,
            Err(err) => {
                // The record itself is what matters; the log only adds the transaction.
                warn!(target: TARGET, rollup = claim.rollup_id, height = claim.height, %err, "cannot search the CheckpointCertified log");
                return Ok(None);
            }
        };
        Ok(logs
            .iter()
            .filter(|log| !log.removed)
            .find_map(|log| Some((log.transaction_hash?, log.block_number?))))
    }

    async fn fail(&self, claim: &mut Claim, reason: String) -> Result<Pass, SubmitError> {
        self.update(claim, StateUpdate::Failed { reason: reason.clone() }, now_ms()).await?;
        warn!(target: TARGET, rollup = claim.rollup_id, height = claim.height, %reason, "certificate failed");
        Ok(Pass::Done(claim.failed(reason)))
    }

    /// A state change under the lease (the store refuses it to anyone but the holder).
    async fn update(
        &self,
        claim: &mut Claim,
        update: StateUpdate,
        now_ms: u64,
    ) -> Result<(), SubmitError> {
        let state = update.state();
        self.store
            .update_state(claim.rollup_id, claim.height, &self.config().owner, update, now_ms)
            .await?;
        claim.state = state;
        Ok(())
    }

    /// The certificate as the verifier takes it, or `None` if a key or the signature does not
    /// decode.
    fn solidity_certificate(&self, claim: &Claim) -> Option<VigilVerifier::Certificate> {
        let cert = &claim.certificate;
        let non_signers = cert
            .non_signers
            .iter()
            .map(PublicKey::from_wire)
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let signature = Signature::from_wire(&cert.aggregate_signature).ok()?;
        Some(VigilVerifier::Certificate {
            checkpoint: checkpoint_sol(&cert.checkpoint),
            nonSignerPubkeys: vigil_chain::non_signer_bytes(&non_signers),
            signature: Bytes::from(signature.to_eip2537().to_vec()),
        })
    }
}

/// A verifier revert as `(error name, "Name(fields)")`, if the data is one of its errors (also
/// the batch submitter's).
pub(crate) fn decode_revert(data: &[u8]) -> Option<(&'static str, String)> {
    use VigilVerifierErrors as E;
    vigil_service::outbox::decode_revert(data, E::name_by_selector, |name, e: E| {
        Some(match e {
            E::InsufficientStake(e) => format!(
                "{name}(signedWeight {}, totalWeight {}, thresholdBps {})",
                e.signedWeight, e.totalWeight, e.thresholdBps
            ),
            E::ConflictingCheckpoint(e) => format!(
                "{name}(recordedBlockId {}, givenBlockId {})",
                e.recordedBlockId, e.givenBlockId
            ),
            E::L1BlockTooOld(e) => format!("{name}(l1Block {}, maxAge {})", e.l1Block, e.maxAge),
            E::L1BlockInFuture(e) => format!("{name}(l1Block {})", e.l1Block),
            E::NonSignerNotInSet(e) => format!("{name}(keyHash {})", e.keyHash),
            E::UnknownKey(e) => format!("{name}(keyHash {})", e.keyHash),
            E::NoSnapshotAt(e) => format!("{name}(blockNumber {})", e.blockNumber),
            _ => return None,
        })
    })
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolError;

    use super::*;

    #[test]
    fn decodes_verifier_errors_by_name() {
        let data = VigilVerifier::InsufficientStake {
            signedWeight: U256::from(2),
            totalWeight: U256::from(4),
            thresholdBps: U256::from(6667),
        }
        .abi_encode();
        let (name, detail) = decode_revert(&data).unwrap_or_default();
        assert_eq!(name, "InsufficientStake");
        assert!(detail.contains("InsufficientStake") && detail.contains("6667"), "{detail}");
        assert!(decode_revert(&[0xde, 0xad, 0xbe, 0xef]).is_none());
        assert!(decode_revert(&[1]).is_none());
    }
}
