//! Export and import.

use vigil_slashing_protection::{Error, ImportSummary, Interchange};

use crate::common::{Outcome, domain, forged, fresh, honest, key, outcome};

#[tokio::test]
async fn export_import_round_trip_protects_the_new_database() {
    let (_dir, _path, old) = fresh().await;
    let d = domain(0);
    for k in [key(0), key(1)] {
        old.register_key(&k).await.unwrap();
        for h in [20, 21, 25] {
            assert_eq!(outcome(&old.check_and_insert(&k, &d, &honest(7, h)).await), Outcome::Valid);
        }
    }
    // A record in another domain stays out of this domain's export.
    assert_eq!(
        old.check_and_insert(&key(0), &domain(1), &honest(7, 1)).await.unwrap(),
        vigil_slashing_protection::Safe::Valid
    );
    let export = old.export_interchange(&d).await.unwrap();
    assert_eq!(export.data.len(), 2);
    let json = export.to_json_string().unwrap();

    let (_dir2, _path2, new) = fresh().await;
    let parsed = Interchange::from_json_str(&json).unwrap();
    let summary = new.import_interchange(&parsed, &d).await.unwrap();
    assert_eq!(summary, ImportSummary { keys: 2, inserted: 6, duplicates: 0 });
    assert_eq!(new.export_interchange(&d).await.unwrap(), export, "lossless round trip");
    // Importing again is idempotent.
    let again = new.import_interchange(&parsed, &d).await.unwrap();
    assert_eq!(again, ImportSummary { keys: 2, inserted: 0, duplicates: 6 });

    let k = key(1);
    assert!(new.is_registered(&k).await.unwrap(), "import registers keys");
    let table = [
        (honest(7, 21), Outcome::SameBlock),
        (forged(7, 21), Outcome::Conflict),
        (honest(7, 19), Outcome::BelowLowWater),
        (honest(7, 20), Outcome::SameBlock),
        (forged(7, 20), Outcome::Conflict),
        // Between imported heights: no record, above the mark, so signable (complete database).
        (honest(7, 22), Outcome::Valid),
        (honest(7, 26), Outcome::Valid),
        (honest(8, 1), Outcome::Valid),
    ];
    for (c, expected) in table {
        assert_eq!(outcome(&new.check_and_insert(&k, &d, &c).await), expected, "{c:?}");
    }
}

#[tokio::test]
async fn import_refuses_another_domain_and_writes_nothing() {
    let (_dir, _path, old) = fresh().await;
    old.register_key(&key(0)).await.unwrap();
    assert_eq!(
        old.check_and_insert(&key(0), &domain(0), &honest(1, 5)).await.unwrap(),
        vigil_slashing_protection::Safe::Valid
    );
    let export = old.export_interchange(&domain(0)).await.unwrap();

    let (_dir2, _path2, new) = fresh().await;
    let err = new.import_interchange(&export, &domain(1)).await.unwrap_err();
    assert!(matches!(err, Error::DomainMismatch { .. }), "{err}");
    assert!(!new.is_registered(&key(0)).await.unwrap());
    assert!(new.export_interchange(&domain(0)).await.unwrap().data.is_empty());

    let mut future = export.clone();
    future.metadata.interchange_format_version = 2;
    let err = new.import_interchange(&future, &domain(0)).await.unwrap_err();
    assert!(matches!(err, Error::UnsupportedInterchangeVersion { found: 2, .. }), "{err}");

    let mut huge = export;
    huge.data[0].signed_checkpoints[0].height = u64::MAX;
    let err = new.import_interchange(&huge, &domain(0)).await.unwrap_err();
    assert!(matches!(err, Error::IntegerOutOfRange { .. }), "{err}");
    assert!(!new.is_registered(&key(0)).await.unwrap());
}

#[tokio::test]
async fn conflicting_imports_are_all_kept() {
    let (_dir, _path, db) = fresh().await;
    let d = domain(0);
    let mut a = Interchange::new(d);
    a.data.push(vigil_slashing_protection::InterchangeKey {
        pubkey: key(0),
        signed_checkpoints: vec![
            vigil_slashing_protection::InterchangeCheckpoint {
                rollup_id: 1,
                height: 10,
                block_hash: honest(1, 10).block_hash,
                state_root: honest(1, 10).state_root,
            },
            vigil_slashing_protection::InterchangeCheckpoint {
                rollup_id: 1,
                height: 10,
                block_hash: forged(1, 10).block_hash,
                state_root: forged(1, 10).state_root,
            },
        ],
    });
    db.import_interchange(&a, &d).await.unwrap();
    assert_eq!(db.recorded_blocks(&key(0), &d, 1, 10).await.unwrap().len(), 2);
    // Either block conflicts with the other record: neither is signed again.
    for c in [honest(1, 10), forged(1, 10)] {
        assert_eq!(outcome(&db.check_and_insert(&key(0), &d, &c).await), Outcome::Conflict);
    }
    assert_eq!(outcome(&db.check_and_insert(&key(0), &d, &honest(1, 11)).await), Outcome::Valid);
}
