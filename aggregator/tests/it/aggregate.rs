//! The aggregator against a real anvil with EigenLayer's core and Vigil deployed and four
//! registered operators, on SQLite and on a real PostgreSQL server: certificates that the
//! verifier accepts, a bad signature isolated, a checkpoint below threshold never certified,
//! conflicting signatures on the feed, typed refusals, and a restart that loses nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::Duration;

use alloy::primitives::{B256, Bytes, keccak256};
use vigil_aggregator::{
    engine::EngineConfig,
    intake::Source,
    intake::{Intake, IntakeError},
    service::{Aggregator, IntakeLimits},
    store::{CertificateRecord, Store},
};
use vigil_chain::{bindings::VigilVerifier, checkpoint_sol, non_signer_bytes};
use vigil_crypto::{PublicKey, Signature};
use vigil_test_utils::{PgServer, TestNetwork};
use vigil_types::{Checkpoint, PublicKeyBytes, SignatureBytes, SignedCheckpoint};

/// Every submission here comes from one address.
const SOURCE: Source = Source(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

const ROLLUP: u64 = 901;
const WINDOW: Duration = Duration::from_millis(150);

enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(PgServer),
}

impl Db {
    fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }
    fn postgres() -> Self {
        Self::Postgres(PgServer::start().expect("PostgreSQL (apt-get install postgresql)"))
    }
    fn url(&self) -> String {
        match self {
            Self::Sqlite(d) => format!("sqlite://{}", d.path().join("agg.sqlite").display()),
            Self::Postgres(pg) => pg.url(),
        }
    }
}

struct Fixture {
    net: TestNetwork,
    db: Db,
}

impl Fixture {
    async fn new(db: Db) -> Self {
        Self { net: TestNetwork::start(&[100, 100, 100, 100]).await.unwrap(), db }
    }

    async fn aggregator(&self) -> Aggregator {
        let store = Store::open(&self.db.url()).await.unwrap();
        let agg = Aggregator::new(
            self.net.owner.clone(),
            self.net.deployment.domain(),
            store,
            EngineConfig { window: WINDOW, ..EngineConfig::default() },
            64,
            IntakeLimits::default(),
        )
        .await
        .unwrap();
        agg.restore().await.unwrap();
        agg
    }

    async fn checkpoint(&self, height: u64, block: &str) -> Checkpoint {
        Checkpoint {
            rollup_id: ROLLUP,
            height,
            block_hash: keccak256(block),
            state_root: keccak256(format!("state-{block}")),
            da_commitment: B256::repeat_byte(0xda),
            l1_block: self.net.l1_block().await.unwrap(),
        }
    }

    fn sign(&self, i: usize, cp: &Checkpoint) -> SignedCheckpoint {
        let domain = self.net.deployment.domain();
        let key = &self.net.operators[i].bls;
        SignedCheckpoint {
            domain,
            checkpoint: *cp,
            pubkey: key.public_key().to_wire(),
            signature: key.sign(cp.digest(&domain).as_slice()).to_wire(i.is_multiple_of(2)),
        }
    }
}

