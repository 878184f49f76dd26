//! Archive-free: the aggregator and a rollup's client need nothing but the latest state and
//! standard JSON-RPC. anvil keeps the state of its last 64 blocks only (`--prune-history 64`,
//! what a default full node does with ~128), and everything Vigil runs talks to it through a
//! proxy that refuses every non-standard method. A checkpoint whose `l1Block` is 100 blocks old
//! (so its state is gone, but it is well within `maxCertificateAge`) is certified, verified
//! on-chain, restored after a SIGKILL of the aggregator, and verified by the client from the
//! operator set it reads at that block.

use alloy::{
    primitives::U256,
    providers::{Provider, ProviderBuilder},
};
use vigil_chain::{bindings::VigilVerifier, checkpoint_sol, operator_set::OperatorSetView};
use vigil_test_utils::AnvilConfig;
use vigil_test_utils::{StandardRpcProxy, TestNetwork, mine};

use crate::restart::{Node, ROLLUP, certified_events, checkpoint_at};

/// Blocks of state anvil keeps.
const KEEP: u64 = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_older_than_the_nodes_state_is_certified_restored_and_verified() {
    let anvil = AnvilConfig { prune_history: Some(KEEP), ..AnvilConfig::default() };
    let net = TestNetwork::start_with(anvil, &[100, 100, 100]).await.unwrap();
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let verifier = net.deployment.vigil.verifier;

    let l1_block = net.l1_block().await.unwrap();
    let cp = checkpoint_at(1, l1_block);
    mine(&net.owner, KEEP + 36).await.unwrap();

    // The node has really dropped the state at l1Block: reading it the archive way fails. (This
    // is how the set was read before: `members()` at the block.)
    let at_old = VigilVerifier::new(verifier, net.owner.clone())
        .members()
        .block(l1_block.into())
        .call()
        .await;
    assert!(
        at_old.is_err(),
        "anvil still has the state of block {l1_block}: the test proves nothing"
    );

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), &proxy.url, &db).await;

    // Two of three equal signers (6,666 bps < 6,667): accepted (202 means stored), not
    // certified; then SIGKILL.
    let mut child = node.start();
    node.wait_ready(&mut child).await;
    node.post(&net.sign(0, &cp)).await;
    node.post(&net.sign(1, &cp)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    // Restarted, it restores both signatures against the set at the old block, and the third
    // completes the certificate.
    let mut child = node.start();
    node.wait_ready(&mut child).await;
    node.post(&net.sign(2, &cp)).await;
    node.wait_state(1, "mined").await;
    assert_eq!(certified_events(&net).await, 1);
    let onchain = VigilVerifier::new(verifier, net.owner.clone());
    assert!(onchain.isCertified(checkpoint_sol(&cp)).call().await.unwrap());
    let logs = node.logs();
    assert!(!logs.contains("BlockOutOfRange") && !logs.contains(" ERROR "), "{logs}");

    // A rollup's client: the certificate from the aggregator, verified against the set it reads
    // at l1Block from the latest state, through the same proxy.
    let client = vigil_client::VigilClient::new(&node.api).unwrap();
    let status = client.certificate(ROLLUP, 1).await.unwrap().expect("certificate served");
    let provider = ProviderBuilder::new().connect_http(proxy.url.parse().unwrap()).erased();
    let set = OperatorSetView::new(provider, verifier).at(l1_block).await.unwrap();
    assert_eq!(set.members.len(), 3);
    assert_eq!(set.total_weight, U256::from(300u64) * U256::from(vigil_chain::WAD));
    let operators: Vec<_> = set.members.iter().map(|m| (m.key, m.weight)).collect();
    let verified =
        vigil_client::verify_certificate(&status.certificate, &operators, 6_667).unwrap();
    assert_eq!(verified.signed_weight, verified.total_weight);

    assert_eq!(proxy.refused(), Vec::<String>::new(), "only standard JSON-RPC");
    assert!(proxy.forwarded() > 0);
    child.kill().unwrap();
    child.wait().unwrap();
}
