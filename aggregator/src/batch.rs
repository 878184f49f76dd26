//! Batch rounds (`VIGIL_BATCH_V1`, issue 16): operators sign one batch header (a Merkle root over
//! many checkpoints of many rollups and its L1 range), and the aggregator certifies it with one
//! aggregate signature.
//!
//! Rounds are keyed by what operators sign, the header's digest. A signature is decoded from its
//! wire bytes, checked (domain, registered key, encoding with the subgroup check, `toL1Block`
//! not ahead of L1) and verified through the intake's batching [`Verifier`] *before* it is
//! stored; it counts only once stored. Signers are weighed by their stake at `toL1Block` (the
//! same [`OperatorSetView`] snapshots the checkpoint engine uses), against the deployment's
//! *default* threshold: the verifier records a batch at that threshold and applies each rollup's
//! own when asked about that rollup. Once a digest reaches it, the round keeps collecting for
//! [`BatchConfig::window`], then its certificate is built (with the engine's helpers) and stored.
//!
//! Rounds that cannot be certified any more are dropped by [`BatchAggregator::expire`] (with
//! their stored signatures), and [`BatchAggregator::prune`] bounds the done set and the stored
//! rows. Neither runs by itself: the caller picks the L1 blocks (say, the head minus the
//! verifier's maximum certificate age, and the head minus the certificate window).
//!
//! The HTTP API takes batch signatures through [`BatchAggregator::accept_with_leaves`] (which
//! also stores the batch's checkpoints, for inclusion proofs), [`BatchAggregator::run`] drives
//! the timers, and [`crate::submit_batch::BatchSubmitter`] sends the certificates.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::providers::{DynProvider, Provider};
use alloy_primitives::{B256, U256};
use tokio::sync::{mpsc, oneshot};
use vigil_chain::bindings::VigilVerifier;
use vigil_crypto::Signature;
use vigil_service::http::{Source, rate_limit::RateLimiter};
use vigil_types::{
    BatchCertificate, BatchHeader, BatchSignature, MAX_BATCH_LEAVES, SignedBatch, SigningDomain,
};

use crate::{
    engine::{aggregate, meets, non_signers, now_ms},
    intake::IntakeError,
    operator_set::{OperatorSetView, SetError, SetSnapshot},
    store::{Inserted, NewBatchCertificate, NewBatchSignature, PrunedBatches, Store, StoreError},
    verify::Verifier,
};

const TARGET: &str = "vigil::aggregator::batch";
/// Most signatures stored in one transaction.
const MAX_COMMIT: usize = 256;
/// Most sources with a failure budget of their own; beyond it, untracked sources share one.
const MAX_TRACKED_SOURCES: usize = 100_000;

/// One signature waiting for its group commit.
type Commit = (NewBatchSignature, oneshot::Sender<Result<Inserted, String>>);

/// Batch aggregation settings.
#[derive(Clone, Copy, Debug)]
pub struct BatchConfig {
    /// How long to keep collecting after a digest first reaches the threshold (fewer
    /// non-signers, less gas).
    pub window: Duration,
    /// Store and serve aggregate signatures compressed (48 bytes) rather than not (96).
    pub compressed_certificates: bool,
    /// L1 blocks of batch rows kept below the head by [`BatchAggregator::run`]: signatures,
    /// leaves and settled certificates whose `toL1Block` is older are pruned, and rounds that
    /// old dropped (rollups fetch their proofs within this window). `u64::MAX` keeps
    /// everything.
    pub retain_l1_blocks: u64,
    /// Failed batch signatures (malformed, unknown key, bad signature, …) one source may send
    /// per second, sustained ([`BatchAggregator::accept_with_leaves`]); a source past its
    /// budget is refused before anything is checked. Successes cost nothing.
    pub source_failure_rate: u32,
    /// Failures (or submissions in flight) one source may have in a burst.
    pub source_failure_burst: u32,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_millis(500),
            compressed_certificates: false,
            retain_l1_blocks: 7_200,
            source_failure_rate: 20,
            source_failure_burst: 2_000,
        }
    }
}

