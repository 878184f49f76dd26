//! `vigil-aggregator check` against a real L1 with Vigil deployed: all `ok` when healthy, and a
//! `FAIL` line with its fix for a wrong chain and for a submitter without gas.

use std::{path::Path, process::Output};

use alloy::signers::local::PrivateKeySigner;
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_test_utils::{
    TestNetwork,
    cli::{assert_checks_failed, assert_checks_passed},
};

use crate::{cli::aggregator, restart::free_port};

const PASSWORD_VAR: &str = "VIGIL_TEST_CHECK_PASSWORD";

fn write_keystore(path: &Path, signer: &PrivateKeySigner) {
    let _ = std::fs::remove_file(path);
    V3Keystore::encrypt(signer, &Password::new("pw"), KdfStrength::Light.scrypt())
        .unwrap()
        .write(path)
        .unwrap();
}

fn check(config: &Path) -> Output {
    aggregator().arg("--config").arg(config).arg("check").env(PASSWORD_VAR, "pw").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_each_dependency() {
    let net = TestNetwork::start(&[]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (submitter, _) = net.funded_account().await.unwrap();
    write_keystore(&dir.path().join("submitter.json"), &submitter);
    net.deployment.write(&dir.path().join("deployment.json")).unwrap();
    let config = dir.path().join("aggregator.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nl1_rpc = \"{}\"\ndeployment = \"deployment.json\"\n\
             [submitter]\nkeystore = \"submitter.json\"\npassword_env = \"{PASSWORD_VAR}\"\n\
             [database]\nurl = \"sqlite://aggregator.sqlite\"\n\
             [api]\naddress = \"127.0.0.1:{}\"\n[metrics]\naddress = \"127.0.0.1:{}\"\n",
            net.anvil.endpoint(),
            free_port(),
            free_port()
        ),
    )
    .unwrap();

    let stdout = assert_checks_passed(
        &check(&config),
        &[
            "deployment",
            "L1 chain",
            "verifier",
            "database",
            "submitter key",
            "submitter gas",
            "ports",
        ],
    );
    assert!(stdout.contains("does not exist yet: created at start with 3 migrations"), "{stdout}");
    assert!(!dir.path().join("aggregator.sqlite").exists(), "check creates nothing");

    // A submitter without gas.
    let broke = PrivateKeySigner::random();
    write_keystore(&dir.path().join("submitter.json"), &broke);
    let stdout = assert_checks_failed(&check(&config));
    assert!(
        stdout.contains(&format!(
            "FAIL  submitter gas: {} has no ETH on chain 31337: it cannot pay for transactions\n      \
             fix: send ETH for gas to {}",
            broke.address(),
            broke.address()
        )),
        "{stdout}"
    );

    // The deployment file of another chain.
    let mut other = net.deployment.clone();
    other.chain_id = 5;
    other.write(&dir.path().join("deployment.json")).unwrap();
    let stdout = assert_checks_failed(&check(&config));
    assert!(
        stdout.contains(&format!(
            "FAIL  L1 chain: {} serves chain 31337 but {} is for chain 5\n      fix: point \
             chain.l1_rpc at a chain-5 node, or chain.deployment at the deployment file of chain \
             31337",
            net.anvil.endpoint(),
            dir.path().join("deployment.json").display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("warn  verifier: not checked: L1 chain failed"), "{stdout}");
}
