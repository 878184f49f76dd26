//! A hostile L2: the operator's own L2 node rewrites heights the operator already signed, and a
//! batch of the rewritten blocks lands on L1. The node must refuse (typed, logged, counted) and
//! deliver no conflicting signature. Real anvils, real SQLite, real HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use axum::{Json, Router, http::StatusCode, routing::post};
use tokio::sync::Mutex;
use vigil_chain::{Anvil, AnvilConfig, signing_provider};
use vigil_crypto::SecretKey;
use vigil_da::{batch_from_l2, post_batch};
use vigil_node::{
    OperatorConfig, api::NodeState, config::RollupConfig, keys::OperatorKeys, watcher::L2Tag,
};
use vigil_types::SignedCheckpoint;

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ROLLUP: u64 = 902;

async fn l2_tx(p: &impl Provider, value: u64) {
    let tx = TransactionRequest::default()
        .with_to(Address::repeat_byte(6))
        .with_value(U256::from(value));
    p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
}

async fn wait_for(received: &Mutex<Vec<SignedCheckpoint>>, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while received.lock().await.len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} delivered",
            received.lock().await.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn rewritten_l2_heights_are_refused_not_signed() {
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let l2 = Anvil::start(AnvilConfig {
        chain_id: ROLLUP,
        slots_in_an_epoch: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let l2p = signing_provider(l2.url(), DEV_KEY.parse().unwrap());
    let batcher = PrivateKeySigner::random();
    l1p.raw_request::<_, serde_json::Value>(
        "anvil_setBalance".into(),
        (batcher.address(), U256::from(10u128.pow(20))),
    )
    .await
    .unwrap();
    let batcher_p = signing_provider(l1.url(), batcher.clone());
    let inbox = Address::repeat_byte(0xfe);

    // The run loop needs only the signing domain from the deployment (it does not call contracts).
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x99));
    let dir = tempfile::tempdir().unwrap();
    deployment.write(&dir.path().join("deployment.json")).unwrap();

    let received: Arc<Mutex<Vec<SignedCheckpoint>>> = Arc::default();
    let sink = received.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let aggregator = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route(
        "/v1/signatures",
        post(move |Json(s): Json<SignedCheckpoint>| {
            let sink = sink.clone();
            async move {
                sink.lock().await.push(s);
                StatusCode::ACCEPTED
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = OperatorConfig::default();
    config.chain.l1_rpc = l1.endpoint().to_owned();
    config.chain.deployment = dir.path().join("deployment.json");
    config.node.protection_db = dir.path().join("protection.sqlite");
    config.node.poll_interval_ms = 100;
    config.submission.aggregators = vec![aggregator];
    config.rollups = vec![RollupConfig {
        rollup_id: ROLLUP,
        l2_rpc: l2.endpoint().to_owned(),
        tag: L2Tag::Safe,
        batcher: batcher.address(),
        inbox,
    }];
    let keys = OperatorKeys {
        bls: SecretKey::from_ikm(&[31u8; 32]).unwrap(),
        ecdsa: PrivateKeySigner::random(),
    };
    let state = NodeState::new("vigil-operator", "test", [ROLLUP]);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let node_config = config.clone();
    let node = tokio::spawn(async move {
        vigil_node::runner::run(&node_config, keys, state, async {
            let _ = stopped.await;
        })
        .await
    });

    // Honest history: blocks 1..=3, batched, signed and delivered.
    l2_tx(&l2p, 1).await;
    let snapshot: U256 = l2p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    l2_tx(&l2p, 2).await;
    l2_tx(&l2p, 3).await;
    post_batch(&batcher_p, inbox, &batch_from_l2(&l2p, ROLLUP, 1, 3).await.unwrap()).await.unwrap();
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();
    wait_for(&received, 3).await;
    let signed_hashes: HashMap<u64, B256> = received
        .lock()
        .await
        .iter()
        .map(|s| (s.checkpoint.height, s.checkpoint.block_hash))
        .collect();

    // The L2 node rewrites heights 2 and 3, and a batch of the rewritten chain lands on L1.
    let refused_before = refused_by_protection();
    let _: bool = l2p.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
    l2_tx(&l2p, 20).await;
    l2_tx(&l2p, 30).await;
    let rewritten = batch_from_l2(&l2p, ROLLUP, 1, 3).await.unwrap();
    assert_ne!(rewritten.blocks()[1].hash(), signed_hashes[&2], "height 2 really differs");
    assert_eq!(rewritten.blocks()[0].hash(), signed_hashes[&1], "height 1 is unchanged");
    post_batch(&batcher_p, inbox, &rewritten).await.unwrap();
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();

    // Height 1 is the same block under a new daCommitment: re-signed and delivered (allowed).
    wait_for(&received, 4).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while refused_by_protection() < refused_before + 2 {
        assert!(tokio::time::Instant::now() < deadline, "refusals not counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = received.lock().await.clone();
    for s in &all {
        assert_eq!(
            s.checkpoint.block_hash, signed_hashes[&s.checkpoint.height],
            "conflicting signature delivered: {s:?}"
        );
    }
    assert_eq!(all.len(), 4, "nothing for the rewritten heights");
    assert_eq!(refused_by_protection(), refused_before + 2);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), node).await.unwrap().unwrap().unwrap();
}

fn refused_by_protection() -> u64 {
    let text = vigil_node::metrics::encode();
    text.lines()
        .find(|l| l.starts_with(&format!("vigil_operator_checkpoints_refused_total{{reason=\"slashing_protection\",rollup=\"{ROLLUP}\"}}"))
            || l.starts_with(&format!("vigil_operator_checkpoints_refused_total{{rollup=\"{ROLLUP}\",reason=\"slashing_protection\"}}")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
