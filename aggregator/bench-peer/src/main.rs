//! Vigil against eigensdk's `BlsAggregatorService`, in one run: aggregate and verify one
//! checkpoint signed by N operators, for N = 100, 1,000 and 10,000.
//!
//! ```text
//! cargo run --release --manifest-path aggregator/bench-peer/Cargo.toml [-- --n 100,1000 --reps 7]
//! ```
//!
//! Both timed regions start from signatures as wire bytes, with the operators' public keys
//! already known and decoded, and end with a verified aggregate:
//!
//! - **Vigil** (BLS12-381, min_sig, `blst`): decode each 96-byte uncompressed signature without
//!   the per-signature subgroup check (`Signature::from_bytes_unchecked_subgroup`), sum the
//!   signatures and the signers' keys, verify the aggregate once (one subgroup check, one
//!   pairing check). Falls back to `verify_same_message` (bisection) if the aggregate fails.
//! - **eigensdk** 2.0.0 (BN254, arkworks): deserialize each 64-byte uncompressed G1 signature
//!   (the SDK's own encoding of `Signature`) and send it through
//!   `ServiceHandle::process_signature` for one task already initialized with a 100% threshold,
//!   until `AggregateReceiver::receive_aggregated_response` returns. The service verifies each
//!   signature on arrival (two pairings) and folds it into the aggregate.
//!
//! Both sides run on one thread (a current-thread tokio runtime for the service; blst is
//! single-threaded here). The last line is `ratio_vs_eigensdk_n1000: X` when N = 1,000 ran.

use std::{
    collections::HashMap,
    error::Error,
    hint::black_box,
    time::{Duration, Instant},
};

use alloy_primitives::{B256, U256, keccak256};
use ark_bn254::G1Affine;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use eigen_crypto_bls::{BlsKeyPair, Signature as EigenSignature};
use eigen_services_avsregistry::{
    AvsRegistryService, fake_avs_registry_service::FakeAvsRegistryService,
};
use eigen_services_blsaggregation::bls_agg::{BlsAggregatorService, TaskMetadata, TaskSignature};
use eigen_types::{operator::operator_id_from_g1_pub_key, test::TestOperator};
use vigil_crypto::{
    PublicKey, SecretKey, Signature, aggregate_public_keys, aggregate_signatures, verify,
    verify_same_message,
};
use vigil_types::{Address, Checkpoint, SignatureBytes, SigningDomain};

type Res<T> = Result<T, Box<dyn Error>>;

const DEFAULT_NS: [usize; 3] = [100, 1_000, 10_000];
const DEFAULT_VIGIL_REPS: usize = 7;
/// eigensdk repetitions at N <= this (one above: a repetition at N = 10,000 takes ~20 s).
const EIGEN_MULTI_REP_MAX_N: usize = 100;
const EIGEN_SMALL_N_REPS: usize = 3;
const WARMUP_N: usize = 16;
/// The one quorum every fake operator stakes in.
const QUORUM: u8 = 0;
/// Block at which the fake registry holds the operators (and the task is created).
const BLOCK: u64 = 1;

struct Args {
    ns: Vec<usize>,
    vigil_reps: usize,
}

fn parse_args() -> Res<Args> {
    let mut args = Args { ns: DEFAULT_NS.to_vec(), vigil_reps: DEFAULT_VIGIL_REPS };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (a.clone(), None),
        };
        let mut value =
            || inline.clone().or_else(|| it.next()).ok_or(format!("{key} needs a value"));
        match key.as_str() {
            "--n" => {
                args.ns = value()?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()?;
                if args.ns.contains(&0) {
                    return Err("N must be positive".into());
                }
            }
            "--reps" => args.vigil_reps = value()?.parse::<usize>()?.max(1),
            "-h" | "--help" => {
                println!(
                    "usage: vigil-bench-peer [--n 100,1000,10000] [--reps {DEFAULT_VIGIL_REPS}]\n\
                     --n     operator counts to run (default 100,1000,10000)\n\
                     --reps  Vigil repetitions per N; the median is reported"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (try --help)").into()),
        }
    }
    Ok(args)
}

/// The checkpoint every operator signs, and its digest (the 32-byte message on both sides).
fn checkpoint_digest() -> B256 {
    let domain =
        SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(0x11), operator_set_id: 0 };
    let checkpoint = Checkpoint {
        rollup_id: 42_161,
        height: 1_000_000,
        block_hash: B256::repeat_byte(0xaa),
        state_root: B256::repeat_byte(0xbb),
        da_commitment: B256::repeat_byte(0xcc),
        l1_block: 20_000_000,
    };
    checkpoint.digest(&domain)
}

/// Operator `i`'s key material on one side: keccak-256 of the side's label and `i`, the same on
/// every run.
fn key_material(side: &str, i: usize) -> B256 {
    keccak256([side.as_bytes(), &(i as u64).to_le_bytes()].concat())
}

// ---------------------------------------------------------------------------------------------
// Vigil
// ---------------------------------------------------------------------------------------------

