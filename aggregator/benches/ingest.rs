//! Load generator: sustained HTTP ingest of signed checkpoints into a real aggregator (real
//! anvil with EigenLayer and Vigil, registered operators, durable store, aggregation and
//! certificate building running), in signatures per second. Not run in CI.
//!
//! ```text
//! cargo bench -p vigil-aggregator --bench ingest -- [--signatures N] [--operators K]
//!                                                    [--concurrency C] [--batch B] [--postgres]
//!                                                    [--runs R]
//! ```
//!
//! `--batch B` (default 64) posts B signed checkpoints per request to `POST /v1/signatures/batch`;
//! `--batch 1` posts each alone to `POST /v1/signatures`. The baseline, measured in the same run with the same client and the same request bodies, is an
//! HTTP endpoint that parses the signed checkpoint and answers 202 without doing anything else:
//! the ratio says what intake, persistence and aggregation cost on top of HTTP + JSON.
//! Each of `--runs R` (default 5) runs measures the baseline, then a fresh aggregator on an
//! empty database; the last lines are the medians: `ingest_ratio_vs_parse_baseline: X` and
//! `ingest_per_s: Y`.
//!
//! Each run also measures the *verification ceiling*: the same signatures decoded from their
//! wire bytes (with the subgroup check) and verified through the intake's own batching
//! [`Verifier`] on every core, with no HTTP, storage or aggregation. No intake that verifies
//! every signature before storing it can ingest faster on these cores; the lines
//! `verify_ceiling_per_s` and `ingest_ratio_vs_verify_ceiling` say how close it comes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::{B256, keccak256};
use axum::{Json, Router, http::StatusCode, routing::post};
use futures_util::StreamExt;
use vigil_aggregator::{
    api::{self, ApiLimits, ApiState},
    engine::EngineConfig,
    service::{Aggregator, IntakeLimits},
    store::Store,
    verify::Verifier,
};
use vigil_crypto::{PublicKey, Signature};
use vigil_test_utils::{PgServer, TestNetwork};
use vigil_types::{Checkpoint, SignedCheckpoint};

struct Args {
    signatures: usize,
    operators: usize,
    concurrency: usize,
    batch: usize,
    postgres: bool,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args {
        signatures: 100_000,
        operators: 64,
        concurrency: 16,
        batch: 64,
        postgres: false,
        runs: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse().ok()).expect("a number");
        match arg.as_str() {
            "--signatures" => a.signatures = num(),
            "--operators" => a.operators = num(),
            "--concurrency" => a.concurrency = num(),
            "--batch" => a.batch = num().max(1),
            "--postgres" => a.postgres = true,
            "--runs" => a.runs = num().max(1),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// Posts every body once, `concurrency` requests in flight; returns (elapsed, statuses ≠ 202).
async fn blast(url: String, bodies: Arc<Vec<Vec<u8>>>, concurrency: usize) -> (Duration, usize) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, bodies, next, failures) =
            (client.clone(), url.clone(), bodies.clone(), next.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == StatusCode::ACCEPTED => {}
                    Ok(r) if r.status() == StatusCode::OK => {
                        // A batch: every item must be accepted.
                        let text = r.text().await.unwrap_or_default();
                        if text.contains("\"error\"")
                            && failures.fetch_add(1, Ordering::Relaxed) < 3
                        {
                            eprintln!("batch item refused: {text}");
                        }
                    }
                    Ok(r) => {
                        if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!(
                                "status {}: {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            );
                        }
                    }
                    Err(e) => {
                        if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("request failed: {e}");
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (started.elapsed(), failures.load(Ordering::Relaxed))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    println!(
        "ingest load: {} signatures from {} operators, {} requests in flight, {} per request, {} store",
        a.signatures,
        a.operators,
        a.concurrency,
        a.batch,
        if a.postgres { "PostgreSQL" } else { "SQLite" }
    );
    let t = Instant::now();
    let net = TestNetwork::start(&vec![100; a.operators]).await.unwrap();
    println!(
        "set-up: anvil + EigenLayer + Vigil + {} operators in {:.1?}",
        a.operators,
        t.elapsed()
    );

    // Signed checkpoints, all operators per height, as request bodies (signed before timing).
    let domain = net.deployment.domain();
    let l1_block = net.l1_block().await.unwrap();
    let heights = a.signatures.div_ceil(a.operators);
    let t = Instant::now();
    let keys: Vec<_> = net.operators.iter().map(|o| o.bls.clone()).collect();
    let keys = Arc::new(keys);
    let per_thread = heights.div_ceil(2);
    let mut handles = Vec::new();
    for part in 0..2 {
        let keys = keys.clone();
        handles.push(std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for h in part * per_thread..((part + 1) * per_thread).min(heights) {
                let cp = Checkpoint {
                    rollup_id: 901,
                    height: h as u64 + 1,
                    block_hash: keccak256(h.to_be_bytes()),
                    state_root: keccak256((h + 1).to_be_bytes()),
                    da_commitment: B256::repeat_byte(0xda),
                    l1_block,
                };
                let digest = cp.digest(&domain);
                for k in keys.iter() {
                    let signed = SignedCheckpoint {
                        domain,
                        checkpoint: cp,
                        pubkey: k.public_key().to_wire(),
                        signature: k.sign(digest.as_slice()).to_wire(false),
                    };
                    bodies.push(serde_json::to_vec(&signed).unwrap());
                }
            }
            bodies
        }));
    }
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for h in handles {
        bodies.extend(h.join().unwrap());
    }
    bodies.truncate(a.signatures);
    let n = bodies.len();
    println!("signed {n} checkpoints in {:.1?}", t.elapsed());
    let signed: Arc<Vec<SignedCheckpoint>> =
        Arc::new(bodies.iter().map(|b| serde_json::from_slice(b).unwrap()).collect());
    let (path, bodies): (&str, Vec<Vec<u8>>) = if a.batch == 1 {
        ("/v1/signatures", bodies)
    } else {
        let batched = bodies
            .chunks(a.batch)
            .map(|chunk| {
                let mut body = b"[".to_vec();
                body.extend(chunk.join(&b","[..]));
                body.push(b']');
                body
            })
            .collect();
        ("/v1/signatures/batch", batched)
    };
    let bodies = Arc::new(bodies);

