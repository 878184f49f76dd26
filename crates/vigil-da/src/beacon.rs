//! The standard beacon API as a blob source: maps an L1 (execution) block to its beacon block,
//! fetches its blobs from `/eth/v1/beacon/blobs/{block_id}` (falling back to the Deneb
//! `/eth/v1/beacon/blob_sidecars/{block_id}` on older clients), fails over between endpoints,
//! and returns only blobs whose recomputed KZG commitments hash to the versioned hashes asked
//! for: nothing a beacon node says about a blob is trusted.
//!
//! Endpoint URLs may carry API keys, so no error or log line holds one: endpoints are named by
//! their position in the configured list ("beacon endpoint #0").

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU8, AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{B256, Bytes, FixedBytes};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use vigil_types::serde_helpers::quoted_u64;

use crate::{DaError, L1BlockRef, Result, VerifiedBlob, kzg};

const TARGET: &str = "vigil::da::beacon";

/// The spec's value (4096 epochs ≈ 18 days on mainnet), for nodes whose `/eth/v1/config/spec`
/// predates Deneb and omits it.
const DEFAULT_MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS: u64 = 4096;

/// Which beacon API a [`BeaconClient`] speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BeaconDialect {
    /// The standard beacon API of a real consensus client: blocks are addressed by slot or
    /// beacon block root.
    #[default]
    Standard,
    /// anvil's emulation: it serves only `/eth/v1/beacon/blobs/{block_id}` and reads `block_id`
    /// as an *execution* block number or hash. For devnets only.
    Anvil,
}

/// A beacon `block_id` path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BeaconBlockId {
    /// A beacon slot (shown in decimal).
    Slot(u64),
    /// A beacon block root (shown as `0x`-hex).
    Root(B256),
    /// An execution block number (shown in decimal): understood by anvil only
    /// ([`BeaconDialect::Anvil`]); a real node would read it as a slot.
    ExecutionNumber(u64),
}

impl fmt::Display for BeaconBlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Slot(n) | Self::ExecutionNumber(n) => write!(f, "{n}"),
            Self::Root(root) => write!(f, "{root}"),
        }
    }
}

/// The beacon chain's clock, from `/eth/v1/beacon/genesis` and `/eth/v1/config/spec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainTiming {
    /// Unix time (seconds) of slot 0.
    pub genesis_time: u64,
    /// `SECONDS_PER_SLOT` (12 on mainnet).
    pub seconds_per_slot: u64,
    /// `SLOTS_PER_EPOCH` (32 on mainnet).
    pub slots_per_epoch: u64,
    /// `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`: how many epochs back a node must serve blobs
    /// (4096 on mainnet).
    pub min_epochs_for_blob_sidecars_requests: u64,
}

impl ChainTiming {
    /// The slot that starts at `timestamp`, as an execution block's timestamp does; `None`
    /// before genesis or off a slot boundary (the timestamp is not of this beacon chain's
    /// execution chain).
    pub fn slot_of(&self, timestamp: u64) -> Option<u64> {
        let since = timestamp.checked_sub(self.genesis_time)?;
        match since.checked_rem(self.seconds_per_slot)? {
            0 => since.checked_div(self.seconds_per_slot),
            _ => None,
        }
    }

    /// The epoch of `slot` (0 if `slots_per_epoch` is 0, which a fetched timing never has).
    pub fn epoch_of_slot(&self, slot: u64) -> u64 {
        slot.checked_div(self.slots_per_epoch).unwrap_or(0)
    }

    /// The slot running at `timestamp` (0 before genesis).
    fn slot_at(&self, timestamp: u64) -> u64 {
        timestamp.saturating_sub(self.genesis_time).checked_div(self.seconds_per_slot).unwrap_or(0)
    }

    /// The oldest epoch whose blobs a node must still serve at `now`.
    fn oldest_served_epoch(&self, now: u64) -> u64 {
        self.epoch_of_slot(self.slot_at(now))
            .saturating_sub(self.min_epochs_for_blob_sidecars_requests)
    }
}

