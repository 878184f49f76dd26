#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Slasher ingest: a long stream of signed checkpoints (operators × rollups × heights, a few
//! equivocations sprinkled in) fed through [`Detector::ingest_batch`], pruning heights older
//! than a window as the stream advances.
//!
//! Reports checkpoints per second, peak memory (`VmHWM`) and index size, against a baseline
//! measured in the same run over the same batches: computing each checkpoint's index key
//! (keccak-256 of domain, key, rollup, height) and inserting it in a std `HashSet`, cleared at
//! the same window. The last line is `ingest_per_s: X`.
//!
//! Signatures: the detector verifies only when a conflict appears, and conflicts are rare, so
//! the honest stream entries reuse a few real signature byte strings (they are never checked).
//! Every planted equivocation carries real signatures on both sides (first and conflicting
//! block), so the stream's conflicts cost real verifications, and the bench checks that each
//! one is reported. All operator keys are real BLS keys.
//!
//! Then the same stream goes through the slasher's real ingest path, the `Ingestor`: detection,
//! metrics, and evidence plus the feed cursor committed to SQLite in one transaction per batch
//! of 1,024 (the slasher's default), with pruning. The last line, `ingest_per_s: X`, is that
//! durable figure.
//!
//! Run: `cargo bench -p vigil-slasher --bench ingest` (optional env: `OPERATORS`, `ROLLUPS`,
//! `HEIGHTS`, `WINDOW`, `BATCH`, `DURABLE_BATCH`).

use std::{
    collections::HashSet,
    hint::black_box,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256};
use vigil_crypto::SecretKey;
use vigil_slasher::{Detector, EvidenceStore, Ingested, service::Ingestor};
use vigil_types::{Checkpoint, PublicKeyBytes, SignatureBytes, SignedCheckpoint, SigningDomain};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident set size in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(0x11), operator_set_id: 0 }
}

fn block(rollup: u64, height: u64, fork: u8) -> (B256, B256) {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&rollup.to_be_bytes());
    h[8..16].copy_from_slice(&height.to_be_bytes());
    h[31] = fork;
    let mut s = h;
    s[30] = 0x55;
    (B256::from(h), B256::from(s))
}

fn checkpoint(rollup: u64, height: u64, fork: u8, da: u8) -> Checkpoint {
    let (block_hash, state_root) = block(rollup, height, fork);
    Checkpoint {
        rollup_id: rollup,
        height,
        block_hash,
        state_root,
        da_commitment: B256::repeat_byte(da),
        l1_block: 20_000_000 + height / 4,
    }
}

/// Feeds `pending` to the detector and to the baseline, timing each.
fn flush(
    pending: &mut Vec<SignedCheckpoint>,
    detector: &mut Detector,
    baseline: &mut HashSet<[u8; 32]>,
    found: &mut u64,
    t_ingest: &mut Duration,
    t_base: &mut Duration,
) {
    let t = Instant::now();
    let results = detector.ingest_batch(pending);
    *t_ingest += t.elapsed();
    *found += results.iter().filter(|r| matches!(r, Ingested::Equivocation(_))).count() as u64;
    let t = Instant::now();
    for s in pending.iter() {
        // The baseline's per-checkpoint work: the same key hash the detector computes.
        black_box(baseline.insert(Detector::index_key(s)));
    }
    *t_base += t.elapsed();
    pending.clear();
}

