//! The aggregator's OpenAPI document against the real `vigil-aggregator run`: anvil with
//! EigenLayer and Vigil, three registered operators, SQLite. The document it serves at
//! `/openapi.json` is the committed `aggregator/openapi.json`, its example signature is real,
//! and every documented route, driven with its documented example after a checkpoint was
//! certified and mined, answers as documented.

use std::time::Duration;

use vigil_crypto::{PublicKey, Signature, verify};
use vigil_service::http::conformance;
use vigil_test_utils::TestNetwork;
use vigil_types::{Batch, BatchSignature, SignedBatch, SignedCheckpoint};

use crate::restart::{Node, checkpoint};

const REGENERATE: &str = "VIGIL_BLESS=1 cargo test -p vigil-aggregator --test it openapi";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_committed_and_every_route_answers_as_documented() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let (api, metrics) = (node.api.clone(), node.metrics.clone());
    // Batches on (singles built at once, as without them): every route has something to serve.
    let config = std::fs::read_to_string(&node.config).unwrap();
    let config =
        config.replace("[aggregation]\n", "[aggregation]\nbatches = true\nsingle_hold_ms = 0\n");
    std::fs::write(&node.config, config).unwrap();
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    // A certified, mined checkpoint at the documented example's rollup and height, alone and
    // in a batch.
    let cp = checkpoint(&net, 1).await;
    let batch = Batch::new(vec![cp], cp.l1_block, cp.l1_block).unwrap();
    let domain = net.deployment.domain();
    for i in 0..3 {
        node.post(&net.sign(i, &cp)).await;
        let key = &net.operators[i].bls;
        let header = *batch.header();
        let signed = BatchSignature {
            signed: SignedBatch {
                domain,
                header,
                pubkey: key.public_key().to_wire(),
                signature: key.sign(header.digest(&domain).as_slice()).to_wire(false),
            },
            checkpoints: vec![cp],
        };
        let r = reqwest::Client::new()
            .post(format!("{api}/v1/batches/signatures"))
            .json(&signed)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    node.wait_state(1, "mined").await;
    let client = vigil_client::VigilClient::new(&api).unwrap();
    for _ in 0..400 {
        let status = client.batch_checkpoint(cp.rollup_id, 1).await.unwrap();
        if status.is_some_and(|s| s.submission.state == vigil_client::CertificateState::Mined) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // (a) The served document is the committed one.
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let doc = conformance::served_document(&http, &api, &committed, REGENERATE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc, serde_json::to_value(vigil_aggregator::api::openapi()).unwrap());

    // The example batch signature is a real signature over its header, which its checkpoints
    // build.
    let example = doc
        .pointer(
            "/paths/~1v1~1batches~1signatures/post/requestBody/content/application~1json/example",
        )
        .unwrap();
    let signature: BatchSignature = serde_json::from_value(example.clone()).unwrap();
    signature.batch().unwrap();
    let key = PublicKey::from_wire(&signature.signed.pubkey).unwrap();
    let sig = Signature::from_wire(&signature.signed.signature).unwrap();
    verify(&key, signature.signed.digest().as_slice(), &sig).unwrap();

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
    // Everything but the example signatures (signed in another domain) and the example batch
    // digest (of the example batch, certified nowhere) succeeded.
    let failed: Vec<_> = driven.iter().filter(|(_, status)| *status >= 300).collect();
    assert_eq!(failed.len(), 3, "{driven:#?}");

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
