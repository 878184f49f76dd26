#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The aggregator store, run as one suite on SQLite (a file in a tempdir) and on a private
//! PostgreSQL server per test. Signatures and certificates are real BLS data.

use std::{collections::BTreeSet, time::Duration};

use alloy_primitives::{Address, B256, U256};
use tokio::task::JoinSet;
use vigil_aggregator::store::{
    CertState, IngestHandle, IngestWriter, NewCertificate, NewSignature, StateUpdate, Store,
    StoreError,
};
use vigil_crypto::Signature;
use vigil_service::db::DbError;
use vigil_test_utils::TestDb;
use vigil_types::{Checkpoint, SignedCheckpoint, SigningDomain};

use crate::support::{self, NOW, Operator, checkpoint, domain, operators};

// ---------------------------------------------------------------------------------------------
// Backends

/// Opens the store on `db` and checks it runs on the expected backend.
async fn open(db: &TestDb) -> Store {
    let store = Store::open(db.url()).await.unwrap();
    assert_eq!(store.backend().as_str(), db.backend().as_str());
    store
}

vigil_test_utils::on_both_backends!(
    "aggregator.db";
    insert_feed_order_and_duplicates,
    feed_after_pages,
    feed_is_gap_free_under_concurrent_writers,
    reopen_keeps_everything,
    open_round_signatures_excludes_mined_and_invalid,
    certificate_insert_is_idempotent,
    claims_are_exclusive_while_leased,
    state_transitions_persist_and_count,
    failed_batch_fails_every_waiter,
    integers_above_i64_are_refused,
    newer_schema_is_refused,
    pruning_keeps_the_window_and_the_sequence,
);

// ---------------------------------------------------------------------------------------------
// Real data

fn sign_in(domain: SigningDomain, op: &Operator, checkpoint: Checkpoint) -> SignedCheckpoint {
    let sig = op.sk.sign(checkpoint.digest(&domain).as_slice());
    // Exercise both wire forms.
    let compressed = checkpoint.height % 2 == 1;
    SignedCheckpoint { domain, checkpoint, pubkey: op.pubkey, signature: sig.to_wire(compressed) }
}

fn new_sig(op: &Operator, checkpoint: Checkpoint) -> NewSignature {
    NewSignature {
        signed: sign_in(domain(), op, checkpoint),
        operator: op.address,
        received_at_ms: NOW.wrapping_add(checkpoint.height % 1_000),
    }
}

/// A certificate signed by `ops[..signers]`, the rest being non-signers, with weights above
/// `u128::MAX`: the store keeps all 256 bits.
fn certificate(
    ops: &[Operator],
    checkpoint: Checkpoint,
    signers: usize,
    created: u64,
) -> NewCertificate {
    let weight = U256::from(10u64).pow(U256::from(40u64));
    support::certificate(ops, checkpoint, signers, weight, created)
}