fn main() {
    let operators = env("OPERATORS", 1_000) as usize;
    let rollups = env("ROLLUPS", 4);
    let heights = env("HEIGHTS", 400);
    let window = env("WINDOW", 32);
    let batch_size = env("BATCH", 4_096) as usize;
    // One equivocation every this many heights per rollup.
    let equivocation_every = 25;

    let dom = domain();
    let keys: Vec<SecretKey> = (0..operators)
        .map(|i| {
            let mut ikm = [7u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
            SecretKey::from_ikm(&ikm).unwrap()
        })
        .collect();
    let pubkeys: Vec<PublicKeyBytes> = keys.iter().map(|k| k.public_key().to_wire()).collect();
    // A few real signature byte strings for the honest entries (never verified: no conflict).
    let reused: Vec<SignatureBytes> =
        (0..4u8).map(|i| keys[0].sign(&[i; 32]).to_wire(false)).collect();

    // The stream, one (rollup, height) round at a time: every operator signs the block; one in
    // 16 rounds an operator also re-signs the same block with another daCommitment (not an
    // offence); every `equivocation_every` heights one operator signs a conflicting block.
    let round = |rollup: u64, height: u64| -> (Vec<SignedCheckpoint>, bool) {
        let equivocator = height
            .is_multiple_of(equivocation_every)
            .then(|| ((height / equivocation_every + rollup) as usize * 7919) % operators);
        let mut out = Vec::with_capacity(operators + 2);
        for (i, pk) in pubkeys.iter().enumerate() {
            let cp = checkpoint(rollup, height, 0, 1);
            let signature = if Some(i) == equivocator {
                keys[i].sign(cp.digest(&dom).as_slice()).to_wire(false)
            } else {
                reused[i % reused.len()]
            };
            out.push(SignedCheckpoint { domain: dom, checkpoint: cp, pubkey: *pk, signature });
        }
        if height % 16 == 3 {
            let mut dup = out[(height as usize * 31) % operators];
            dup.checkpoint.da_commitment = B256::repeat_byte(2);
            out.push(dup);
        }
        if let Some(i) = equivocator {
            let cp = checkpoint(rollup, height, 1, 1);
            let signature = keys[i].sign(cp.digest(&dom).as_slice()).to_wire(false);
            out.push(SignedCheckpoint {
                domain: dom,
                checkpoint: cp,
                pubkey: pubkeys[i],
                signature,
            });
        }
        (out, equivocator.is_some())
    };

    let hwm_before = vm_hwm_kib();
    let mut detector = Detector::new();
    let mut baseline: HashSet<[u8; 32]> = HashSet::new();
    let (mut t_ingest, mut t_base) = (Duration::ZERO, Duration::ZERO);
    let (mut total, mut planted, mut found, mut peak_len, mut peak_base) = (0u64, 0u64, 0u64, 0, 0);
    let mut pending: Vec<SignedCheckpoint> = Vec::with_capacity(batch_size + operators + 2);

    for height in 0..heights {
        for rollup in 0..rollups {
            let (items, equivocation) = round(rollup, height);
            planted += u64::from(equivocation);
            total += items.len() as u64;
            pending.extend(items);
        }
        if pending.len() >= batch_size {
            flush(
                &mut pending,
                &mut detector,
                &mut baseline,
                &mut found,
                &mut t_ingest,
                &mut t_base,
            );
        }
        // Prune as the stream advances (heights are processed in order, so whatever of this
        // height is still pending was not yet ingested: prune only heights already flushed).
        if pending.is_empty() && height >= window {
            let t = Instant::now();
            for rollup in 0..rollups {
                detector.prune_below(rollup, height + 1 - window);
            }
            t_ingest += t.elapsed();
            peak_len = peak_len.max(detector.len());
            peak_base = peak_base.max(baseline.len());
            let t = Instant::now();
            if baseline.len() > (window as usize) * operators * rollups as usize * 2 {
                baseline.clear();
            }
            t_base += t.elapsed();
        }
    }
    flush(&mut pending, &mut detector, &mut baseline, &mut found, &mut t_ingest, &mut t_base);
    peak_len = peak_len.max(detector.len());
    peak_base = peak_base.max(baseline.len());

    let ingest_per_s = total as f64 / t_ingest.as_secs_f64();
    let base_per_s = total as f64 / t_base.as_secs_f64();
    let hwm = vm_hwm_kib();
    println!(
        "stream: {total} signed checkpoints ({operators} operators x {rollups} rollups x \
         {heights} heights), batches of ~{batch_size}, prune window {window} heights"
    );
    println!("equivocations: planted {planted}, reported {found}");
    println!(
        "detector: {:.3} s, {ingest_per_s:.0} checkpoints/s ({:.2} us each)",
        t_ingest.as_secs_f64(),
        1e6 / ingest_per_s
    );
    println!(
        "baseline (key keccak + HashSet insert): {:.3} s, {base_per_s:.0} checkpoints/s; \
         detector/baseline throughput ratio {:.2}",
        t_base.as_secs_f64(),
        ingest_per_s / base_per_s
    );
    println!(
        "index: {} entries at the end, peak {peak_len} (baseline set peak {peak_base})",
        detector.len()
    );
    println!(
        "memory: VmHWM {:.1} MiB (before the stream {:.1} MiB)",
        hwm as f64 / 1024.0,
        hwm_before as f64 / 1024.0
    );
    assert_eq!(found, planted, "every planted equivocation is reported once");

    // The slasher's real path: the same stream through the `Ingestor` (detection, metrics,
    // evidence and feed cursor committed in one SQLite transaction per batch, pruning), in
    // batches of the slasher's default size.
    let durable_batch = env("DURABLE_BATCH", 1_024) as usize;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.sqlite").display());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (t_durable, offences) = rt.block_on(async {
        let store = EvidenceStore::open(&url).await.unwrap();
        let mut ingestor = Ingestor::new(store.clone(), window);
        let mut seq = 0u64;
        let mut pending: Vec<(u64, SignedCheckpoint)> = Vec::with_capacity(durable_batch);
        let mut elapsed = Duration::ZERO;
        for height in 0..heights {
            for rollup in 0..rollups {
                for signed in round(rollup, height).0 {
                    seq += 1;
                    pending.push((seq, signed));
                    if pending.len() == durable_batch {
                        let t = Instant::now();
                        ingestor.ingest("bench", &pending).await.unwrap();
                        elapsed += t.elapsed();
                        pending.clear();
                    }
                }
            }
        }
        let t = Instant::now();
        ingestor.ingest("bench", &pending).await.unwrap();
        elapsed += t.elapsed();
        let offences = store.list(10_000, None).await.unwrap().len() as u64;
        (elapsed, offences)
    });
    let durable_per_s = total as f64 / t_durable.as_secs_f64();
    println!(
        "durable (Ingestor: detection + metrics + evidence and cursor committed per batch of \
         {durable_batch}, SQLite): {:.3} s, {durable_per_s:.0} checkpoints/s; offences recorded \
         {offences}; durable/detector ratio {:.2}",
        t_durable.as_secs_f64(),
        durable_per_s / ingest_per_s
    );
    println!("memory: VmHWM {:.1} MiB after both runs", vm_hwm_kib() as f64 / 1024.0);
    assert_eq!(offences, planted, "every planted equivocation is recorded once");
    println!("ingest_per_s: {durable_per_s:.0}");
}
