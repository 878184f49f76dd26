//! Migrations and the schema-version check.

use sqlx::migrate::Migrator;
use sqlx::{Connection as _, SqliteConnection};
use vigil_slashing_protection::{Error, SlashingDatabase, migrations};

use crate::common::{Outcome, domain, fresh, honest, key, outcome};

#[tokio::test]
async fn reopen_keeps_records_and_refuses_a_newer_schema() {
    let (_dir, path, db) = fresh().await;
    db.register_key(&key(0)).await.unwrap();
    assert_eq!(
        db.check_and_insert(&key(0), &domain(0), &honest(1, 1)).await.unwrap(),
        vigil_slashing_protection::Safe::Valid
    );
    db.integrity_check().await.unwrap();
    db.close().await;

    // Reopening runs the (already applied) migrations again: a no-op.
    let db = SlashingDatabase::open(&path).await.unwrap();
    assert_eq!(
        outcome(&db.check_and_insert(&key(0), &domain(0), &honest(1, 1)).await),
        Outcome::SameBlock
    );
    db.close().await;

    let url = format!("sqlite://{}", path.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap();
    assert_eq!(mode, "wal");
    let latest = migrations().iter().map(|m| m.version).max().unwrap();
    let future = latest + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (?1, 'from the future', 1, x'00', 0)",
    )
    .bind(future)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let err = SlashingDatabase::open(&path).await.unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedSchema { found, supported } if found == future && supported == latest),
        "{err}"
    );
}

/// The embedded migrations are what sqlx's own resolver (and its `migrate!` macro) reads from
/// `migrations/`: every file, with the same version, description and checksum.
#[tokio::test]
async fn embedded_migrations_match_the_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let folder = Migrator::new(dir.as_path()).await.unwrap();
    let embedded = migrations();
    assert!(!embedded.is_empty());
    assert_eq!(folder.iter().count(), embedded.len(), "a file in migrations/ is not embedded");
    for (f, e) in folder.iter().zip(&embedded) {
        assert_eq!(
            (f.version, &f.description, &f.checksum),
            (e.version, &e.description, &e.checksum)
        );
        assert_eq!((f.no_tx, f.migration_type), (e.no_tx, e.migration_type));
    }
}
