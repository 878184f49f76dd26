#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The aggregator's HTTP API end to end: real HTTP over a real socket, a real store (SQLite in a
//! tempdir; the feed also on a private PostgreSQL server), real BLS signatures.
//!
//! Intake here is a stand-in ([`StoreIntake`]) that stores whatever it is given: the real
//! intake (validation against the operator set, aggregation) is tested in the aggregator's own
//! integration tests. This suite tests the HTTP layer around it.

use std::{future::Future, sync::Arc, time::Duration};

use alloy_primitives::{Address, B256, U256};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{oneshot, watch};
use vigil_aggregator::{
    api::{self, ApiLimits, ApiState, CertificateView, CheckpointView, FeedEvent},
    intake::{Accepted, Intake, IntakeError},
    store::{NewSignature, StateUpdate, Store},
};
use vigil_test_utils::PgServer;
use vigil_types::{Checkpoint, PublicKeyBytes, SignedCheckpoint, SigningDomain};

use crate::support::{NOW, Operator, certificate, checkpoint, domain, operators};

// ---------------------------------------------------------------------------------------------
// Databases

enum TestDb {
    Sqlite(TempDir),
    Postgres(PgServer),
}

impl TestDb {
    fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }

    async fn postgres() -> Self {
        let server = tokio::task::spawn_blocking(PgServer::start)
            .await
            .unwrap()
            .expect("PostgreSQL is required for these tests (apt-get install postgresql)");
        Self::Postgres(server)
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("aggregator.db").display()),
            Self::Postgres(server) => server.url(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A stand-in intake

/// Stores every signature and bumps the feed head, as the real intake does once its batch
/// commits; refuses the rollup ids of [`refusal`] with the matching error.
#[derive(Clone)]
struct StoreIntake {
    store: Store,
    head: Arc<watch::Sender<u64>>,
}

/// Rollup ids the stand-in intake refuses, each with one [`IntakeError`].
fn refusal(checkpoint: &Checkpoint) -> Option<IntakeError> {
    Some(match checkpoint.rollup_id {
        901 => IntakeError::WrongDomain { expected: "a".into(), got: "b".into() },
        902 => IntakeError::UnknownOperator("0xabcd".into()),
        903 => IntakeError::MalformedSignature("not on the curve".into()),
        904 => IntakeError::InvalidSignature,
        905 => IntakeError::FutureL1Block { l1_block: 10, head: 9 },
        906 => IntakeError::Unavailable("database at 10.9.8.7 is down".into()),
        907 => IntakeError::RateLimited(Duration::from_millis(2_500)),
        908 => IntakeError::Malformed("height 0".into()),
        _ => return None,
    })
}

impl Intake for StoreIntake {
    fn accept(
        &self,
        signed: SignedCheckpoint,
        _source: vigil_service::http::Source,
    ) -> impl Future<Output = Result<Accepted, IntakeError>> + Send {
        let this = self.clone();
        async move {
            if let Some(e) = refusal(&signed.checkpoint) {
                return Err(e);
            }
            let item = NewSignature {
                signed,
                operator: operator_address(&signed.pubkey),
                received_at_ms: NOW,
            };
            let inserted = this
                .store
                .insert_signatures(&[item])
                .await
                .map_err(|e| IntakeError::Unavailable(e.to_string()))?;
            let inserted = inserted[0];
            this.head.send_modify(|head| *head = (*head).max(inserted.seq));
            Ok(Accepted { seq: inserted.seq, duplicate: inserted.duplicate, stale: false })
        }
    }
}

fn operator_address(pubkey: &PublicKeyBytes) -> Address {
    Address::repeat_byte(pubkey.0[5])
}

// ---------------------------------------------------------------------------------------------
// A running API

struct TestApi {
    base: String,
    http: reqwest::Client,
    store: Store,
    shutdown: oneshot::Sender<()>,
    closing: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _db: TestDb,
}

impl TestApi {
    async fn start(db: TestDb, limits: ApiLimits) -> Self {
        Self::start_with(db, limits, None).await
    }

    /// [`TestApi::start`], publishing `domain` at `GET /v1/domain` if given.
    async fn start_with(db: TestDb, limits: ApiLimits, domain: Option<SigningDomain>) -> Self {
        let store = Store::open(&db.url()).await.unwrap();
        let head = store.feed_head().await.unwrap();
        let (tx, rx) = watch::channel(head);
        let intake = StoreIntake { store: store.clone(), head: Arc::new(tx) };
        let (closing, closing_rx) = watch::channel(false);
        let mut state = ApiState::new(intake, store.clone(), rx, limits).closing_on(closing_rx);
        if let Some(domain) = domain {
            state = state.with_domain(domain);
        }
        let router = api::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(api::serve(listener, router, async move {
            let _ = stop.await;
        }));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Self { base, http, store, shutdown, closing, server, _db: db }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post_raw(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(self.url("/v1/signatures"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, signed: &SignedCheckpoint) -> reqwest::Response {
        self.post_raw(serde_json::to_vec(signed).unwrap()).await
    }

    /// Posts `signed` and expects 202; returns the body.
    async fn submit(&self, signed: &SignedCheckpoint) -> Value {
        let response = self.post(signed).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("application/json"), "{path}: {content_type}");
        (status, response.json().await.unwrap())
    }

    async fn feed(&self, query: &str, last_event_id: Option<u64>) -> SseReader {
        let mut request = self.http.get(self.url(&format!("/v1/feed{query}")));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        // No overall timeout on a stream that never ends: each read is bounded instead.
        let response = request.timeout(Duration::from_secs(3_600)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        SseReader { response, buf: String::new() }
    }
}

/// Posts `body` twice in `Transfer-Encoding: chunked` (no Content-Length), over a raw socket;
/// returns the response as text.
async fn chunked_post(base: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "POST /v1/signatures HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..2 {
        request.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
        request.extend_from_slice(body);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = socket.write_all(&request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

fn small_limits() -> ApiLimits {
    ApiLimits { feed_page: 2, feed_poll_ms: 200, ..ApiLimits::default() }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events, parsed by hand

#[derive(Debug)]
struct SseEvent {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

struct SseReader {
    response: reqwest::Response,
    buf: String,
}

impl SseReader {
    /// The next event (keep-alive comments skipped), waiting at most 10 s.
    async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(Duration::from_secs(10), self.next_inner())
            .await
            .expect("no feed event within 10 s")
    }

    async fn next_inner(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = SseEvent { id: None, event: None, data: String::new() };
                let mut has_field = false;
                for line in block.lines() {
                    if line.is_empty() || line.starts_with(':') {
                        continue;
                    }
                    has_field = true;
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => event.id = Some(value.to_owned()),
                        "event" => event.event = Some(value.to_owned()),
                        "data" => {
                            if !event.data.is_empty() {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                        }
                        _ => {}
                    }
                }
                if has_field {
                    return event;
                }
                continue;
            }
            let chunk = self.response.chunk().await.unwrap().expect("feed stream ended");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next feed entry, checking the SSE framing around it.
    async fn next_entry(&mut self) -> FeedEvent {
        let event = self.next().await;
        assert_eq!(event.event.as_deref(), Some(api::FEED_EVENT));
        let entry: FeedEvent = serde_json::from_str(&event.data).unwrap();
        assert_eq!(event.id, Some(entry.seq.to_string()));
        entry
    }

    /// The stream ends within 10 s.
    async fn assert_ends(&mut self) {
        let end = tokio::time::timeout(Duration::from_secs(10), async {
            while self.response.chunk().await.unwrap().is_some() {}
        });
        end.await.expect("the feed stream did not end");
    }

    /// Nothing arrives for `wait`.
    async fn assert_quiet(&mut self, wait: Duration) {
        if let Ok(event) = tokio::time::timeout(wait, self.next_inner()).await {
            panic!("unexpected feed event {event:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real data

fn sign(op: &Operator, checkpoint: Checkpoint) -> SignedCheckpoint {
    let sig = op.sk.sign(checkpoint.digest(&domain()).as_slice());
    SignedCheckpoint {
        domain: domain(),
        checkpoint,
        pubkey: op.pubkey,
        signature: sig.to_wire(false),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submit_and_follow_the_feed_sqlite() {
    submit_and_follow_the_feed(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submit_and_follow_the_feed_postgres() {
    submit_and_follow_the_feed(TestDb::postgres().await).await;
}

/// Accepted signatures are 202 and appear on the feed in order: first the stored backlog
/// (paged), then live ones, including a write this process did not make (another replica);
/// reconnecting from `Last-Event-ID` or `?after=` resumes with no gap and no duplicate.
async fn submit_and_follow_the_feed(db: TestDb) {
    let api = TestApi::start(db, small_limits()).await;
    let ops = operators(4);
    let signed: Vec<SignedCheckpoint> = (1..=8)
        .map(|h| sign(&ops[usize::try_from(h % 4).unwrap()], checkpoint(10, h, 0)))
        .collect();

    for (i, s) in signed[..3].iter().enumerate() {
        let body = api.submit(s).await;
        assert_eq!(body, json!({"seq": i + 1, "duplicate": false, "stale": false}));
    }
    // A repeat is acknowledged at its first place.
    assert_eq!(api.submit(&signed[0]).await, json!({"seq": 1, "duplicate": true, "stale": false}));

    // Backlog, across pages of two.
    let mut feed = api.feed("?after=0", None).await;
    for (i, s) in signed[..3].iter().enumerate() {
        let entry = feed.next_entry().await;
        assert_eq!(entry.seq, u64::try_from(i + 1).unwrap());
        assert_eq!(entry.signed, *s);
        assert_eq!(entry.operator, operator_address(&s.pubkey));
        assert_eq!(entry.received_at_ms, NOW);
        assert!(!entry.invalid);
    }
    feed.assert_quiet(Duration::from_millis(300)).await;

    // Live.
    api.submit(&signed[3]).await;
    api.submit(&signed[4]).await;
    assert_eq!(feed.next_entry().await.seq, 4);
    assert_eq!(feed.next_entry().await.seq, 5);

    // Another replica's write (no local wake-up) arrives by the poll.
    let foreign = NewSignature {
        signed: signed[5],
        operator: Address::repeat_byte(0xee),
        received_at_ms: NOW,
    };
    api.store.insert_signatures(&[foreign]).await.unwrap();
    let entry = feed.next_entry().await;
    assert_eq!((entry.seq, entry.operator, entry.signed), (6, foreign.operator, signed[5]));
    drop(feed);

    api.submit(&signed[6]).await;
    api.submit(&signed[7]).await;

    // Resume from the last id seen.
    let mut feed = api.feed("", Some(5)).await;
    for (seq, s) in [(6, signed[5]), (7, signed[6]), (8, signed[7])] {
        let entry = feed.next_entry().await;
        assert_eq!((entry.seq, entry.signed), (seq, s));
    }
    feed.assert_quiet(Duration::from_millis(300)).await;
    drop(feed);

    // The query wins over the header.
    let mut feed = api.feed("?after=6", Some(2)).await;
    assert_eq!(feed.next_entry().await.seq, 7);
    assert_eq!(feed.next_entry().await.seq, 8);
    drop(feed);

    let (status, health) = api.get("/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health, json!({"status": "ok", "feedHead": "8"}));

    // A bad cursor is a typed 400.
    let response = api.http.get(api.url("/v1/feed?after=x")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "bad_request");
}

/// Checks an error response: `status`, JSON `{error: code, message}`; returns the body and the
/// `Retry-After` header.
async fn expect_json_error(
    response: reqwest::Response,
    status: StatusCode,
    code: &'static str,
) -> (Value, Option<header::HeaderValue>) {
    assert_eq!(response.status(), status, "{code}");
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "{code}: {content_type}");
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    (body, retry_after)
}

/// Every refusal is a JSON `{error, message}` with its status, and is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refusals_are_typed_json() {
    let limits = ApiLimits { max_body_bytes: 4 * 1024, ..ApiLimits::default() };
    let api = TestApi::start(TestDb::sqlite(), limits).await;
    let ops = operators(1);

    // Over the body limit, with and without a Content-Length.
    let big = vec![b' '; 8 * 1024];
    expect_json_error(
        api.post_raw(big.clone()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    )
    .await;
    let response = chunked_post(&api.base, &big).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains(r#""error":"body_too_large""#), "{response}");

    // Not JSON, not a signed checkpoint, an unknown field.
    expect_json_error(api.post_raw("{not json").await, StatusCode::BAD_REQUEST, "malformed").await;
    expect_json_error(api.post_raw(r#"{"domain":1}"#).await, StatusCode::BAD_REQUEST, "malformed")
        .await;
    let mut extra = serde_json::to_value(sign(&ops[0], checkpoint(1, 1, 0))).unwrap();
    extra["extra"] = json!(1);
    expect_json_error(api.post_raw(extra.to_string()).await, StatusCode::BAD_REQUEST, "malformed")
        .await;

    // Intake's refusals.
    let cases = [
        (901, StatusCode::FORBIDDEN, "wrong_domain"),
        (902, StatusCode::FORBIDDEN, "unknown_operator"),
        (903, StatusCode::BAD_REQUEST, "malformed_signature"),
        (904, StatusCode::FORBIDDEN, "invalid_signature"),
        (905, StatusCode::UNPROCESSABLE_ENTITY, "future_l1_block"),
        (906, StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (907, StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        (908, StatusCode::BAD_REQUEST, "malformed"),
    ];
    for (rollup, status, code) in cases {
        let response = api.post(&sign(&ops[0], checkpoint(rollup, 1, 0))).await;
        let (body, retry_after) = expect_json_error(response, status, code).await;
        if code == "unavailable" {
            assert!(!body["message"].as_str().unwrap().contains("10.9.8.7"), "{body}");
        }
        if code == "rate_limited" {
            assert_eq!(retry_after.unwrap(), "3");
        }
    }
    assert_eq!(api.store.feed_head().await.unwrap(), 0);

    // Routing errors are JSON too.
    let response = api.http.get(api.url("/v1/nope")).send().await.unwrap();
    expect_json_error(response, StatusCode::NOT_FOUND, "unknown_route").await;
    let response = api.http.get(api.url("/v1/signatures")).send().await.unwrap();
    expect_json_error(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let response = api.http.get(api.url("/v1/checkpoints/x/1")).send().await.unwrap();
    expect_json_error(response, StatusCode::BAD_REQUEST, "bad_request").await;

    // Every outcome was counted.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(api::serve(listener, api::metrics_router(), std::future::pending()));
    let text = api.http.get(metrics_url).send().await.unwrap().text().await.unwrap();
    for (_, _, code) in cases {
        assert!(
            text.contains(&format!("vigil_aggregator_signatures_total{{result=\"{code}\"}}")),
            "{code} not counted in\n{text}"
        );
    }
    assert!(
        text.contains(r#"vigil_aggregator_signatures_total{result="body_too_large"} 2"#),
        "{text}"
    );
}

/// One key gets its burst, then 429 with `Retry-After`; another key is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limited_per_key() {
    let limits = ApiLimits { per_key_rate: 1, per_key_burst: 3, ..ApiLimits::default() };
    let api = TestApi::start(TestDb::sqlite(), limits).await;
    let ops = operators(2);
    for h in 1..=3 {
        api.submit(&sign(&ops[0], checkpoint(20, h, 0))).await;
    }
    let response = api.post(&sign(&ops[0], checkpoint(20, 4, 0))).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 =
        response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    // The refused one was not stored.
    assert_eq!(api.store.feed_head().await.unwrap(), 3);

    api.submit(&sign(&ops[1], checkpoint(20, 1, 0))).await;

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    api.submit(&sign(&ops[0], checkpoint(20, 4, 0))).await;
}

/// The query endpoints: 404 before a certificate exists; its state as it moves; the latest
/// mined; the full certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkpoint_and_certificate_queries() {
    let api = TestApi::start(TestDb::sqlite(), ApiLimits::default()).await;
    let ops = operators(4);
    let cp = checkpoint(30, 5, 0);

    for path in ["/v1/checkpoints/30/latest", "/v1/checkpoints/30/5", "/v1/certificates/30/5"] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "not_found");
    }

    let new = certificate(&ops, cp, 3, U256::from(10u64).pow(U256::from(30u64)), NOW);
    assert!(api.store.insert_certificate(&new).await.unwrap());

    let (status, body) = api.get("/v1/checkpoints/30/5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "ready");
    assert_eq!(body["txHash"], Value::Null);
    assert_eq!(body["blockNumber"], Value::Null);
    assert_eq!(body["signers"], "3");
    assert_eq!(body["signedWeight"], "3000000000000000000000000000000");
    assert_eq!(body["totalWeight"], "4000000000000000000000000000000");
    assert_eq!(body["checkpoint"]["height"], "5");
    assert_eq!(body["digest"], json!(cp.digest(&domain())));
    // Not mined yet: no latest.
    assert_eq!(api.get("/v1/checkpoints/30/latest").await.0, StatusCode::NOT_FOUND);

    let lease = Duration::from_secs(60);
    let tx_hash = B256::repeat_byte(0x42);
    api.store.claim_next("test", lease, NOW).await.unwrap().unwrap();
    api.store
        .update_state(30, 5, "test", StateUpdate::Submitted { tx_hash, nonce: 0 }, NOW)
        .await
        .unwrap();
    assert_eq!(api.get("/v1/checkpoints/30/5").await.1["state"], "submitted");
    api.store
        .update_state(
            30,
            5,
            "test",
            StateUpdate::Mined { tx_hash, block_number: 1_234, gas_used: 90_000 },
            NOW,
        )
        .await
        .unwrap();

    let (status, body) = api.get("/v1/checkpoints/30/latest").await;
    assert_eq!(status, StatusCode::OK);
    let latest: CheckpointView = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(latest.checkpoint, cp);
    assert_eq!(latest.domain, domain());
    assert_eq!(latest.submission.tx_hash, Some(tx_hash));
    assert_eq!(latest.submission.block_number, Some(1_234));
    assert_eq!(body["state"], "mined");
    assert_eq!(body["blockNumber"], "1234");
    // Other rollups still have none.
    assert_eq!(api.get("/v1/checkpoints/31/latest").await.0, StatusCode::NOT_FOUND);

    let (status, body) = api.get("/v1/certificates/30/5").await;
    assert_eq!(status, StatusCode::OK);
    let view: CertificateView = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(view.certificate, new.certificate);
    assert_eq!(view.submission.signed_weight, new.signed_weight);
    assert_eq!(view.submission.total_weight, new.total_weight);
    assert_eq!(view.submission.tx_hash, Some(tx_hash));
    assert_eq!(body["certificate"]["nonSigners"], json!([ops[3].pubkey]));
    assert!(body["certificate"]["aggregateSignature"].is_string());
    assert_eq!(body["state"], "mined");
}

/// A graceful shutdown ends feed streams instead of waiting for followers to leave.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_ends_feed_streams() {
    let api = TestApi::start(TestDb::sqlite(), small_limits()).await;
    let ops = operators(1);
    api.submit(&sign(&ops[0], checkpoint(40, 1, 0))).await;
    let mut feed = api.feed("", None).await;
    assert_eq!(feed.next_entry().await.seq, 1);

    api.shutdown.send(()).unwrap();
    api.closing.send_replace(true);
    feed.assert_ends().await;
    tokio::time::timeout(Duration::from_secs(10), api.server)
        .await
        .expect("serve did not return")
        .unwrap()
        .unwrap();
}

/// `POST /v1/signatures/batch`: every item through the same intake, answers in request order,
/// refusals typed per item (internal detail withheld), too many items or garbage refused whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batch_submission_answers_per_item() {
    let api = TestApi::start(TestDb::sqlite(), ApiLimits::default()).await;
    let ops = operators(3);
    let items = vec![
        sign(&ops[0], checkpoint(30, 1, 0)),
        sign(&ops[1], checkpoint(904, 1, 0)), // refused: invalid signature
        sign(&ops[2], checkpoint(30, 1, 0)),
        sign(&ops[0], checkpoint(906, 1, 0)), // refused: unavailable (detail withheld)
        sign(&ops[0], checkpoint(30, 1, 0)),  // the same as the first
    ];
    let response =
        api.http.post(api.url("/v1/signatures/batch")).json(&items).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[1]["error"], "invalid_signature");
    assert_eq!(results[3]["error"], "unavailable");
    assert!(!results[3]["message"].as_str().unwrap().contains("10.9.8.7"), "{body}");
    // Items run concurrently: of the two identical ones (0 and 4) exactly one is stored, the
    // other is its duplicate with the same sequence number.
    let dup = |i: usize| results[i]["duplicate"].as_bool().unwrap();
    assert!(dup(0) != dup(4), "{body}");
    assert_eq!(results[0]["seq"], results[4]["seq"], "{body}");
    assert!(!dup(2), "{body}");
    assert_ne!(results[0]["seq"], results[2]["seq"], "{body}");
    assert_eq!(api.store.feed_head().await.unwrap(), 2, "two new signatures stored");

    let too_many = vec![sign(&ops[0], checkpoint(31, 1, 0)); api::MAX_BATCH + 1];
    let response =
        api.http.post(api.url("/v1/signatures/batch")).json(&too_many).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = api
        .http
        .post(api.url("/v1/signatures/batch"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("[{\"not\": \"a checkpoint\"}]")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(api.store.feed_head().await.unwrap(), 2, "nothing from refused batches");
}

/// `GET /v1/domain` names the signing domain (so an operator's `doctor` can compare it with its
/// own), integers as decimal strings like every other answer; an aggregator built without one
/// answers a typed 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_is_published() {
    let api = TestApi::start_with(TestDb::sqlite(), ApiLimits::default(), Some(domain())).await;
    let (status, body) = api.get("/v1/domain").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "l1ChainId": "31337",
            "verifier": Address::repeat_byte(0x11).to_string(),
            "operatorSetId": "0",
        })
    );
    assert_eq!(serde_json::from_value::<SigningDomain>(body).unwrap(), domain());

    let bare = TestApi::start(TestDb::sqlite(), ApiLimits::default()).await;
    let (status, body) = bare.get("/v1/domain").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found", "{body}");
}
