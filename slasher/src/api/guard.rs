//! What keeps the public routes from being flooded: a failure budget per source ([`Budget`]),
//! the registration of keys remembered in a bounded cache ([`KnownKeys`]), and a bounded pool of
//! verification jobs off the async workers ([`Guard::run`]).

use std::{
    collections::{HashMap, HashSet, VecDeque},
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, Keccak256},
    providers::DynProvider,
};
use axum::http::StatusCode;
use tokio::sync::Semaphore;
use tracing::info;
use vigil_chain::bindings::VigilVerifier;
use vigil_crypto::PublicKey;
use vigil_service::http::{HttpError as ApiError, Source, rate_limit::RateLimiter};
use vigil_types::{PublicKeyBytes, SignedCheckpoint};

use crate::metrics;

/// How often a full cache of unregistered keys may be swept for expired entries.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Signed checkpoints remembered as stored (some 7 MiB at most): a replay of one of them is a
/// `duplicate` at the cost of a hash.
const RECENTLY_STORED: usize = 65_536;

/// What the guard is configured with (the `[api]` section's fields of the same names; their
/// defaults are there).
#[derive(Clone, Copy, Debug)]
pub struct GuardLimits {
    /// Failed items per second a source may make, sustained.
    pub failure_rate: u32,
    /// Failed items a source may make in a burst.
    pub failure_burst: u32,
    /// Sources tracked.
    pub max_sources: usize,
    /// Keys remembered, registered and unregistered each.
    pub key_cache: usize,
    /// How long a key found unregistered stays so.
    pub unknown_key_ttl: Duration,
}

/// The budget key of a source: an IPv4 address, or an IPv6 /64 (what one host usually holds,
/// so a host cannot mint fresh budgets from its own prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SourceKey {
    V4([u8; 4]),
    V6([u8; 8]),
}

impl SourceKey {
    fn of(source: Source) -> Self {
        match source.0 {
            IpAddr::V4(v4) => Self::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets()),
                None => Self::V6(v6.octets().first_chunk::<8>().copied().unwrap_or_default()),
            },
        }
    }
}

/// The public routes' shared guard.
#[derive(Debug)]
pub(crate) struct Guard {
    failures: RateLimiter<SourceKey>,
    keys: KnownKeys,
    jobs: Arc<Semaphore>,
    stored: Mutex<Recent>,
}

/// The latest `capacity` fingerprints, oldest evicted first.
#[derive(Debug, Default)]
struct Recent {
    set: HashSet<B256>,
    order: VecDeque<B256>,
    capacity: usize,
}

impl Recent {
    fn insert(&mut self, fingerprint: B256) {
        if !self.set.insert(fingerprint) {
            return;
        }
        self.order.push_back(fingerprint);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

/// What identifies one signed checkpoint exactly: its key, its signature's bytes and its digest
/// (domain and checkpoint).
pub(crate) fn fingerprint(signed: &SignedCheckpoint) -> B256 {
    let mut hasher = Keccak256::new();
    hasher.update(signed.pubkey.0);
    hasher.update(signed.signature.as_slice());
    hasher.update(signed.digest());
    hasher.finalize()
}

impl Guard {
    /// A guard reading registrations from `verifier` over `provider`, running at most as many
    /// verification jobs at once as there are cores.
    pub(crate) fn new(limits: GuardLimits, provider: DynProvider, verifier: Address) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            failures: RateLimiter::new(
                limits.failure_rate,
                limits.failure_burst,
                limits.max_sources,
            ),
            keys: KnownKeys::new(provider, verifier, limits.key_cache, limits.unknown_key_ttl),
            jobs: Arc::new(Semaphore::new(cores)),
            stored: Mutex::new(Recent { capacity: RECENTLY_STORED, ..Recent::default() }),
        }
    }

    /// Whether a signed checkpoint with this fingerprint was stored recently (so it verified).
    pub(crate) fn stored_recently(&self, fingerprint: &B256) -> bool {
        self.stored.lock().unwrap_or_else(PoisonError::into_inner).set.contains(fingerprint)
    }

    /// Remembers these signed checkpoints as stored and ingested.
    pub(crate) fn remember_stored(&self, fingerprints: impl IntoIterator<Item = B256>) {
        let mut stored = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
        for fingerprint in fingerprints {
            stored.insert(fingerprint);
        }
    }

    /// The registration cache.
    pub(crate) const fn keys(&self) -> &KnownKeys {
        &self.keys
    }

    /// The failure budget of `source`.
    pub(crate) fn budget(self: &Arc<Self>, source: Source) -> Budget {
        Budget { guard: self.clone(), key: SourceKey::of(source), source }
    }

    /// Runs `job` (pairings, point decoding) on the blocking pool, waiting for one of the
    /// verification slots: CPU-bound work never runs on the async workers, and never more of it
    /// at once than there are cores. A job outlives a cancelled request, holding its slot.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = self.jobs.clone().acquire_owned().await.map_err(|_| unavailable())?;
        let started = Instant::now();
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(ApiError::internal)?;
        metrics::verify_job(started.elapsed());
        Ok(out)
    }
}