fn verify(signed: &SignedCheckpoint) {
    let pk = vigil_crypto::PublicKey::from_wire(&signed.pubkey).unwrap();
    let sig = Signature::from_wire(&signed.signature).unwrap();
    vigil_crypto::verify(&pk, signed.digest().as_slice(), &sig).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The suite

async fn insert_feed_order_and_duplicates(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(4);
    assert_eq!(store.feed_head().await.unwrap(), 0);
    assert!(store.feed_after(0, 10).await.unwrap().is_empty());

    let items: Vec<NewSignature> = (1..=2)
        .flat_map(|h| ops.iter().map(move |op| (op, h)))
        .map(|(op, h)| new_sig(op, checkpoint(10, h, 0)))
        .collect();
    let inserted = store.insert_signatures(&items).await.unwrap();
    assert_eq!(inserted.iter().map(|i| i.seq).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());
    assert!(inserted.iter().all(|i| !i.duplicate));
    assert_eq!(store.feed_head().await.unwrap(), 8);

    let feed = store.feed_after(0, 100).await.unwrap();
    assert_eq!(feed.len(), 8);
    for (entry, item) in feed.iter().zip(&items) {
        assert_eq!(entry.signed, item.signed);
        assert_eq!(entry.operator, item.operator);
        assert_eq!(entry.received_at_ms, item.received_at_ms);
        assert!(!entry.invalid);
        verify(&entry.signed);
    }
    assert_eq!(feed.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());

    // A repeat of a stored (digest, pubkey) is not stored again, also within a batch; a
    // conflicting checkpoint by the same key is a new entry (it is evidence).
    let conflicting = new_sig(&ops[0], checkpoint(10, 1, 7));
    let fresh = new_sig(&ops[0], checkpoint(10, 3, 0));
    let batch = [items[2], conflicting, items[5], fresh, conflicting];
    let inserted = store.insert_signatures(&batch).await.unwrap();
    let got: Vec<(u64, bool)> = inserted.iter().map(|i| (i.seq, i.duplicate)).collect();
    assert_eq!(got, [(3, true), (9, false), (6, true), (10, false), (9, true)]);
    assert_eq!(store.feed_head().await.unwrap(), 10);

    // A batch of only duplicates changes nothing.
    let inserted = store.insert_signatures(&[items[0], fresh]).await.unwrap();
    assert_eq!(
        inserted.iter().map(|i| (i.seq, i.duplicate)).collect::<Vec<_>>(),
        [(1, true), (10, true)]
    );
    assert_eq!(store.feed_head().await.unwrap(), 10);
    let feed = store.feed_after(8, 100).await.unwrap();
    assert_eq!(feed.iter().map(|e| e.seq).collect::<Vec<_>>(), [9, 10]);
    assert_eq!(feed[0].signed, conflicting.signed);
    assert!(feed[0].signed.equivocates_with(&items[0].signed));
    assert!(store.insert_signatures(&[]).await.unwrap().is_empty());
}

async fn feed_after_pages(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(5);
    let items: Vec<NewSignature> = (1..=5)
        .flat_map(|h| ops.iter().map(move |op| (op, h)))
        .map(|(op, h)| new_sig(op, checkpoint(20, h, 0)))
        .collect();
    store.insert_signatures(&items).await.unwrap();

    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page = store.feed_after(cursor, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        cursor = page.last().unwrap().seq;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=25).collect::<Vec<_>>());
    assert_eq!(
        seen.iter().map(|e| e.signed).collect::<Vec<_>>(),
        items.iter().map(|i| i.signed).collect::<Vec<_>>()
    );
    assert!(store.feed_after(0, 0).await.unwrap().is_empty());
    assert!(store.feed_after(25, 10).await.unwrap().is_empty());
    assert_eq!(store.feed_after(24, 10).await.unwrap().len(), 1);
}

