//! Endpoint failover on a real aggregator process: two L1 endpoints (proxies in front of one
//! anvil). The preferred one is killed mid-run while the other is answering 429 for a while;
//! every height is still certified exactly once, nothing is refused for good, and the metrics
//! show the switch and why.

use std::time::Duration;

use vigil_test_utils::{StandardRpcProxy, TestNetwork, prometheus::sample};

use crate::restart::{Node, certified_events, checkpoint};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_endpoint_and_a_rate_limited_one_lose_nothing() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let primary = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let fallback = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), &primary.url, &db).await;
    let config = std::fs::read_to_string(&node.config).unwrap();
    let line = format!("l1_rpc = \"{}\"\n", primary.url);
    assert!(config.contains(&line));
    std::fs::write(
        &node.config,
        config.replace(&line, &format!("{line}l1_rpc_fallbacks = [\"{}\"]\n", fallback.url)),
    )
    .unwrap();

    let mut child = node.start();
    node.wait_ready(&mut child).await;
    let net = &net;
    let sign_all = |cp| (0..3).map(|i| net.sign(i, &cp)).collect::<Vec<_>>();
    for height in 1..=2 {
        for signed in sign_all(checkpoint(net, height).await) {
            node.post(&signed).await;
        }
        node.wait_state(height, "mined").await;
    }
    assert!(primary.forwarded() > 0 && fallback.forwarded() == 0, "the preferred one served");

    // The fallback starts refusing with 429, then the preferred one dies; the fallback recovers
    // two seconds later.
    let recover = primary.fail_over_to(&fallback, Duration::from_secs(2));
    for height in 3..=5 {
        for signed in sign_all(checkpoint(net, height).await) {
            node.post(&signed).await;
        }
    }
    for height in 3..=5 {
        node.wait_state(height, "mined").await;
    }
    recover.await.unwrap();
    assert_eq!(certified_events(net).await, 5, "every height certified exactly once");
    assert!(fallback.rate_limited_calls() > 0, "the 429 phase was exercised");
    assert!(fallback.forwarded() > 0, "the fallback served after the switch");
    assert!(primary.refused().is_empty() && fallback.refused().is_empty());

    let metrics =
        reqwest::get(format!("{}/metrics", node.metrics)).await.unwrap().text().await.unwrap();
    // Endpoints are named as their URLs parse (with the path's "/").
    let named = |i: usize, url: &str| format!("#{i} {}", reqwest::Url::parse(url).unwrap());
    let (p, f) = (named(0, &primary.url), named(1, &fallback.url));
    let active = |who: &str| sample(&metrics, "vigil_rpc_endpoint_active", &[("endpoint", who)]);
    assert_eq!(active(&f), Some(1.0), "{metrics}");
    assert_eq!(active(&p), Some(0.0), "{metrics}");
    let failures = |who: &str, kind: &str| {
        let labels = [("endpoint", who), ("kind", kind)];
        sample(&metrics, "vigil_rpc_endpoint_failures_total", &labels).unwrap_or(0.0)
    };
    assert!(failures(&p, "unavailable") >= 1.0, "{metrics}");
    assert!(failures(&f, "rate_limited") >= 1.0, "{metrics}");
    assert!(sample(&metrics, "vigil_rpc_endpoint_switches_total", &[]).unwrap_or(0.0) >= 1.0);
    let logs = node.logs();
    assert!(logs.contains("RPC endpoint passed over"), "{logs}");
    child.kill().unwrap();
    child.wait().unwrap();
}