/// 503 `unavailable`.
pub(crate) fn unavailable() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "shutting down")
}

/// One request's view of its source's failure budget.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    guard: Arc<Guard>,
    key: SourceKey,
    source: Source,
}

impl Budget {
    /// How long until the source may be served again, if its budget is spent.
    pub(crate) fn spent(&self) -> Option<Duration> {
        self.guard.failures.peek(&self.key).err()
    }

    /// 429 `rate_limited` (counted for `kind`) if the budget is spent: checked before any work.
    pub(crate) fn check(&self, kind: &str) -> Result<(), ApiError> {
        match self.spent() {
            None => Ok(()),
            Some(wait) => {
                metrics::public(kind, "rate_limited");
                Err(rate_limited(wait))
            }
        }
    }

    /// Charges one failure.
    pub(crate) fn charge(&self) {
        let had = self.spent().is_none();
        self.guard.failures.charge(&self.key);
        if had && self.spent().is_some() {
            metrics::source_throttled();
            info!(target: "vigil::slasher::api", source = %self.source, "source spent its failure budget: throttled");
        }
    }

    /// Charges one failure and counts `error` for `kind` under its code.
    pub(crate) fn fail(&self, kind: &str, label: &str, error: ApiError) -> ApiError {
        self.charge();
        metrics::public(kind, label);
        error
    }
}

/// 429 `rate_limited` with `Retry-After` (whole seconds, rounded up, at least 1).
pub(crate) fn rate_limited(wait: Duration) -> ApiError {
    let secs = wait.as_secs();
    let secs = if wait.subsec_nanos() > 0 || secs == 0 { secs.saturating_add(1) } else { secs };
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many failed submissions from this address; retry later",
    )
    .retry_after(secs)
}

/// What the chain says of a key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Registration {
    /// Bound to an operator (for good: the registrar never unbinds a key), decoded.
    Registered(PublicKey),
    /// No operator holds it.
    Unregistered,
    /// Not a valid key (off the curve, outside the subgroup, the identity): never registrable.
    Undecodable,
}

#[derive(Debug, Default)]
struct KeyCache {
    registered: HashMap<PublicKeyBytes, PublicKey>,
    unknown: HashMap<PublicKeyBytes, Instant>,
    last_sweep: Option<Instant>,
}

/// Which keys are registered with the verifier, remembered: registered keys for good,
/// unregistered ones for a TTL. Each map holds at most `capacity` keys, so a flood of made-up
/// keys costs at most that much memory (an evicted key is only asked about again).
#[derive(Debug)]
pub(crate) struct KnownKeys {
    verifier: VigilVerifier::VigilVerifierInstance<DynProvider>,
    capacity: usize,
    ttl: Duration,
    cache: Mutex<KeyCache>,
}