struct VigilSet {
    /// Signers' keys, decoded and checked, as the aggregator holds them (index = operator).
    pks: Vec<PublicKey>,
    /// Each operator's signature as it arrives: 96-byte uncompressed, the operators' default.
    wire: Vec<SignatureBytes>,
}

fn vigil_setup(n: usize, msg: &[u8]) -> Res<VigilSet> {
    let mut pks = Vec::with_capacity(n);
    let mut wire = Vec::with_capacity(n);
    for i in 0..n {
        let sk = SecretKey::from_ikm(key_material("vigil", i).as_slice())?;
        // Keys arrive at registration in their wire form and are accepted (subgroup-checked) once.
        pks.push(PublicKey::from_wire(&sk.public_key().to_wire())?);
        wire.push(sk.sign(msg).to_wire(false));
    }
    Ok(VigilSet { pks, wire })
}

/// The timed region: wire bytes in, verified aggregate signature and aggregate key out.
fn vigil_aggregate_and_verify(set: &VigilSet, msg: &[u8]) -> Res<(Signature, PublicKey)> {
    let sigs = set
        .wire
        .iter()
        .map(|w| Signature::from_bytes_unchecked_subgroup(w.as_slice()))
        .collect::<Result<Vec<_>, _>>()?;
    let agg_sig = aggregate_signatures(&sigs)?;
    let agg_pk = aggregate_public_keys(&set.pks)?;
    // `agg_sig` is marked unchecked, so this subgroup-checks it once, then one pairing check.
    if verify(&agg_pk, msg, &agg_sig).is_err() {
        // The aggregator's failure path: bisect to find the bad signatures.
        let items: Vec<_> = set.pks.iter().copied().zip(sigs.iter().copied()).collect();
        let outcome = verify_same_message(msg, &items)?;
        return Err(format!("aggregate failed; invalid signers {:?}", outcome.invalid).into());
    }
    Ok((agg_sig, agg_pk))
}

/// The same, through `verify_same_message` (aggregate-first with bisection), which answers
/// valid/invalid per signer but does not hand back the aggregate.
fn vigil_verify_same_message(set: &VigilSet, msg: &[u8]) -> Res<()> {
    let items = set
        .pks
        .iter()
        .zip(&set.wire)
        .map(|(pk, w)| Ok((*pk, Signature::from_bytes_unchecked_subgroup(w.as_slice())?)))
        .collect::<Res<Vec<_>>>()?;
    let outcome = verify_same_message(msg, &items)?;
    if !outcome.all_valid() || outcome.pairing_checks != 1 {
        return Err(format!("verify_same_message: {outcome:?}").into());
    }
    Ok(())
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn time_vigil(set: &VigilSet, msg: &[u8], reps: usize) -> Res<(Duration, Duration)> {
    let mut agg = Vec::with_capacity(reps);
    let mut vsm = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        black_box(vigil_aggregate_and_verify(black_box(set), msg)?);
        agg.push(t.elapsed());
        let t = Instant::now();
        vigil_verify_same_message(black_box(set), msg)?;
        vsm.push(t.elapsed());
    }
    Ok((median(agg), median(vsm)))
}

// ---------------------------------------------------------------------------------------------
// eigensdk
// ---------------------------------------------------------------------------------------------

struct EigenSet {
    registry: FakeAvsRegistryService,
    /// (operator id, 64-byte uncompressed G1 signature as the SDK's serde writes it).
    wire: Vec<(B256, Vec<u8>)>,
    /// Expected aggregate, for the after-the-fact check.
    expected_agg: G1Affine,
}

fn eigen_setup(n: usize, digest: &[u8; 32]) -> Res<EigenSet> {
    let mut operators = Vec::with_capacity(n);
    let mut wire = Vec::with_capacity(n);
    let mut expected = ark_bn254::G1Projective::default();
    for i in 0..n {
        // A nonzero decimal scalar below the BN254 group order (~2^253.6): 252 bits.
        let scalar = (U256::from_be_bytes(key_material("eigen", i).0) >> 4usize) | U256::from(1u8);
        let fr = scalar.to_string();
        let keypair = BlsKeyPair::new(fr).map_err(|e| format!("BlsKeyPair: {e:?}"))?;
        let operator_id = operator_id_from_g1_pub_key(keypair.public_key())
            .map_err(|e| format!("operator id: {e:?}"))?;
        let sig = keypair.sign_message(digest).g1_point().g1();
        expected += sig;
        let mut bytes = Vec::with_capacity(64);
        sig.serialize_uncompressed(&mut bytes)?;
        wire.push((operator_id, bytes));
        operators.push(TestOperator {
            operator_id,
            stake_per_quorum: HashMap::from([(QUORUM, U256::from(1_000u64))]),
            bls_keypair: keypair,
        });
    }
    Ok(EigenSet {
        registry: FakeAvsRegistryService::new(BLOCK, operators),
        wire,
        expected_agg: expected.into(),
    })
}

