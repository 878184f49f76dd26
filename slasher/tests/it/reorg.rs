//! An L1 reorg orphans the block that holds the slasher's evidence transaction
//! (`anvil_reorg`, from the test side; the slasher talks standard JSON-RPC through the proxy):
//! the offence stays open, the evidence lands again, and the operator is slashed exactly once,
//! by one offence, with its magnitude cut once.

use std::time::{Duration, Instant};

use vigil_slasher::submit::offence_id;
use vigil_test_utils::{
    StandardRpcProxy, TestNetwork,
    anvil::{anvil_mine, reorg},
};

use crate::harness::{Aggregator, ROLLUP, Slasher, checkpoint, magnitude, slash_events};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_in_an_orphaned_block_slashes_once() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let aggregator = Aggregator::start(&net, dir.path()).await;
    let mut slasher = Slasher::on_sqlite(dir.path(), &net, &aggregator.api, Some(&proxy.url)).await;
    slasher.start_with(&[("VIGIL_SLASHER_SUBMITTER__CONFIRMATIONS", "2")]).await;
    let before = magnitude(&net, ops[2]).await;

    let l1 = net.l1_block().await.unwrap();
    aggregator.post(&net.sign(2, &checkpoint(10, "a", l1))).await;
    aggregator.post(&net.sign(2, &checkpoint(10, "b", l1))).await;
    let want = vec![(offence_id(ops[2], ROLLUP, 10), ops[2])];

    // Mined (automine), not yet two blocks deep: the offence stays open.
    let deadline = Instant::now() + Duration::from_secs(60);
    while slash_events(&net).await.is_empty() {
        assert!(Instant::now() < deadline, "never slashed: {}", slasher.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(slash_events(&net).await, want);
    let open = slasher.offences().await;
    assert_eq!(open.len(), 1);
    assert_ne!(open[0]["state"], "slashed", "final before two confirmations: {open:#?}");

    // The block with the evidence is orphaned: no slash in the canonical chain any more.
    reorg(&net.owner, 1).await.unwrap();
    assert!(slash_events(&net).await.is_empty(), "the reorg kept the slash");
    assert_eq!(magnitude(&net, ops[2]).await, before, "the slash went with the block");

    // Blocks come; the slasher lands the evidence again, and only then calls it final.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "never slashed again: {}", slasher.logs());
        let list = slasher.offences().await;
        if list.iter().all(|o| o["state"] == "slashed") && !list.is_empty() {
            break;
        }
        anvil_mine(&net.owner, 1).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anvil_mine(&net.owner, 3).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(slash_events(&net).await, want, "slashed exactly once");
    let after = magnitude(&net, ops[2]).await;
    assert!(after < before, "the magnitude was cut");
    let list = slasher.offences().await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["state"], "slashed");
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
    slasher.terminate();
    aggregator.stop().await;
}
