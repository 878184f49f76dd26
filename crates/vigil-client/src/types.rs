//! The aggregator's HTTP API bodies, defined once here: the aggregator serves these types and
//! this client (and the slasher) read them. Like `vigil-types`' wire types: camelCase names,
//! integers as decimal strings (numbers accepted on input), bytes as `0x` hex.
//!
//! With the `openapi` feature each body implements `utoipa::ToSchema` (the aggregator's OpenAPI
//! document is derived from them), and [`schema`] describes the `vigil-types` wire types they
//! embed.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use vigil_types::{
    BatchCertificate, Certificate, Checkpoint, InclusionProof, SignedCheckpoint, SigningDomain,
    serde_helpers::{quoted_opt_u64, quoted_u32, quoted_u64, quoted_u256},
};

/// One entry of the aggregator's feed (`GET /v1/feed`, the `data` of each `signature` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FeedEvent {
    /// Sequence number: 1, 2, 3, … without gaps.
    #[serde(with = "quoted_u64")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub seq: u64,
    /// The operator registered with the signing key.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Address))]
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    #[serde(with = "quoted_u64")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub received_at_ms: u64,
    /// The aggregator found the signature invalid (it joined no certificate).
    pub invalid: bool,
    /// The signed checkpoint as the operator sent it.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::SignedCheckpoint))]
    pub signed: SignedCheckpoint,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `"ok"`.
    pub status: String,
    /// The highest feed sequence number stored.
    #[serde(with = "quoted_u64")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub feed_head: u64,
}

/// Where a certificate is in its submission to L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CertificateState {
    /// Built, waiting to be sent.
    Ready,
    /// Sent to L1, not yet mined.
    Submitted,
    /// Mined: the verifier contract recorded the checkpoint.
    Mined,
    /// The aggregator gave up on it.
    Failed,
}

/// Where a certificate stands in its submission to L1, and what the aggregator computed of its
/// signers: the fields [`CheckpointStatus`] and [`CertificateStatus`] share (flattened into
/// both, so they sit beside the others on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    /// The certificate's submission state.
    pub state: CertificateState,
    /// Stake weight of the signers, as the aggregator computed it (not verified).
    #[serde(with = "quoted_u256")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub signed_weight: U256,
    /// Total stake weight of the operator set, as the aggregator computed it (not verified).
    #[serde(with = "quoted_u256")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub total_weight: U256,
    /// How many operators signed.
    #[serde(with = "quoted_u32")]
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Quantity))]
    pub signers: u32,
    /// The last L1 transaction that carried the certificate.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<schema::Bytes32>))]
    pub tx_hash: Option<B256>,
    /// The L1 block that mined it.
    #[serde(with = "quoted_opt_u64", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<schema::Quantity>))]
    pub block_number: Option<u64>,
}

/// A certified checkpoint and where its certificate stands
/// (`GET /v1/checkpoints/{rollup}/latest` and `/v1/checkpoints/{rollup}/{height}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckpointStatus {
    /// The signing domain of the certificate.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::SigningDomain))]
    pub domain: SigningDomain,
    /// The checkpoint.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Checkpoint))]
    pub checkpoint: Checkpoint,
    /// Its digest in `domain`.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Bytes32))]
    pub digest: B256,
    /// Its certificate's submission.
    #[serde(flatten)]
    pub submission: Submission,
}

/// A full certificate and where it stands (`GET /v1/certificates/{rollup}/{height}`): pass
/// [`CertificateStatus::certificate`] to [`crate::verify_certificate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CertificateStatus {
    /// The certificate: domain, checkpoint, non-signers and aggregate signature.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Certificate))]
    pub certificate: Certificate,
    /// The checkpoint's digest in the certificate's domain.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Bytes32))]
    pub digest: B256,
    /// Its submission.
    #[serde(flatten)]
    pub submission: Submission,
}

/// A checkpoint certified inside a batch, with what proves it
/// (`GET /v1/batches/checkpoints/{rollup}/{height}`): the checkpoint, its inclusion proof, the
/// batch certificate and where that stands. [`BatchCheckpointStatus::verify`] checks the whole
/// chain offline; on L1, pass the checkpoint, `certificate.header.root` and `proof` to
/// `IVigilBatchCheckpoints.isCertifiedInBatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchCheckpointStatus {
    /// The checkpoint.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Checkpoint))]
    pub checkpoint: Checkpoint,
    /// Its leaf's place in the batch and the siblings up to the root.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::InclusionProof))]
    pub proof: InclusionProof,
    /// The batch certificate: domain, header (root, leaf count, L1 range), non-signers and
    /// aggregate signature.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::BatchCertificate))]
    pub certificate: BatchCertificate,
    /// The digest the batch's signers signed (the header's, in the certificate's domain).
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Bytes32))]
    pub digest: B256,
    /// The batch certificate's submission.
    #[serde(flatten)]
    pub submission: Submission,
}

