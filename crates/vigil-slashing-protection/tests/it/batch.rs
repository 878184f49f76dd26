//! Batches (`VIGIL_BATCH_V1`): signing one header signs every leaf, so a batch is safe only if
//! every leaf is, and a refused batch records nothing.

use std::sync::Arc;

use vigil_slashing_protection::{
    BatchSafe, Interchange, InterchangeCheckpoint, InterchangeKey, NotSafe, RecordedBlock,
    SlashingDatabase, batch_decisions_total,
};
use vigil_types::{B256, Checkpoint, MAX_BATCH_LEAVES};

use crate::common::{
    Outcome, batch_outcome, cp, domain, forged, fresh, honest, key, label, outcome,
};

fn block_of(c: &Checkpoint) -> RecordedBlock {
    RecordedBlock { block_hash: c.block_hash, state_root: c.state_root }
}

/// How many blocks key 0 has recorded at `(rollup, height)` in domain 0.
async fn recorded(db: &SlashingDatabase, rollup: u64, height: u64) -> usize {
    db.recorded_blocks(&key(0), &domain(0), rollup, height).await.unwrap().len()
}

/// Every record of domain 0, as `(key byte, rollup, height)`.
async fn all_records(db: &SlashingDatabase) -> Vec<(u8, u64, u64)> {
    let export = db.export_interchange(&domain(0)).await.unwrap();
    export
        .data
        .iter()
        .flat_map(|k| k.signed_checkpoints.iter().map(|c| (k.pubkey.0[0], c.rollup_id, c.height)))
        .collect()
}

async fn registered() -> (tempfile::TempDir, SlashingDatabase) {
    let (dir, _path, db) = fresh().await;
    db.register_key(&key(0)).await.unwrap();
    (dir, db)
}

#[tokio::test]
async fn batch_then_conflicting_single_is_refused() {
    let (_dir, db) = registered().await;
    let leaves = [honest(1, 5), honest(2, 7), honest(3, 7)];
    let safe = db.check_and_insert_batch(&key(0), &domain(0), &leaves).await.unwrap();
    assert_eq!(safe, BatchSafe { inserted: 3, same_block: 0 });
    for leaf in &leaves {
        assert_eq!(recorded(&db, leaf.rollup_id, leaf.height).await, 1, "{leaf:?}");
    }
    match db.check_and_insert(&key(0), &domain(0), &forged(2, 7)).await {
        Err(NotSafe::Conflict { rollup_id: 2, height: 7, existing, attempted }) => {
            assert_eq!(existing, block_of(&honest(2, 7)));
            assert_eq!(attempted, block_of(&forged(2, 7)));
        }
        other => panic!("expected a conflict at rollup 2 height 7, got {other:?}"),
    }
    // Signing a leaf alone again is the same block.
    assert_eq!(
        outcome(&db.check_and_insert(&key(0), &domain(0), &honest(3, 7)).await),
        Outcome::SameBlock
    );
}

#[tokio::test]
async fn single_then_conflicting_batch_is_refused_and_records_nothing() {
    let (_dir, db) = registered().await;
    assert_eq!(
        outcome(&db.check_and_insert(&key(0), &domain(0), &honest(1, 5)).await),
        Outcome::Valid
    );
    let before = batch_decisions_total("conflict");
    // New leaves both before and after the conflicting one: the ones before were written in the
    // transaction and must be rolled back.
    let leaves = [honest(1, 4), honest(2, 9), forged(1, 5), honest(1, 6), honest(3, 1)];
    match db.check_and_insert_batch(&key(0), &domain(0), &leaves).await {
        Err(NotSafe::Conflict { rollup_id: 1, height: 5, existing, attempted }) => {
            assert_eq!(existing, block_of(&honest(1, 5)));
            assert_eq!(attempted, block_of(&forged(1, 5)));
        }
        other => panic!("expected a conflict at rollup 1 height 5, got {other:?}"),
    }
    assert!(batch_decisions_total("conflict") > before, "batch counter not bumped");
    for (rollup, height) in [(1, 4), (2, 9), (1, 6), (3, 1)] {
        assert_eq!(recorded(&db, rollup, height).await, 0, "rollup {rollup} height {height}");
    }
    assert_eq!(all_records(&db).await, vec![(0, 1, 5)]);
    // The non-conflicting leaves may still be signed (alone or in another batch) afterwards.
    let rest = [honest(1, 4), honest(2, 9), honest(1, 5), honest(1, 6)];
    let safe = db.check_and_insert_batch(&key(0), &domain(0), &rest).await.unwrap();
    assert_eq!(safe, BatchSafe { inserted: 3, same_block: 1 });
}

