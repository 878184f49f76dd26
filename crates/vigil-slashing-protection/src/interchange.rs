//! The interchange format: EIP-3076 in spirit, Vigil's checkpoints in content.
//!
//! ```json
//! {
//!   "metadata": {
//!     "interchangeFormatVersion": "1",
//!     "domain": { "l1ChainId": "1", "verifier": "0x…", "operatorSetId": "0" }
//!   },
//!   "data": [
//!     {
//!       "pubkey": "0x… (96-byte compressed G2 key)",
//!       "signedCheckpoints": [
//!         { "rollupId": "42161", "height": "1000", "blockHash": "0x…", "stateRoot": "0x…" }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! As in EIP-3076, integers are decimal strings and the metadata binds the file to one signing
//! domain (the verifier domain plays the part of `genesis_validators_root`). Only the fields the
//! conflict rule compares are kept: `daCommitment` and `l1Block` never decide a conflict.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use vigil_types::{PublicKeyBytes, SigningDomain};

use crate::{Error, Result};

/// The interchange format version this build reads and writes.
pub const INTERCHANGE_FORMAT_VERSION: u64 = 1;

/// A complete interchange file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interchange {
    /// Format version and signing domain.
    pub metadata: InterchangeMetadata,
    /// Per key, what it signed.
    pub data: Vec<InterchangeKey>,
}

/// The interchange's metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InterchangeMetadata {
    /// [`INTERCHANGE_FORMAT_VERSION`] for files this build writes.
    #[serde(with = "quoted_u64")]
    pub interchange_format_version: u64,
    /// The signing domain every record belongs to.
    pub domain: SigningDomain,
}

/// One key's signing history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InterchangeKey {
    /// The operator's BLS key (96-byte compressed G2).
    pub pubkey: PublicKeyBytes,
    /// Every checkpoint it signed, in any order; a height may repeat.
    pub signed_checkpoints: Vec<InterchangeCheckpoint>,
}

/// One signed checkpoint, reduced to what the conflict rule compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InterchangeCheckpoint {
    /// The L2's chain id.
    #[serde(with = "quoted_u64")]
    pub rollup_id: u64,
    /// L2 block number.
    #[serde(with = "quoted_u64")]
    pub height: u64,
    /// L2 block hash.
    pub block_hash: B256,
    /// L2 state root.
    pub state_root: B256,
}

impl Interchange {
    /// An empty interchange for `domain` in the current format.
    pub fn new(domain: SigningDomain) -> Self {
        Self {
            metadata: InterchangeMetadata {
                interchange_format_version: INTERCHANGE_FORMAT_VERSION,
                domain,
            },
            data: Vec::new(),
        }
    }

    /// Parses an interchange file.
    pub fn from_json_str(json: &str) -> Result<Self> {
        Ok(serde_json::from_str(json)?)
    }

    /// Serializes the interchange (pretty-printed).
    pub fn to_json_string(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Refuses a file in another format version or for another domain than `expected`.
    pub fn check_compatible(&self, expected: &SigningDomain) -> Result<()> {
        if self.metadata.interchange_format_version != INTERCHANGE_FORMAT_VERSION {
            return Err(Error::UnsupportedInterchangeVersion {
                found: self.metadata.interchange_format_version,
                supported: INTERCHANGE_FORMAT_VERSION,
            });
        }
        if self.metadata.domain != *expected {
            return Err(Error::DomainMismatch { expected: *expected, found: self.metadata.domain });
        }
        Ok(())
    }
}

/// `u64` as a decimal string, as EIP-3076 writes integers.
mod quoted_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    fn domain() -> SigningDomain {
        SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(0x11), operator_set_id: 3 }
    }

    #[test]
    fn json_round_trip_with_quoted_integers() {
        let mut interchange = Interchange::new(domain());
        interchange.data.push(InterchangeKey {
            pubkey: PublicKeyBytes([7; 96]),
            signed_checkpoints: vec![InterchangeCheckpoint {
                rollup_id: 42161,
                height: u64::MAX,
                block_hash: B256::repeat_byte(1),
                state_root: B256::repeat_byte(2),
            }],
        });
        let json = interchange.to_json_string().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["metadata"]["interchangeFormatVersion"], "1");
        assert_eq!(value["data"][0]["signedCheckpoints"][0]["height"], "18446744073709551615");
        assert_eq!(Interchange::from_json_str(&json).unwrap(), interchange);
    }

    #[test]
    fn refuses_other_version_domain_and_unknown_fields() {
        let mut interchange = Interchange::new(domain());
        assert!(interchange.check_compatible(&domain()).is_ok());
        let mut other = domain();
        other.operator_set_id = 4;
        assert!(matches!(interchange.check_compatible(&other), Err(Error::DomainMismatch { .. })));
        interchange.metadata.interchange_format_version = 2;
        assert!(matches!(
            interchange.check_compatible(&domain()),
            Err(Error::UnsupportedInterchangeVersion { found: 2, .. })
        ));
        let json = r#"{"metadata":{"interchangeFormatVersion":"1","domain":{"l1ChainId":"1","verifier":"0x1111111111111111111111111111111111111111","operatorSetId":"3"}},"data":[],"extra":1}"#;
        assert!(matches!(Interchange::from_json_str(json), Err(Error::InterchangeJson(_))));
    }
}
