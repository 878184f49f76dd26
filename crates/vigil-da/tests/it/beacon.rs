//! `BeaconClient` against recorded beacon-node responses (testdata/realdata/beacon-api, see its
//! README section 2) replayed over real HTTP by an axum server on 127.0.0.1.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy::primitives::{B256, Bytes, FixedBytes, b256};
use axum::{
    Router,
    body::Bytes as Body,
    extract::State,
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vigil_da::{BeaconBlockId, BeaconClient, BeaconDialect, ChainTiming, DaError, L1BlockRef};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/realdata/beacon-api/");
const GOERLI: &str = "op-service-goerli/eth_v1_beacon_blob_sidecars_7422094_goerli.json";
const HOLESKY: &str = "alloy-holesky/sidecar.json";
/// The recorded genesis is mainnet's (despite the file name); the L1 timestamps below are the
/// slots' start times on that clock.
const GENESIS_TIME: u64 = 1_606_824_023;
const GOERLI_SLOT: u64 = 7_422_094;
const GOERLI_ROOT: B256 = b256!("8d657ef20f820bc147aba80dcfefc2bcd8a5a691722cadf75908c38f0623c96e");
const HOLESKY_SLOT: u64 = 1_409_759;
const HOLESKY_ROOT: B256 =
    b256!("c7d9a15af18c4e4db0f69d1e3d6b6f2b8b1ffea2291f65bb4134bbc4dece8782");
const TX: B256 = b256!("00000000000000000000000000000000000000000000000000000000000000aa");
const TIMEOUT: Duration = Duration::from_secs(5);

// ---- recorded data ----

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{file}")).unwrap()
}

/// `0x01 ‖ sha256(commitment)[1..]`, computed here from the JSON, independently of the crate.
fn versioned_hash(commitment_hex: &str) -> B256 {
    let commitment = hex::decode(commitment_hex.trim_start_matches("0x")).unwrap();
    let mut hash: [u8; 32] = Sha256::digest(commitment).into();
    hash[0] = 0x01;
    B256::from(hash)
}

/// A recorded `blob_sidecars` response.
struct Recorded {
    raw: Body,
    json: Value,
    slot: u64,
    blobs: Vec<String>,
    commitments: Vec<String>,
    versioned_hashes: Vec<B256>,
}

impl Recorded {
    fn load(file: &str) -> Self {
        let text = read(file);
        let json: Value = serde_json::from_str(&text).unwrap();
        let sidecars = json["data"].as_array().unwrap();
        let field = |name: &str| -> Vec<String> {
            sidecars.iter().map(|s| s[name].as_str().unwrap().to_owned()).collect()
        };
        let blobs = field("blob");
        let commitments = field("kzg_commitment");
        let versioned_hashes = commitments.iter().map(|c| versioned_hash(c)).collect();
        let slot = sidecars[0]["signed_block_header"]["message"]["slot"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        Self { raw: Body::from(text), json, slot, blobs, commitments, versioned_hashes }
    }

    /// The blobs with the versioned hashes the block commits to (the JSON's commitments).
    fn pairs(&self) -> Vec<(B256, String)> {
        self.versioned_hashes.iter().copied().zip(self.blobs.iter().cloned()).collect()
    }
}

/// A `GET /eth/v1/beacon/blobs/{id}` body in the spec's shape, filtered by the request's
/// comma-separated `versioned_hashes` like a real node (in block order, not request order).
fn blobs_body(pairs: &[(B256, String)], query: Option<&str>) -> Body {
    let wanted: Option<Vec<B256>> = query
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("versioned_hashes=")))
        .map(|list| list.split(',').map(|h| h.parse().unwrap()).collect());
    let data: Vec<&String> = pairs
        .iter()
        .filter(|(vh, _)| wanted.as_ref().is_none_or(|w| w.contains(vh)))
        .map(|(_, blob)| blob)
        .collect();
    Body::from(json!({"execution_optimistic": false, "finalized": true, "data": data}).to_string())
}

/// Flips the least significant bit of the blob's first field element (big-endian, so the
/// blob stays valid).
fn tamper_blob(blob: &str) -> String {
    let mut bytes = hex::decode(blob.trim_start_matches("0x")).unwrap();
    bytes[31] ^= 1;
    format!("0x{}", hex::encode(bytes))
}

