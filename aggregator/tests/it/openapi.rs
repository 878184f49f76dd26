//! The aggregator's OpenAPI document against the real `vigil-aggregator run`: anvil with
//! EigenLayer and Vigil, three registered operators, SQLite. The document it serves at
//! `/openapi.json` is the committed `aggregator/openapi.json`, its example signature is real,
//! and every documented route, driven with its documented example after a checkpoint was
//! certified and mined, answers as documented.

use std::time::Duration;

use alloy_primitives::{B256, keccak256};
use serde_json::Value;
use vigil_crypto::{PublicKey, Signature, verify};
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_service::http::{
    ErrorBody,
    conformance::{self, Answer},
};
use vigil_test_utils::TestNetwork;
use vigil_types::{Checkpoint, SignedCheckpoint};

use crate::restart::{Node, ROLLUP, free_port, sign, write_config};

const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-aggregator --test it openapi";

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
    net.deployment.write(&dir.path().join("deployment.json")).unwrap();
    let (submitter, _) = net.funded_account().await.unwrap();
    V3Keystore::encrypt(&submitter, &Password::new("aggregator test"), KdfStrength::Light.scrypt())
        .unwrap()
        .write(&dir.path().join("submitter.json"))
        .unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (config, api) = write_config(dir.path(), net.anvil.endpoint(), &db);
    let metrics = format!("127.0.0.1:{}", free_port());
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "[metrics]\naddress = \"127.0.0.1:0\"",
        &format!("[metrics]\naddress = \"{metrics}\""),
    );
    std::fs::write(&config, text).unwrap();
    let metrics = format!("http://{metrics}");
    let node = Node { config, api: api.clone(), log: dir.path().join("aggregator.log") };
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    // A certified, mined checkpoint at the documented example's rollup and height.
    let cp = Checkpoint {
        rollup_id: ROLLUP,
        height: 1,
        block_hash: keccak256("block-1"),
        state_root: keccak256("state-1"),
        da_commitment: B256::repeat_byte(0xda),
        l1_block: net.l1_block().await.unwrap(),
    };
    for i in 0..3 {
        node.post(&sign(&net, i, &cp)).await;
    }
    node.wait_state(1, "mined").await;

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
    assert_eq!(doc, serde_json::to_value(vigil_aggregator::api::openapi()).unwrap());

    // The example signed checkpoint is a real signature over its checkpoint.
    let example = doc
        .pointer("/paths/~1v1~1signatures/post/requestBody/content/application~1json/example")
        .unwrap();
    let signed: SignedCheckpoint = serde_json::from_value(example.clone()).unwrap();
    let key = PublicKey::from_wire(&signed.pubkey).unwrap();
    let signature = Signature::from_wire(&signed.signature).unwrap();
    verify(&key, signed.digest().as_slice(), &signature).unwrap();

    // (b) Every route, with its example, answers as documented; so does another method.
    let operations = conformance::operations(&doc).unwrap();
    assert!(operations.len() >= 10, "{operations:?}");
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
    // Everything but the example signature (signed in another domain) succeeded.
    assert_eq!(successes, operations.len() - 1, "{operations:#?}");

    // Errors outside the examples are the one error body too.
    for (uri, status, code) in [
        ("/nope", 404, "unknown_route"),
        ("/v1/checkpoints/x/latest", 400, "bad_request"),
        ("/v1/certificates/901/999", 404, "not_found"),
    ] {
        let r = http.get(format!("{api}{uri}")).send().await.unwrap();
        assert_eq!(r.status(), status, "{uri}");
        let body: ErrorBody = r.json().await.unwrap();
        assert_eq!(body.error, code, "{uri}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
