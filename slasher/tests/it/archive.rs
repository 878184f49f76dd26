//! Archive-free and standard-RPC only: anvil keeps the state of its last 64 blocks
//! (`--prune-history 64`), and the aggregator and the slasher reach it only through a proxy that
//! refuses every non-standard JSON-RPC method. A checkpoint whose `l1Block` state is long gone is
//! certified; the slasher checks a conflicting signature against that certificate (reading the
//! operator set at the old block from the latest state), slashes its signer once, and still does
//! after a SIGKILL and restart.

use std::time::Duration;

use alloy::providers::Provider;
use vigil_chain::{WAD, bindings::VigilVerifier};
use vigil_slasher::submit::offence_id;
use vigil_test_utils::AnvilConfig;
use vigil_test_utils::{StandardRpcProxy, TestNetwork, mine};

use crate::harness::{Aggregator, ROLLUP, Slasher, checkpoint, magnitude, slash_events};

const KEEP: u64 = 64;
const SLASHED: u64 = WAD - WAD / 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_with_a_certificate_on_pruned_state_is_slashed_once() {
    let anvil = AnvilConfig { prune_history: Some(KEEP), ..AnvilConfig::default() };
    let net = TestNetwork::start_with(anvil, &[100, 100, 100]).await.unwrap();
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let l1 = net.l1_block().await.unwrap();
    mine(&net.owner, KEEP + 36).await.unwrap();
    let verifier = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());
    assert!(
        verifier.members().block(l1.into()).call().await.is_err(),
        "anvil still has the state of block {l1}: the test proves nothing"
    );

    let aggregator = Aggregator::start_at(&net, dir.path(), &proxy.url).await;
    let mut slasher = Slasher::on_sqlite(dir.path(), &net, &aggregator.api, Some(&proxy.url)).await;
    slasher.start().await;

    // Every operator signs block A at height 1 (l1Block 100 blocks back): certified on-chain.
    let a = checkpoint(1, "a", l1);
    for i in 0..3 {
        aggregator.post(&net.sign(i, &a)).await;
    }
    let cp = vigil_chain::checkpoint_sol(&a);
    for _ in 0..200 {
        if verifier.isCertified(cp.clone()).call().await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(verifier.isCertified(cp).call().await.unwrap(), "never certified: {}", slasher.logs());
    for _ in 0..200 {
        if slasher.metric("vigil_slasher_chain_certificates_total{result=\"recorded\"}").await
            >= 1.0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Operator 1 also signs block B at the same height and l1Block: a certificate conflict,
    // judged against the set at the pruned block.
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(1, &checkpoint(1, "b", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("equivocation")), "{body}");
    let list = slasher.wait_final(1, Duration::from_secs(60)).await;
    assert_eq!(list[0]["state"], "slashed", "{:#}", list[0]);
    assert_eq!(slash_events(&net).await, vec![(offence_id(ops[1], ROLLUP, 1), ops[1])]);
    assert_eq!(magnitude(&net, ops[1]).await, SLASHED);

    // SIGKILL, restart: the certificate is reloaded and checked again, the offence not repeated.
    slasher.kill();
    slasher.start().await;
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(1, &checkpoint(1, "c", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("equivocation")), "{body}");
    slasher.wait_final(1, Duration::from_secs(30)).await;
    assert_eq!(slash_events(&net).await.len(), 1, "one offence, slashed once");
    for (i, op) in ops.iter().enumerate() {
        let want = if i == 1 { SLASHED } else { WAD };
        assert_eq!(magnitude(&net, *op).await, want, "operator {i}");
    }
    let head = net.owner.get_block_number().await.unwrap();
    assert!(head > l1 + KEEP, "l1Block stayed outside the node's state throughout");
    assert_eq!(proxy.refused(), Vec::<String>::new(), "only standard JSON-RPC");
    slasher.terminate();
    aggregator.stop().await;
}
