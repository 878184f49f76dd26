//! Evidence kind 3 (batches, `VIGIL_BATCH_V1`) on the real core: an operator that signed a
//! checkpoint inside a batch, by its own signature or as a signer of a batch certificate, and a
//! conflicting checkpoint alone is slashed exactly once through the public endpoint; the same
//! offence proven another way is the same offence; the same block in two overlapping batches and
//! a proof of another leaf are refused. And found by the slasher itself: a batch certificate
//! recorded on chain (its checkpoints from the aggregator) against a signature on the feed.

use std::time::Duration;

use vigil_chain::WAD;
use vigil_crypto::{Signature, aggregate_signatures};
use vigil_slasher::submit::offence_id;
use vigil_test_utils::TestNetwork;
use vigil_types::{Batch, BatchCertificate, Checkpoint, Evidence, SignedBatch, Statement};

use crate::harness::{ROLLUP, World, checkpoint, magnitude, slash_events};

const SLASHED: u64 = WAD - WAD / 20;

/// A batch of heights 1..=4 (block `fork` at height 3, `base` elsewhere) derived from `l1`.
fn batch(fork: &str, l1: u64) -> Batch {
    let cps = (1..=4).map(|h| checkpoint(h, if h == 3 { fork } else { "base" }, l1)).collect();
    Batch::new(cps, l1, l1).unwrap()
}

/// Operator `i`'s own signature on `batch`, as a statement of its height 3.
fn own(net: &TestNetwork, i: usize, batch: &Batch) -> Statement {
    let domain = net.deployment.domain();
    let key = &net.operators[i].bls;
    let index = batch.position(ROLLUP, 3).unwrap();
    Statement::InBatch {
        signed: SignedBatch {
            domain,
            header: *batch.header(),
            pubkey: key.public_key().to_wire(),
            signature: key.sign(batch.header().digest(&domain).as_slice()).to_wire(false),
        },
        checkpoint: batch.checkpoints()[index],
        proof: batch.proof(index).unwrap(),
    }
}

/// A batch certificate of `batch` by `signers` (the others non-signers), as a statement of its
/// height 3.
fn certified(net: &TestNetwork, signers: &[usize], batch: &Batch) -> Statement {
    let domain = net.deployment.domain();
    let digest = batch.header().digest(&domain);
    let sigs: Vec<Signature> =
        signers.iter().map(|i| net.operators[*i].bls.sign(digest.as_slice())).collect();
    let non_signers = (0..net.operators.len())
        .filter(|i| !signers.contains(i))
        .map(|i| net.operators[i].bls.public_key().to_wire())
        .collect();
    let index = batch.position(ROLLUP, 3).unwrap();
    Statement::InBatchAggregate {
        certificate: BatchCertificate {
            domain,
            header: *batch.header(),
            non_signers,
            aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
        },
        checkpoint: batch.checkpoints()[index],
        proof: batch.proof(index).unwrap(),
    }
}

fn alone(net: &TestNetwork, i: usize, cp: &Checkpoint) -> Statement {
    Statement::Signed { signed: net.sign(i, cp) }
}

