//! The slasher's OpenAPI document against the real `vigil-slasher run`: anvil with EigenLayer
//! and Vigil, registered operators, an aggregator, SQLite. The document it serves at
//! `/openapi.json` is the committed `slasher/openapi.json`, and every documented route, driven
//! with its documented example after an equivocation was recorded, answers as documented.

use std::time::Duration;

use vigil_service::http::conformance;

use crate::harness::{World, checkpoint};

const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-slasher --test it openapi";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_committed_and_every_route_answers_as_documented() {
    let World { net, dir: _dir, aggregator, mut slasher } = World::start(&[100, 100, 100]).await;

    // Offence 1 (the documented example's id): operator 0 signs two blocks at one height, sent
    // through the public path.
    let l1 = net.l1_block().await.unwrap();
    let pair = [net.sign(0, &checkpoint(1, "a", l1)), net.sign(0, &checkpoint(1, "b", l1))];
    let (status, body) = slasher.post("/v1/signatures", &pair).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[1]["result"], "equivocation", "{body}");
    slasher.wait_final(1, Duration::from_secs(60)).await;

    let api = slasher.api.clone();
    let metrics = slasher.metrics.trim_end_matches("/metrics").to_owned();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // (a) The served document is the committed one.
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let doc = conformance::served_document(&http, &api, &committed, REGENERATE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc, serde_json::to_value(vigil_slasher::api::openapi()).unwrap());

    // (b) Every route, with its example, answers as documented; so does another method.
    let driven =
        conformance::drive(&http, &doc, &api, &metrics).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(driven.len() >= 7, "{driven:?}");
    // Everything but the example evidence (signed in another domain) succeeded.
    let failed: Vec<_> = driven.iter().filter(|(_, status)| *status >= 300).collect();
    assert_eq!(failed.len(), 1, "{driven:#?}");

    // Errors outside the examples are the one error body too.
    let errors = [
        ("/nope", 404, "unknown_route"),
        ("/v1/offences/x", 400, "bad_request"),
        ("/v1/offences/999", 404, "not_found"),
        ("/v1/offences?state=asleep", 400, "bad_request"),
    ];
    conformance::check_errors(&http, &api, &errors).await.unwrap_or_else(|e| panic!("{e}"));
    slasher.terminate();
    aggregator.stop().await;
}
