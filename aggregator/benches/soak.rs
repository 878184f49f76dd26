//! Long-run resource check (issue 16): the real `vigil-aggregator` binary with batched
//! certificates and pruning on, under a steady load for M minutes, sampling its resident memory
//! and its database's size. Run by hand (30 minutes by default); CI only compiles it.
//!
//! ```text
//! cargo bench -p vigil-aggregator --bench soak -- [--minutes M] [--rollups R] [--operators K]
//!                                                 [--retain-blocks B] [--sample-secs S]
//! ```
//!
//! A real anvil with EigenLayer's core and Vigil and K registered operators mines one L1 block a
//! second. For every new block, each of R rollups gets its next checkpoint, and every operator
//! signs each checkpoint alone (R·K signatures, posted 256 to a request to
//! `POST /v1/signatures/batch`) and the block's batch of R checkpoints
//! (`POST /v1/batches/signatures`, K requests), as `sign_batches` operators do. The aggregator
//! (SQLite, `retain_l1_blocks = B`) certifies one batch a block, drops the singles a batch holds,
//! and prunes everything older than B blocks.
//!
//! Every S seconds it prints the aggregator's RSS (`/proc/<pid>/status`), the database's bytes
//! (file, WAL and shared memory), the rounds it holds in memory, batch certificates mined and
//! signatures accepted; the last lines compare the last sample with the first one taken once the
//! window was full (`..._last_over_first`: 1.0 is flat).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, keccak256},
    providers::Provider,
};
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_test_utils::{
    TestNetwork,
    anvil::{anvil_mine, set_automine},
    prometheus::sample,
};
use vigil_types::{Batch, BatchSignature, Checkpoint, SignedBatch, SignedCheckpoint};

const PASSWORD_VAR: &str = "VIGIL_SOAK_AGGREGATOR_PASSWORD";

struct Args {
    minutes: u64,
    rollups: u64,
    operators: usize,
    retain_blocks: u64,
    sample_secs: u64,
}

