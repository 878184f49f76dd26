//! Batch rounds (`VIGIL_BATCH_V1`) against a real anvil with EigenLayer's core and Vigil deployed
//! and four registered operators of equal stake, on SQLite and on a real PostgreSQL server:
//! signed batches from their wire bytes, weighed at `toL1Block` against the default threshold,
//! one certificate whose aggregate verifies against the complement of its non-signers, nothing
//! below quorum, typed refusals that store nothing, duplicates counted once, expiry and pruning
//! that delete what they drop, and a restart that loses no stored signature.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{sync::Arc, time::Duration};

use alloy::primitives::{B256, U256, keccak256};
use vigil_aggregator::{
    batch::{BatchAggregator, BatchConfig},
    intake::IntakeError,
    operator_set::OperatorSetView,
    store::{CertState, Store},
    verify::Verifier,
};
use vigil_crypto::PublicKey;
use vigil_test_utils::{TestDb, TestNetwork, network::mine};
use vigil_types::{Batch, Checkpoint, SignedBatch};

struct Fixture {
    net: TestNetwork,
    db: TestDb,
}

impl Fixture {
    async fn new(db: TestDb) -> Self {
        Self { net: TestNetwork::start(&[100, 100, 100, 100]).await.unwrap(), db }
    }

    async fn sqlite() -> Self {
        Self::new(TestDb::sqlite("agg.sqlite")).await
    }

    async fn batcher(&self) -> BatchAggregator {
        let domain = self.net.deployment.domain();
        let store = Store::open(self.db.url()).await.unwrap();
        let set = Arc::new(OperatorSetView::new(self.net.owner.clone(), domain.verifier));
        BatchAggregator::new(
            self.net.owner.clone(),
            set,
            domain,
            store,
            Verifier::spawn(2),
            BatchConfig { window: Duration::ZERO, ..BatchConfig::default() },
        )
        .await
        .unwrap()
    }

    /// A batch over L1 block `l1` holding three rollups' heights `tag*10+1 ..= tag*10+2`.
    fn batch(&self, l1: u64, tag: u64) -> Batch {
        let checkpoints: Vec<Checkpoint> = (901..904u64)
            .flat_map(|rollup_id| {
                (1..=2u64).map(move |h| {
                    let height = tag * 10 + h;
                    let seed = format!("{rollup_id}/{height}");
                    Checkpoint {
                        rollup_id,
                        height,
                        block_hash: keccak256(&seed),
                        state_root: keccak256(format!("state-{seed}")),
                        da_commitment: B256::repeat_byte(0xda),
                        l1_block: l1,
                    }
                })
            })
            .collect();
        Batch::new(checkpoints, l1, l1).unwrap()
    }

    /// Operator `i`'s signed header (compressed signatures for odd `i`).
    fn sign(&self, i: usize, batch: &Batch) -> SignedBatch {
        let domain = self.net.deployment.domain();
        let key = &self.net.operators[i].bls;
        let header = *batch.header();
        SignedBatch {
            domain,
            header,
            pubkey: key.public_key().to_wire(),
            signature: key.sign(header.digest(&domain).as_slice()).to_wire(i % 2 == 1),
        }
    }

    /// The set at `l1` as a verifier of certificates sees it: every registered key and weight.
    async fn operators_at(&self, l1: u64) -> Vec<(PublicKey, U256)> {
        let view =
            OperatorSetView::new(self.net.owner.clone(), self.net.deployment.domain().verifier);
        let snapshot = view.at(l1).await.unwrap();
        assert_eq!(snapshot.members.len(), 4, "four registered operators");
        snapshot.members.iter().map(|m| (m.key, m.weight)).collect()
    }
}

