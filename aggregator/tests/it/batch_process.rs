//! Batched certificates end to end on the real `vigil-aggregator` binary with
//! `aggregation.batches` on: a real anvil with EigenLayer's core and Vigil deployed, four
//! registered operators of equal stake, real HTTP, SQLite.
//!
//! - Operators post batch signatures (`POST /v1/batches/signatures`) and their singles; one
//!   batch certificate per range is mined, no single certificate is sent for a checkpoint a
//!   batch holds, and L1 is mined by hand (automine off) so that the test sees how many
//!   certificate transactions share a block: never two.
//! - A rollup fetches its checkpoint with its proof (`vigil-client`), verifies it offline, and
//!   the roots contract says the same (`isCertifiedInBatch`).
//! - A range whose batch misses quorum falls back to single certificates.
//! - A batch signature whose checkpoints do not build its header is refused and stores nothing.

use std::{collections::BTreeSet, time::Duration};

use alloy::{primitives::U256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use vigil_aggregator::operator_set::OperatorSetView;
use vigil_chain::bindings::VigilVerifier;
use vigil_client::{PublicKey, VigilClient};
use vigil_test_utils::{
    TestNetwork,
    anvil::{anvil_mine, set_automine},
    named_checkpoint,
};
use vigil_types::{Batch, BatchSignature, Checkpoint, SignedBatch};

use crate::restart::Node;

const ROLLUPS: [u64; 3] = [901, 902, 903];

/// Three rollups' heights `first ..= first + 1`, all derived from L1 block `l1`.
fn batch(l1: u64, first: u64) -> Batch {
    let checkpoints: Vec<Checkpoint> = ROLLUPS
        .iter()
        .flat_map(|&rollup| {
            (first..first + 2).map(move |h| named_checkpoint(rollup, h, &format!("{rollup}"), l1))
        })
        .collect();
    Batch::new(checkpoints, l1, l1).unwrap()
}

fn signed(net: &TestNetwork, i: usize, batch: &Batch) -> BatchSignature {
    let domain = net.deployment.domain();
    let key = &net.operators[i].bls;
    let header = *batch.header();
    BatchSignature {
        signed: SignedBatch {
            domain,
            header,
            pubkey: key.public_key().to_wire(),
            signature: key.sign(header.digest(&domain).as_slice()).to_wire(false),
        },
        checkpoints: batch.checkpoints().to_vec(),
    }
}

async fn post(node: &Node, body: &BatchSignature) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/v1/batches/signatures", node.api))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Every certificate event of the verifier: `(BatchCertified blocks, CheckpointCertified
/// blocks)`.
async fn certified_blocks(net: &TestNetwork) -> (Vec<u64>, Vec<u64>) {
    let filter = Filter::new().address(net.deployment.vigil.verifier).from_block(0u64);
    let logs = net.owner.get_logs(&filter).await.unwrap();
    let blocks = |topic| {
        logs.iter()
            .filter(|l| l.topic0() == Some(&topic))
            .map(|l| l.block_number.unwrap())
            .collect::<Vec<_>>()
    };
    (
        blocks(VigilVerifier::BatchCertified::SIGNATURE_HASH),
        blocks(VigilVerifier::CheckpointCertified::SIGNATURE_HASH),
    )
}

async fn wait_for(what: &str, node: &Node, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never happened: {}", node.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_certify_once_per_block_prove_inclusion_and_fall_back_to_singles() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let config = std::fs::read_to_string(&node.config).unwrap();
    let config =
        config.replace("[aggregation]\n", "[aggregation]\nbatches = true\nsingle_hold_ms = 2000\n");
    std::fs::write(&node.config, config).unwrap();
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    // L1 advances every 300 ms, whatever is in the pool: two transactions sent together would
    // share a block.
    set_automine(&net.owner, false).await.unwrap();
    let miner = {
        let provider = net.owner.clone();
        tokio::spawn(async move {
            loop {
                let _ = anvil_mine(&provider, 1).await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        })
    };

    // Refused: checkpoints that do not build the signed header (one leaf left out).
    let l1 = net.l1_block().await.unwrap();
    let first = batch(l1, 1);
    let mut short = signed(&net, 0, &first);
    short.checkpoints.pop();
    let (status, body) = post(&node, &short).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("malformed")), "{body}");

    // Three ranges, each signed by three of four operators (quorum), with their singles.
    let ranges: Vec<Batch> = {
        let mut ranges = vec![first];
        for k in 1..3u64 {
            anvil_mine(&net.owner, 1).await.unwrap();
            ranges.push(batch(net.l1_block().await.unwrap(), 1 + 2 * k));
        }
        ranges
    };
    for b in &ranges {
        for i in 0..3 {
            let (status, body) = post(&node, &signed(&net, i, b)).await;
            assert_eq!(status, 202, "{body}");
            assert_eq!(
                (body["duplicate"].as_bool(), body["stale"].as_bool()),
                (Some(false), Some(false)),
                "{body}"
            );
            for cp in b.checkpoints() {
                node.post(&net.sign(i, cp)).await;
            }
        }
    }
    // The same operator again: counted once.
    let (_, again) = post(&node, &signed(&net, 0, &ranges[0])).await;
    assert_eq!(again["duplicate"].as_bool(), Some(true), "{again}");

    let client = VigilClient::new(&node.api).unwrap();
    let last = ranges[2].checkpoints()[5];
    wait_for("the last range's batch certificate mined", &node, async || {
        client
            .batch_checkpoint(last.rollup_id, last.height)
            .await
            .unwrap()
            .is_some_and(|s| s.submission.state == vigil_client::CertificateState::Mined)
    })
    .await;
    // Past the singles' hold: a batch holds every one of them, so none is sent.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let (batch_blocks, single_blocks) = certified_blocks(&net).await;
    assert_eq!(batch_blocks.len(), 3, "one batch certificate per range");
    assert_eq!(
        batch_blocks.iter().collect::<BTreeSet<_>>().len(),
        3,
        "never two certificate transactions in one L1 block: {batch_blocks:?}"
    );
    assert!(single_blocks.is_empty(), "no single certificate for batched checkpoints");

    // A rollup checks its checkpoint: offline with the client, and on L1.
    let view = OperatorSetView::new(net.owner.clone(), net.deployment.domain().verifier);
    for (b, cp) in ranges.iter().flat_map(|b| b.checkpoints().iter().map(move |cp| (b, cp))) {
        let status = client.batch_checkpoint(cp.rollup_id, cp.height).await.unwrap().unwrap();
        assert_eq!(status.checkpoint, *cp);
        assert_eq!(status.certificate.header, *b.header());
        assert_eq!(
            status.certificate.non_signers,
            vec![net.operators[3].bls.public_key().to_wire()]
        );
        let snapshot = view.at(b.header().to_l1_block).await.unwrap();
        let operators: Vec<(PublicKey, U256)> =
            snapshot.members.iter().map(|m| (m.key, m.weight)).collect();
        let verified = status.verify(&operators, 6_667).unwrap();
        assert_eq!(verified.signers, 3);
        let roots = net.deployment.vigil.batch_roots;
        let on_chain = vigil_chain::is_certified_in_batch(
            &net.owner,
            roots,
            cp,
            b.header().root,
            &status.proof,
        )
        .await
        .unwrap();
        assert!(
            on_chain,
            "the roots contract certifies rollup {} height {}",
            cp.rollup_id, cp.height
        );
        // A wrong proof does not verify offline.
        let mut wrong = status.clone();
        wrong.proof.index ^= 1;
        assert!(wrong.verify(&operators, 6_667).is_err());
    }
    assert!(client.batch_checkpoint(901, 99).await.unwrap().is_none());
    // A slasher's view: each batch certificate with all its checkpoints, by digest.
    for b in &ranges {
        let digest = b.header().digest(&net.deployment.domain());
        let status = client.batch(digest).await.unwrap().unwrap();
        assert_eq!(status.batch().unwrap().checkpoints(), b.checkpoints());
        assert_eq!(status.digest, digest);
    }
    assert!(client.batch(alloy::primitives::B256::repeat_byte(7)).await.unwrap().is_none());

    // Coverage split: only two operators sign the next range's batch (below quorum), while
    // three sign its singles. The singles are certified once their hold passes.
    anvil_mine(&net.owner, 1).await.unwrap();
    let split = batch(net.l1_block().await.unwrap(), 7);
    for i in 0..3 {
        if i < 2 {
            let (status, body) = post(&node, &signed(&net, i, &split)).await;
            assert_eq!(status, 202, "{body}");
        }
        for cp in split.checkpoints() {
            node.post(&net.sign(i, cp)).await;
        }
    }
    let net_ref = &net;
    wait_for("the split range's singles certified", &node, async || {
        certified_blocks(net_ref).await.1.len() == split.checkpoints().len()
    })
    .await;
    let (batch_blocks, _) = certified_blocks(&net).await;
    assert_eq!(batch_blocks.len(), 3, "the split range has no batch certificate");
    for cp in split.checkpoints() {
        assert!(client.batch_checkpoint(cp.rollup_id, cp.height).await.unwrap().is_none());
        let single = client.certificate(cp.rollup_id, cp.height).await.unwrap().unwrap();
        assert_eq!(single.certificate.checkpoint, *cp);
    }

    let metrics =
        reqwest::get(format!("{}/metrics", node.metrics)).await.unwrap().text().await.unwrap();
    let sample = |name: &str, labels: &[(&str, &str)]| {
        vigil_test_utils::prometheus::sample(&metrics, name, labels).unwrap_or(0.0)
    };
    let logs = node.logs();
    let batch_logs: Vec<&str> = logs.lines().filter(|l| l.contains("batch")).collect();
    assert_eq!(
        sample("vigil_aggregator_batches_total", &[("event", "mined")]),
        3.0,
        "{metrics}\n{batch_logs:#?}"
    );
    assert_eq!(sample("vigil_aggregator_singles_covered_total", &[]), 18.0, "{metrics}");
    assert_eq!(sample("vigil_aggregator_batch_signatures_total", &[("result", "malformed")]), 1.0);
    assert_eq!(sample("vigil_aggregator_batch_signatures_total", &[("result", "duplicate")]), 1.0);
    miner.abort();
    child.kill().unwrap();
    child.wait().unwrap();
}