/// Two replicas (two pools on one database), four intake tasks each through group commit plus
/// two tasks each writing batches directly, while a reader follows the feed: every acknowledged
/// sequence number is unique, they are exactly `1..=n`, and the reader never sees a gap or a
/// number out of order.
async fn feed_is_gap_free_under_concurrent_writers(db: &TestDb) {
    const WRITERS: usize = 8;
    const PER_WRITER: u64 = 40;
    const DIRECT_WRITERS: usize = 4;
    const DIRECT_BATCHES: u64 = 10;
    const DIRECT_BATCH: u64 = 4;
    let total = WRITERS as u64 * PER_WRITER + DIRECT_WRITERS as u64 * DIRECT_BATCHES * DIRECT_BATCH;
    let replicas = [open(db).await, open(db).await];
    let handles: Vec<IngestHandle> =
        replicas.iter().map(|store| IngestWriter::spawn(store.clone(), 16)).collect();
    let ops = operators(WRITERS as u8);
    // Sign up front so that writers contend on the database, not on the CPU.
    let mut work: Vec<Vec<NewSignature>> = ops
        .iter()
        .map(|op| (1..=PER_WRITER).map(|h| new_sig(op, checkpoint(30, h, 0))).collect())
        .collect();

    let reader_store = replicas[1].clone();
    let reader = tokio::spawn(async move {
        let mut cursor = 0u64;
        let mut polls = 0u32;
        while cursor < total {
            let page = reader_store.feed_after(cursor, 50).await.unwrap();
            for entry in page {
                assert_eq!(entry.seq, cursor + 1, "gap or reordering after {cursor}");
                cursor = entry.seq;
            }
            polls += 1;
            tokio::task::yield_now().await;
        }
        polls
    });

    let mut tasks = JoinSet::new();
    for (i, items) in work.drain(..).enumerate() {
        let handle = handles[i % handles.len()].clone();
        tasks.spawn(async move {
            let mut seqs = Vec::new();
            for item in items {
                let inserted = handle.insert(item).await.unwrap();
                assert!(!inserted.duplicate);
                seqs.push(inserted.seq);
            }
            seqs
        });
    }
    for (i, op) in ops.iter().take(DIRECT_WRITERS).enumerate() {
        let store = replicas[i % replicas.len()].clone();
        let batches: Vec<Vec<NewSignature>> = (0..DIRECT_BATCHES)
            .map(|b| {
                (1..=DIRECT_BATCH)
                    .map(|k| new_sig(op, checkpoint(31, b * DIRECT_BATCH + k, 0)))
                    .collect()
            })
            .collect();
        tasks.spawn(async move {
            let mut seqs = Vec::new();
            for batch in batches {
                let inserted = store.insert_signatures(&batch).await.unwrap();
                assert!(inserted.iter().all(|i| !i.duplicate));
                // A batch gets consecutive numbers.
                assert!(inserted.windows(2).all(|w| w[1].seq == w[0].seq + 1));
                seqs.extend(inserted.iter().map(|i| i.seq));
            }
            seqs
        });
    }
    drop(handles);
    let mut acked = Vec::new();
    while let Some(seqs) = tasks.join_next().await {
        let seqs = seqs.unwrap();
        // One writer's own inserts are acknowledged in order.
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
        acked.extend(seqs);
    }
    acked.sort_unstable();
    assert_eq!(acked, (1..=total).collect::<Vec<_>>());
    let polls = tokio::time::timeout(Duration::from_secs(60), reader).await.unwrap().unwrap();
    assert!(polls > 1, "the reader should have raced the writers");
    assert_eq!(replicas[0].feed_head().await.unwrap(), total);
}

async fn reopen_keeps_everything(db: &TestDb) {
    let ops = operators(3);
    let store = open(db).await;
    let items: Vec<NewSignature> = ops.iter().map(|op| new_sig(op, checkpoint(40, 1, 0))).collect();
    store.insert_signatures(&items).await.unwrap();
    store.mark_invalid(&[2]).await.unwrap();
    let cert = certificate(&ops, checkpoint(40, 1, 0), 2, NOW);
    assert!(store.insert_certificate(&cert).await.unwrap());
    store.claim_next("replica-a", Duration::from_secs(30), NOW).await.unwrap().unwrap();
    let tx_hash = B256::repeat_byte(0x77);
    store
        .update_state(40, 1, "replica-a", StateUpdate::Submitted { tx_hash, nonce: 5 }, NOW + 1)
        .await
        .unwrap();
    let feed_before = store.feed_after(0, 100).await.unwrap();
    let cert_before = store.certificate(40, 1).await.unwrap().unwrap();
    store.close().await;
    drop(store);

    let store = open(db).await;
    assert_eq!(store.feed_head().await.unwrap(), 3);
    assert_eq!(store.feed_after(0, 100).await.unwrap(), feed_before);
    assert!(feed_before[1].invalid);
    assert_eq!(store.certificate(40, 1).await.unwrap().unwrap(), cert_before);
    assert_eq!(cert_before.state, CertState::Submitted);
    assert_eq!(cert_before.tx_hash, Some(tx_hash));
    // The lease survived the restart too.
    assert!(
        store.claim_next("replica-b", Duration::from_secs(30), NOW + 2).await.unwrap().is_none()
    );
    // Sequence numbers continue.
    let next = store.insert_signatures(&[new_sig(&ops[0], checkpoint(40, 2, 0))]).await.unwrap();
    assert_eq!(next[0].seq, 4);
}

