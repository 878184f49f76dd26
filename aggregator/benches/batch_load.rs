//! Load benchmark for batched certificates (issue 16): R rollups × K operators (default 100 × 64)
//! against a real anvil with EigenLayer and Vigil and K registered operators, on a SQLite file
//! in a temporary directory. Not run in CI.
//!
//! ```text
//! cargo bench -p vigil-aggregator --bench batch_load -- [--rollups R] [--operators K]
//!                                                        [--rounds N] [--concurrency C]
//!                                                        [--window-ms W]
//! ```
//!
//! Each of N consecutive intervals certifies one new height of every rollup, two ways, in the
//! same run and on the same kind of store (each path its own fresh database):
//!
//! - **per checkpoint** (today's path): R checkpoints × K operators = R·K signed checkpoints,
//!   from their wire bytes (JSON) through the aggregator's intake ([`Aggregator`] as
//!   [`Intake`]: decode with the subgroup check, batched verification, group-committed
//!   persistence, the engine) until R certificates are stored;
//! - **batch**: the same R checkpoints as one `VIGIL_BATCH_V1` batch, K signed batches from
//!   their wire bytes through [`BatchAggregator`] (decode with the subgroup check, verification,
//!   persistence, weighing at `toL1Block`) until 1 batch certificate is stored.
//!
//! Signing is done before timing (it is the operators' work). C submissions are in flight at a
//! time; certificates are built by a background loop (every 5 ms) after a window of W ms past
//! quorum (default 0). The last lines are the ratios, batch over per checkpoint, ending with
//! `batch_vs_single_certified_checkpoints_per_s_ratio: X`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::primitives::{B256, keccak256};
use futures_util::StreamExt;
use vigil_aggregator::{
    batch::{BatchAggregator, BatchConfig},
    engine::EngineConfig,
    intake::{Intake, Source},
    operator_set::OperatorSetView,
    service::{Aggregator, IntakeLimits},
    store::Store,
    verify::Verifier,
};
use vigil_test_utils::TestNetwork;
use vigil_types::{Batch, Checkpoint, SignedBatch, SignedCheckpoint, SigningDomain};

const SOURCE: Source = Source(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
const TICK: Duration = Duration::from_millis(5);

/// One interval's request bodies.
type Bodies = Vec<Vec<u8>>;

struct Args {
    rollups: u64,
    operators: usize,
    rounds: u64,
    concurrency: usize,
    window: Duration,
}

fn args() -> Args {
    let mut a =
        Args { rollups: 100, operators: 64, rounds: 5, concurrency: 64, window: Duration::ZERO };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse::<u64>().ok()).expect("a number");
        match arg.as_str() {
            "--rollups" => a.rollups = num().max(1),
            "--operators" => a.operators = usize::try_from(num()).unwrap().max(1),
            "--rounds" => a.rounds = num().max(1),
            "--concurrency" => a.concurrency = usize::try_from(num()).unwrap().max(1),
            "--window-ms" => a.window = Duration::from_millis(num()),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// Interval `round`'s checkpoint of `rollup_id`: height `round`, derived from L1 block `l1`.
fn checkpoint(rollup_id: u64, round: u64, l1: u64) -> Checkpoint {
    let seed = format!("{rollup_id}/{round}");
    Checkpoint {
        rollup_id,
        height: round,
        block_hash: keccak256(&seed),
        state_root: keccak256(format!("state-{seed}")),
        da_commitment: B256::repeat_byte(0xda),
        l1_block: l1,
    }
}

/// The wire bodies of every interval, per path: `single[round]` holds R·K signed checkpoints,
/// `batch[round]` K signed batches. Signed on every core.
fn sign_all(
    net: &TestNetwork,
    domain: SigningDomain,
    a: &Args,
    l1: u64,
) -> (Vec<Bodies>, Vec<Bodies>) {
    let keys: Arc<Vec<_>> = Arc::new(net.operators.iter().map(|o| o.bls.clone()).collect());
    let (rollups, rounds) = (a.rollups, a.rounds);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let keys = keys.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for round in (1..=rounds).filter(|r| (*r as usize) % threads == t) {
                    let cps: Vec<Checkpoint> =
                        (1..=rollups).map(|r| checkpoint(r, round, l1)).collect();
                    let mut single = Vec::with_capacity(cps.len() * keys.len());
                    for cp in &cps {
                        let digest = cp.digest(&domain);
                        for k in keys.iter() {
                            let signed = SignedCheckpoint {
                                domain,
                                checkpoint: *cp,
                                pubkey: k.public_key().to_wire(),
                                signature: k.sign(digest.as_slice()).to_wire(false),
                            };
                            single.push(serde_json::to_vec(&signed).unwrap());
                        }
                    }
                    let batch = Batch::new(cps, l1, l1).unwrap();
                    let digest = batch.header().digest(&domain);
                    let batched = keys
                        .iter()
                        .map(|k| {
                            let signed = SignedBatch {
                                domain,
                                header: *batch.header(),
                                pubkey: k.public_key().to_wire(),
                                signature: k.sign(digest.as_slice()).to_wire(false),
                            };
                            serde_json::to_vec(&signed).unwrap()
                        })
                        .collect::<Vec<_>>();
                    out.push((round, single, batched));
                }
                out
            })
        })
        .collect();
    let mut all: Vec<_> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_by_key(|(round, _, _)| *round);
    all.into_iter().map(|(_, s, b)| (s, b)).unzip()
}