/// Runs the aggregator's background loop until `until` holds (or 20 s pass).
async fn drive<F, Fut>(agg: &Aggregator, mut until: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        agg.engine().finalize_due().await.unwrap();
        if until().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn certificate(agg: &Aggregator, height: u64) -> Option<CertificateRecord> {
    agg.store().certificate(ROLLUP, height).await.unwrap()
}

/// The verifier contract's own verdict on a stored certificate.
async fn verifies_on_chain(f: &Fixture, rec: &CertificateRecord) -> bool {
    let verifier = VigilVerifier::new(f.net.deployment.vigil.verifier, f.net.owner.clone());
    let non_signers: Vec<PublicKey> =
        rec.certificate.non_signers.iter().map(|k| PublicKey::from_wire(k).unwrap()).collect();
    let sig = Signature::from_wire(&rec.certificate.aggregate_signature).unwrap();
    let cert = VigilVerifier::Certificate {
        checkpoint: checkpoint_sol(&rec.certificate.checkpoint),
        nonSignerPubkeys: non_signer_bytes(&non_signers),
        signature: Bytes::from(sig.to_eip2537().to_vec()),
    };
    verifier.verifyCertificate(cert).call().await.is_ok()
}

fn pubkey(f: &Fixture, i: usize) -> PublicKeyBytes {
    f.net.operators[i].bls.public_key().to_wire()
}

async fn certifies_and_verifies_on_chain(db: Db) {
    let f = Fixture::new(db).await;
    let agg = f.aggregator().await;
    let cp = f.checkpoint(10, "block-10").await;
    for i in 0..3 {
        let a = agg.accept(f.sign(i, &cp), SOURCE).await.unwrap();
        assert!(!a.stale && !a.duplicate);
    }
    // A repeat is a duplicate, not a second vote.
    assert!(agg.accept(f.sign(0, &cp), SOURCE).await.unwrap().duplicate);
    assert!(drive(&agg, || async { certificate(&agg, 10).await.is_some() }).await);
    let rec = certificate(&agg, 10).await.unwrap();
    assert_eq!(rec.signers, 3);
    assert_eq!(rec.certificate.non_signers, vec![pubkey(&f, 3)]);
    assert_eq!(
        rec.signed_weight * alloy::primitives::U256::from(4u64),
        rec.total_weight * alloy::primitives::U256::from(3u64)
    );
    assert!(verifies_on_chain(&f, &rec).await, "the verifier accepts the certificate");
    // The fourth signature arrives late: stale, but on the feed.
    let late = agg.accept(f.sign(3, &cp), SOURCE).await.unwrap();
    assert!(late.stale);
    assert_eq!(agg.store().feed_head().await.unwrap(), 4);
}

async fn one_bad_signature_is_isolated(db: Db) {
    let f = Fixture::new(db).await;
    let agg = f.aggregator().await;
    let cp = f.checkpoint(11, "block-11").await;
    // Someone sends, under operator 2's key, a valid point that is a signature over something
    // else: refused at intake, before the store, the feed or the engine see it.
    let mut bad = f.sign(2, &cp);
    bad.signature = f.net.operators[2].bls.sign(b"not the digest").to_wire(false);
    assert!(matches!(agg.accept(bad, SOURCE).await, Err(IntakeError::InvalidSignature)));
    assert_eq!(agg.store().feed_head().await.unwrap(), 0, "nothing stored");
    // Operator 2's real signature is not shadowed by the garbage sent first.
    for i in [0, 1, 2, 3] {
        agg.accept(f.sign(i, &cp), SOURCE).await.unwrap();
    }
    assert!(drive(&agg, || async { certificate(&agg, 11).await.is_some() }).await);
    let rec = certificate(&agg, 11).await.unwrap();
    assert_eq!(rec.signers, 4, "the operator's own signature counts");
    assert!(rec.certificate.non_signers.is_empty());
    assert!(verifies_on_chain(&f, &rec).await);
    let feed = agg.store().feed_after(0, 100).await.unwrap();
    assert_eq!(feed.len(), 4);
    assert!(feed.iter().all(|e| !e.invalid), "only verified signatures are on the feed");

    // The source of the garbage is now checked one signature at a time; its valid
    // signatures still count, and so do everyone else's.
    let cp2 = f.checkpoint(12, "block-12").await;
    let mut bad2 = f.sign(2, &cp2);
    bad2.signature = f.net.operators[2].bls.sign(b"still not it").to_wire(false);
    assert!(matches!(agg.accept(bad2, SOURCE).await, Err(IntakeError::InvalidSignature)));
    for i in [0, 2, 3] {
        agg.accept(f.sign(i, &cp2), SOURCE).await.unwrap();
    }
    assert!(drive(&agg, || async { certificate(&agg, 12).await.is_some() }).await);
    assert_eq!(certificate(&agg, 12).await.unwrap().certificate.non_signers, vec![pubkey(&f, 1)]);
}

async fn below_threshold_is_never_certified(db: Db) {
    let f = Fixture::new(db).await;
    let agg = f.aggregator().await;
    let cp = f.checkpoint(13, "block-13").await;
    agg.accept(f.sign(0, &cp), SOURCE).await.unwrap();
    agg.accept(f.sign(1, &cp), SOURCE).await.unwrap();
    // Two of four, and two more for another block at the same height: neither reaches 2/3.
    let other = f.checkpoint(13, "block-13-other").await;
    agg.accept(f.sign(2, &other), SOURCE).await.unwrap();
    agg.accept(f.sign(3, &other), SOURCE).await.unwrap();
    let certified = drive(&agg, || async { certificate(&agg, 13).await.is_some() }).await;
    assert!(!certified, "2-of-4 must never be certified");
}

async fn conflicting_signatures_reach_the_feed(db: Db) {
    let f = Fixture::new(db).await;
    let agg = f.aggregator().await;
    let a = f.checkpoint(14, "block-14").await;
    let b = f.checkpoint(14, "block-14-conflict").await;
    let first = agg.accept(f.sign(0, &a), SOURCE).await.unwrap();
    let second = agg.accept(f.sign(0, &b), SOURCE).await.unwrap();
    assert!(second.seq > first.seq);
    let feed = agg.store().feed_after(0, 10).await.unwrap();
    assert_eq!(feed.len(), 2);
    assert!(
        feed[0].signed.equivocates_with(&feed[1].signed),
        "both conflicting signatures are on the feed"
    );
    assert_eq!(feed[0].operator, f.net.operators[0].address());
    // The same block under another daCommitment is not a conflict, and is accepted too.
    let mut again = a;
    again.da_commitment = B256::repeat_byte(0xdb);
    agg.accept(f.sign(1, &again), SOURCE).await.unwrap();
    assert!(
        !agg.store().feed_after(2, 10).await.unwrap()[0].signed.equivocates_with(&feed[0].signed)
    );
}

async fn hostile_input_gets_typed_refusals(db: Db) {
    let f = Fixture::new(db).await;
    let agg = f.aggregator().await;
    let cp = f.checkpoint(15, "block-15").await;

    let mut wrong_domain = f.sign(0, &cp);
    wrong_domain.domain.l1_chain_id = 1;
    assert!(matches!(agg.accept(wrong_domain, SOURCE).await, Err(IntakeError::WrongDomain { .. })));

    let stranger = vigil_crypto::SecretKey::from_ikm(&[77; 32]).unwrap();
    let mut unknown = f.sign(0, &cp);
    unknown.pubkey = stranger.public_key().to_wire();
    unknown.signature =
        stranger.sign(cp.digest(&f.net.deployment.domain()).as_slice()).to_wire(false);
    assert!(matches!(agg.accept(unknown, SOURCE).await, Err(IntakeError::UnknownOperator(_))));

    let mut off_curve = f.sign(0, &cp);
    off_curve.signature = SignatureBytes::Uncompressed([0x11; 96]);
    assert!(matches!(agg.accept(off_curve, SOURCE).await, Err(IntakeError::MalformedSignature(_))));

    let mut identity = f.sign(0, &cp);
    let mut inf = [0u8; 48];
    inf[0] = 0xc0;
    identity.signature = SignatureBytes::Compressed(inf);
    assert!(matches!(agg.accept(identity, SOURCE).await, Err(IntakeError::MalformedSignature(_))));

    let mut future = cp;
    future.l1_block += 1_000;
    assert!(matches!(
        agg.accept(f.sign(0, &future), SOURCE).await,
        Err(IntakeError::FutureL1Block { .. })
    ));

    assert_eq!(agg.store().feed_head().await.unwrap(), 0, "nothing refused reached the feed");
}

async fn restart_loses_nothing(db: Db) {
    let f = Fixture::new(db).await;
    let cp = f.checkpoint(16, "block-16").await;
    {
        let agg = f.aggregator().await;
        agg.accept(f.sign(0, &cp), SOURCE).await.unwrap();
        agg.accept(f.sign(1, &cp), SOURCE).await.unwrap();
        // The process dies here: no certificate yet, two accepted signatures.
    }
    let agg = f.aggregator().await;
    assert_eq!(agg.store().feed_head().await.unwrap(), 2);
    // The restored round needs only one more signature to certify.
    let third = agg.accept(f.sign(3, &cp), SOURCE).await.unwrap();
    assert_eq!(third.seq, 3, "the feed continues without a gap");
    assert!(drive(&agg, || async { certificate(&agg, 16).await.is_some() }).await);
    let rec = certificate(&agg, 16).await.unwrap();
    assert_eq!(rec.signers, 3, "both signatures accepted before the restart count");
    assert!(verifies_on_chain(&f, &rec).await);
    // A third life sees the certificate and treats the round as done.
    drop(agg);
    let agg = f.aggregator().await;
    assert!(agg.accept(f.sign(2, &cp), SOURCE).await.unwrap().stale);
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Db::sqlite()).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Db::postgres()).await })*
        }
    };
}

both_backends!(
    certifies_and_verifies_on_chain,
    one_bad_signature_is_isolated,
    below_threshold_is_never_certified,
    conflicting_signatures_reach_the_feed,
    hostile_input_gets_typed_refusals,
    restart_loses_nothing,
);