fn equivocation(net: &TestNetwork, i: usize, first: Statement, second: Statement) -> Evidence {
    Evidence::Equivocation {
        offender: net.operators[i].bls.public_key().to_wire(),
        first: Box::new(first),
        second: Box::new(second),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_inside_a_batch_and_a_conflict_alone_is_slashed_once() {
    let World { net, dir: _dir, aggregator: _aggregator, slasher } =
        World::start(&[100, 100, 100, 100]).await;
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let l1 = net.l1_block().await.unwrap();
    let honest = batch("a", l1);
    let conflicting = checkpoint(3, "b", l1);

    // Hostile or honest-but-harmless evidence first: refused, nothing recorded.
    let overlapping = {
        // The same block at height 3 in another batch (another range: l1Block moved).
        let moved = checkpoint(3, "a", l1 + 1);
        Batch::new(vec![moved], l1 + 1, l1 + 1).unwrap()
    };
    let (status, body) = slasher
        .post(
            "/v1/evidence",
            &equivocation(&net, 0, own(&net, 0, &honest), own(&net, 0, &overlapping)),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("not_an_offence")), "{body}");
    let Statement::InBatch { signed, checkpoint: cp, .. } = own(&net, 0, &honest) else {
        unreachable!()
    };
    let wrong_leaf = Statement::InBatch { signed, checkpoint: cp, proof: honest.proof(0).unwrap() };
    let (status, body) = slasher
        .post("/v1/evidence", &equivocation(&net, 0, wrong_leaf, alone(&net, 0, &conflicting)))
        .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("not_an_offence")), "{body}");
    // Operator 2 signed the batch, but it is operator 3's signature on the conflict.
    let (status, body) = slasher
        .post(
            "/v1/evidence",
            &equivocation(&net, 2, own(&net, 2, &honest), {
                let mut s = net.sign(3, &conflicting);
                s.pubkey = net.operators[2].bls.public_key().to_wire();
                Statement::Signed { signed: s }
            }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(slasher.offences().await.is_empty());

    // Form (c) against (a): operator 0 signed the batch and, alone, another block at height 3.
    let evidence = equivocation(&net, 0, own(&net, 0, &honest), alone(&net, 0, &conflicting));
    let (status, body) = slasher.post("/v1/evidence", &evidence).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["new"], true, "{body}");
    let first_id = body["offenceId"].as_i64().unwrap();
    // The same offence proven by kind 1 (both alone): the same offence, not a new one.
    let double = Evidence::DoubleSign {
        first: net.sign(0, &checkpoint(3, "a", l1)),
        second: net.sign(0, &conflicting),
    };
    let (status, body) = slasher.post("/v1/evidence", &double).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!((body["offenceId"].as_i64(), &body["new"]), (Some(first_id), &false.into()));

    // Form (d) against (c): operators 1, 2, 3 certified the batch (operator 0 a non-signer), and
    // operator 1 also signed a batch holding the conflicting block.
    let other = batch("b", l1);
    let evidence =
        equivocation(&net, 1, certified(&net, &[1, 2, 3], &honest), own(&net, 1, &other));
    let (status, body) = slasher.post("/v1/evidence", &evidence).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["new"], true, "{body}");
    // Operator 0 is a non-signer of that certificate: it is not evidence against operator 0.
    let evidence =
        equivocation(&net, 0, certified(&net, &[1, 2, 3], &honest), own(&net, 0, &other));
    let (status, body) = slasher.post("/v1/evidence", &evidence).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("not_an_offence")), "{body}");

    let list = slasher.wait_final(2, Duration::from_secs(60)).await;
    assert_eq!(list.len(), 2, "{list:#?}");
    assert!(list.iter().all(|o| o["state"] == "slashed"), "{list:#?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut events = slash_events(&net).await;
    events.sort();
    let mut want =
        vec![(offence_id(ops[0], ROLLUP, 3), ops[0]), (offence_id(ops[1], ROLLUP, 3), ops[1])];
    want.sort();
    assert_eq!(events, want, "each offence slashed exactly once");
    assert_eq!(magnitude(&net, ops[0]).await, SLASHED);
    assert_eq!(magnitude(&net, ops[1]).await, SLASHED);
    for honest in &ops[2..] {
        assert_eq!(magnitude(&net, *honest).await, WAD, "operator {honest} untouched");
    }
}

/// The slasher finds it alone: operators sign a batch through the aggregator (batches on), which
/// records its certificate on chain; one of its signers also signs another block for one of its
/// heights, alone, and never that height's block alone. The slasher reads `BatchCertified`, the
/// certificate from the calldata and the checkpoints from the aggregator, matches the signature
/// on the feed, and the contract slashes the signer exactly once (`submitEquivocation`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_signer_that_signs_another_block_alone_is_found_and_slashed_once() {
    let World { net, dir: _dir, aggregator, slasher } = World::start(&[100, 100, 100, 100]).await;
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let l1 = net.l1_block().await.unwrap();
    let honest = batch("a", l1);
    let domain = net.deployment.domain();
    let http = reqwest::Client::new();
    for i in 0..4 {
        let Statement::InBatch { signed, .. } = own(&net, i, &honest) else { unreachable!() };
        let body =
            vigil_types::BatchSignature { signed, checkpoints: honest.checkpoints().to_vec() };
        let r = http
            .post(format!("{}/v1/batches/signatures", aggregator.api))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }
    let client = vigil_client::VigilClient::new(&aggregator.api).unwrap();
    let digest = honest.header().digest(&domain);
    let mut mined = false;
    for _ in 0..300 {
        if client
            .batch(digest)
            .await
            .unwrap()
            .is_some_and(|s| s.submission.state == vigil_client::CertificateState::Mined)
        {
            mined = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(mined, "the batch certificate was not mined");

    // Operator 3 signs another block at height 3, alone.
    aggregator.post(&net.sign(3, &checkpoint(3, "b", l1))).await;
    let list = slasher.wait_final(1, Duration::from_secs(60)).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["state"], "slashed", "{list:#?}");
    // Proven by the recorded batch (its certificate, the checkpoint and its proof) against the
    // signature alone: the batch path, not two signatures of the operator's own.
    let evidence: Evidence = serde_json::from_value(list[0]["evidence"].clone()).unwrap();
    let Evidence::Equivocation { offender, first, second } = evidence else {
        panic!("not batch evidence: {list:#?}")
    };
    assert_eq!(offender, net.operators[3].bls.public_key().to_wire());
    assert!(
        matches!(*first, Statement::InBatchAggregate { ref certificate, .. } if certificate.header == *honest.header()),
        "{first:?}"
    );
    assert!(matches!(*second, Statement::Signed { .. }), "{second:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(slash_events(&net).await, vec![(offence_id(ops[3], ROLLUP, 3), ops[3])]);
    assert_eq!(magnitude(&net, ops[3]).await, SLASHED);
    for honest in &ops[..3] {
        assert_eq!(magnitude(&net, *honest).await, WAD, "operator {honest} untouched");
    }
}
