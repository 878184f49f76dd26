//! The evidence store, as one suite on SQLite (a file in a tempdir) and on a private
//! PostgreSQL server per test.

use std::{sync::LazyLock, time::Duration};

use alloy_primitives::{Address, B256};
use vigil_crypto::SecretKey;
use vigil_service::db::DbError;
use vigil_slasher::{Error, EvidenceStore, MAX_PROOFS, OffenceState, StateKind};
use vigil_test_utils::TestDb;
use vigil_types::{Checkpoint, Evidence, SignedCheckpoint, SigningDomain};

/// Opens the store on `db` and checks it runs on the expected backend.
async fn open(db: &TestDb) -> EvidenceStore {
    let store = EvidenceStore::open(db.url()).await.unwrap();
    assert_eq!(store.backend().as_str(), db.backend().as_str());
    store
}

vigil_test_utils::on_both_backends!(
    "slasher.db";
    one_offence_one_row_with_several_proofs,
    states_persist_across_reopen,
    evidence_and_cursor_are_atomic,
    pending_list_and_pruning_keeps_open_offences,
    newer_schema_is_refused,
    leases_keep_replicas_apart,
    certificates_evidence_and_chain_cursor_are_atomic,
    schema_3_keeps_every_offence_and_proof,
);

const NOW: u64 = 1_764_000_000_000;

static KEYS: LazyLock<Vec<SecretKey>> =
    LazyLock::new(|| (1..=3u8).map(|i| SecretKey::from_ikm(&[i; 32]).unwrap()).collect());

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31_337, verifier: Address::repeat_byte(0x11), operator_set_id: 0 }
}

fn signed(key: usize, height: u64, block: u8) -> SignedCheckpoint {
    let sk = &KEYS[key];
    let checkpoint = Checkpoint {
        rollup_id: 42,
        height,
        block_hash: B256::repeat_byte(block),
        state_root: B256::repeat_byte(0x40),
        da_commitment: B256::repeat_byte(0x80),
        l1_block: 7,
    };
    SignedCheckpoint {
        domain: domain(),
        checkpoint,
        pubkey: sk.public_key().to_wire(),
        signature: sk.sign(checkpoint.digest(&domain()).as_slice()).to_wire(false),
    }
}

/// Key `key` signed blocks `a` and `b` at `height`.
fn double_sign(key: usize, height: u64, a: u8, b: u8) -> Evidence {
    Evidence::DoubleSign { first: signed(key, height, a), second: signed(key, height, b) }
}

async fn one_offence_one_row_with_several_proofs(db: &TestDb) {
    let store = open(db).await;
    let first = store.record(&double_sign(0, 5, 1, 2), NOW).await.unwrap();
    assert!(first.new);
    // A third block: another proof of the same offence.
    let again = store.record(&double_sign(0, 5, 1, 3), NOW + 1).await.unwrap();
    assert_eq!(again.offence_id, first.offence_id);
    assert!(!again.new);
    // The same proofs again change nothing.
    store.record(&double_sign(0, 5, 1, 2), NOW + 2).await.unwrap();
    store.record(&double_sign(0, 5, 1, 3), NOW + 3).await.unwrap();
    let record = store.get(&double_sign(0, 5, 1, 2).offence().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.id, first.offence_id);
    assert_eq!(record.proofs, 2);
    assert_eq!(record.evidence, double_sign(0, 5, 1, 2), "the first proof is the one kept");
    assert_eq!(record.state, OffenceState::Pending);
    assert_eq!(
        store.proofs(first.offence_id).await.unwrap(),
        vec![double_sign(0, 5, 1, 2), double_sign(0, 5, 1, 3)]
    );
    assert_eq!(store.list(100, None).await.unwrap().len(), 1);
    // Proofs are capped per offence.
    for block in 10..40u8 {
        store.record(&double_sign(0, 5, 1, block), NOW + 4).await.unwrap();
    }
    assert_eq!(store.get_by_id(first.offence_id).await.unwrap().unwrap().proofs, MAX_PROOFS);
    // Another height or another key is another offence.
    assert!(store.record(&double_sign(0, 6, 1, 2), NOW).await.unwrap().new);
    assert!(store.record(&double_sign(1, 5, 1, 2), NOW).await.unwrap().new);
    assert_eq!(store.list(100, None).await.unwrap().len(), 3);
    // Not an offence: refused, nothing written.
    let same_block = Evidence::DoubleSign { first: signed(2, 5, 1), second: signed(2, 5, 1) };
    assert!(matches!(store.record(&same_block, NOW).await, Err(Error::NotAnOffence(_))));
    assert_eq!(store.list(100, None).await.unwrap().len(), 3);
}

