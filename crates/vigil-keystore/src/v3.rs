//! Web3 secret-storage (V3) keystores for ECDSA operator keys.

use std::path::Path;

use alloy_primitives::{Address, keccak256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{
    Error, Kdf, Password, Result,
    crypto::{Sealed, hex_field, parse_versioned, read_keystore_file, uuid_field, write_new},
};

const VERSION: u64 = 3;

/// A V3 keystore: a secp256k1 key encrypted under a password.
#[derive(Clone, Debug)]
pub struct V3Keystore {
    /// The sealed key; its checksum is V3's `mac`.
    sealed: Sealed,
    address: Option<Address>,
    id: Uuid,
}

impl V3Keystore {
    /// Parses keystore JSON (`crypto` or geth's `Crypto`).
    pub fn from_json(json: &str) -> Result<Self> {
        let v = parse_versioned(json, VERSION)?;
        let crypto = v
            .get("crypto")
            .or_else(|| v.get("Crypto"))
            .ok_or_else(|| Error::Malformed("crypto missing".into()))?;
        let get = |name: &str| {
            crypto.get(name).ok_or_else(|| Error::Malformed(format!("crypto.{name} missing")))
        };
        let cipher = get("cipher")?.as_str().unwrap_or_default();
        if cipher != "aes-128-ctr" {
            return Err(Error::UnsupportedFunction { what: "cipher", name: cipher.to_owned() });
        }
        let kdf_name = get("kdf")?.as_str().unwrap_or_default().to_owned();
        let kdf = Kdf::from_json(&kdf_name, get("kdfparams")?)?;
        let address = match v.get("address").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => {
                let bytes = hex_field(&Value::from(s), "address")?;
                Some(
                    Address::try_from(bytes.as_slice())
                        .map_err(|_| Error::Malformed("address is not 20 bytes".into()))?,
                )
            }
            _ => None,
        };
        Ok(Self {
            sealed: Sealed {
                kdf,
                checksum: hex_field(get("mac")?, "mac")?,
                iv: hex_field(crypto.pointer("/cipherparams/iv").unwrap_or(&Value::Null), "iv")?,
                ciphertext: hex_field(get("ciphertext")?, "ciphertext")?,
            },
            address,
            id: uuid_field(&v, "id"),
        })
    }

    /// Reads and parses a keystore file.
    pub fn from_file(path: &Path) -> Result<Self> {
        Self::from_json(&read_keystore_file(path)?)
    }

    /// Encrypts `signer`'s key under `password` with `kdf` (see [`crate::KdfStrength`]).
    pub fn encrypt(signer: &PrivateKeySigner, password: &Password, kdf: Kdf) -> Result<Self> {
        let sealed = Sealed::seal(signer.to_bytes().as_slice(), password.raw_bytes(), kdf, mac)?;
        Ok(Self { sealed, address: Some(signer.address()), id: Uuid::new_v4() })
    }

    /// Decrypts the key. A MAC mismatch is [`Error::WrongPassword`]; a recorded address that
    /// does not match the key is [`Error::IdentityMismatch`].
    pub fn decrypt(&self, password: &Password) -> Result<PrivateKeySigner> {
        let secret = self.sealed.open(password.raw_bytes(), mac)?;
        let signer = PrivateKeySigner::from_slice(&secret)
            .map_err(|e| Error::InvalidSecret(e.to_string()))?;
        if self.address.is_some_and(|a| a != signer.address()) {
            return Err(Error::IdentityMismatch { field: "address" });
        }
        Ok(signer)
    }

    /// The recorded address, if any.
    pub fn address(&self) -> Option<Address> {
        self.address
    }

    /// The KDF this keystore uses.
    pub fn kdf(&self) -> &Kdf {
        &self.sealed.kdf
    }

    /// Serializes to V3 JSON.
    pub fn to_json(&self) -> String {
        let Sealed { kdf, checksum: mac, iv, ciphertext } = &self.sealed;
        let (kdf_fn, kdf_params) = kdf.to_json();
        let mut v = json!({
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": hex::encode(iv)},
                "ciphertext": hex::encode(ciphertext),
                "kdf": kdf_fn,
                "kdfparams": kdf_params,
                "mac": hex::encode(mac)
            },
            "id": self.id.to_string(),
            "version": VERSION
        });
        if let (Some(address), Some(obj)) = (self.address, v.as_object_mut()) {
            obj.insert("address".into(), hex::encode(address).into());
        }
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// Writes the keystore to `path` (created new, never overwriting), owner-only on Unix.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_new(path, self.to_json().as_bytes())
    }
}

/// V3's checksum (its `mac`): keccak-256 of the checksum key and the ciphertext.
fn mac(checksum_key: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    let mut preimage = Zeroizing::new(checksum_key.to_vec());
    preimage.extend_from_slice(ciphertext);
    keccak256(preimage.as_slice()).to_vec()
}