/// With a short retention window (`aggregation.retain_l1_blocks = 3`), what falls below it is
/// pruned from the database and from memory: single and batch certificates, their signatures
/// and the batch's checkpoints, and the rounds the engine remembers. The feed keeps its
/// sequence numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_and_rounds_below_the_retention_window_are_pruned() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let config = std::fs::read_to_string(&node.config).unwrap();
    let config = config.replace(
        "[aggregation]\n",
        "[aggregation]\nbatches = true\nsingle_hold_ms = 0\nretain_l1_blocks = 3\n",
    );
    std::fs::write(&node.config, config).unwrap();
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    let l1 = net.l1_block().await.unwrap();
    let b = batch(l1, 1);
    for i in 0..3 {
        assert_eq!(post(&node, &signed(&net, i, &b)).await.0, 202);
        node.post(&net.sign(i, &b.checkpoints()[0])).await;
    }
    let client = VigilClient::new(&node.api).unwrap();
    let cp = b.checkpoints()[0];
    wait_for("the batch and the single certificate mined", &node, async || {
        let single = client.checkpoint(cp.rollup_id, cp.height).await.unwrap();
        let batched = client.batch_checkpoint(cp.rollup_id, cp.height).await.unwrap();
        single.is_some_and(|s| s.submission.state == vigil_client::CertificateState::Mined)
            && batched.is_some_and(|s| s.submission.state == vigil_client::CertificateState::Mined)
    })
    .await;
    let rounds = |metrics: &str, kind: &str| {
        vigil_test_utils::prometheus::sample(metrics, "vigil_aggregator_rounds", &[("kind", kind)])
    };

    // L1 moves past the window; the next pruning pass (every 10 s) drops everything.
    anvil_mine(&net.owner, 10).await.unwrap();
    for _ in 0..300 {
        let gone = client.checkpoint(cp.rollup_id, cp.height).await.unwrap().is_none()
            && client.batch_checkpoint(cp.rollup_id, cp.height).await.unwrap().is_none();
        let metrics =
            reqwest::get(format!("{}/metrics", node.metrics)).await.unwrap().text().await.unwrap();
        let batch_done = vigil_test_utils::prometheus::sample(
            &metrics,
            "vigil_aggregator_batch_rounds",
            &[("kind", "done")],
        );
        if gone && rounds(&metrics, "done") == Some(0.0) && batch_done == Some(0.0) {
            let store = vigil_aggregator::store::Store::open(&db).await.unwrap();
            assert!(store.feed_after(0, 100).await.unwrap().is_empty(), "signatures pruned");
            assert_eq!(store.feed_head().await.unwrap(), 3, "the feed keeps its sequence");
            assert_eq!(store.count_batch_signatures(None).await.unwrap(), 0);
            assert!(
                store
                    .batch_leaves(b.header().digest(&net.deployment.domain()))
                    .await
                    .unwrap()
                    .is_empty()
            );
            child.kill().unwrap();
            child.wait().unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing was pruned: {}", node.logs());
}

/// A source that sends batch signatures that fail spends its own failure budget
/// (`api.per_source_failure_burst = 3`): past it, it is refused before anything is checked, even
/// a good one, and nothing it sent was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_batch_signatures_spend_their_sources_budget() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let config = std::fs::read_to_string(&node.config).unwrap();
    let config = config
        .replace("[aggregation]\n", "[aggregation]\nbatches = true\n")
        .replace("[api]\n", "[api]\nper_source_failure_rate = 1\nper_source_failure_burst = 3\n");
    std::fs::write(&node.config, config).unwrap();
    let mut child = node.start();
    node.wait_ready(&mut child).await;

    let l1 = net.l1_block().await.unwrap();
    let b = batch(l1, 1);
    // Three failures of three kinds: a checkpoint missing, a signature by another key, the
    // checkpoints of another batch.
    let mut short = signed(&net, 0, &b);
    short.checkpoints.pop();
    let mut forged = signed(&net, 0, &b);
    forged.signed.signature = signed(&net, 1, &b).signed.signature;
    let mut other = signed(&net, 0, &b);
    other.checkpoints = batch(l1, 7).checkpoints().to_vec();
    for (body, code) in
        [(&short, "malformed"), (&forged, "invalid_signature"), (&other, "malformed")]
    {
        let (status, answer) = post(&node, body).await;
        assert_eq!(answer["error"].as_str(), Some(code), "{status}: {answer}");
    }
    // Spent: even a good one is refused now.
    let (status, answer) = post(&node, &signed(&net, 0, &b)).await;
    assert_eq!((status, answer["error"].as_str()), (429, Some("rate_limited")), "{answer}");
    let store = vigil_aggregator::store::Store::open(&db).await.unwrap();
    assert_eq!(store.count_batch_signatures(None).await.unwrap(), 0, "nothing stored");
    assert!(
        store.batch_leaves(b.header().digest(&net.deployment.domain())).await.unwrap().is_empty()
    );
    let metrics =
        reqwest::get(format!("{}/metrics", node.metrics)).await.unwrap().text().await.unwrap();
    let spent = vigil_test_utils::prometheus::sample(
        &metrics,
        "vigil_aggregator_unverified_total",
        &[("reason", "source_budget_spent")],
    );
    assert_eq!(spent, Some(1.0), "{metrics}");
    child.kill().unwrap();
    child.wait().unwrap();
}
