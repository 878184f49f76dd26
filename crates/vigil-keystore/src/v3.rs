//! Web3 secret-storage (V3) keystores for ECDSA operator keys.

use std::{io::Write, path::Path};

use alloy_primitives::{Address, keccak256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{
    Error, Kdf, Password, Result,
    crypto::{
        aes_128_ctr, checksum_key, checksum_matches, hex_field, random_bytes, read_keystore_file,
        uuid_field,
    },
};

const VERSION: u64 = 3;

/// A V3 keystore: a secp256k1 key encrypted under a password.
#[derive(Clone, Debug)]
pub struct V3Keystore {
    kdf: Kdf,
    mac: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    address: Option<Address>,
    id: Uuid,
}

impl V3Keystore {
    /// Parses keystore JSON (`crypto` or geth's `Crypto`).
    pub fn from_json(json: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(json)?;
        let version = v.get("version").and_then(Value::as_u64).unwrap_or_default();
        if version != VERSION {
            return Err(Error::UnsupportedVersion { found: version, expected: VERSION });
        }
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
            kdf,
            mac: hex_field(get("mac")?, "mac")?,
            iv: hex_field(crypto.pointer("/cipherparams/iv").unwrap_or(&Value::Null), "iv")?,
            ciphertext: hex_field(get("ciphertext")?, "ciphertext")?,
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
        let key = kdf.derive(password.raw_bytes())?;
        let iv = random_bytes::<16>().to_vec();
        let mut ciphertext = signer.to_bytes().to_vec();
        aes_128_ctr(&key, &iv, &mut ciphertext)?;
        let mac = mac(&key, &ciphertext);
        Ok(Self { kdf, mac, iv, ciphertext, address: Some(signer.address()), id: Uuid::new_v4() })
    }

    /// Decrypts the key. A MAC mismatch is [`Error::WrongPassword`]; a recorded address that
    /// does not match the key is [`Error::IdentityMismatch`].
    pub fn decrypt(&self, password: &Password) -> Result<PrivateKeySigner> {
        let key = self.kdf.derive(password.raw_bytes())?;
        if !checksum_matches(&mac(&key, &self.ciphertext), &self.mac) {
            return Err(Error::WrongPassword);
        }
        let mut secret = Zeroizing::new(self.ciphertext.clone());
        aes_128_ctr(&key, &self.iv, &mut secret)?;
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
        &self.kdf
    }

    /// Serializes to V3 JSON.
    pub fn to_json(&self) -> String {
        let (kdf_fn, kdf_params) = self.kdf.to_json();
        let mut v = json!({
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": hex::encode(&self.iv)},
                "ciphertext": hex::encode(&self.ciphertext),
                "kdf": kdf_fn,
                "kdfparams": kdf_params,
                "mac": hex::encode(&self.mac)
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

fn mac(key: &[u8; 32], ciphertext: &[u8]) -> Vec<u8> {
    let mut preimage = Zeroizing::new(checksum_key(key).to_vec());
    preimage.extend_from_slice(ciphertext);
    keccak256(preimage.as_slice()).to_vec()
}

/// Creates `path` (failing if it exists) with mode 0600 on Unix, writes `bytes` and syncs.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}