#[tokio::test]
async fn overlapping_batches_and_batches_after_singles_are_same_block() {
    let (_dir, db) = registered().await;
    let first = [honest(1, 1), honest(1, 2), honest(1, 3)];
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &first).await.unwrap(),
        BatchSafe { inserted: 3, same_block: 0 }
    );
    // The overlapping leaves carry another daCommitment and l1Block (a reorg moved the batch):
    // still the same blocks.
    let mut second = [honest(1, 2), honest(1, 3), honest(1, 4)];
    for leaf in &mut second {
        leaf.da_commitment = B256::repeat_byte(0x77);
        leaf.l1_block += 3;
    }
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &second).await.unwrap(),
        BatchSafe { inserted: 1, same_block: 2 }
    );
    // Leaves signed alone first, then the batch holding them.
    for h in 1..=2 {
        assert_eq!(
            outcome(&db.check_and_insert(&key(0), &domain(0), &honest(3, h)).await),
            Outcome::Valid
        );
    }
    let before = batch_decisions_total("same_block");
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(3, 1), honest(3, 2)])
            .await
            .unwrap(),
        BatchSafe { inserted: 0, same_block: 2 }
    );
    assert!(batch_decisions_total("same_block") > before, "batch counter not bumped");
    // A leaf repeated within one batch counts as recorded by its first copy.
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(4, 1), honest(4, 1)])
            .await
            .unwrap(),
        BatchSafe { inserted: 1, same_block: 1 }
    );
    for (rollup, height) in [(1, 1), (1, 2), (1, 3), (1, 4), (3, 1), (3, 2), (4, 1)] {
        assert_eq!(recorded(&db, rollup, height).await, 1, "rollup {rollup} height {height}");
    }
}

#[tokio::test]
async fn self_conflicting_batch_is_refused() {
    let (_dir, db) = registered().await;
    let mut other_state = honest(1, 5);
    other_state.state_root = B256::ZERO;
    // (name, leaves, the second block at rollup 1 height 5)
    let cases: [(&str, Vec<Checkpoint>, Checkpoint); 2] = [
        ("other blockHash", vec![honest(1, 5), honest(2, 5), forged(1, 5)], forged(1, 5)),
        ("other stateRoot", vec![honest(2, 5), honest(1, 5), other_state], other_state),
    ];
    for (name, leaves, second) in cases {
        let before = batch_decisions_total("self_conflict");
        match db.check_and_insert_batch(&key(0), &domain(0), &leaves).await {
            Err(NotSafe::BatchSelfConflict { rollup_id: 1, height: 5, first, second: got }) => {
                assert_eq!(first, block_of(&honest(1, 5)), "{name}");
                assert_eq!(got, block_of(&second), "{name}");
            }
            other => panic!("{name}: expected a self-conflict, got {other:?}"),
        }
        assert!(batch_decisions_total("self_conflict") > before, "{name}: counter not bumped");
        assert_eq!(all_records(&db).await, vec![], "{name}: nothing recorded");
    }
    // Refused even when one side is already recorded: the batch alone is evidence.
    assert_eq!(
        outcome(&db.check_and_insert(&key(0), &domain(0), &honest(1, 5)).await),
        Outcome::Valid
    );
    let result =
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(1, 5), forged(1, 5)]).await;
    assert_eq!(batch_outcome(&result), Outcome::SelfConflict, "{result:?}");
    // The same height in two rollups, or two heights with one block, is no conflict.
    let (h, s) = (B256::repeat_byte(9), B256::repeat_byte(8));
    let fine = [cp(5, 1, h, s), cp(6, 1, h, s), cp(5, 2, h, s)];
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &fine).await.unwrap(),
        BatchSafe { inserted: 3, same_block: 0 }
    );
}