/// Fetches verified blobs from one or more beacon endpoints (failover, in order, starting from
/// the last that answered). Cheap to clone: clones share the cached [`ChainTiming`], the
/// preferred endpoint and what each endpoint is known to serve.
#[derive(Clone)]
pub struct BeaconClient {
    endpoints: Arc<[Endpoint]>,
    dialect: BeaconDialect,
    http: reqwest::Client,
    now: fn() -> u64,
    timing: Arc<OnceCell<ChainTiming>>,
    /// The endpoint that answered last: the next request starts there.
    preferred: Arc<AtomicUsize>,
}

impl fmt::Debug for BeaconClient {
    // No URLs: they may carry API keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BeaconClient")
            .field("endpoints", &self.endpoints.len())
            .field("dialect", &self.dialect)
            .field("timing", &self.timing.get())
            .field("preferred", &self.preferred.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Which blob route an endpoint serves, learnt from its answers.
const ROUTE_UNKNOWN: u8 = 0;
/// `/eth/v1/beacon/blobs/` answered 200.
const ROUTE_BLOBS: u8 = 1;
/// `/eth/v1/beacon/blobs/` is missing; `/eth/v1/beacon/blob_sidecars/` answered 200.
const ROUTE_SIDECARS: u8 = 2;

struct Endpoint {
    base: Url,
    route: AtomicU8,
}

impl Endpoint {
    fn url(&self, segments: &[&str], query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if let Some(query) = query {
            // Set by hand, not with `query_pairs_mut`: that would escape the commas of a
            // comma-separated list, which anvil does not decode.
            let query = match url.query() {
                Some(existing) if !existing.is_empty() => format!("{existing}&{query}"),
                _ => query.to_owned(),
            };
            url.set_query(Some(&query));
        }
        url
    }

    fn route(&self) -> u8 {
        self.route.load(Ordering::Relaxed)
    }

    fn set_route(&self, route: u8) {
        self.route.store(route, Ordering::Relaxed);
    }
}

/// A definitive answer from one endpoint (errors that move on to the next are `Err(String)`).
enum Served {
    /// `/blobs/`: bare blobs.
    Blobs(Vec<Bytes>),
    /// `/blob_sidecars/`: blobs with their declared commitments and block header.
    Sidecars(Vec<Sidecar>),
    /// The endpoint does not have the block (or not its blobs).
    NotFound,
}

/// The standard beacon API's envelope: `{"data": T}`.
#[derive(Debug, Clone, Deserialize)]
pub struct BeaconData<T> {
    /// What the endpoint answers.
    pub data: T,
}

/// `GET /eth/v1/beacon/genesis`, the part Vigil reads.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct BeaconGenesis {
    /// The beacon chain's genesis, in Unix seconds.
    #[serde(with = "quoted_u64")]
    pub genesis_time: u64,
}

/// `GET /eth/v1/config/spec`, the constants Vigil reads.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct BeaconSpec {
    /// `SECONDS_PER_SLOT`.
    #[serde(rename = "SECONDS_PER_SLOT", with = "quoted_u64")]
    pub seconds_per_slot: u64,
    /// `SLOTS_PER_EPOCH`.
    #[serde(rename = "SLOTS_PER_EPOCH", with = "quoted_u64")]
    pub slots_per_epoch: u64,
    /// `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`, the Deneb default when a node does not say.
    #[serde(
        rename = "MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS",
        with = "quoted_u64",
        default = "default_min_epochs"
    )]
    pub min_epochs_for_blob_sidecars_requests: u64,
}

fn default_min_epochs() -> u64 {
    DEFAULT_MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS
}

/// A Deneb `BlobSidecar`; the proofs are not needed (versioned hashes are checked instead).
#[derive(Deserialize)]
struct Sidecar {
    /// Counts across all blobs of the block.
    #[serde(with = "quoted_u64")]
    index: u64,
    blob: Bytes,
    kzg_commitment: FixedBytes<48>,
    signed_block_header: SignedHeader,
}

#[derive(Deserialize)]
struct SignedHeader {
    message: BeaconBlockHeader,
}

#[derive(Deserialize)]
struct BeaconBlockHeader {
    #[serde(with = "quoted_u64")]
    slot: u64,
    #[serde(with = "quoted_u64")]
    proposer_index: u64,
    parent_root: B256,
    state_root: B256,
    body_root: B256,
}

