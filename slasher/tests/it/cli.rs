//! The built binary: `config` shows the file and the environment merged, URL credentials
//! masked; the README's start loads; bad files and stray variables are refused in one paragraph.

use std::process::Command;
use vigil_test_utils::cli::{
    assert_no_secrets, assert_one_paragraph, clean_command, readme_exports, repo_root as repo,
    stderr, success_stdout,
};

/// The binary with none of the caller's overrides ([`clean_command`]).
pub(crate) fn slasher() -> Command {
    clean_command(env!("CARGO_BIN_EXE_vigil-slasher"), &["VIGIL_SLASHER_"], &[])
}

#[test]
fn config_merges_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slasher.toml");
    std::fs::write(&file, "[chain]\nl1_rpc = \"http://file:1\"\n[index]\nretain_heights = 7\n")
        .unwrap();
    let out = slasher()
        .arg("--config")
        .arg(&file)
        .arg("config")
        .env("VIGIL_SLASHER_SOURCES__CHAIN_EVENTS", "false")
        .env("VIGIL_SLASHER_CHAIN__L1_RPC", "http://env:2")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["index"]["retain_heights"], 7, "from the file");
    assert_eq!(json["chain"]["l1_rpc"], "http://env:2", "the environment beats the file");
    assert_eq!(json["sources"]["chain_events"], false, "from the environment");
    assert_eq!(json["api"]["address"], "127.0.0.1:7730", "a default");
    assert_eq!(
        json["chain"]["deployment"],
        dir.path().join("deployments/31337.json").display().to_string(),
        "relative to the file"
    );
}

#[test]
fn unknown_field_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slasher.toml");
    std::fs::write(&file, "[submitter]\nfee_bump_prcent = 30\n").unwrap();
    let out = slasher().arg("--config").arg(&file).arg("config").output().unwrap();
    assert_eq!(out.status.code(), Some(i32::from(vigil_service::EXIT_USAGE)));
    let stderr = stderr(&out);
    assert!(stderr.contains("submitter.fee_bump_prcent"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_one_paragraph(&stderr);
}

/// A variable under the override prefix that is no field (the old default password variable,
/// a typo) is refused by name, never silently ignored, and its value is not echoed.
#[test]
fn stray_variables_under_the_prefix_are_refused_by_name() {
    for name in [format!("{}PASSWORD", "VIGIL_SLASHER_"), "VIGIL_SLASHER_API__ADRESS".to_owned()] {
        let out = slasher().arg("config").env(&name, "hunter2").output().unwrap();
        assert_eq!(out.status.code(), Some(i32::from(vigil_service::EXIT_USAGE)), "{name}");
        let stderr = stderr(&out);
        assert!(stderr.contains(&name) && !stderr.contains("hunter2"), "{stderr}");
        assert_one_paragraph(&stderr);
    }
}

/// `slasher/README.md`'s start: its variables set, `config/slasher.toml` loads and names the
/// exported password variable.
#[test]
fn the_readme_start_loads() {
    let repo = repo();
    let exports = readme_exports(&repo.join("slasher/README.md"));
    assert!(!exports.is_empty());
    let mut cmd = slasher();
    for name in &exports {
        cmd.env(name, "hunter2");
    }
    let out = cmd.arg("--config").arg(repo.join("config/slasher.toml")).arg("config").output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let password_env = json["submitter"]["password_env"].as_str().unwrap();
    assert!(exports.iter().any(|e| e == password_env), "{password_env} not in {exports:?}");
}

/// `config` prints database and RPC URLs without their secrets.
#[test]
fn config_output_masks_credentials() {
    let out = slasher()
        .arg("config")
        .env("VIGIL_SLASHER_CHAIN__L1_RPC", "https://eth.example/v3/KEY?apikey=SECRET")
        .env("VIGIL_SLASHER_DATABASE__URL", "postgres://u:secret@h/db")
        .output()
        .unwrap();
    let stdout = success_stdout(&out);
    assert_no_secrets(&stdout);
    assert!(stdout.contains("postgres://u:***@h/db"), "{stdout}");
}
