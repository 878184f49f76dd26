//! The signing pipeline on real parts: SQLite slashing protection, an L2 anvil, HTTP servers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use axum::{Json, Router, http::StatusCode, routing::post};
use vigil_chain::{Anvil, AnvilConfig, signing_provider};
use vigil_crypto::{PublicKey, SecretKey, Signature, verify};
use vigil_da::{VerifiedBatch, batch_from_l2};
use vigil_node::{
    signer::CheckpointSigner,
    submit::{Delivery, RetryPolicy, Submitter},
    watcher::{L2Tag, Skip, checkpoints_for_batch},
};
use vigil_protection::{NotSafe, Safe, SlashingDatabase};
use vigil_types::{Checkpoint, SignatureBytes, SignedCheckpoint, SigningDomain};

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31337, verifier: Address::repeat_byte(0x77), operator_set_id: 0 }
}

fn cp(height: u64, block: u8, da: u8) -> Checkpoint {
    Checkpoint {
        rollup_id: 901,
        height,
        block_hash: B256::repeat_byte(block),
        state_root: B256::repeat_byte(block ^ 0xff),
        da_commitment: B256::repeat_byte(da),
        l1_block: 10,
    }
}

#[tokio::test]
async fn signer_never_signs_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let db = SlashingDatabase::open(dir.path().join("protection.sqlite")).await.unwrap();
    let key = SecretKey::from_ikm(&[3u8; 32]).unwrap();
    let pk = key.public_key();
    let signer = CheckpointSigner::new(key, domain(), db, false).await.unwrap();

    let (safe, signed) = signer.sign(&cp(5, 1, 1)).await.unwrap();
    assert_eq!(safe, Safe::Valid);
    assert!(matches!(signed.signature, SignatureBytes::Uncompressed(_)));
    let sig = Signature::from_wire(&signed.signature).unwrap();
    verify(&pk, signed.digest().as_slice(), &sig).unwrap();
    assert_eq!(PublicKey::from_wire(&signed.pubkey).unwrap(), pk);

    // The same block with another daCommitment: allowed (an honest re-post).
    let (safe, _) = signer.sign(&cp(5, 1, 2)).await.unwrap();
    assert_eq!(safe, Safe::SameBlock);
    // Another block at the same height: refused, no signature.
    assert!(matches!(signer.sign(&cp(5, 2, 1)).await, Err(NotSafe::Conflict { .. })));
    // Other heights are independent.
    assert_eq!(signer.sign(&cp(6, 2, 1)).await.unwrap().0, Safe::Valid);
}

#[tokio::test]
async fn watcher_attests_only_what_the_own_node_confirms() {
    let l2 = Anvil::start(AnvilConfig {
        chain_id: 901,
        slots_in_an_epoch: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let p = signing_provider(l2.url(), DEV_KEY.parse().unwrap());
    for i in 0..3u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(9))
            .with_value(U256::from(i + 1));
        p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let batch = batch_from_l2(&p, 901, 1, 3).await.unwrap();
    let verified = VerifiedBatch {
        l1_block: 44,
        tx_hash: B256::repeat_byte(1),
        versioned_hashes: vec![B256::repeat_byte(2)],
        da_commitment: B256::repeat_byte(3),
        batch,
    };
    // Mine past the batch so the safe head covers it.
    p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();
    let (cps, skipped) = checkpoints_for_batch(&p, L2Tag::Safe, &verified).await;
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(cps.len(), 3);
    for c in &cps {
        let b = p.get_block_by_number(c.height.into()).await.unwrap().unwrap();
        assert_eq!((c.block_hash, c.state_root), (b.header.hash, b.header.state_root));
        assert_eq!((c.da_commitment, c.l1_block, c.rollup_id), (B256::repeat_byte(3), 44, 901));
    }

    // A batch built from another chain's blocks does not match this node: nothing is attested.
    let other = Anvil::start(AnvilConfig { chain_id: 901, ..Default::default() }).await.unwrap();
    let op = signing_provider(other.url(), DEV_KEY.parse().unwrap());
    for _ in 0..3 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(8))
            .with_value(U256::from(7));
        op.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let foreign =
        VerifiedBatch { batch: batch_from_l2(&op, 901, 1, 3).await.unwrap(), ..verified.clone() };
    let (cps, skipped) = checkpoints_for_batch(&p, L2Tag::Safe, &foreign).await;
    assert!(cps.is_empty());
    assert_eq!(
        skipped,
        vec![
            Skip::Mismatch { height: 1 },
            Skip::Mismatch { height: 2 },
            Skip::Mismatch { height: 3 }
        ]
    );
}

#[tokio::test]
async fn watcher_waits_for_the_trusted_head() {
    // Default anvil: `finalized` trails the head by 64 blocks, so nothing is trusted yet.
    let l2 = Anvil::start(AnvilConfig { chain_id: 901, ..Default::default() }).await.unwrap();
    let p = signing_provider(l2.url(), DEV_KEY.parse().unwrap());
    p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(3),)).await.unwrap();
    let verified = VerifiedBatch {
        l1_block: 1,
        tx_hash: B256::ZERO,
        versioned_hashes: vec![],
        da_commitment: B256::ZERO,
        batch: batch_from_l2(&p, 901, 1, 3).await.unwrap(),
    };
    let (cps, skipped) = checkpoints_for_batch(&p, L2Tag::Finalized, &verified).await;
    assert!(cps.is_empty());
    assert_eq!(skipped.len(), 3);
    assert!(
        skipped.iter().all(|s| matches!(s, Skip::NotYetTrusted { head: 0, .. })),
        "{skipped:?}"
    );
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn signed() -> SignedCheckpoint {
    let key = SecretKey::from_ikm(&[4u8; 32]).unwrap();
    let c = cp(1, 1, 1);
    SignedCheckpoint {
        domain: domain(),
        checkpoint: c,
        pubkey: key.public_key().to_wire(),
        signature: key.sign(c.digest(&domain()).as_slice()).to_wire(false),
    }
}

#[tokio::test]
async fn submitter_retries_then_delivers_and_reports_refusals() {
    // Flaky: two 503s, then accepts (and checks it got the exact JSON).
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let expected = signed();
    let flaky = serve(Router::new().route(
        "/v1/signatures",
        post(move |Json(body): Json<SignedCheckpoint>| {
            let seen = seen.clone();
            async move {
                assert_eq!(body, expected);
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::ACCEPTED
                }
            }
        }),
    ))
    .await;
    // Refuses with a typed reason.
    let refusing = serve(Router::new().route(
        "/v1/signatures",
        post(|| async { (StatusCode::BAD_REQUEST, r#"{"error":"unknown_operator"}"#) }),
    ))
    .await;
    // Nobody listening.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let policy =
        RetryPolicy { attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 20, timeout_ms: 2_000 };
    let out = Submitter::new(vec![flaky.clone(), refusing.clone(), dead.clone()], policy)
        .submit(&signed())
        .await;
    assert_eq!(out[0], (flaky, Delivery::Accepted));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        out[1],
        (
            refusing,
            Delivery::Refused { status: 400, reason: r#"{"error":"unknown_operator"}"#.into() }
        )
    );
    assert!(matches!(&out[2], (d, Delivery::Failed { attempts: 3, .. }) if *d == dead));
}
