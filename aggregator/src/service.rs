//! The aggregator service: validates and persists incoming signatures (the [`Intake`] the HTTP
//! API calls), feeds them to the [`Engine`], tracks the L1 head, and restores open rounds after a
//! restart.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::providers::{DynProvider, Provider};
use tokio::sync::watch;
use vigil_crypto::Signature;
use vigil_service::http::{Source, rate_limit::RateLimiter};
use vigil_types::{PublicKeyBytes, SignedCheckpoint, SigningDomain};

use crate::{
    engine::{Added, Engine, EngineConfig, now_ms},
    intake::{Accepted, Intake, IntakeError},
    metrics,
    operator_set::{OperatorSetView, SetError},
    store::{FeedEntry, IngestHandle, IngestWriter, NewSignature, Store, StoreError},
    verify::Verifier,
};

/// How long a rollup's threshold is cached.
const THRESHOLD_TTL: Duration = Duration::from_secs(30);
/// At most one `eth_blockNumber` per this interval on behalf of submissions ahead of the head.
const HEAD_REFRESH_INTERVAL: Duration = Duration::from_millis(250);
/// How often rows and rounds below the retention window are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(10);
/// How long a source that sent a bad signature has its signatures checked alone.
const ISOLATION: Duration = Duration::from_secs(30);
/// Most sources remembered as isolated.
const MAX_ISOLATED: usize = 10_000;

/// What one source and one key may cost the aggregator at intake.
///
/// - **Per source** (the peer's IP address), a *failure budget*: one token is held for each
///   submission in flight and given back when it verifies, so only failures (a bad or malformed
///   signature, an unknown key, a wrong domain, an `l1Block` ahead of the chain) spend it. A
///   source whose budget is spent is refused (429) before anything is checked. Honest
///   submitters never spend it, whatever others send under their keys.
/// - **Per key**, a budget of *new* `l1Block` values: reading the operator set at a block not
///   seen yet costs L1 calls, so each key may cause at most this many such reads, charged only
///   once its signature verified (only the key's owner can spend it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntakeLimits {
    /// Failures a source may cause per second, sustained.
    pub source_failure_rate: u32,
    /// Failures (or submissions in flight) a source may have in a burst.
    pub source_failure_burst: u32,
    /// Most sources with their own budget; beyond it, untracked sources share one.
    pub max_tracked_sources: usize,
    /// New `l1Block` values a key may make the aggregator read per second, sustained.
    pub key_snapshot_rate: u32,
    /// New `l1Block` values a key may make the aggregator read in a burst.
    pub key_snapshot_burst: u32,
    /// Cores the verifier may use (0: all).
    pub verify_parallelism: usize,
    /// L1 blocks of signatures, certificates and rounds kept below the head; older ones are
    /// pruned every 10 s by [`Aggregator::run`] (`None`: nothing is pruned).
    pub retain_l1_blocks: Option<u64>,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        Self {
            source_failure_rate: 20,
            source_failure_burst: 2_000,
            max_tracked_sources: 100_000,
            key_snapshot_rate: 1,
            key_snapshot_burst: 32,
            verify_parallelism: 0,
            retain_l1_blocks: None,
        }
    }
}

/// Errors starting or restoring the service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain could not be read.
    #[error(transparent)]
    Set(#[from] SetError),
}

struct Inner {
    domain: SigningDomain,
    provider: DynProvider,
    set: OperatorSetView,
    engine: Engine,
    store: Store,
    ingest: IngestHandle,
    head: AtomicU64,
    max_age: AtomicU32,
    thresholds: Mutex<HashMap<u64, (u16, Instant)>>,
    feed: watch::Sender<u64>,
    verifier: Verifier,
    sources: RateLimiter<Source>,
    isolated: Mutex<HashMap<Source, Instant>>,
    snapshots: RateLimiter<PublicKeyBytes>,
    last_head_refresh: Mutex<Option<Instant>>,
    retain_l1_blocks: Option<u64>,
    /// The feed's head when this process started: [`Aggregator::restore`] covers what is
    /// before, [`Aggregator::follow_shared`] what comes after.
    followed_from: u64,
}

