//! An operator signs two conflicting checkpoints: the slasher finds it on the aggregator's feed
//! (and, in a second case, through its public endpoint), and the operator is slashed exactly once
//! through EigenLayer's AllocationManager, however much more evidence arrives. Honest re-signing
//! of one block with another `daCommitment` is never an offence.

use std::time::Duration;

use alloy::primitives::B256;
use vigil_chain::WAD;
use vigil_slasher::submit::offence_id;
use vigil_types::{Evidence, SigningDomain};

use crate::harness::{ROLLUP, World, allocated, checkpoint, magnitude, slash_events};

const SLASHED: u64 = WAD - WAD / 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equivocation_is_slashed_exactly_once() {
    let World { net, dir: _dir, aggregator, mut slasher } =
        World::start(&[100, 100, 100, 100]).await;
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();

    // Height 1: operators 0-2 sign block A; operator 3 signs block A twice, with two DA
    // commitments (a batch posted twice): honest. Operator 0 also signs block B: the offence.
    let l1 = net.l1_block().await.unwrap();
    let a1 = checkpoint(1, "a", l1);
    let a1_reposted = vigil_types::Checkpoint { da_commitment: B256::repeat_byte(0xdb), ..a1 };
    let b1 = checkpoint(1, "b", l1);
    for i in 0..3 {
        aggregator.post(&net.sign(i, &a1)).await;
    }
    aggregator.post(&net.sign(3, &a1)).await;
    aggregator.post(&net.sign(3, &a1_reposted)).await;
    aggregator.post(&net.sign(0, &b1)).await;

    let list = slasher.wait_final(1, Duration::from_secs(60)).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    let offence = &list[0];
    assert_eq!(offence["state"], "slashed", "{offence:#}");
    assert_eq!(offence["offence"]["height"], "1", "{offence:#}");
    let first_id = offence["id"].as_i64().unwrap();
    let Evidence::DoubleSign { first, second } =
        serde_json::from_value::<Evidence>(offence["evidence"].clone()).unwrap()
    else {
        panic!("expected double-sign evidence: {offence:#}");
    };
    let blocks = [first.checkpoint.block_hash, second.checkpoint.block_hash];
    assert!(blocks.contains(&a1.block_hash) && blocks.contains(&b1.block_hash));
    assert_eq!(first.pubkey, net.operators[0].bls.public_key().to_wire());
    assert_eq!(magnitude(&net, ops[0]).await, SLASHED, "5% of operator 0 slashed");
    assert_eq!(slash_events(&net).await, vec![(offence_id(ops[0], ROLLUP, 1), ops[0])]);

    // The same offence again: the same evidence (either order), and a third block at the same
    // height, which is other evidence of the same offence.
    for (x, y) in [(&a1, &b1), (&b1, &a1)] {
        let evidence = Evidence::DoubleSign { first: net.sign(0, x), second: net.sign(0, y) };
        let (status, body) = slasher.post("/v1/evidence", &evidence).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["offenceId"], first_id);
        assert_eq!(body["new"], false);
    }
    let c1 = checkpoint(1, "c", l1);
    let (status, body) = slasher.post("/v1/signatures", &net.sign(0, &c1)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["result"], "equivocation", "{body}");
    assert_eq!(body[0]["offenceId"], first_id, "{body}");
    aggregator.post(&net.sign(0, &checkpoint(1, "d", l1))).await;

    // Case 2, the fisherman's path: operator 1's conflicting pair reaches only the slasher.
    let e5 = checkpoint(5, "e", l1);
    let f5 = checkpoint(5, "f", l1);
    let (status, body) =
        slasher.post("/v1/signatures", &vec![net.sign(1, &e5), net.sign(1, &f5)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["result"], "new", "{body}");
    assert_eq!(body[1]["result"], "equivocation", "{body}");
    let second_id = body[1]["offenceId"].as_i64().unwrap();
    assert_ne!(second_id, first_id);

    let list = slasher.wait_final(2, Duration::from_secs(60)).await;
    assert_eq!(list.len(), 2, "{list:#?}");
    assert!(list.iter().all(|o| o["state"] == "slashed"), "{list:#?}");
    let detail: serde_json::Value = reqwest::get(format!("{}/v1/offences/{first_id}", slasher.api))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(detail["allProofs"].as_array().unwrap().len() >= 3, "{detail:#}");

    // Give the submitter many more passes over its store: still exactly one slash per offence.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut events = slash_events(&net).await;
    events.sort();
    let mut want =
        vec![(offence_id(ops[0], ROLLUP, 1), ops[0]), (offence_id(ops[1], ROLLUP, 5), ops[1])];
    want.sort();
    assert_eq!(events, want);
    assert_eq!(magnitude(&net, ops[0]).await, SLASHED, "operator 0 slashed once");
    assert_eq!(magnitude(&net, ops[1]).await, SLASHED, "operator 1 slashed once");
    for honest in &ops[2..] {
        assert_eq!(magnitude(&net, *honest).await, WAD, "honest operator {honest} untouched");
        assert_eq!(allocated(&net, *honest).await, WAD);
    }
    let honest_key = net.operators[3].bls.public_key().to_wire();
    assert!(
        slasher
            .offences()
            .await
            .iter()
            .all(|o| o["offence"]["pubkey"] != serde_json::to_value(honest_key).unwrap()),
        "re-signing one block with another daCommitment is not an offence"
    );

    // Hostile input is refused with typed errors, and nothing is recorded.
    let re_sign =
        Evidence::DoubleSign { first: net.sign(3, &a1), second: net.sign(3, &a1_reposted) };
    let (status, body) = slasher.post("/v1/evidence", &re_sign).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("not_an_offence")), "{body}");
    let mut forged = net.sign(2, &checkpoint(7, "g", l1));
    forged.signature = net.sign(2, &checkpoint(7, "h", l1)).signature;
    let (status, body) = slasher.post("/v1/signatures", &forged).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("invalid_signature")), "{body}");
    let mut elsewhere = net.sign(2, &checkpoint(7, "g", l1));
    elsewhere.domain = SigningDomain { l1_chain_id: 1, ..elsewhere.domain };
    let (status, body) = slasher.post("/v1/signatures", &elsewhere).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("wrong_domain")), "{body}");
    let r = reqwest::Client::new()
        .post(format!("{}/v1/signatures", slasher.api))
        .header("content-type", "application/json")
        .body("{\"domain\": 12")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = reqwest::Client::new()
        .post(format!("{}/v1/signatures", slasher.api))
        .body(vec![b' '; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(slasher.offences().await.len(), 2);

    slasher.terminate();
    aggregator.stop().await;
}

/// A certificate recorded on chain, signed by operators 0, 1 and 2, whose individual signatures
/// never reach the slasher. Operator 2 signed another block *before* the certificate landed,
/// operator 1 *after*: both are found from the certificate (`CertificateConflict` evidence, the
/// offender's own signature as the conflicting aggregate) and slashed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signers_of_a_recorded_certificate_that_sign_another_block_are_slashed() {
    use alloy::primitives::Bytes;
    use vigil_chain::{bindings::VigilVerifier, checkpoint_sol, non_signer_bytes, send};
    use vigil_crypto::{Signature, aggregate_signatures};

    let World { net, dir: _dir, aggregator, mut slasher } =
        World::start(&[100, 100, 100, 100]).await;
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let verifier = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());
    let domain = net.deployment.domain();
    let certify = |cp: vigil_types::Checkpoint| {
        let digest = cp.digest(&domain);
        let sigs: Vec<Signature> =
            (0..3).map(|i| net.operators[i].bls.sign(digest.as_slice())).collect();
        VigilVerifier::Certificate {
            checkpoint: checkpoint_sol(&cp),
            nonSignerPubkeys: non_signer_bytes(&[net.operators[3].bls.public_key()]),
            signature: Bytes::from(aggregate_signatures(&sigs).unwrap().to_eip2537().to_vec()),
        }
    };
    let recorded = "vigil_slasher_chain_certificates_total{result=\"recorded\"}";
    let wait_recorded = |n: f64| {
        let slasher = &slasher;
        async move {
            for _ in 0..200 {
                if slasher.metric(recorded).await >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the slasher never saw {n} certificates: {}", slasher.logs());
        }
    };
    let l1 = net.l1_block().await.unwrap();

    // Height 21: operator 2's other block reaches the slasher first (it is only indexed), then
    // the certificate lands. Height 20: the certificate lands first; operator 1's other block
    // comes after. Both certificates are sent before anything can be slashed (height 21's
    // conflict shows only once its certificate, sent last, is recorded), so no slash races a
    // certificate transaction of the test.
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(2, &checkpoint(21, "b", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("new")), "{body}");
    send("certificate 20", verifier.submitCertificate(certify(checkpoint(20, "a", l1))))
        .await
        .unwrap();
    send("certificate 21", verifier.submitCertificate(certify(checkpoint(21, "a", l1))))
        .await
        .unwrap();
    wait_recorded(2.0).await;
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(1, &checkpoint(20, "b", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("equivocation")), "{body}");

    // Operator 3 signed another block too, but it is not a signer of either certificate.
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(3, &checkpoint(20, "c", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("new")), "{body}");

    let list = slasher.wait_final(2, Duration::from_secs(60)).await;
    assert_eq!(list.len(), 2, "{list:#?}");
    for o in &list {
        assert_eq!(o["state"], "slashed", "{o:#}");
        assert_eq!(o["evidence"]["kind"], "certificateConflict", "{o:#}");
    }
    let mut events = slash_events(&net).await;
    events.sort();
    let mut want =
        vec![(offence_id(ops[1], ROLLUP, 20), ops[1]), (offence_id(ops[2], ROLLUP, 21), ops[2])];
    want.sort();
    assert_eq!(events, want);
    for (i, op) in ops.iter().enumerate() {
        let expected = if i == 1 || i == 2 { SLASHED } else { WAD };
        assert_eq!(magnitude(&net, *op).await, expected, "operator {i}");
    }

    // After a restart (certificates reloaded from the store), another block by operator 0 at
    // height 20 is still caught.
    slasher.kill();
    slasher.start().await;
    let (status, body) =
        slasher.post("/v1/signatures", &net.sign(0, &checkpoint(20, "d", l1))).await;
    assert_eq!((status, body[0]["result"].as_str()), (200, Some("equivocation")), "{body}");
    let list = slasher.wait_final(3, Duration::from_secs(60)).await;
    assert!(list.iter().all(|o| o["state"] == "slashed"), "{list:#?}");
    assert_eq!(magnitude(&net, ops[0]).await, SLASHED);
    slasher.terminate();
    aggregator.stop().await;
}
