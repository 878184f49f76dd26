//! The core both keystore formats share: a password-based KDF and AES-128-CTR.

use aes::Aes128;
use ctr::{
    Ctr128BE,
    cipher::{KeyIvInit, StreamCipher},
};
use hmac::Hmac;
use rand::RngCore;
use std::{io::Write, path::Path};

use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Derived key length: 16 bytes of AES key, 16 bytes of checksum key.
pub(crate) const DKLEN: u64 = 32;
/// The largest scrypt memory a keystore may demand (`128 · r · n` bytes): 1 GiB.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// The largest scrypt parallelism accepted.
const MAX_SCRYPT_P: u64 = 16;
/// The largest PBKDF2 iteration count accepted.
const MAX_PBKDF2_C: u64 = 10_000_000;

/// A password-based key derivation function with its parameters.
#[derive(Clone, PartialEq, Eq)]
pub enum Kdf {
    /// scrypt (RFC 7914).
    Scrypt {
        /// CPU/memory cost, a power of two.
        n: u64,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// Salt.
        salt: Vec<u8>,
    },
    /// PBKDF2 with HMAC-SHA256.
    Pbkdf2 {
        /// Iterations.
        c: u32,
        /// Salt.
        salt: Vec<u8>,
    },
}

impl std::fmt::Debug for Kdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Scrypt { n, r, p, .. } => write!(f, "scrypt(n={n}, r={r}, p={p})"),
            Self::Pbkdf2 { c, .. } => write!(f, "pbkdf2-hmac-sha256(c={c})"),
        }
    }
}

/// How expensive a new keystore's KDF is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KdfStrength {
    /// The standard parameters (EIP-2335's scrypt n = 2^18, r = 8, p = 1): about a second to
    /// open in a release build. Use for every real key.
    #[default]
    Standard,
    /// scrypt n = 2^10: milliseconds. For tests and throwaway devnet keys only.
    Light,
}

impl KdfStrength {
    /// A fresh scrypt KDF of this strength with a random 32-byte salt.
    pub fn scrypt(self) -> Kdf {
        let n = match self {
            Self::Standard => 1 << 18,
            Self::Light => 1 << 10,
        };
        Kdf::Scrypt { n, r: 8, p: 1, salt: random_bytes::<32>().to_vec() }
    }

    /// A fresh PBKDF2 KDF of this strength with a random 32-byte salt.
    pub fn pbkdf2(self) -> Kdf {
        let c = match self {
            Self::Standard => 262_144,
            Self::Light => 1_024,
        };
        Kdf::Pbkdf2 { c, salt: random_bytes::<32>().to_vec() }
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}

fn field<'a>(params: &'a Value, name: &str) -> Result<&'a Value> {
    params.get(name).ok_or_else(|| Error::Malformed(format!("KDF params lack {name:?}")))
}

fn uint(params: &Value, name: &str) -> Result<u64> {
    field(params, name)?
        .as_u64()
        .ok_or_else(|| Error::Malformed(format!("KDF param {name:?} is not an unsigned integer")))
}

pub(crate) fn hex_field(value: &Value, what: &str) -> Result<Vec<u8>> {
    let s = value.as_str().ok_or_else(|| Error::Malformed(format!("{what} is not a string")))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| Error::Malformed(format!("{what} is not hex: {e}")))
}

impl Kdf {
    /// Parses `function` and `params` as both formats write them, refusing hostile parameters.
    pub(crate) fn from_json(function: &str, params: &Value) -> Result<Self> {
        let dklen = uint(params, "dklen")?;
        if dklen != DKLEN {
            return Err(Error::KdfParams(format!("dklen must be {DKLEN}, got {dklen}")));
        }
        let salt = hex_field(field(params, "salt")?, "salt")?;
        match function {
            "scrypt" => {
                let (n, r, p) = (uint(params, "n")?, uint(params, "r")?, uint(params, "p")?);
                if n < 2 || !n.is_power_of_two() {
                    return Err(Error::KdfParams(format!("scrypt n = {n} is not a power of two")));
                }
                if r == 0 || p == 0 || p > MAX_SCRYPT_P {
                    return Err(Error::KdfParams(format!("scrypt r = {r}, p = {p} out of range")));
                }
                if 128u64.saturating_mul(r).saturating_mul(n) > MAX_SCRYPT_MEMORY {
                    return Err(Error::KdfParams(format!(
                        "scrypt n = {n}, r = {r} would need more than 1 GiB"
                    )));
                }
                let r = u32::try_from(r).map_err(|e| Error::KdfParams(e.to_string()))?;
                let p = u32::try_from(p).map_err(|e| Error::KdfParams(e.to_string()))?;
                Ok(Self::Scrypt { n, r, p, salt })
            }
            "pbkdf2" => {
                let prf = field(params, "prf")?.as_str().unwrap_or_default();
                if prf != "hmac-sha256" {
                    return Err(Error::UnsupportedFunction { what: "PRF", name: prf.to_owned() });
                }
                let c = uint(params, "c")?;
                if c == 0 || c > MAX_PBKDF2_C {
                    return Err(Error::KdfParams(format!("pbkdf2 c = {c} out of range")));
                }
                let c = u32::try_from(c).map_err(|e| Error::KdfParams(e.to_string()))?;
                Ok(Self::Pbkdf2 { c, salt })
            }
            other => Err(Error::UnsupportedFunction { what: "KDF", name: other.to_owned() }),
        }
    }

