//! Providers that sign.

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};

/// A provider that signs with `signer` over HTTP.
///
/// Nonces come from the node's pending count for every transaction (alloy's "simple" nonce
/// management), not from a local cache: a send that fails during gas estimation then leaves no
/// nonce gap behind it, which with a cache would strand every later transaction in the pool.
pub fn signing_provider(url: Url, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url)
        .erased()
}
