//! The slasher's OpenAPI document against the real `vigil-slasher run`: anvil with EigenLayer
//! and Vigil, registered operators, an aggregator, SQLite. The document it serves at
//! `/openapi.json` is the committed `slasher/openapi.json`, and every documented route, driven
//! with its documented example after an equivocation was recorded, answers as documented.

use std::time::Duration;

use serde_json::Value;
use vigil_service::http::{
    ErrorBody,
    conformance::{self, Answer},
};
use vigil_test_utils::TestNetwork;

use crate::harness::{Aggregator, Slasher, SlasherSetup, checkpoint, sign};

const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-slasher --test it openapi";

/// What `response` answered; the body is left unread for an event stream, which never ends.
async fn read_answer(response: reqwest::Response) -> Answer {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    let body = if content_type.as_deref() == Some("text/event-stream") {
        Vec::new()
    } else {
        response.bytes().await.unwrap().to_vec()
    };
    Answer { status, content_type, body }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_committed_and_every_route_answers_as_documented() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let aggregator = Aggregator::start(&net, dir.path()).await;
    let db_url = format!("sqlite://{}", dir.path().join("slasher.sqlite").display());
    let mut slasher = Slasher::new(SlasherSetup {
        dir: dir.path(),
        net: &net,
        aggregator: &aggregator.api,
        db_url,
        rpc: None,
    })
    .await;
    slasher.start().await;

    // Offence 1 (the documented example's id): operator 0 signs two blocks at one height, sent
    // through the public path.
    let l1 = net.l1_block().await.unwrap();
    let pair = [sign(&net, 0, &checkpoint(1, "a", l1)), sign(&net, 0, &checkpoint(1, "b", l1))];
    let (status, body) = slasher.post("/v1/signatures", &pair).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[1]["result"], "equivocation", "{body}");
    slasher.wait_final(1, Duration::from_secs(60)).await;

    let api = slasher.api.clone();
    let metrics = slasher.metrics.trim_end_matches("/metrics").to_owned();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let served = http.get(format!("{api}/openapi.json")).send().await.unwrap();
    assert_eq!(served.status(), 200);
    let served = served.text().await.unwrap();

    // (a) The served document is the committed one.
    if let Err(e) = conformance::compare_or_bless(
        &served,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json"),
        REGENERATE,
    ) {
        panic!("{e}");
    }
    let doc: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(doc, serde_json::to_value(vigil_slasher::api::openapi()).unwrap());

    // (b) Every route, with its example, answers as documented; so does another method.
    let operations = conformance::operations(&doc).unwrap();
    assert!(operations.len() >= 7, "{operations:?}");
    let mut successes = 0;
    for op in &operations {
        assert!(op.examples > 0, "{} documents no example", op.name());
        let base = if op.template == "/metrics" { &metrics } else { &api };
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
        let mut request = http.request(method, format!("{base}{}", op.uri));
        if let Some((content_type, body)) = &op.body {
            request =
                request.header(reqwest::header::CONTENT_TYPE, content_type).body(body.to_string());
        }
        let answer = read_answer(request.send().await.unwrap()).await;
        if let Err(e) = conformance::check_answer(&doc, op, &answer) {
            panic!("{e}: {}", String::from_utf8_lossy(&answer.body));
        }
        if answer.status < 300 {
            successes += 1;
        }
        let wrong = if op.method == "GET" { reqwest::Method::DELETE } else { reqwest::Method::GET };
        let response = http.request(wrong, format!("{base}{}", op.uri)).send().await.unwrap();
        let answer = read_answer(response).await;
        assert_eq!(answer.status, 405, "{}", op.name());
        if let Err(e) = conformance::check_answer(&doc, op, &answer) {
            panic!("{e}");
        }
    }
    // Everything but the example evidence (signed in another domain) succeeded.
    assert_eq!(successes, operations.len() - 1, "{operations:#?}");

    // Errors outside the examples are the one error body too.
    for (uri, status, code) in [
        ("/nope", 404, "unknown_route"),
        ("/v1/offences/x", 400, "bad_request"),
        ("/v1/offences/999", 404, "not_found"),
        ("/v1/offences?state=asleep", 400, "bad_request"),
    ] {
        let r = http.get(format!("{api}{uri}")).send().await.unwrap();
        assert_eq!(r.status(), status, "{uri}");
        let body: ErrorBody = r.json().await.unwrap();
        assert_eq!(body.error, code, "{uri}");
    }
    slasher.terminate();
    aggregator.stop().await;
}
