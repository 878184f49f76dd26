//! `vigil-operator protection import|export` through the CLI.

use std::process::Command;

use alloy::{primitives::B256, signers::local::PrivateKeySigner};
use vigil_chain::{CoreParams, VigilParams, deploy_core, deploy_vigil, signing_provider};
use vigil_slashing_protection::{Interchange, InterchangeCheckpoint, InterchangeKey};
use vigil_test_utils::DEV_KEY;
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_types::PublicKeyBytes;

fn cli(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn protection_round_trips_through_the_cli_and_refuses_other_domains() {
    let anvil = Anvil::start(AnvilConfig::default()).await.unwrap();
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let p = signing_provider(anvil.url(), owner.clone());
    let core = deploy_core(&p, owner.address(), CoreParams::default()).await.unwrap();
    let deployment = deploy_vigil(&p, &core, &VigilParams::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    deployment.write(&dir.path().join("deployment.json")).unwrap();
    let config = dir.path().join("operator.toml");
    std::fs::write(&config, "[chain]\ndeployment = \"deployment.json\"\n[node]\nprotection_db = \"protection.sqlite\"\n").unwrap();

    let mut file = Interchange::new(deployment.domain());
    file.data.push(InterchangeKey {
        pubkey: PublicKeyBytes([0xa1; 96]),
        signed_checkpoints: vec![
            InterchangeCheckpoint {
                rollup_id: 901,
                height: 10,
                block_hash: B256::repeat_byte(1),
                state_root: B256::repeat_byte(2),
            },
            InterchangeCheckpoint {
                rollup_id: 901,
                height: 11,
                block_hash: B256::repeat_byte(3),
                state_root: B256::repeat_byte(4),
            },
        ],
    });
    let import = dir.path().join("import.json");
    std::fs::write(&import, file.to_json_string().unwrap()).unwrap();
    let out = cli(&config, &["protection", "import", "--file", import.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 records"));

    let export = dir.path().join("export.json");
    let out = cli(&config, &["protection", "export", "--out", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = Interchange::from_json_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(back.metadata.domain, deployment.domain());
    let mut records = back.data[0].signed_checkpoints.clone();
    records.sort();
    assert_eq!(records, file.data[0].signed_checkpoints);
    // Export never overwrites.
    assert!(
        !cli(&config, &["protection", "export", "--out", export.to_str().unwrap()])
            .status
            .success()
    );

    // A file from another deployment is refused, and nothing is written.
    let mut other = file.clone();
    other.metadata.domain.operator_set_id = 9;
    let bad = dir.path().join("other.json");
    std::fs::write(&bad, other.to_json_string().unwrap()).unwrap();
    let out = cli(&config, &["protection", "import", "--file", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).to_lowercase().contains("domain"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
