//! [`FeedClient`] against the aggregator's real feed API (axum over a real socket, a real
//! SQLite store, real BLS signatures), and against a raw TCP server that misbehaves on purpose.

use std::{net::SocketAddr, time::Duration};

use alloy_primitives::{Address, keccak256};
use futures_util::{Stream, StreamExt};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    sync::{mpsc, watch},
    task::JoinHandle,
};
use vigil_aggregator::{
    api::{self, ApiLimits, ApiState},
    intake::{Accepted, Intake, IntakeError},
    store::{NewSignature, Store},
};
use vigil_client::FeedEvent;
use vigil_crypto::SecretKey;
use vigil_slasher::feed::{FeedClient, FeedError, FeedItem, MAX_EVENT_BYTES};
use vigil_test_utils::TestDb;
use vigil_types::{Checkpoint, SignedCheckpoint, SigningDomain};

const NOW: u64 = 1_764_000_000_000;

// ---------------------------------------------------------------------------------------------
// Real data

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31_337, verifier: Address::repeat_byte(0x11), operator_set_id: 0 }
}

/// A real signature by one of a few keys over a checkpoint that depends on `i`.
fn signed(i: u64) -> SignedCheckpoint {
    let sk = SecretKey::from_ikm(&[u8::try_from(i % 3).unwrap() + 7; 32]).unwrap();
    let seed = i.to_be_bytes();
    let checkpoint = Checkpoint {
        rollup_id: 10,
        height: i,
        block_hash: keccak256([seed.as_slice(), &[1]].concat()),
        state_root: keccak256([seed.as_slice(), &[2]].concat()),
        da_commitment: keccak256([seed.as_slice(), &[3]].concat()),
        l1_block: 1_000 + i,
    };
    SignedCheckpoint {
        domain: domain(),
        checkpoint,
        pubkey: sk.public_key().to_wire(),
        signature: sk.sign(checkpoint.digest(&domain()).as_slice()).to_wire(false),
    }
}

/// What the feed must carry for the `i`-th signature stored by [`Aggregator::add`].
fn expected(i: u64, invalid: bool) -> FeedEvent {
    FeedEvent {
        seq: i,
        operator: Address::repeat_byte(u8::try_from(i).unwrap()),
        received_at_ms: NOW + i,
        invalid,
        signed: signed(i),
    }
}

// ---------------------------------------------------------------------------------------------
// A real aggregator API

/// The API needs an intake; these tests write through the store, as the intake would.
#[derive(Clone)]
struct NoIntake;

impl Intake for NoIntake {
    async fn accept(
        &self,
        _signed: SignedCheckpoint,
        _source: vigil_service::http::Source,
    ) -> Result<Accepted, IntakeError> {
        Err(IntakeError::Unavailable("read-only test API".into()))
    }
}

/// An aggregator's database and, while running, its HTTP API.
struct Aggregator {
    db: TestDb,
    store: Store,
    head: watch::Sender<u64>,
    server: Option<(watch::Sender<bool>, JoinHandle<std::io::Result<()>>)>,
    addr: SocketAddr,
}

impl Aggregator {
    async fn new() -> Self {
        let db = TestDb::sqlite("aggregator.db");
        let store = Store::open(db.url()).await.unwrap();
        let (head, _) = watch::channel(0);
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self { db, store, head, server: None, addr }
    }

    /// Serves the API on the last address (a fresh port the first time).
    async fn start(&mut self) {
        let (closing, closing_rx) = watch::channel(false);
        let limits = ApiLimits {
            feed_page: 2,
            feed_poll_ms: 100,
            feed_keep_alive_secs: 1,
            ..ApiLimits::default()
        };
        let state = ApiState::new(NoIntake, self.store.clone(), self.head.subscribe(), limits)
            .closing_on(closing_rx);
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.addr = listener.local_addr().unwrap();
        let task = tokio::spawn(api::serve(listener, api::router(state), std::future::pending()));
        self.server = Some((closing, task));
    }

    /// Kills the API: ends the open streams and aborts the server task (closing its port).
    async fn stop(&mut self) {
        let (closing, task) = self.server.take().unwrap();
        closing.send_replace(true);
        task.abort();
        let _ = task.await;
    }

