//! A JSON-RPC proxy that lets standard Ethereum methods through to a real node and refuses every
//! non-standard one: the proof that production code needs nothing anvil-specific.
//!
//! The test points Vigil's binaries at [`StandardRpcProxy::url`] instead of anvil. Methods named
//! `anvil_*`, `evm_*`, `hardhat_*`, `debug_*`, `trace_*`, `ots_*` or `txpool_*` get JSON-RPC error
//! -32601 and are recorded; anything else, and every other HTTP request (the beacon API's `GET`s),
//! is forwarded unchanged. [`StandardRpcProxy::refused`] lists what was refused, which a test
//! asserts empty at the end. The test itself talks to anvil directly to prepare the chain.
//!
//! It can also play a failing provider: [`StandardRpcProxy::rate_limit`] answers every JSON-RPC
//! call with HTTP 429 while it is on, and [`StandardRpcProxy::kill`] stops it for good (new
//! connections are refused; a request on a connection the client kept open gets 503 and the
//! connection is closed).

use std::{
    collections::BTreeMap,
    io,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// Method prefixes a production node may not rely on.
pub const NON_STANDARD_PREFIXES: [&str; 7] =
    ["anvil_", "evm_", "hardhat_", "debug_", "trace_", "ots_", "txpool_"];

/// Whether `method` is outside the standard Ethereum JSON-RPC API (by [`NON_STANDARD_PREFIXES`]).
pub fn is_non_standard(method: &str) -> bool {
    NON_STANDARD_PREFIXES.iter().any(|p| method.starts_with(p))
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    refused: Arc<Mutex<Vec<String>>>,
    forwarded: Arc<Mutex<u64>>,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
    faults: Arc<Faults>,
}

/// What the proxy is currently playing.
#[derive(Debug, Default)]
struct Faults {
    killed: AtomicBool,
    rate_limited: AtomicBool,
    refused_429: AtomicU64,
}

/// A running proxy, serving until the test's runtime stops (or [`kill`](Self::kill)).
#[derive(Debug, Clone)]
pub struct StandardRpcProxy {
    /// `http://127.0.0.1:<port>`: give this to the code under test.
    pub url: String,
    refused: Arc<Mutex<Vec<String>>>,
    forwarded: Arc<Mutex<u64>>,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
    faults: Arc<Faults>,
    server: tokio::task::AbortHandle,
}

impl StandardRpcProxy {
    /// Starts a proxy in front of `upstream` (an `http://` JSON-RPC endpoint).
    pub async fn start(upstream: &str) -> io::Result<Self> {
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            refused: Arc::default(),
            forwarded: Arc::default(),
            calls: Arc::default(),
            faults: Arc::default(),
        };
        let (refused, forwarded, calls, faults) = (
            shared.refused.clone(),
            shared.forwarded.clone(),
            shared.calls.clone(),
            shared.faults.clone(),
        );
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();
        Ok(Self { url, refused, forwarded, calls, faults, server })
    }

    /// While `on`, every JSON-RPC call is answered with HTTP 429 (Too Many Requests), as a
    /// provider over its rate limit does.
    pub fn rate_limit(&self, on: bool) {
        self.faults.rate_limited.store(on, Ordering::SeqCst);
    }

    /// How many calls were answered with 429.
    pub fn rate_limited_calls(&self) -> u64 {
        self.faults.refused_429.load(Ordering::SeqCst)
    }

    /// Stops the proxy for good, as a provider that went away: new connections are refused and
    /// a request on a connection kept open gets 503 with `connection: close`.
    pub fn kill(&self) {
        self.faults.killed.store(true, Ordering::SeqCst);
        self.server.abort();
    }

    /// The failover scenario of the tests: `fallback` starts answering 429, then `self` (the
    /// preferred endpoint) dies; `fallback` stops refusing after `recover_after`. Await the
    /// handle to know it has recovered.
    pub fn fail_over_to(
        &self,
        fallback: &Self,
        recover_after: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        fallback.rate_limit(true);
        self.kill();
        let fallback = fallback.clone();
        tokio::spawn(async move {
            tokio::time::sleep(recover_after).await;
            fallback.rate_limit(false);
        })
    }

    /// The non-standard methods that were asked for and refused, in order.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Forwarded calls by method; an `eth_call` is counted as `eth_call:0x<selector>` (the
    /// first four bytes of its data), so a test can count calls to one contract function.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// How many JSON-RPC calls were forwarded (a test can check the code did go through it).
    pub fn forwarded(&self) -> u64 {
        *self.forwarded.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    if shared.faults.killed.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONNECTION, "close")], "gone")
            .into_response();
    }
    let method = request.method().clone();
    if method == axum::http::Method::POST && shared.faults.rate_limited.load(Ordering::SeqCst) {
        shared.faults.refused_429.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    }
    let path_and_query =
        request.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let Ok(body) = axum::body::to_bytes(request.into_body(), 64 << 20).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    if method != axum::http::Method::POST {
        // The beacon API and anything else that is not JSON-RPC: passed through.
        let url = format!("{}{path_and_query}", shared.upstream);
        return match shared.http.request(method, url).body(body).send().await {
            Ok(r) => relay(r).await,
            Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
        };
    }
    let Ok(parsed) = serde_json::from_slice::<Value>(&body) else {
        return forward_raw(&shared, body).await;
    };
    match parsed {
        Value::Array(calls) => {
            let mut answers = Vec::with_capacity(calls.len());
            for call in calls {
                answers.push(one(&shared, call).await);
            }
            json_response(&Value::Array(answers))
        }
        call => json_response(&one(&shared, call).await),
    }
}

