//! The built binary: `config` shows the file and the environment merged; bad files are refused.

use std::process::Command;

fn slasher() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil-slasher"));
    // Only what a test sets: no stray overrides from the caller's environment.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("VIGIL_SLASHER_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
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
        .env("VIGIL_SLASHER_PASSWORD", "not configuration")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["index"]["retain_heights"], 7, "from the file");
    assert_eq!(json["chain"]["l1_rpc"], "http://env:2", "the environment beats the file");
    assert_eq!(json["sources"]["chain_events"], false, "from the environment");
    assert_eq!(json["api"]["address"], "127.0.0.1:9200", "a default");
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
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fee_bump_prcent"), "{stderr}");
    assert!(out.stdout.is_empty());
}
