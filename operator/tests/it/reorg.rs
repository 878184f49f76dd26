//! An L1 reorg moves a batch the operator already signed (issue 17): the node, running against
//! a real L1 anvil (through a proxy that refuses every non-standard JSON-RPC method) and an L2
//! anvil, signs the channel's final block with `l1Block = B`; the test orphans B with
//! `anvil_reorg`, the batch lands again in a later block B', and the node signs the same L2
//! block again with `l1Block = B'`: slashing protection takes it as the same block (DESIGN: a
//! different `l1Block` for the same block is not a conflict), nothing is refused, and no two
//! different blocks are ever signed for one height.
//!
//! Three shapes of the move:
//! - the batcher posts the batch again after the reorg, in a block past every block the node
//!   had scanned;
//! - the reorg itself re-includes the batcher's transaction one block later, inside the range
//!   the node had already scanned on the orphaned chain (what an L1 reorg usually does to a
//!   pending transaction). Only a node that notices the orphaned blocks and scans their
//!   replacements finds it;
//! - the same, for the last frame of a two-frame channel whose first frame stays canonical: the
//!   node must assemble the channel again from the block that opened it.

use std::time::Duration;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, address},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use vigil_chain::signing_provider;
use vigil_crypto::{SecretKey, Signature, verify};
use vigil_da::op::{
    Compression, OpRollupConfig,
    batcher::{Carry, PostedChannel, post_channel},
};
use vigil_operator::{api::NodeState, keys::NodeKeys};
use vigil_slashing_protection::SlashingDatabase;
use vigil_test_utils::{
    Anvil, AnvilConfig, CaptureAggregator, DEV_KEY, OpL2, StandardRpcProxy, anvil::reorg,
    anvil_mine, set_balance,
};
use vigil_types::SignedCheckpoint;

use crate::support::Logs;

const INBOX: Address = address!("ff00000000000000000000000000000000000904");
const WAIT: Duration = Duration::from_secs(60);

/// An L1 anvil behind a standard-JSON-RPC proxy, an L2 anvil whose safe head follows its head,
/// a funded batcher, a capture aggregator and a node following the rollup.
struct Setup {
    rollup_id: u64,
    l1: Anvil,
    l1p: DynProvider,
    proxy: StandardRpcProxy,
    _l2: Anvil,
    l2p: DynProvider,
    batcher: DynProvider,
    config: OpRollupConfig,
    aggregator: CaptureAggregator,
    dir: tempfile::TempDir,
    bls: SecretKey,
    deployment: vigil_chain::Deployment,
    node: crate::support::InProcessNode,
}