fn args() -> Args {
    let mut a =
        Args { minutes: 30, rollups: 20, operators: 8, retain_blocks: 120, sample_secs: 60 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse::<u64>().ok()).expect("a number");
        match arg.as_str() {
            "--minutes" => a.minutes = num().max(1),
            "--rollups" => a.rollups = num().max(1),
            "--operators" => a.operators = usize::try_from(num()).unwrap().max(1),
            "--retain-blocks" => a.retain_blocks = num().max(1),
            "--sample-secs" => a.sample_secs = num().max(1),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Rollup `rollup_id`'s checkpoint at `height`, derived from L1 block `l1`.
fn checkpoint(rollup_id: u64, height: u64, l1: u64) -> Checkpoint {
    let seed = format!("{rollup_id}/{height}");
    Checkpoint {
        rollup_id,
        height,
        block_hash: keccak256(&seed),
        state_root: keccak256(format!("state-{seed}")),
        da_commitment: B256::repeat_byte(0xda),
        l1_block: l1,
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn db_bytes(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(name).map_or(0, |m| m.len())
        })
        .sum()
}

struct Sample {
    minute: f64,
    l1: u64,
    rss_kib: u64,
    db_bytes: u64,
    rounds_done: f64,
    batch_rounds_done: f64,
    batches_mined: f64,
    signatures: f64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    println!(
        "soak: {} minutes, {} rollups × {} operators, one L1 block a second, retain {} blocks",
        a.minutes, a.rollups, a.operators, a.retain_blocks
    );
    let net = TestNetwork::start(&vec![100; a.operators]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    net.deployment.write(&dir.path().join("deployment.json")).unwrap();
    let (submitter, _) = net.funded_account().await.unwrap();
    V3Keystore::encrypt(&submitter, &Password::new("soak"), KdfStrength::Light.scrypt())
        .unwrap()
        .write(&dir.path().join("submitter.json"))
        .unwrap();
    let db = dir.path().join("agg.sqlite");
    let (api_port, metrics_port) = (free_port(), free_port());
    let config = dir.path().join("aggregator.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nl1_rpc = \"{rpc}\"\ndeployment = \"deployment.json\"\n\
             [submitter]\nkeystore = \"submitter.json\"\npassword_env = \"{PASSWORD_VAR}\"\n\
             replica_id = \"soak\"\npoll_ms = 100\nconfirmations = 0\n\
             [database]\nurl = \"sqlite://{db}\"\n\
             [api]\naddress = \"127.0.0.1:{api_port}\"\nper_key_rate = 1000\n\
             per_key_burst = 2000\nper_key_l1_block_rate = 10\n\
             [aggregation]\nwindow_ms = 100\nbatches = true\nsingle_hold_ms = 2000\n\
             retain_l1_blocks = {retain}\n\
             [metrics]\naddress = \"127.0.0.1:{metrics_port}\"\n",
            rpc = net.anvil.endpoint(),
            db = db.display(),
            retain = a.retain_blocks,
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("aggregator.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil-aggregator"))
        .args(["--config", config.to_str().unwrap(), "run"])
        .env(PASSWORD_VAR, "soak")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let api = format!("http://127.0.0.1:{api_port}");
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http.get(format!("{api}/v1/health")).send().await.is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    set_automine(&net.owner, false).await.unwrap();
    let miner = {
        let provider = net.owner.clone();
        tokio::spawn(async move {
            loop {
                let _ = anvil_mine(&provider, 1).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    let domain = net.deployment.domain();
    let keys: Vec<_> = net.operators.iter().map(|o| o.bls.clone()).collect();
    let started = Instant::now();
    let end = started + Duration::from_secs(a.minutes * 60);
    let mut next_sample = started + Duration::from_secs(a.sample_secs);
    let mut samples: Vec<Sample> = Vec::new();
    let mut height = 0u64;
    let mut last_l1 = 0u64;
    let mut refused = 0u64;
    while Instant::now() < end {
        let l1 = net.owner.get_block_number().await.unwrap().saturating_sub(1);
        if l1 > last_l1 {
            last_l1 = l1;
            height += 1;
            let cps: Vec<Checkpoint> = (1..=a.rollups).map(|r| checkpoint(r, height, l1)).collect();
            let batch = Batch::new(cps.clone(), l1, l1).unwrap();
            let header = *batch.header();
            let batch_digest = header.digest(&domain);
            let mut singles = Vec::with_capacity(cps.len() * keys.len());
            let mut batches = Vec::with_capacity(keys.len());
            for k in &keys {
                for cp in &cps {
                    singles.push(SignedCheckpoint {
                        domain,
                        checkpoint: *cp,
                        pubkey: k.public_key().to_wire(),
                        signature: k.sign(cp.digest(&domain).as_slice()).to_wire(false),
                    });
                }
                batches.push(BatchSignature {
                    signed: SignedBatch {
                        domain,
                        header,
                        pubkey: k.public_key().to_wire(),
                        signature: k.sign(batch_digest.as_slice()).to_wire(false),
                    },
                    checkpoints: cps.clone(),
                });
            }
            let mut posts = Vec::new();
            for chunk in singles.chunks(256) {
                let r = http.post(format!("{api}/v1/signatures/batch")).json(chunk).send();
                posts.push(r);
            }
            for b in &batches {
                posts.push(http.post(format!("{api}/v1/batches/signatures")).json(b).send());
            }
            for r in futures_util::future::join_all(posts).await {
                match r {
                    Ok(r) if r.status().is_success() => {}
                    _ => refused += 1,
                }
            }
        }
        if Instant::now() >= next_sample {
            next_sample += Duration::from_secs(a.sample_secs);
            let text = http.get(&metrics).send().await.unwrap().text().await.unwrap();
            let m =
                |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels).unwrap_or(0.0);
            let s = Sample {
                minute: started.elapsed().as_secs_f64() / 60.0,
                l1,
                rss_kib: rss_kib(child.id()),
                db_bytes: db_bytes(&db),
                rounds_done: m("vigil_aggregator_rounds", &[("kind", "done")]),
                batch_rounds_done: m("vigil_aggregator_batch_rounds", &[("kind", "done")]),
                batches_mined: m("vigil_aggregator_batches_total", &[("event", "mined")]),
                signatures: m("vigil_aggregator_signatures_total", &[("result", "accepted")]),
            };
            println!(
                "{:>5.1} min  L1 {:>5}  rss {:>7} KiB  db {:>10} B  rounds done {:>6}  batch rounds done {:>4}  batches mined {:>5}  signatures {:>8}  refused {refused}",
                s.minute,
                s.l1,
                s.rss_kib,
                s.db_bytes,
                s.rounds_done,
                s.batch_rounds_done,
                s.batches_mined,
                s.signatures
            );
            samples.push(s);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    miner.abort();
    let _ = child.kill();
    let _ = child.wait();
    // The first sample taken once the window was full (B blocks of one second, plus a pruning
    // pass), against the last.
    let full = samples
        .iter()
        .find(|s| s.minute * 60.0 >= a.retain_blocks as f64 + 30.0)
        .or(samples.first());
    let (Some(first), Some(last)) = (full, samples.last()) else {
        println!("too short to compare");
        return;
    };
    println!("window full at {:.1} min; last sample at {:.1} min", first.minute, last.minute);
    println!("rss_kib_first: {}", first.rss_kib);
    println!("rss_kib_last: {}", last.rss_kib);
    println!("rss_last_over_first: {:.3}", last.rss_kib as f64 / first.rss_kib.max(1) as f64);
    println!(
        "db_bytes_last_over_first: {:.3}",
        last.db_bytes as f64 / first.db_bytes.max(1) as f64
    );
    println!("rounds_done_last_over_first: {:.3}", last.rounds_done / first.rounds_done.max(1.0));
    println!("batches_mined: {}", last.batches_mined);
    println!("requests_refused: {refused}");
}
