//! vigil-chain integration tests, on real anvil processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod eigenlayer;
mod logs;
mod selectors;
mod version;
mod vigil;

use alloy::{providers::DynProvider, signers::local::PrivateKeySigner};
use vigil_chain::signing_provider;
use vigil_test_utils::{Anvil, AnvilConfig};

pub(crate) use vigil_test_utils::DEV_KEY;

pub(crate) async fn anvil() -> Anvil {
    Anvil::start(AnvilConfig::default()).await.expect("anvil starts")
}

pub(crate) fn provider(anvil: &Anvil, key: &str) -> DynProvider {
    let signer: PrivateKeySigner = key.parse().unwrap();
    signing_provider(anvil.url(), signer)
}