impl Setup {
    async fn start(rollup_id: u64, ikm: u8) -> Self {
        let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
        let proxy = StandardRpcProxy::start(l1.endpoint()).await.unwrap();
        let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
        let l2 = OpL2::start(rollup_id, Some(1)).await.unwrap();
        let batcher_key = PrivateKeySigner::random();
        set_balance(&l1p, batcher_key.address(), 100).await.unwrap();
        let config = l2.rollup_config("reorg test rollup", INBOX, batcher_key.address());
        let aggregator = CaptureAggregator::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x94));
        let mut node_config = crate::support::node_config(
            dir.path(),
            &deployment,
            &config,
            &proxy.url,
            l2.anvil.endpoint(),
            &aggregator.url,
        );
        node_config.node.status_interval_ms = 60_000;
        let bls = SecretKey::from_ikm(&[ikm; 32]).unwrap();
        let keys = NodeKeys { bls: bls.clone(), operator: PrivateKeySigner::random().address() };
        let state = NodeState::new("vigil-operator", "test", [rollup_id]);
        let node = crate::support::InProcessNode::spawn(node_config, keys, state);
        Self {
            rollup_id,
            batcher: signing_provider(l1.url(), batcher_key),
            l1,
            l1p,
            proxy,
            l2p: l2.provider,
            _l2: l2.anvil,
            config,
            aggregator,
            dir,
            bls,
            deployment,
            node,
        }
    }

    /// Three L2 blocks with a transfer each: the batch's blocks 1..=3.
    async fn grow_l2(&self) {
        for i in 0..3u64 {
            let tx = TransactionRequest::default()
                .with_to(Address::repeat_byte(5))
                .with_value(U256::from(i + 1));
            self.l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        }
    }

    /// The L1 head as an L1 origin.
    async fn origin(&self) -> (u64, B256) {
        let head = self.l1p.get_block_by_number(Default::default()).await.unwrap().unwrap();
        (head.header.number, head.header.hash)
    }

    /// The batcher posts L2 blocks 1..=3 as channel `[1; 16]` with L1 origin `origin`, in
    /// `frames` frames (one transaction, so one L1 block, each): the same batch every time it is
    /// called with the same arguments.
    async fn post(&self, origin: (u64, B256), carry: Carry, frames: usize) -> PostedChannel {
        post_channel(
            &self.batcher,
            &self.l2p,
            &self.config,
            (1, 3),
            origin,
            [1; 16],
            Compression::Brotli,
            frames,
            carry,
        )
        .await
        .unwrap()
    }

    /// The L2 moves on so that its safe head covers the batch.
    async fn settle_l2(&self) {
        self.l2p
            .raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(2),))
            .await
            .unwrap();
    }

    /// Waits for `n` deliveries; the node's logs in the panic message if they do not come.
    async fn wait_for(&self, n: usize, logs: &Logs) -> Vec<SignedCheckpoint> {
        if let Err(e) = self.aggregator.wait_for(n, WAIT).await {
            panic!("{e}\n{}", logs.text());
        }
        self.aggregator.received.lock().await.clone()
    }

    /// Lets the node poll a few more times, then returns every delivery.
    async fn settled_deliveries(&self) -> Vec<SignedCheckpoint> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.aggregator.received.lock().await.clone()
    }

    /// `vigil_operator_checkpoints_refused_total{rollup, reason}` and
    /// `vigil_operator_checkpoints_signed_total{rollup}`, for this rollup.
    fn counter(&self, name: &str, reason: Option<&str>) -> f64 {
        let text = vigil_operator::metrics::encode();
        let rollup = format!("rollup=\"{}\"", self.rollup_id);
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(&rollup))
            .filter(|l| reason.is_none_or(|r| l.contains(&format!("reason=\"{r}\""))))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum()
    }

    /// `vigil_operator_l1_reorgs_total{rollup, depth}` for this rollup.
    fn reorgs(&self, depth: &str) -> f64 {
        let text = vigil_operator::metrics::encode();
        let (rollup, depth) =
            (format!("rollup=\"{}\"", self.rollup_id), format!("depth=\"{depth}\""));
        let values: Vec<f64> = text
            .lines()
            .filter(|l| l.starts_with("vigil_operator_l1_reorgs_total{"))
            .filter(|l| l.contains(&rollup) && l.contains(&depth))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .collect();
        assert_eq!(values.len(), 1, "one series for {rollup} {depth}:\n{text}");
        values[0]
    }

    /// Everything asserted once the batch has moved from `first` to `moved`: both deliveries
    /// sign the same L2 block, the second with the new `l1Block`, nothing was refused, the one
    /// reorg was counted (its fork among the remembered blocks), and the protection database
    /// holds exactly that one block at that height.
    async fn assert_resigned(self, logs: &Logs, first: &PostedChannel, moved: u64) {
        let got = self.settled_deliveries().await;
        let block = self.l2p.get_block_by_number(3.into()).await.unwrap().unwrap();
        let l1_blocks: Vec<u64> = got.iter().map(|s| s.checkpoint.l1_block).collect();
        assert_eq!(l1_blocks, [first.l1_block, moved], "signed at B, then at B', nothing else");
        for s in &got {
            assert_eq!(s.domain, self.deployment.domain());
            assert_eq!(s.checkpoint.rollup_id, self.rollup_id);
            assert_eq!(s.checkpoint.height, 3, "the channel's final block");
            assert_eq!(
                (s.checkpoint.block_hash, s.checkpoint.state_root),
                (block.header.hash, block.header.state_root),
                "the L2 node's block 3"
            );
            assert_eq!(s.checkpoint.da_commitment, first.da_commitment, "the same batch data");
            let sig = Signature::from_wire(&s.signature).unwrap();
            verify(&self.bls.public_key(), s.digest().as_slice(), &sig).unwrap();
        }
        // Nothing refused: no metric, no log line, from the node or from protection itself.
        assert_eq!(self.counter("vigil_operator_checkpoints_refused_total", None), 0.0);
        assert_eq!(self.counter("vigil_operator_checkpoints_signed_total", None), 2.0);
        // The one reorg, counted once, both depths exported (the beyond-window one at zero).
        assert_eq!(self.reorgs("within_window"), 1.0);
        assert_eq!(self.reorgs("beyond_window"), 0.0);
        let text = logs.text();
        assert!(!text.contains("refused to sign"), "{text}");
        assert!(!text.contains("conflict"), "{text}");
        assert!(
            text.lines().any(|l| l.contains("safe to sign") && l.contains("same_block")),
            "the second signature is protection's same-block case:\n{text}"
        );

        self.node.stop().await;
        assert_eq!(self.proxy.refused(), Vec::<String>::new(), "standard JSON-RPC only");
        // The protection database: one block at height 3, the L2 node's, nothing else.
        let db = SlashingDatabase::open(self.dir.path().join("protection.sqlite")).await.unwrap();
        let recorded = db
            .recorded_blocks(
                &self.bls.public_key().to_wire(),
                &self.deployment.domain(),
                self.rollup_id,
                3,
            )
            .await
            .unwrap();
        assert_eq!(recorded.len(), 1, "{recorded:?}");
        assert_eq!(
            (recorded[0].block_hash, recorded[0].state_root),
            (block.header.hash, block.header.state_root)
        );
        db.close().await;
        drop(self.l1);
    }
}

