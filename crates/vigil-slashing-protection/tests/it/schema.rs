//! Migrations and the schema-version check.

use sqlx::{Connection as _, SqliteConnection};
use vigil_slashing_protection::{Error, MIGRATOR, SlashingDatabase};

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
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap();
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
