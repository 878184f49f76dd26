//! BLS benchmarks: sign, verify, and verifying N signatures over one message from wire bytes,
//! per signature (decode with subgroup check, one pairing each) against aggregate-first
//! (decode without per-signature subgroup check, aggregate, one check; proves the set signed)
//! and each-signer (decode with subgroup check, one check with random scalars; proves each
//! signer signed: what the aggregator's intake runs).
//!
//! `cargo bench -p vigil-crypto --bench bls`; the last lines print the ratio for each N, measured
//! in the same run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use vigil_crypto::{
    PublicKey, SecretKey, Signature, verify, verify_each_same_message, verify_same_message,
};

const MSG: [u8; 32] = [0x5a; 32];
const SIZES: [usize; 3] = [10, 100, 1000];

struct Set {
    pks: Vec<PublicKey>,
    wire: Vec<[u8; 96]>,
}

fn set(n: usize) -> Set {
    let sks: Vec<_> = (0..n)
        .map(|i| {
            let mut ikm = [0u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
            SecretKey::from_ikm(&ikm).unwrap()
        })
        .collect();
    Set {
        pks: sks.iter().map(SecretKey::public_key).collect(),
        wire: sks.iter().map(|k| k.sign(&MSG).to_uncompressed()).collect(),
    }
}

fn per_signature(s: &Set) -> usize {
    s.pks
        .iter()
        .zip(&s.wire)
        .filter(|(pk, w)| {
            Signature::from_bytes(w.as_slice()).is_ok_and(|sig| verify(pk, &MSG, &sig).is_ok())
        })
        .count()
}

fn aggregate_first(s: &Set) -> usize {
    let items: Vec<_> = s
        .pks
        .iter()
        .zip(&s.wire)
        .filter_map(|(pk, w)| {
            Signature::from_bytes_unchecked_subgroup(w.as_slice()).ok().map(|sig| (*pk, sig))
        })
        .collect();
    let out = verify_same_message(&MSG, &items).unwrap();
    items.len() - out.invalid.len()
}

fn each_signer(s: &Set) -> usize {
    let items: Vec<_> = s
        .pks
        .iter()
        .zip(&s.wire)
        .filter_map(|(pk, w)| Signature::from_bytes(w.as_slice()).ok().map(|sig| (*pk, sig)))
        .collect();
    assert!(verify_each_same_message(&MSG, &items));
    items.len()
}

fn bench(c: &mut Criterion) {
    let sk = SecretKey::from_ikm(&[1u8; 32]).unwrap();
    let pk = sk.public_key();
    let sig = sk.sign(&MSG);
    let wire = sig.to_uncompressed();
    c.bench_function("sign", |b| b.iter(|| sk.sign(black_box(&MSG))));
    c.bench_function("verify_from_wire", |b| {
        b.iter(|| {
            let sig = Signature::from_bytes(black_box(&wire)).unwrap();
            verify(&pk, &MSG, &sig).unwrap()
        })
    });

    let mut group = c.benchmark_group("same_message");
    group.sample_size(10);
    for n in SIZES {
        let s = set(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("per_signature", n), &s, |b, s| {
            b.iter(|| assert_eq!(per_signature(s), n))
        });
        group.bench_with_input(BenchmarkId::new("each_signer", n), &s, |b, s| {
            b.iter(|| each_signer(black_box(s)))
        });
        group.bench_with_input(BenchmarkId::new("aggregate_first", n), &s, |b, s| {
            b.iter(|| assert_eq!(aggregate_first(s), n))
        });
    }
    group.finish();
}

/// Median wall time of `runs` calls.
fn median(runs: usize, f: impl Fn() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn print_ratios() {
    println!("\nsame-message verification from wire bytes (median of 5, this run):");
    for n in SIZES {
        let s = set(n);
        let base = median(5, || per_signature(&s));
        let fast = median(5, || aggregate_first(&s));
        let each = median(5, || each_signer(&s));
        println!(
            "  N={n:>5}: per_signature {:>10.3?}  aggregate_first {:>10.3?} ({:>5.1}x)  \
             each_signer {:>10.3?} ({:>5.1}x, {:>6.1} µs per signature)",
            base,
            fast,
            base.as_secs_f64() / fast.as_secs_f64(),
            each,
            base.as_secs_f64() / each.as_secs_f64(),
            each.as_secs_f64() * 1e6 / n as f64,
        );
    }
}

/// Where each-signer verification spends its time at N = 64 (the ingest benchmark's set size),
/// per signature, and the signatures per second one core can verify that way: the ceiling of an
/// intake that verifies every signature before storing it.
fn print_breakdown() {
    const N: usize = 64;
    let s = set(N);
    let per_sig = |d: Duration| d.as_secs_f64() * 1e6 / N as f64;
    let checked =
        median(9, || s.wire.iter().filter(|w| Signature::from_bytes(w.as_slice()).is_ok()).count());
    let unchecked = median(9, || {
        s.wire
            .iter()
            .filter(|w| Signature::from_bytes_unchecked_subgroup(w.as_slice()).is_ok())
            .count()
    });
    let items: Vec<(PublicKey, Signature)> = s
        .pks
        .iter()
        .zip(&s.wire)
        .map(|(pk, w)| (*pk, Signature::from_bytes(w.as_slice()).unwrap()))
        .collect();
    let group = median(9, || usize::from(verify_each_same_message(&MSG, &items)));
    let total = per_sig(checked) + per_sig(group);
    println!(
        "\neach_signer at N={N}, per signature (median of 9, this run): decode {:.1} µs, \
         subgroup check {:.1} µs, group check {:.1} µs; one core verifies at most {:.0}/s",
        per_sig(unchecked),
        per_sig(checked) - per_sig(unchecked),
        per_sig(group),
        1e6 / total,
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    // `cargo bench -- --list` or a filter run does not want the extra timing.
    if !std::env::args().any(|a| a == "--list" || a == "--test") {
        print_ratios();
        print_breakdown();
    }
}