    /// Reopens the database, as a restarted aggregator would.
    async fn reopen(&mut self) {
        self.store = Store::open(self.db.url()).await.unwrap();
        self.head = watch::channel(self.store.feed_head().await.unwrap()).0;
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stores the signatures `range` (the `i`-th lands at seq `i`) and wakes the feed.
    async fn add(&self, range: std::ops::RangeInclusive<u64>) {
        let items: Vec<NewSignature> = range
            .clone()
            .map(|i| NewSignature {
                signed: signed(i),
                operator: Address::repeat_byte(u8::try_from(i).unwrap()),
                received_at_ms: NOW + i,
            })
            .collect();
        let inserted = self.store.insert_signatures(&items).await.unwrap();
        let seqs: Vec<u64> = inserted.iter().map(|i| i.seq).collect();
        assert_eq!(seqs, range.collect::<Vec<_>>());
        self.head.send_replace(*seqs.last().unwrap());
    }
}

fn client(base: &str) -> FeedClient {
    FeedClient::new("test", base, Duration::from_secs(3), Duration::from_millis(400)).unwrap()
}

async fn next(feed: &mut (impl Stream<Item = FeedItem> + Unpin)) -> FeedItem {
    tokio::time::timeout(Duration::from_secs(5), feed.next())
        .await
        .expect("no feed item within 5 s")
        .expect("the feed never ends")
}

async fn next_event(feed: &mut (impl Stream<Item = FeedItem> + Unpin)) -> FeedEvent {
    match next(feed).await {
        FeedItem::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_stored_feed_from_a_cursor() {
    let mut aggregator = Aggregator::new().await;
    aggregator.add(1..=5).await;
    aggregator.store.mark_invalid(&[2]).await.unwrap();
    aggregator.start().await;
    let client = client(&aggregator.base());
    assert_eq!(client.name(), "test");

    let mut feed = client.follow(0);
    for i in 1..=5 {
        assert_eq!(next_event(&mut feed).await, expected(i, i == 2));
    }
    drop(feed);

    let mut feed = client.follow(3);
    assert_eq!(next_event(&mut feed).await, expected(4, false));
    assert_eq!(next_event(&mut feed).await, expected(5, false));
    // Nothing more (keep-alives are not items).
    assert!(tokio::time::timeout(Duration::from_millis(1_500), feed.next()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tails_new_entries() {
    let mut aggregator = Aggregator::new().await;
    aggregator.add(1..=2).await;
    aggregator.start().await;
    let mut feed = client(&aggregator.base()).follow(0);
    assert_eq!(next_event(&mut feed).await.seq, 1);
    assert_eq!(next_event(&mut feed).await.seq, 2);
    aggregator.add(3..=3).await;
    assert_eq!(next_event(&mut feed).await, expected(3, false));
    aggregator.add(4..=6).await;
    for i in 4..=6 {
        assert_eq!(next_event(&mut feed).await, expected(i, false));
    }
}

/// The API dies mid-stream and comes back on the same port with more entries: the client
/// reports the trouble, reconnects, and continues with no duplicate and no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_a_server_restart() {
    let mut aggregator = Aggregator::new().await;
    aggregator.add(1..=3).await;
    aggregator.start().await;
    let mut feed = client(&aggregator.base()).follow(0);
    for i in 1..=3 {
        assert_eq!(next_event(&mut feed).await.seq, i);
    }

    aggregator.stop().await;
    aggregator.add(4..=5).await;
    // While it is down: the stream ended, then connections are refused.
    let mut troubles = Vec::new();
    let down_until = tokio::time::Instant::now() + Duration::from_millis(800);
    while let Ok(item) = tokio::time::timeout_at(down_until, next(&mut feed)).await {
        match item {
            FeedItem::Trouble(e) => troubles.push(e.kind()),
            other => panic!("nothing but trouble while the API is down: {other:?}"),
        }
    }
    assert_eq!(troubles.first(), Some(&"closed"), "{troubles:?}");
    assert!(troubles.len() >= 2 && troubles[1..].iter().all(|k| *k == "connect"), "{troubles:?}");

    aggregator.reopen().await;
    aggregator.start().await;
    aggregator.add(6..=7).await;
    let mut seqs = Vec::new();
    while seqs.len() < 4 {
        match next(&mut feed).await {
            FeedItem::Event(event) => {
                assert_eq!(event, expected(event.seq, false));
                seqs.push(event.seq);
            }
            FeedItem::Trouble(e) => assert_eq!(e.kind(), "connect", "{e}"),
            gap @ FeedItem::Gap { .. } => panic!("unexpected {gap:?}"),
        }
    }
    assert_eq!(seqs, [4, 5, 6, 7]);
}

// ---------------------------------------------------------------------------------------------
// A misbehaving server

/// What the raw server does on one connection: write `bytes`, then close or keep it open.
struct Reply {
    bytes: Vec<u8>,
    hold: bool,
}

const OK_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

fn sse(id: &str, data: &str) -> String {
    format!("id: {id}\nevent: signature\ndata: {data}\n\n")
}

fn json(i: u64) -> String {
    serde_json::to_string(&expected(i, false)).unwrap()
}

/// Answers the n-th connection with `replies[n]` (503 beyond them); sends each request line.
async fn raw_server(replies: Vec<Reply>) -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut replies = replies.into_iter();
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "request cut short");
                request.extend_from_slice(&buf[..n]);
            }
            let line = String::from_utf8_lossy(&request).lines().next().unwrap().to_owned();
            let _ = tx.send(line);
            let reply = replies.next().unwrap_or(Reply {
                bytes: b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n".to_vec(),
                hold: false,
            });
            socket.write_all(&reply.bytes).await.unwrap();
            if reply.hold {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(socket);
                });
            } else {
                let _ = socket.shutdown().await;
            }
        }
    });
    (base, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_garbage_gaps_and_bad_answers_and_carries_on() {
    let good = [
        ": hello\n\n".to_owned(),
        sse("1", "{\"seq\": \"1\", oops"),
        format!("data: {}\n\n", "x".repeat(MAX_EVENT_BYTES + 10)),
        // CRLF framing, as some proxies rewrite it.
        format!("id: 1\r\nevent: signature\r\ndata: {}\r\n\r\n", json(1)),
        "event: other\ndata: {}\n\n".to_owned(),
        sse("9", &json(2)),
        sse("2", &json(2)),
        sse("5", &json(5)),
        sse("4", &json(4)),
    ]
    .concat();
    let replies = vec![
        Reply {
            bytes: b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n".to_vec(),
            hold: false,
        },
        Reply { bytes: format!("{OK_HEAD}{good}").into_bytes(), hold: false },
        // Headers, then silence: the idle timeout.
        Reply { bytes: OK_HEAD.as_bytes().to_vec(), hold: true },
        Reply {
            bytes: format!("{OK_HEAD}{}{}", sse("5", &json(5)), sse("6", &json(6))).into_bytes(),
            hold: true,
        },
    ];
    let (base, mut requests) = raw_server(replies).await;
    let client =
        FeedClient::new("raw", &base, Duration::from_millis(500), Duration::from_secs(1)).unwrap();
    let mut feed = client.follow(0);

    let mut items = Vec::new();
    for _ in 0..11 {
        items.push(next(&mut feed).await);
    }
    let summary: Vec<String> = items
        .iter()
        .map(|item| match item {
            FeedItem::Event(event) => {
                assert_eq!(*event, expected(event.seq, false));
                format!("event {}", event.seq)
            }
            FeedItem::Gap { expected, got } => format!("gap {expected} {got}"),
            FeedItem::Trouble(e) => e.kind().to_owned(),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "status",
            "malformed",
            "oversize",
            "event 1",
            "malformed",
            "event 2",
            "gap 3 5",
            "event 5",
            "closed",
            "timeout",
            "event 6",
        ]
    );
    assert_eq!(items[0], FeedItem::Trouble(FeedError::Status(503)));
    assert_eq!(items[2], FeedItem::Trouble(FeedError::Oversize { limit: MAX_EVENT_BYTES }));
    let FeedItem::Trouble(FeedError::Malformed { reason }) = &items[4] else { unreachable!() };
    assert!(reason.contains("does not match"), "{reason}");

    let mut lines = Vec::new();
    while let Ok(line) = requests.try_recv() {
        lines.push(line);
    }
    assert_eq!(
        lines,
        [
            "GET /v1/feed?after=0 HTTP/1.1",
            "GET /v1/feed?after=0 HTTP/1.1",
            "GET /v1/feed?after=5 HTTP/1.1",
            "GET /v1/feed?after=5 HTTP/1.1",
        ]
    );
}