const SOURCE: vigil_aggregator::intake::Source =
    vigil_aggregator::intake::Source(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

fn wire(signed: &SignedBatch) -> Vec<u8> {
    serde_json::to_vec(signed).unwrap()
}

async fn quorum_builds_one_certificate(f: Fixture) {
    let agg = f.batcher().await;
    let l1 = f.net.l1_block().await.unwrap();
    let batch = f.batch(l1, 1);
    let digest = batch.header().digest(&f.net.deployment.domain());
    for i in 0..3 {
        let a = agg.accept_wire(&wire(&f.sign(i, &batch))).await.unwrap();
        assert!(a.id.is_some() && !a.duplicate && !a.stale, "signer {i}: {a:?}");
    }
    assert_eq!(agg.finalize_due().await.unwrap(), vec![digest]);
    assert!(agg.finalize_due().await.unwrap().is_empty(), "one certificate per digest");
    // Late: stored (it is its signer's statement) but counted nowhere.
    let late = agg.accept_wire(&wire(&f.sign(3, &batch))).await.unwrap();
    assert!(late.stale && late.id.is_some(), "{late:?}");
    assert!(agg.finalize_due().await.unwrap().is_empty());

    let certs = agg.store().batch_certificates().await.unwrap();
    assert_eq!(certs.len(), 1, "exactly one certificate");
    let record = &certs[0];
    assert_eq!(record.digest, digest);
    assert_eq!(record.state, CertState::Ready);
    assert_eq!(record.signers, 3);
    assert_eq!(record.certificate.header, *batch.header());
    assert_eq!(record.certificate.non_signers, vec![f.net.operators[3].bls.public_key().to_wire()]);
    assert_eq!(record.signed_weight * U256::from(4), record.total_weight * U256::from(3));
    let operators = f.operators_at(l1).await;
    let verified = vigil_client::verify_batch_certificate(
        &record.certificate,
        &operators,
        agg.threshold_bps(),
    )
    .unwrap();
    assert_eq!(verified.signed_weight, record.signed_weight);
    // The aggregate is the three signers' and nobody else's: claiming one more non-signer
    // breaks it.
    let mut wrong = record.certificate.clone();
    wrong.non_signers.push(f.net.operators[0].bls.public_key().to_wire());
    assert!(
        vigil_client::verify_batch_certificate(&wrong, &operators, 1).is_err(),
        "the aggregate must not verify against another signer set"
    );
    assert_eq!(agg.store().count_batch_signatures(Some(digest)).await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_quorum_builds_one_certificate_that_verifies_sqlite() {
    quorum_builds_one_certificate(Fixture::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_quorum_builds_one_certificate_that_verifies_postgres() {
    quorum_builds_one_certificate(Fixture::new(TestDb::postgres().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_below_quorum_builds_nothing_and_duplicates_count_once() {
    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let l1 = f.net.l1_block().await.unwrap();
    let batch = f.batch(l1, 1);
    let digest = batch.header().digest(&f.net.deployment.domain());
    let first = f.sign(0, &batch);
    let a = agg.accept_wire(&wire(&first)).await.unwrap();
    // The same signature again, and the same signer's signature in the other encoding.
    let again = agg.accept_wire(&wire(&first)).await.unwrap();
    assert_eq!((again.id, again.duplicate), (a.id, true));
    let mut other_encoding = first;
    other_encoding.signature = f.net.operators[0]
        .bls
        .sign(digest.as_slice())
        .to_wire(!matches!(first.signature, vigil_types::SignatureBytes::Compressed(_)));
    assert_ne!(other_encoding.signature, first.signature);
    let third = agg.accept_wire(&wire(&other_encoding)).await.unwrap();
    assert_eq!((third.id, third.duplicate), (a.id, true));
    agg.accept_wire(&wire(&f.sign(1, &batch))).await.unwrap();
    let (weight, signers) = agg.round(digest).unwrap();
    assert_eq!(signers, 2, "one signer counted once, however often it posts");
    // Two of four equal stakes: below the default 66.67%.
    assert!(agg.finalize_due().await.unwrap().is_empty());
    assert!(agg.store().batch_certificates().await.unwrap().is_empty(), "no certificate");
    assert_eq!(agg.store().count_batch_signatures(Some(digest)).await.unwrap(), 2);
    // The third signer tips it over, with the weight of three.
    agg.accept_wire(&wire(&f.sign(2, &batch))).await.unwrap();
    assert_eq!(agg.finalize_due().await.unwrap(), vec![digest]);
    let cert = agg.store().batch_certificate(digest).await.unwrap().unwrap();
    assert_eq!(cert.signers, 3);
    assert_eq!(cert.signed_weight, weight * U256::from(3) / U256::from(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_refusals_store_nothing() {
    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let l1 = f.net.l1_block().await.unwrap();
    let batch = f.batch(l1, 1);
    let domain = f.net.deployment.domain();

    // A signature over another batch, under operator 0's key.
    let mut bad = f.sign(0, &batch);
    bad.signature = f.sign(0, &f.batch(l1, 2)).signature;
    let err = agg.accept_wire(&wire(&bad)).await.unwrap_err();
    assert!(matches!(err, IntakeError::InvalidSignature), "{err:?}");
    // Operator 1's signature presented under operator 0's key.
    let mut stolen = f.sign(0, &batch);
    stolen.signature = f.sign(1, &batch).signature;
    let err = agg.accept_wire(&wire(&stolen)).await.unwrap_err();
    assert!(matches!(err, IntakeError::InvalidSignature), "{err:?}");
    // An unregistered key.
    let outsider = vigil_crypto::SecretKey::from_ikm(&[0x77; 32]).unwrap();
    let mut unknown = f.sign(0, &batch);
    unknown.pubkey = outsider.public_key().to_wire();
    unknown.signature = outsider.sign(batch.header().digest(&domain).as_slice()).to_wire(false);
    let err = agg.accept_wire(&wire(&unknown)).await.unwrap_err();
    assert!(matches!(err, IntakeError::UnknownOperator(_)), "{err:?}");
    // Another domain.
    let mut foreign = f.sign(0, &batch);
    foreign.domain.operator_set_id += 1;
    let err = agg.accept_wire(&wire(&foreign)).await.unwrap_err();
    assert!(matches!(err, IntakeError::WrongDomain { .. }), "{err:?}");
    // Bytes that are not a point.
    let mut garbage = serde_json::to_value(f.sign(0, &batch)).unwrap();
    garbage["signature"] = serde_json::Value::String(format!("0x{}", "ab".repeat(48)));
    let err = agg.accept_wire(&serde_json::to_vec(&garbage).unwrap()).await.unwrap_err();
    assert!(matches!(err, IntakeError::MalformedSignature(_)), "{err:?}");
    // Not a signed batch at all.
    let err = agg.accept_wire(b"{\"domain\":1}").await.unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)), "{err:?}");
    // A range ending past the L1 head.
    let head = f.net.l1_block().await.unwrap() + 1;
    let future = f.batch(head + 100, 3);
    let err = agg.accept_wire(&wire(&f.sign(0, &future))).await.unwrap_err();
    assert!(matches!(err, IntakeError::FutureL1Block { .. }), "{err:?}");

    assert_eq!(agg.store().count_batch_signatures(None).await.unwrap(), 0, "nothing stored");
    assert_eq!(agg.sizes(), (0, 0), "no round opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_expiry_drops_the_round_and_its_rows() {
    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let old_l1 = f.net.l1_block().await.unwrap();
    let old = f.batch(old_l1, 1);
    let old_digest = old.header().digest(&f.net.deployment.domain());
    mine(&f.net.owner, 2).await.unwrap();
    let new_l1 = f.net.l1_block().await.unwrap();
    let new = f.batch(new_l1, 2);
    let new_digest = new.header().digest(&f.net.deployment.domain());
    for i in 0..2 {
        agg.accept_wire(&wire(&f.sign(i, &old))).await.unwrap();
        agg.accept_wire(&wire(&f.sign(i, &new))).await.unwrap();
    }
    assert_eq!(agg.sizes(), (2, 0));

    assert_eq!(agg.expire(new_l1).await.unwrap(), vec![old_digest]);
    assert!(agg.round(old_digest).is_none(), "the expired round is gone");
    assert_eq!(agg.store().count_batch_signatures(Some(old_digest)).await.unwrap(), 0);
    assert_eq!(agg.round(new_digest).map(|(_, n)| n), Some(2), "the newer round stays");
    assert_eq!(agg.store().count_batch_signatures(Some(new_digest)).await.unwrap(), 2);
    // A late signature for the expired range is neither stored nor counted.
    let late = agg.accept_wire(&wire(&f.sign(2, &old))).await.unwrap();
    assert_eq!((late.id, late.stale), (None, true));
    assert!(agg.round(old_digest).is_none());
    assert_eq!(agg.store().count_batch_signatures(Some(old_digest)).await.unwrap(), 0);
    assert!(agg.finalize_due().await.unwrap().is_empty());
    // The newer round still certifies.
    agg.accept_wire(&wire(&f.sign(2, &new))).await.unwrap();
    assert_eq!(agg.finalize_due().await.unwrap(), vec![new_digest]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_prune_bounds_rows_and_the_done_set() {
    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let mut certified = Vec::new();
    for tag in 0..6u64 {
        let l1 = f.net.l1_block().await.unwrap();
        let batch = f.batch(l1, tag);
        for i in 0..4 {
            agg.accept_wire(&wire(&f.sign(i, &batch))).await.unwrap();
        }
        let built = agg.finalize_due().await.unwrap();
        assert_eq!(built.len(), 1);
        certified.push((l1, built[0]));
        mine(&f.net.owner, 1).await.unwrap();
    }
    let store = agg.store();
    // Four rows per range.
    assert_eq!(store.count_batch_signatures(None).await.unwrap(), 24);
    assert_eq!(agg.sizes(), (0, 6));
    // The first three were mined; the rest are still waiting to be (or being) submitted.
    for (_, digest) in &certified[..3] {
        store.set_batch_certificate_state(*digest, CertState::Mined).await.unwrap();
    }
    let window_start = certified[4].0;
    let pruned = agg.prune(window_start).await.unwrap();
    assert_eq!(pruned.signatures, 16, "every signature below the window");
    assert_eq!(pruned.certificates, 3, "mined certificates below the window");
    assert_eq!(store.count_batch_signatures(None).await.unwrap(), 8);
    let left: Vec<B256> =
        store.batch_certificates().await.unwrap().iter().map(|c| c.digest).collect();
    assert_eq!(
        left,
        vec![certified[3].1, certified[4].1, certified[5].1],
        "a certificate not yet mined is kept even below the window"
    );
    assert_eq!(agg.sizes(), (0, 2), "done roots below the window are forgotten");
    // A signature for a pruned range is not stored again.
    let again = agg.accept_wire(&wire(&f.sign(0, &f.batch(certified[0].0, 0)))).await.unwrap();
    assert_eq!((again.id, again.stale), (None, true));
    assert_eq!(store.count_batch_signatures(None).await.unwrap(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_restart_restores_open_rounds() {
    let f = Fixture::sqlite().await;
    let l1 = f.net.l1_block().await.unwrap();
    let batch = f.batch(l1, 1);
    let digest = batch.header().digest(&f.net.deployment.domain());
    {
        let agg = f.batcher().await;
        for i in 0..2 {
            agg.accept_wire(&wire(&f.sign(i, &batch))).await.unwrap();
        }
        assert!(agg.finalize_due().await.unwrap().is_empty());
        agg.store().close().await;
    }
    let agg = f.batcher().await;
    assert_eq!(agg.restore().await.unwrap(), 2);
    assert_eq!(agg.round(digest).map(|(_, n)| n), Some(2));
    agg.accept_wire(&wire(&f.sign(2, &batch))).await.unwrap();
    assert_eq!(agg.finalize_due().await.unwrap(), vec![digest]);
    // Restarted again: the certified digest's signatures are not replayed, and a late one is
    // stale.
    agg.store().close().await;
    let agg = f.batcher().await;
    assert_eq!(agg.restore().await.unwrap(), 0);
    let late = agg.accept_wire(&wire(&f.sign(3, &batch))).await.unwrap();
    assert!(late.stale, "{late:?}");
    assert!(agg.finalize_due().await.unwrap().is_empty());
    assert_eq!(agg.store().batch_certificates().await.unwrap().len(), 1);
}

/// With batches on, a checkpoint at quorum alone waits for the batch certificates that hold its
/// block: none is built while the batch is in submission; a mined batch makes it unneeded; a
/// failed batch releases it to its own certificate (nothing loses certification); and a batch
/// whose weight is below the rollup's own threshold does not hold that rollup's checkpoints back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singles_follow_the_outcome_of_the_batch_that_holds_them() {
    use vigil_aggregator::engine::{Engine, EngineConfig};
    use vigil_crypto::Signature;
    use vigil_types::BatchSignature;

    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let store = agg.store().clone();
    let domain = f.net.deployment.domain();
    let l1 = f.net.l1_block().await.unwrap();
    let engine = Engine::new(
        domain,
        store.clone(),
        EngineConfig {
            window: Duration::ZERO,
            single_hold: Duration::from_millis(1),
            ..EngineConfig::default()
        },
    );
    let view = OperatorSetView::new(f.net.owner.clone(), domain.verifier);
    let snapshot = view.at(l1).await.unwrap();
    let mut seq = 0;
    // Two batches, each certified (state ready), and each one's checkpoints signed alone by three
    // of four operators.
    let mut digests = Vec::new();
    let mut singles = Vec::new();
    // Batch 3's checkpoints are signed alone by all four, under a 90% threshold (their rollups'
    // own): the batch's 3 of 4 is not enough for them.
    for tag in [1, 2, 3] {
        let batch = f.batch(l1, tag);
        let threshold = if tag == 3 { 9_000 } else { 6_667 };
        for i in 0..4 {
            if i == 3 {
                if tag == 3 {
                    for cp in batch.checkpoints() {
                        let signed = f.net.sign(i, cp);
                        let sig = Signature::from_wire(&signed.signature).unwrap();
                        seq += 1;
                        engine.add(seq, &signed, sig, &snapshot, threshold, true);
                    }
                }
                continue;
            }
            let signature = BatchSignature {
                signed: f.sign(i, &batch),
                checkpoints: batch.checkpoints().to_vec(),
            };
            agg.accept_with_leaves(signature, SOURCE).await.unwrap();
            for cp in batch.checkpoints() {
                let signed = f.net.sign(i, cp);
                let sig = Signature::from_wire(&signed.signature).unwrap();
                seq += 1;
                engine.add(seq, &signed, sig, &snapshot, threshold, true);
            }
        }
        digests.push(agg.finalize_due().await.unwrap()[0]);
        singles.push(batch.checkpoints().to_vec());
    }
    let keys = |cps: &[Checkpoint]| {
        let mut k: Vec<(u64, u64)> = cps.iter().map(|cp| (cp.rollup_id, cp.height)).collect();
        k.sort_unstable();
        k
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    // Batches 1 and 2 are in submission: their checkpoints wait. Batch 3 (3 of 4 signers) can
    // never certify checkpoints whose threshold is 90%: they do not wait for it.
    let mut built = engine.finalize_due().await.unwrap();
    built.sort_unstable();
    assert_eq!(built, keys(&singles[2]), "only the checkpoints batch 3 cannot certify");
    assert!(singles[..2].iter().flatten().all(|cp| !engine.is_done(cp.rollup_id, cp.height)));

    // The first batch is mined, the second fails.
    store.set_batch_certificate_state(digests[0], CertState::Mined).await.unwrap();
    store.set_batch_certificate_state(digests[1], CertState::Failed).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mut built = engine.finalize_due().await.unwrap();
    built.sort_unstable();
    assert_eq!(
        built,
        keys(&singles[1]),
        "the failed batch's checkpoints get their own certificates"
    );
    for cp in &singles[0] {
        assert!(engine.is_done(cp.rollup_id, cp.height), "covered by the mined batch");
        assert!(store.certificate(cp.rollup_id, cp.height).await.unwrap().is_none());
    }
    for cp in singles[1..].iter().flatten() {
        let cert = store.certificate(cp.rollup_id, cp.height).await.unwrap().unwrap();
        assert_eq!(cert.certificate.checkpoint, *cp);
    }
}

/// The batch submitter with `confirmations = 2`: a step ends once its transaction is mined
/// (the range is confirmed on a later claim, once its lease lapses), so the next range's
/// transaction goes out meanwhile; a root recorded by someone else's transaction is confirmed
/// by that log's block too, and nothing is sent for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_submitter_confirms_later_and_sends_the_next_range_meanwhile() {
    use alloy::{network::EthereumWallet, primitives::Bytes, providers::Provider};
    use vigil_aggregator::{
        submit::SubmitterConfig,
        submit_batch::{BatchOutcome, BatchSubmitter},
    };
    use vigil_chain::bindings::VigilVerifier;

    let f = Fixture::sqlite().await;
    let agg = f.batcher().await;
    let store = agg.store().clone();
    let domain = f.net.deployment.domain();
    let mut digests = Vec::new();
    for tag in [1, 2, 3] {
        mine(&f.net.owner, 1).await.unwrap();
        let b = f.batch(f.net.l1_block().await.unwrap(), tag);
        for i in 0..3 {
            agg.accept_wire(&wire(&f.sign(i, &b))).await.unwrap();
        }
        digests.extend(agg.finalize_due().await.unwrap());
    }
    assert_eq!(digests.len(), 3);
    let (signer, provider) = f.net.funded_account().await.unwrap();
    let sender = signer.address();
    let lease = Duration::from_secs(2);
    let config = SubmitterConfig {
        owner: "batches".to_owned(),
        lease,
        poll: Duration::from_millis(50),
        receipt_timeout: Duration::from_secs(60),
        max_attempts: 5,
        fee_bump_percent: 20,
        confirmations: 2,
    };
    let sub = BatchSubmitter::new(
        store.clone(),
        provider.clone(),
        EthereumWallet::from(signer),
        domain.verifier,
        f.net.deployment.vigil.batch_roots,
        config,
    );
    // Ranges 1 and 2: each sent and mined, left to confirm.
    for d in &digests[..2] {
        assert_eq!(sub.step().await.unwrap(), Some(BatchOutcome::Pending { digest: *d }));
    }
    // Range 3 is recorded by someone else's transaction (the owner's), just now: it too waits
    // for its confirmations.
    let third = store.batch_certificate(digests[2]).await.unwrap().unwrap().certificate;
    let keys: Vec<PublicKey> =
        third.non_signers.iter().map(|k| PublicKey::from_wire(k).unwrap()).collect();
    let signature = vigil_crypto::Signature::from_wire(&third.aggregate_signature).unwrap();
    let h = third.header;
    let cert = VigilVerifier::BatchCertificate {
        header: VigilVerifier::BatchHeader {
            root: h.root,
            leafCount: h.leaf_count,
            fromL1Block: h.from_l1_block,
            toL1Block: h.to_l1_block,
        },
        nonSignerPubkeys: vigil_chain::non_signer_bytes(&keys),
        signature: Bytes::from(signature.to_eip2537().to_vec()),
    };
    let verifier = VigilVerifier::new(domain.verifier, f.net.owner.clone());
    let foreign = verifier.submitBatchCertificate(cert).send().await.unwrap();
    let foreign = foreign.get_receipt().await.unwrap();
    assert!(foreign.status());

    assert_eq!(sub.step().await.unwrap(), Some(BatchOutcome::Pending { digest: digests[2] }));
    assert_eq!(sub.step().await.unwrap(), None, "all three leased while they confirm");
    for d in &digests[..2] {
        let r = store.batch_certificate(*d).await.unwrap().unwrap();
        assert_eq!(r.state, CertState::Submitted, "not mined before its confirmations");
    }
    mine(&f.net.owner, 2).await.unwrap();
    tokio::time::sleep(lease + Duration::from_millis(200)).await;
    let mut blocks = Vec::new();
    for d in &digests[..2] {
        match sub.step().await.unwrap() {
            Some(BatchOutcome::Mined { digest, block_number, .. }) => {
                assert_eq!(digest, *d);
                blocks.push(block_number);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_ne!(blocks[0], blocks[1], "one batch certificate transaction per block");
    match sub.step().await.unwrap() {
        Some(BatchOutcome::AlreadyRecorded { digest, block_number }) => {
            assert_eq!(digest, digests[2]);
            assert_eq!(Some(block_number), foreign.block_number, "confirmed by its log's block");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sub.step().await.unwrap(), None);
    // Two transactions from the submitter: none for the range someone else recorded.
    assert_eq!(provider.get_transaction_count(sender).await.unwrap(), 2);
}