async fn states_persist_across_reopen(db: &TestDb) {
    let store = open(db).await;
    let a = store.record(&double_sign(0, 1, 1, 2), NOW).await.unwrap().offence_id;
    let b = store.record(&double_sign(1, 1, 1, 2), NOW).await.unwrap().offence_id;
    let c = store.record(&double_sign(2, 1, 1, 2), NOW).await.unwrap().offence_id;
    let tx = B256::repeat_byte(0xee);
    store.update_state(a, &OffenceState::Submitted { tx_hash: tx }, NOW + 1).await.unwrap();
    store
        .update_state(a, &OffenceState::Slashed { tx_hash: tx, block: 99 }, NOW + 2)
        .await
        .unwrap();
    store
        .update_state(b, &OffenceState::Failed { reason: "no longer slashable".into() }, NOW + 3)
        .await
        .unwrap();
    store.update_state(c, &OffenceState::Vetoed, NOW + 4).await.unwrap();
    assert!(matches!(
        store.update_state(9_999, &OffenceState::Vetoed, NOW).await,
        Err(Error::OffenceNotFound { id: 9_999 })
    ));
    store.set_cursor("feed", 1234).await.unwrap();
    store.close().await;
    drop(store);

    let store = open(db).await;
    let a = store.get_by_id(a).await.unwrap().unwrap();
    assert_eq!(a.state, OffenceState::Slashed { tx_hash: tx, block: 99 });
    assert_eq!((a.created_at_ms, a.updated_at_ms), (NOW, NOW + 2));
    assert_eq!(
        store.get_by_id(b).await.unwrap().unwrap().state,
        OffenceState::Failed { reason: "no longer slashable".into() }
    );
    assert_eq!(store.get_by_id(c).await.unwrap().unwrap().state, OffenceState::Vetoed);
    assert_eq!(store.cursor("feed").await.unwrap(), Some(1234));
    assert_eq!(store.cursor("other").await.unwrap(), None);
    let slashed = store.list(10, Some(StateKind::Slashed)).await.unwrap();
    assert_eq!(slashed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a.id]);
    assert!(store.pending().await.unwrap().is_empty());
    // Reorged out: back to pending.
    store.update_state(a.id, &OffenceState::Pending, NOW + 5).await.unwrap();
    assert_eq!(store.pending().await.unwrap().len(), 1);
    store.update_state(a.id, &OffenceState::AlreadySlashed, NOW + 6).await.unwrap();
    assert_eq!(store.get_by_id(a.id).await.unwrap().unwrap().state, OffenceState::AlreadySlashed);
}