/// The aggregator. Clone it freely (it is a handle).
#[derive(Clone)]
pub struct Aggregator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Aggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aggregator").field("domain", &self.inner.domain).finish_non_exhaustive()
    }
}

impl Aggregator {
    /// Connects the pieces; reads the L1 head and the verifier's maximum certificate age. Call
    /// [`Aggregator::restore`] before serving.
    pub async fn new(
        provider: DynProvider,
        domain: SigningDomain,
        store: Store,
        engine: EngineConfig,
        ingest_batch: usize,
        limits: IntakeLimits,
    ) -> Result<Self, ServiceError> {
        let set = OperatorSetView::new(provider.clone(), domain.verifier);
        let max_age = set.max_certificate_age().await?;
        let head = provider
            .get_block_number()
            .await
            .map_err(|e| SetError::Rpc { what: "eth_blockNumber", reason: e.to_string() })?;
        let feed_head = store.feed_head().await?;
        let (feed, _) = watch::channel(feed_head);
        let ingest = IngestWriter::spawn(store.clone(), ingest_batch.max(1));
        let parallelism = match limits.verify_parallelism {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                domain,
                provider,
                set,
                engine: Engine::new(domain, store.clone(), engine),
                store,
                ingest,
                head: AtomicU64::new(head),
                max_age: AtomicU32::new(max_age),
                thresholds: Mutex::default(),
                feed,
                verifier: Verifier::spawn(parallelism),
                sources: RateLimiter::new(
                    limits.source_failure_rate,
                    limits.source_failure_burst,
                    limits.max_tracked_sources,
                ),
                isolated: Mutex::default(),
                snapshots: RateLimiter::new(
                    limits.key_snapshot_rate,
                    limits.key_snapshot_burst,
                    limits.max_tracked_sources,
                ),
                last_head_refresh: Mutex::new(Some(Instant::now())),
                retain_l1_blocks: limits.retain_l1_blocks,
                followed_from: feed_head,
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The operator-set view.
    pub fn operator_set(&self) -> &OperatorSetView {
        &self.inner.set
    }

    /// Follows the feed's head sequence number (for the SSE feed).
    pub fn feed_head(&self) -> watch::Receiver<u64> {
        self.inner.feed.subscribe()
    }

    /// Rebuilds every open round from the database (after a restart). Returns how many stored
    /// signatures were replayed into rounds.
    pub async fn restore(&self) -> Result<usize, ServiceError> {
        let entries = self.inner.store.open_round_signatures().await?;
        let mut certified: HashMap<(u64, u64), bool> = HashMap::new();
        let mut replayed = 0;
        for e in entries {
            let cp = e.signed.checkpoint;
            let key = (cp.rollup_id, cp.height);
            let has_cert = match certified.get(&key) {
                Some(c) => *c,
                None => {
                    let c = self.inner.store.certificate(key.0, key.1).await?.is_some();
                    certified.insert(key, c);
                    c
                }
            };
            if has_cert {
                self.inner.engine.mark_done(key.0, key.1, cp.l1_block);
                continue;
            }
            if self.join_stored(&e).await? {
                replayed += 1;
            }
        }
        tracing::info!(target: "vigil::aggregator", replayed, rounds = certified.len(), "open rounds restored from the database");
        Ok(replayed)
    }

    /// Joins a stored signature (verified by whichever replica stored it) into its round.
    /// `Ok(false)`: it joins nothing (invalid, another domain, stale, already there).
    async fn join_stored(&self, e: &FeedEntry) -> Result<bool, SetError> {
        let inner = &self.inner;
        let cp = e.signed.checkpoint;
        let too_old = inner.head.load(Ordering::SeqCst).saturating_sub(cp.l1_block)
            > u64::from(inner.max_age.load(Ordering::SeqCst));
        if e.invalid
            || e.signed.domain != inner.domain
            || too_old
            || inner.engine.is_done(cp.rollup_id, cp.height)
        {
            return Ok(false);
        }
        let Ok(sig) = Signature::from_bytes_unchecked_subgroup(e.signed.signature.as_slice())
        else {
            return Ok(false);
        };
        let snapshot = inner.set.at(cp.l1_block).await?;
        let threshold = self.threshold(cp.rollup_id).await?;
        Ok(inner.engine.add(e.seq, &e.signed, sig, &snapshot, threshold, false) == Added::Joined)
    }

    /// Follows the signatures every replica stores in a shared database (PostgreSQL), until
    /// `shutdown`: each `poll`, those after the last one seen join this replica's rounds. So
    /// operators may post to any replica behind a load balancer and every replica's rounds see
    /// every signature; certificates are unique per `(rollup, height)` in the database and
    /// submitted under a lease, so however many replicas build one, one transaction is sent.
    /// A signature whose operator set cannot be read now is retried at the next poll.
    pub async fn follow_shared(&self, poll: Duration, shutdown: impl Future<Output = ()>) {
        const PAGE: u32 = 1_000;
        tokio::pin!(shutdown);
        let mut cursor = self.inner.followed_from;
        loop {
            match self.inner.store.feed_after(cursor, PAGE).await {
                Ok(entries) => {
                    let full = entries.len() == PAGE as usize;
                    let mut joined = 0usize;
                    let mut stalled = false;
                    for e in &entries {
                        match self.join_stored(e).await {
                            Ok(j) => {
                                joined += usize::from(j);
                                cursor = e.seq;
                            }
                            Err(err) => {
                                tracing::warn!(target: "vigil::aggregator", seq = e.seq, error = %err, "cannot join a stored signature yet; retrying");
                                stalled = true;
                                break;
                            }
                        }
                    }
                    if joined > 0 {
                        tracing::debug!(target: "vigil::aggregator", joined, cursor, "joined signatures stored by any replica");
                    }
                    if full && !stalled {
                        continue;
                    }
                }
                Err(err) => {
                    tracing::warn!(target: "vigil::aggregator", error = %err, "cannot read the shared feed; retrying");
                }
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    async fn threshold(&self, rollup: u64) -> Result<u16, SetError> {
        if let Some((bps, at)) = lock(&self.inner.thresholds).get(&rollup)
            && at.elapsed() < THRESHOLD_TTL
        {
            return Ok(*bps);
        }
        let bps = self.inner.set.threshold_bps(rollup).await?;
        lock(&self.inner.thresholds).insert(rollup, (bps, Instant::now()));
        Ok(bps)
    }

    async fn refresh_head(&self) -> Result<u64, SetError> {
        let head = self
            .inner
            .provider
            .get_block_number()
            .await
            .map_err(|e| SetError::Rpc { what: "eth_blockNumber", reason: e.to_string() })?;
        self.inner.head.fetch_max(head, Ordering::SeqCst);
        Ok(head)
    }

    /// Runs the background work until `shutdown`: finalises rounds whose window passed, follows
    /// the L1 head and publishes certificate-state gauges.
    pub async fn run(&self, tick: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_chain = Instant::now();
        let mut last_prune: Option<Instant> = None;
        loop {
            if let Err(e) = self.inner.engine.finalize_due().await {
                tracing::warn!(target: "vigil::aggregator", error = %e, "finalising rounds failed; retrying");
            }
            if last_chain.elapsed() >= Duration::from_secs(1) {
                last_chain = Instant::now();
                if let Err(e) = self.refresh_head().await {
                    tracing::warn!(target: "vigil::aggregator", error = %e, "cannot read the L1 head");
                }
                if let Ok(age) = self.inner.set.max_certificate_age().await {
                    self.inner.max_age.store(age, Ordering::SeqCst);
                }
                if let Ok(counts) = self.inner.store.count_by_state().await {
                    for (state, n) in counts {
                        metrics::set_certificates_in_state(state.as_str(), n);
                    }
                }
            }
            if let Some(retain) = self.inner.retain_l1_blocks
                && last_prune.is_none_or(|at| at.elapsed() >= PRUNE_INTERVAL)
            {
                last_prune = Some(Instant::now());
                let below = self.inner.head.load(Ordering::SeqCst).saturating_sub(retain);
                self.prune(below).await;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    /// Drops what is below L1 block `below` from memory (the engine's done and open rounds) and
    /// from the database ([`Store::prune_below`]). Failures are logged and retried next time.
    pub async fn prune(&self, below: u64) {
        let (done, open) = self.inner.engine.prune(below);
        match self.inner.store.prune_below(below).await {
            Ok((signatures, certificates)) => {
                if done + open > 0 || signatures + certificates > 0 {
                    tracing::info!(target: "vigil::aggregator", below, done, open, signatures, certificates, "pruned below the retention window");
                }
            }
            Err(e) => {
                tracing::warn!(target: "vigil::aggregator", below, error = %e, "pruning failed; retrying");
            }
        }
        let (open, done) = self.inner.engine.sizes();
        metrics::set_engine_rounds(open, done);
    }

    /// The L1 head for a submission whose `l1Block` is ahead of the cached one: refreshed at
    /// most once per [`HEAD_REFRESH_INTERVAL`], however many submissions ask.
    async fn head_for(&self, l1_block: u64) -> Result<u64, IntakeError> {
        let head = self.inner.head.load(Ordering::SeqCst);
        if l1_block <= head {
            return Ok(head);
        }
        let due = {
            let mut last = lock(&self.inner.last_head_refresh);
            let due = last.is_none_or(|at| at.elapsed() >= HEAD_REFRESH_INTERVAL);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if !due {
            return Ok(self.inner.head.load(Ordering::SeqCst));
        }
        metrics::intake_rpc("head");
        self.refresh_head().await.map_err(|e| IntakeError::Unavailable(e.to_string()))
    }

    fn is_isolated(&self, source: Source) -> bool {
        lock(&self.inner.isolated).get(&source).is_some_and(|at| at.elapsed() < ISOLATION)
    }

    fn isolate(&self, source: Source) {
        let mut isolated = lock(&self.inner.isolated);
        if isolated.len() >= MAX_ISOLATED {
            isolated.retain(|_, at| at.elapsed() < ISOLATION);
        }
        if isolated.len() < MAX_ISOLATED {
            isolated.insert(source, Instant::now());
        }
    }

    /// Everything a submission must pass before it may touch the store: the source's budget,
    /// the domain, the key's registration, the signature's encoding, `l1Block` against the head
    /// and, last, the signature itself. Nothing here writes, feeds or logs per submission.
    async fn check(
        &self,
        signed: &SignedCheckpoint,
        source: Source,
    ) -> Result<(crate::operator_set::RegisteredKey, Signature), IntakeError> {
        let inner = &self.inner;
        if signed.domain != inner.domain {
            return Err(IntakeError::WrongDomain {
                expected: format!("{:?}", inner.domain),
                got: format!("{:?}", signed.domain),
            });
        }
        // A miss is one eth_call; unknown keys are remembered for a while, and every unknown
        // key spends its source's budget.
        let cached = inner.set.is_known(&signed.pubkey);
        if !cached {
            metrics::intake_rpc("key");
        }
        let registered = inner
            .set
            .key(&signed.pubkey)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?
            .ok_or_else(|| IntakeError::UnknownOperator(hex_key(signed)))?;
        let sig = Signature::from_bytes(signed.signature.as_slice())
            .map_err(|e| IntakeError::MalformedSignature(e.to_string()))?;
        let head = self.head_for(signed.checkpoint.l1_block).await?;
        if signed.checkpoint.l1_block > head {
            return Err(IntakeError::FutureL1Block { l1_block: signed.checkpoint.l1_block, head });
        }
        let valid = inner
            .verifier
            .verify(signed.digest(), registered.key, sig, self.is_isolated(source))
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        if !valid {
            return Err(IntakeError::InvalidSignature);
        }
        Ok((registered, sig))
    }

    async fn accept_inner(
        &self,
        signed: SignedCheckpoint,
        source: Source,
    ) -> Result<Accepted, IntakeError> {
        let inner = &self.inner;
        if let Err(wait) = inner.sources.check(&source) {
            metrics::unverified(source, "source_budget_spent");
            return Err(IntakeError::RateLimited(wait));
        }
        let (registered, sig) = match self.check(&signed, source).await {
            Ok(checked) => {
                inner.sources.refund(&source);
                checked
            }
            Err(IntakeError::Unavailable(e)) => {
                // Our failure, not the source's.
                inner.sources.refund(&source);
                return Err(IntakeError::Unavailable(e));
            }
            Err(e) => {
                if matches!(e, IntakeError::InvalidSignature) && !self.is_isolated(source) {
                    tracing::warn!(target: "vigil::aggregator", %source, "a signature from this source did not verify; its signatures are now checked one by one");
                }
                if matches!(e, IntakeError::InvalidSignature) {
                    self.isolate(source);
                }
                metrics::unverified(source, e.code());
                return Err(e);
            }
        };
        // Verified: from here on the submission is its key owner's doing.
        let cp = signed.checkpoint;
        metrics::observe_rollup(cp.rollup_id);
        let head = inner.head.load(Ordering::SeqCst);
        let too_old =
            head.saturating_sub(cp.l1_block) > u64::from(inner.max_age.load(Ordering::SeqCst));
        let joins = !too_old && !inner.engine.is_done(cp.rollup_id, cp.height);
        if joins && !inner.set.is_cached(cp.l1_block) {
            // A new l1Block costs L1 reads: its key's budget pays (checked before storing, so a
            // refusal leaves nothing behind and the operator may retry).
            inner.snapshots.check(&signed.pubkey).map_err(IntakeError::RateLimited)?;
        }
        let inserted = inner
            .ingest
            .insert(NewSignature {
                signed,
                operator: registered.operator,
                received_at_ms: now_ms(),
            })
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        inner.feed.send_if_modified(|h| {
            let newer = inserted.seq > *h;
            if newer {
                *h = inserted.seq;
            }
            newer
        });
        if !joins {
            return Ok(Accepted { seq: inserted.seq, duplicate: inserted.duplicate, stale: true });
        }
        if !inner.set.is_cached(cp.l1_block) {
            metrics::intake_rpc("snapshot");
        }
        let snapshot = match inner.set.at(cp.l1_block).await {
            Ok(snapshot) => snapshot,
            Err(e) => {
                // A node without the state of an old block (a pruned full node, or a chain
                // restored from a state dump) cannot tell the set at `l1Block`. If the height is
                // certified on chain already, the signature is stale anyway: say so rather than
                // turn the operator away.
                if let Ok(Some(_)) = inner.set.recorded(cp.rollup_id, cp.height).await {
                    return Ok(Accepted {
                        seq: inserted.seq,
                        duplicate: inserted.duplicate,
                        stale: true,
                    });
                }
                return Err(IntakeError::Unavailable(e.to_string()));
            }
        };
        let threshold = self
            .threshold(cp.rollup_id)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
        let added = inner.engine.add(inserted.seq, &signed, sig, &snapshot, threshold, true);
        match added {
            Added::Joined | Added::Equivocation => {
                Ok(Accepted { seq: inserted.seq, duplicate: inserted.duplicate, stale: false })
            }
            Added::Stale | Added::NotInSet => {
                Ok(Accepted { seq: inserted.seq, duplicate: inserted.duplicate, stale: true })
            }
            Added::Invalid => {
                let _ = inner.store.mark_invalid(&[inserted.seq]).await;
                Err(IntakeError::InvalidSignature)
            }
        }
    }
}

impl Intake for Aggregator {
    fn accept(
        &self,
        signed: SignedCheckpoint,
        source: Source,
    ) -> impl Future<Output = Result<Accepted, IntakeError>> + Send {
        self.accept_inner(signed, source)
    }
}

fn hex_key(signed: &SignedCheckpoint) -> String {
    let bytes = signed.pubkey.0;
    let head: String = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("0x{head}…")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
