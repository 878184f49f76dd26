//! Submitting stored batch certificates (`VIGIL_BATCH_V1`) to the verifier and following them
//! until mined, with the same guarantees as [`crate::submit`]: a lease per certificate, the
//! chain first (the root's record in `VigilBatchRoots`), write-ahead, fee bumps and resends
//! through the kernel's outbox, and confirmations.
//!
//! One batch certificate is worked on at a time, oldest range first, and a step ends once its
//! transaction is mined (its confirmations are counted on a later claim, once its lease lapses,
//! so the next range's transaction can go into the next block): at most one batch certificate
//! transaction is in flight, and at most one lands per L1 block. A root recorded by someone
//! else's transaction is confirmed the same way, by its log's block. Building certificates does
//! not wait on submission ([`crate::batch`] builds them as rounds reach quorum), and a range
//! that never reaches quorum has no certificate, so it never holds back the next.

use std::{fmt, time::Instant};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes},
    providers::Provider,
    rpc::types::{Filter, TransactionReceipt},
    sol_types::SolEvent,
};
use tracing::{debug, info, warn};
use vigil_chain::{
    bindings::{VigilBatchRoots, VigilVerifier},
    logs::{DEFAULT_MAX_LOG_RANGE, SearchOrder, find_logs_chunked},
};
use vigil_crypto::{PublicKey, Signature};
use vigil_service::{
    db::now_ms,
    outbox::{
        Call, Check, Job, Lease, OutboxError, Revert, SentTx, Step, Tracked, TxManager,
        release_own_leases,
    },
};

use crate::{
    store::{BatchCertificateRecord, CertState, StateUpdate, Store, StoreError},
    submit::{SubmitterConfig, decode_revert},
};

const TARGET: &str = "vigil::aggregator::batch";

/// Passes (one `poll` apart) that may find the root recorded without the log of the
/// transaction that recorded it, before the submitter settles for the record alone.
const LOG_MISSES: u32 = 3;

/// What one [`BatchSubmitter::step`] did with the batch certificate it claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Our transaction was mined and is `confirmations` deep: the root is recorded.
    Mined {
        /// The batch's digest.
        digest: B256,
        /// Its checkpoints.
        leaves: u32,
        /// The transaction.
        tx_hash: B256,
        /// The block that mined it.
        block_number: u64,
        /// Gas it used.
        gas_used: u64,
    },
    /// The root was recorded already, by a transaction this submitter did not track: nothing
    /// was sent.
    AlreadyRecorded {
        /// The batch's digest.
        digest: B256,
        /// The head when it was found recorded.
        block_number: u64,
    },
    /// Given up: the verifier refuses it for good, or `max_attempts` transactions did not
    /// land it.
    Failed {
        /// The batch's digest.
        digest: B256,
        /// Why.
        reason: String,
    },
    /// Not settled before the lease ran out; the next claim carries on.
    Pending {
        /// The batch's digest.
        digest: B256,
    },
}

/// What can stop a [`BatchSubmitter::step`]; the certificate keeps its state and lease.
#[derive(Debug, thiserror::Error)]
pub enum BatchSubmitError {
    /// The store failed, or our lease is gone.
    #[error("batch certificate store: {0}")]
    Store(#[from] StoreError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The certificate was made for another verifier or chain.
    #[error("batch certificate for chain {chain_id} verifier {verifier}, not this submitter's")]
    WrongDomain {
        /// The certificate's chain.
        chain_id: u64,
        /// The certificate's verifier.
        verifier: Address,
    },
}

/// Sends batch certificates from a [`Store`] to the verifier; see the module docs.
pub struct BatchSubmitter<P> {
    store: Store,
    tx: TxManager<P>,
    verifier: Address,
    roots: Address,
}

impl<P> fmt::Debug for BatchSubmitter<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchSubmitter")
            .field("tx", &self.tx)
            .field("verifier", &self.verifier)
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

struct Claim {
    record: BatchCertificateRecord,
    submitted_at_ms: u64,
    /// Passes that found the root recorded but not the log of the transaction behind it.
    log_misses: u32,
    /// Our transaction is mined and waits for its confirmations: the step hands the next
    /// range its turn (the lease keeps this one until it is confirmed on a later claim).
    confirming: bool,
}

impl Claim {
    fn digest(&self) -> B256 {
        self.record.digest
    }
}

struct BatchJob<'a, P> {
    submitter: &'a BatchSubmitter<P>,
    claim: &'a mut Claim,
}

