//! Pruning leaves a low-water mark at or below which nothing new is signed.

use vigil_slashing_protection::{Interchange, InterchangeCheckpoint, InterchangeKey};

use crate::common::{Outcome, domain, forged, fresh, honest, key, outcome};

#[tokio::test]
async fn prune_below_sets_a_low_water_mark() {
    let (_dir, _path, db) = fresh().await;
    let (k, d) = (key(0), domain(0));
    db.register_key(&k).await.unwrap();
    for h in 1..=10 {
        assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, h)).await), Outcome::Valid);
    }
    assert_eq!(db.prune_below(&d, 5, 0).await.unwrap(), 0, "prune_below(0) is a no-op");
    assert_eq!(db.low_water_mark(&k, &d, 5).await.unwrap(), None);

    assert_eq!(db.prune_below(&d, 5, 6).await.unwrap(), 5);
    assert_eq!(db.low_water_mark(&k, &d, 5).await.unwrap(), Some(5));
    let table = [
        (honest(5, 3), Outcome::BelowLowWater),
        (honest(5, 5), Outcome::BelowLowWater),
        (forged(5, 5), Outcome::BelowLowWater),
        (honest(5, 6), Outcome::SameBlock),
        (forged(5, 6), Outcome::Conflict),
        (honest(5, 11), Outcome::Valid),
        // Other rollups are untouched.
        (honest(6, 3), Outcome::Valid),
    ];
    for (c, expected) in table {
        assert_eq!(outcome(&db.check_and_insert(&k, &d, &c).await), expected, "{c:?}");
    }

    // Pruning past everything keeps the highest record, so an export still says where it
    // stopped, and the mark rises to just below the pruning height.
    assert_eq!(db.prune_below(&d, 5, 100).await.unwrap(), 5);
    assert_eq!(db.recorded_blocks(&k, &d, 5, 11).await.unwrap().len(), 1);
    assert_eq!(db.low_water_mark(&k, &d, 5).await.unwrap(), Some(99));
    assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, 11)).await), Outcome::SameBlock);
    assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, 50)).await), Outcome::BelowLowWater);
    assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, 100)).await), Outcome::Valid);
    let export = db.export_interchange(&d).await.unwrap();
    let heights: Vec<_> =
        export.data[0].signed_checkpoints.iter().map(|c| (c.rollup_id, c.height)).collect();
    assert_eq!(heights, vec![(5, 11), (5, 100), (6, 3)]);

    // The mark never goes down: a lower prune or an import of old heights leaves it.
    db.prune_below(&d, 5, 10).await.unwrap();
    assert_eq!(db.low_water_mark(&k, &d, 5).await.unwrap(), Some(99));
    let mut old = Interchange::new(d);
    old.data.push(InterchangeKey {
        pubkey: k,
        signed_checkpoints: vec![InterchangeCheckpoint {
            rollup_id: 5,
            height: 2,
            block_hash: honest(5, 2).block_hash,
            state_root: honest(5, 2).state_root,
        }],
    });
    db.import_interchange(&old, &d).await.unwrap();
    assert_eq!(db.low_water_mark(&k, &d, 5).await.unwrap(), Some(99));
    assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, 50)).await), Outcome::BelowLowWater);
    assert_eq!(outcome(&db.check_and_insert(&k, &d, &honest(5, 2)).await), Outcome::SameBlock);
}