#[tokio::test]
async fn leaf_at_or_below_the_low_water_mark_is_refused() {
    let (_dir, db) = registered().await;
    for h in 1..=10 {
        assert_eq!(
            outcome(&db.check_and_insert(&key(0), &domain(0), &honest(1, h)).await),
            Outcome::Valid
        );
    }
    db.prune_below(&domain(0), 1, 6).await.unwrap();
    assert_eq!(db.low_water_mark(&key(0), &domain(0), 1).await.unwrap(), Some(5));
    // Height 3 was pruned: at or below the mark and not a recorded block.
    let before = batch_decisions_total("below_low_water");
    let leaves = [honest(2, 1), honest(1, 11), honest(1, 3)];
    match db.check_and_insert_batch(&key(0), &domain(0), &leaves).await {
        Err(NotSafe::BelowLowWaterMark { rollup_id: 1, height: 3, low_water_mark: 5 }) => {}
        other => panic!("expected below the low-water mark, got {other:?}"),
    }
    assert!(batch_decisions_total("below_low_water") > before, "batch counter not bumped");
    assert_eq!(recorded(&db, 2, 1).await, 0);
    assert_eq!(recorded(&db, 1, 11).await, 0);
    // A leaf at the mark itself is refused too.
    let result =
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(1, 5), honest(1, 11)]).await;
    assert_eq!(batch_outcome(&result), Outcome::BelowLowWater, "{result:?}");

    // After an import: a leaf repeating an imported block at the mark is fine, a new block below
    // it is not.
    let mut interchange = Interchange::new(domain(0));
    interchange.data.push(InterchangeKey {
        pubkey: key(0),
        signed_checkpoints: [20, 21]
            .map(|height| {
                let c = honest(7, height);
                InterchangeCheckpoint {
                    rollup_id: 7,
                    height,
                    block_hash: c.block_hash,
                    state_root: c.state_root,
                }
            })
            .to_vec(),
    });
    db.import_interchange(&interchange, &domain(0)).await.unwrap();
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(7, 20), honest(7, 22)])
            .await
            .unwrap(),
        BatchSafe { inserted: 1, same_block: 1 }
    );
    let result =
        db.check_and_insert_batch(&key(0), &domain(0), &[honest(7, 23), honest(7, 19)]).await;
    assert_eq!(batch_outcome(&result), Outcome::BelowLowWater, "{result:?}");
    assert_eq!(recorded(&db, 7, 23).await, 0);
    // A conflicting leaf at the mark is a conflict, as for a single checkpoint.
    let result = db.check_and_insert_batch(&key(0), &domain(0), &[forged(7, 20)]).await;
    assert_eq!(batch_outcome(&result), Outcome::Conflict, "{result:?}");
}

#[tokio::test]
async fn unregistered_key_records_nothing() {
    let (_dir, _path, db) = fresh().await;
    let leaves = [honest(1, 1), honest(1, 2)];
    let before = batch_decisions_total("unregistered_key");
    match db.check_and_insert_batch(&key(4), &domain(0), &leaves).await {
        Err(NotSafe::UnregisteredKey { pubkey }) => assert_eq!(pubkey, key(4)),
        other => panic!("expected an unregistered key, got {other:?}"),
    }
    assert!(batch_decisions_total("unregistered_key") > before, "batch counter not bumped");
    assert_eq!(all_records(&db).await, vec![]);
    // Once registered, every leaf is new: the refusal wrote nothing.
    db.register_key(&key(4)).await.unwrap();
    assert_eq!(
        db.check_and_insert_batch(&key(4), &domain(0), &leaves).await.unwrap(),
        BatchSafe { inserted: 2, same_block: 0 }
    );
}

#[tokio::test]
async fn empty_and_oversized_batches_are_refused() {
    let (_dir, db) = registered().await;
    let before = batch_decisions_total("empty_batch");
    let result = db.check_and_insert_batch(&key(0), &domain(0), &[]).await;
    assert!(matches!(result, Err(NotSafe::EmptyBatch)), "{result:?}");
    assert!(batch_decisions_total("empty_batch") > before, "batch counter not bumped");

    let count = MAX_BATCH_LEAVES as usize + 1;
    let leaves: Vec<Checkpoint> = (0..count as u64).map(|h| honest(1, h)).collect();
    let before = batch_decisions_total("too_many_leaves");
    match db.check_and_insert_batch(&key(0), &domain(0), &leaves).await {
        Err(NotSafe::BatchTooLarge { count: c, max }) => {
            assert_eq!((c, max), (count, MAX_BATCH_LEAVES));
        }
        other => panic!("expected too large, got {other:?}"),
    }
    assert!(batch_decisions_total("too_many_leaves") > before, "batch counter not bumped");
    assert_eq!(all_records(&db).await, vec![]);
}