async fn open_round_signatures_excludes_mined_and_invalid(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(3);
    let mut items = Vec::new();
    for h in 1..=3 {
        for op in &ops {
            items.push(new_sig(op, checkpoint(50, h, 0)));
        }
    }
    // The same height in another domain (another verifier) is another round.
    let other_domain = SigningDomain { verifier: Address::repeat_byte(0x22), ..domain() };
    items.push(NewSignature {
        signed: sign_in(other_domain, &ops[0], checkpoint(50, 1, 0)),
        operator: ops[0].address,
        received_at_ms: NOW,
    });
    let seqs: Vec<u64> =
        store.insert_signatures(&items).await.unwrap().iter().map(|i| i.seq).collect();
    assert_eq!(store.open_round_signatures().await.unwrap().len(), 10);

    // Height 1: certificate mined. Height 2: certificate only submitted. Height 3: one invalid.
    for h in [1, 2] {
        assert!(
            store
                .insert_certificate(&certificate(&ops, checkpoint(50, h, 0), 3, NOW + h))
                .await
                .unwrap()
        );
    }
    let lease = Duration::from_secs(60);
    let claimed = store.claim_next("a", lease, NOW).await.unwrap().unwrap();
    assert_eq!(claimed.certificate.checkpoint.height, 1);
    let tx_hash = B256::repeat_byte(1);
    store
        .update_state(50, 1, "a", StateUpdate::Submitted { tx_hash, nonce: 0 }, NOW)
        .await
        .unwrap();
    store
        .update_state(50, 1, "a", StateUpdate::Mined { tx_hash, block_number: 9, gas_used: 1 }, NOW)
        .await
        .unwrap();
    let claimed = store.claim_next("a", lease, NOW).await.unwrap().unwrap();
    assert_eq!(claimed.certificate.checkpoint.height, 2);
    store
        .update_state(50, 2, "a", StateUpdate::Submitted { tx_hash, nonce: 1 }, NOW)
        .await
        .unwrap();
    store.mark_invalid(&[seqs[7], 999]).await.unwrap();

    let open = store.open_round_signatures().await.unwrap();
    let open_seqs: Vec<u64> = open.iter().map(|e| e.seq).collect();
    assert_eq!(open_seqs, [seqs[3], seqs[4], seqs[5], seqs[6], seqs[8], seqs[9]]);
    assert!(open.iter().all(|e| !e.invalid));
    assert_eq!(open.last().unwrap().signed.domain, other_domain);
    // The feed still carries everything, the invalid one flagged.
    let feed = store.feed_after(0, 100).await.unwrap();
    assert_eq!(feed.len(), 10);
    assert_eq!(feed.iter().filter(|e| e.invalid).map(|e| e.seq).collect::<Vec<_>>(), [seqs[7]]);
}