/// A signed batch the aggregator accepted: durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchAccepted {
    /// Its stored row's id (`None` when it was not stored: its range is below the expiry or
    /// pruning point, so nothing can certify it any more). A decimal string on the wire.
    #[serde(with = "vigil_types::serde_helpers::quoted_opt_u64")]
    pub id: Option<u64>,
    /// The same `(digest, key)` was already stored; it was counted at most once.
    pub duplicate: bool,
    /// It counts towards no certificate: its digest is certified already, its range expired,
    /// or its signer had no weight at `toL1Block`.
    pub stale: bool,
}

/// Errors outside intake: the database or the chain.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain could not be read.
    #[error(transparent)]
    Set(#[from] SetError),
}

struct Round {
    header: BatchHeader,
    snapshot: Arc<SetSnapshot>,
    /// Member index → signature.
    sigs: BTreeMap<usize, Signature>,
    weight: U256,
    quorum_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    rounds: HashMap<B256, Round>,
    /// Certified digests (a certificate is stored) → their `toL1Block`.
    done: HashMap<B256, u64>,
    /// Ranges with `toL1Block` below this were expired or pruned: they start no round.
    floor: u64,
}

/// What [`BatchAggregator::add`] did with a verified, stored signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Added {
    Joined,
    Stale,
}

/// Batch rounds, from signed batches on the wire to stored batch certificates. Cheap to share
/// behind an `Arc`.
pub struct BatchAggregator {
    domain: SigningDomain,
    provider: DynProvider,
    set: Arc<OperatorSetView>,
    store: Store,
    /// The group-commit writer's queue: concurrent intakes share one transaction (one fsync).
    commits: mpsc::Sender<Commit>,
    verifier: Verifier,
    threshold_bps: AtomicU16,
    config: BatchConfig,
    head: AtomicU64,
    state: Mutex<State>,
    /// Each source's failure budget.
    sources: RateLimiter<Source>,
}

impl std::fmt::Debug for BatchAggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchAggregator")
            .field("domain", &self.domain)
            .field("threshold_bps", &self.threshold_bps())
            .finish_non_exhaustive()
    }
}

impl BatchAggregator {
    /// A batch aggregator for `domain` reading the set through `set` (share the checkpoint
    /// path's view to share its caches) and L1 through `provider`, verifying with `verifier`
    /// and storing in `store`. Reads the deployment's default threshold and the L1 head.
    pub async fn new(
        provider: DynProvider,
        set: Arc<OperatorSetView>,
        domain: SigningDomain,
        store: Store,
        verifier: Verifier,
        config: BatchConfig,
    ) -> Result<Self, BatchError> {
        let threshold_bps = read_threshold(&provider, &domain).await?;
        let head = read_head(&provider).await?;
        let (commits, queue) = mpsc::channel(MAX_COMMIT * 4);
        tokio::spawn(group_commit(store.clone(), queue));
        Ok(Self {
            domain,
            provider,
            set,
            store,
            commits,
            verifier,
            threshold_bps: AtomicU16::new(threshold_bps),
            config,
            head: AtomicU64::new(head),
            state: Mutex::default(),
            sources: RateLimiter::new(
                config.source_failure_rate,
                config.source_failure_burst,
                MAX_TRACKED_SOURCES,
            ),
        })
    }

    /// The threshold batches are certified at (the deployment's default, basis points).
    pub fn threshold_bps(&self) -> u16 {
        self.threshold_bps.load(Ordering::SeqCst)
    }

