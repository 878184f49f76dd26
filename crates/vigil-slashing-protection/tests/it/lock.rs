//! One process per database: the second opener fails with `AlreadyLocked`.

use std::process::{Command, Stdio};

use vigil_slashing_protection::{Error, SlashingDatabase};

use crate::common::{domain, fresh, honest, key};

const CHILD_ENV: &str = "VIGIL_PROTECTION_LOCK_CHILD_DB";

#[tokio::test]
async fn second_open_in_process_is_refused_until_the_first_closes() {
    let (_dir, path, db) = fresh().await;
    let err = SlashingDatabase::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::AlreadyLocked { .. }), "{err}");
    db.close().await;
    let again = SlashingDatabase::open(&path).await.unwrap();
    again.register_key(&key(0)).await.unwrap();
    assert_eq!(
        again.check_and_insert(&key(0), &domain(0), &honest(1, 1)).await.unwrap(),
        vigil_slashing_protection::Safe::Valid
    );
}

#[tokio::test]
async fn second_open_in_another_process_is_refused() {
    let (_dir, path, db) = fresh().await;
    let p = path.clone();
    let child = tokio::task::spawn_blocking(move || run_child(&p)).await.unwrap();
    assert_eq!(child, "already_locked");
    db.close().await;
    let child = tokio::task::spawn_blocking(move || run_child(&path)).await.unwrap();
    assert_eq!(child, "opened");
}

/// Runs `child_worker` in a new process on `path`; returns its verdict.
fn run_child(path: &std::path::Path) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock::child_worker", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // libtest may print "test lock::child_worker ... " on the same line first.
    stdout
        .lines()
        .find_map(|l| l.split_once("CHILD ").map(|(_, v)| v.to_owned()))
        .unwrap_or_default()
}

/// Re-entered by `second_open_in_another_process_is_refused`; a no-op otherwise.
#[tokio::test]
async fn child_worker() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let verdict = match SlashingDatabase::open(&path).await {
        Ok(db) => {
            db.close().await;
            "opened".to_owned()
        }
        Err(Error::AlreadyLocked { .. }) => "already_locked".to_owned(),
        Err(e) => format!("error {e}"),
    };
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "CHILD {verdict}").unwrap();
    out.flush().unwrap();
}

/// A fresh node's `data/` folder does not exist yet: opening creates it. A folder that cannot
/// be created (its parent is a file) is a typed error naming it.
#[tokio::test]
async fn missing_folder_is_created_and_an_impossible_one_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("data/deeper/protection.sqlite");
    let db = SlashingDatabase::open(&nested).await.unwrap();
    db.register_key(&key(0)).await.unwrap();
    db.close().await;
    assert!(nested.exists());

    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let err = SlashingDatabase::open(file.join("protection.sqlite")).await.unwrap_err();
    assert!(matches!(&err, Error::Folder { path, .. } if *path == file), "{err}");
}