async fn certificate_insert_is_idempotent(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(4);
    let cp = checkpoint(60, 7, 0);
    let cert = certificate(&ops, cp, 3, NOW);
    assert!(store.certificate(60, 7).await.unwrap().is_none());
    assert!(store.insert_certificate(&cert).await.unwrap());
    let record = store.certificate(60, 7).await.unwrap().unwrap();
    assert_eq!(record.certificate, cert.certificate);
    assert_eq!(record.certificate.non_signers, [ops[3].pubkey]);
    assert_eq!(record.digest, cp.digest(&domain()));
    assert_eq!(record.signed_weight, cert.signed_weight);
    assert_eq!(record.total_weight, cert.total_weight);
    assert!(record.total_weight > U256::from(u128::MAX));
    assert_eq!(record.signers, 3);
    assert_eq!(record.state, CertState::Ready);
    assert_eq!(
        (record.tx_hash, record.nonce, record.block_number, record.gas_used),
        (None, None, None, None)
    );
    assert_eq!((record.attempts, record.last_error.as_deref()), (0, None));
    assert_eq!((record.created_at_ms, record.updated_at_ms), (NOW, NOW));
    assert_eq!((record.lease_owner.as_deref(), record.lease_until_ms), (None, None));

    // The aggregate verifies against the signers' keys.
    let signers: Vec<_> = ops[..3].iter().map(|op| op.sk.public_key()).collect();
    let agg_pk = vigil_crypto::aggregate_public_keys(&signers).unwrap();
    let agg_sig = Signature::from_wire(&record.certificate.aggregate_signature).unwrap();
    vigil_crypto::verify(&agg_pk, record.digest.as_slice(), &agg_sig).unwrap();

    // A second certificate for the same (rollup, height), even a different one, changes nothing.
    assert!(!store.insert_certificate(&cert).await.unwrap());
    let other = certificate(&ops, checkpoint(60, 7, 9), 4, NOW + 5);
    assert!(!store.insert_certificate(&other).await.unwrap());
    assert_eq!(store.certificate(60, 7).await.unwrap().unwrap(), record);
    // No non-signers is fine too.
    assert!(store.insert_certificate(&other_height(&ops)).await.unwrap());
    assert!(store.certificate(60, 8).await.unwrap().unwrap().certificate.non_signers.is_empty());
    assert_eq!(store.count_by_state().await.unwrap()[0], (CertState::Ready, 2));
}

fn other_height(ops: &[Operator]) -> NewCertificate {
    certificate(ops, checkpoint(60, 8, 0), ops.len(), NOW)
}

async fn claims_are_exclusive_while_leased(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(3);
    for h in 1..=5 {
        assert!(
            store
                .insert_certificate(&certificate(&ops, checkpoint(70, h, 0), 2, NOW + h))
                .await
                .unwrap()
        );
    }
    let lease = Duration::from_secs(30);

    // Eight concurrent claimers for five certificates: five distinct winners, three get none.
    let mut claims = JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        claims.spawn(async move {
            let owner = format!("claimer-{i}");
            let got = store.claim_next(&owner, lease, NOW).await.unwrap();
            got.map(|r| (r.certificate.checkpoint.height, owner, r.lease_owner, r.lease_until_ms))
        });
    }
    let mut won = Vec::new();
    while let Some(got) = claims.join_next().await {
        if let Some((height, owner, lease_owner, until)) = got.unwrap() {
            assert_eq!(lease_owner.as_deref(), Some(owner.as_str()));
            assert_eq!(until, Some(NOW + 30_000));
            won.push((height, owner));
        }
    }
    let heights: BTreeSet<u64> = won.iter().map(|(h, _)| *h).collect();
    assert_eq!(won.len(), 5, "{won:?}");
    assert_eq!(heights, (1..=5).collect());
    // While the leases run, nothing is claimable.
    assert!(store.claim_next("late", lease, NOW + 29_999).await.unwrap().is_none());

    // Someone else's lease: LeaseLost, nothing changed.
    let (h1_owner, other_owner) = {
        let owner_of = |h: u64| won.iter().find(|(x, _)| *x == h).unwrap().1.clone();
        (owner_of(1), owner_of(2))
    };
    let submitted = StateUpdate::Submitted { tx_hash: B256::repeat_byte(3), nonce: 3 };
    let err =
        store.update_state(70, 1, &other_owner, submitted.clone(), NOW + 1).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { rollup_id: 70, height: 1, .. }), "{err}");
    assert_eq!(store.certificate(70, 1).await.unwrap().unwrap().attempts, 0);
    store.update_state(70, 1, &h1_owner, submitted.clone(), NOW + 1).await.unwrap();

    // Unknown certificate.
    let err = store.update_state(70, 99, &h1_owner, submitted.clone(), NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::CertificateNotFound { rollup_id: 70, height: 99 }), "{err}");

    // Once expired, the oldest is reclaimed (a submitted one too), and the old owner is out,
    // even though nobody else wrote in between.
    let expired = NOW + 30_000;
    let err =
        store.update_state(70, 2, &other_owner, submitted.clone(), expired).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    let reclaimed = store.claim_next("rescuer", lease, expired).await.unwrap().unwrap();
    assert_eq!(reclaimed.certificate.checkpoint.height, 1);
    assert_eq!(reclaimed.state, CertState::Submitted);
    assert_eq!(reclaimed.attempts, 1);
    assert_eq!(reclaimed.lease_owner.as_deref(), Some("rescuer"));
    let err = store.update_state(70, 1, &h1_owner, submitted.clone(), expired).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    store.update_state(70, 1, "rescuer", submitted, expired + 1).await.unwrap();
    assert_eq!(store.certificate(70, 1).await.unwrap().unwrap().attempts, 2);

    // Two concurrent claimers after expiry still never share one.
    let (a, b) = tokio::join!(
        store.claim_next("x", lease, expired + 10),
        store.claim_next("y", lease, expired + 10),
    );
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    assert_ne!(a.certificate.checkpoint.height, b.certificate.checkpoint.height);
    assert!(
        [a.certificate.checkpoint.height, b.certificate.checkpoint.height]
            .iter()
            .all(|h| (2..=3).contains(h))
    );
}