impl<P: Provider> Job for BatchJob<'_, P> {
    type Outcome = BatchOutcome;
    type Error = BatchSubmitError;

    fn tracked(&self) -> Tracked {
        let r = &self.claim.record;
        Tracked {
            tx_hash: if r.state == CertState::Submitted { r.tx_hash } else { None },
            attempts: r.attempts,
            submitted_at_ms: self.claim.submitted_at_ms,
        }
    }

    async fn check(
        &mut self,
        ours: Option<&TransactionReceipt>,
    ) -> Result<Check<BatchOutcome>, BatchSubmitError> {
        self.submitter.check(self.claim, ours).await
    }

    fn classify(&self, _call: &Call, revert: Option<&[u8]>) -> Revert {
        let Some((name, detail)) = revert.and_then(decode_revert) else {
            return Revert::Unknown;
        };
        if name == "L1BlockInFuture" { Revert::NotYet(detail) } else { Revert::Permanent(detail) }
    }

    async fn record_sent(&mut self, tx: SentTx, now_ms: u64) -> Result<(), BatchSubmitError> {
        let update = StateUpdate::Submitted { tx_hash: tx.tx_hash, nonce: tx.nonce };
        self.submitter.update(self.claim, update, now_ms).await?;
        self.claim.record.tx_hash = Some(tx.tx_hash);
        self.claim.record.attempts = self.claim.record.attempts.saturating_add(1);
        self.claim.submitted_at_ms = now_ms;
        Ok(())
    }

    async fn fail(&mut self, reason: String) -> Result<BatchOutcome, BatchSubmitError> {
        Ok(self.submitter.fail(self.claim, reason).await?)
    }

    fn label(&self) -> String {
        format!("batch certificate {}", self.claim.digest())
    }
}

impl<P: Provider> BatchSubmitter<P> {
    /// A submitter sending to `verifier` (whose roots contract is `roots`) through
    /// `provider`, signing with `wallet`. Run it in the same task as the single-checkpoint
    /// submitter of the same key (see [`crate::runner`]): two senders of one key race for
    /// nonces.
    pub fn new(
        store: Store,
        provider: P,
        wallet: EthereumWallet,
        verifier: Address,
        roots: Address,
        config: SubmitterConfig,
    ) -> Self {
        Self { store, tx: TxManager::new(provider, wallet, config, None), verifier, roots }
    }

    /// The configuration.
    pub fn config(&self) -> &SubmitterConfig {
        self.tx.config()
    }

    /// Gives up every lease this submitter's owner holds (at start and at stop).
    pub async fn release_leases(&self) {
        let owner = &self.config().owner;
        release_own_leases(owner, self.store.release_all_batches(owner)).await;
    }

    /// Claims the batch certificate of the oldest range that needs work, if any, and works on
    /// it until it is settled or the lease is nearly over. `Ok(None)`: nothing to do.
    pub async fn step(&self) -> Result<Option<BatchOutcome>, BatchSubmitError> {
        let started = Instant::now();
        let config = self.config();
        let Some(record) =
            self.store.claim_next_batch(&config.owner, config.lease, now_ms()).await?
        else {
            return Ok(None);
        };
        let lease = Lease::new(&config.owner, config.lease, started);
        let domain = record.certificate.domain;
        let chain_id = self.tx.chain_id().await?;
        if domain.verifier != self.verifier || domain.l1_chain_id != chain_id {
            return Err(BatchSubmitError::WrongDomain {
                chain_id: domain.l1_chain_id,
                verifier: domain.verifier,
            });
        }
        let submitted_at_ms = record.updated_at_ms;
        let mut claim = Claim { record, submitted_at_ms, log_misses: 0, confirming: false };
        debug!(target: TARGET, digest = %claim.digest(), state = %claim.record.state, "working on batch certificate");
        loop {
            let mut job = BatchJob { submitter: self, claim: &mut claim };
            match self.tx.step(&mut job, &lease).await? {
                Step::Done(outcome) => return Ok(Some(outcome)),
                Step::Wait if claim.confirming => {
                    // Mined: the next range may go into the next block; this one is confirmed
                    // once its lease lapses and it is claimed again.
                    debug!(target: TARGET, digest = %claim.digest(), "batch certificate mined; confirming it later");
                    return Ok(Some(BatchOutcome::Pending { digest: claim.digest() }));
                }
                Step::Wait => {}
                Step::Sent(sent) => match sent.broadcast_error {
                    None => {
                        info!(target: TARGET, digest = %claim.digest(), leaves = claim.record.certificate.header.leaf_count, tx = %sent.tx_hash, nonce = sent.nonce, gas = sent.gas, attempt = sent.attempt, "batch certificate transaction sent");
                        crate::metrics::batch_event("submitted");
                    }
                    Some(err) => {
                        warn!(target: TARGET, digest = %claim.digest(), tx = %sent.tx_hash, %err, "broadcasting the batch certificate transaction failed");
                    }
                },
            }
            if lease.nearly_over(config.poll) {
                return Ok(Some(BatchOutcome::Pending { digest: claim.digest() }));
            }
            tokio::time::sleep(config.poll).await;
        }
    }

