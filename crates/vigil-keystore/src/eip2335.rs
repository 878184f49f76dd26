//! EIP-2335 BLS keystores (version 4).

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use vigil_crypto::SecretKey;
use zeroize::Zeroizing;

use crate::{
    Error, Kdf, Password, Result,
    crypto::{Sealed, hex_field, parse_versioned, read_keystore_file, uuid_field, write_new},
};

const VERSION: u64 = 4;

/// An EIP-2335 keystore: a BLS secret encrypted under a password.
#[derive(Clone, Debug)]
pub struct Eip2335Keystore {
    sealed: Sealed,
    pubkey: Vec<u8>,
    path: String,
    description: String,
    uuid: Uuid,
}

/// EIP-2335's checksum: SHA-256 of the checksum key and the ciphertext.
fn sha256_checksum(checksum_key: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    Sha256::new().chain_update(checksum_key).chain_update(ciphertext).finalize().to_vec()
}

fn module<'a>(crypto: &'a Value, name: &str) -> Result<&'a Value> {
    crypto.get(name).ok_or_else(|| Error::Malformed(format!("crypto.{name} missing")))
}

fn function(module: &Value, what: &'static str) -> Result<String> {
    module
        .get("function")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Malformed(format!("{what}.function missing")))
}

impl Eip2335Keystore {
    /// Parses keystore JSON, refusing unknown functions and hostile KDF parameters.
    pub fn from_json(json: &str) -> Result<Self> {
        let v = parse_versioned(json, VERSION)?;
        let crypto = v.get("crypto").ok_or_else(|| Error::Malformed("crypto missing".into()))?;
        let kdf_module = module(crypto, "kdf")?;
        let kdf = Kdf::from_json(
            &function(kdf_module, "kdf")?,
            kdf_module.get("params").unwrap_or(&Value::Null),
        )?;
        let checksum_module = module(crypto, "checksum")?;
        let checksum_fn = function(checksum_module, "checksum")?;
        if checksum_fn != "sha256" {
            return Err(Error::UnsupportedFunction { what: "checksum", name: checksum_fn });
        }
        let cipher_module = module(crypto, "cipher")?;
        let cipher_fn = function(cipher_module, "cipher")?;
        if cipher_fn != "aes-128-ctr" {
            return Err(Error::UnsupportedFunction { what: "cipher", name: cipher_fn });
        }
        let iv = hex_field(
            cipher_module.pointer("/params/iv").unwrap_or(&Value::Null),
            "cipher.params.iv",
        )?;
        let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or("").to_owned();
        let message =
            |module: &Value, what| hex_field(module.get("message").unwrap_or(&Value::Null), what);
        Ok(Self {
            sealed: Sealed {
                kdf,
                checksum: message(checksum_module, "checksum")?,
                iv,
                ciphertext: message(cipher_module, "cipher")?,
            },
            pubkey: match v.get("pubkey") {
                Some(pk) => hex_field(pk, "pubkey")?,
                None => Vec::new(),
            },
            path: text(v.get("path")),
            description: text(v.get("description")),
            uuid: uuid_field(&v, "uuid"),
        })
    }

    /// Reads and parses a keystore file.
    pub fn from_file(path: &Path) -> Result<Self> {
        Self::from_json(&read_keystore_file(path)?)
    }

    /// Encrypts `secret` (a BLS secret scalar) under `password` with `kdf` (see
    /// [`crate::KdfStrength`]). The `pubkey` field records `sk`'s compressed G2 key.
    pub fn encrypt(sk: &SecretKey, password: &Password, kdf: Kdf, path: &str) -> Result<Self> {
        Ok(Self {
            sealed: Sealed::seal(
                sk.to_bytes().as_slice(),
                &password.eip2335_bytes(),
                kdf,
                sha256_checksum,
            )?,
            pubkey: sk.public_key().to_compressed().to_vec(),
            path: path.to_owned(),
            description: "Vigil operator BLS key".to_owned(),
            uuid: Uuid::new_v4(),
        })
    }

    /// Decrypts the raw secret. A checksum mismatch is [`Error::WrongPassword`].
    pub fn decrypt_secret(&self, password: &Password) -> Result<Zeroizing<Vec<u8>>> {
        self.sealed.open(&password.eip2335_bytes(), sha256_checksum)
    }

    /// Decrypts the BLS secret key; if the keystore records a 96-byte G2 `pubkey`, checks it
    /// matches.
    pub fn decrypt(&self, password: &Password) -> Result<SecretKey> {
        let secret = self.decrypt_secret(password)?;
        let sk = SecretKey::from_bytes(&secret).map_err(|e| Error::InvalidSecret(e.to_string()))?;
        if self.pubkey.len() == 96 && sk.public_key().to_compressed().as_slice() != self.pubkey {
            return Err(Error::IdentityMismatch { field: "pubkey" });
        }
        Ok(sk)
    }

    /// The recorded public key bytes (96-byte G2 for Vigil's keys).
    pub fn pubkey(&self) -> &[u8] {
        &self.pubkey
    }

    /// The keystore's UUID.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    /// The KDF this keystore uses.
    pub fn kdf(&self) -> &Kdf {
        &self.sealed.kdf
    }

    /// Serializes to EIP-2335 JSON.
    pub fn to_json(&self) -> String {
        let Sealed { kdf, checksum, iv, ciphertext } = &self.sealed;
        let (kdf_fn, kdf_params) = kdf.to_json();
        let v = json!({
            "crypto": {
                "kdf": {"function": kdf_fn, "params": kdf_params, "message": ""},
                "checksum": {"function": "sha256", "params": {}, "message": hex::encode(checksum)},
                "cipher": {
                    "function": "aes-128-ctr",
                    "params": {"iv": hex::encode(iv)},
                    "message": hex::encode(ciphertext)
                }
            },
            "description": self.description,
            "pubkey": hex::encode(&self.pubkey),
            "path": self.path,
            "uuid": self.uuid.to_string(),
            "version": VERSION
        });
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// Writes the keystore to `path` (created new; an existing file is never overwritten), with
    /// owner-only permissions on Unix.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_new(path, self.to_json().as_bytes())
    }
}