impl BeaconBlockHeader {
    /// SSZ `hash_tree_root`: the beacon block root. Five fields, each one 32-byte chunk
    /// (integers little-endian), padded to 8 leaves of a SHA-256 Merkle tree.
    fn root(&self) -> B256 {
        let mut leaves = [[0u8; 32]; 8];
        let fields: [&[u8]; 5] = [
            &self.slot.to_le_bytes(),
            &self.proposer_index.to_le_bytes(),
            self.parent_root.as_slice(),
            self.state_root.as_slice(),
            self.body_root.as_slice(),
        ];
        for (leaf, field) in leaves.iter_mut().zip(fields) {
            for (dst, src) in leaf.iter_mut().zip(field) {
                *dst = *src;
            }
        }
        let mut level: Vec<[u8; 32]> = leaves.to_vec();
        while level.len() > 1 {
            level = level
                .chunks_exact(2)
                .map(|pair| {
                    let mut hasher = Sha256::new();
                    for node in pair {
                        hasher.update(node);
                    }
                    hasher.finalize().into()
                })
                .collect();
        }
        level.first().map(|root| B256::from(*root)).unwrap_or_default()
    }
}

fn system_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Describes a transport error without its URL.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "failed reading the response body".to_owned()
    } else {
        "request failed".to_owned()
    }
}

fn parse<T: DeserializeOwned>(route: &str, body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("{route} answered malformed JSON: {e}"))
}

/// Parses a `/blob_sidecars/` answer as [`BeaconClient`] does and returns each sidecar's index
/// and its header's beacon block root. Only for the fuzz targets (`fuzz/`), which cannot name
/// the private sidecar types.
#[doc(hidden)]
pub fn parse_sidecars(body: &[u8]) -> Result<Vec<(u64, B256)>, String> {
    let sidecars: Vec<Sidecar> = parse::<BeaconData<_>>("/blob_sidecars/", body)?.data;
    Ok(sidecars.iter().map(|s| (s.index, s.signed_block_header.message.root())).collect())
}