/// One repetition: a fresh service and task, then the timed region.
async fn time_eigen_once(set: &EigenSet, digest: B256, n: usize) -> Res<Duration> {
    let (handle, mut receiver) = BlsAggregatorService::new(set.registry.clone()).start();
    // Long enough for the slowest run: ~1.74 ms a signature measured, 20 ms allowed.
    let time_to_expiry = Duration::from_secs(60) + Duration::from_millis(20) * n as u32;
    handle
        .initialize_task(TaskMetadata::new(0, BLOCK, vec![QUORUM], vec![100], time_to_expiry))
        .await?;
    // The task loads the operators' state from the registry in the background when it starts;
    // give it time to finish (keys "already known and decoded") before the clock starts. The
    // same load, measured here, takes a few ms at N = 10,000.
    let t = Instant::now();
    let _ = set.registry.get_operators_avs_state_at_block(BLOCK, &[QUORUM]).await;
    let _ = set.registry.get_quorums_avs_state_at_block(&[QUORUM], BLOCK).await;
    tokio::time::sleep(Duration::from_millis(50) + t.elapsed() * 4).await;

    let start = Instant::now();
    for (operator_id, bytes) in &set.wire {
        let g1 = G1Affine::deserialize_uncompressed(bytes.as_slice())?;
        let task_sig = TaskSignature::new(0, digest, EigenSignature::new(g1), *operator_id);
        handle.process_signature(task_sig).await?;
    }
    let response = receiver.receive_aggregated_response().await?;
    let elapsed = start.elapsed();

    // Outside the clock: the response is the full aggregate over the right message, and it
    // verifies against the signers' aggregate G2 key.
    if response.task_response_digest != digest || !response.non_signers_pub_keys_g1.is_empty() {
        return Err("eigensdk: unexpected response (digest or non-signers)".into());
    }
    let agg = response.signers_agg_sig_g1.g1_point().g1();
    if agg != set.expected_agg {
        return Err("eigensdk: aggregate signature differs from the sum of the signatures".into());
    }
    if !eigen_crypto_bn254::utils::verify_message(response.signers_apk_g2.g2(), &digest.0, agg) {
        return Err("eigensdk: aggregate does not verify".into());
    }
    Ok(elapsed)
}

async fn time_eigen(set: &EigenSet, digest: B256, n: usize, reps: usize) -> Res<Duration> {
    let mut xs = Vec::with_capacity(reps);
    for _ in 0..reps {
        xs.push(time_eigen_once(set, digest, n).await?);
    }
    Ok(median(xs))
}

// ---------------------------------------------------------------------------------------------

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

fn main() -> Res<()> {
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let digest = checkpoint_digest();
    let msg = digest.as_slice();

    println!(
        "vigil-bench-peer: one checkpoint digest ({digest}) signed by N operators; \
         Vigil (BLS12-381, blst) vs eigensdk 2.0.0 BlsAggregatorService (BN254, arkworks)"
    );
    println!(
        "cores available: {}; both sides single-threaded; Vigil median of {} reps, eigensdk \
         median of {} reps at N <= {}, else 1",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.vigil_reps,
        EIGEN_SMALL_N_REPS,
        EIGEN_MULTI_REP_MAX_N,
    );

    // Warm-up (caches, allocator, lazy statics, the tokio runtime), not reported.
    {
        let v = vigil_setup(WARMUP_N, msg)?;
        time_vigil(&v, msg, 3)?;
        let e = eigen_setup(WARMUP_N, &digest.0)?;
        rt.block_on(time_eigen(&e, digest, WARMUP_N, 1))?;
    }

    let mut ratio_n1000 = None;
    for &n in &args.ns {
        let t = Instant::now();
        let vset = vigil_setup(n, msg)?;
        let eset = eigen_setup(n, &digest.0)?;
        let setup = t.elapsed();

        let (vigil, vigil_vsm) = time_vigil(&vset, msg, args.vigil_reps)?;
        let eigen_reps = if n <= EIGEN_MULTI_REP_MAX_N { EIGEN_SMALL_N_REPS } else { 1 };
        let eigen = rt.block_on(time_eigen(&eset, digest, n, eigen_reps))?;
        let ratio = eigen.as_secs_f64() / vigil.as_secs_f64();

        println!(
            "n={n} vigil_ms={:.3} eigensdk_ms={:.1} ratio={ratio:.1} vigil_us_per_sig={:.2} \
             eigensdk_us_per_sig={:.1} vigil_verify_same_message_ms={:.3} setup_s={:.1}",
            ms(vigil),
            ms(eigen),
            us_per(vigil, n),
            us_per(eigen, n),
            ms(vigil_vsm),
            setup.as_secs_f64(),
        );
        if n == 1_000 {
            ratio_n1000 = Some(ratio);
        }
    }
    if let Some(r) = ratio_n1000 {
        println!("ratio_vs_eigensdk_n1000: {r:.1}");
    }
    Ok(())
}
