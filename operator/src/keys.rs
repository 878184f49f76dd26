//! The operator's keys: BLS (EIP-2335) and ECDSA (V3) keystores.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use serde::Serialize;
use vigil_crypto::SecretKey;
use vigil_keystore::{Eip2335Keystore, Kdf, Password, PrivateKeySigner, V3Keystore};
use zeroize::Zeroizing;

use crate::{Error, Result, config::KeysConfig};

/// Which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// The BLS12-381 signing key (checkpoint signatures).
    Bls,
    /// The ECDSA key: the EigenLayer operator address.
    Ecdsa,
}

/// A keystore found on disk, described without decrypting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
    /// BLS or ECDSA.
    pub kind: KeyKind,
    /// The file.
    pub path: PathBuf,
    /// BLS: the compressed G2 public key (hex); ECDSA: the address.
    pub public: String,
}

/// Where a password comes from, as the CLI and config name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// A file holding the password (one trailing newline is ignored).
    File(PathBuf),
    /// An environment variable holding the password.
    Env(String),
}

impl PasswordSource {
    /// Reads the password.
    pub fn read(&self) -> Result<Password> {
        Ok(match self {
            Self::File(path) => Password::from_file(path)?,
            Self::Env(var) => Password::from_env(var)?,
        })
    }

    /// The BLS password source of `keys`: the file if set, else the variable.
    pub fn bls(keys: &KeysConfig) -> Self {
        keys.bls_password_file
            .clone()
            .map_or_else(|| Self::Env(keys.bls_password_env.clone()), Self::File)
    }

    /// The ECDSA password source of `keys`.
    pub fn ecdsa(keys: &KeysConfig) -> Self {
        keys.ecdsa_password_file
            .clone()
            .map_or_else(|| Self::Env(keys.ecdsa_password_env.clone()), Self::File)
    }
}

/// Writes a new BLS key to `path`; returns its public key.
pub fn generate_bls(path: &Path, password: &Password, kdf: Kdf) -> Result<KeyEntry> {
    write_bls(path, &SecretKey::random(), password, kdf)
}

/// Writes a new ECDSA key to `path`; returns its address.
pub fn generate_ecdsa(path: &Path, password: &Password, kdf: Kdf) -> Result<KeyEntry> {
    write_ecdsa(path, &PrivateKeySigner::random(), password, kdf)
}

fn write_bls(path: &Path, sk: &SecretKey, password: &Password, kdf: Kdf) -> Result<KeyEntry> {
    ensure_parent(path)?;
    let ks = Eip2335Keystore::encrypt(sk, password, kdf, "")?;
    ks.write(path)?;
    Ok(KeyEntry {
        kind: KeyKind::Bls,
        path: path.to_owned(),
        public: format!("0x{}", hex::encode(sk.public_key().to_compressed())),
    })
}

fn write_ecdsa(
    path: &Path,
    signer: &PrivateKeySigner,
    password: &Password,
    kdf: Kdf,
) -> Result<KeyEntry> {
    ensure_parent(path)?;
    V3Keystore::encrypt(signer, password, kdf)?.write(path)?;
    Ok(KeyEntry {
        kind: KeyKind::Ecdsa,
        path: path.to_owned(),
        public: signer.address().to_string(),
    })
}

fn ensure_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| Error::KeyFile { path: dir.to_owned(), reason: e.to_string() }),
        _ => Ok(()),
    }
}

/// Imports a raw secret (hex, from a file: never from the command line) into a new keystore.
pub fn import_secret(
    kind: KeyKind,
    secret_file: &Path,
    path: &Path,
    password: &Password,
    kdf: Kdf,
) -> Result<KeyEntry> {
    let raw = Zeroizing::new(
        std::fs::read_to_string(secret_file)
            .map_err(|e| Error::KeyFile { path: secret_file.to_owned(), reason: e.to_string() })?,
    );
    let bytes = Zeroizing::new(hex::decode(raw.trim().trim_start_matches("0x")).map_err(|_| {
        Error::KeyFile { path: secret_file.to_owned(), reason: "not a hex secret".into() }
    })?);
    let invalid = |reason: String| Error::KeyFile { path: secret_file.to_owned(), reason };
    match kind {
        KeyKind::Bls => {
            let sk = SecretKey::from_bytes(&bytes).map_err(|e| invalid(e.to_string()))?;
            write_bls(path, &sk, password, kdf)
        }
        KeyKind::Ecdsa => {
            let signer =
                PrivateKeySigner::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
            write_ecdsa(path, &signer, password, kdf)
        }
    }
}

