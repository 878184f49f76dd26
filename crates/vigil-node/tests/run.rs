//! The node end to end: a registered operator observes L2 blocks, finds and verifies their
//! blobs on L1, signs, and delivers to an HTTP endpoint. Real anvils, contracts and SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::{sync::Arc, time::Duration};

use alloy::{
    consensus::Transaction as _,
    network::TransactionBuilder,
    primitives::{Address, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use axum::{Json, Router, http::StatusCode, routing::post};
use tokio::sync::Mutex;
use vigil_chain::{
    Anvil, AnvilConfig, CoreParams, VigilParams, WAD, bindings::TestToken, deploy_core,
    deploy_vigil, register_operator, send, signing_provider,
};
use vigil_crypto::{SecretKey, Signature, verify};
use vigil_da::{batch_from_l2, post_batch};
use vigil_node::{OperatorConfig, config::RollupConfig, keys::OperatorKeys, watcher::L2Tag};
use vigil_types::{SignedCheckpoint, da_commitment};

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ROLLUP: u64 = 901;

async fn fund(p: &impl Provider, who: Address) {
    p.raw_request::<_, serde_json::Value>(
        "anvil_setBalance".into(),
        (who, U256::from(WAD) * U256::from(10u64)),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn node_signs_verified_l2_blocks_and_delivers_them() {
    // L1 with EigenLayer and Vigil; a registered operator.
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let l1p = signing_provider(l1.url(), owner.clone());
    let core = deploy_core(&l1p, owner.address(), CoreParams::default()).await.unwrap();
    let deployment = deploy_vigil(&l1p, &core, &VigilParams::default()).await.unwrap();
    let ecdsa = PrivateKeySigner::random();
    let bls = SecretKey::from_ikm(&[21u8; 32]).unwrap();
    fund(&l1p, ecdsa.address()).await;
    let stake = U256::from(10u64) * U256::from(WAD);
    send("fund", TestToken::new(core.token, l1p.clone()).transfer(ecdsa.address(), stake))
        .await
        .unwrap();
    let op = signing_provider(l1.url(), ecdsa.clone());
    register_operator(&op, &deployment, ecdsa.address(), &bls, stake, WAD).await.unwrap();

    // The rollup: an L2 anvil whose safe head follows closely, and its batcher.
    let l2 = Anvil::start(AnvilConfig {
        chain_id: ROLLUP,
        slots_in_an_epoch: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let l2p = signing_provider(l2.url(), owner.clone());
    let batcher = PrivateKeySigner::random();
    fund(&l1p, batcher.address()).await;
    let batcher_p = signing_provider(l1.url(), batcher.clone());
    let inbox = Address::repeat_byte(0xfe);

    // An "aggregator" that records what it receives.
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

    let dir = tempfile::tempdir().unwrap();
    let deployment_file = dir.path().join("deployment.json");
    deployment.write(&deployment_file).unwrap();
    let mut config = OperatorConfig::default();
    config.chain.l1_rpc = l1.endpoint().to_owned();
    config.chain.deployment = deployment_file;
    config.node.protection_db = dir.path().join("protection.sqlite");
    config.node.poll_interval_ms = 100;
    config.node.status_interval_ms = 100;
    config.submission.aggregators = vec![aggregator];
    config.rollups = vec![RollupConfig {
        rollup_id: ROLLUP,
        l2_rpc: l2.endpoint().to_owned(),
        tag: L2Tag::Safe,
        batcher: batcher.address(),
        inbox,
    }];
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let keys = OperatorKeys { bls: bls.clone(), ecdsa: ecdsa.clone() };
    let node_config = config.clone();
    let state = vigil_node::api::NodeState::new("vigil-operator", "test", [ROLLUP]);
    let node_state = state.clone();
    let node = tokio::spawn(async move {
        vigil_node::runner::run(&node_config, keys, node_state, async {
            let _ = stopped.await;
        })
        .await
    });

    // L2 produces three blocks with transactions; the batcher posts them; L2 moves on so that
    // its safe head covers them.
    for i in 0..3u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(5))
            .with_value(U256::from(i + 1));
        l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let batch = batch_from_l2(&l2p, ROLLUP, 1, 3).await.unwrap();
    let receipt = post_batch(&batcher_p, inbox, &batch).await.unwrap();
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(4),)).await.unwrap();

    // Wait (bounded) for three delivered signatures.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if received.lock().await.len() >= 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node delivered {:?}",
            received.lock().await.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tx = l1p.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
    let hashes = tx.inner.inner().blob_versioned_hashes().unwrap().to_vec();
    let mut got = received.lock().await.clone();
    got.sort_by_key(|s| s.checkpoint.height);
    assert_eq!(got.len(), 3, "each block signed and delivered once");
    for (s, height) in got.iter().zip(1u64..) {
        let block = l2p.get_block_by_number(height.into()).await.unwrap().unwrap();
        assert_eq!(s.domain, deployment.domain());
        assert_eq!(s.checkpoint.rollup_id, ROLLUP);
        assert_eq!(s.checkpoint.height, height);
        assert_eq!(s.checkpoint.block_hash, block.header.hash);
        assert_eq!(s.checkpoint.state_root, block.header.state_root);
        assert_eq!(s.checkpoint.da_commitment, da_commitment(&hashes));
        assert_ne!(s.checkpoint.da_commitment, keccak256([]));
        assert_eq!(s.checkpoint.l1_block, receipt.block_number.unwrap());
        let sig = Signature::from_wire(&s.signature).unwrap();
        verify(&bls.public_key(), s.digest().as_slice(), &sig).unwrap();
    }

    // What the node reports: metrics and service health.
    let text = vigil_node::metrics::encode();
    assert!(
        text.contains(&format!("vigil_operator_checkpoints_signed_total{{rollup=\"{ROLLUP}\"}} 3")),
        "{text}"
    );
    assert!(text.contains(&format!("vigil_operator_last_signed_height{{rollup=\"{ROLLUP}\"}} 3")));
    assert!(text.contains("vigil_operator_protection_decisions_total{outcome=\"valid\"} 3"));
    assert_eq!(
        state.service_status("slashing-protection"),
        Some(vigil_node::api::ServiceStatus::Up)
    );
    assert_eq!(
        state.service_status("aggregator-submission"),
        Some(vigil_node::api::ServiceStatus::Up)
    );
    assert_eq!(
        state.service_status(&format!("rollup-{ROLLUP}")),
        Some(vigil_node::api::ServiceStatus::Up)
    );
    assert_eq!(state.health(), vigil_node::api::NodeHealth::Healthy);
    // Stake and slashing status come from the chain: 10 tokens allocated, not slashed.
    let stake_line = text
        .lines()
        .find(|l| l.starts_with("eigen_registered_stakes{") && l.contains("quorum_name=\"vigil\""))
        .unwrap_or_else(|| panic!("{text}"));
    let value: f64 = stake_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(value, 1e19, "{stake_line}");
    assert!(text.lines().any(|l| l == "vigil_operator_slashed 0"), "{text}");
    // Every RPC request is counted with its method and the client anvil says it is.
    let rpc_count = |method: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with("eigen_rpc_requests_total{"))
            .filter(|l| l.contains(&format!("method=\"{method}\"")))
            .filter(|l| l.contains("client_type=\"anvil\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert!(rpc_count("eth_blockNumber") >= 1.0, "{text}");
    assert!(rpc_count("eth_getBlockByNumber") >= 3.0, "L1 scan and L2 checks: {text}");
    assert!(
        text.contains("eigen_rpc_request_duration_seconds_count{"),
        "durations are observed: {text}"
    );
    // All services up: full performance score.
    assert!(text.lines().any(|l| l == "eigen_performance_score 100"), "{text}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), node).await.unwrap().unwrap().unwrap();
}
