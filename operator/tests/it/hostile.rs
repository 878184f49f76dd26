//! A hostile L2: the operator's own L2 node rewrites heights the operator already signed, and a
//! channel of the rewritten blocks lands on L1. The node must refuse (typed, logged, counted) and
//! deliver no conflicting signature; a channel of the blocks the node has since replaced is
//! refused too. Real anvils (blobs through anvil's beacon emulation), real SQLite, real HTTP.

use std::{collections::HashMap, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, address},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use vigil_chain::signing_provider;
use vigil_crypto::SecretKey;
use vigil_da::op::{
    Compression, OpRollupConfig,
    batcher::{self, Carry, MAX_FRAME_DATA_PER_BLOB, post_channel},
};
use vigil_operator::{api::NodeState, keys::NodeKeys};
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{CaptureAggregator, DEV_KEY, OpL2, set_balance};

const ROLLUP: u64 = 902;
const INBOX: Address = address!("ff00000000000000000000000000000000000902");
/// How long the node may take to deliver what the test waits for.
const DELIVERY: Duration = Duration::from_secs(60);

async fn l2_tx(p: &impl Provider, value: u64) {
    let tx = TransactionRequest::default()
        .with_to(Address::repeat_byte(6))
        .with_value(U256::from(value));
    p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
}

/// The L1 head as an L1 origin.
async fn origin(l1: &DynProvider) -> (u64, B256) {
    let head = l1.get_block_by_number(Default::default()).await.unwrap().unwrap();
    (head.header.number, head.header.hash)
}

