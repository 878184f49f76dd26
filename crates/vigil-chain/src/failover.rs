//! Several JSON-RPC endpoints for one chain behind one transport.
//!
//! [`Failover`] sends each request to the first endpoint, in the configured order, that is not
//! backing off, and remembers for every caller of the process what each endpoint did:
//!
//! - **Unavailable** (no connection, a timeout, an HTTP 5xx, a body that is not JSON-RPC): the
//!   endpoint backs off (exponentially, from [`FailoverPolicy::backoff_min`] up to
//!   [`FailoverPolicy::backoff_max`]) and the request goes to the next endpoint at once. When
//!   every endpoint has failed this request, its last error is returned: the caller's own retry
//!   loop carries on as with one endpoint.
//! - **Rate-limited** (HTTP 429, or the JSON-RPC errors `-32005` and `429`, or a message that
//!   says "rate limit"): the endpoint backs off the same way and the request goes to another.
//!   When every endpoint is rate-limited the request *waits* for the first one to come back,
//!   up to [`FailoverPolicy::max_wait`] in all, instead of failing: a provider's limit slows the
//!   work down instead of losing it.
//! - **Answered** (a result, or any other JSON-RPC error, which is the node's answer): the
//!   endpoint is healthy again and the answer is returned as it is.
//!
//! Because the preferred order is kept, a recovered primary gets the traffic back once its
//! backoff ends. What happens is reported to an [`Observer`] (the services turn it into
//! metrics), and endpoints are named only redacted, with their position (`#0 https://host/…`).

use std::{
    fmt,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use alloy::{
    rpc::{
        client::{ClientBuilder, RpcClient},
        json_rpc::{RequestPacket, ResponsePacket, ResponsePayload},
    },
    transports::{
        BoxTransport, RpcError, Transport, TransportError, TransportErrorKind, TransportFut,
        http::{Http, reqwest},
    },
};
use tower::{Layer, Service};
use vigil_types::redact::redact_url;

use crate::provider::RedactUrlsLayer;

/// How endpoints back off and how long a request may wait for a rate-limited one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailoverPolicy {
    /// Backoff after an endpoint's first failure; doubled on each further one.
    pub backoff_min: Duration,
    /// Longest backoff.
    pub backoff_max: Duration,
    /// Longest a request waits in all when every endpoint is rate-limited.
    pub max_wait: Duration,
}

impl Default for FailoverPolicy {
    fn default() -> Self {
        Self {
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// Why an endpoint was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No answer, a timeout, an HTTP 5xx or a body that is not JSON-RPC.
    Unavailable,
    /// HTTP 429, JSON-RPC `-32005` or `429`, or "rate limit" in the error.
    RateLimited,
}

impl FailureKind {
    /// The metric label: `unavailable` or `rate_limited`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::RateLimited => "rate_limited",
        }
    }
}

/// What the transport reports to its [`Observer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointEvent<'a> {
    /// `endpoint` answered, and the endpoint that answered before was another one (or none).
    Switched {
        /// The endpoint that answered before, if any.
        from: Option<&'a str>,
        /// The endpoint that answers now.
        to: &'a str,
    },
    /// `endpoint` failed a request and backs off for `backoff`.
    Failed {
        /// The endpoint.
        endpoint: &'a str,
        /// Why.
        kind: FailureKind,
        /// For how long it is passed over.
        backoff: Duration,
    },
    /// Every endpoint was rate-limited: a request waits `wait` for one to come back.
    Waiting {
        /// How long.
        wait: Duration,
    },
}