/// Submits every body through `submit`, `concurrency` at a time; panics on a refusal.
async fn submit_all<F, Fut>(bodies: &[Vec<u8>], concurrency: usize, submit: F)
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    futures_util::stream::iter(bodies.iter().cloned())
        .map(|body| tokio::spawn(submit(body)))
        .buffer_unordered(concurrency)
        .for_each(|r| async move { r.unwrap().unwrap() })
        .await;
}

/// Figures of one path.
struct Figures {
    signatures: u64,
    certificates: u64,
    checkpoints: u64,
    took: Duration,
}

impl Figures {
    fn per_s(&self, n: u64) -> f64 {
        n as f64 / self.took.as_secs_f64()
    }

    fn print(&self, name: &str) {
        println!(
            "{name}: {} signatures, {} certificates, {} checkpoints certified in {:.2?}",
            self.signatures, self.certificates, self.checkpoints, self.took
        );
        println!("{name}_signatures_per_s: {:.0}", self.per_s(self.signatures));
        println!("{name}_certificates_per_s: {:.2}", self.per_s(self.certificates));
        println!("{name}_certified_checkpoints_per_s: {:.1}", self.per_s(self.checkpoints));
    }
}

async fn per_checkpoint(net: &TestNetwork, a: &Args, rounds: &[Bodies]) -> Figures {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", tmp.path().join("single.sqlite").display());
    let store = Store::open(&url).await.unwrap();
    let agg = Aggregator::new(
        net.owner.clone(),
        net.deployment.domain(),
        store.clone(),
        EngineConfig { window: a.window, ..EngineConfig::default() },
        1024,
        IntakeLimits::default(),
    )
    .await
    .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = agg.clone();
    let engine = tokio::spawn(async move {
        runner
            .run(TICK, async {
                let _ = stop_rx.await;
            })
            .await;
    });
    let started = Instant::now();
    let mut signatures = 0;
    for (i, bodies) in rounds.iter().enumerate() {
        let agg = agg.clone();
        submit_all(bodies, a.concurrency, move |body| {
            let agg = agg.clone();
            async move {
                let signed: SignedCheckpoint =
                    serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                agg.accept(signed, SOURCE).await.map(drop).map_err(|e| e.to_string())
            }
        })
        .await;
        signatures += bodies.len() as u64;
        let want = (i as u64 + 1) * a.rollups;
        wait_for(|| async { certificates(&store).await >= want }).await;
    }
    let took = started.elapsed();
    let certificates = certificates(&store).await;
    let _ = stop_tx.send(());
    engine.await.unwrap();
    Figures { signatures, certificates, checkpoints: certificates, took }
}