async fn evidence_and_cursor_are_atomic(db: &TestDb) {
    let store = open(db).await;
    // The second item proves no offence: the first was already inserted in the transaction,
    // and must be rolled back with it.
    let bad = Evidence::DoubleSign { first: signed(1, 3, 1), second: signed(2, 3, 2) };
    let err = store
        .record_batch_with_cursor(&[double_sign(0, 3, 1, 2), bad], "feed", 10, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAnOffence(_)), "{err}");
    assert!(store.list(100, None).await.unwrap().is_empty());
    assert_eq!(store.cursor("feed").await.unwrap(), None);
    // The cursor write fails after the evidence was written: nothing stays either.
    let err = store
        .record_batch_with_cursor(&[double_sign(0, 3, 1, 2)], "feed", u64::MAX, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IntegerOutOfRange { what: "seq", .. }), "{err}");
    assert!(store.list(100, None).await.unwrap().is_empty());
    assert_eq!(store.cursor("feed").await.unwrap(), None);

    // A good batch: both, at once.
    let recorded = store
        .record_batch_with_cursor(
            &[double_sign(0, 3, 1, 2), double_sign(0, 3, 1, 4), double_sign(1, 3, 1, 2)],
            "feed",
            10,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(recorded.iter().map(|r| r.new).collect::<Vec<_>>(), vec![true, false, true]);
    assert_eq!(recorded[0].offence_id, recorded[1].offence_id);
    assert_eq!(store.cursor("feed").await.unwrap(), Some(10));
    // An empty batch still advances the cursor; a lower seq does not move it back.
    store.record_batch_with_cursor(&[], "feed", 20, NOW).await.unwrap();
    store.record_batch_with_cursor(&[], "feed", 15, NOW).await.unwrap();
    assert_eq!(store.cursor("feed").await.unwrap(), Some(20));
    // Cursors are per source; set_cursor rewinds deliberately.
    assert_eq!(store.cursor("public").await.unwrap(), None);
    store.set_cursor("feed", 5).await.unwrap();
    assert_eq!(store.cursor("feed").await.unwrap(), Some(5));
}

async fn pending_list_and_pruning_keeps_open_offences(db: &TestDb) {
    let store = open(db).await;
    let mut ids = Vec::new();
    for height in 0..6 {
        ids.push(store.record(&double_sign(0, height, 1, 2), NOW).await.unwrap().offence_id);
    }
    store.record(&double_sign(0, 5, 1, 3), NOW).await.unwrap();
    let tx = B256::repeat_byte(1);
    let states = [
        OffenceState::Pending,
        OffenceState::Submitted { tx_hash: tx },
        OffenceState::Slashed { tx_hash: tx, block: 1 },
        OffenceState::AlreadySlashed,
        OffenceState::Vetoed,
        OffenceState::Failed { reason: "gone".into() },
    ];
    for (id, state) in ids.iter().zip(&states) {
        store.update_state(*id, state, NOW + 10).await.unwrap();
    }
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[0]]);
    assert_eq!(store.list(2, None).await.unwrap().len(), 2);
    assert_eq!(store.list(100, Some(StateKind::Submitted)).await.unwrap().len(), 1);

    // Too recent: nothing pruned.
    assert_eq!(store.prune(NOW + 10).await.unwrap(), 0);
    // Closed offences go (with their proofs); pending and submitted stay.
    assert_eq!(store.prune(NOW + 11).await.unwrap(), 4);
    let left: Vec<StateKind> =
        store.list(100, None).await.unwrap().iter().map(|r| r.state.kind()).collect();
    assert_eq!(left, vec![StateKind::Submitted, StateKind::Pending]);
    assert!(matches!(store.proofs(ids[5]).await, Err(Error::OffenceNotFound { .. })));
    // A pruned offence detected again is recorded afresh.
    assert!(store.record(&double_sign(0, 5, 1, 2), NOW + 20).await.unwrap().new);
}

async fn newer_schema_is_refused(db: &TestDb) {
    let store = open(db).await;
    store.close().await;
    drop(store);
    db.pretend_newer_schema(99_991_231_000_000).await;
    let err = EvidenceStore::open(db.url()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Db(DbError::UnsupportedSchema {
                found: 99_991_231_000_000,
                supported: 20_261_207_000_000
            })
        ),
        "{err}"
    );
}