/// Log lines the node writes while the test runs (a subscriber scoped to the test's thread,
/// where the node's tasks run too: the runtime is single-threaded).
fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let guard = tracing::subscriber::set_default(logs.subscriber("vigil=info,protection=debug"));
    (logs, guard)
}

/// The receipt of `tx` on the canonical chain, if it is there.
async fn mined_in(l1p: &DynProvider, tx: B256) -> Option<u64> {
    l1p.get_transaction_receipt(tx).await.unwrap().and_then(|r| r.block_number)
}

#[tokio::test]
async fn batch_posted_again_after_its_block_is_orphaned_is_signed_again() {
    let (logs, _guard) = capture();
    let s = Setup::start(904, 41).await;
    s.grow_l2().await;
    let origin = s.origin().await;

    // The batch lands in B and is signed with l1Block = B.
    let first = s.post(origin, Carry::Blobs, 1).await;
    let b = first.l1_block;
    s.settle_l2().await;
    let got = s.wait_for(1, &logs).await;
    assert_eq!((got[0].checkpoint.height, got[0].checkpoint.l1_block), (3, b));

    // L1 moves on two blocks, which the node scans; then B and both are orphaned.
    anvil_mine(&s.l1p, 2).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    reorg(&s.l1p, 3).await.unwrap();
    assert_eq!(s.l1p.get_block_number().await.unwrap(), b + 2);
    assert_eq!(mined_in(&s.l1p, first.receipts[0].transaction_hash).await, None, "B orphaned");

    // The batcher posts the same batch again (same L2 blocks, origin, channel): it lands in B'.
    let again = s.post(origin, Carry::Blobs, 1).await;
    assert_eq!(again.l1_block, b + 3);
    assert_eq!(again.da_commitment, first.da_commitment);
    s.wait_for(2, &logs).await;
    s.assert_resigned(&logs, &first, b + 3).await;
}

