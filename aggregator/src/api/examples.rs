//! The examples of the OpenAPI document, written once (the wire types' in `vigil-client`).

use serde_json::{Value, json};

pub(super) use vigil_client::types::schema::examples::{checkpoint, domain, signed};

/// The answer to an accepted signature.
pub(super) fn accepted() -> Value {
    json!({"seq": 42, "duplicate": false, "stale": false})
}

/// A batch of two signed checkpoints (the same one twice).
pub(super) fn batch() -> Value {
    json!([signed(), signed()])
}

/// The answer to [`batch`]: one entry per item, in order.
pub(super) fn batch_answer() -> Value {
    json!({"results": [
        accepted(),
        {"error": "invalid_signature", "message": "invalid signature"}
    ]})
}

/// The example batch: [`checkpoint`] alone, derived from its L1 block.
fn example_batch() -> (vigil_types::Batch, vigil_types::SigningDomain) {
    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap_or_else(|e| unreachable!("{e}"))
    }
    let cp: vigil_types::Checkpoint = parse(checkpoint());
    let domain: vigil_types::SigningDomain = parse(domain());
    let batch = vigil_types::Batch::new(vec![cp], cp.l1_block, cp.l1_block)
        .unwrap_or_else(|e| unreachable!("{e}"));
    (batch, domain)
}

/// The example batch's header signed for real, by a key derived from a fixed seed (an example
/// key: it is registered nowhere).
fn example_batch_signed() -> Value {
    let (batch, domain) = example_batch();
    let key = vigil_crypto::SecretKey::from_ikm(b"vigil openapi example batch signer")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let header = *batch.header();
    let signed = vigil_types::SignedBatch {
        domain,
        header,
        pubkey: key.public_key().to_wire(),
        signature: key.sign(header.digest(&domain).as_slice()).to_wire(false),
    };
    serde_json::to_value(signed).unwrap_or_else(|e| unreachable!("{e}"))
}

/// `POST /v1/batches/signatures`' body: a signed batch header and its checkpoints.
pub(super) fn batch_signature() -> Value {
    json!({"signed": example_batch_signed(), "checkpoints": [checkpoint()]})
}

/// The answer to an accepted batch signature.
pub(super) fn batch_accepted() -> Value {
    json!({"id": "7", "duplicate": false, "stale": false})
}

/// A checkpoint certified in a batch, with its proof and the batch certificate.
pub(super) fn batch_checkpoint_view() -> Value {
    let (batch, domain) = example_batch();
    let signed = example_batch_signed();
    json!({
        "checkpoint": checkpoint(),
        "proof": batch.proof(0),
        "certificate": {
            "domain": domain,
            "header": batch.header(),
            "nonSigners": [],
            "aggregateSignature": signed.get("signature")
        },
        "digest": batch.header().digest(&domain),
        "state": "mined",
        "signedWeight": "100000000000000000000",
        "totalWeight": "100000000000000000000",
        "signers": "1",
        "txHash": "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170",
        "blockNumber": "120"
    })
}

/// A batch certificate with its checkpoints.
pub(super) fn batch_view() -> Value {
    let (batch, domain) = example_batch();
    let signed = example_batch_signed();
    json!({
        "certificate": {
            "domain": domain,
            "header": batch.header(),
            "nonSigners": [],
            "aggregateSignature": signed.get("signature")
        },
        "checkpoints": [checkpoint()],
        "digest": batch.header().digest(&domain),
        "state": "mined",
        "signedWeight": "100000000000000000000",
        "totalWeight": "100000000000000000000",
        "signers": "1",
        "txHash": "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170",
        "blockNumber": "120"
    })
}

/// One feed entry.
pub(super) fn feed_event() -> Value {
    json!({
        "seq": "42",
        "operator": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        "receivedAtMs": "1764000000000",
        "invalid": false,
        "signed": signed()
    })
}

/// The feed as it streams (Server-Sent Events).
pub(super) fn feed_stream() -> String {
    format!("id: 42\nevent: signature\ndata: {}\n\n", feed_event())
}

/// A certified checkpoint's status.
pub(super) fn checkpoint_view() -> Value {
    json!({
        "domain": domain(),
        "checkpoint": checkpoint(),
        "digest": vigil_client::types::schema::examples::DIGEST,
        "state": "mined",
        "signedWeight": "300000000000000000000",
        "totalWeight": "400000000000000000000",
        "signers": "3",
        "txHash": "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170",
        "blockNumber": "120"
    })
}

/// A full certificate's status.
pub(super) fn certificate_view() -> Value {
    json!({
        "certificate": {
            "domain": domain(),
            "checkpoint": checkpoint(),
            "nonSigners": [],
            "aggregateSignature": "0x19679b2a958bd7276fcc6fc7b258b67eb2807748ea59cac8a959d9a85da2b8598e1c05c7007982f6770f527ed090e1fe0d1c6a2903390f7c148db63f8b63b5c070a5292dcbba6a74223d0f70e3eb9a498a260d73783a29ba3aa70e3392e4133c"
        },
        "digest": vigil_client::types::schema::examples::DIGEST,
        "state": "mined",
        "signedWeight": "100000000000000000000",
        "totalWeight": "100000000000000000000",
        "signers": "1",
        "txHash": "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170",
        "blockNumber": "120"
    })
}

/// `GET /v1/health`'s answer.
pub(super) fn health() -> Value {
    json!({"status": "ok", "feedHead": "42"})
}

/// An error answer with `code` and `message`.
pub(super) fn error(code: &str, message: &str) -> Value {
    json!({"error": code, "message": message})
}