async fn state_transitions_persist_and_count(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(4);
    for h in 1..=3 {
        assert!(
            store
                .insert_certificate(&certificate(&ops, checkpoint(80, h, 0), 3, NOW + h))
                .await
                .unwrap()
        );
    }
    let lease = Duration::from_secs(10);
    assert!(store.latest_mined(80).await.unwrap().is_none());

    let c = store.claim_next("s", lease, NOW).await.unwrap().unwrap();
    assert_eq!(c.certificate.checkpoint.height, 1);
    let tx1 = B256::repeat_byte(0x01);
    store
        .update_state(80, 1, "s", StateUpdate::Submitted { tx_hash: tx1, nonce: 11 }, NOW + 1)
        .await
        .unwrap();
    let r = store.certificate(80, 1).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.tx_hash, r.nonce, r.attempts, r.updated_at_ms),
        (CertState::Submitted, Some(tx1), Some(11), 1, NOW + 1)
    );
    assert_eq!(r.lease_owner.as_deref(), Some("s"));

    store
        .update_state(
            80,
            1,
            "s",
            StateUpdate::Ready { reason: "dropped from mempool".into() },
            NOW + 2,
        )
        .await
        .unwrap();
    let r = store.certificate(80, 1).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.last_error.as_deref(), r.attempts),
        (CertState::Ready, Some("dropped from mempool"), 1)
    );
    assert_eq!(r.lease_owner.as_deref(), Some("s"), "ready keeps the lease");

    let tx2 = B256::repeat_byte(0x02);
    store
        .update_state(80, 1, "s", StateUpdate::Submitted { tx_hash: tx2, nonce: 11 }, NOW + 3)
        .await
        .unwrap();
    store
        .update_state(
            80,
            1,
            "s",
            StateUpdate::Mined { tx_hash: tx2, block_number: 123, gas_used: 250_000 },
            NOW + 4,
        )
        .await
        .unwrap();
    let r = store.certificate(80, 1).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.tx_hash, r.block_number, r.gas_used, r.attempts, r.updated_at_ms),
        (CertState::Mined, Some(tx2), Some(123), Some(250_000), 2, NOW + 4)
    );
    assert_eq!(
        (r.lease_owner.as_deref(), r.lease_until_ms),
        (None, None),
        "mined releases the lease"
    );
    assert_eq!(store.latest_mined(80).await.unwrap().unwrap(), r);
    // Mined is final: no lease, so no more updates.
    let err = store
        .update_state(80, 1, "s", StateUpdate::Failed { reason: "late".into() }, NOW + 5)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");

    let c = store.claim_next("s", lease, NOW + 5).await.unwrap().unwrap();
    assert_eq!(c.certificate.checkpoint.height, 2);
    store
        .update_state(
            80,
            2,
            "s",
            StateUpdate::Failed { reason: "verifier reverted".into() },
            NOW + 6,
        )
        .await
        .unwrap();
    let r = store.certificate(80, 2).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.last_error.as_deref(), r.lease_owner),
        (CertState::Failed, Some("verifier reverted"), None)
    );

    // Height 3 mined by another owner later: latest_mined follows the height.
    let c = store.claim_next("t", lease, NOW + 7).await.unwrap().unwrap();
    assert_eq!(c.certificate.checkpoint.height, 3);
    store
        .update_state(
            80,
            3,
            "t",
            StateUpdate::Mined { tx_hash: tx1, block_number: 130, gas_used: 1 },
            NOW + 8,
        )
        .await
        .unwrap();
    assert_eq!(store.latest_mined(80).await.unwrap().unwrap().certificate.checkpoint.height, 3);
    assert!(store.latest_mined(81).await.unwrap().is_none());
    // Nothing left to claim: mined and failed are not claimable.
    assert!(store.claim_next("u", lease, NOW + 1_000_000).await.unwrap().is_none());

    assert!(
        store.insert_certificate(&certificate(&ops, checkpoint(80, 4, 0), 3, NOW)).await.unwrap()
    );
    let counts = store.count_by_state().await.unwrap();
    assert_eq!(
        counts,
        [
            (CertState::Ready, 1),
            (CertState::Submitted, 0),
            (CertState::Mined, 2),
            (CertState::Failed, 1)
        ]
    );
    // Persisted: a second handle (another replica) sees the same.
    store.close().await;
    let again = open(db).await;
    assert_eq!(again.count_by_state().await.unwrap(), counts);
    assert_eq!(again.latest_mined(80).await.unwrap().unwrap().block_number, Some(130));
}

