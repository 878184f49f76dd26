//! The conflict rule as a table (lighthouse's slashing-protection tests are the model).

use vigil_slashing_protection::{NotSafe, RecordedBlock, decisions_total};
use vigil_types::{B256, Checkpoint};

use crate::common::{Outcome, cp, domain, fresh, key, label, outcome};

#[tokio::test]
async fn conflict_rule_table() {
    let base = cp(10, 100, B256::repeat_byte(1), B256::repeat_byte(2));
    type Mutation = fn(&mut Checkpoint);
    // (name, key index, domain index, mutation of the base checkpoint, expected)
    let cases: &[(&str, u8, u8, Mutation, Outcome)] = &[
        ("identical", 0, 0, |_| {}, Outcome::SameBlock),
        ("other daCommitment", 0, 0, |c| c.da_commitment = B256::ZERO, Outcome::SameBlock),
        ("other l1Block", 0, 0, |c| c.l1_block += 7, Outcome::SameBlock),
        (
            "other daCommitment and l1Block",
            0,
            0,
            |c| {
                c.da_commitment = B256::ZERO;
                c.l1_block = 0;
            },
            Outcome::SameBlock,
        ),
        ("other blockHash", 0, 0, |c| c.block_hash = B256::ZERO, Outcome::Conflict),
        ("other stateRoot", 0, 0, |c| c.state_root = B256::ZERO, Outcome::Conflict),
        (
            "other blockHash and stateRoot",
            0,
            0,
            |c| {
                c.block_hash = B256::ZERO;
                c.state_root = B256::ZERO;
            },
            Outcome::Conflict,
        ),
        ("other height, same block", 0, 0, |c| c.height += 1, Outcome::Valid),
        (
            "other height, other block",
            0,
            0,
            |c| {
                c.height -= 1;
                c.block_hash = B256::ZERO;
            },
            Outcome::Valid,
        ),
        (
            "other rollup, other block",
            0,
            0,
            |c| {
                c.rollup_id += 1;
                c.block_hash = B256::ZERO;
            },
            Outcome::Valid,
        ),
        ("other domain, other block", 0, 1, |c| c.block_hash = B256::ZERO, Outcome::Valid),
        ("other key, other block", 1, 0, |c| c.block_hash = B256::ZERO, Outcome::Valid),
        ("unregistered key, same block", 9, 0, |_| {}, Outcome::Unregistered),
    ];
    for (name, key_index, domain_index, mutate, expected) in cases {
        let (_dir, _path, db) = fresh().await;
        db.register_key(&key(0)).await.unwrap();
        db.register_key(&key(1)).await.unwrap();
        assert_eq!(
            outcome(&db.check_and_insert(&key(0), &domain(0), &base).await),
            Outcome::Valid,
            "{name}: first signature"
        );
        let mut attempt = base;
        mutate(&mut attempt);
        let before = decisions_total(label(*expected));
        let result = db.check_and_insert(&key(*key_index), &domain(*domain_index), &attempt).await;
        assert_eq!(outcome(&result), *expected, "{name}: {result:?}");
        assert!(decisions_total(label(*expected)) > before, "{name}: counter not bumped");
        if let Err(NotSafe::Conflict { existing, attempted, height, rollup_id }) = &result {
            assert_eq!(
                *existing,
                RecordedBlock { block_hash: base.block_hash, state_root: base.state_root }
            );
            assert_eq!(attempted.block_hash, attempt.block_hash);
            assert_eq!((*rollup_id, *height), (base.rollup_id, base.height));
        }
        // A refusal writes nothing; an acceptance is idempotent.
        let recorded = db
            .recorded_blocks(
                &key(*key_index),
                &domain(*domain_index),
                attempt.rollup_id,
                attempt.height,
            )
            .await
            .unwrap();
        let want = match expected {
            Outcome::Conflict | Outcome::SameBlock => 1,
            Outcome::Valid => 1,
            _ => 0,
        };
        assert_eq!(recorded.len(), want, "{name}: {recorded:?}");
        let again = db.check_and_insert(&key(*key_index), &domain(*domain_index), &attempt).await;
        let expected_again = match expected {
            Outcome::Valid | Outcome::SameBlock => Outcome::SameBlock,
            other => *other,
        };
        assert_eq!(outcome(&again), expected_again, "{name}: repeated");
    }
}

#[tokio::test]
async fn out_of_range_integers_are_db_errors_not_panics() {
    let (_dir, _path, db) = fresh().await;
    db.register_key(&key(0)).await.unwrap();
    let mut c = cp(1, u64::MAX, B256::ZERO, B256::ZERO);
    assert_eq!(outcome(&db.check_and_insert(&key(0), &domain(0), &c).await), Outcome::Db);
    c.height = i64::MAX as u64;
    assert_eq!(outcome(&db.check_and_insert(&key(0), &domain(0), &c).await), Outcome::Valid);
    c.rollup_id = u64::MAX;
    assert_eq!(outcome(&db.check_and_insert(&key(0), &domain(0), &c).await), Outcome::Db);
}

/// Many tasks race to sign different blocks at one height: exactly one wins, the rest conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_conflicting_attempts_admit_exactly_one() {
    let (_dir, _path, db) = fresh().await;
    db.register_key(&key(0)).await.unwrap();
    let db = std::sync::Arc::new(db);
    let tasks: Vec<_> = (0u8..16)
        .map(|i| {
            let db = std::sync::Arc::clone(&db);
            tokio::spawn(async move {
                let c = cp(3, 9, B256::repeat_byte(i), B256::repeat_byte(0));
                outcome(&db.check_and_insert(&key(0), &domain(0), &c).await)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| **o == Outcome::Valid).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == Outcome::Conflict).count(), 15, "{outcomes:?}");
    assert_eq!(db.recorded_blocks(&key(0), &domain(0), 3, 9).await.unwrap().len(), 1);
}
