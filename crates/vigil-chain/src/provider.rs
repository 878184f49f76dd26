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

/// A read-only provider over HTTP whose every request gives up after `timeout`: a slow or hung
/// endpoint becomes a typed transport error instead of a stalled caller.
pub fn http_provider(url: Url, timeout: std::time::Duration) -> DynProvider {
    let client = alloy::transports::http::reqwest::Client::builder()
        .timeout(timeout)
        .build()
        // Building fails only if the TLS backend cannot initialise; a client without the
        // timeout is then better than none, and the caller's own deadlines still apply.
        .unwrap_or_default();
    let is_local = url.host_str().is_some_and(|h| h == "127.0.0.1" || h == "localhost");
    let transport = alloy::transports::http::Http::with_client(client, url);
    ProviderBuilder::new()
        .connect_client(alloy::rpc::client::RpcClient::new(transport, is_local))
        .erased()
}