/// A batch certificate with every checkpoint it holds, in leaf order, and where it stands
/// (`GET /v1/batches/{digest}`): what a slasher needs to attribute each checkpoint to the
/// batch's signers. Check [`BatchStatus::batch`] before trusting the checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchStatus {
    /// The batch certificate.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::BatchCertificate))]
    pub certificate: BatchCertificate,
    /// The batch's checkpoints, in leaf order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<schema::Checkpoint>))]
    pub checkpoints: Vec<Checkpoint>,
    /// The digest the batch's signers signed.
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Bytes32))]
    pub digest: B256,
    /// The batch certificate's submission.
    #[serde(flatten)]
    pub submission: Submission,
}

impl BatchStatus {
    /// The batch the checkpoints build, if it is exactly the certificate's header (root, leaf
    /// count and L1 range); an error otherwise.
    pub fn batch(&self) -> Result<vigil_types::Batch, vigil_types::BatchError> {
        let h = self.certificate.header;
        let batch =
            vigil_types::Batch::new(self.checkpoints.clone(), h.from_l1_block, h.to_l1_block)?;
        if *batch.header() != h {
            return Err(vigil_types::BatchError::HeaderMismatch {
                built: batch.header().root,
                leaf_count: batch.header().leaf_count,
            });
        }
        Ok(batch)
    }
}

impl BatchCheckpointStatus {
    /// Verifies offline that the checkpoint is certified: the proof puts it in the batch, and
    /// the batch certificate verifies against `operators` (keys and weights at the header's
    /// `toL1Block`) at `threshold_bps`. See [`crate::verify_checkpoint_in_batch`].
    pub fn verify(
        &self,
        operators: &[(vigil_crypto::PublicKey, U256)],
        threshold_bps: u16,
    ) -> Result<crate::VerifiedCertificate, crate::VerifyError> {
        crate::verify_checkpoint_in_batch(
            &self.checkpoint,
            &self.proof,
            &self.certificate,
            operators,
            threshold_bps,
        )
    }
}

/// Schemas of the `vigil-types` wire types the API bodies embed, for the OpenAPI document. They
/// only describe JSON (serde does the encoding); the aggregator's OpenAPI test checks its live
/// answers against them.
#[cfg(feature = "openapi")]
pub mod schema {
    #![allow(dead_code, reason = "types that exist only to carry a schema")]

    use utoipa::ToSchema;

    /// An unsigned integer as a decimal string (numbers are accepted on input).
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^[0-9]+$", example = "901")]
    pub struct Quantity(String);