/// Receives the transport's [`EndpointEvent`]s; the chain's name comes with each.
pub type Observer = Arc<dyn Fn(&str, &EndpointEvent<'_>) + Send + Sync>;

/// A transport over several endpoints of one chain (see the [module docs](self)). Cheap to
/// clone; clones share the endpoints' health.
#[derive(Clone)]
pub struct Failover {
    inner: Arc<Inner>,
}

struct Inner {
    chain: String,
    endpoints: Vec<Endpoint>,
    health: Mutex<Health>,
    policy: FailoverPolicy,
    observer: Option<Observer>,
}

struct Endpoint {
    name: String,
    transport: BoxTransport,
}

#[derive(Default)]
struct Health {
    endpoints: Vec<EndpointHealth>,
    /// The endpoint that answered last.
    active: Option<usize>,
}

#[derive(Default, Clone, Copy)]
struct EndpointHealth {
    failures: u32,
    until: Option<Instant>,
    rate_limited: bool,
}

impl fmt::Debug for Failover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.inner.endpoints.iter().map(|e| e.name.as_str()).collect();
        f.debug_struct("Failover")
            .field("chain", &self.inner.chain)
            .field("endpoints", &names)
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Outcome {
    Answered,
    Failed(FailureKind),
}

/// JSON-RPC error codes providers use for "slow down".
const RATE_LIMIT_CODES: [i64; 2] = [-32005, 429];

fn says_rate_limit(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("rate limit") || text.contains("too many requests")
}

fn classify(result: &Result<ResponsePacket, TransportError>) -> Outcome {
    match result {
        Ok(packet) => {
            let responses = match packet {
                ResponsePacket::Single(r) => std::slice::from_ref(r),
                ResponsePacket::Batch(rs) => rs.as_slice(),
            };
            let limited = responses.iter().any(|r| match &r.payload {
                ResponsePayload::Failure(e) => {
                    RATE_LIMIT_CODES.contains(&e.code) || says_rate_limit(&e.message)
                }
                ResponsePayload::Success(_) => false,
            });
            if limited { Outcome::Failed(FailureKind::RateLimited) } else { Outcome::Answered }
        }
        Err(RpcError::Transport(TransportErrorKind::HttpError(e))) => {
            if e.status == 429 || says_rate_limit(&e.body) {
                Outcome::Failed(FailureKind::RateLimited)
            } else if e.status >= 500 {
                Outcome::Failed(FailureKind::Unavailable)
            } else {
                // Another 4xx: the endpoint refuses this request; another would too.
                Outcome::Answered
            }
        }
        Err(RpcError::ErrorResp(e)) if RATE_LIMIT_CODES.contains(&e.code) => {
            Outcome::Failed(FailureKind::RateLimited)
        }
        Err(RpcError::Transport(_) | RpcError::DeserError { .. } | RpcError::NullResp) => {
            Outcome::Failed(FailureKind::Unavailable)
        }
        Err(_) => Outcome::Answered,
    }
}

/// What to do next with one request.
enum Next {
    Send(usize),
    Wait(Duration),
    GiveUp,
}

impl Failover {
    /// A transport over `urls` (in order of preference) for `chain` (a name for logs and
    /// metrics, e.g. `l1`); every request to one endpoint gives up after `timeout`. Errors
    /// name the endpoints only redacted.
    ///
    /// # Panics
    ///
    /// Never; an empty `urls` gives a transport whose every request fails.
    pub fn http(
        chain: &str,
        urls: &[reqwest::Url],
        timeout: Option<Duration>,
        policy: FailoverPolicy,
        observer: Option<Observer>,
    ) -> Self {
        let mut http = reqwest::Client::builder();
        if let Some(timeout) = timeout {
            http = http.timeout(timeout);
        }
        // Building fails only if the TLS backend cannot initialise; a client without the
        // timeout is then better than none, and the callers' own deadlines still apply.
        let http = http.build().unwrap_or_default();
        let endpoints = urls
            .iter()
            .enumerate()
            .map(|(i, url)| Endpoint {
                name: format!("#{i} {}", redact_url(url.as_str())),
                transport: RedactUrlsLayer
                    .layer(Http::with_client(http.clone(), url.clone()))
                    .boxed(),
            })
            .collect::<Vec<_>>();
        let health =
            Health { endpoints: vec![EndpointHealth::default(); endpoints.len()], active: None };
        Self {
            inner: Arc::new(Inner {
                chain: chain.to_owned(),
                endpoints,
                health: Mutex::new(health),
                policy,
                observer,
            }),
        }
    }

    /// An RPC client over this transport.
    pub fn into_client(self) -> RpcClient {
        ClientBuilder::default().transport(self, false)
    }

    /// The chain's name, as given.
    pub fn chain(&self) -> &str {
        &self.inner.chain
    }

    /// The endpoints' names (position and redacted URL), in order of preference.
    pub fn endpoints(&self) -> Vec<String> {
        self.inner.endpoints.iter().map(|e| e.name.clone()).collect()
    }
}

impl Inner {
    fn observe(&self, event: &EndpointEvent<'_>) {
        if let Some(observer) = &self.observer {
            observer(&self.chain, event);
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // A poisoned lock only means a panic elsewhere while holding it; the data is plain
        // counters and stays usable.
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next step for a request that already failed on the endpoints in `tried`.
    fn next(&self, tried: &[bool], now: Instant) -> Next {
        let health = self.health();
        let ready = |i: usize, h: &EndpointHealth| {
            !tried.get(i).copied().unwrap_or(true) && h.until.is_none_or(|t| t <= now)
        };
        if let Some(i) = health.endpoints.iter().enumerate().position(|(i, h)| ready(i, h)) {
            return Next::Send(i);
        }
        // None ready. An unavailable endpoint not yet tried by this request is probed anyway
        // (with one endpoint, that is the old behaviour: try it, return its error).
        let probe = health
            .endpoints
            .iter()
            .enumerate()
            .filter(|(i, h)| !tried.get(*i).copied().unwrap_or(true) && !h.rate_limited)
            .min_by_key(|(_, h)| h.until)
            .map(|(i, _)| i);
        if let Some(i) = probe {
            return Next::Send(i);
        }
        // Only rate-limited ones left (tried or not): wait for the first to come back.
        let back = health.endpoints.iter().filter(|h| h.rate_limited).filter_map(|h| h.until).min();
        match back {
            Some(t) => Next::Wait(t.saturating_duration_since(now)),
            None => Next::GiveUp,
        }
    }

    fn answered(&self, i: usize) {
        let from = {
            let mut health = self.health();
            if let Some(h) = health.endpoints.get_mut(i) {
                *h = EndpointHealth::default();
            }
            let from = health.active;
            health.active = Some(i);
            from
        };
        if from != Some(i) {
            let name = |j: usize| self.endpoints.get(j).map(|e| e.name.as_str());
            if let Some(to) = name(i) {
                self.observe(&EndpointEvent::Switched { from: from.and_then(name), to });
            }
        }
    }

    fn failed(&self, i: usize, kind: FailureKind, now: Instant) {
        let backoff = {
            let mut health = self.health();
            let Some(h) = health.endpoints.get_mut(i) else { return };
            h.failures = h.failures.saturating_add(1);
            let doublings = h.failures.saturating_sub(1).min(16);
            let backoff = self
                .policy
                .backoff_min
                .saturating_mul(1u32 << doublings)
                .min(self.policy.backoff_max);
            h.until = Some(now + backoff);
            h.rate_limited = kind == FailureKind::RateLimited;
            backoff
        };
        if let Some(endpoint) = self.endpoints.get(i) {
            tracing::warn!(target: "vigil::rpc", chain = %self.chain, endpoint = %endpoint.name, kind = kind.as_str(), backoff_ms = backoff.as_millis() as u64, "RPC endpoint passed over");
            self.observe(&EndpointEvent::Failed { endpoint: &endpoint.name, kind, backoff });
        }
    }

    async fn send(
        self: Arc<Self>,
        request: RequestPacket,
    ) -> Result<ResponsePacket, TransportError> {
        let started = Instant::now();
        let mut tried = vec![false; self.endpoints.len()];
        let mut last: Option<Result<ResponsePacket, TransportError>> = None;
        loop {
            let i = match self.next(&tried, Instant::now()) {
                Next::Send(i) => i,
                Next::Wait(wait) => {
                    if started.elapsed().saturating_add(wait) > self.policy.max_wait {
                        return last.unwrap_or_else(|| Err(rate_limited_error()));
                    }
                    self.observe(&EndpointEvent::Waiting { wait });
                    tokio::time::sleep(wait).await;
                    // A new round: every endpoint may be tried again.
                    tried.iter_mut().for_each(|t| *t = false);
                    continue;
                }
                Next::GiveUp => return last.unwrap_or_else(|| Err(no_endpoint_error())),
            };
            let Some(endpoint) = self.endpoints.get(i) else {
                return Err(no_endpoint_error());
            };
            let result = endpoint.transport.clone().call(request.clone()).await;
            match classify(&result) {
                Outcome::Answered => {
                    self.answered(i);
                    return result;
                }
                Outcome::Failed(kind) => {
                    self.failed(i, kind, Instant::now());
                    if let Some(t) = tried.get_mut(i) {
                        *t = true;
                    }
                    last = Some(result);
                }
            }
        }
    }
}

fn rate_limited_error() -> TransportError {
    TransportErrorKind::custom_str("every RPC endpoint is rate-limiting us")
}

fn no_endpoint_error() -> TransportError {
    TransportErrorKind::custom_str("no RPC endpoint configured")
}

impl Service<RequestPacket> for Failover {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        Box::pin(Arc::clone(&self.inner).send(request))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use alloy::providers::{Provider, ProviderBuilder};
    use serde_json::{Value, json};
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpListener,
    };

    use super::*;

    /// A real HTTP endpoint whose `n`-th request (from 0) gets `answer(n, id)`: an HTTP status
    /// and a JSON body. Counts its requests.
    struct Scripted {
        url: reqwest::Url,
        requests: Arc<AtomicUsize>,
    }

    type Answer = fn(usize, &Value) -> (u16, Value);

    impl Scripted {
        async fn start(answer: Answer) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/", listener.local_addr().unwrap()).parse().unwrap();
            let requests = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&requests);
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let counter = Arc::clone(&counter);
                    tokio::spawn(async move {
                        let mut buf = Vec::new();
                        let mut chunk = [0u8; 4096];
                        // Headers, then the body by its content-length.
                        let body = loop {
                            let n = stream.read(&mut chunk).await.unwrap_or(0);
                            if n == 0 {
                                return;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                            let text = String::from_utf8_lossy(&buf).to_string();
                            let Some(end) = text.find("\r\n\r\n") else { continue };
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break buf[end + 4..end + 4 + len].to_vec();
                            }
                        };
                        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let n = counter.fetch_add(1, Ordering::SeqCst);
                        let (status, answer) = answer(n, &request["id"]);
                        let answer = answer.to_string();
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\nconnection: close\r\n\r\n",
                            answer.len()
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(answer.as_bytes()).await;
                    });
                }
            });
            Self { url, requests }
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    fn chain_id(id: &Value) -> (u16, Value) {
        (200, json!({"jsonrpc": "2.0", "id": id, "result": "0x7a69"}))
    }

    fn dead_url() -> reqwest::Url {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        format!("http://user:secret@127.0.0.1:{port}/KEY").parse().unwrap()
    }

    fn fast() -> FailoverPolicy {
        FailoverPolicy {
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            max_wait: Duration::from_secs(5),
        }
    }

    /// Every event as text, in order.
    fn recorder() -> (Observer, Arc<Mutex<Vec<String>>>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let observer: Observer = Arc::new(move |chain: &str, e: &EndpointEvent<'_>| {
            let line = match e {
                EndpointEvent::Switched { from, to } => {
                    format!("{chain} switched {from:?} -> {to}")
                }
                EndpointEvent::Failed { endpoint, kind, .. } => {
                    format!("{chain} failed {endpoint} {}", kind.as_str())
                }
                EndpointEvent::Waiting { .. } => format!("{chain} waiting"),
            };
            sink.lock().unwrap().push(line);
        });
        (observer, events)
    }

    fn provider(urls: &[reqwest::Url], observer: Observer) -> alloy::providers::DynProvider {
        let transport =
            Failover::http("l1", urls, Some(Duration::from_secs(5)), fast(), Some(observer));
        ProviderBuilder::new().connect_client(transport.into_client()).erased()
    }

    #[tokio::test]
    async fn a_dead_endpoint_is_passed_over_and_named_without_credentials() {
        let good = Scripted::start(|_, id| chain_id(id)).await;
        let (observer, events) = recorder();
        let p = provider(&[dead_url(), good.url.clone()], observer);
        for _ in 0..3 {
            assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        }
        let events = events.lock().unwrap().clone();
        // The dead one was tried once, then passed over while it backs off.
        assert_eq!(events.iter().filter(|e| e.contains("failed #0")).count(), 1, "{events:?}");
        assert!(events[0].contains("unavailable"), "{events:?}");
        assert!(events.iter().any(|e| e.contains("switched None -> #1")), "{events:?}");
        assert!(events.iter().all(|e| !e.contains("secret") && !e.contains("KEY")), "{events:?}");
        assert_eq!(good.requests(), 3);
    }

    #[tokio::test]
    async fn every_endpoint_dead_is_an_error_after_one_try_each() {
        let (observer, events) = recorder();
        let p = provider(&[dead_url(), dead_url()], observer);
        let err = p.get_chain_id().await.unwrap_err().to_string();
        assert!(err.to_lowercase().contains("connect"), "{err}");
        assert!(!err.contains("secret") && !err.contains("KEY"), "{err}");
        assert_eq!(events.lock().unwrap().len(), 2, "one failure each");
    }

    #[tokio::test]
    async fn http_429_slows_the_request_down_instead_of_failing_it() {
        // The only endpoint refuses the first three requests with 429.
        let limited = Scripted::start(|n, id| {
            if n < 3 { (429, json!({"error": "Too Many Requests"})) } else { chain_id(id) }
        })
        .await;
        let (observer, events) = recorder();
        let p = provider(std::slice::from_ref(&limited.url), observer);
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        assert_eq!(limited.requests(), 4);
        let events = events.lock().unwrap().clone();
        assert_eq!(events.iter().filter(|e| e.contains("rate_limited")).count(), 3, "{events:?}");
        assert_eq!(events.iter().filter(|e| e.ends_with("waiting")).count(), 3, "{events:?}");
    }

    #[tokio::test]
    async fn json_rpc_32005_goes_to_another_endpoint() {
        let limited = Scripted::start(|_, id| {
            (200, json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32005, "message": "limit exceeded"}}))
        })
        .await;
        let good = Scripted::start(|_, id| chain_id(id)).await;
        let (observer, events) = recorder();
        let p = provider(&[limited.url.clone(), good.url.clone()], observer);
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        // The limited one is not asked again while it backs off.
        assert_eq!((limited.requests(), good.requests()), (1, 2));
        assert!(events.lock().unwrap()[0].contains("failed #0"));
    }

    #[tokio::test]
    async fn a_node_s_error_answer_is_returned_without_failing_over() {
        let reverting = Scripted::start(|_, id| {
            (200, json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "execution reverted"}}))
        })
        .await;
        let other = Scripted::start(|_, id| chain_id(id)).await;
        let (observer, _) = recorder();
        let p = provider(&[reverting.url.clone(), other.url.clone()], observer);
        let err = p.get_chain_id().await.unwrap_err().to_string();
        assert!(err.contains("execution reverted"), "{err}");
        assert_eq!(other.requests(), 0);
    }

    #[tokio::test]
    async fn a_recovered_primary_gets_the_traffic_back() {
        // The primary answers 503 once, then works.
        let primary = Scripted::start(|n, id| {
            if n == 0 { (503, json!({"error": "unavailable"})) } else { chain_id(id) }
        })
        .await;
        let secondary = Scripted::start(|_, id| chain_id(id)).await;
        let (observer, events) = recorder();
        let p = provider(&[primary.url.clone(), secondary.url.clone()], observer);
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        assert_eq!((primary.requests(), secondary.requests()), (1, 1));
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
        assert_eq!((primary.requests(), secondary.requests()), (2, 1));
        let events = events.lock().unwrap().clone();
        assert!(events.iter().any(|e| e.contains("switched Some(\"#1")), "{events:?}");
    }

    #[tokio::test]
    async fn a_real_node_behind_a_dead_one() {
        let anvil =
            vigil_test_utils::anvil::Anvil::start(vigil_test_utils::anvil::AnvilConfig::default())
                .await
                .unwrap();
        let (observer, _) = recorder();
        let p = provider(&[dead_url(), anvil.url()], observer);
        assert_eq!(p.get_chain_id().await.unwrap(), anvil.chain_id());
        assert_eq!(p.get_block_number().await.unwrap(), 0);
    }
}
