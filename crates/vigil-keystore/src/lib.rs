//! Encrypted key files for Vigil's two keys.
//!
//! - **BLS keys** in [EIP-2335] keystores (version 4; scrypt or PBKDF2; AES-128-CTR; SHA-256
//!   checksum): [`Eip2335Keystore`]. Vigil's `pubkey` field holds the 96-byte compressed **G2**
//!   key (min_sig); keystores made for Ethereum validators carry a 48-byte G1 key instead, which
//!   still decrypt (the secret is the same kind of scalar) but are not checked against it.
//! - **ECDSA operator keys** in Web3 secret-storage ([V3]) keystores: [`V3Keystore`], yielding
//!   alloy's [`PrivateKeySigner`].
//! - **Passwords** only from an environment variable or a file ([`Password`]), never from the
//!   command line.
//!
//! # Why not a keystore crate
//! There is no maintained EIP-2335 crate on crates.io (lighthouse's `eth2_keystore` is not
//! published), and the V3 crate alloy uses (`eth-keystore` 0.5) has been untouched since 2022,
//! always writes light scrypt parameters (n = 2^13) and reports a wrong password and a corrupt
//! file alike. Both formats are the same three steps — KDF, checksum, AES-128-CTR — so this
//! crate implements them once on the maintained RustCrypto primitives (`scrypt`, `pbkdf2`,
//! `aes`, `ctr`, `sha2`), writes standard-strength parameters by default, zeroizes derived keys
//! and secrets, and returns typed errors. Interoperability is tested: the spec's vectors
//! decrypt, and keystores written by alloy/eth-keystore and by this crate read each other.
//!
//! [EIP-2335]: https://eips.ethereum.org/EIPS/eip-2335
//! [V3]: https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
mod crypto;
mod eip2335;
mod error;
mod password;
mod v3;

pub use alloy_signer_local::PrivateKeySigner;
pub use crypto::{Kdf, KdfStrength};
pub use eip2335::Eip2335Keystore;
pub use error::{Error, Result};
pub use password::Password;
pub use v3::V3Keystore;
