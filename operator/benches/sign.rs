//! The sign path an operator runs per checkpoint: the durable slashing-protection record (one
//! exclusive SQLite transaction, `synchronous=FULL`) and then the BLS signature, measured
//! against BLS signing alone in the same run.
//!
//! `cargo bench -p vigil-operator --bench sign [-- N]` (default N = 2000 checkpoints). Prints p50,
//! p99 and checkpoints per second, and the ratio to signing alone. Goal: p99 ≤ 5 ms.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use vigil_crypto::SecretKey;
use vigil_operator::signer::CheckpointSigner;
use vigil_slashing_protection::SlashingDatabase;
use vigil_types::{Address, B256, Checkpoint, SigningDomain};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>, total: Duration) -> (Duration, f64) {
    samples.sort();
    let per_s = samples.len() as f64 / total.as_secs_f64();
    println!(
        "{name:<34} p50 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}  {:>8.0} checkpoints/s",
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[samples.len() - 1],
        per_s
    );
    (percentile(&samples, 0.99), per_s)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let domain =
        SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(0x11), operator_set_id: 0 };
    let checkpoint = |height: u64| Checkpoint {
        rollup_id: 10,
        height,
        block_hash: B256::left_padding_from(&height.to_be_bytes()),
        state_root: B256::repeat_byte(2),
        da_commitment: B256::repeat_byte(3),
        l1_block: height,
    };

    // Baseline: BLS signing of the digest alone.
    let key = SecretKey::from_ikm(&[9u8; 32]).unwrap();
    let mut baseline = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for h in 0..n {
        let t = Instant::now();
        std::hint::black_box(key.sign(checkpoint(h).digest(&domain).as_slice()));
        baseline.push(t.elapsed());
    }
    let baseline_total = start.elapsed();

    // The full path: durable protection record, then the signature.
    let dir = tempfile::tempdir().unwrap();
    let db = SlashingDatabase::open(dir.path().join("protection.sqlite")).await.unwrap();
    let signer = CheckpointSigner::new(key, domain, db, false).await.unwrap();
    let mut full = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for h in 0..n {
        let t = Instant::now();
        let (safe, signed) = signer.sign(&checkpoint(h)).await.unwrap();
        assert_eq!(safe, vigil_slashing_protection::Safe::Valid);
        std::hint::black_box(signed);
        full.push(t.elapsed());
    }
    let full_total = start.elapsed();

    println!("sign path, {n} checkpoints, one node (file system: {})", dir.path().display());
    let (base_p99, base_rate) = report("BLS sign alone (baseline)", baseline, baseline_total);
    let (p99, rate) = report("protection record + BLS sign", full, full_total);
    println!(
        "ratio to baseline: p99 {:.1}x, throughput {:.2}x; goal p99 <= 5 ms: {}",
        p99.as_secs_f64() / base_p99.as_secs_f64(),
        rate / base_rate,
        if p99 <= Duration::from_millis(5) { "met" } else { "NOT met" }
    );
}