/// A batch that fails answers every waiter in it with the error, and stores none of it.
async fn failed_batch_fails_every_waiter(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(3);
    let (writer, handle) = IngestWriter::new(store.clone(), 64);
    let mut waiters = JoinSet::new();
    for (i, op) in ops.iter().enumerate() {
        let mut item = new_sig(op, checkpoint(90, 1, 0));
        if i == 1 {
            // Above i64::MAX: the whole batch is refused.
            item.received_at_ms = u64::MAX;
        }
        let handle = handle.clone();
        waiters.spawn(async move { handle.insert(item).await });
    }
    // Let all three queue before the writer starts, so they share one batch.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let writer = tokio::spawn(writer.run());
    let mut failures = 0;
    while let Some(result) = waiters.join_next().await {
        match result.unwrap() {
            Err(StoreError::BatchFailed(e)) => {
                assert!(
                    matches!(*e, StoreError::IntegerOutOfRange { what: "receivedAtMs", .. }),
                    "{e}"
                );
                failures += 1;
            }
            other => panic!("expected BatchFailed, got {other:?}"),
        }
    }
    assert_eq!(failures, 3);
    assert_eq!(store.feed_head().await.unwrap(), 0);

    // The writer carries on with the next batch, and stops when the last handle goes.
    let ok = handle.insert(new_sig(&ops[0], checkpoint(90, 1, 0))).await.unwrap();
    assert_eq!((ok.seq, ok.duplicate), (1, false));
    drop(handle);
    tokio::time::timeout(Duration::from_secs(10), writer).await.unwrap().unwrap();
}

async fn integers_above_i64_are_refused(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(1);
    let mut cp = checkpoint(1, 1, 0);
    cp.height = u64::MAX;
    let err = store.insert_signatures(&[new_sig(&ops[0], cp)]).await.unwrap_err();
    assert!(matches!(err, StoreError::IntegerOutOfRange { what: "height", .. }), "{err}");
    let err = store.certificate(u64::MAX, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::IntegerOutOfRange { what: "rollupId", .. }), "{err}");
    let err = store.claim_next("x", Duration::MAX, NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::IntegerOutOfRange { what: "leaseUntilMs", .. }), "{err}");
    assert_eq!(store.feed_head().await.unwrap(), 0);
}

