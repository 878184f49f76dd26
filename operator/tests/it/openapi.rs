//! The node API's OpenAPI document against the real `vigil-operator run`: an L1 and an OP Stack
//! L2 on anvil, keys made with the CLI, an aggregator that records. The document it serves at
//! `/openapi.json` is the committed `operator/openapi.json`, and every documented route, driven
//! with its documented example, answers as documented.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use vigil_chain::signing_provider;
use vigil_service::http::conformance;
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{CaptureAggregator, DEV_KEY, OpL2, set_balance};

const PASSWORD_VAR: &str = "VIGIL_OPENAPI_TEST_PASSWORD";
const ROLLUP: u64 = 78;
const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-operator --test it openapi";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

fn cli(config: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(PASSWORD_VAR, "openapi test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Kills the node when the test ends, however it ends.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_served_document_is_committed_and_every_route_answers_as_documented() {
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let l2 = OpL2::start(ROLLUP, Some(1)).await.unwrap();
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 10).await.unwrap();
    let rollup = l2.rollup_config("openapi", Address::repeat_byte(0xfe), batcher.address());
    let aggregator = CaptureAggregator::start().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x99));
    deployment.write(&dir.path().join("deployment.json")).unwrap();
    std::fs::write(dir.path().join("rollup.toml"), rollup.to_superchain_toml()).unwrap();
    let (api_port, metrics_port) = (free_port(), free_port());
    let config = dir.path().join("operator.toml");
    std::fs::write(
        &config,
        crate::support::run_toml(
            l1.endpoint(),
            l2.anvil.endpoint(),
            &aggregator.url,
            PASSWORD_VAR,
            &format!(
                "poll_interval_ms = 100\nstatus_interval_ms = 200\n\
                 api_address = \"127.0.0.1:{api_port}\"\n\
                 metrics_address = \"127.0.0.1:{metrics_port}\"\n"
            ),
            "",
        ),
    )
    .unwrap();
    for kind in ["bls", "ecdsa"] {
        let out = dir.path().join(format!("keys/{kind}.json"));
        cli(&config, &crate::support::keys_generate(kind, out.to_str().unwrap(), PASSWORD_VAR));
    }
    let log = dir.path().join("operator.log");
    let child = Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env(PASSWORD_VAR, "openapi test")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut node = Node(child);
    let api = format!("http://127.0.0.1:{api_port}");
    let metrics = format!("http://127.0.0.1:{metrics_port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    'ready: {
        for _ in 0..300 {
            if let Some(status) = node.0.try_wait().unwrap() {
                panic!("operator exited ({status}): {}", std::fs::read_to_string(&log).unwrap());
            }
            if http.get(format!("{api}/openapi.json")).send().await.is_ok() {
                break 'ready;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("operator not ready: {}", std::fs::read_to_string(&log).unwrap());
    }

    // (a) The served document is the committed one.
    let doc = conformance::served_document(&http, &api, &committed(), REGENERATE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc, serde_json::to_value(vigil_operator::api::openapi()).unwrap());

    // (b) Every route, with its example, answers as documented; so does another method.
    let driven =
        conformance::drive(&http, &doc, &api, &metrics).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(driven.len() >= 6, "{driven:?}");

    // An unknown route on either port is the one error body too.
    for base in [&api, &metrics] {
        conformance::check_errors(&http, base, &[("/nope", 404, "unknown_route")])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
