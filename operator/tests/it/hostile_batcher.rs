//! A hostile batcher, end to end: the operator node runs against an L1/L2 anvil pair while a
//! batcher (and a stranger) post every kind of bad OP Stack data for L2 blocks 1..=3. Each is
//! refused with a typed reason, a log line and a labelled metric, and nothing of it is signed;
//! an honest channel afterwards is signed, so the node was alive throughout. Real anvils, real
//! SQLite, real HTTP (a capture aggregator and a tampering beacon proxy).

use std::{
    io::Write as _,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use axum::{
    Json, Router,
    extract::{Path, RawQuery},
    http::StatusCode,
    routing::get,
};
use vigil_chain::signing_provider;
use vigil_crypto::SecretKey;
use vigil_da::op::{
    Compression,
    batcher::{self, BatchBlock},
};
use vigil_operator::keys::NodeKeys;
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{CaptureAggregator, DEV_KEY, OpL2, set_balance};

use crate::support::Logs;

const ROLLUP: u64 = 903;

/// Posts `frames` in one transaction from `p`: calldata, or one blob per frame.
async fn send_frames(
    p: &DynProvider,
    inbox: Address,
    frames: &[kona_protocol::Frame],
    blob: bool,
) -> u64 {
    let receipt = if blob {
        let items: Vec<Vec<u8>> =
            frames.iter().map(|f| batcher::data_item(std::slice::from_ref(f))).collect();
        batcher::post_blobs(p, inbox, &batcher::blobs(&items).unwrap()).await.unwrap()
    } else {
        batcher::post_calldata(p, inbox, batcher::data_item(frames)).await.unwrap()
    };
    assert!(receipt.status());
    receipt.block_number.unwrap()
}

fn count(metrics: &str, reason: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("vigil_operator_da_refusals_total{"))
        .filter(|l| {
            l.contains(&format!("reason=\"{reason}\""))
                && l.contains(&format!("rollup=\"{ROLLUP}\""))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_batch_is_refused_with_reason_log_and_metric_and_nothing_is_signed() {
    let logs = Logs::default();
    tracing::subscriber::set_global_default(logs.subscriber("vigil=info")).unwrap();

    // Chains: L1, and an L2 with OP-shaped timestamps whose safe head follows closely.
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let l2 = OpL2::start(ROLLUP, Some(1)).await.unwrap();
    let l2p = l2.provider.clone();
    for i in 0..9u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(5))
            .with_value(U256::from(i + 1));
        l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let batcher_key = PrivateKeySigner::random();
    let stranger_key = PrivateKeySigner::random();
    set_balance(&l1p, batcher_key.address(), 100).await.unwrap();
    set_balance(&l1p, stranger_key.address(), 100).await.unwrap();
    let batcher_p = signing_provider(l1.url(), batcher_key.clone());
    let stranger_p = signing_provider(l1.url(), stranger_key.clone());
    let config =
        l2.rollup_config("hostile test rollup", Address::repeat_byte(0xfe), batcher_key.address());
    let inbox = config.batch_inbox;

    // A beacon proxy in front of anvil's beacon endpoint that flips a byte of every blob of one
    // chosen L1 block.
    let tamper_block = Arc::new(AtomicU64::new(u64::MAX));
    let upstream = l1.endpoint().to_owned();
    let target = tamper_block.clone();
    let proxy = Router::new().route(
        "/eth/v1/beacon/blobs/{id}",
        get(move |Path(id): Path<String>, RawQuery(query): RawQuery| {
            let upstream = upstream.clone();
            let target = target.clone();
            async move {
                let url = format!(
                    "{upstream}/eth/v1/beacon/blobs/{id}{}",
                    query.map(|q| format!("?{q}")).unwrap_or_default()
                );
                let response = reqwest::get(url).await.unwrap();
                let status = response.status().as_u16();
                let mut body: serde_json::Value = response.json().await.unwrap_or_default();
                if id.parse::<u64>().ok() == Some(target.load(Ordering::SeqCst))
                    && let Some(blobs) = body["data"].as_array_mut()
                {
                    for blob in blobs {
                        let mut bytes =
                            hex::decode(blob.as_str().unwrap().trim_start_matches("0x")).unwrap();
                        bytes[1000] ^= 0x01;
                        *blob = format!("0x{}", hex::encode(bytes)).into();
                    }
                }
                (StatusCode::from_u16(status).unwrap(), Json(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let beacon = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, proxy).await.unwrap() });

    // The capture aggregator.
    let aggregator = CaptureAggregator::start().await.unwrap();

    // The operator node.
    let dir = tempfile::tempdir().unwrap();
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x99));
    let mut node_config = crate::support::node_config(
        dir.path(),
        &deployment,
        &config,
        l1.endpoint(),
        l2.anvil.endpoint(),
        &aggregator.url,
    );
    node_config.node.status_interval_ms = 60_000;
    node_config.node.beacon_urls = vec![beacon];
    let keys = NodeKeys {
        bls: SecretKey::from_ikm(&[31u8; 32]).unwrap(),
        operator: PrivateKeySigner::random().address(),
    };
    let state = vigil_operator::api::NodeState::new("vigil-operator", "test", [ROLLUP]);
    let node = crate::support::InProcessNode::spawn(node_config, keys, state);

    // The batcher's material: blocks 1..=3 (hostile channels) and 4..=6 (the honest one).
    let head =
        l1p.get_block_by_number(alloy::eips::BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let origin = (head.header.number, head.header.hash);
    let blocks = batcher::read_blocks(&l2p, 1, 3).await.unwrap();
    let span = |blocks: &[BatchBlock]| batcher::span_batch(&config, blocks, origin).unwrap();
    let brotli = |blocks: &[BatchBlock]| batcher::compress(&[span(blocks)], Compression::Brotli);

    // 1. A span batch whose transactions differ from the L2 node's block 2.
    let mut altered = blocks.clone();
    altered[1].transactions.clear();
    send_frames(&batcher_p, inbox, &batcher::frames([1; 16], &brotli(&altered), usize::MAX), true)
        .await;
    // 2. A truncated channel: the compressed stream cut in half.
    let good = brotli(&blocks);
    let cut = good[..good.len() / 2].to_vec();
    send_frames(&batcher_p, inbox, &batcher::frames([2; 16], &cut, usize::MAX), false).await;
    // 3. A corrupt brotli stream.
    let mut corrupt = good.clone();
    for b in corrupt.iter_mut().skip(4).take(16) {
        *b ^= 0x5a;
    }
    send_frames(&batcher_p, inbox, &batcher::frames([3; 16], &corrupt, usize::MAX), false).await;
    // 4. A frame repeated, then 5. a frame out of order (frame 1 of a channel never opened).
    let two = batcher::frames([4; 16], &good, good.len().div_ceil(2));
    assert_eq!(two.len(), 2);
    send_frames(&batcher_p, inbox, &two[..1], false).await;
    send_frames(&batcher_p, inbox, &two[..1], false).await;
    let other = batcher::frames([5; 16], &good, good.len().div_ceil(2));
    send_frames(&batcher_p, inbox, &other[1..], false).await;
    // 6. A channel that times out: frame 0, then 60 L1 blocks (channel timeout 50), then frame 1.
    let late = batcher::frames([6; 16], &good, good.len().div_ceil(2));
    send_frames(&batcher_p, inbox, &late[..1], false).await;
    l1p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (60u64,)).await.unwrap();
    send_frames(&batcher_p, inbox, &late[1..], false).await;
    // 7. A blob whose served bytes do not match its versioned hash (the proxy flips a byte).
    let next = l1p.get_block_number().await.unwrap() + 1;
    tamper_block.store(next, Ordering::SeqCst);
    let tampered_block =
        send_frames(&batcher_p, inbox, &batcher::frames([7; 16], &good, usize::MAX), true).await;
    assert_eq!(tampered_block, next);
    // 8. A valid channel in calldata from someone other than the batcher.
    send_frames(&stranger_p, inbox, &batcher::frames([8; 16], &good, usize::MAX), false).await;
    // The honest channel: blocks 4..=6 in a blob.
    let honest = batcher::read_blocks(&l2p, 4, 6).await.unwrap();
    let honest_block = send_frames(
        &batcher_p,
        inbox,
        &batcher::frames([9; 16], &brotli(&honest), usize::MAX),
        true,
    )
    .await;

    // L2 moves on so that its safe head covers 1..=6.
    for i in 0..4u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(6))
            .with_value(U256::from(i + 1));
        l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    if let Err(e) = aggregator.wait_for(1, Duration::from_secs(60)).await {
        panic!("the honest channel was never signed ({e}):\n{}", logs.text());
    }
    // Give the node a few more polls: nothing else may arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let signed = aggregator.received.lock().await.clone();
    let heights: Vec<u64> = signed.iter().map(|s| s.checkpoint.height).collect();
    assert_eq!(heights, vec![6], "only the honest channel's final block is signed");
    assert_eq!(signed[0].checkpoint.l1_block, honest_block);

    let metrics = vigil_operator::metrics::encode();
    let text = logs.text();
    for reason in [
        "tx_mismatch",
        "truncated_channel",
        "corrupt_compression",
        "frame_repeated",
        "frame_out_of_order",
        "channel_timeout",
        "blob_commitment",
        "wrong_sender",
    ] {
        assert!(count(&metrics, reason) >= 1, "no {reason} counted:\n{metrics}");
        assert!(
            text.contains(&format!("reason=\"{reason}\""))
                || text.contains(&format!("reason={reason}")),
            "no log line for {reason}:\n{text}"
        );
    }
    node.stop().await;
    let _ = std::io::stdout().flush();
}
