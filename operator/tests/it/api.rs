//! The node API and metrics endpoint, through `Router::oneshot` and over a real socket.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigil_operator::{
    api::{self, AGGREGATOR_SUBMISSION, NodeHealth, NodeState, SLASHING_PROTECTION, ServiceStatus},
    metrics::{self, DaCheckResult, RefusalReason, SubmissionResult},
};

fn state() -> NodeState {
    NodeState::new("vigil-operator", "1.2.3", [10, 20])
}

async fn call(router: Router, method: Method, uri: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, content_type, body)
}

async fn get_json(router: Router, uri: &str) -> (StatusCode, Value) {
    let (status, content_type, body) = call(router, Method::GET, uri).await;
    assert_eq!(content_type.as_deref(), Some("application/json"), "{uri}");
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn node_reports_name_and_versions() {
    let (status, body) = get_json(api::router(state()), "/eigen/node").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "node_name": "vigil-operator", "spec_version": "v0.0.1", "node_version": "1.2.3" })
    );
}

#[tokio::test]
async fn node_health_maps_to_status_codes() {
    let cases = [
        (NodeHealth::Healthy, StatusCode::OK),
        (NodeHealth::PartiallyHealthy, StatusCode::PARTIAL_CONTENT),
        (NodeHealth::Unhealthy, StatusCode::SERVICE_UNAVAILABLE),
    ];
    for (health, expected) in cases {
        let state = state();
        state.set_health(health);
        let (status, _, body) = call(api::router(state), Method::GET, "/eigen/node/health").await;
        assert_eq!(status, expected, "{health:?}");
        assert!(body.is_empty(), "{health:?}");
    }
}

#[tokio::test]
async fn a_new_node_is_initializing() {
    let state = state();
    let (status, _, _) = call(api::router(state.clone()), Method::GET, "/eigen/node/health").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    let (_, body) = get_json(api::router(state), "/eigen/node/services").await;
    let statuses: Vec<&str> = body["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Initializing"; 4]);
}