impl BeaconClient {
    /// A client for the beacon endpoints `urls` (base URLs, tried in order), each request
    /// giving up after `timeout`. An empty list, or a URL that is not `http(s)`, is a
    /// [`DaError::Config`].
    pub fn new(urls: Vec<String>, dialect: BeaconDialect, timeout: Duration) -> Result<Self> {
        if urls.is_empty() {
            return Err(DaError::Config("no beacon endpoint configured".to_owned()));
        }
        let endpoints = urls
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let base = Url::parse(url.trim())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
                    .ok_or_else(|| {
                        DaError::Config(format!("beacon endpoint #{i} is not an http(s) URL"))
                    })?;
                Ok(Endpoint { base, route: AtomicU8::new(ROUTE_UNKNOWN) })
            })
            .collect::<Result<Arc<[Endpoint]>>>()?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| DaError::Config(format!("beacon HTTP client: {}", describe(&e))))?;
        Ok(Self {
            endpoints,
            dialect,
            http,
            now: system_now,
            timing: Arc::default(),
            preferred: Arc::default(),
        })
    }

    /// Reads the time (unix seconds) from `now` instead of the system clock: it decides whether
    /// missing blobs are pruned or not yet served.
    #[must_use]
    pub fn with_clock(mut self, now: fn() -> u64) -> Self {
        self.now = now;
        self
    }

    /// The beacon chain's clock, fetched once (with failover) and cached.
    pub async fn timing(&self) -> Result<ChainTiming> {
        self.timing
            .get_or_try_init(|| async {
                let genesis: BeaconGenesis = self
                    .failover("genesis", |ep| async move {
                        self.get_json(ep.url(&["eth", "v1", "beacon", "genesis"], None), "genesis")
                            .await
                    })
                    .await?;
                let spec: BeaconSpec = self
                    .failover("spec", |ep| async move {
                        let spec: BeaconSpec = self
                            .get_json(ep.url(&["eth", "v1", "config", "spec"], None), "spec")
                            .await?;
                        if spec.seconds_per_slot == 0 || spec.slots_per_epoch == 0 {
                            return Err(
                                "spec has a zero SECONDS_PER_SLOT or SLOTS_PER_EPOCH".to_owned()
                            );
                        }
                        Ok(spec)
                    })
                    .await?;
                let timing = ChainTiming {
                    genesis_time: genesis.genesis_time,
                    seconds_per_slot: spec.seconds_per_slot,
                    slots_per_epoch: spec.slots_per_epoch,
                    min_epochs_for_blob_sidecars_requests: spec
                        .min_epochs_for_blob_sidecars_requests,
                };
                tracing::debug!(
                    target: TARGET,
                    genesis_time = timing.genesis_time,
                    seconds_per_slot = timing.seconds_per_slot,
                    slots_per_epoch = timing.slots_per_epoch,
                    min_epochs = timing.min_epochs_for_blob_sidecars_requests,
                    "beacon chain timing"
                );
                Ok(timing)
            })
            .await
            .copied()
    }

    /// The beacon `block_id` that carries `block`. Standard: its beacon block root when the
    /// child block is known (EIP-4788), else its slot from the timestamp; a timestamp that is
    /// not a slot of this beacon chain means the beacon and execution endpoints serve different
    /// chains ([`DaError::Beacon`], so nothing is refused on a misconfiguration). Anvil: the
    /// execution block number.
    pub async fn block_id(&self, block: &L1BlockRef) -> Result<BeaconBlockId> {
        match (self.dialect, block.child_parent_beacon_root) {
            (BeaconDialect::Anvil, _) => Ok(BeaconBlockId::ExecutionNumber(block.number)),
            (BeaconDialect::Standard, Some(root)) => Ok(BeaconBlockId::Root(root)),
            (BeaconDialect::Standard, None) => {
                let timing = self.timing().await?;
                timing.slot_of(block.timestamp).map(BeaconBlockId::Slot).ok_or_else(|| {
                    DaError::Beacon(format!(
                        "execution block {} (timestamp {}) is not at a slot of the beacon chain \
                         (genesis {}, {} s slots): do the beacon and L1 endpoints serve the \
                         same chain?",
                        block.number, block.timestamp, timing.genesis_time, timing.seconds_per_slot
                    ))
                })
            }
        }
    }

    /// The blobs of `block` whose versioned hashes are `versioned_hashes`, in that order, each
    /// verified by recomputed KZG commitment. `tx` (the transaction carrying them) only names
    /// the culprit in a [`DaError::MissingBlob`].
    ///
    /// Verdicts (not retryable): [`DaError::MissingBlob`] when no served blob hashes to a
    /// requested versioned hash (a tampered or absent blob), [`DaError::CommitmentMismatch`] and
    /// [`DaError::WrongBeaconBlock`] when sidecars contradict their blobs or the block asked
    /// for, [`DaError::BlobsPruned`] past the retention window. Retryable:
    /// [`DaError::BlobsNotYetServed`], and [`DaError::Beacon`] when every endpoint failed.
    pub async fn blobs(
        &self,
        block: &L1BlockRef,
        tx: B256,
        versioned_hashes: &[B256],
    ) -> Result<Vec<VerifiedBlob>> {
        if versioned_hashes.is_empty() {
            return Ok(Vec::new());
        }
        let id = self.block_id(block).await?;
        let hashes: Vec<String> = versioned_hashes.iter().map(ToString::to_string).collect();
        let query = format!("versioned_hashes={}", hashes.join(","));
        let query = query.as_str();
        let served = self
            .failover("blobs", |ep| async move {
                match self.dialect {
                    BeaconDialect::Standard => self.fetch_standard(ep, id, query).await,
                    BeaconDialect::Anvil => self.fetch_anvil(ep, id, query).await,
                }
            })
            .await?;
        let blobs = match served {
            Served::NotFound => return Err(self.not_served(block, id).await),
            Served::Blobs(data) => kzg::recompute_blocking(data).await?,
            Served::Sidecars(sidecars) => self.verify_sidecars(block, id, sidecars).await?,
        };
        tracing::debug!(
            target: TARGET,
            block = block.number,
            block_id = %id,
            %tx,
            served = blobs.len(),
            wanted = versioned_hashes.len(),
            "blobs fetched"
        );
        versioned_hashes
            .iter()
            .map(|vh| {
                blobs
                    .iter()
                    .find(|b| b.versioned_hash == *vh)
                    .cloned()
                    .ok_or(DaError::MissingBlob { tx, versioned_hash: *vh })
            })
            .collect()
    }

    /// Asks each endpoint in turn, starting from the one that answered last, until one gives a
    /// definitive answer; `Err(reason)` from `attempt` moves on to the next.
    ///
    /// `attempt` is a closure returning a future, not an `AsyncFn`: the future of a
    /// higher-ranked async closure cannot be proven `Send` (a rustc limitation), and this one
    /// must be, or no caller of [`BeaconClient::blobs`] (the operator's run loop) can be
    /// spawned on a multi-threaded runtime.
    async fn failover<'a, T, F>(
        &'a self,
        what: &str,
        attempt: impl Fn(&'a Endpoint) -> F,
    ) -> Result<T>
    where
        F: std::future::Future<Output = Result<T, String>>,
    {
        let n = self.endpoints.len();
        let start = self.preferred.load(Ordering::Relaxed);
        let mut last = String::new();
        for k in 0..n {
            let i = start.wrapping_add(k) % n.max(1);
            let Some(endpoint) = self.endpoints.get(i) else { continue };
            match attempt(endpoint).await {
                Ok(answer) => {
                    if i != start {
                        tracing::info!(target: TARGET, endpoint = i, what, "failed over to beacon endpoint");
                    }
                    self.preferred.store(i, Ordering::Relaxed);
                    return Ok(answer);
                }
                Err(reason) => {
                    tracing::warn!(target: TARGET, endpoint = i, what, %reason, "beacon endpoint failed");
                    last = format!("beacon endpoint #{i}: {reason}");
                }
            }
        }
        Err(DaError::Beacon(format!("{what}: all {n} beacon endpoints failed (last: {last})")))
    }

    async fn get(&self, url: Url) -> Result<(StatusCode, Vec<u8>), String> {
        let response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| describe(&e))?;
        Ok((status, body.to_vec()))
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url, route: &str) -> Result<T, String> {
        match self.get(url).await? {
            (StatusCode::OK, body) => Ok(parse::<BeaconData<T>>(route, &body)?.data),
            (status, _) => Err(format!("{route} answered {status}")),
        }
    }

    /// `/blobs/` first, unless the endpoint is known to lack it; the Deneb `/blob_sidecars/`
    /// when it does.
    async fn fetch_standard(
        &self,
        ep: &Endpoint,
        id: BeaconBlockId,
        query: &str,
    ) -> Result<Served, String> {
        let id_segment = id.to_string();
        let mut blobs_status = None;
        if ep.route() != ROUTE_SIDECARS {
            let url = ep.url(&["eth", "v1", "beacon", "blobs", &id_segment], Some(query));
            match self.get(url).await? {
                (StatusCode::OK, body) => {
                    let data: Vec<Bytes> = parse::<BeaconData<_>>("/blobs/", &body)?.data;
                    ep.set_route(ROUTE_BLOBS);
                    return Ok(Served::Blobs(data));
                }
                // The route exists here: a 404 is about the block.
                (StatusCode::NOT_FOUND, _) if ep.route() == ROUTE_BLOBS => {
                    return Ok(Served::NotFound);
                }
                // Older clients lack the route.
                (
                    status @ (StatusCode::NOT_FOUND
                    | StatusCode::BAD_REQUEST
                    | StatusCode::METHOD_NOT_ALLOWED
                    | StatusCode::NOT_IMPLEMENTED),
                    _,
                ) => blobs_status = Some(status),
                (status, _) => return Err(format!("/blobs/ answered {status}")),
            }
        }
        let url = ep.url(&["eth", "v1", "beacon", "blob_sidecars", &id_segment], None);
        match self.get(url).await? {
            (StatusCode::OK, body) => {
                let sidecars: Vec<Sidecar> = parse::<BeaconData<_>>("/blob_sidecars/", &body)?.data;
                ep.set_route(ROUTE_SIDECARS);
                Ok(Served::Sidecars(sidecars))
            }
            (StatusCode::NOT_FOUND, _) => Ok(Served::NotFound),
            // anvil: the sidecars route is gone, so the `/blobs/` 404 stands.
            (StatusCode::GONE, _) if blobs_status == Some(StatusCode::NOT_FOUND) => {
                Ok(Served::NotFound)
            }
            (status, _) => Err(match blobs_status {
                Some(blobs) => format!("/blobs/ answered {blobs}, /blob_sidecars/ {status}"),
                None => format!("/blob_sidecars/ answered {status}"),
            }),
        }
    }

    async fn fetch_anvil(
        &self,
        ep: &Endpoint,
        id: BeaconBlockId,
        query: &str,
    ) -> Result<Served, String> {
        let url = ep.url(&["eth", "v1", "beacon", "blobs", &id.to_string()], Some(query));
        match self.get(url).await? {
            (StatusCode::OK, body) => {
                Ok(Served::Blobs(parse::<BeaconData<_>>("/blobs/", &body)?.data))
            }
            (StatusCode::NOT_FOUND, _) => Ok(Served::NotFound),
            (status, _) => Err(format!("/blobs/ answered {status}")),
        }
    }

    /// Checks that the sidecars belong to the block asked for and declare the commitments
    /// their blobs have; returns the blobs with recomputed commitments.
    async fn verify_sidecars(
        &self,
        block: &L1BlockRef,
        id: BeaconBlockId,
        sidecars: Vec<Sidecar>,
    ) -> Result<Vec<VerifiedBlob>> {
        for sidecar in &sidecars {
            let header = &sidecar.signed_block_header.message;
            let matches = match id {
                BeaconBlockId::Slot(slot) => header.slot == slot,
                BeaconBlockId::Root(root) => header.root() == root,
                BeaconBlockId::ExecutionNumber(_) => true,
            };
            if !matches {
                let expected = match id {
                    BeaconBlockId::Slot(slot) => slot,
                    _ => self.timing().await?.slot_at(block.timestamp),
                };
                return Err(DaError::WrongBeaconBlock {
                    block_id: id.to_string(),
                    expected,
                    found: header.slot,
                });
            }
        }
        let data = sidecars.iter().map(|s| s.blob.clone()).collect();
        let blobs = kzg::recompute_blocking(data).await?;
        for (sidecar, blob) in sidecars.iter().zip(&blobs) {
            if sidecar.kzg_commitment != blob.commitment {
                return Err(DaError::CommitmentMismatch {
                    block_id: id.to_string(),
                    index: sidecar.index,
                });
            }
        }
        Ok(blobs)
    }

    /// Why no endpoint served the blobs: past the retention window, or not (yet) there.
    async fn not_served(&self, block: &L1BlockRef, id: BeaconBlockId) -> DaError {
        let not_yet = DaError::BlobsNotYetServed { block: block.number, block_id: id.to_string() };
        if self.dialect == BeaconDialect::Anvil {
            return not_yet;
        }
        let timing = match self.timing().await {
            Ok(timing) => timing,
            Err(e) => return e,
        };
        let slot = timing.slot_at(block.timestamp);
        let epoch = timing.epoch_of_slot(slot);
        let oldest_epoch = timing.oldest_served_epoch((self.now)());
        if epoch < oldest_epoch {
            tracing::warn!(target: TARGET, block = block.number, slot, epoch, oldest_epoch, "blobs pruned");
            DaError::BlobsPruned { block: block.number, slot, epoch, oldest_epoch }
        } else {
            tracing::debug!(target: TARGET, block = block.number, block_id = %id, "blobs not served yet");
            not_yet
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::b256;

    const MAINNET: ChainTiming = ChainTiming {
        genesis_time: 1_606_824_023,
        seconds_per_slot: 12,
        slots_per_epoch: 32,
        min_epochs_for_blob_sidecars_requests: 4096,
    };

    #[test]
    fn slot_of() {
        let cases = [
            // (timestamp, slot)
            (MAINNET.genesis_time, Some(0)),
            (MAINNET.genesis_time + 12, Some(1)),
            (MAINNET.genesis_time + 7_422_094 * 12, Some(7_422_094)),
            (MAINNET.genesis_time + 13, None),
            (MAINNET.genesis_time - 12, None),
            (0, None),
        ];
        for (timestamp, slot) in cases {
            assert_eq!(MAINNET.slot_of(timestamp), slot, "timestamp {timestamp}");
        }
        let broken = ChainTiming { seconds_per_slot: 0, ..MAINNET };
        assert_eq!(broken.slot_of(MAINNET.genesis_time), None);
    }

    #[test]
    fn epochs() {
        let cases = [(0, 0), (31, 0), (32, 1), (7_422_094, 231_940)];
        for (slot, epoch) in cases {
            assert_eq!(MAINNET.epoch_of_slot(slot), epoch, "slot {slot}");
        }
        assert_eq!(ChainTiming { slots_per_epoch: 0, ..MAINNET }.epoch_of_slot(5), 0);
        // Retention: 4096 epochs back from the running epoch, never below 0.
        let now = MAINNET.genesis_time + (5000 * 32 + 7) * 12;
        assert_eq!(MAINNET.oldest_served_epoch(now), 5000 - 4096);
        assert_eq!(MAINNET.oldest_served_epoch(MAINNET.genesis_time + 100), 0);
        assert_eq!(MAINNET.oldest_served_epoch(0), 0);
    }

    #[test]
    fn block_id_path_segment() {
        assert_eq!(BeaconBlockId::Slot(7_422_094).to_string(), "7422094");
        assert_eq!(BeaconBlockId::ExecutionNumber(42).to_string(), "42");
        let root = b256!("8d657ef20f820bc147aba80dcfefc2bcd8a5a691722cadf75908c38f0623c96e");
        assert_eq!(
            BeaconBlockId::Root(root).to_string(),
            "0x8d657ef20f820bc147aba80dcfefc2bcd8a5a691722cadf75908c38f0623c96e"
        );
    }

    #[test]
    fn dialect_serde() {
        assert_eq!(serde_json::to_string(&BeaconDialect::Standard).unwrap(), r#""standard""#);
        assert_eq!(
            serde_json::from_str::<BeaconDialect>(r#""anvil""#).unwrap(),
            BeaconDialect::Anvil
        );
        assert_eq!(BeaconDialect::default(), BeaconDialect::Standard);
    }

    /// The recorded slot-7422094 header (op-service testdata) hashes to its known block root.
    #[test]
    fn header_root() {
        let header = BeaconBlockHeader {
            slot: 7_422_094,
            proposer_index: 129_686,
            parent_root: b256!("811c9952feff5a7c8325635f1729e31ebca866ed88a53aa5f26cd11d4b9788a0"),
            state_root: b256!("0bd0bd3f512e5f64d36170790010238168bf0dfcdc22fc438fcf12e7675b33ae"),
            body_root: b256!("71d8c523acce371dfce3ce7bc2897e62fcd72eafa2870be5ce6c08b94d444fe3"),
        };
        assert_eq!(
            header.root(),
            b256!("8d657ef20f820bc147aba80dcfefc2bcd8a5a691722cadf75908c38f0623c96e")
        );
    }

    #[test]
    fn endpoint_urls_keep_base_path_and_query() {
        let ep = Endpoint {
            base: Url::parse("https://node.example/key123/?token=a").unwrap(),
            route: AtomicU8::new(ROUTE_UNKNOWN),
        };
        let url =
            ep.url(&["eth", "v1", "beacon", "blobs", "7"], Some("versioned_hashes=0x01,0x02"));
        assert_eq!(
            url.as_str(),
            "https://node.example/key123/eth/v1/beacon/blobs/7?token=a&versioned_hashes=0x01,0x02"
        );
        let ep = Endpoint {
            base: Url::parse("http://127.0.0.1:5052").unwrap(),
            route: AtomicU8::new(ROUTE_UNKNOWN),
        };
        assert_eq!(
            ep.url(&["eth", "v1", "beacon", "genesis"], None).as_str(),
            "http://127.0.0.1:5052/eth/v1/beacon/genesis"
        );
    }

    #[test]
    fn new_rejects_bad_config_without_echoing_urls() {
        let err =
            BeaconClient::new(vec![], BeaconDialect::Standard, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, DaError::Config(_)), "{err}");
        let err = BeaconClient::new(
            vec!["http://ok.example".into(), "secret-key@nowhere".into()],
            BeaconDialect::Standard,
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(matches!(&err, DaError::Config(m) if m.contains("#1") && !m.contains("secret")));
    }
}