fn block_at_slot(slot: u64) -> L1BlockRef {
    L1BlockRef {
        number: 18_000_000,
        hash: B256::ZERO,
        timestamp: GENESIS_TIME + slot * 12,
        child_parent_beacon_root: None,
    }
}

// ---- the fake beacon node ----

type Reply = (u16, Body);
type Handler = Arc<dyn Fn(&str, Option<&str>) -> Reply + Send + Sync>;

fn reply(status: u16, body: impl Into<Body>) -> Reply {
    (status, body.into())
}

fn not_found() -> Reply {
    reply(404, r#"{"code":404,"message":"Block not found"}"#)
}

/// A beacon node on 127.0.0.1 answering with `handler(path, query)`, recording each request.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(handler: impl Fn(&str, Option<&str>) -> Reply + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state: (Handler, _) = (Arc::new(handler), seen.clone());
        let app = Router::new().fallback(handle).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, seen }
    }

    /// A standard node serving the recorded mainnet genesis and spec, and `handler` otherwise.
    async fn standard(
        handler: impl Fn(&str, Option<&str>) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let genesis = Body::from(read("op-service-goerli/eth_v1_beacon_genesis_goerli.json"));
        let spec = Body::from(read("op-service-goerli/eth_v1_config_spec_goerli.json"));
        Self::start(move |path, query| match path {
            "/eth/v1/beacon/genesis" => (200, genesis.clone()),
            "/eth/v1/config/spec" => (200, spec.clone()),
            _ => handler(path, query),
        })
        .await
    }

    /// Requests whose path starts with `prefix`.
    fn hits(&self, prefix: &str) -> usize {
        self.seen.lock().unwrap().iter().filter(|u| u.starts_with(prefix)).count()
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn handle(
    State((handler, seen)): State<(Handler, Arc<Mutex<Vec<String>>>)>,
    uri: Uri,
) -> Response {
    seen.lock().unwrap().push(uri.to_string());
    let (status, body) = handler(uri.path(), uri.query());
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

/// A standard node serving `pairs` on `/blobs/` for any block_id, 404 elsewhere.
async fn serving_blobs(pairs: Vec<(B256, String)>) -> Server {
    Server::standard(move |path, query| {
        if path.starts_with("/eth/v1/beacon/blobs/") {
            (200, blobs_body(&pairs, query))
        } else {
            not_found()
        }
    })
    .await
}

/// Serves `sidecars` like a client without `/blobs/`: 404 there, `sidecars` for any block_id.
async fn sidecars_only(sidecars: Body) -> Server {
    Server::standard(move |path, _| {
        if path.starts_with("/eth/v1/beacon/blob_sidecars/") {
            (200, sidecars.clone())
        } else {
            not_found()
        }
    })
    .await
}

/// A URL nothing listens on.
async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn client(urls: &[&str]) -> BeaconClient {
    BeaconClient::new(
        urls.iter().map(|u| (*u).to_owned()).collect(),
        BeaconDialect::Standard,
        TIMEOUT,
    )
    .unwrap()
}

/// The clock in the middle of `epoch`.
const fn at_epoch(epoch: u64) -> u64 {
    GENESIS_TIME + (epoch * 32 + 16) * 12
}
const GOERLI_EPOCH: u64 = GOERLI_SLOT / 32;
fn clock_recent() -> u64 {
    at_epoch(GOERLI_EPOCH) + 60
}
/// The slot's epoch is exactly the oldest a node must serve.
fn clock_retention_edge() -> u64 {
    at_epoch(GOERLI_EPOCH + 4096)
}
fn clock_pruned() -> u64 {
    at_epoch(GOERLI_EPOCH + 4097)
}

// ---- 1. L1 block → block_id ----

#[tokio::test]
async fn maps_real_l1_block_to_block_id() {
    let server = Server::standard(|_, _| not_found()).await;
    let beacon = client(&[&server.url]);
    assert_eq!(
        beacon.timing().await.unwrap(),
        ChainTiming {
            genesis_time: GENESIS_TIME,
            seconds_per_slot: 12,
            slots_per_epoch: 32,
            // Absent from this (pre-Deneb) spec: the default.
            min_epochs_for_blob_sidecars_requests: 4096,
        }
    );
    let block = L1BlockRef { timestamp: GENESIS_TIME + GOERLI_SLOT * 12, ..block_at_slot(0) };
    assert_eq!(beacon.block_id(&block).await.unwrap(), BeaconBlockId::Slot(GOERLI_SLOT));
    let with_child = L1BlockRef { child_parent_beacon_root: Some(GOERLI_ROOT), ..block };
    assert_eq!(beacon.block_id(&with_child).await.unwrap(), BeaconBlockId::Root(GOERLI_ROOT));

    // Off the slot grid or before genesis: another chain, not a block to refuse.
    for timestamp in [block.timestamp + 5, GENESIS_TIME - 12] {
        let err = beacon.block_id(&L1BlockRef { timestamp, ..block }).await.unwrap_err();
        assert!(matches!(err, DaError::Beacon(_)) && err.is_retryable(), "{err}");
    }
    // Genesis and spec were fetched once.
    assert_eq!(server.hits("/eth/v1/beacon/genesis"), 1);
    assert_eq!(server.hits("/eth/v1/config/spec"), 1);

    let anvil = BeaconClient::new(vec![server.url.clone()], BeaconDialect::Anvil, TIMEOUT).unwrap();
    assert_eq!(
        anvil.block_id(&with_child).await.unwrap(),
        BeaconBlockId::ExecutionNumber(block.number)
    );
}

// ---- 2. every recorded sidecar verifies (Deneb fallback) ----

#[tokio::test]
async fn sidecars_fallback_verifies_every_recorded_commitment() {
    for (file, slot, root) in
        [(GOERLI, GOERLI_SLOT, GOERLI_ROOT), (HOLESKY, HOLESKY_SLOT, HOLESKY_ROOT)]
    {
        let recorded = Recorded::load(file);
        assert_eq!(recorded.slot, slot);
        let server = sidecars_only(recorded.raw.clone()).await;
        let beacon = client(&[&server.url]).with_clock(clock_recent);
        let block = block_at_slot(slot);

        let blobs = beacon.blobs(&block, TX, &recorded.versioned_hashes).await.unwrap();
        assert_eq!(blobs.len(), recorded.blobs.len(), "{file}");
        for (i, blob) in blobs.iter().enumerate() {
            assert_eq!(blob.versioned_hash, recorded.versioned_hashes[i], "{file} #{i}");
            assert_eq!(blob.commitment, recorded.commitments[i].parse::<FixedBytes<48>>().unwrap());
            assert_eq!(blob.data, recorded.blobs[i].parse::<Bytes>().unwrap());
        }
        // The order asked for, not the block's.
        let reversed: Vec<B256> = recorded.versioned_hashes.iter().rev().copied().collect();
        let blobs = beacon.blobs(&block, TX, &reversed).await.unwrap();
        let got: Vec<B256> = blobs.iter().map(|b| b.versioned_hash).collect();
        assert_eq!(got, reversed);
        // The endpoint lacks `/blobs/`: asked once, then remembered.
        assert_eq!(server.hits("/eth/v1/beacon/blobs/"), 1);
        assert_eq!(server.hits(&format!("/eth/v1/beacon/blob_sidecars/{slot}")), 2);

        // By root: the header's hash_tree_root must be that root.
        let by_root = L1BlockRef { child_parent_beacon_root: Some(root), ..block };
        assert_eq!(
            beacon.blobs(&by_root, TX, &recorded.versioned_hashes).await.unwrap().len(),
            blobs.len()
        );
        assert_eq!(server.hits(&format!("/eth/v1/beacon/blob_sidecars/{root}")), 1);

        // A node answering another block: by root, and by slot.
        let wrong_root =
            L1BlockRef { child_parent_beacon_root: Some(B256::repeat_byte(7)), ..block };
        let err = beacon.blobs(&wrong_root, TX, &recorded.versioned_hashes).await.unwrap_err();
        assert!(
            matches!(&err, DaError::WrongBeaconBlock { expected, found, .. } if *expected == slot && *found == slot),
            "{err}"
        );
        assert!(!err.is_retryable());
        let next_slot = block_at_slot(slot + 1);
        let err = beacon.blobs(&next_slot, TX, &recorded.versioned_hashes).await.unwrap_err();
        assert!(
            matches!(&err, DaError::WrongBeaconBlock { expected, found, .. } if *expected == slot + 1 && *found == slot),
            "{err}"
        );
    }
}

#[tokio::test]
async fn recorded_versioned_hashes_match_the_readme() {
    let recorded = Recorded::load(GOERLI);
    let prefixes = ["0x011075cb", "0x010a9e10", "0x016122c8", "0x01df1f9a", "0x01e5ee2f"];
    for (vh, prefix) in recorded.versioned_hashes.iter().zip(prefixes) {
        assert!(vh.to_string().starts_with(prefix), "{vh}");
    }
}

// ---- 3. `/blobs/` first ----

#[tokio::test]
async fn blobs_route_is_used_first() {
    let recorded = Recorded::load(GOERLI);
    let pairs = recorded.pairs();
    let server = Server::standard(move |path, query| {
        if path == format!("/eth/v1/beacon/blobs/{GOERLI_SLOT}") {
            (200, blobs_body(&pairs, query))
        } else {
            reply(500, "sidecars must not be asked")
        }
    })
    .await;
    let beacon = client(&[&server.url]);
    let wanted = [recorded.versioned_hashes[3], recorded.versioned_hashes[1]];
    let blobs = beacon.blobs(&block_at_slot(GOERLI_SLOT), TX, &wanted).await.unwrap();
    let got: Vec<B256> = blobs.iter().map(|b| b.versioned_hash).collect();
    assert_eq!(got, wanted);
    assert_eq!(server.hits("/eth/v1/beacon/blob_sidecars/"), 0);
    assert_eq!(
        server.requests().last().unwrap(),
        &format!("/eth/v1/beacon/blobs/{GOERLI_SLOT}?versioned_hashes={},{}", wanted[0], wanted[1])
    );
}

// ---- 4. tampering ----

#[tokio::test]
async fn tampered_blob_is_missing_and_not_retryable() {
    let recorded = Recorded::load(GOERLI);
    let mut pairs = recorded.pairs();
    // The node serves a tampered blob under the block's real versioned hash.
    pairs[2].1 = tamper_blob(&pairs[2].1);
    let server = serving_blobs(pairs).await;
    let beacon = client(&[&server.url]);
    let err = beacon
        .blobs(&block_at_slot(GOERLI_SLOT), TX, &recorded.versioned_hashes)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DaError::MissingBlob { tx, versioned_hash } if *tx == TX && *versioned_hash == recorded.versioned_hashes[2]),
        "{err}"
    );
    assert!(!err.is_retryable());
    // The untampered ones still verify.
    let ok = [recorded.versioned_hashes[0], recorded.versioned_hashes[4]];
    assert_eq!(beacon.blobs(&block_at_slot(GOERLI_SLOT), TX, &ok).await.unwrap().len(), 2);
}