#[tokio::test]
async fn services_list_every_service_with_its_status() {
    let state = state();
    assert!(state.set_rollup_status(10, ServiceStatus::Up));
    assert!(state.set_rollup_status(20, ServiceStatus::Down));
    state.set_aggregator_status(ServiceStatus::Initializing);
    state.set_protection_status(ServiceStatus::Up);

    let (status, body) = get_json(api::router(state), "/eigen/node/services").await;
    assert_eq!(status, StatusCode::OK);
    let services = body["services"].as_array().unwrap();
    let got: Vec<(&str, &str)> = services
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("rollup-10", "Up"),
            ("rollup-20", "Down"),
            (AGGREGATOR_SUBMISSION, "Initializing"),
            (SLASHING_PROTECTION, "Up"),
        ]
    );
    for service in services {
        let object = service.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["description", "id", "name", "status"]);
        assert!(!object["name"].as_str().unwrap().is_empty());
        assert!(!object["description"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn service_health_maps_to_status_codes() {
    let cases = [
        ("rollup-10", ServiceStatus::Up, StatusCode::OK),
        ("rollup-20", ServiceStatus::Down, StatusCode::SERVICE_UNAVAILABLE),
        ("rollup-10", ServiceStatus::Initializing, StatusCode::PARTIAL_CONTENT),
        (AGGREGATOR_SUBMISSION, ServiceStatus::Up, StatusCode::OK),
        (AGGREGATOR_SUBMISSION, ServiceStatus::Down, StatusCode::SERVICE_UNAVAILABLE),
        (SLASHING_PROTECTION, ServiceStatus::Up, StatusCode::OK),
        (SLASHING_PROTECTION, ServiceStatus::Initializing, StatusCode::PARTIAL_CONTENT),
    ];
    for (id, service_status, expected) in cases {
        let state = state();
        assert!(state.set_service_status(id, service_status));
        let uri = format!("/eigen/node/services/{id}/health");
        let (status, _, _) = call(api::router(state), Method::GET, &uri).await;
        assert_eq!(status, expected, "{id} {service_status:?}");
    }
}

#[tokio::test]
async fn unknown_services_and_routes_are_json_404s() {
    let no_service = json!({ "error": "not_found", "message": "no such service" });
    let no_route = json!({ "error": "unknown_route", "message": "no such route" });
    let node = [
        ("/eigen/node/services/rollup-99/health", &no_service),
        ("/eigen/node/services/%FF/health", &no_service),
        ("/eigen/node/services/rollup-10", &no_route),
        ("/eigen/node/nope", &no_route),
        ("/", &no_route),
        ("/metrics", &no_route),
    ];
    for (uri, expected) in node {
        let (status, body) = get_json(api::router(state()), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(&body, expected, "{uri}");
    }
    for uri in ["/", "/eigen/node", "/metrics/x"] {
        let (status, body) = get_json(api::metrics_router(), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body, no_route, "{uri}");
    }
}

#[tokio::test]
async fn wrong_methods_are_json_405s() {
    let cases = [
        (api::router(state()), "/eigen/node"),
        (api::router(state()), "/eigen/node/services/rollup-10/health"),
        (api::metrics_router(), "/metrics"),
    ];
    for (router, uri) in cases {
        let (status, content_type, body) = call(router, Method::POST, uri).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({ "error": "method_not_allowed", "message": "method not allowed" }),
            "{uri}"
        );
    }
}

/// One sample line of the text exposition: metric name and labels.
type Sample = (String, BTreeMap<String, String>);

/// A metric the exposition must contain: name, TYPE, the suffix of the sample to look for
/// (`_count` for histograms) and that sample's labels.
type Expected<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, &'a str)>);

/// A minimal parser for the text format: enough for the label values this test uses (no
/// commas, quotes or escapes).
fn parse_exposition(
    text: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>, Vec<Sample>) {
    let mut help = BTreeMap::new();
    let mut types = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, text) = rest.split_once(' ').unwrap();
            help.insert(name.to_owned(), text.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            types.insert(name.to_owned(), kind.to_owned());
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            value.parse::<f64>().unwrap_or_else(|_| panic!("bad value in {line:?}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => {
                    let labels = labels.strip_suffix('}').unwrap();
                    let labels = labels
                        .split(',')
                        .filter(|l| !l.is_empty())
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap();
                            (k.to_owned(), v.trim_matches('"').to_owned())
                        })
                        .collect();
                    (name, labels)
                }
                None => (series, BTreeMap::new()),
            };
            samples.push((name.to_owned(), labels));
        }
    }
    (help, types, samples)
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn metrics_endpoint_exposes_every_metric() {
    metrics::set_performance_score(87);
    metrics::record_rpc_request("eth_blockNumber", "anvil", "1.4.0", Duration::from_millis(3));
    metrics::set_registered_stake(0, "vigil", 32.5);
    metrics::record_observed(4242);
    metrics::record_signed(4242, 1_000);
    metrics::record_refused(4242, RefusalReason::BlockMismatch);
    metrics::record_da_check(4242, DaCheckResult::Available);
    metrics::record_da_refusal(4242, "frame_repeated");
    metrics::record_l1_reorg(4242, metrics::ReorgDepth::WithinWindow);
    metrics::record_batch(metrics::BatchResult::Signed);
    metrics::record_submission(
        "http://agg:8080",
        SubmissionResult::Accepted,
        Duration::from_millis(40),
    );
    metrics::set_slashed(false);

    let (status, content_type, body) = call(api::metrics_router(), Method::GET, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("text/plain; version=0.0.4"));
    let text = String::from_utf8(body).unwrap();
    let (help, types, samples) = parse_exposition(&text);

    let rpc =
        [("method", "eth_blockNumber"), ("client_type", "anvil"), ("client_version", "1.4.0")];
    let rollup = [("rollup", "4242")];
    // (metric, type, one series it must have, with the sample name's suffix for histograms)
    let expected: [Expected<'_>; 15] = [
        ("eigen_performance_score", "gauge", "", vec![]),
        ("eigen_rpc_request_duration_seconds", "histogram", "_count", rpc.to_vec()),
        ("eigen_rpc_requests_total", "counter", "", rpc.to_vec()),
        (
            "eigen_registered_stakes",
            "gauge",
            "",
            vec![("quorum_number", "0"), ("quorum_name", "vigil")],
        ),
        ("vigil_operator_checkpoints_observed_total", "counter", "", rollup.to_vec()),
        ("vigil_operator_checkpoints_signed_total", "counter", "", rollup.to_vec()),
        (
            "vigil_operator_checkpoints_refused_total",
            "counter",
            "",
            vec![("rollup", "4242"), ("reason", "block_mismatch")],
        ),
        (
            "vigil_operator_da_checks_total",
            "counter",
            "",
            vec![("rollup", "4242"), ("result", "available")],
        ),
        (
            "vigil_operator_da_refusals_total",
            "counter",
            "",
            vec![("rollup", "4242"), ("reason", "frame_repeated")],
        ),
        (
            "vigil_operator_l1_reorgs_total",
            "counter",
            "",
            vec![("rollup", "4242"), ("depth", "within_window")],
        ),
        ("vigil_operator_batches_total", "counter", "", vec![("result", "signed")]),
        (
            "vigil_operator_submission_seconds",
            "histogram",
            "_count",
            vec![("aggregator", "http://agg:8080")],
        ),
        (
            "vigil_operator_submissions_total",
            "counter",
            "",
            vec![("aggregator", "http://agg:8080"), ("result", "accepted")],
        ),
        ("vigil_operator_last_signed_height", "gauge", "", rollup.to_vec()),
        ("vigil_operator_slashed", "gauge", "", vec![]),
    ];
    assert_eq!(expected.len(), metrics::METRIC_NAMES.len());
    for (name, kind, suffix, series) in &expected {
        assert!(metrics::METRIC_NAMES.contains(name), "{name} is not exported by name");
        assert_eq!(types.get(*name).map(String::as_str), Some(*kind), "TYPE of {name}");
        assert!(help.get(*name).is_some_and(|h| !h.is_empty()), "HELP of {name}");
        let sample = format!("{name}{suffix}");
        let series = labels(series);
        assert!(
            samples.iter().any(|(n, l)| *n == sample && *l == series),
            "{sample}{series:?} missing from:\n{text}"
        );
    }
    // Histograms expose their buckets with the same labels plus `le`.
    let mut bucket = labels(&rpc);
    bucket.insert("le".to_owned(), "+Inf".to_owned());
    assert!(
        samples
            .iter()
            .any(|(n, l)| n == "eigen_rpc_request_duration_seconds_bucket" && *l == bucket)
    );
    // Slashing protection's metric is exported through the same registry.
    assert_eq!(
        types.get(vigil_slashing_protection::DECISIONS_TOTAL_NAME).map(String::as_str),
        Some("counter")
    );
    // Every exported family is one this crate or vigil-slashing-protection names, nothing from elsewhere.
    for name in types.keys() {
        assert!(
            metrics::METRIC_NAMES.contains(&name.as_str())
                || name == vigil_slashing_protection::DECISIONS_TOTAL_NAME
                || name == vigil_slashing_protection::BATCH_DECISIONS_TOTAL_NAME,
            "unexpected metric {name}"
        );
    }
    // The text is the same one `encode` returns.
    assert!(metrics::encode().contains("# TYPE vigil_operator_slashed gauge"));
}