    /// A 20-byte address, `0x` hex.
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        pattern = "^0x[0-9a-fA-F]{40}$",
        example = "0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f"
    )]
    pub struct Address(String);

    /// 32 bytes, `0x` hex.
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        pattern = "^0x[0-9a-fA-F]{64}$",
        example = "0xf9ddbbb538b1c3f3892a6e3542faf88bf877f0bf7cf612e33807049b4f1665ad"
    )]
    pub struct Bytes32(String);

    /// A BLS public key (G2, compressed: 96 bytes), `0x` hex.
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{192}$")]
    pub struct PublicKey(String);

    /// A BLS signature (G1), `0x` hex: 48 bytes compressed or 96 uncompressed.
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{96}|[0-9a-fA-F]{192})$")]
    pub struct Signature(String);

    /// What a signature commits to besides the checkpoint: the L1 chain, the verifier contract
    /// and the operator set.
    #[derive(ToSchema)]
    #[schema(example = json!(examples::domain()))]
    #[schema(rename_all = "camelCase")]
    pub struct SigningDomain {
        /// The L1 chain id.
        l1_chain_id: Quantity,
        /// The verifier contract.
        verifier: Address,
        /// The EigenLayer operator set.
        operator_set_id: Quantity,
    }

    /// A rollup's state at one height, anchored to an L1 block.
    #[derive(ToSchema)]
    #[schema(example = json!(examples::checkpoint()))]
    #[schema(rename_all = "camelCase")]
    pub struct Checkpoint {
        /// The rollup's chain id.
        rollup_id: Quantity,
        /// The L2 block number.
        height: Quantity,
        /// The L2 block hash.
        block_hash: Bytes32,
        /// The L2 state root.
        state_root: Bytes32,
        /// The commitment to the data the block was derived from.
        da_commitment: Bytes32,
        /// The L1 block the operator set is read at.
        l1_block: Quantity,
    }

    /// One operator's signature over a checkpoint in a domain.
    #[derive(ToSchema)]
    #[schema(example = json!(examples::signed()))]
    pub struct SignedCheckpoint {
        /// The signing domain.
        domain: SigningDomain,
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// The signer's BLS key.
        pubkey: PublicKey,
        /// The signature over the checkpoint's digest in `domain`.
        signature: Signature,
    }

    /// An aggregate signature over a checkpoint, naming the operators that did not sign.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct Certificate {
        /// The signing domain.
        domain: SigningDomain,
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// The keys of the operator set's members that did not sign.
        non_signers: Vec<PublicKey>,
        /// The aggregate of the signers' signatures.
        aggregate_signature: Signature,
    }

    /// What operators sign for a batch (`VIGIL_BATCH_V1`): its Merkle root, size and L1 range.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct BatchHeader {
        /// The Merkle root over the leaves.
        root: Bytes32,
        /// How many checkpoints the tree holds.
        leaf_count: Quantity,
        /// The first L1 block of the range the checkpoints were derived from.
        from_l1_block: Quantity,
        /// The last L1 block of that range; the stake reference block.
        to_l1_block: Quantity,
    }

    /// Where one leaf sits in a batch tree, and the siblings from it to the root.
    #[derive(ToSchema)]
    pub struct InclusionProof {
        /// The leaf's position in the pinned order.
        index: Quantity,
        /// The siblings, from the leaf level up.
        siblings: Vec<Bytes32>,
    }

    /// One operator's signature over a batch header.
    #[derive(ToSchema)]
    pub struct SignedBatch {
        /// The signing domain.
        domain: SigningDomain,
        /// The signed header.
        header: BatchHeader,
        /// The signer's BLS key.
        pubkey: PublicKey,
        /// The signature over the header's digest in `domain`.
        signature: Signature,
    }

    /// An aggregate signature over a batch header, naming the operators that did not sign.
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    pub struct BatchCertificate {
        /// The signing domain.
        domain: SigningDomain,
        /// The certified header.
        header: BatchHeader,
        /// The keys of the operator set's members (at `toL1Block`) that did not sign.
        non_signers: Vec<PublicKey>,
        /// The aggregate of the signers' signatures.
        aggregate_signature: Signature,
    }

    /// One way of showing that a key signed a checkpoint (the slasher contract's `Statement`).
    #[derive(ToSchema)]
    #[schema(rename_all = "camelCase")]
    #[serde(tag = "form", rename_all = "camelCase")]
    pub enum Statement {
        /// The key's own signature on the checkpoint.
        Signed {
            /// The signed checkpoint.
            signed: SignedCheckpoint,
        },
        /// An aggregate on the checkpoint, the key among its signers.
        Aggregate {
            /// The aggregate.
            certificate: Certificate,
        },
        /// The key's own signature on a batch holding the checkpoint.
        InBatch {
            /// The signed batch header.
            signed: SignedBatch,
            /// The checkpoint.
            checkpoint: Checkpoint,
            /// Its place in the batch's root.
            proof: InclusionProof,
        },
        /// An aggregate on a batch holding the checkpoint, the key among its signers.
        InBatchAggregate {
            /// The batch certificate.
            certificate: BatchCertificate,
            /// The checkpoint.
            checkpoint: Checkpoint,
            /// Its place in the batch's root.
            proof: InclusionProof,
        },
    }

    /// Examples of the wire types, shared by the API documents. The signed checkpoint is real:
    /// the first signature of `testdata/checkpoints.json`, in the wire encoding.
    pub mod examples {
        use serde_json::{Value, json};

        /// A signing domain.
        pub fn domain() -> Value {
            json!({
                "l1ChainId": "31337",
                "verifier": "0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f",
                "operatorSetId": "0"
            })
        }

        /// A checkpoint.
        pub fn checkpoint() -> Value {
            json!({
                "rollupId": "901",
                "height": "1000",
                "blockHash": "0x1937258134075cfc28c92848d098e6a3d6ff9b2e37d244dc56201398b66a37f5",
                "stateRoot": "0x76931b2bdfd01d1f03770400b8c6d2fe955ebdbadc03b9e7662b45cc9bd91ed4",
                "daCommitment": "0x2c7166883838aca6fe233f3218ac56f85155e4a4ca52cf59a13a7d65c8e15888",
                "l1Block": "77"
            })
        }

        /// [`checkpoint`]'s digest in [`domain`].
        pub const DIGEST: &str =
            "0xf9ddbbb538b1c3f3892a6e3542faf88bf877f0bf7cf612e33807049b4f1665ad";

        /// A signed checkpoint: [`checkpoint`] in [`domain`], signed for real.
        pub fn signed() -> Value {
            json!({
                "domain": domain(),
                "checkpoint": checkpoint(),
                "pubkey": "0x92c5ed2c7ec2b477af30b4a940ff81e367beca0e1cf98da85be7a0552640d7a9083f54e444dde74cd522b20281bea0de1433c8b152f289be588890ae4fd9cfb3a16a39bfe51d52561563c7c57ded262cf19b639c02d5e6696a7a2cf60137d17b",
                "signature": "0x19679b2a958bd7276fcc6fc7b258b67eb2807748ea59cac8a959d9a85da2b8598e1c05c7007982f6770f527ed090e1fe0d1c6a2903390f7c148db63f8b63b5c070a5292dcbba6a74223d0f70e3eb9a498a260d73783a29ba3aa70e3392e4133c"
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const DOMAIN: &str = r#"{"l1ChainId":"31337","verifier":"0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f","operatorSetId":"0"}"#;
    const CHECKPOINT: &str = r#"{"rollupId":"901","height":"1000","blockHash":"0x1937258134075cfc28c92848d098e6a3d6ff9b2e37d244dc56201398b66a37f5","stateRoot":"0x76931b2bdfd01d1f03770400b8c6d2fe955ebdbadc03b9e7662b45cc9bd91ed4","daCommitment":"0x2c7166883838aca6fe233f3218ac56f85155e4a4ca52cf59a13a7d65c8e15888","l1Block":"77"}"#;
    const DIGEST: &str = "0xf9ddbbb538b1c3f3892a6e3542faf88bf877f0bf7cf612e33807049b4f1665ad";
    const TX: &str = "0x5a1e6d3c4b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170";

    /// The shared [`Submission`] is flattened: each status is one flat object, its fields in
    /// the order the aggregator has always sent them.
    #[test]
    fn statuses_are_flat_objects() {
        let checkpoint = format!(
            r#"{{"domain":{DOMAIN},"checkpoint":{CHECKPOINT},"digest":"{DIGEST}","state":"mined","signedWeight":"300","totalWeight":"400","signers":"3","txHash":"{TX}","blockNumber":"120"}}"#
        );
        let status: CheckpointStatus = serde_json::from_str(&checkpoint).unwrap();
        assert_eq!(status.submission.signed_weight, U256::from(300));
        assert_eq!(status.submission.block_number, Some(120));
        assert_eq!(serde_json::to_string(&status).unwrap(), checkpoint);

        let certificate = format!(
            r#"{{"certificate":{{"domain":{DOMAIN},"checkpoint":{CHECKPOINT},"nonSigners":[],"aggregateSignature":"0x19679b2a958bd7276fcc6fc7b258b67eb2807748ea59cac8a959d9a85da2b8598e1c05c7007982f6770f527ed090e1fe0d1c6a2903390f7c148db63f8b63b5c070a5292dcbba6a74223d0f70e3eb9a498a260d73783a29ba3aa70e3392e4133c"}},"digest":"{DIGEST}","state":"ready","signedWeight":"1","totalWeight":"1","signers":"1","txHash":null,"blockNumber":null}}"#
        );
        let status: CertificateStatus = serde_json::from_str(&certificate).unwrap();
        assert_eq!(status.submission.state, CertificateState::Ready);
        assert_eq!(serde_json::to_string(&status).unwrap(), certificate);

        // Numbers are accepted on input, and an absent `txHash` or `blockNumber` is `null`.
        let lenient = format!(
            r#"{{"domain":{DOMAIN},"checkpoint":{CHECKPOINT},"digest":"{DIGEST}","state":"submitted","signedWeight":"300","totalWeight":"400","signers":3}}"#
        );
        let status: CheckpointStatus = serde_json::from_str(&lenient).unwrap();
        assert_eq!((status.submission.signers, status.submission.tx_hash), (3, None));
        assert_eq!(status.submission.block_number, None);
    }
}
