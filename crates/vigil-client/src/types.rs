//! The aggregator's HTTP API bodies, defined once here: the aggregator serves these types and
//! this client (and the slasher) read them. Like `vigil-types`' wire types: camelCase names,
//! integers as decimal strings (numbers accepted on input), bytes as `0x` hex.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use vigil_types::{
    Certificate, Checkpoint, SignedCheckpoint, SigningDomain,
    serde_helpers::{quoted_opt_u64, quoted_u32, quoted_u64, quoted_u256},
};

/// One entry of the aggregator's feed (`GET /v1/feed`, the `data` of each `signature` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedEvent {
    /// Sequence number: 1, 2, 3, … without gaps.
    #[serde(with = "quoted_u64")]
    pub seq: u64,
    /// The operator registered with the signing key.
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    #[serde(with = "quoted_u64")]
    pub received_at_ms: u64,
    /// The aggregator found the signature invalid (it joined no certificate).
    pub invalid: bool,
    /// The signed checkpoint as the operator sent it.
    pub signed: SignedCheckpoint,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `"ok"`.
    pub status: String,
    /// The highest feed sequence number stored.
    #[serde(with = "quoted_u64")]
    pub feed_head: u64,
}

/// Where a certificate is in its submission to L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// A certified checkpoint and where its certificate stands
/// (`GET /v1/checkpoints/{rollup}/latest` and `/v1/checkpoints/{rollup}/{height}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointStatus {
    /// The signing domain of the certificate.
    pub domain: SigningDomain,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Its digest in `domain`.
    pub digest: B256,
    /// The certificate's submission state.
    pub state: CertificateState,
    /// Stake weight of the signers, as the aggregator computed it.
    #[serde(with = "quoted_u256")]
    pub signed_weight: U256,
    /// Total stake weight of the operator set, as the aggregator computed it.
    #[serde(with = "quoted_u256")]
    pub total_weight: U256,
    /// How many operators signed.
    #[serde(with = "quoted_u32")]
    pub signers: u32,
    /// The last L1 transaction that carried the certificate.
    pub tx_hash: Option<B256>,
    /// The L1 block that mined it.
    #[serde(with = "quoted_opt_u64", default)]
    pub block_number: Option<u64>,
}

/// A full certificate and where it stands (`GET /v1/certificates/{rollup}/{height}`): pass
/// [`CertificateStatus::certificate`] to [`crate::verify_certificate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateStatus {
    /// The certificate: domain, checkpoint, non-signers and aggregate signature.
    pub certificate: Certificate,
    /// The checkpoint's digest in the certificate's domain.
    pub digest: B256,
    /// The certificate's submission state.
    pub state: CertificateState,
    /// Stake weight of the signers, as the aggregator computed it (not verified).
    #[serde(with = "quoted_u256")]
    pub signed_weight: U256,
    /// Total stake weight of the operator set, as the aggregator computed it (not verified).
    #[serde(with = "quoted_u256")]
    pub total_weight: U256,
    /// How many operators signed.
    #[serde(with = "quoted_u32")]
    pub signers: u32,
    /// The last L1 transaction that carried the certificate.
    pub tx_hash: Option<B256>,
    /// The L1 block that mined it.
    #[serde(with = "quoted_opt_u64", default)]
    pub block_number: Option<u64>,
}