#[tokio::test]
async fn serves_over_a_real_socket_and_shuts_down_gracefully() {
    let state = state();
    state.set_health(NodeHealth::Healthy);
    let node_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let node_addr = node_listener.local_addr().unwrap();
    let metrics_addr = metrics_listener.local_addr().unwrap();

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let node = tokio::spawn(api::serve(
        node_listener,
        api::router(state.clone()),
        shutdown(stopped.clone()),
    ));
    let metrics =
        tokio::spawn(api::serve(metrics_listener, api::metrics_router(), shutdown(stopped)));

    let client = reqwest::Client::new();
    let info: Value = client
        .get(format!("http://{node_addr}/eigen/node"))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["node_name"], "vigil-operator");
    assert_eq!(info["spec_version"], "v0.0.1");

    let health = client.get(format!("http://{node_addr}/eigen/node/health")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    // State changes made by the node's tasks are visible to the running server.
    state.set_health(NodeHealth::Unhealthy);
    let health = client.get(format!("http://{node_addr}/eigen/node/health")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);

    let unknown = client
        .get(format!("http://{node_addr}/eigen/node/services/rollup-99/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), reqwest::StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json::<Value>().await.unwrap(),
        json!({ "error": "not_found", "message": "no such service" })
    );

    let scrape = client.get(format!("http://{metrics_addr}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), reqwest::StatusCode::OK);
    assert_eq!(scrape.headers()[reqwest::header::CONTENT_TYPE], "text/plain; version=0.0.4");
    assert!(scrape.text().await.unwrap().contains("# TYPE eigen_performance_score gauge"));

    stop.send(true).unwrap();
    for server in [node, metrics] {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("server did not shut down")
            .unwrap()
            .unwrap();
    }
    // Nothing listens any more.
    assert!(client.get(format!("http://{node_addr}/eigen/node")).send().await.is_err());
}
