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
use vigil_types::{SignedCheckpoint, SigningDomain};

use crate::{
    engine::{Added, Engine, EngineConfig, now_ms},
    intake::{Accepted, Intake, IntakeError},
    metrics,
    operator_set::{OperatorSetView, SetError},
    store::{IngestHandle, IngestWriter, NewSignature, Store, StoreError},
};

/// How long a rollup's threshold is cached.
const THRESHOLD_TTL: Duration = Duration::from_secs(30);

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
                self.inner.engine.mark_done(key.0, key.1);
                continue;
            }
            let Ok(sig) = Signature::from_bytes_unchecked_subgroup(e.signed.signature.as_slice())
            else {
                continue;
            };
            let snapshot = self.inner.set.at(cp.l1_block).await?;
            let threshold = self.threshold(cp.rollup_id).await?;
            if self.inner.engine.add(e.seq, &e.signed, sig, &snapshot, threshold) == Added::Joined {
                replayed += 1;
            }
        }
        tracing::info!(target: "vigil::aggregator", replayed, rounds = certified.len(), "open rounds restored from the database");
        Ok(replayed)
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
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    async fn accept_inner(&self, signed: SignedCheckpoint) -> Result<Accepted, IntakeError> {
        let inner = &self.inner;
        if signed.domain != inner.domain {
            return Err(IntakeError::WrongDomain {
                expected: format!("{:?}", inner.domain),
                got: format!("{:?}", signed.domain),
            });
        }
        let cp = signed.checkpoint;
        let registered = inner
            .set
            .key(&signed.pubkey)
            .await
            .map_err(|e| IntakeError::Unavailable(e.to_string()))?
            .ok_or_else(|| IntakeError::UnknownOperator(hex_key(&signed)))?;
        metrics::observe_rollup(cp.rollup_id);
        let sig = Signature::from_bytes_unchecked_subgroup(signed.signature.as_slice())
            .map_err(|e| IntakeError::MalformedSignature(e.to_string()))?;
        if sig.is_identity() {
            return Err(IntakeError::MalformedSignature("the identity point".into()));
        }
        let mut head = inner.head.load(Ordering::SeqCst);
        if cp.l1_block > head {
            head =
                self.refresh_head().await.map_err(|e| IntakeError::Unavailable(e.to_string()))?;
            if cp.l1_block > head {
                return Err(IntakeError::FutureL1Block { l1_block: cp.l1_block, head });
            }
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
        let too_old =
            head.saturating_sub(cp.l1_block) > u64::from(inner.max_age.load(Ordering::SeqCst));
        if too_old || inner.engine.is_done(cp.rollup_id, cp.height) {
            return Ok(Accepted { seq: inserted.seq, duplicate: inserted.duplicate, stale: true });
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
        let added = inner.engine.add(inserted.seq, &signed, sig, &snapshot, threshold);
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
    ) -> impl Future<Output = Result<Accepted, IntakeError>> + Send {
        self.accept_inner(signed)
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