    /// The chain first: whether the root is recorded in `VigilBatchRoots`.
    async fn check(
        &self,
        claim: &mut Claim,
        receipt: Option<&TransactionReceipt>,
    ) -> Result<Check<BatchOutcome>, BatchSubmitError> {
        let header = claim.record.certificate.header;
        let roots = VigilBatchRoots::new(self.roots, self.tx.provider());
        let stake = roots
            .batchCertifiedStake(header.root)
            .call()
            .await
            .map_err(OutboxError::rpc("VigilBatchRoots.batchCertifiedStake"))?;
        if !stake.totalWeight.is_zero() {
            let head = self
                .tx
                .provider()
                .get_block_number()
                .await
                .map_err(OutboxError::rpc("eth_blockNumber"))?;
            // Not the receipt we tracked (read a moment before its block, or the original of
            // a replacement that was mined instead): the transaction behind the root's log.
            let mut ours = receipt.filter(|r| self.certified_in(r)).cloned();
            let found = match ours {
                Some(_) => None,
                None => self.find_recording(&header, head).await?,
            };
            if ours.is_none()
                && let Some((tx, _)) = found
            {
                ours = self
                    .tx
                    .provider()
                    .get_transaction_receipt(tx)
                    .await
                    .map_err(OutboxError::rpc("eth_getTransactionReceipt"))?
                    .filter(|r| r.from == self.tx.sender() && self.certified_in(r));
            }
            if let Some(r) = ours {
                let block_number = r.block_number.unwrap_or(head);
                if head.saturating_sub(block_number) < self.config().confirmations {
                    claim.confirming = true;
                    return Ok(Check::Wait);
                }
                let (tx_hash, gas_used) = (r.transaction_hash, r.gas_used);
                self.update(
                    claim,
                    StateUpdate::Mined { tx_hash, block_number, gas_used },
                    now_ms(),
                )
                .await?;
                info!(target: TARGET, digest = %claim.digest(), leaves = header.leaf_count, tx = %tx_hash, block = block_number, gas_used, "batch certificate mined");
                return Ok(Check::Done(BatchOutcome::Mined {
                    digest: claim.digest(),
                    leaves: header.leaf_count,
                    tx_hash,
                    block_number,
                    gas_used,
                }));
            }
            // Someone else's transaction (another replica, anyone): confirmed like ours.
            let (tx_hash, block_number) = match found {
                Some((tx, block)) => {
                    if head.saturating_sub(block) < self.config().confirmations {
                        claim.confirming = true;
                        return Ok(Check::Wait);
                    }
                    (Some(tx), block)
                }
                None => {
                    // The record is visible but not its log (a node may serve a block's state a
                    // moment before its logs, or refuse the range): look a few more times, then
                    // go by the record, read at the head.
                    if claim.log_misses < LOG_MISSES {
                        claim.log_misses = claim.log_misses.saturating_add(1);
                        return Ok(Check::Wait);
                    }
                    (None, head)
                }
            };
            let stored = tx_hash.or(claim.record.tx_hash).unwrap_or_default();
            let update = StateUpdate::Mined { tx_hash: stored, block_number, gas_used: 0 };
            self.update(claim, update, now_ms()).await?;
            info!(target: TARGET, digest = %claim.digest(), tx = ?tx_hash, block = block_number, "batch root already recorded on chain by a transaction not ours; nothing sent");
            return Ok(Check::Done(BatchOutcome::AlreadyRecorded {
                digest: claim.digest(),
                block_number,
            }));
        }
        if claim.record.state == CertState::Submitted && receipt.is_some_and(|r| r.status()) {
            // Mined, yet not recorded: reorged out since; look again.
            return Ok(Check::Wait);
        }
        let Some(cert) = solidity_certificate(&claim.record) else {
            let reason = "malformed batch certificate: a non-signer key or the signature does \
                          not decode"
                .to_owned();
            return Ok(Check::Done(self.fail(claim, reason).await?));
        };
        let input =
            alloy::sol_types::SolCall::abi_encode(&VigilVerifier::submitBatchCertificateCall {
                cert,
            });
        Ok(Check::Send(Call { to: self.verifier, input: input.into() }))
    }

