//! Providers over HTTP, and the transport layer that keeps endpoint credentials out of their
//! errors.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::{ClientBuilder, RpcClient},
        json_rpc::{RequestPacket, ResponsePacket},
    },
    signers::local::PrivateKeySigner,
    transports::{
        RpcError, Transport, TransportError, TransportErrorKind, TransportFut,
        http::reqwest::{self, Url},
    },
};
use tower::{Layer, Service};
use vigil_types::redact::redact_urls;

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
        .connect_client(http_client(url, None))
        .erased()
}

/// A read-only provider over HTTP whose every request gives up after `timeout`: a slow or hung
/// endpoint becomes a typed transport error instead of a stalled caller.
pub fn http_provider(url: Url, timeout: Duration) -> DynProvider {
    ProviderBuilder::new().connect_client(http_client(url, Some(timeout))).erased()
}

/// An RPC client over HTTP for `url` (requests give up after `timeout`, if given) whose
/// transport errors show the URL only redacted ([`RedactUrlsLayer`]).
pub fn http_client(url: Url, timeout: Option<Duration>) -> RpcClient {
    let mut http = reqwest::Client::builder();
    if let Some(timeout) = timeout {
        http = http.timeout(timeout);
    }
    // Building fails only if the TLS backend cannot initialise; a client without the timeout is
    // then better than none, and the caller's own deadlines still apply.
    let http = http.build().unwrap_or_default();
    ClientBuilder::default().layer(RedactUrlsLayer).http_with_client(http, url)
}

/// Rewrites a transport's errors so that no URL in them keeps its credentials: reqwest names
/// the URL it failed on (`error sending request for url (https://…/v3/<key>)`), and transport
/// errors end up in logs, in error reports and in the database (a failed certificate's reason).
/// The text keeps the error's causes (`…: tcp connect error: Connection refused`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RedactUrlsLayer;

impl<S> Layer<S> for RedactUrlsLayer {
    type Service = RedactUrls<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedactUrls { inner }
    }
}

/// The service [`RedactUrlsLayer`] builds.
#[derive(Clone, Debug)]
pub struct RedactUrls<S> {
    inner: S,
}

impl<S: Transport + Clone> Service<RequestPacket> for RedactUrls<S> {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(redact_transport_error)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let fut = self.inner.call(request);
        Box::pin(async move { fut.await.map_err(redact_transport_error) })
    }
}

/// `error` with the URLs in its text redacted, when it is a transport failure (where the HTTP
/// client names the URL); errors the node answered with (JSON-RPC errors, HTTP statuses) name
/// none and are kept as they are.
pub fn redact_transport_error(error: TransportError) -> TransportError {
    match error {
        RpcError::Transport(TransportErrorKind::Custom(inner)) => {
            let mut text = inner.to_string();
            let mut source = inner.source();
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            TransportErrorKind::custom_str(&redact_urls(&text))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dead endpoint whose URL carries a key in its path and query: the error names the
    /// endpoint and the cause, not the key.
    #[tokio::test]
    async fn transport_errors_name_no_credentials() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let url: Url =
            format!("http://user:secret@127.0.0.1:{port}/v3/KEY?apikey=SECRET").parse().unwrap();
        for provider in [
            http_provider(url.clone(), Duration::from_secs(5)),
            signing_provider(url.clone(), PrivateKeySigner::random()),
        ] {
            let err = provider.get_chain_id().await.err().map(|e| e.to_string());
            let err = err.unwrap_or_default();
            assert!(err.contains("127.0.0.1"), "{err}");
            assert!(err.to_lowercase().contains("connect"), "the cause is kept: {err}");
            for secret in ["secret", "KEY", "SECRET"] {
                assert!(!err.contains(secret), "{secret} in {err}");
            }
        }
    }
}