#[tokio::test]
async fn batch_the_reorg_moves_into_a_block_already_scanned_is_signed_again() {
    let (logs, _guard) = capture();
    let s = Setup::start(905, 42).await;
    s.grow_l2().await;
    let origin = s.origin().await;

    // The batch lands in B (calldata) and is signed with l1Block = B.
    let first = s.post(origin, Carry::Calldata, 1).await;
    let b = first.l1_block;
    let tx = first.receipts[0].transaction_hash;
    s.settle_l2().await;
    let got = s.wait_for(1, &logs).await;
    assert_eq!((got[0].checkpoint.height, got[0].checkpoint.l1_block), (3, b));

    // L1 moves on to B + 2, which the node scans.
    anvil_mine(&s.l1p, 2).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // A reorg of B..=B+2 whose new chain carries the batcher's same transaction one block later,
    // in B' = B + 1: a block number the node already scanned (on the orphaned chain).
    let old_b1 = s.l1p.get_block_by_number((b + 1).into()).await.unwrap().unwrap().header.hash;
    reorg_moving(&s.l1p, 3, tx, 1).await;
    assert_eq!(mined_in(&s.l1p, tx).await, Some(b + 1), "the same transaction, moved to B + 1");
    let new_b1 = s.l1p.get_block_by_number((b + 1).into()).await.unwrap().unwrap().header.hash;
    assert_ne!(new_b1, old_b1, "B + 1 was replaced");
    // The chain goes on.
    anvil_mine(&s.l1p, 1).await.unwrap();

    s.wait_for(2, &logs).await;
    // The node noticed the orphaned blocks and scanned their replacements from B.
    let text = logs.text();
    assert!(
        text.lines()
            .any(|l| l.contains("L1 reorg")
                && l.contains(&format!("orphaned_from={b} rescan_from={b}"))),
        "{text}"
    );
    s.assert_resigned(&logs, &first, b + 1).await;
}

/// A reorg of `depth` blocks whose new chain re-includes transaction `tx` (still known to the
/// node) `offset` blocks after the fork.
async fn reorg_moving(l1p: &DynProvider, depth: u64, tx: B256, offset: u64) {
    let raw: Bytes = l1p.raw_request("eth_getRawTransactionByHash".into(), (tx,)).await.unwrap();
    let head = l1p.get_block_number().await.unwrap();
    l1p.raw_request::<_, serde_json::Value>(
        "anvil_reorg".into(),
        (depth, vec![serde_json::json!([raw, offset])]),
    )
    .await
    .unwrap();
    assert_eq!(l1p.get_block_number().await.unwrap(), head);
    assert_eq!(mined_in(l1p, tx).await, Some(head + 1 - depth + offset));
}

#[tokio::test]
async fn channel_whose_last_frame_the_reorg_moves_is_assembled_again_and_signed_again() {
    let (logs, _guard) = capture();
    let s = Setup::start(906, 43).await;
    s.grow_l2().await;
    let origin = s.origin().await;

    // Two frames: frame 0 in A, frame 1 (completing the channel) in B = A + 1; signed at B.
    let first = s.post(origin, Carry::Calldata, 2).await;
    let a = first.receipts[0].block_number.unwrap();
    let b = first.l1_block;
    assert_eq!(b, a + 1);
    s.settle_l2().await;
    let got = s.wait_for(1, &logs).await;
    assert_eq!((got[0].checkpoint.height, got[0].checkpoint.l1_block), (3, b));
    anvil_mine(&s.l1p, 1).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // B and B + 1 orphaned; the new chain carries frame 1 in B + 1. A stays canonical, so the
    // channel opened there must be assembled again from A's frame 0 and the moved frame 1.
    reorg_moving(&s.l1p, 2, first.receipts[1].transaction_hash, 1).await;
    assert_eq!(mined_in(&s.l1p, first.receipts[0].transaction_hash).await, Some(a));
    anvil_mine(&s.l1p, 1).await.unwrap();

    s.wait_for(2, &logs).await;
    let text = logs.text();
    assert!(
        text.lines()
            .any(|l| l.contains("L1 reorg")
                && l.contains(&format!("orphaned_from={b} rescan_from={a}"))),
        "{text}"
    );
    assert!(!text.contains("frame_out_of_order"), "{text}");
    s.assert_resigned(&logs, &first, b + 1).await;
}
