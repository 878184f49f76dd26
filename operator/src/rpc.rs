//! The node's RPC clients: HTTP with a per-request timeout, and every request counted and timed
//! in the EigenLayer node spec's `eigen_rpc_requests_total` and
//! `eigen_rpc_request_duration_seconds`, labelled with the JSON-RPC method and the client's
//! name and version as its `web3_clientVersion` reports them (read once at start).

use std::{
    task::{Context, Poll},
    time::{Duration, Instant},
};

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::ClientBuilder,
        json_rpc::{RequestPacket, ResponsePacket},
    },
    transports::{Transport, TransportError, TransportFut, http::reqwest},
};
use tower::{Layer, Service};
use vigil_chain::failover::{Failover, FailoverPolicy};
use vigil_types::redact::redact_url;

use crate::{Error, Result, metrics};

/// Counts and times every request of the wrapped transport.
#[derive(Clone, Debug)]
pub struct RpcMetricsLayer {
    client_type: String,
    client_version: String,
}

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics { inner, labels: self.clone() }
    }
}

/// The service [`RpcMetricsLayer`] builds.
#[derive(Clone, Debug)]
pub struct RpcMetrics<S> {
    inner: S,
    labels: RpcMetricsLayer,
}

impl<S: Transport + Clone> Service<RequestPacket> for RpcMetrics<S> {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let methods: Vec<String> = match &request {
            RequestPacket::Single(r) => vec![r.method().to_owned()],
            RequestPacket::Batch(rs) => rs.iter().map(|r| r.method().to_owned()).collect(),
        };
        let labels = self.labels.clone();
        let started = Instant::now();
        let fut = self.inner.call(request);
        Box::pin(async move {
            let response = fut.await;
            let took = started.elapsed();
            for m in &methods {
                metrics::record_rpc_request(m, &labels.client_type, &labels.client_version, took);
            }
            response
        })
    }
}

/// Splits `web3_clientVersion` (`"anvil/v1.7.1"`, `"Geth/v1.14.0-stable/linux-amd64/go1.22"`)
/// into the client's name and version.
pub fn split_client_version(version: &str) -> (String, String) {
    let mut parts = version.split('/');
    let name = parts.next().filter(|s| !s.is_empty()).unwrap_or("unknown");
    let ver = parts.next().filter(|s| !s.is_empty()).unwrap_or("unknown");
    (name.to_lowercase(), ver.to_owned())
}

/// An HTTP provider for `url` (named `what` in errors) whose requests time out after `timeout`
/// and are counted in the `eigen_rpc_*` metrics. A client that does not answer
/// `web3_clientVersion` at start is labelled `unknown`; the node still starts.
pub async fn provider(url: &str, what: &str, timeout: Duration) -> Result<DynProvider> {
    let chain = if what.contains("l2") { "l2" } else { "l1" };
    provider_with_fallbacks(chain, url, &[], what, timeout).await
}

/// As [`provider`], over `url` and then `fallbacks` (same chain) behind one
/// [`Failover`](vigil_chain::failover::Failover) transport: health-based selection in that
/// order, one backoff for the whole process, rate limits (429, `-32005`) waited out instead of
/// failing; its events are the `vigil_rpc_endpoint_*` metrics under the chain name `chain`
/// (`l1`, or `l2-<rollup id>`).
pub async fn provider_with_fallbacks(
    chain: &str,
    url: &str,
    fallbacks: &[String],
    what: &str,
    timeout: Duration,
) -> Result<DynProvider> {
    let parse = |u: &str| -> Result<reqwest::Url> {
        u.parse().map_err(|e| Error::Config(format!("{what} {:?}: {e}", redact_url(u))))
    };
    let mut urls = vec![parse(url)?];
    for u in fallbacks {
        urls.push(parse(u)?);
    }
    // One transport: the probe below goes through a clone, so what it learns of the endpoints'
    // health (a dead primary, say) is the client's from its first request.
    let transport = Failover::http(
        chain,
        &urls,
        Some(timeout),
        FailoverPolicy::default(),
        Some(vigil_service::rpc_metrics::observer()),
    );
    // Series at zero before the probe, whose answer already marks the active endpoint.
    vigil_service::rpc_metrics::register(&transport);
    // Every error names the endpoints without their credentials (RPC URLs often carry API keys).
    let bare = ProviderBuilder::new().connect_client(transport.clone().into_client());
    let (client_type, client_version) = match bare.get_client_version().await {
        Ok(v) => split_client_version(&v),
        Err(e) => {
            tracing::warn!(target: "vigil::node", %what, error = %e, "cannot read web3_clientVersion; RPC metrics say \"unknown\"");
            ("unknown".to_owned(), "unknown".to_owned())
        }
    };
    let client = ClientBuilder::default()
        .layer(RpcMetricsLayer { client_type, client_version })
        .transport(transport, false);
    Ok(ProviderBuilder::new().connect_client(client).erased())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use alloy::providers::Provider;
    use vigil_test_utils::{Anvil, AnvilConfig};

    use super::{provider_with_fallbacks, split_client_version};

    #[tokio::test]
    async fn the_client_starts_with_what_the_version_probe_learnt() {
        let anvil = Anvil::start(AnvilConfig::default()).await.unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dead = format!("http://127.0.0.1:{port}/");
        let chain = "l1-probe-test";
        let p = provider_with_fallbacks(
            chain,
            &dead,
            &[anvil.endpoint().to_owned()],
            "chain.l1_rpc",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(p.get_block_number().await.unwrap(), 0);
        // The probe found the preferred endpoint dead; the client, sharing its health, does not
        // try it again while it backs off (250 ms at first).
        let failures = format!(
            "vigil_rpc_endpoint_failures_total{{chain=\"{chain}\",endpoint=\"#0 {dead}\",\
             kind=\"unavailable\"}} "
        );
        let text = crate::metrics::encode();
        let line = text.lines().find(|l| l.starts_with(&failures));
        assert_eq!(line.and_then(|l| l.rsplit(' ').next()), Some("1"), "{text}");
    }

    #[test]
    fn client_versions_split_into_name_and_version() {
        assert_eq!(split_client_version("anvil/v1.7.1"), ("anvil".into(), "v1.7.1".into()));
        assert_eq!(
            split_client_version("Geth/v1.14.0-stable/linux-amd64/go1.22"),
            ("geth".into(), "v1.14.0-stable".into())
        );
        assert_eq!(split_client_version(""), ("unknown".into(), "unknown".into()));
    }
}