    /// Reads the deployment's default threshold again (governance may change it); rounds
    /// reaching it from now on use the new value. Returns it.
    pub async fn refresh_threshold(&self) -> Result<u16, SetError> {
        let bps = read_threshold(&self.provider, &self.domain).await?;
        self.threshold_bps.store(bps, Ordering::SeqCst);
        Ok(bps)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Accepts one signed batch from its wire bytes (JSON, as `POST /v1/signatures` takes a
    /// signed checkpoint).
    pub async fn accept_wire(&self, body: &[u8]) -> Result<BatchAccepted, IntakeError> {
        let signed: SignedBatch =
            serde_json::from_slice(body).map_err(|e| IntakeError::Malformed(e.to_string()))?;
        self.accept(signed).await
    }

    /// Accepts one signed batch: checks and verifies it, stores it (durable before it counts),
    /// and adds its signer's weight at `toL1Block` to its round. Refusals leave nothing behind.
    pub async fn accept(&self, signed: SignedBatch) -> Result<BatchAccepted, IntakeError> {
        let (operator, sig) = self.check(&signed).await?;
        self.accept_checked(signed, operator, sig).await
    }

    /// Accepts one operator's batch signature with the checkpoints it commits to (what
    /// `POST /v1/batches/signatures` takes), sent by `source`. In order: the source's failure
    /// budget (one token held while in flight, given back unless it fails), the count of
    /// checkpoints against the header, the signature (domain, registered key, encoding,
    /// `toL1Block`, verification), and only then the tree: the checkpoints must build exactly
    /// the signed header. The checkpoints are stored once per digest (so that rollups can fetch
    /// their inclusion proofs), before the signature counts. Refusals store nothing.
    pub async fn accept_with_leaves(
        &self,
        signature: BatchSignature,
        source: Source,
    ) -> Result<BatchAccepted, IntakeError> {
        if let Err(wait) = self.sources.check(&source) {
            crate::metrics::unverified(source, "source_budget_spent");
            return Err(IntakeError::RateLimited(wait));
        }
        let result = self.accept_with_leaves_checked(signature).await;
        match &result {
            Ok(_) | Err(IntakeError::Unavailable(_)) => self.sources.refund(&source),
            Err(e) => crate::metrics::unverified(source, e.code()),
        }
        result
    }

    async fn accept_with_leaves_checked(
        &self,
        signature: BatchSignature,
    ) -> Result<BatchAccepted, IntakeError> {
        let h = signature.signed.header;
        if signature.checkpoints.len() != h.leaf_count as usize {
            return Err(IntakeError::Malformed(format!(
                "{} checkpoints for a header of {} leaves",
                signature.checkpoints.len(),
                h.leaf_count
            )));
        }
        let (operator, sig) = self.check(&signature.signed).await?;
        let batch = signature.batch().map_err(|e| IntakeError::Malformed(e.to_string()))?;
        let signed = signature.signed;
        if signed.header.to_l1_block >= self.lock().floor {
            self.store
                .insert_batch_leaves(&signed.domain, &signed.header, batch.checkpoints())
                .await
                .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        }
        self.accept_checked(signed, operator, sig).await
    }

    /// Stores a checked signed batch and adds it to its round.
    async fn accept_checked(
        &self,
        signed: SignedBatch,
        operator: alloy_primitives::Address,
        sig: Signature,
    ) -> Result<BatchAccepted, IntakeError> {
        let digest = signed.digest();
        let to = signed.header.to_l1_block;
        if to < self.lock().floor {
            return Ok(BatchAccepted { id: None, duplicate: false, stale: true });
        }
        let (reply, stored) = oneshot::channel();
        let item = NewBatchSignature { signed, operator, received_at_ms: now_ms() };
        fn stopped<E>(_: E) -> IntakeError {
            IntakeError::Unavailable("the batch signature writer stopped".into())
        }
        self.commits.send((item, reply)).await.map_err(stopped)?;
        let inserted = stored.await.map_err(stopped)?.map_err(IntakeError::Unavailable)?;
        let added = self
            .add(digest, &signed, sig)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        Ok(BatchAccepted {
            id: Some(inserted.seq),
            duplicate: inserted.duplicate,
            stale: added == Added::Stale,
        })
    }

    /// Everything a signed batch must pass before it may touch the store.
    async fn check(
        &self,
        signed: &SignedBatch,
    ) -> Result<(alloy_primitives::Address, Signature), IntakeError> {
        if signed.domain != self.domain {
            return Err(IntakeError::WrongDomain {
                expected: format!("{:?}", self.domain),
                got: format!("{:?}", signed.domain),
            });
        }
        let h = &signed.header;
        if h.leaf_count == 0 || h.leaf_count > MAX_BATCH_LEAVES || h.from_l1_block > h.to_l1_block {
            return Err(IntakeError::Malformed(format!(
                "batch header with {} leaves over L1 blocks {}..={}",
                h.leaf_count, h.from_l1_block, h.to_l1_block
            )));
        }
        let registered = self
            .set
            .key(&signed.pubkey)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?
            .ok_or_else(|| IntakeError::UnknownOperator(signed.pubkey.to_string()))?;
        // The subgroup check included.
        let sig = Signature::from_bytes(signed.signature.as_slice())
            .map_err(|e| IntakeError::MalformedSignature(e.to_string()))?;
        let head = self.head_for(h.to_l1_block).await?;
        if h.to_l1_block > head {
            return Err(IntakeError::FutureL1Block { l1_block: h.to_l1_block, head });
        }
        let valid = self
            .verifier
            .verify(signed.digest(), registered.key, sig, false)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        if !valid {
            return Err(IntakeError::InvalidSignature);
        }
        Ok((registered.operator, sig))
    }

    /// The L1 head, read again when `to_l1_block` is ahead of the one known.
    async fn head_for(&self, to_l1_block: u64) -> Result<u64, IntakeError> {
        let head = self.head.load(Ordering::SeqCst);
        if to_l1_block <= head {
            return Ok(head);
        }
        let head =
            read_head(&self.provider).await.map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        Ok(self.head.fetch_max(head, Ordering::SeqCst).max(head))
    }

    /// Adds a verified, stored signature to its round.
    async fn add(
        &self,
        digest: B256,
        signed: &SignedBatch,
        sig: Signature,
    ) -> Result<Added, BatchError> {
        let to = signed.header.to_l1_block;
        let known = {
            let st = self.lock();
            if st.done.contains_key(&digest) || to < st.floor {
                return Ok(Added::Stale);
            }
            st.rounds.contains_key(&digest)
        };
        let snapshot = self.set.at(to).await?;
        if !known && self.store.batch_certificate(digest).await?.is_some() {
            // Certified before this process saw the round (a restart, another replica).
            self.lock().done.insert(digest, to);
            return Ok(Added::Stale);
        }
        let Some((index, member)) = snapshot.member(&signed.pubkey) else {
            return Ok(Added::Stale);
        };
        let weight = member.weight;
        let mut st = self.lock();
        if st.done.contains_key(&digest) || to < st.floor {
            return Ok(Added::Stale);
        }
        let round = st.rounds.entry(digest).or_insert_with(|| Round {
            header: signed.header,
            snapshot: snapshot.clone(),
            sigs: BTreeMap::new(),
            weight: U256::ZERO,
            quorum_at: None,
        });
        if round.sigs.contains_key(&index) {
            // Counted once, whatever the encoding.
            return Ok(Added::Joined);
        }
        round.sigs.insert(index, sig);
        round.weight = round.weight.saturating_add(weight);
        if round.quorum_at.is_none()
            && meets(round.weight, round.snapshot.total_weight, self.threshold_bps())
        {
            round.quorum_at = Some(Instant::now());
            tracing::debug!(target: TARGET, %digest, signers = round.sigs.len(), "batch quorum reached");
        }
        Ok(Added::Joined)
    }

    /// Rebuilds the open rounds from the stored signatures (after a restart). Each is verified
    /// again before it counts. Returns how many joined a round.
    pub async fn restore(&self) -> Result<usize, BatchError> {
        let mut joined = 0;
        for (_, signed) in self.store.open_batch_signatures().await? {
            if signed.domain != self.domain {
                continue;
            }
            let (Ok(Some(key)), Ok(sig)) = (
                self.set.key(&signed.pubkey).await,
                Signature::from_bytes(signed.signature.as_slice()),
            ) else {
                continue;
            };
            let valid = self.verifier.verify(signed.digest(), key.key, sig, true).await;
            if !matches!(valid, Ok(true)) {
                continue;
            }
            if self.add(signed.digest(), &signed, sig).await? == Added::Joined {
                joined += 1;
            }
        }
        tracing::info!(target: TARGET, joined, "batch rounds restored from the database");
        Ok(joined)
    }

    /// Builds and stores the certificate of every round whose window after quorum has passed.
    /// Returns the digests certified.
    pub async fn finalize_due(&self) -> Result<Vec<B256>, StoreError> {
        let due: Vec<(B256, Round)> = {
            let mut st = self.lock();
            let now = Instant::now();
            let digests: Vec<B256> = st
                .rounds
                .iter()
                .filter(|(_, r)| {
                    r.quorum_at.is_some_and(|q| now.duration_since(q) >= self.config.window)
                })
                .map(|(d, _)| *d)
                .collect();
            let mut due = Vec::with_capacity(digests.len());
            for d in digests {
                if let Some(r) = st.rounds.remove(&d) {
                    // Done from now on: later signatures are stale while it is written.
                    st.done.insert(d, r.header.to_l1_block);
                    due.push((d, r));
                }
            }
            due
        };
        let mut built = Vec::with_capacity(due.len());
        for (digest, round) in due {
            let cert = self.certificate(&round);
            match self.store.insert_batch_certificate(&cert).await {
                Ok(stored) => {
                    if stored {
                        tracing::info!(target: TARGET, %digest, leaves = round.header.leaf_count, to_l1_block = round.header.to_l1_block, signers = cert.signers, non_signers = cert.certificate.non_signers.len(), "batch certificate built");
                        built.push(digest);
                    }
                }
                Err(e) => {
                    // Back to collecting; the next pass tries again.
                    let mut st = self.lock();
                    st.done.remove(&digest);
                    st.rounds.insert(digest, round);
                    return Err(e);
                }
            }
        }
        Ok(built)
    }

    fn certificate(&self, round: &Round) -> NewBatchCertificate {
        let sigs: Vec<Signature> = round.sigs.values().copied().collect();
        NewBatchCertificate {
            certificate: BatchCertificate {
                domain: self.domain,
                header: round.header,
                non_signers: non_signers(&round.snapshot, |i| round.sigs.contains_key(&i)),
                aggregate_signature: aggregate(&sigs, self.config.compressed_certificates),
            },
            signed_weight: round.weight,
            total_weight: round.snapshot.total_weight,
            signers: u32::try_from(round.sigs.len()).unwrap_or(u32::MAX),
            created_at_ms: now_ms(),
        }
    }

    /// Drops every open round whose `toL1Block` is below `below` (nothing can certify it any
    /// more: the verifier refuses a certificate older than its maximum age) and deletes its
    /// stored signatures; later signatures for such ranges are not stored. Returns the digests
    /// dropped.
    pub async fn expire(&self, below: u64) -> Result<Vec<B256>, StoreError> {
        let dropped: Vec<B256> = {
            let mut st = self.lock();
            st.floor = st.floor.max(below);
            let dropped: Vec<B256> = st
                .rounds
                .iter()
                .filter(|(_, r)| r.header.to_l1_block < below)
                .map(|(d, _)| *d)
                .collect();
            for d in &dropped {
                st.rounds.remove(d);
            }
            dropped
        };
        let deleted = self.store.delete_batch_signatures(&dropped).await?;
        if !dropped.is_empty() {
            tracing::info!(target: TARGET, rounds = dropped.len(), signatures = deleted, below, "batch rounds expired without quorum");
        }
        Ok(dropped)
    }

    /// Forgets certified digests (and drops any round still open) whose `toL1Block` is below
    /// `below` and deletes the stored rows below it ([`Store::prune_batches`]); later signatures
    /// for such ranges are not stored. Keeps memory and the database bounded by the window.
    pub async fn prune(&self, below: u64) -> Result<PrunedBatches, StoreError> {
        {
            let mut st = self.lock();
            st.floor = st.floor.max(below);
            st.done.retain(|_, to| *to >= below);
            // Their stored signatures go below; a round left open this far back is expired.
            st.rounds.retain(|_, r| r.header.to_l1_block >= below);
        }
        self.store.prune_batches(below).await
    }

    /// Open rounds and certified digests held in memory.
    pub fn sizes(&self) -> (usize, usize) {
        let st = self.lock();
        (st.rounds.len(), st.done.len())
    }

    /// Whether `digest` has a certificate.
    pub fn is_done(&self, digest: B256) -> bool {
        self.lock().done.contains_key(&digest)
    }

    /// The signed weight and the number of signers of `digest`'s open round, if any.
    pub fn round(&self, digest: B256) -> Option<(U256, usize)> {
        self.lock().rounds.get(&digest).map(|r| (r.weight, r.sigs.len()))
    }

    /// Drives the rounds until `shutdown`: every `tick`, builds the certificates that are due;
    /// every second, follows the L1 head, expires rounds older than the verifier's maximum
    /// certificate age (nothing can certify them any more) and prunes below
    /// [`BatchConfig::retain_l1_blocks`]. Failures are logged and retried.
    pub async fn run(&self, tick: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_chain: Option<Instant> = None;
        loop {
            match self.finalize_due().await {
                Ok(built) => {
                    for _ in &built {
                        crate::metrics::batch_event("built");
                    }
                }
                Err(e) => {
                    tracing::warn!(target: TARGET, error = %e, "building batch certificates failed; retrying");
                }
            }
            if last_chain.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                last_chain = Some(Instant::now());
                if let Err(e) = self.housekeeping().await {
                    tracing::warn!(target: TARGET, error = %e, "batch expiry or pruning failed; retrying");
                }
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    /// One pass of [`Self::run`]'s chain work: head, expiry, pruning, gauges.
    async fn housekeeping(&self) -> Result<(), BatchError> {
        let head = read_head(&self.provider).await?;
        self.head.fetch_max(head, Ordering::SeqCst);
        let max_age = u64::from(self.set.max_certificate_age().await?);
        let expired = self.expire(head.saturating_sub(max_age)).await?;
        for _ in &expired {
            crate::metrics::batch_event("expired");
        }
        self.prune(head.saturating_sub(self.config.retain_l1_blocks)).await?;
        let (open, done) = self.sizes();
        crate::metrics::set_batch_rounds(open, done);
        for (state, n) in self.store.count_batches_by_state().await? {
            crate::metrics::set_batches_in_state(state.as_str(), n);
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Stores queued signatures, as many as are waiting (up to [`MAX_COMMIT`]) per transaction,
/// answering each waiter only once its transaction committed; stops when the aggregator is
/// dropped.
async fn group_commit(store: Store, mut queue: mpsc::Receiver<Commit>) {
    let mut batch = Vec::with_capacity(MAX_COMMIT);
    while queue.recv_many(&mut batch, MAX_COMMIT).await > 0 {
        let items: Vec<NewBatchSignature> = batch.iter().map(|(item, _)| *item).collect();
        match store.insert_batch_signatures(&items).await {
            Ok(inserted) if inserted.len() == items.len() => {
                for ((_, reply), inserted) in batch.drain(..).zip(inserted) {
                    let _ = reply.send(Ok(inserted));
                }
            }
            Ok(_) => {
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err("batch signature commit miscounted".into()));
                }
            }
            Err(e) => {
                tracing::warn!(target: TARGET, batch = items.len(), error = %e, "batch signature commit failed");
                let e = e.to_string();
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

async fn read_threshold(provider: &DynProvider, domain: &SigningDomain) -> Result<u16, SetError> {
    VigilVerifier::new(domain.verifier, provider.clone())
        .defaultThresholdBps()
        .call()
        .await
        .map_err(|e| SetError::Rpc { what: "defaultThresholdBps", reason: e.to_string() })
}

async fn read_head(provider: &DynProvider) -> Result<u64, SetError> {
    provider
        .get_block_number()
        .await
        .map_err(|e| SetError::Rpc { what: "eth_blockNumber", reason: e.to_string() })
}