#[tokio::test]
async fn out_of_range_leaf_rolls_back_the_leaves_before_it() {
    let (_dir, db) = registered().await;
    let leaves = [honest(1, 1), honest(2, 1), cp(3, u64::MAX, B256::ZERO, B256::ZERO)];
    let result = db.check_and_insert_batch(&key(0), &domain(0), &leaves).await;
    assert_eq!(batch_outcome(&result), Outcome::Db, "{result:?}");
    assert_eq!(all_records(&db).await, vec![]);
}

#[tokio::test]
async fn thousand_leaf_batch_is_recorded_atomically() {
    let (_dir, db) = registered().await;
    // 10 rollups × 100 heights.
    let first: Vec<Checkpoint> =
        (0..10u64).flat_map(|r| (0..100u64).map(move |h| honest(100 + r, h))).collect();
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &first).await.unwrap(),
        BatchSafe { inserted: 1_000, same_block: 0 }
    );
    assert_eq!(all_records(&db).await.len(), 1_000);
    // The next 1,000 heights, with one conflicting leaf (an old height) at the very end.
    let mut second: Vec<Checkpoint> =
        (0..10u64).flat_map(|r| (100..200u64).map(move |h| honest(100 + r, h))).collect();
    *second.last_mut().unwrap() = forged(109, 50);
    let result = db.check_and_insert_batch(&key(0), &domain(0), &second).await;
    assert!(
        matches!(result, Err(NotSafe::Conflict { rollup_id: 109, height: 50, .. })),
        "{result:?}"
    );
    let records = all_records(&db).await;
    assert_eq!(records.len(), 1_000, "none of the 999 new leaves is recorded");
    assert!(records.iter().all(|(_, _, h)| *h < 100));
    // Re-signing the first batch is the same blocks.
    assert_eq!(
        db.check_and_insert_batch(&key(0), &domain(0), &first).await.unwrap(),
        BatchSafe { inserted: 0, same_block: 1_000 }
    );
    db.integrity_check().await.unwrap();
}

/// A batch and a conflicting single checkpoint (or two conflicting batches) race for one
/// height: exactly one is signed, and the loser records nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batch_and_conflicting_single_admit_exactly_one() {
    let (_dir, db) = registered().await;
    let db = Arc::new(db);
    for height in 0..16u64 {
        let batch = {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                let leaves = [honest(1, height), honest(2, height), honest(3, height)];
                batch_outcome(&db.check_and_insert_batch(&key(0), &domain(0), &leaves).await)
            })
        };
        let single = {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                outcome(&db.check_and_insert(&key(0), &domain(0), &forged(2, height)).await)
            })
        };
        let (batch, single) = (batch.await.unwrap(), single.await.unwrap());
        match (batch, single) {
            (Outcome::Valid, Outcome::Conflict) => {
                assert_eq!(
                    db.recorded_blocks(&key(0), &domain(0), 2, height).await.unwrap(),
                    vec![block_of(&honest(2, height))]
                );
                assert_eq!(recorded(&db, 1, height).await, 1);
            }
            (Outcome::Conflict, Outcome::Valid) => {
                assert_eq!(
                    db.recorded_blocks(&key(0), &domain(0), 2, height).await.unwrap(),
                    vec![block_of(&forged(2, height))]
                );
                // The batch lost: none of its leaves is recorded.
                assert_eq!(recorded(&db, 1, height).await, 0);
                assert_eq!(recorded(&db, 3, height).await, 0);
            }
            other => panic!("height {height}: expected exactly one winner, got {other:?}"),
        }
    }
    // Two conflicting batches.
    let tasks: Vec<_> = [honest(5, 1), forged(5, 1)]
        .into_iter()
        .enumerate()
        .map(|(i, contested)| {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                let leaves = [honest(6, i as u64), contested];
                batch_outcome(&db.check_and_insert_batch(&key(0), &domain(0), &leaves).await)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    outcomes.sort_by_key(|o| label(*o));
    assert_eq!(outcomes, vec![Outcome::Conflict, Outcome::Valid]);
    assert_eq!(recorded(&db, 5, 1).await, 1);
    assert_eq!(recorded(&db, 6, 0).await + recorded(&db, 6, 1).await, 1);
}
