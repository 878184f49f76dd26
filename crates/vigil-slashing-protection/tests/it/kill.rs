//! SIGKILL at random instants: no committed decision is lost, the file stays intact.

use std::{
    io::{BufRead as _, BufReader, Write as _},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use vigil_slashing_protection::SlashingDatabase;

use crate::common::{Outcome, Rng, domain, forged, honest, key, outcome};

const WORKER_ENV: &str = "VIGIL_PROTECTION_KILL_WORKER_DB";
const START_ENV: &str = "VIGIL_PROTECTION_KILL_WORKER_START";
const ROLLUP: u64 = 77;
const ROUNDS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_sigkill_at_any_instant() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protection.sqlite");
    let mut rng = Rng::seeded();
    let mut safe: Vec<u64> = Vec::new();
    let mut next_start = 0u64;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill::worker", "--nocapture", "--test-threads", "1"])
            .env(WORKER_ENV, &path)
            .env(START_ENV, next_start.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reported = Arc::new(Mutex::new(Vec::<u64>::new()));
        let reader = {
            let reported = Arc::clone(&reported);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    // libtest may print "test kill::worker ... " before the first report.
                    if let Some(h) = line.split_once("SAFE ").and_then(|(_, h)| h.parse().ok()) {
                        reported.lock().unwrap().push(h);
                    }
                }
            })
        };
        // Some kills land during start-up or open, most mid-stream.
        let delay = if round == 0 { 50 } else { 20 + rng.below(600) };
        let deadline = Instant::now() + Duration::from_millis(delay);
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let reported = reported.lock().unwrap().clone();
        if let Some(&last) = reported.last() {
            next_start = last.saturating_add(1);
        }
        safe.extend(reported);
    }
    // Make sure the test tested something: one uninterrupted round that must report.
    if safe.is_empty() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill::worker", "--nocapture", "--test-threads", "1"])
            .env(WORKER_ENV, &path)
            .env(START_ENV, "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let first = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .map_while(|l| l.ok())
            .find_map(|l| l.split_once("SAFE ").and_then(|(_, h)| h.parse::<u64>().ok()));
        child.kill().unwrap();
        child.wait().unwrap();
        safe.extend(first);
    }
    assert!(!safe.is_empty(), "the worker never reported a decision");

    let db = SlashingDatabase::open(&path).await.unwrap();
    db.integrity_check().await.unwrap();
    let (k, d) = (key(0), domain(0));
    for &h in &safe {
        let expected = honest(ROLLUP, h);
        let recorded = db.recorded_blocks(&k, &d, ROLLUP, h).await.unwrap();
        assert_eq!(recorded.len(), 1, "height {h} reported safe but not recorded");
        assert_eq!(recorded[0].block_hash, expected.block_hash);
        assert_eq!(
            outcome(&db.check_and_insert(&k, &d, &forged(ROLLUP, h)).await),
            Outcome::Conflict
        );
        assert_eq!(outcome(&db.check_and_insert(&k, &d, &expected).await), Outcome::SameBlock);
    }
    // Nothing forged ever made it in, whatever was recorded but not yet reported.
    let export = db.export_interchange(&d).await.unwrap();
    for record in export.data.iter().flat_map(|k| &k.signed_checkpoints) {
        assert_eq!(record.block_hash, honest(ROLLUP, record.height).block_hash, "{record:?}");
    }
    eprintln!("sigkill: {ROUNDS} kills, {} decisions verified", safe.len());
}

/// Re-entered by `survives_sigkill_at_any_instant`; a no-op otherwise. Signs heights upwards,
/// re-signing the previous one on the way, and reports each `Safe` after it returned.
#[tokio::test]
async fn worker() {
    let Some(path) = std::env::var_os(WORKER_ENV) else { return };
    let start: u64 = std::env::var(START_ENV).unwrap().parse().unwrap();
    let db = SlashingDatabase::open(&path).await.unwrap();
    let (k, d) = (key(0), domain(0));
    db.register_key(&k).await.unwrap();
    let mut out = std::io::stdout().lock();
    let give_up = Instant::now() + Duration::from_secs(30);
    for h in start..start + 100_000 {
        if Instant::now() > give_up {
            break;
        }
        let result = db.check_and_insert(&k, &d, &honest(ROLLUP, h)).await;
        assert!(result.is_ok(), "{result:?}");
        writeln!(out, "SAFE {h}").unwrap();
        out.flush().unwrap();
        if let Some(prev) = h.checked_sub(1) {
            assert!(db.check_and_insert(&k, &d, &forged(ROLLUP, prev)).await.is_err());
        }
    }
}
