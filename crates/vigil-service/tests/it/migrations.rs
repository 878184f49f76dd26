//! Every store embeds every migration file of its folders, as sqlx's own resolver reads them
//! (version, description, checksum): a file added to a folder but not to the store's
//! `embed_migrations!` list, or a renamed one, fails here.

use std::path::Path;

use vigil_service::migrations::check_store_folders;

fn crate_dir(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(name).display().to_string()
}

#[tokio::test]
async fn the_aggregator_embeds_its_migration_folders() {
    let dir = crate_dir("aggregator");
    check_store_folders(vigil_aggregator::store::MIGRATIONS, &dir).await.unwrap();
}

#[tokio::test]
async fn the_slasher_embeds_its_migration_folders() {
    let dir = crate_dir("slasher");
    check_store_folders(vigil_slasher::MIGRATIONS, &dir).await.unwrap();
}

#[tokio::test]
async fn a_missing_file_is_named() {
    // The aggregator's folders checked against a list without its first migration.
    let mut short = vigil_aggregator::store::MIGRATIONS;
    short.sqlite.0 = short.sqlite.0.get(1..).unwrap();
    let err = check_store_folders(short, &crate_dir("aggregator")).await.unwrap_err();
    assert!(err.contains("initial") && err.contains("sqlite"), "{err}");
}
