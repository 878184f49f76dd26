//! `vigil-slasher check` against real parts (anvil with Vigil deployed, an aggregator in process
//! publishing its domain): all `ok` when healthy, and a `FAIL` line with its fix when the
//! aggregator feed is gone.

use std::process::{Command, Output};

use vigil_test_utils::TestNetwork;

use crate::harness::{Aggregator, Slasher, SlasherSetup};

fn check(slasher: &Slasher) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil-slasher"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().to_ascii_uppercase().starts_with("VIGIL_SLASHER_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--config").arg(&slasher.config).arg("check").env("RUST_LOG", "warn");
    cmd.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_each_dependency() {
    let net = TestNetwork::start(&[]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let aggregator = Aggregator::start(&net, dir.path()).await;
    let db = dir.path().join("slasher.sqlite");
    let slasher = Slasher::new(SlasherSetup {
        dir: dir.path(),
        net: &net,
        aggregator: &aggregator.api,
        db_url: format!("sqlite://{}", db.display()),
        rpc: None,
    })
    .await;

    let out = check(&slasher);
    let (names, stdout) = vigil_test_utils::cli::passed_checks(&out);
    assert_eq!(
        names,
        [
            "deployment",
            "L1 chain",
            "verifier",
            "slasher contract",
            "database",
            "submitter key",
            "submitter gas",
            "feed agg",
            "ports",
        ]
    );
    assert!(
        stdout.contains(&format!(
            "ok    feed agg: {} aggregates for this deployment",
            aggregator.api
        )),
        "{stdout}"
    );
    assert!(!db.exists(), "check creates nothing");

    // The aggregator it follows is gone.
    let api = aggregator.api.clone();
    aggregator.stop().await;
    let out = check(&slasher);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL  feed agg: {api} is unreachable: connection refused or unreachable\n      fix: \
             start the aggregator or correct sources.aggregators"
        )),
        "{stdout}"
    );
}
