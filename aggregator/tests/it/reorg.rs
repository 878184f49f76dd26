//! L1 reorgs against a real aggregator process (standard JSON-RPC only, through the proxy): a
//! certificate whose transaction is in a block that a reorg orphans (`anvil_reorg`, driven from
//! the test side) is sent again and ends certified exactly once, and the API never calls it
//! `mined` while its transaction is not `confirmations` deep in the canonical chain.

use std::time::{Duration, Instant};

use alloy::{primitives::B256, providers::Provider};
use vigil_chain::{bindings::VigilVerifier, checkpoint_sol};
use vigil_test_utils::{
    StandardRpcProxy, TestNetwork,
    anvil::{anvil_mine, reorg},
};

use crate::restart::{Node, ROLLUP, certified_events, checkpoint};

const CONFIRMATIONS: u64 = 2;

/// The certificate's state, transaction and block as `GET /v1/checkpoints/…` serves them.
async fn view(node: &Node, height: u64) -> Option<(String, Option<B256>, Option<u64>)> {
    let url = format!("{}/v1/checkpoints/{ROLLUP}/{height}", node.api);
    let v: serde_json::Value = reqwest::get(url).await.ok()?.json().await.ok()?;
    let state = v["state"].as_str()?.to_owned();
    let tx = v["txHash"].as_str().and_then(|s| s.parse().ok());
    let block = v["blockNumber"].as_str().and_then(|s| s.parse().ok());
    Some((state, tx, block))
}

/// Fails unless a `mined` certificate's transaction is in the canonical chain and
/// [`CONFIRMATIONS`] deep.
async fn assert_final_is_canonical(net: &TestNetwork, node: &Node, height: u64) -> bool {
    let Some((state, tx, _)) = view(node, height).await else { return false };
    if state != "mined" {
        return false;
    }
    let tx = tx.expect("a mined certificate names its transaction");
    let receipt = net.owner.get_transaction_receipt(tx).await.unwrap();
    let receipt =
        receipt.unwrap_or_else(|| panic!("served as mined, but {tx} is not in the chain"));
    let head = net.owner.get_block_number().await.unwrap();
    let block = receipt.block_number.unwrap();
    assert!(head - block >= CONFIRMATIONS, "served as mined at depth {}", head - block);
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_in_an_orphaned_block_is_resent_and_certified_once() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), &proxy.url, &db).await;
    let config = std::fs::read_to_string(&node.config).unwrap();
    assert!(config.contains("confirmations = 0\n"));
    std::fs::write(
        &node.config,
        config.replace("confirmations = 0\n", &format!("confirmations = {CONFIRMATIONS}\n")),
    )
    .unwrap();
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    let cp = checkpoint(&net, 1).await;
    for i in 0..3 {
        node.post(&net.sign(i, &cp)).await;
    }
    // Mined (automine) but not yet deep enough: submitted, not final.
    let deadline = Instant::now() + Duration::from_secs(30);
    let first_tx = loop {
        assert!(Instant::now() < deadline, "never sent: {}", node.logs());
        if let Some((state, Some(tx), _)) = view(&node, 1).await
            && net.owner.get_transaction_receipt(tx).await.unwrap().is_some()
        {
            assert_eq!(state, "submitted", "final before {CONFIRMATIONS} confirmations");
            break tx;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(certified_events(&net).await, 1);
    let mined_at = net.owner.get_transaction_receipt(first_tx).await.unwrap().unwrap();
    let head = net.owner.get_block_number().await.unwrap();

    // The block that holds it is orphaned.
    reorg(&net.owner, head - mined_at.block_number.unwrap() + 1).await.unwrap();
    assert!(
        net.owner.get_transaction_receipt(first_tx).await.unwrap().is_none(),
        "the reorg kept the certificate's transaction"
    );
    assert_eq!(certified_events(&net).await, 0, "the record went with the orphaned block");
    let onchain = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());
    assert!(!onchain.isCertified(checkpoint_sol(&cp)).call().await.unwrap());

    // New blocks come; the aggregator must notice, send again and only then call it final.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "never certified again: {}", node.logs());
        if assert_final_is_canonical(&net, &node, 1).await {
            break;
        }
        anvil_mine(&net.owner, 1).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(certified_events(&net).await, 1, "certified exactly once");
    assert!(onchain.isCertified(checkpoint_sol(&cp)).call().await.unwrap());
    // Further blocks change nothing.
    anvil_mine(&net.owner, 3).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(assert_final_is_canonical(&net, &node, 1).await);
    assert_eq!(certified_events(&net).await, 1);
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
    child.kill().unwrap();
    child.wait().unwrap();
}