/// Describes every keystore in `dir` (not recursive), without decrypting anything.
pub fn list(dir: &Path) -> Result<Vec<KeyEntry>> {
    let read_dir = std::fs::read_dir(dir)
        .map_err(|e| Error::KeyFile { path: dir.to_owned(), reason: e.to_string() })?;
    let mut out = Vec::new();
    for entry in read_dir.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if let Ok(ks) = Eip2335Keystore::from_file(&path) {
            out.push(KeyEntry {
                kind: KeyKind::Bls,
                public: format!("0x{}", hex::encode(ks.pubkey())),
                path,
            });
        } else if let Ok(ks) = V3Keystore::from_file(&path) {
            out.push(KeyEntry {
                kind: KeyKind::Ecdsa,
                public: ks
                    .address()
                    .map_or_else(|| "(no address recorded)".into(), |a| a.to_string()),
                path,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What a running node needs, and nothing more: the BLS signing key and the operator's address.
/// The ECDSA operator key (which controls the operator's stake delegation) stays encrypted: the
/// address comes from `keys.operator_address` or, failing that, from the address the ECDSA
/// keystore records in the clear.
pub struct NodeKeys {
    /// The BLS signing key.
    pub bls: SecretKey,
    /// The EigenLayer operator address.
    pub operator: Address,
}

impl std::fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeKeys")
            .field("bls", &self.bls.public_key())
            .field("operator", &self.operator)
            .finish()
    }
}

impl NodeKeys {
    /// Decrypts the BLS keystore and finds the operator's address without decrypting the ECDSA
    /// key.
    pub fn load(keys: &KeysConfig) -> Result<Self> {
        let bls = Eip2335Keystore::from_file(&keys.bls_keystore)?
            .decrypt(&PasswordSource::bls(keys).read()?)?;
        Ok(Self { bls, operator: operator_address(keys)? })
    }
}

/// The operator's address: `keys.operator_address`, else the address the ECDSA keystore records.
pub fn operator_address(keys: &KeysConfig) -> Result<Address> {
    if let Some(address) = keys.operator_address {
        return Ok(address);
    }
    V3Keystore::from_file(&keys.ecdsa_keystore)?.address().ok_or_else(|| {
        crate::Error::Config(format!(
            "{} records no address: set keys.operator_address to the operator's address",
            keys.ecdsa_keystore.display()
        ))
    })
}

/// The decrypted keys registration needs: the BLS key (for the proof of possession) and the
/// ECDSA operator key that signs EigenLayer's registration transactions. Only `register` and
/// `deregister` load it.
pub struct OperatorKeys {
    /// The BLS signing key.
    pub bls: SecretKey,
    /// The ECDSA operator key.
    pub ecdsa: PrivateKeySigner,
}

impl std::fmt::Debug for OperatorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorKeys")
            .field("bls", &self.bls.public_key())
            .field("ecdsa", &self.ecdsa.address())
            .finish()
    }
}

impl OperatorKeys {
    /// Decrypts both keystores named by `keys`. A configured `keys.operator_address` must be the
    /// ECDSA key's address.
    pub fn load(keys: &KeysConfig) -> Result<Self> {
        let bls = Eip2335Keystore::from_file(&keys.bls_keystore)?
            .decrypt(&PasswordSource::bls(keys).read()?)?;
        let ecdsa = V3Keystore::from_file(&keys.ecdsa_keystore)?
            .decrypt(&PasswordSource::ecdsa(keys).read()?)?;
        if let Some(configured) = keys.operator_address
            && configured != ecdsa.address()
        {
            return Err(crate::Error::Config(format!(
                "keys.operator_address is {configured} but {} holds the key of {}",
                keys.ecdsa_keystore.display(),
                ecdsa.address()
            )));
        }
        Ok(Self { bls, ecdsa })
    }

    /// The operator's address.
    pub fn address(&self) -> Address {
        self.ecdsa.address()
    }
}
