#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The client against the aggregator's real API router over a real socket, on a real SQLite
//! store holding a real BLS certificate.

use std::time::Duration;

use alloy_primitives::{Address, B256, U256, keccak256};
use tokio::sync::watch;
use vigil_aggregator::{
    api::{self, ApiLimits, ApiState},
    intake::{Accepted, Intake, IntakeError},
    store::{NewCertificate, StateUpdate, Store},
};
use vigil_client::{
    CertificateState, ClientError, PublicKey, VerifyError, VigilClient, verify_certificate,
};
use vigil_crypto::{SecretKey, Signature, aggregate_signatures};
use vigil_types::{Certificate, Checkpoint, SigningDomain};

/// Queries only: this intake is never called.
#[derive(Clone)]
struct NoIntake;

impl Intake for NoIntake {
    async fn accept(
        &self,
        _: vigil_types::SignedCheckpoint,
        _: vigil_aggregator::intake::Source,
    ) -> Result<Accepted, IntakeError> {
        Err(IntakeError::Unavailable("queries only".into()))
    }
}

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31_337, verifier: Address::repeat_byte(0x11), operator_set_id: 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_verifies_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open(&format!("sqlite://{}", dir.path().join("a.db").display())).await.unwrap();
    let (_head, rx) = watch::channel(0);
    let router = api::router(ApiState::new(NoIntake, store.clone(), rx, ApiLimits::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::serve(listener, router, std::future::pending()));
    let client = VigilClient::new(&base).unwrap();

    assert!(client.latest(10).await.unwrap().is_none());
    assert!(client.checkpoint(10, 5).await.unwrap().is_none());
    assert!(client.certificate(10, 5).await.unwrap().is_none());

    // Four equal operators; three sign.
    let keys: Vec<SecretKey> =
        (0..4u8).map(|i| SecretKey::from_ikm(&[i.wrapping_add(90); 32]).unwrap()).collect();
    let operators: Vec<(PublicKey, U256)> =
        keys.iter().map(|k| (k.public_key(), U256::from(1_000u64))).collect();
    let checkpoint = Checkpoint {
        rollup_id: 10,
        height: 5,
        block_hash: keccak256(b"b"),
        state_root: keccak256(b"s"),
        da_commitment: keccak256(b"d"),
        l1_block: 100,
    };
    let digest = checkpoint.digest(&domain());
    let sigs: Vec<Signature> = keys[..3].iter().map(|k| k.sign(digest.as_slice())).collect();
    let certificate = Certificate {
        domain: domain(),
        checkpoint,
        non_signers: vec![keys[3].public_key().to_wire()],
        aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
    };
    let new = NewCertificate {
        certificate: certificate.clone(),
        signed_weight: U256::from(3_000u64),
        total_weight: U256::from(4_000u64),
        signers: 3,
        created_at_ms: 1,
    };
    assert!(store.insert_certificate(&new).await.unwrap());

    let status = client.checkpoint(10, 5).await.unwrap().unwrap();
    assert_eq!(status.submission.state, CertificateState::Ready);
    assert_eq!(status.checkpoint, checkpoint);
    assert_eq!(status.digest, digest);
    assert!(client.latest(10).await.unwrap().is_none());

    let tx_hash = B256::repeat_byte(9);
    store.claim_next("t", Duration::from_secs(60), 1).await.unwrap().unwrap();
    store
        .update_state(10, 5, "t", StateUpdate::Mined { tx_hash, block_number: 77, gas_used: 1 }, 2)
        .await
        .unwrap();

    let latest = client.latest(10).await.unwrap().unwrap();
    assert_eq!(latest.submission.state, CertificateState::Mined);
    assert_eq!(
        (latest.submission.tx_hash, latest.submission.block_number),
        (Some(tx_hash), Some(77))
    );
    assert_eq!(
        (latest.submission.signed_weight, latest.submission.total_weight),
        (new.signed_weight, new.total_weight)
    );

    let fetched = client.certificate(10, 5).await.unwrap().unwrap();
    assert_eq!(fetched.certificate, certificate);
    let verified = verify_certificate(&fetched.certificate, &operators, 6_667).unwrap();
    assert_eq!(
        (verified.signed_weight, verified.total_weight, verified.signers),
        (U256::from(3_000u64), U256::from(4_000u64), 3)
    );
    // Against a set where the non-signer carries most of the stake, it does not certify.
    let mut skewed = operators.clone();
    skewed[3].1 = U256::from(10_000u64);
    assert!(matches!(
        verify_certificate(&fetched.certificate, &skewed, 6_667),
        Err(VerifyError::BelowThreshold { .. })
    ));

    // A wrong base path is an error, not "no certificate".
    let wrong = VigilClient::new(&format!("{base}/api")).unwrap();
    match wrong.latest(10).await {
        Err(ClientError::Status { status: 404, code, .. }) => assert_eq!(code, "unknown_route"),
        other => panic!("expected an unknown-route error, got {other:?}"),
    }
    assert!(VigilClient::new("not a url").is_err());

    // Nobody listening.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    assert!(matches!(VigilClient::new(&dead).unwrap().latest(10).await, Err(ClientError::Http(_))));
}