async fn newer_schema_is_refused(db: &TestDb) {
    let store = open(db).await;
    store.close().await;
    drop(store);
    db.pretend_newer_schema(99_991_231_000_000).await;
    let err = Store::open(db.url()).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Db(DbError::UnsupportedSchema {
                found: 99_991_231_000_000,
                supported: 20_261_207_100_000
            })
        ),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Backend-independent

/// Pruning below an L1 block deletes the signatures of older checkpoints and their settled
/// certificates, keeps a certificate still waiting for submission, and never reuses a sequence
/// number.
async fn pruning_keeps_the_window_and_the_sequence(db: &TestDb) {
    let store = open(db).await;
    let ops = operators(2);
    // Heights 1..=4 of rollup 10: l1Block 1001..=1004.
    let items: Vec<NewSignature> =
        (1..=4).flat_map(|h| ops.iter().map(move |op| new_sig(op, checkpoint(10, h, 0)))).collect();
    store.insert_signatures(&items).await.unwrap();
    assert!(
        store.insert_certificate(&certificate(&ops, checkpoint(10, 1, 0), 2, NOW)).await.unwrap()
    );
    assert!(
        store
            .insert_certificate(&certificate(&ops, checkpoint(10, 2, 0), 2, NOW + 1))
            .await
            .unwrap()
    );
    let claimed = store.claim_next("pruner", Duration::from_secs(60), NOW).await.unwrap().unwrap();
    assert_eq!(claimed.certificate.checkpoint.height, 1);
    let mined =
        StateUpdate::Mined { tx_hash: B256::repeat_byte(1), block_number: 1_010, gas_used: 1 };
    store.update_state(10, 1, "pruner", mined, NOW).await.unwrap();

    assert_eq!(store.prune_below(1_003).await.unwrap(), (4, 1), "heights 1 and 2, mined h1");
    let left: Vec<u64> = store.feed_after(0, 100).await.unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(left, (5..=8).collect::<Vec<_>>(), "heights 3 and 4 stay, in order");
    assert!(store.certificate(10, 1).await.unwrap().is_none(), "mined and old: pruned");
    let waiting = store.certificate(10, 2).await.unwrap().unwrap();
    assert_eq!(waiting.state, CertState::Ready, "not settled yet: kept whatever its age");
    assert_eq!(store.feed_head().await.unwrap(), 8);
    // Everything pruned: the next signature still gets the next sequence number.
    assert_eq!(store.prune_below(u64::from(u32::MAX)).await.unwrap(), (4, 0));
    let next = store.insert_signatures(&[new_sig(&ops[0], checkpoint(10, 9, 0))]).await.unwrap();
    assert_eq!(next[0].seq, 9);
    assert_eq!(store.prune_below(0).await.unwrap(), (0, 0));
}

#[tokio::test]
async fn in_memory_sqlite_works() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let ops = operators(2);
    let items: Vec<NewSignature> = ops.iter().map(|op| new_sig(op, checkpoint(1, 1, 0))).collect();
    store.insert_signatures(&items).await.unwrap();
    assert_eq!(store.feed_head().await.unwrap(), 2);
    assert_eq!(store.feed_after(0, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_url_scheme_is_refused() {
    let err = Store::open("mysql://root:secret@localhost/db").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Db(DbError::UnsupportedUrl { scheme }) if scheme == "mysql"),
        "{err}"
    );
    assert!(!err.to_string().contains("secret"));
}

#[test]
fn cert_state_names_round_trip() {
    for state in CertState::ALL {
        assert_eq!(state.as_str().parse::<CertState>().unwrap(), state);
        assert_eq!(state.to_string(), state.as_str());
    }
    assert!("Mined".parse::<CertState>().is_err());
}