impl KnownKeys {
    fn new(provider: DynProvider, verifier: Address, capacity: usize, ttl: Duration) -> Self {
        Self {
            verifier: VigilVerifier::new(verifier, provider),
            capacity: capacity.max(1),
            ttl,
            cache: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeyCache> {
        // Plain maps, valid whatever a panicking holder left.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the cache knows of `pubkey`, without asking the chain.
    pub(crate) fn cached(&self, pubkey: &PublicKeyBytes) -> Option<Registration> {
        let cache = self.lock();
        if let Some(key) = cache.registered.get(pubkey) {
            return Some(Registration::Registered(*key));
        }
        cache
            .unknown
            .get(pubkey)
            .is_some_and(|at| at.elapsed() < self.ttl)
            .then_some(Registration::Unregistered)
    }

    /// Asks the chain whether `key` (decoded from `pubkey`) is registered, and remembers.
    pub(crate) async fn ask(
        &self,
        pubkey: &PublicKeyBytes,
        key: PublicKey,
    ) -> Result<Registration, String> {
        let operator = self
            .verifier
            .operatorOfKey(vigil_chain::key_hash(&key))
            .call()
            .await
            .map_err(|e| format!("cannot read the verifier: {e}"))?;
        if operator == Address::ZERO {
            self.remember_unregistered(pubkey, Instant::now());
            return Ok(Registration::Unregistered);
        }
        let mut cache = self.lock();
        cache.unknown.remove(pubkey);
        if cache.registered.len() < self.capacity {
            cache.registered.insert(*pubkey, key);
        }
        Ok(Registration::Registered(key))
    }

    /// Remembers `pubkey` as unregistered at `now`. When the map is full, expired entries go
    /// first (at most one sweep a second), then an arbitrary one.
    fn remember_unregistered(&self, pubkey: &PublicKeyBytes, now: Instant) {
        let mut cache = self.lock();
        if cache.unknown.len() >= self.capacity && !cache.unknown.contains_key(pubkey) {
            let due = cache.last_sweep.is_none_or(|at| now.duration_since(at) >= SWEEP_INTERVAL);
            if due {
                let ttl = self.ttl;
                cache.unknown.retain(|_, at| now.duration_since(*at) < ttl);
                cache.last_sweep = Some(now);
            }
            if cache.unknown.len() >= self.capacity
                && let Some(evict) = cache.unknown.keys().next().copied()
            {
                cache.unknown.remove(&evict);
            }
        }
        cache.unknown.insert(*pubkey, now);
    }

    /// The registration of `pubkey`: from the cache, else decoded on `guard`'s pool and asked.
    pub(crate) async fn of(
        &self,
        guard: &Guard,
        pubkey: PublicKeyBytes,
    ) -> Result<Registration, ApiError> {
        if let Some(known) = self.cached(&pubkey) {
            return Ok(known);
        }
        let Some(key) = guard.run(move || PublicKey::from_wire(&pubkey).ok()).await? else {
            return Ok(Registration::Undecodable);
        };
        self.ask(&pubkey, key).await.map_err(chain_unavailable)
    }

    /// Entries held (registered, unregistered).
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let cache = self.lock();
        (cache.registered.len(), cache.unknown.len())
    }
}

/// 503 `unavailable` because the chain cannot be read (the detail goes to the log).
pub(crate) fn chain_unavailable(detail: String) -> ApiError {
    tracing::warn!(target: "vigil::slasher::api", error = %detail, "cannot check a key's registration");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "cannot read the operator set now; retry",
    )
    .retry_after(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::{Ipv4Addr, Ipv6Addr};

    use alloy::providers::Provider as _;

    use super::*;

    #[test]
    fn sources_are_addresses_and_ipv6_prefixes() {
        let v4 = |a: [u8; 4]| SourceKey::of(Source(IpAddr::V4(Ipv4Addr::from(a))));
        assert_eq!(v4([127, 0, 0, 1]), v4([127, 0, 0, 1]));
        assert_ne!(v4([127, 0, 0, 1]), v4([127, 0, 0, 2]));
        let v6 = |s: &str| SourceKey::of(Source(IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())));
        assert_eq!(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"), "one /64");
        assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
        assert_eq!(v6("::ffff:127.0.0.1"), v4([127, 0, 0, 1]), "mapped IPv4 is IPv4");
    }

    #[test]
    fn retry_after_rounds_up() {
        let secs = |d| rate_limited(d).into_response_secs();
        assert_eq!(secs(Duration::ZERO), 1);
        assert_eq!(secs(Duration::from_millis(20)), 1);
        assert_eq!(secs(Duration::from_secs(2)), 2);
        assert_eq!(secs(Duration::from_millis(2_001)), 3);
    }

    trait RetryAfter {
        fn into_response_secs(self) -> u64;
    }

    impl RetryAfter for ApiError {
        fn into_response_secs(self) -> u64 {
            use axum::response::IntoResponse as _;
            let response = self.into_response();
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            response.headers()[axum::http::header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
        }
    }

    #[test]
    fn recently_stored_is_bounded_and_forgets_the_oldest() {
        let mut recent = Recent { capacity: 3, ..Recent::default() };
        for i in 0..10u8 {
            recent.insert(B256::repeat_byte(i));
            recent.insert(B256::repeat_byte(i));
            assert!(recent.set.len() <= 3 && recent.order.len() == recent.set.len());
        }
        assert!(recent.set.contains(&B256::repeat_byte(9)));
        assert!(recent.set.contains(&B256::repeat_byte(7)));
        assert!(!recent.set.contains(&B256::repeat_byte(6)));
    }

    /// A flood of made-up keys, all unregistered: the cache never holds more than its capacity,
    /// and expired entries make room first.
    #[tokio::test]
    async fn unregistered_keys_stay_bounded() {
        // Only the cache's bookkeeping is exercised: no chain is asked.
        let provider = alloy::providers::ProviderBuilder::new()
            .connect_http("http://127.0.0.1:1".parse().unwrap())
            .erased();
        let keys = KnownKeys::new(provider, Address::ZERO, 8, Duration::from_millis(50));
        let key = |i: u32| {
            let mut b = [0u8; vigil_types::PUBLIC_KEY_COMPRESSED_LEN];
            b[..4].copy_from_slice(&i.to_le_bytes());
            PublicKeyBytes(b)
        };
        let t0 = Instant::now();
        for i in 0..10_000 {
            keys.remember_unregistered(&key(i), t0);
            assert!(keys.len().1 <= 8);
        }
        assert_eq!(keys.len(), (0, 8));
        assert!(matches!(keys.cached(&key(9_999)), Some(Registration::Unregistered)));
        // Later, one sweep drops every expired entry.
        let t1 = t0 + Duration::from_secs(2);
        keys.remember_unregistered(&key(20_000), t1);
        assert_eq!(keys.len(), (0, 1));
        keys.remember_unregistered(&key(30_000), Instant::now());
        assert!(keys.cached(&key(30_000)).is_some());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(keys.cached(&key(30_000)).is_none(), "expired after the TTL");
    }
}
