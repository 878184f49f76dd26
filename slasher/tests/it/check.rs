//! `vigil-slasher check` against real parts (anvil with Vigil deployed, an aggregator in process
//! publishing its domain): all `ok` when healthy, and a `FAIL` line with its fix when the
//! aggregator feed is gone.

use std::process::Output;

use vigil_test_utils::{
    TestNetwork,
    cli::{assert_checks_failed, assert_checks_passed},
};

use crate::harness::{Aggregator, Slasher, SlasherSetup};

fn check(slasher: &Slasher) -> Output {
    crate::cli::slasher().arg("--config").arg(&slasher.config).arg("check").output().unwrap()
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

    let stdout = assert_checks_passed(
        &check(&slasher),
        &[
            "deployment",
            "L1 chain",
            "verifier",
            "slasher contract",
            "database",
            "submitter key",
            "submitter gas",
            "feed agg",
            "ports",
        ],
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
    let stdout = assert_checks_failed(&check(&slasher));
    assert!(
        stdout.contains(&format!(
            "FAIL  feed agg: {api} is unreachable: connection refused or unreachable\n      fix: \
             start the aggregator or correct sources.aggregators"
        )),
        "{stdout}"
    );
}
