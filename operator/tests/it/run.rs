//! The node end to end: a registered operator reads OP Stack channels from L1 blobs (anvil's
//! beacon emulation), checks them against its own L2 node, signs each channel's final block, and
//! delivers to an HTTP endpoint. Real anvils, contracts and SQLite.

use std::time::Duration;

use alloy::{
    consensus::Transaction as _,
    network::TransactionBuilder,
    primitives::{Address, U256, address, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    CoreParams, VigilParams, WAD, bindings::TestToken, deploy_core, deploy_vigil, send,
    signing_provider,
};
use vigil_crypto::{SecretKey, Signature, verify};
use vigil_da::op::{
    Compression,
    batcher::{Carry, post_channel},
};
use vigil_operator::keys::NodeKeys;
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{CaptureAggregator, DEV_KEY, OpL2, register_mining, set_balance};
use vigil_types::da_commitment;

const ROLLUP: u64 = 901;
const INBOX: Address = address!("ff00000000000000000000000000000000000901");

#[tokio::test]
async fn node_signs_channel_final_blocks_and_delivers_them() {
    // L1 with EigenLayer and Vigil; a registered operator.
    // It keeps the state of its last 64 blocks only, like a full node, and the node talks to it
    // only through a proxy that refuses every non-standard JSON-RPC method.
    let l1 = Anvil::start(AnvilConfig { prune_history: Some(64), ..AnvilConfig::default() })
        .await
        .unwrap();
    let proxy = vigil_test_utils::StandardRpcProxy::start(l1.endpoint()).await.unwrap();
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let l1p = signing_provider(l1.url(), owner.clone());
    let core = deploy_core(&l1p, owner.address(), CoreParams::default()).await.unwrap();
    let deployment = deploy_vigil(&l1p, &core, &VigilParams::default()).await.unwrap();
    let ecdsa = PrivateKeySigner::random();
    let bls = SecretKey::from_ikm(&[21u8; 32]).unwrap();
    set_balance(&l1p, ecdsa.address(), 10).await.unwrap();
    let stake = U256::from(10u64) * U256::from(WAD);
    send("fund", TestToken::new(core.token, l1p.clone()).transfer(ecdsa.address(), stake))
        .await
        .unwrap();
    let plan = vigil_chain::RegistrationPlan {
        deposit: Some(vigil_chain::Deposit { strategy: core.strategy, amount: stake }),
        magnitude: WAD,
        metadata_uri: String::new(),
    };
    register_mining(l1.url(), &deployment, &ecdsa, &bls, &plan).await.unwrap();

    // The rollup: an L2 anvil whose safe head follows closely and whose blocks are one second
    // apart from block 0 (OP Stack timestamps), its batcher, and its superchain-registry file.
    let l2 = OpL2::start(ROLLUP, Some(1)).await.unwrap();
    let l2p = l2.provider.clone();
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 10).await.unwrap();
    let batcher_p = signing_provider(l1.url(), batcher.clone());
    let rollup = l2.rollup_config("run", INBOX, batcher.address());

    // An "aggregator" that records what it receives.
    let aggregator = CaptureAggregator::start().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::support::node_config(
        dir.path(),
        &deployment,
        &rollup,
        &proxy.url,
        l2.anvil.endpoint(),
        &aggregator.url,
    );
    config.node.status_interval_ms = 100;
    config.node.sign_batches = true;
    let keys = NodeKeys { bls: bls.clone(), operator: ecdsa.address() };
    let state = vigil_operator::api::NodeState::new("vigil-operator", "test", [ROLLUP]);
    let node = crate::support::InProcessNode::spawn(config, keys, state.clone());

    // L2 produces six blocks with transactions; the batcher posts them as two channels (1..=3
    // in one blob, 4..=6 in two blob transactions), the way op-batcher does; L2 moves on so that
    // its safe head covers them.
    for i in 0..6u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(5))
            .with_value(U256::from(i + 1));
        l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let mut posted = Vec::new();
    for (id, range, frames) in [(1u8, (1, 3), 1), (2, (4, 6), 2)] {
        let head = l1p.get_block_by_number(Default::default()).await.unwrap().unwrap();
        let channel = post_channel(
            &batcher_p,
            &l2p,
            &rollup,
            range,
            (head.header.number, head.header.hash),
            [id; 16],
            Compression::Brotli,
            frames,
            Carry::Blobs,
        )
        .await
        .unwrap();
        assert_eq!(channel.receipts.len(), frames);
        posted.push((range.1, channel));
    }
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(2),)).await.unwrap();

    // Wait (bounded) for the two channel-final signatures, then a little longer: nothing else
    // may arrive.
    aggregator.wait_for(2, Duration::from_secs(60)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut got = aggregator.received.lock().await.clone();
    got.sort_by_key(|s| s.checkpoint.height);
    assert_eq!(
        got.iter().map(|s| s.checkpoint.height).collect::<Vec<_>>(),
        [3, 6],
        "each channel's final block signed and delivered once, nothing else"
    );
    for (s, (height, channel)) in got.iter().zip(&posted) {
        let block = l2p.get_block_by_number((*height).into()).await.unwrap().unwrap();
        // daCommitment: over the versioned hashes the channel's L1 transactions carry.
        let mut hashes = Vec::new();
        for receipt in &channel.receipts {
            let tx = l1p.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
            hashes.extend_from_slice(tx.inner.inner().blob_versioned_hashes().unwrap());
        }
        assert_eq!(hashes, channel.versioned_hashes);
        assert_eq!(s.domain, deployment.domain());
        assert_eq!(s.checkpoint.rollup_id, ROLLUP);
        assert_eq!(s.checkpoint.height, *height);
        assert_eq!(s.checkpoint.block_hash, block.header.hash);
        assert_eq!(s.checkpoint.state_root, block.header.state_root);
        assert_eq!(s.checkpoint.da_commitment, da_commitment(&hashes));
        assert_eq!(s.checkpoint.da_commitment, channel.da_commitment);
        assert_ne!(s.checkpoint.da_commitment, keccak256([]));
        // l1Block: the block of the channel's last frame.
        assert_eq!(s.checkpoint.l1_block, channel.receipts.last().unwrap().block_number.unwrap());
        assert_eq!(s.checkpoint.l1_block, channel.l1_block);
        let sig = Signature::from_wire(&s.signature).unwrap();
        verify(&bls.public_key(), s.digest().as_slice(), &sig).unwrap();
    }
    assert!(got[1].checkpoint.l1_block > got[0].checkpoint.l1_block + 1, "two frames, two blocks");

    // Batches (the deployment's batchL1Blocks is 1: one range per L1 block): each channel's
    // checkpoint is in the batch of its L1 block, signed once every leaf was verified, delivered
    // with its checkpoints, and nothing else was batched.
    let mut batches = aggregator.batches.lock().await.clone();
    batches.sort_by_key(|b| b.signed.header.from_l1_block);
    assert_eq!(batches.len(), 2, "{batches:?}");
    for (b, single) in batches.iter().zip(&got) {
        let batch = b.batch().unwrap();
        assert_eq!(batch.checkpoints(), &[single.checkpoint]);
        let h = batch.header();
        assert_eq!(
            (h.from_l1_block, h.to_l1_block),
            (single.checkpoint.l1_block, single.checkpoint.l1_block)
        );
        assert_eq!(b.signed.domain, deployment.domain());
        assert_eq!(b.signed.pubkey, bls.public_key().to_wire());
        let sig = Signature::from_wire(&b.signed.signature).unwrap();
        verify(&bls.public_key(), b.signed.digest().as_slice(), &sig).unwrap();
    }

    // What the node reports: metrics and service health.
    let text = vigil_operator::metrics::encode();
    assert!(
        text.contains(&format!("vigil_operator_checkpoints_signed_total{{rollup=\"{ROLLUP}\"}} 2")),
        "{text}"
    );
    assert!(text.contains(&format!("vigil_operator_last_signed_height{{rollup=\"{ROLLUP}\"}} 6")));
    // The protection counter has no rollup label and is process-wide: other tests of this binary
    // sign too, so it holds at least this node's two decisions (the exact per-rollup count is
    // the signed counter above, which only a `valid` decision bumps).
    let valid = vigil_slashing_protection::decisions_total("valid");
    assert!(valid >= 2, "protection decisions {valid}\n{text}");
    assert!(text.contains("vigil_operator_protection_decisions_total{outcome=\"valid\"}"));
    // One DA check per channel, both available; nothing refused.
    let rollup_series = |name: &str| -> Vec<(String, f64)> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")))
            .filter(|l| l.contains(&format!("rollup=\"{ROLLUP}\"")))
            .map(|l| {
                let (series, value) = l.rsplit_once(' ').unwrap();
                (series.to_owned(), value.parse().unwrap())
            })
            .collect()
    };
    for (series, value) in rollup_series("vigil_operator_da_checks_total") {
        let want = if series.contains("result=\"available\"") { 2.0 } else { 0.0 };
        assert_eq!(value, want, "{series}");
    }
    let refusals = rollup_series("vigil_operator_da_refusals_total");
    assert_eq!(refusals.len(), vigil_da::op::Refusal::LABELS.len(), "{text}");
    assert!(refusals.iter().all(|(_, v)| *v == 0.0), "{refusals:?}");
    for (series, value) in rollup_series("vigil_operator_checkpoints_refused_total") {
        assert_eq!(value, 0.0, "{series}");
    }
    assert_eq!(
        state.service_status("slashing-protection"),
        Some(vigil_operator::api::ServiceStatus::Up)
    );
    assert_eq!(
        state.service_status("aggregator-submission"),
        Some(vigil_operator::api::ServiceStatus::Up)
    );
    assert_eq!(
        state.service_status(&format!("rollup-{ROLLUP}")),
        Some(vigil_operator::api::ServiceStatus::Up)
    );
    assert_eq!(state.health(), vigil_operator::api::NodeHealth::Healthy);
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

    node.stop().await;
    assert_eq!(proxy.refused(), Vec::<String>::new(), "the node used only standard JSON-RPC");
    assert!(proxy.forwarded() > 0, "the node did talk to L1 through the proxy");
}
