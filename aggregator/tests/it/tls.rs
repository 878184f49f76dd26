//! The real `vigil-aggregator` binary serving its API over HTTPS from `[api] tls_cert` and
//! `tls_key` (the kernel's test-only certificate for 127.0.0.1): a client that trusts the
//! certificate gets `/v1/health`; plain HTTP and a client that does not trust it get nothing.

use std::time::{Duration, Instant};

use vigil_test_utils::TestNetwork;

use crate::restart::Node;

fn data(file: &str) -> String {
    format!("{}/../crates/vigil-service/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_speaks_https_from_its_config() {
    let net = TestNetwork::start(&[100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let text = std::fs::read_to_string(&node.config).unwrap();
    let text = text.replacen(
        "[api]\n",
        &format!(
            "[api]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            data("test-cert.pem"),
            data("test-key.pem")
        ),
        1,
    );
    std::fs::write(&node.config, text).unwrap();
    let mut child = node.start();

    let cert =
        reqwest::Certificate::from_pem(&std::fs::read(data("test-cert.pem")).unwrap()).unwrap();
    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(cert)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let https = node.api.replace("http://", "https://");
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Ok(r) = trusting.get(format!("{https}/v1/health")).send().await {
            break r;
        }
        assert!(child.try_wait().unwrap().is_none(), "the aggregator exited: {}", node.logs());
        assert!(Instant::now() < deadline, "no HTTPS answer: {}", node.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(health.status().is_success(), "{}", health.status());
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok", "{body}");

    let plain = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let answer = plain.get(format!("{}/v1/health", node.api)).send().await;
    assert!(
        !answer.as_ref().is_ok_and(|r| r.status().is_success()),
        "plain HTTP answered: {answer:?}"
    );
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        untrusting.get(format!("{https}/v1/health")).send().await.is_err(),
        "untrusted certificate accepted"
    );

    child.kill().unwrap();
    child.wait().unwrap();
}