/// Two replicas claim open offences: a pass walks through each once, never one another's while
/// the lease lives; an expired lease is taken over; only the holder may change the state; a
/// restarted replica frees the leases of its earlier life.
async fn leases_keep_replicas_apart(db: &TestDb) {
    let store = open(db).await;
    let mut ids = Vec::new();
    for height in 1..=3 {
        ids.push(store.record(&double_sign(0, height, 1, 2), NOW).await.unwrap().offence_id);
    }
    let lease_ms = 1_000;
    let lease = Duration::from_millis(lease_ms);
    let a1 = store.claim_next("a", lease, NOW).await.unwrap().unwrap();
    let b1 = store.claim_next("b", lease, NOW).await.unwrap().unwrap();
    let a2 = store.claim_next("a", lease, NOW).await.unwrap().unwrap();
    assert!(store.claim_next("b", lease, NOW).await.unwrap().is_none(), "all three are leased");
    let mut claimed = vec![a1.id, b1.id, a2.id];
    claimed.sort_unstable();
    assert_eq!(claimed, ids, "each offence claimed exactly once");

    // Only the holder writes; a write after the lease ran out is refused.
    let submitted = OffenceState::Submitted { tx_hash: B256::repeat_byte(9) };
    assert!(matches!(
        store.update_state_leased(a1.id, "b", &submitted, NOW + 1).await,
        Err(Error::LeaseLost { .. })
    ));
    store.update_state_leased(a1.id, "a", &submitted, NOW + 1).await.unwrap();
    // The write-ahead (the outbox's) too, and it counts an attempt.
    let tx = B256::repeat_byte(7);
    assert!(matches!(
        store.record_sent(a1.id, "b", tx, 3, NOW + 1).await,
        Err(Error::LeaseLost { .. })
    ));
    assert!(matches!(
        store.record_sent(a2.id, "a", tx, 3, NOW + lease_ms).await,
        Err(Error::LeaseLost { .. })
    ));
    store.record_sent(a1.id, "a", tx, 3, NOW + 1).await.unwrap();
    let r = store.get_by_id(a1.id).await.unwrap().unwrap();
    assert_eq!((r.state, r.attempts), (OffenceState::Submitted { tx_hash: tx }, 1));
    assert!(matches!(
        store.update_state_leased(a2.id, "a", &submitted, NOW + lease_ms).await,
        Err(Error::LeaseLost { .. })
    ));

    // A lease is released only by its holder; a released offence is free at once.
    store.release(b1.id, "a").await.unwrap();
    assert!(store.claim_next("c", lease, NOW + 1).await.unwrap().is_none(), "still b's");
    store.release(b1.id, "b").await.unwrap();
    assert_eq!(store.claim_next("c", lease, NOW + 1).await.unwrap().unwrap().id, b1.id);

    // Expired leases are taken over (a's two); a live one is not (c's).
    let mut taken = Vec::new();
    while let Some(r) = store.claim_next("d", lease, NOW + lease_ms).await.unwrap() {
        taken.push(r.id);
    }
    taken.sort_unstable();
    let mut want = vec![a1.id, a2.id];
    want.sort_unstable();
    assert_eq!(taken, want);

    // Closed offences are never claimed; a restarted replica drops its old leases.
    store.update_state(b1.id, &OffenceState::Vetoed, NOW + 2).await.unwrap();
    assert_eq!(store.release_all("c").await.unwrap(), 1);
    assert_eq!(store.release_all("c").await.unwrap(), 0);
    assert!(store.claim_next("e", lease, NOW + lease_ms).await.unwrap().is_none());
    assert_eq!(store.release_all("d").await.unwrap(), 2);
    assert!(store.claim_next("e", lease, NOW + lease_ms).await.unwrap().is_some());
}

