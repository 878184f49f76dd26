//! Two `vigil-aggregator` processes on one PostgreSQL behind a round-robin proxy, both
//! SIGKILLed and restarted mid-run: operators' signatures are split across the replicas (no
//! replica alone ever holds a quorum), yet every height is certified, by exactly one
//! transaction, no accepted signature is missing from the feed, and the four processes' lease
//! names differ although every one is configured with the same `replica_id`.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::{
    eips::BlockNumberOrTag,
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use axum::{
    Router,
    body::Bytes,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use vigil_aggregator::store::Store;
use vigil_chain::bindings::VigilVerifier;
use vigil_test_utils::{PgServer, TestNetwork};

use crate::restart::{Node, ROLLUP, checkpoint};

#[derive(Clone)]
struct RoundRobin {
    upstreams: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    http: reqwest::Client,
}

/// A load balancer: each request goes to the next replica; one that does not answer (killed)
/// or answers 5xx is skipped for the other. Signatures are idempotent, so a retry is safe.
async fn balance(State(rr): State<RoundRobin>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let content_type = request.headers().get("content-type").cloned();
    let Ok(body) = axum::body::to_bytes(request.into_body(), 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let first = rr.next.fetch_add(1, Ordering::Relaxed);
    for attempt in 0..rr.upstreams.len() * 2 {
        let upstream = &rr.upstreams[(first + attempt) % rr.upstreams.len()];
        let mut r = rr.http.request(method.clone(), format!("{upstream}{path}")).body(body.clone());
        if let Some(ct) = &content_type {
            r = r.header("content-type", ct.clone());
        }
        match r.send().await {
            Ok(answer) if !answer.status().is_server_error() => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
                let bytes: Bytes = answer.bytes().await.unwrap_or_default();
                return (status, bytes).into_response();
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    StatusCode::BAD_GATEWAY.into_response()
}

async fn start_balancer(upstreams: Vec<String>) -> String {
    let rr = RoundRobin {
        upstreams: Arc::new(upstreams),
        next: Arc::default(),
        http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().fallback(balance).with_state(rr)).await;
    });
    url
}

async fn post(url: &str, signed: &vigil_types::SignedCheckpoint) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/v1/signatures"))
        .json(signed)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn state(url: &str, height: u64) -> Option<String> {
    let r = reqwest::get(format!("{url}/v1/checkpoints/{ROLLUP}/{height}")).await.ok()?;
    let v: serde_json::Value = r.json().await.ok()?;
    v["state"].as_str().map(str::to_owned)
}

/// `text` without ANSI colour sequences (`ESC [ … m`).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The lease owner each start of a replica logged.
fn owners(node: &Node) -> Vec<String> {
    plain(&node.logs())
        .lines()
        .filter(|l| l.contains("certificate submitter started"))
        .filter_map(|l| l.split("owner=").nth(1)?.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_rounds_and_survive_kills() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let pg = PgServer::start().unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, _) = Node::prepare(&net, dir_a.path(), net.anvil.endpoint(), &pg.url()).await;
    let (b, _) = Node::prepare(&net, dir_b.path(), net.anvil.endpoint(), &pg.url()).await;
    let mut child_a = a.start();
    a.wait_ready(&mut child_a).await;
    let mut child_b = b.start();
    b.wait_ready(&mut child_b).await;
    let lb = start_balancer(vec![a.api.clone(), b.api.clone()]).await;

    const HEIGHTS: u64 = 12;
    let mut accepted = BTreeSet::new();
    for height in 1..=HEIGHTS {
        match height {
            4 => {
                child_a.kill().unwrap(); // SIGKILL
                child_a.wait().unwrap();
            }
            7 => {
                child_a = a.start();
                a.wait_ready(&mut child_a).await;
            }
            9 => {
                child_b.kill().unwrap();
                child_b.wait().unwrap();
            }
            11 => {
                child_b = b.start();
                b.wait_ready(&mut child_b).await;
            }
            _ => {}
        }
        let cp = checkpoint(&net, height).await;
        for i in 0..4 {
            let status = post(&lb, &net.sign(i, &cp)).await;
            assert_eq!(status, 202, "operator {i} at height {height}");
            accepted.insert((i, height));
        }
    }

    // Every height certified and mined.
    for height in 1..=HEIGHTS {
        let mut mined = false;
        for _ in 0..600 {
            if state(&lb, height).await.as_deref() == Some("mined") {
                mined = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(mined, "height {height} never mined:\n{}\n{}", a.logs(), b.logs());
    }

    // Exactly one certification, and exactly one certificate transaction, per height.
    let filter = Filter::new()
        .address(net.deployment.vigil.verifier)
        .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH)
        .from_block(0u64);
    let mut certified: BTreeMap<u64, usize> = BTreeMap::new();
    for log in net.owner.get_logs(&filter).await.unwrap() {
        let event = VigilVerifier::CheckpointCertified::decode_log(&log.inner).unwrap();
        if event.rollupId == ROLLUP {
            *certified.entry(event.height).or_default() += 1;
        }
    }
    assert_eq!(certified, (1..=HEIGHTS).map(|h| (h, 1)).collect(), "one certification each");
    let head = net.owner.get_block_number().await.unwrap();
    let mut submissions = 0;
    for n in 0..=head {
        let block = net
            .owner
            .get_block_by_number(BlockNumberOrTag::Number(n))
            .full()
            .await
            .unwrap()
            .unwrap();
        for tx in block.transactions.txns() {
            use alloy::consensus::Transaction as _;
            if tx.to() == Some(net.deployment.vigil.verifier)
                && tx.input().starts_with(&VigilVerifier::submitCertificateCall::SELECTOR)
            {
                submissions += 1;
            }
        }
    }
    assert_eq!(submissions, HEIGHTS, "one certificate transaction per height");

    // No accepted signature is missing from the shared feed.
    let store = Store::open(&pg.url()).await.unwrap();
    let feed = store.feed_after(0, 10_000).await.unwrap();
    let keys: Vec<_> = net.operators.iter().map(|o| o.bls.public_key().to_wire()).collect();
    let on_feed: BTreeSet<(usize, u64)> = feed
        .iter()
        .map(|e| {
            let i = keys.iter().position(|k| *k == e.signed.pubkey).unwrap();
            (i, e.signed.checkpoint.height)
        })
        .collect();
    assert_eq!(on_feed, accepted, "every accepted signature is on the feed");
    let seqs: Vec<u64> = feed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=feed.len() as u64).collect::<Vec<_>>(), "the feed has no gap");

    // Four starts, four lease names, all configured as "test".
    let names: Vec<String> = owners(&a).into_iter().chain(owners(&b)).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("test-")), "{names:?}");
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 4, "{names:?}");

    for mut child in [child_a, child_b] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