async fn one(shared: &Shared, call: Value) -> Value {
    let method = call.get("method").and_then(Value::as_str).unwrap_or_default().to_owned();
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    if is_non_standard(&method) {
        shared
            .refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(method.clone());
        return json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": -32601, "message": format!("method {method} is not standard JSON-RPC: refused by the test proxy")},
        });
    }
    *shared.forwarded.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
    let name = match call.pointer("/params/0/data").or_else(|| call.pointer("/params/0/input")) {
        Some(Value::String(data)) if method == "eth_call" && data.len() >= 10 => {
            format!("eth_call:{}", data.get(..10).unwrap_or_default())
        }
        _ => method.clone(),
    };
    *shared
        .calls
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(name)
        .or_default() += 1;
    let answer = shared.http.post(&shared.upstream).json(&call).send().await;
    match answer {
        Ok(r) => r.json::<Value>().await.unwrap_or_else(|e| rpc_error(&id, &e.to_string())),
        Err(e) => rpc_error(&id, &e.to_string()),
    }
}

fn rpc_error(id: &Value, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": message}})
}

async fn forward_raw(shared: &Shared, body: Bytes) -> Response {
    let sent = shared
        .http
        .post(&shared.upstream)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => relay(r).await,
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

async fn relay(r: reqwest::Response) -> Response {
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = r.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = r.bytes().await.unwrap_or_default();
    let mut response = (status, bytes).into_response();
    if let Some(ct) = content_type.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
}

/// Posts `body` (a JSON-RPC call or batch) to `url` and returns the JSON it answers.
pub async fn post_json(url: &str, body: &Value) -> Result<Value, reqwest::Error> {
    reqwest::Client::new().post(url).json(body).send().await?.json().await
}

fn json_response(value: &Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn standard_methods_pass_and_anvil_methods_are_refused() {
        let anvil = crate::Anvil::start(crate::AnvilConfig::default()).await.unwrap();
        let proxy = StandardRpcProxy::start(anvil.endpoint()).await.unwrap();
        let ask = |method: &str| json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": []});
        let ok: Value = post_json(&proxy.url, &ask("eth_chainId")).await.unwrap();
        assert_eq!(ok["result"], "0x7a69");
        let refused: Value = post_json(&proxy.url, &ask("anvil_mine")).await.unwrap();
        assert_eq!(refused["error"]["code"], -32601);
        assert_eq!(refused["id"], 7);
        let batch: Value =
            post_json(&proxy.url, &json!([ask("eth_blockNumber"), ask("evm_increaseTime")]))
                .await
                .unwrap();
        assert!(batch[0]["result"].is_string(), "{batch}");
        assert_eq!(batch[1]["error"]["code"], -32601, "{batch}");
        assert_eq!(proxy.refused(), ["anvil_mine", "evm_increaseTime"]);
        assert_eq!(proxy.forwarded(), 2);
        // anvil really did not mine: the refused call never reached it.
        let head: Value = post_json(anvil.endpoint(), &ask("eth_blockNumber")).await.unwrap();
        assert_eq!(head["result"], "0x0");
    }
}