async fn certificates(store: &Store) -> u64 {
    store.count_by_state().await.unwrap().iter().map(|(_, n)| n).sum()
}

async fn batched(net: &TestNetwork, a: &Args, rounds: &[Bodies], l1: u64) -> Figures {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", tmp.path().join("batch.sqlite").display());
    let store = Store::open(&url).await.unwrap();
    let domain = net.deployment.domain();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let set = Arc::new(OperatorSetView::new(net.owner.clone(), domain.verifier));
    let agg = Arc::new(
        BatchAggregator::new(
            net.owner.clone(),
            set.clone(),
            domain,
            store.clone(),
            Verifier::spawn(cores),
            BatchConfig { window: a.window, ..BatchConfig::default() },
        )
        .await
        .unwrap(),
    );
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = agg.clone();
    let engine = tokio::spawn(async move {
        loop {
            runner.finalize_due().await.unwrap();
            tokio::select! {
                _ = &mut stop_rx => break,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    });
    let started = Instant::now();
    let mut signatures = 0;
    for (i, bodies) in rounds.iter().enumerate() {
        let agg = agg.clone();
        submit_all(bodies, a.concurrency, move |body| {
            let agg = agg.clone();
            async move { agg.accept_wire(&body).await.map(drop).map_err(|e| e.to_string()) }
        })
        .await;
        signatures += bodies.len() as u64;
        let want = i + 1;
        wait_for(|| async { store.batch_certificates().await.unwrap().len() >= want }).await;
    }
    let took = started.elapsed();
    let _ = stop_tx.send(());
    engine.await.unwrap();
    let certs = store.batch_certificates().await.unwrap();
    // Each certificate is checked as a verifier would, outside the timing.
    let snapshot = set.at(l1).await.unwrap();
    let operators: Vec<_> = snapshot.members.iter().map(|m| (m.key, m.weight)).collect();
    for c in &certs {
        assert_eq!(c.certificate.header.leaf_count as u64, a.rollups);
        vigil_client::verify_batch_certificate(&c.certificate, &operators, agg.threshold_bps())
            .expect("the batch certificate verifies");
    }
    let certificates = certs.len() as u64;
    Figures { signatures, certificates, checkpoints: certificates * a.rollups, took }
}

/// Polls `done` until it holds (at most 5 minutes).
async fn wait_for<F, Fut>(mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done().await {
        assert!(Instant::now() < deadline, "certificates were not built in time");
        tokio::time::sleep(TICK).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    println!(
        "batch load: {} rollups × {} operators, {} intervals, {} submissions in flight, \
         window {:?}, SQLite",
        a.rollups, a.operators, a.rounds, a.concurrency, a.window
    );
    let t = Instant::now();
    let net = TestNetwork::start(&vec![100; a.operators]).await.unwrap();
    println!(
        "set-up: anvil + EigenLayer + Vigil + {} operators in {:.1?}",
        a.operators,
        t.elapsed()
    );
    let domain = net.deployment.domain();
    let l1 = net.l1_block().await.unwrap();
    let t = Instant::now();
    let (single, batch) = sign_all(&net, domain, &a, l1);
    println!(
        "signed {} checkpoints and {} batch headers in {:.1?}",
        single.iter().map(Vec::len).sum::<usize>(),
        batch.iter().map(Vec::len).sum::<usize>(),
        t.elapsed()
    );

    let s = per_checkpoint(&net, &a, &single).await;
    s.print("single");
    let b = batched(&net, &a, &batch, l1).await;
    b.print("batch");
    assert_eq!(s.checkpoints, b.checkpoints, "both paths certify the same checkpoints");
    println!(
        "batch_vs_single_signatures_per_s_ratio: {:.3}",
        b.per_s(b.signatures) / s.per_s(s.signatures)
    );
    println!(
        "batch_vs_single_certificates_per_s_ratio: {:.3}",
        b.per_s(b.certificates) / s.per_s(s.certificates)
    );
    println!(
        "batch_vs_single_certified_checkpoints_per_s_ratio: {:.2}",
        b.per_s(b.checkpoints) / s.per_s(s.checkpoints)
    );
}
