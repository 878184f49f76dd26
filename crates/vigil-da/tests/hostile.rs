//! Hostile DA sources: a beacon serving a blob that does not match its versioned hash, a dead
//! beacon, a dead L1, a slow beacon and a slow L1. Each is a typed error and never a batch.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use axum::{Json, Router, routing::get};
use vigil_chain::{Anvil, AnvilConfig, signing_provider};
use vigil_da::{BlobDa, DaError, DaSource, RollupInbox, post_batch};
use vigil_types::{Batch, BatchBlock};

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// A minimal header RLP list with fields 0..=8 (number at 8, stateRoot at 3).
fn header(number: u64) -> Bytes {
    use alloy_rlp::Encodable;
    let mut payload = Vec::new();
    for i in 0..8u8 {
        if i == 3 {
            B256::repeat_byte(7).encode(&mut payload);
        } else {
            B256::repeat_byte(i).encode(&mut payload);
        }
    }
    number.encode(&mut payload);
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(&payload);
    out.into()
}

#[tokio::test]
async fn tampered_blobs_and_dead_endpoints_are_typed_errors() {
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let batcher: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let p = signing_provider(l1.url(), batcher.clone());
    let batch = Batch::new(901, vec![BatchBlock::new(header(1), vec![]).unwrap()]).unwrap();
    let inbox = Address::repeat_byte(0xfe);
    let receipt = post_batch(&p, inbox, &batch).await.unwrap();
    let block = receipt.block_number.unwrap();
    let rollup = RollupInbox { rollup_id: 901, batcher: batcher.address(), inbox };

    // The honest beacon: the batch verifies.
    let honest = BlobDa::new(p.clone(), l1.endpoint(), rollup);
    assert_eq!(honest.batches_at(block).await.unwrap().len(), 1);

    // A beacon that flips one byte of the blob: its recomputed commitment no longer matches the
    // versioned hash the transaction carries.
    let real: serde_json::Value =
        reqwest::get(format!("{}/eth/v1/beacon/blobs/{block}", l1.endpoint()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let mut blob = hex::decode(real["data"][0].as_str().unwrap().trim_start_matches("0x")).unwrap();
    blob[100] ^= 0x01;
    let tampered = serde_json::json!({"data": [format!("0x{}", hex::encode(&blob))]});
    let app = Router::new()
        .route("/eth/v1/beacon/blobs/{block}", get(move || async move { Json(tampered) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let lying = BlobDa::new(p.clone(), fake, rollup);
    let err = lying.batches_at(block).await.unwrap_err();
    assert!(
        matches!(err, DaError::MissingBlob { tx, .. } if tx == receipt.transaction_hash),
        "{err}"
    );
    assert!(!err.is_retryable(), "unavailable data is a verdict, not a hiccup");

    // A dead beacon and a dead L1: typed, retryable, no batch.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let err = BlobDa::new(p.clone(), dead.clone(), rollup).batches_at(block).await.unwrap_err();
    assert!(matches!(err, DaError::Beacon(_)) && err.is_retryable(), "{err}");
    let dead_l1 =
        alloy::providers::ProviderBuilder::new().connect_http(dead.parse().unwrap()).erased();
    let err = BlobDa::new(dead_l1, l1.endpoint(), rollup).batches_at(block).await.unwrap_err();
    assert!(matches!(err, DaError::Rpc(_)) && err.is_retryable(), "{err}");

    // A slow beacon and a slow L1 (they accept the request and answer after a minute): the
    // request times out into the same typed, retryable errors instead of stalling the node.
    let slow = {
        let app = Router::new().fallback(|| async {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            "too late"
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    };
    let timeout = std::time::Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = BlobDa::new(p.clone(), slow.clone(), rollup)
        .with_timeout(timeout)
        .batches_at(block)
        .await
        .unwrap_err();
    assert!(matches!(err, DaError::Beacon(_)) && err.is_retryable(), "{err}");
    let slow_l1 = vigil_chain::http_provider(slow.parse().unwrap(), timeout);
    let err = BlobDa::new(slow_l1, l1.endpoint(), rollup).batches_at(block).await.unwrap_err();
    assert!(matches!(err, DaError::Rpc(_)) && err.is_retryable(), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "the timeouts fired");
    let _ = U256::ZERO;
}
