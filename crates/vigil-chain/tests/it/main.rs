//! vigil-chain integration tests, on real anvil processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod eigenlayer;
mod selectors;
mod version;
mod vigil;

use alloy::{providers::DynProvider, signers::local::PrivateKeySigner};
use vigil_chain::{Anvil, AnvilConfig, signing_provider};

/// anvil's first dev account (public, well known).
pub(crate) const DEV_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

pub(crate) async fn anvil() -> Anvil {
    Anvil::start(AnvilConfig::default()).await.expect("anvil starts")
}

pub(crate) fn provider(anvil: &Anvil, key: &str) -> DynProvider {
    let signer: PrivateKeySigner = key.parse().unwrap();
    signing_provider(anvil.url(), signer)
}