/// Certificates, the evidence they revealed and the chain cursor go in together; a certificate
/// stored twice is kept once; pruning drops only the rollup's lower heights.
async fn certificates_evidence_and_chain_cursor_are_atomic(db: &TestDb) {
    use vigil_slasher::{CHAIN_CURSOR, RecordedCertificate};
    let store = open(db).await;
    let cert = |rollup: u64, height: u64| RecordedCertificate {
        certificate: vigil_types::Certificate {
            domain: domain(),
            checkpoint: Checkpoint { rollup_id: rollup, ..signed(0, height, 1).checkpoint },
            non_signers: vec![KEYS[2].public_key().to_wire()],
            aggregate_signature: signed(0, height, 1).signature,
        },
        tx_hash: B256::repeat_byte(u8::try_from(height).unwrap()),
        block: 100 + height,
    };
    let first = [cert(42, 5), cert(42, 6), cert(43, 5)];
    let recorded = store
        .record_certificates_with_cursor(&first, &[double_sign(1, 5, 1, 2)], 120, NOW)
        .await
        .unwrap();
    assert!(recorded[0].new);
    assert_eq!(store.cursor(CHAIN_CURSOR).await.unwrap(), Some(120));
    // A rescan stores nothing twice and may move the cursor back (a reorg rescan).
    store.record_certificates_with_cursor(&first[..1], &[], 110, NOW).await.unwrap();
    assert_eq!(store.cursor(CHAIN_CURSOR).await.unwrap(), Some(110));
    let all = store.certificates().await.unwrap();
    assert_eq!(all, first.to_vec());
    assert_eq!(store.prune_certificates(42, 6).await.unwrap(), 1);
    let left: Vec<_> = store
        .certificates()
        .await
        .unwrap()
        .iter()
        .map(|c| (c.certificate.checkpoint.rollup_id, c.certificate.checkpoint.height))
        .collect();
    assert_eq!(left, vec![(42, 6), (43, 5)]);
    assert_eq!(store.list(10, None).await.unwrap().len(), 1);
}

/// Schema 3 (evidence kind 3, `equivocation`) rebuilds SQLite's `offences` table and its child
/// `offence_proofs` (a CHECK constraint cannot change in place; dropping a parent with foreign
/// keys on would delete its children's rows): a store written at schema 2 keeps every offence,
/// state and proof, and then takes the new kind.
async fn schema_3_keeps_every_offence_and_proof(db: &TestDb) {
    use vigil_service::db::Db;
    let schema_2 = vigil_service::db::Migrations {
        sqlite: vigil_service::embed_migrations!("migrations/sqlite": "20261125000000_initial", "20261206000000_outbox"),
        postgres: vigil_service::embed_migrations!("migrations/postgres": "20261125000000_initial", "20261206000000_outbox"),
    };
    let old = Db::open(db.url(), schema_2, 1).await.unwrap();
    let first = double_sign(0, 5, 1, 2);
    let offence = first.offence().unwrap();
    let json = serde_json::to_string(&first).unwrap();
    let proof = serde_json::to_string(&double_sign(0, 5, 1, 3)).unwrap();
    sqlx::query(
        "INSERT INTO offences (id, l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, \
         height, kind, evidence, evidence_hash, proofs, state, tx_hash, block_number, \
         created_at_ms, updated_at_ms, attempts) VALUES (7, 31337, $1, 0, $2, 42, 5, \
         'doubleSign', $3, $4, 2, 'slashed', $5, 99, $6, $6, 1)",
    )
    .bind(domain().verifier.to_vec())
    .bind(offence.pubkey.0.to_vec())
    .bind(&json)
    .bind(vec![1u8; 32])
    .bind(vec![2u8; 32])
    .bind(i64::try_from(NOW).unwrap())
    .execute(&old.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO offence_proofs (offence_id, evidence_hash, evidence, received_at_ms) \
         VALUES (7, $1, $2, $3)",
    )
    .bind(vec![3u8; 32])
    .bind(&proof)
    .bind(i64::try_from(NOW).unwrap())
    .execute(&old.pool)
    .await
    .unwrap();
    old.close().await;

    let store = open(db).await;
    let record = store.get_by_id(7).await.unwrap().expect("the offence survived");
    assert_eq!(record.offence, offence);
    assert_eq!(record.state.kind(), StateKind::Slashed);
    assert_eq!((record.proofs, record.attempts), (2, 1));
    let proofs = store.proofs(7).await.unwrap();
    assert_eq!(proofs.len(), 2, "the appended proof survived the rebuild");
    assert_eq!(proofs[1], double_sign(0, 5, 1, 3));
    // The rebuilt tables keep their rules: one row per offence, proofs cascade with pruning.
    assert!(!store.record(&double_sign(0, 5, 2, 3), NOW + 1).await.unwrap().new);
    assert_eq!(store.prune(NOW + 10).await.unwrap(), 1);
    assert!(matches!(store.proofs(7).await, Err(Error::OffenceNotFound { id: 7 })));
}