    /// The transaction and block of `header.root`'s `BatchCertified` log, searched from
    /// `toL1Block` (the root cannot be recorded earlier) to `head`. A failed search is `None`
    /// (the record is what matters; [`LOG_MISSES`] bounds the retries).
    async fn find_recording(
        &self,
        header: &vigil_types::BatchHeader,
        head: u64,
    ) -> Result<Option<(B256, u64)>, BatchSubmitError> {
        let filter = Filter::new()
            .address(self.verifier)
            .event_signature(VigilVerifier::BatchCertified::SIGNATURE_HASH)
            .topic1(header.root);
        let logs = match find_logs_chunked(
            self.tx.provider(),
            &filter,
            header.to_l1_block,
            head,
            DEFAULT_MAX_LOG_RANGE,
            SearchOrder::OldestFirst,
        )
        .await
        {
            Ok(logs) => logs,
            Err(err) => {
                warn!(target: TARGET, root = %header.root, %err, "cannot search the BatchCertified log");
                return Ok(None);
            }
        };
        Ok(logs
            .iter()
            .filter(|l| !l.removed)
            .find_map(|l| Some((l.transaction_hash?, l.block_number?))))
    }

    fn certified_in(&self, receipt: &TransactionReceipt) -> bool {
        receipt.status()
            && receipt.inner.logs().iter().any(|log| {
                log.address() == self.verifier
                    && log.topic0() == Some(&VigilVerifier::BatchCertified::SIGNATURE_HASH)
            })
    }

    async fn fail(&self, claim: &mut Claim, reason: String) -> Result<BatchOutcome, StoreError> {
        self.update(claim, StateUpdate::Failed { reason: reason.clone() }, now_ms()).await?;
        warn!(target: TARGET, digest = %claim.digest(), %reason, "batch certificate failed");
        Ok(BatchOutcome::Failed { digest: claim.digest(), reason })
    }

    async fn update(
        &self,
        claim: &mut Claim,
        update: StateUpdate,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let state = update.state();
        self.store.update_batch_state(claim.digest(), &self.config().owner, update, now_ms).await?;
        claim.record.state = state;
        Ok(())
    }
}

/// The certificate as the verifier takes it, or `None` if a key or the signature does not
/// decode.
fn solidity_certificate(
    record: &BatchCertificateRecord,
) -> Option<VigilVerifier::BatchCertificate> {
    let cert = &record.certificate;
    let non_signers =
        cert.non_signers.iter().map(PublicKey::from_wire).collect::<Result<Vec<_>, _>>().ok()?;
    let signature = Signature::from_wire(&cert.aggregate_signature).ok()?;
    let h = cert.header;
    Some(VigilVerifier::BatchCertificate {
        header: VigilVerifier::BatchHeader {
            root: h.root,
            leafCount: h.leaf_count,
            fromL1Block: h.from_l1_block,
            toL1Block: h.to_l1_block,
        },
        nonSignerPubkeys: vigil_chain::non_signer_bytes(&non_signers),
        signature: Bytes::from(signature.to_eip2537().to_vec()),
    })
}