/// Posts L2 blocks 1..=3 of `l2` as channel `[id; 16]` in one blob from `batcher` (on L1), with
/// the L1 head as L1 origin.
async fn post_blocks_1_to_3(
    batcher: &DynProvider,
    l2: &DynProvider,
    rollup: &OpRollupConfig,
    id: u8,
) {
    post_channel(
        batcher,
        l2,
        rollup,
        (1, 3),
        origin(batcher).await,
        [id; 16],
        Compression::Brotli,
        1,
        Carry::Blobs,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn rewritten_l2_heights_are_refused_not_signed() {
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    // OP Stack timestamps: one block per second from block 0 (also after `evm_revert`, which
    // resets anvil's clock to the snapshot).
    let l2 = OpL2::start(ROLLUP, Some(1)).await.unwrap();
    let l2p = l2.provider.clone();
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 100).await.unwrap();
    let batcher_p = signing_provider(l1.url(), batcher.clone());
    let rollup = l2.rollup_config("hostile", INBOX, batcher.address());

    // The run loop needs only the signing domain from the deployment (it does not call contracts).
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x99));
    let dir = tempfile::tempdir().unwrap();
    let aggregator = CaptureAggregator::start().await.unwrap();
    let mut config = crate::support::node_config(
        dir.path(),
        &deployment,
        &rollup,
        l1.endpoint(),
        l2.anvil.endpoint(),
        &aggregator.url,
    );
    // Every block of a channel is attested (`checkpoint_interval = 1`), so the rewrite tempts
    // the node at every height it changed, and the unchanged height shows a re-sign is allowed.
    config.rollups[0].checkpoint_interval = 1;
    let keys = NodeKeys {
        bls: SecretKey::from_ikm(&[31u8; 32]).unwrap(),
        operator: PrivateKeySigner::random().address(),
    };
    let state = NodeState::new("vigil-operator", "test", [ROLLUP]);
    let node = crate::support::InProcessNode::spawn(config, keys, state);

    // Honest history: blocks 1..=3, posted as a channel, signed and delivered.
    l2_tx(&l2p, 1).await;
    let snapshot: U256 = l2p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    l2_tx(&l2p, 2).await;
    l2_tx(&l2p, 3).await;
    let honest_blocks = batcher::read_blocks(&l2p, 1, 3).await.unwrap();
    post_blocks_1_to_3(&batcher_p, &l2p, &rollup, 1).await;
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();
    aggregator.wait_for(3, DELIVERY).await.unwrap();
    let signed_hashes: HashMap<u64, B256> = aggregator
        .received
        .lock()
        .await
        .iter()
        .map(|s| (s.checkpoint.height, s.checkpoint.block_hash))
        .collect();
    assert_eq!(signed_hashes.len(), 3);

    // The L2 node rewrites heights 2 and 3, and a channel of the rewritten chain lands on L1.
    let refused_before = refused(&[("reason", "slashing_protection")]);
    let mismatch_before = refused(&[("reason", "block_mismatch")]);
    let _: bool = l2p.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
    l2_tx(&l2p, 20).await;
    l2_tx(&l2p, 30).await;
    let rewritten = batcher::read_blocks(&l2p, 1, 3).await.unwrap();
    assert_ne!(rewritten[1].hash, signed_hashes[&2], "height 2 really differs");
    assert_eq!(rewritten[0].hash, signed_hashes[&1], "height 1 is unchanged");
    assert_eq!(
        rewritten.iter().map(|b| b.timestamp).collect::<Vec<_>>(),
        honest_blocks.iter().map(|b| b.timestamp).collect::<Vec<_>>(),
        "the rewritten blocks keep their heights' timestamps"
    );
    post_blocks_1_to_3(&batcher_p, &l2p, &rollup, 2).await;
    // And the honest blocks, posted again: the node no longer has them.
    let batch = batcher::span_batch(&rollup, &honest_blocks, origin(&l1p).await).unwrap();
    let data = batcher::compress(&[batch], Compression::Brotli);
    let blobs = batcher::blobs(&[batcher::data_item(&batcher::frames(
        [3; 16],
        &data,
        MAX_FRAME_DATA_PER_BLOB,
    ))])
    .unwrap();
    batcher::post_blobs(&batcher_p, INBOX, &blobs).await.unwrap();
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();

    // Height 1 is the same block under a new daCommitment: re-signed and delivered (allowed).
    // Heights 2 and 3 of the rewritten channel: slashing protection refuses them. The stale
    // channel: refused at height 2 by the comparison with the node, before any signing.
    aggregator.wait_for(4, DELIVERY).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while refused(&[("reason", "slashing_protection")]) < refused_before + 2
        || refused(&[("reason", "block_mismatch")]) < mismatch_before + 1
    {
        assert!(tokio::time::Instant::now() < deadline, "refusals not counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = aggregator.received.lock().await.clone();
    for s in &all {
        assert_eq!(
            s.checkpoint.block_hash, signed_hashes[&s.checkpoint.height],
            "conflicting signature delivered: {s:?}"
        );
    }
    assert_eq!(all.len(), 4, "nothing for the rewritten heights");
    assert_eq!(all[3].checkpoint.height, 1);
    assert_ne!(all[3].checkpoint.da_commitment, all[0].checkpoint.da_commitment);
    assert_eq!(refused(&[("reason", "slashing_protection")]), refused_before + 2);
    assert_eq!(refused(&[("reason", "block_mismatch")]), mismatch_before + 1);
    assert_eq!(counter("vigil_operator_da_refusals_total", &[("reason", "tx_mismatch")]), 1);
    assert_eq!(
        counter("vigil_operator_da_checks_total", &[("result", "mismatch")]),
        1,
        "one channel contradicted the node"
    );
    assert_eq!(counter("vigil_operator_da_checks_total", &[("result", "available")]), 2);

    node.stop().await;
}

/// The rollup's `vigil_operator_checkpoints_refused_total` series with these labels.
fn refused(labels: &[(&str, &str)]) -> u64 {
    counter("vigil_operator_checkpoints_refused_total", labels)
}

/// The sum of the rollup's series of counter `name` that carry every label in `labels`.
fn counter(name: &str, labels: &[(&str, &str)]) -> u64 {
    let rollup = ROLLUP.to_string();
    let text = vigil_operator::metrics::encode();
    text.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix('{'))
        .filter(|l| {
            labels
                .iter()
                .chain(&[("rollup", rollup.as_str())])
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}