    // Each run: the baseline (HTTP + JSON only), then a fresh aggregator on an empty database,
    // with the same client and the same bodies.
    let mut base_rates = Vec::new();
    let mut ceilings = Vec::new();
    let mut rates = Vec::new();
    for run in 1..=a.runs {
        let base_rate = baseline(path, bodies.clone(), n, a.concurrency).await;
        let ceiling = verify_only(signed.clone(), a.batch, a.concurrency).await;
        let rate = aggregator(&net, &a, path, (bodies.clone(), n), heights).await;
        println!(
            "run {run}: baseline {base_rate:>8.0}/s, verification alone {ceiling:>8.0}/s, \
             aggregator {rate:>8.0}/s, ratio {:.3} (to the verification {:.3})",
            rate / base_rate,
            rate / ceiling
        );
        base_rates.push(base_rate);
        ceilings.push(ceiling);
        rates.push(rate);
    }
    let (base, ceiling, rate) =
        (median(&mut base_rates), median(&mut ceilings), median(&mut rates));
    println!("baseline (HTTP + JSON parse, 202), median of {}: {base:.0} signatures/s", a.runs);
    println!(
        "verification alone (decode + subgroup check + batched verifier), median: {ceiling:.0} signatures/s"
    );
    println!("aggregator (intake + verify + store + engine), median: {rate:.0} signatures/s");
    println!("verify_ceiling_per_s: {ceiling:.0}");
    println!("ingest_ratio_vs_verify_ceiling: {:.3}", rate / ceiling);
    println!("ingest_ratio_vs_parse_baseline: {:.3}", rate / base);
    println!("ingest_per_s: {rate:.0}");
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The verification ceiling: the signatures decoded from their wire bytes (subgroup check
/// included, as at intake) and verified by the intake's [`Verifier`] on every core, `batch` per
/// task and `concurrency` tasks at a time, as the HTTP handlers submit them. Keys are decoded
/// once, as the intake's key cache does.
async fn verify_only(signed: Arc<Vec<SignedCheckpoint>>, batch: usize, concurrency: usize) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let verifier = Verifier::spawn(cores);
    let mut keys = HashMap::new();
    for s in signed.iter() {
        keys.entry(s.pubkey).or_insert_with(|| PublicKey::from_wire(&s.pubkey).unwrap());
    }
    let keys = Arc::new(keys);
    let started = Instant::now();
    let verified: usize = futures_util::stream::iter(0..signed.len().div_ceil(batch))
        .map(|chunk| {
            let (signed, keys, verifier) = (signed.clone(), keys.clone(), verifier.clone());
            tokio::spawn(async move {
                let part = &signed[chunk * batch..((chunk + 1) * batch).min(signed.len())];
                let checks = part.iter().map(|s| {
                    let sig = Signature::from_bytes(s.signature.as_slice()).unwrap();
                    verifier.verify(s.digest(), keys[&s.pubkey], sig, false)
                });
                futures_util::future::join_all(checks)
                    .await
                    .into_iter()
                    .filter(|ok| matches!(ok, Ok(true)))
                    .count()
            })
        })
        .buffer_unordered(concurrency)
        .map(|joined| joined.unwrap())
        .fold(0, |sum, n| async move { sum + n })
        .await;
    let took = started.elapsed();
    assert_eq!(verified, signed.len(), "every signature verifies");
    verified as f64 / took.as_secs_f64()
}

/// The parse-only baseline's signatures per second.
async fn baseline(path: &str, bodies: Arc<Vec<Vec<u8>>>, n: usize, concurrency: usize) -> f64 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}{path}", listener.local_addr().unwrap());
    let baseline = Router::new()
        .route(
            "/v1/signatures",
            post(|Json(_): Json<SignedCheckpoint>| async { StatusCode::ACCEPTED }),
        )
        .route(
            "/v1/signatures/batch",
            post(|Json(_): Json<Vec<SignedCheckpoint>>| async { StatusCode::ACCEPTED }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20));
    let server = tokio::spawn(async move { axum::serve(listener, baseline).await });
    let (took, failed) = blast(base_url, bodies, concurrency).await;
    server.abort();
    assert_eq!(failed, 0);
    n as f64 / took.as_secs_f64()
}

