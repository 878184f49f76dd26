//! The JSON bodies the API answers with. Like `vigil-types`' wire types: camelCase names,
//! integers as decimal strings (numbers are accepted on input), bytes as `0x` hex.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use vigil_types::{Certificate, Checkpoint, SignedCheckpoint, SigningDomain};

use crate::store::{CertState, CertificateRecord, FeedEntry};

/// One event of `GET /v1/feed` (SSE `event: signature`, `id: <seq>`): a signature the
/// aggregator accepted, with its place in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedEvent {
    /// Feed sequence number: 1, 2, 3, … without gaps; also the SSE event id.
    #[serde(with = "quoted_u64")]
    pub seq: u64,
    /// The operator (EigenLayer address) registered with the key.
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    #[serde(with = "quoted_u64")]
    pub received_at_ms: u64,
    /// The signature failed verification. It stays on the feed: a slasher must verify every
    /// signature itself anyway before using it as evidence.
    pub invalid: bool,
    /// The signed checkpoint as the operator sent it.
    pub signed: SignedCheckpoint,
}

impl From<FeedEntry> for FeedEvent {
    fn from(e: FeedEntry) -> Self {
        Self {
            seq: e.seq,
            operator: e.operator,
            received_at_ms: e.received_at_ms,
            invalid: e.invalid,
            signed: e.signed,
        }
    }
}

/// Where a certificate is in its submission to L1, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateState {
    /// Built, waiting to be sent.
    Ready,
    /// Sent to L1, not yet mined.
    Submitted,
    /// Mined: the verifier recorded the checkpoint.
    Mined,
    /// Given up on.
    Failed,
}

impl From<CertState> for CertificateState {
    fn from(s: CertState) -> Self {
        match s {
            CertState::Ready => Self::Ready,
            CertState::Submitted => Self::Submitted,
            CertState::Mined => Self::Mined,
            CertState::Failed => Self::Failed,
        }
    }
}

/// `GET /v1/checkpoints/{rollup}/latest` and `GET /v1/checkpoints/{rollup}/{height}`: a
/// certified checkpoint and where its certificate stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointView {
    /// The signing domain of the certificate.
    pub domain: SigningDomain,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Its digest in `domain`: what the operators signed.
    pub digest: B256,
    /// The certificate's submission state (`latest` only ever answers `mined`).
    pub state: CertificateState,
    /// Stake weight of the signers at `checkpoint.l1Block`.
    #[serde(with = "quoted_u256")]
    pub signed_weight: U256,
    /// Total stake weight of the operator set at that block.
    #[serde(with = "quoted_u256")]
    pub total_weight: U256,
    /// How many operators signed.
    #[serde(with = "quoted_u32")]
    pub signers: u32,
    /// The last transaction that carried the certificate, if one was sent.
    pub tx_hash: Option<B256>,
    /// The L1 block that mined it, once mined.
    #[serde(with = "quoted_opt_u64", default)]
    pub block_number: Option<u64>,
}

impl From<&CertificateRecord> for CheckpointView {
    fn from(r: &CertificateRecord) -> Self {
        Self {
            domain: r.certificate.domain,
            checkpoint: r.certificate.checkpoint,
            digest: r.digest,
            state: r.state.into(),
            signed_weight: r.signed_weight,
            total_weight: r.total_weight,
            signers: r.signers,
            tx_hash: r.tx_hash,
            block_number: r.block_number,
        }
    }
}

/// `GET /v1/certificates/{rollup}/{height}`: the full certificate (everything needed to verify
/// it offline, given the operator set at `checkpoint.l1Block`) and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateView {
    /// The certificate: domain, checkpoint, non-signers and aggregate signature.
    pub certificate: Certificate,
    /// The checkpoint's digest in the certificate's domain.
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
    /// The last transaction that carried the certificate, if one was sent.
    pub tx_hash: Option<B256>,
    /// The L1 block that mined it, once mined.
    #[serde(with = "quoted_opt_u64", default)]
    pub block_number: Option<u64>,
}

impl From<CertificateRecord> for CertificateView {
    fn from(r: CertificateRecord) -> Self {
        Self {
            state: r.state.into(),
            digest: r.digest,
            signed_weight: r.signed_weight,
            total_weight: r.total_weight,
            signers: r.signers,
            tx_hash: r.tx_hash,
            block_number: r.block_number,
            certificate: r.certificate,
        }
    }
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The highest feed sequence number stored.
    #[serde(with = "quoted_u64")]
    pub feed_head: u64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(u64),
}

/// `u64` as a decimal string; numbers are accepted on input too.
pub(crate) mod quoted_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    use super::StringOrNumber;

    pub(crate) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match StringOrNumber::deserialize(d)? {
            StringOrNumber::Number(n) => Ok(n),
            StringOrNumber::String(s) => s.parse().map_err(D::Error::custom),
        }
    }
}

/// `u32` as a decimal string; numbers are accepted on input too.
pub(crate) mod quoted_u32 {
    use serde::{Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        u32::try_from(super::quoted_u64::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// `Option<u64>` as a decimal string or `null`.
pub(crate) mod quoted_opt_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    use super::StringOrNumber;

    pub(crate) fn serialize<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<StringOrNumber>::deserialize(d)? {
            None => Ok(None),
            Some(StringOrNumber::Number(n)) => Ok(Some(n)),
            Some(StringOrNumber::String(s)) => s.parse().map(Some).map_err(D::Error::custom),
        }
    }
}

/// `U256` as a decimal string (alloy's own serde writes hex).
pub(crate) mod quoted_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        U256::from_str_radix(&s, 10).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn integers_are_decimal_strings() {
        let health = Health { status: "ok".into(), feed_head: u64::MAX };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(json, serde_json::json!({"status": "ok", "feedHead": u64::MAX.to_string()}));
        assert_eq!(serde_json::from_value::<Health>(json).unwrap(), health);
    }
}
