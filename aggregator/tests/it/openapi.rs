//! The aggregator's OpenAPI document against the real `vigil-aggregator run`: anvil with
//! EigenLayer and Vigil, three registered operators, SQLite. The document it serves at
//! `/openapi.json` is the committed `aggregator/openapi.json`, its example signature is real,
//! and every documented route, driven with its documented example after a checkpoint was
//! certified and mined, answers as documented.

use std::time::Duration;

use vigil_crypto::{PublicKey, Signature, verify};
use vigil_service::http::conformance;
use vigil_test_utils::TestNetwork;
use vigil_types::SignedCheckpoint;

use crate::restart::{Node, checkpoint};

const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-aggregator --test it openapi";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_committed_and_every_route_answers_as_documented() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let (api, metrics) = (node.api.clone(), node.metrics.clone());
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    // A certified, mined checkpoint at the documented example's rollup and height.
    let cp = checkpoint(&net, 1).await;
    for i in 0..3 {
        node.post(&net.sign(i, &cp)).await;
    }
    node.wait_state(1, "mined").await;

    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // (a) The served document is the committed one.
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let doc = conformance::served_document(&http, &api, &committed, REGENERATE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
    let driven =
        conformance::drive(&http, &doc, &api, &metrics).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(driven.len() >= 10, "{driven:?}");
    // Everything but the example signature (signed in another domain) succeeded.
    let failed: Vec<_> = driven.iter().filter(|(_, status)| *status >= 300).collect();
    assert_eq!(failed.len(), 1, "{driven:#?}");

    // Errors outside the examples are the one error body too.
    let errors = [
        ("/nope", 404, "unknown_route"),
        ("/v1/checkpoints/x/latest", 400, "bad_request"),
        ("/v1/certificates/901/999", 404, "not_found"),
    ];
    conformance::check_errors(&http, &api, &errors).await.unwrap_or_else(|e| panic!("{e}"));
    child.kill().unwrap();
    child.wait().unwrap();
}