#[tokio::test]
async fn tampered_declared_commitment_is_a_mismatch() {
    let recorded = Recorded::load(GOERLI);
    let mut json = recorded.json.clone();
    // Another valid commitment (sidecar 0's) declared for sidecar 1's blob.
    json["data"][1]["kzg_commitment"] = json!(recorded.commitments[0]);
    let server = sidecars_only(Body::from(json.to_string())).await;
    let beacon = client(&[&server.url]);
    let err = beacon
        .blobs(&block_at_slot(GOERLI_SLOT), TX, &recorded.versioned_hashes[..1])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DaError::CommitmentMismatch { index: 1, block_id } if block_id == "7422094"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

// ---- 5. not yet served → retried to success ----

#[tokio::test]
async fn not_yet_served_is_retried_to_success() {
    let recorded = Recorded::load(GOERLI);
    let pairs = recorded.pairs();
    let serving = Arc::new(AtomicBool::new(false));
    let flag = serving.clone();
    let server = Server::standard(move |path, query| {
        if path.starts_with("/eth/v1/beacon/blobs/") && flag.load(Ordering::SeqCst) {
            (200, blobs_body(&pairs, query))
        } else {
            not_found()
        }
    })
    .await;
    let beacon = client(&[&server.url]).with_clock(clock_recent);
    let block = block_at_slot(GOERLI_SLOT);
    let mut attempts = 0;
    let blobs = loop {
        attempts += 1;
        assert!(attempts <= 3, "never served");
        match beacon.blobs(&block, TX, &recorded.versioned_hashes).await {
            Ok(blobs) => break blobs,
            Err(e) => {
                assert!(
                    matches!(&e, DaError::BlobsNotYetServed { block: 18_000_000, block_id } if block_id == "7422094"),
                    "{e}"
                );
                assert!(e.is_retryable());
                // The node catches up.
                serving.store(true, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    };
    assert_eq!(attempts, 2);
    assert_eq!(blobs.len(), 5);
}

// ---- 6. pruned vs not yet served ----

#[tokio::test]
async fn pruned_blobs_are_a_typed_verdict() {
    let server = Server::standard(|_, _| not_found()).await;
    let block = block_at_slot(GOERLI_SLOT);
    let vh = [B256::repeat_byte(1)];
    let cases: [(fn() -> u64, bool); 3] =
        [(clock_recent, false), (clock_retention_edge, false), (clock_pruned, true)];
    for (clock, pruned) in cases {
        let beacon = client(&[&server.url]).with_clock(clock);
        let err = beacon.blobs(&block, TX, &vh).await.unwrap_err();
        if pruned {
            assert!(
                matches!(
                    err,
                    DaError::BlobsPruned {
                        block: 18_000_000,
                        slot: GOERLI_SLOT,
                        epoch: 231_940,
                        oldest_epoch: 231_941
                    }
                ),
                "{err}"
            );
            assert!(!err.is_retryable());
        } else {
            assert!(matches!(err, DaError::BlobsNotYetServed { .. }), "{err}");
            assert!(err.is_retryable());
        }
    }
}

#[tokio::test]
async fn gone_sidecars_route_leaves_the_blobs_404_standing() {
    // anvil's answer on the deprecated route: the `/blobs/` 404 is final.
    let server = Server::standard(|path, _| {
        if path.starts_with("/eth/v1/beacon/blob_sidecars/") {
            reply(410, "deprecated")
        } else {
            not_found()
        }
    })
    .await;
    let beacon = client(&[&server.url]).with_clock(clock_recent);
    let err =
        beacon.blobs(&block_at_slot(GOERLI_SLOT), TX, &[B256::repeat_byte(1)]).await.unwrap_err();
    assert!(matches!(err, DaError::BlobsNotYetServed { .. }), "{err}");
}

// ---- 7. failover ----

#[tokio::test]
async fn fails_over_to_a_serving_endpoint() {
    let recorded = Recorded::load(GOERLI);
    let pairs = recorded.pairs();
    let dead = dead_url().await;
    let failing = Server::start(|_, _| reply(500, "internal error")).await;
    let malformed = Server::standard(|_, _| reply(200, "{\"data\": [\"0x00")).await;
    let good = serving_blobs(pairs).await;
    let beacon = client(&[&dead, &failing.url, &malformed.url, &good.url]);
    let block = block_at_slot(GOERLI_SLOT);
    let blobs = beacon.blobs(&block, TX, &recorded.versioned_hashes).await.unwrap();
    assert_eq!(blobs.len(), 5);
    // Genesis failed over to #2; spec and blobs started there.
    assert_eq!(failing.requests(), ["/eth/v1/beacon/genesis"]);
    assert_eq!(malformed.hits("/eth/v1/beacon/blobs/"), 1);

    // The next request starts at the endpoint that answered.
    beacon.blobs(&block, TX, &recorded.versioned_hashes[..1]).await.unwrap();
    assert_eq!(failing.hits("/"), 1);
    assert_eq!(malformed.hits("/eth/v1/beacon/blobs/"), 1);
    assert_eq!(good.hits("/eth/v1/beacon/blobs/"), 2);

    // Debug output names no endpoint.
    let debug = format!("{beacon:?}");
    assert!(!debug.contains("127.0.0.1"), "{debug}");
}

/// An endpoint that accepts connections and never answers.
async fn hung_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

#[tokio::test]
async fn hung_endpoint_times_out_and_fails_over() {
    let recorded = Recorded::load(GOERLI);
    let pairs = recorded.pairs();
    let hung = hung_url().await;
    let good = serving_blobs(pairs).await;
    let beacon = BeaconClient::new(
        vec![hung, good.url.clone()],
        BeaconDialect::Standard,
        Duration::from_millis(200),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let blobs = beacon
        .blobs(&block_at_slot(GOERLI_SLOT), TX, &recorded.versioned_hashes[..2])
        .await
        .unwrap();
    assert_eq!(blobs.len(), 2);
    // One timeout (genesis); everything after starts at the endpoint that answered.
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn all_endpoints_dead_is_retryable_and_names_no_url() {
    let (a, b) = (dead_url().await, dead_url().await);
    let failing = Server::start(|_, _| reply(503, "unavailable")).await;
    let beacon = client(&[&a, &b, &failing.url]).with_clock(clock_recent);
    let err =
        beacon.blobs(&block_at_slot(GOERLI_SLOT), TX, &[B256::repeat_byte(1)]).await.unwrap_err();
    assert!(matches!(err, DaError::Beacon(_)) && err.is_retryable(), "{err}");
    let message = err.to_string();
    assert!(message.contains("all 3 beacon endpoints failed"), "{message}");
    for url in [&a, &b, &failing.url] {
        let port = url.rsplit(':').next().unwrap();
        assert!(!message.contains(port), "{message}");
    }
    assert!(!message.contains("127.0.0.1") && !message.contains("http"), "{message}");
}

// ---- 8. anvil ----

#[tokio::test]
async fn anvil_asks_by_execution_number() {
    let recorded = Recorded::load(GOERLI);
    let pairs = recorded.pairs();
    // anvil has no spec endpoint: the client must not need one.
    let server = Server::start(move |path, query| {
        if path == "/eth/v1/beacon/blobs/21000000" {
            (200, blobs_body(&pairs, query))
        } else {
            not_found()
        }
    })
    .await;
    let beacon =
        BeaconClient::new(vec![server.url.clone()], BeaconDialect::Anvil, TIMEOUT).unwrap();
    let block = L1BlockRef { number: 21_000_000, ..block_at_slot(GOERLI_SLOT) };
    let wanted = &recorded.versioned_hashes[1..3];
    let blobs = beacon.blobs(&block, TX, wanted).await.unwrap();
    assert_eq!(blobs.iter().map(|b| b.versioned_hash).collect::<Vec<_>>(), wanted);
    assert_eq!(
        server.requests(),
        [format!("/eth/v1/beacon/blobs/21000000?versioned_hashes={},{}", wanted[0], wanted[1])]
    );

    // A block anvil does not have (yet).
    let later = L1BlockRef { number: 21_000_001, ..block };
    let err = beacon.blobs(&later, TX, wanted).await.unwrap_err();
    assert!(
        matches!(&err, DaError::BlobsNotYetServed { block: 21_000_001, block_id } if block_id == "21000001"),
        "{err}"
    );
    assert_eq!(server.hits("/eth/v1/beacon/blob_sidecars/"), 0);
}

// ---- 9. hildr's blob ----

#[tokio::test]
async fn hildr_blob_has_its_published_versioned_hash() {
    let blob = read("hildr/verify_blob.txt").trim().to_owned();
    let versioned_hash = b256!("0117c47bf5c7f09ff5bf881d102ed3896050fdd3eccda6f46d94698d77b20331");
    let pairs = vec![(versioned_hash, blob.clone())];
    let server = serving_blobs(pairs).await;
    let beacon = client(&[&server.url]);
    let blobs = beacon.blobs(&block_at_slot(100), TX, &[versioned_hash]).await.unwrap();
    assert_eq!(blobs[0].versioned_hash, versioned_hash);
    assert_eq!(
        blobs[0].commitment.to_string(),
        "0x8fa54464cc0e8239eece0aaece71c0a77c3982458c90e23cf7d76047e4bc18ca53b9db993ea7c3f9c46e02a3e18c6f3f"
    );
    assert_eq!(blobs[0].data, blob.parse::<Bytes>().unwrap());
}