    /// The function name and params object, as both formats write them.
    pub(crate) fn to_json(&self) -> (&'static str, Value) {
        match self {
            Self::Scrypt { n, r, p, salt } => (
                "scrypt",
                json!({"dklen": DKLEN, "n": n, "r": r, "p": p, "salt": hex::encode(salt)}),
            ),
            Self::Pbkdf2 { c, salt } => (
                "pbkdf2",
                json!({"c": c, "dklen": DKLEN, "prf": "hmac-sha256", "salt": hex::encode(salt)}),
            ),
        }
    }

    /// Derives the 32-byte key.
    pub(crate) fn derive(&self, password: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        match self {
            Self::Scrypt { n, r, p, salt } => {
                let log_n = u8::try_from(n.trailing_zeros())
                    .map_err(|e| Error::KdfParams(e.to_string()))?;
                let params = scrypt::Params::new(log_n, *r, *p)
                    .map_err(|e| Error::KdfParams(e.to_string()))?;
                scrypt::scrypt(password, salt, &params, key.as_mut())
                    .map_err(|e| Error::KdfParams(e.to_string()))?;
            }
            Self::Pbkdf2 { c, salt } => {
                pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt, *c, key.as_mut());
            }
        }
        Ok(key)
    }
}

/// AES-128-CTR in place (encryption and decryption are the same operation).
fn aes_128_ctr(key: &[u8; 32], iv: &[u8], data: &mut [u8]) -> Result<()> {
    let aes_key = key.first_chunk::<16>().ok_or_else(|| Error::Malformed("short key".into()))?;
    let iv: &[u8; 16] = iv
        .try_into()
        .map_err(|_| Error::Malformed(format!("cipher iv must be 16 bytes, got {}", iv.len())))?;
    let mut cipher = Ctr128BE::<Aes128>::new(aes_key.into(), iv.into());
    cipher.apply_keystream(data);
    Ok(())
}

/// A format's checksum over the derived key's second half and the ciphertext (EIP-2335:
/// SHA-256; V3: keccak-256, its `mac`).
pub(crate) type Checksum = fn(checksum_key: &[u8], ciphertext: &[u8]) -> Vec<u8>;

/// A secret sealed under a password, the steps both formats share: the KDF derives a key, whose
/// first half encrypts the secret with AES-128-CTR and whose second half is hashed with the
/// ciphertext into a checksum that tells a wrong password from a corrupt file.
#[derive(Clone, Debug)]
pub(crate) struct Sealed {
    /// The KDF and its parameters.
    pub(crate) kdf: Kdf,
    /// The format's [`Checksum`] of the ciphertext.
    pub(crate) checksum: Vec<u8>,
    /// The AES-128-CTR IV (16 bytes).
    pub(crate) iv: Vec<u8>,
    /// The encrypted secret.
    pub(crate) ciphertext: Vec<u8>,
}

impl Sealed {
    /// Encrypts `secret` under `password` (already normalized as the format wants) with `kdf`
    /// and a fresh random IV.
    pub(crate) fn seal(
        secret: &[u8],
        password: &[u8],
        kdf: Kdf,
        checksum: Checksum,
    ) -> Result<Self> {
        let key = kdf.derive(password)?;
        let iv = random_bytes::<16>().to_vec();
        let mut ciphertext = secret.to_vec();
        aes_128_ctr(&key, &iv, &mut ciphertext)?;
        let checksum = checksum(checksum_key(&key), &ciphertext);
        Ok(Self { kdf, checksum, iv, ciphertext })
    }

    /// Decrypts the secret. A checksum mismatch is [`Error::WrongPassword`].
    pub(crate) fn open(&self, password: &[u8], checksum: Checksum) -> Result<Zeroizing<Vec<u8>>> {
        let key = self.kdf.derive(password)?;
        if !checksum_matches(&checksum(checksum_key(&key), &self.ciphertext), &self.checksum) {
            return Err(Error::WrongPassword);
        }
        let mut secret = Zeroizing::new(self.ciphertext.clone());
        aes_128_ctr(&key, &self.iv, &mut secret)?;
        Ok(secret)
    }
}

/// The second half of the derived key, which both formats hash with the ciphertext.
fn checksum_key(key: &[u8; 32]) -> &[u8] {
    key.get(16..).unwrap_or_default()
}

/// Constant-time equality of a computed and a stored checksum.
fn checksum_matches(computed: &[u8], stored: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    computed.len() == stored.len() && bool::from(computed.ct_eq(stored))
}

/// Parses keystore JSON (both formats) and checks its `version` is `expected`.
pub(crate) fn parse_versioned(json: &str, expected: u64) -> Result<Value> {
    let v: Value = serde_json::from_str(json)?;
    let found = v.get("version").and_then(Value::as_u64).unwrap_or_default();
    if found != expected {
        return Err(Error::UnsupportedVersion { found, expected });
    }
    Ok(v)
}

/// Reads a keystore file as text (both formats), mapping failures to [`Error::Io`].
pub(crate) fn read_keystore_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })
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

/// The UUID stored under `key` (`uuid` in EIP-2335, `id` in V3); nil when absent or malformed,
/// since it identifies the file and plays no part in decryption.
pub(crate) fn uuid_field(v: &Value, key: &str) -> Uuid {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_else(Uuid::nil)
}