/// A fresh aggregator (empty database, intake, verification, aggregation and certificate
/// building running): its signatures per second.
async fn aggregator(
    net: &TestNetwork,
    a: &Args,
    path: &str,
    (bodies, n): (Arc<Vec<Vec<u8>>>, usize),
    heights: usize,
) -> f64 {
    let domain = net.deployment.domain();
    let tmp = tempfile::tempdir().unwrap();
    let pg = a.postgres.then(|| PgServer::start().unwrap());
    let url = match &pg {
        Some(pg) => pg.url(),
        None => format!("sqlite://{}", tmp.path().join("agg.sqlite").display()),
    };
    let store = Store::open(&url).await.unwrap();
    let agg = Aggregator::new(
        net.owner.clone(),
        domain,
        store.clone(),
        EngineConfig { window: Duration::from_millis(100), ..EngineConfig::default() },
        1024,
        IntakeLimits::default(),
    )
    .await
    .unwrap();
    let limits =
        ApiLimits { per_key_rate: 1_000_000, per_key_burst: 1_000_000, ..ApiLimits::default() };
    let state = ApiState::new(agg.clone(), store.clone(), agg.feed_head(), limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let agg_url = format!("http://{}{path}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve(listener, api::router(state), async {
        let _ = stop_rx.await;
    }));
    let runner = agg.clone();
    let engine =
        tokio::spawn(
            async move { runner.run(Duration::from_millis(20), std::future::pending()).await },
        );
    let (took, failed) = blast(agg_url, bodies, a.concurrency).await;
    let rate = n as f64 / took.as_secs_f64();
    assert_eq!(failed, 0, "every signature must be accepted");
    assert_eq!(store.feed_head().await.unwrap(), n as u64, "every signature is durable");
    // Let the last windows close and the engine catch up, then count certificates.
    let caught_up = Instant::now();
    let mut built = 0;
    while caught_up.elapsed() < Duration::from_secs(60) {
        built = store.count_by_state().await.unwrap().iter().map(|(_, c)| c).sum::<u64>();
        // Every full height (a partial last one may stay below its threshold).
        if built as usize >= heights.min(n / a.operators) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "  certificates built: {built} of {heights} heights ({:.2?} after the last signature)",
        caught_up.elapsed()
    );
    let _ = stop_tx.send(());
    engine.abort();
    let _ = server.await;
    rate
}
