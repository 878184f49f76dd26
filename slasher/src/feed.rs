//! A follower of the aggregator's signature feed (`GET /v1/feed?after=<seq>`, Server-Sent
//! Events): [`FeedClient::follow`] yields every entry once, in order, across reconnects.
//!
//! The parsing is split out into [`SseParser`], a pure push parser with a bounded buffer, so it
//! can be tested (and fuzzed) without a socket. The client on top of it owns the policy: which
//! events count, how duplicates after a reconnect are dropped, and how long to back off.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use futures_util::{Stream, stream};
use reqwest::{StatusCode, Url, header};
use tracing::{debug, warn};
use vigil_client::FeedEvent;
use vigil_types::redact::{redact_url, redact_urls};

/// The SSE event name of a feed entry (the aggregator's `FEED_EVENT`).
pub const FEED_EVENT: &str = "signature";

/// The largest line, and the largest event (its `data`, `event` and `id` together), that
/// [`SseParser::new`] accepts, in bytes. A feed entry is under 2 KiB.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// The first reconnect delay; it doubles on each failure up to the client's `reconnect_max`.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// What went wrong reading the feed. Connection problems ([`FeedError::is_retried`]) end one
/// connection and the client reconnects; the others skip one event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The aggregator's base URL is not an absolute `http(s)` URL.
    #[error("invalid feed URL: {0}")]
    InvalidUrl(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The request failed before an answer: refused, reset, DNS, TLS.
    #[error("cannot connect to the feed: {0}")]
    Connect(String),
    /// The aggregator answered with a status other than 200.
    #[error("the feed answered HTTP {0}")]
    Status(u16),
    /// No answer, or no bytes (not even a keep-alive) within the client's timeout.
    #[error("the feed timed out")]
    Timeout,
    /// The connection broke while reading the stream.
    #[error("the feed connection broke: {0}")]
    Disconnected(String),
    /// The aggregator ended the stream (for example when shutting down).
    #[error("the feed stream ended")]
    Closed,
    /// One event could not be understood and was skipped.
    #[error("malformed feed event: {reason}")]
    Malformed {
        /// What was wrong with it.
        reason: String,
    },
    /// A line or an event was larger than `limit` bytes; it was skipped up to the next blank
    /// line.
    #[error("feed event over {limit} bytes skipped")]
    Oversize {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl FeedError {
    /// A short label for a metric.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::InvalidUrl(_) => "invalid_url",
            Self::Client(_) => "client",
            Self::Connect(_) => "connect",
            Self::Status(_) => "status",
            Self::Timeout => "timeout",
            Self::Disconnected(_) => "disconnected",
            Self::Closed => "closed",
            Self::Malformed { .. } => "malformed",
            Self::Oversize { .. } => "oversize",
        }
    }

    /// Whether this ended a connection, after which the client reconnects (as opposed to one
    /// skipped event, or a configuration error from [`FeedClient::new`]).
    pub const fn is_retried(&self) -> bool {
        matches!(
            self,
            Self::Connect(_)
                | Self::Status(_)
                | Self::Timeout
                | Self::Disconnected(_)
                | Self::Closed
        )
    }
}

/// What [`FeedClient::follow`] yields.
// Events are the common case and move one at a time: boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    /// The next feed entry: its `seq` is above every one yielded before.
    Event(FeedEvent),
    /// A gap: the next event's seq was not last+1 (the feed promises none; reported so the
    /// caller logs and counts it). Yielded before the event itself.
    Gap {
        /// The sequence number that should have come next.
        expected: u64,
        /// The one that came.
        got: u64,
    },
    /// A problem that did not end the stream: the connection failed or dropped (the client
    /// reconnects after a backoff, logged with `retry_in`), or one malformed event was skipped.
    Trouble(FeedError),
}

// ---------------------------------------------------------------------------------------------
// The client

/// Follows one aggregator's feed. Cheap to clone (the HTTP connection pool is shared).
#[derive(Debug, Clone)]
pub struct FeedClient {
    name: Arc<str>,
    url: Url,
    http: reqwest::Client,
    timeout: Duration,
    reconnect_max: Duration,
}

impl FeedClient {
    /// A client named `name` (for logs) for the aggregator at `base_url` (`http://host:port`,
    /// optionally with a path prefix). `timeout` bounds connecting and waiting for the answer,
    /// and then each wait for the next chunk of the stream: keep it above the aggregator's
    /// keep-alive interval (`feed_keep_alive_secs`, 15 s by default). Reconnects back off from
    /// 100 ms, doubling up to `reconnect_max`.
    pub fn new(
        name: impl Into<String>,
        base_url: &str,
        timeout: Duration,
        reconnect_max: Duration,
    ) -> Result<Self, FeedError> {
        let invalid = |why: &dyn std::fmt::Display| {
            FeedError::InvalidUrl(format!("{}: {why}", redact_url(base_url)))
        };
        let base = Url::parse(base_url).map_err(|e| invalid(&e))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid(&"not an http(s) URL"));
        }
        if base.cannot_be_a_base() || base.query().is_some() || base.fragment().is_some() {
            return Err(invalid(&"expected a base URL without query or fragment"));
        }
        let mut url = base;
        let path = format!("{}/v1/feed", url.path().trim_end_matches('/'));
        url.set_path(&path);
        // Each reconnect opens a fresh connection: it usually follows a failure, and a pooled
        // connection to a server that went away would only fail again.
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| FeedError::Client(error_chain(&e)))?;
        Ok(Self { name: Arc::from(name.into()), url, http, timeout, reconnect_max })
    }

    /// The name given to [`FeedClient::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Follows the feed from `after` (exclusive) forever: connects, parses, yields events in
    /// order, and on any connection error, end of stream or idle timeout reconnects with
    /// exponential backoff (100 ms doubling up to `reconnect_max`, reset after an event),
    /// resuming after the last yielded seq.
    ///
    /// Never yields an event with seq <= the last yielded one (after a reconnect the
    /// aggregator may repeat some; they are dropped). The stream never ends: drop it to stop.
    /// The server's `retry:` hint is ignored in favour of the client's own backoff.
    pub fn follow(&self, after: u64) -> impl Stream<Item = FeedItem> + Send + Unpin + 'static {
        let follower = Follower {
            client: self.clone(),
            last: after,
            conn: None,
            pending: VecDeque::new(),
            backoff: self.first_backoff(),
            delay: None,
        };
        Box::pin(stream::unfold(follower, |mut follower| async move {
            let item = follower.next().await;
            Some((item, follower))
        }))
    }

    fn first_backoff(&self) -> Duration {
        FIRST_BACKOFF.min(self.reconnect_max)
    }

    /// Opens the stream after `after`; `Ok` only on a 200.
    async fn connect(&self, after: u64) -> Result<reqwest::Response, FeedError> {
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("after", &after.to_string());
        let request = self.http.get(url).header(header::ACCEPT, "text/event-stream").send();
        let response = match tokio::time::timeout(self.timeout, request).await {
            Err(_) => return Err(FeedError::Timeout),
            Ok(Err(e)) if e.is_timeout() => return Err(FeedError::Timeout),
            Ok(Err(e)) => return Err(FeedError::Connect(error_chain(&e))),
            Ok(Ok(response)) => response,
        };
        if response.status() != StatusCode::OK {
            return Err(FeedError::Status(response.status().as_u16()));
        }
        debug!(target: "slasher::feed", feed = %self.name, after, "feed connected");
        Ok(response)
    }
}

/// One open stream.
struct Connection {
    response: reqwest::Response,
    parser: SseParser,
    /// Parsed from the last chunk, not yet handled.
    parsed: VecDeque<Result<SseEvent, FeedError>>,
}

/// The state behind [`FeedClient::follow`].
struct Follower {
    client: FeedClient,
    /// The last seq yielded (or the starting cursor).
    last: u64,
    conn: Option<Connection>,
    /// Items ready to yield, in order.
    pending: VecDeque<FeedItem>,
    /// The delay before the next reconnect, should the current attempt fail.
    backoff: Duration,
    /// Wait this long before connecting.
    delay: Option<Duration>,
}

impl Follower {
    async fn next(&mut self) -> FeedItem {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return item;
            }
            let Some(conn) = &mut self.conn else {
                if let Some(delay) = self.delay.take() {
                    tokio::time::sleep(delay).await;
                }
                match self.client.connect(self.last).await {
                    Ok(response) => {
                        self.conn = Some(Connection {
                            response,
                            parser: SseParser::new(),
                            parsed: VecDeque::new(),
                        });
                    }
                    Err(e) => self.reconnect(e),
                }
                continue;
            };
            if let Some(parsed) = conn.parsed.pop_front() {
                self.handle(parsed);
                continue;
            }
            match tokio::time::timeout(self.client.timeout, conn.response.chunk()).await {
                Ok(Ok(Some(bytes))) => {
                    let parsed = conn.parser.push(&bytes);
                    conn.parsed.extend(parsed);
                }
                Ok(Ok(None)) => self.reconnect(FeedError::Closed),
                Ok(Err(e)) if e.is_timeout() => self.reconnect(FeedError::Timeout),
                Ok(Err(e)) => self.reconnect(FeedError::Disconnected(error_chain(&e))),
                Err(_) => self.reconnect(FeedError::Timeout),
            }
        }
    }

    /// Drops the connection (if any), reports `error` and schedules the next attempt.
    fn reconnect(&mut self, error: FeedError) {
        self.conn = None;
        let retry_in = self.backoff;
        self.delay = Some(retry_in);
        self.backoff = self.backoff.saturating_mul(2).min(self.client.reconnect_max);
        warn!(
            target: "slasher::feed",
            feed = %self.client.name,
            error = %error,
            kind = error.kind(),
            after = self.last,
            retry_in_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            "feed connection lost; reconnecting"
        );
        self.pending.push_back(FeedItem::Trouble(error));
    }

    /// Turns one parsed SSE event into the items it yields, if any.
    fn handle(&mut self, parsed: Result<SseEvent, FeedError>) {
        let event = match parsed {
            Ok(event) => event,
            Err(e) => {
                self.pending.push_back(FeedItem::Trouble(e));
                return;
            }
        };
        if event.event.as_deref() != Some(FEED_EVENT) {
            // Forward compatibility: other event types are not ours to judge.
            debug!(
                target: "slasher::feed",
                feed = %self.client.name,
                event = event.event.as_deref().map(excerpt),
                "ignoring an event of another type"
            );
            return;
        }
        let entry: FeedEvent = match serde_json::from_str(&event.data) {
            Ok(entry) => entry,
            Err(e) => {
                let id = event.id.as_deref().map(excerpt).unwrap_or_default();
                return self.malformed(format!("event id {id:?}: invalid JSON: {e}"));
            }
        };
        // The id is what a standard SSE client resumes from: it must agree with the data.
        // Without one, the data's seq is taken as is.
        if let Some(id) = &event.id
            && id.trim().parse::<u64>().ok() != Some(entry.seq)
        {
            return self.malformed(format!(
                "event id {:?} does not match seq {}",
                excerpt(id),
                entry.seq
            ));
        }
        if entry.seq <= self.last {
            debug!(
                target: "slasher::feed",
                feed = %self.client.name,
                seq = entry.seq,
                last = self.last,
                "skipping an event already yielded"
            );
            return;
        }
        let expected = self.last.saturating_add(1);
        if entry.seq != expected {
            self.pending.push_back(FeedItem::Gap { expected, got: entry.seq });
        }
        self.last = entry.seq;
        self.backoff = self.client.first_backoff();
        self.pending.push_back(FeedItem::Event(entry));
    }

    fn malformed(&mut self, reason: String) {
        self.pending.push_back(FeedItem::Trouble(FeedError::Malformed { reason }));
    }
}

/// An error and its sources, `: `-separated (reqwest's own message alone says little).
/// `error` and its causes, URLs redacted (reqwest names the URL it failed on).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    redact_urls(&text)
}

/// At most the first 64 characters of `s`, for messages about untrusted input.
fn excerpt(s: &str) -> &str {
    s.char_indices().nth(64).and_then(|(at, _)| s.get(..at)).unwrap_or(s)
}

// ---------------------------------------------------------------------------------------------
// The SSE parser

/// One dispatched Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default type (`message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `id:` field of this event, if it had one (see [`SseParser::last_event_id`] for the
    /// standard's sticky value).
    pub id: Option<String>,
}

/// A push parser for `text/event-stream` (the WHATWG rules): feed it bytes as they arrive,
/// split anywhere, and it returns the events completed so far.
///
/// Lines end in `\n`, `\r\n` or `\r`; lines starting with `:` are comments; unknown fields are
/// ignored; bytes are decoded as UTF-8 per line (invalid sequences become U+FFFD), so a chunk
/// may end inside a character. A line or an event over the limit yields one
/// [`FeedError::Oversize`] and the parser skips to the next blank line without buffering it.
/// It never panics, and buffers at most about `limit` bytes of a line.
#[derive(Debug, Clone)]
pub struct SseParser {
    limit: usize,
    /// The current line so far (without its end).
    line: Vec<u8>,
    /// The last byte seen was `\r`: a `\n` next belongs to the same line end.
    after_cr: bool,
    /// Skipping an oversize event until a blank line: `Some(bytes on the current line)`.
    discarding: Option<usize>,
    /// The first line has been seen (a BOM is stripped only there).
    started: bool,
    data: Option<String>,
    event: Option<String>,
    id: Option<String>,
    last_event_id: Option<String>,
    retry: Option<Duration>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the [`MAX_EVENT_BYTES`] limit.
    pub fn new() -> Self {
        Self::with_limit(MAX_EVENT_BYTES)
    }

    /// A parser that refuses lines and events over `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            limit,
            line: Vec::new(),
            after_cr: false,
            discarding: None,
            started: false,
            data: None,
            event: None,
            id: None,
            last_event_id: None,
            retry: None,
        }
    }

    /// The last `id:` seen, kept across events as the standard's "last event ID".
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// The last valid `retry:` the server sent.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Parses `bytes`, the next part of the stream; returns each event completed by them (or
    /// an [`FeedError::Oversize`] where one was skipped), in order. An event not yet ended by
    /// a blank line stays buffered; at the end of the stream it is dropped, as the standard
    /// says.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<Result<SseEvent, FeedError>> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if let Some(rest) = bytes.strip_prefix(b"\n") {
                    bytes = rest;
                    continue;
                }
            }
            match bytes.iter().position(|b| matches!(b, b'\n' | b'\r')) {
                Some(at) => {
                    let (content, rest) = bytes.split_at_checked(at).unwrap_or((bytes, &[]));
                    self.extend_line(content, &mut out);
                    self.after_cr = rest.first() == Some(&b'\r');
                    bytes = rest.get(1..).unwrap_or_default();
                    self.end_line(&mut out);
                }
                None => {
                    self.extend_line(bytes, &mut out);
                    bytes = &[];
                }
            }
        }
        out
    }

    fn extend_line(&mut self, content: &[u8], out: &mut Vec<Result<SseEvent, FeedError>>) {
        if content.is_empty() {
            return;
        }
        if let Some(seen) = &mut self.discarding {
            *seen = seen.saturating_add(content.len());
            return;
        }
        let len = self.line.len().saturating_add(content.len());
        if len > self.limit {
            self.line = Vec::new();
            // The rest of this line is not blank.
            self.oversize(len, out);
            return;
        }
        self.line.extend_from_slice(content);
    }

    /// Drops the event in progress and skips to the next blank line; `on_line` is how many
    /// bytes of the current line were seen (0 if it has ended).
    fn oversize(&mut self, on_line: usize, out: &mut Vec<Result<SseEvent, FeedError>>) {
        self.data = None;
        self.event = None;
        self.id = None;
        self.discarding = Some(on_line);
        out.push(Err(FeedError::Oversize { limit: self.limit }));
    }

    fn end_line(&mut self, out: &mut Vec<Result<SseEvent, FeedError>>) {
        if let Some(seen) = self.discarding {
            self.discarding = if seen == 0 { None } else { Some(0) };
            return;
        }
        let line = std::mem::take(&mut self.line);
        let mut line = line.as_slice();
        if !self.started {
            self.started = true;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        self.field(line, out);
    }

    fn field(&mut self, line: &[u8], out: &mut Vec<Result<SseEvent, FeedError>>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(b":") {
            return;
        }
        let (name, value) = match line.iter().position(|b| *b == b':') {
            Some(at) => {
                let (name, value) = line.split_at_checked(at).unwrap_or((line, &[]));
                let value = value.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => self.event = Some(value.into_owned()),
            b"data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(&value);
                }
                None => self.data = Some(value.into_owned()),
            },
            b"id" if !value.contains('\0') => {
                self.id = Some(value.clone().into_owned());
                self.last_event_id = Some(value.into_owned());
            }
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        let size = [&self.data, &self.event, &self.id]
            .iter()
            .map(|f| f.as_ref().map_or(0, String::len))
            .fold(0usize, usize::saturating_add);
        if size > self.limit {
            self.oversize(0, out);
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Result<SseEvent, FeedError>>) {
        let event = self.event.take();
        let id = self.id.take();
        // No data field: nothing to dispatch (the standard's "empty data buffer").
        if let Some(data) = self.data.take() {
            out.push(Ok(SseEvent { event, data, id }));
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ev(event: Option<&str>, data: &str, id: Option<&str>) -> Result<SseEvent, FeedError> {
        Ok(SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
        })
    }

    fn parse_all(limit: usize, input: &[u8]) -> Vec<Result<SseEvent, FeedError>> {
        SseParser::with_limit(limit).push(input)
    }

    fn parse_chunked(
        limit: usize,
        input: &[u8],
        cuts: &[usize],
    ) -> (Vec<Result<SseEvent, FeedError>>, SseParser) {
        let mut parser = SseParser::with_limit(limit);
        let mut out = Vec::new();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut from = 0;
        for cut in cuts.into_iter().chain([input.len()]) {
            out.extend(parser.push(&input[from..cut]));
            assert!(parser.line.len() <= parser.limit, "line buffer over the limit");
            from = cut;
        }
        (out, parser)
    }

    /// Each case: input, expected events, with a small limit where it matters.
    #[test]
    fn parse_table() {
        let oversize = || Err(FeedError::Oversize { limit: 24 });
        type Case = (&'static str, &'static [u8], Vec<Result<SseEvent, FeedError>>);
        let cases: Vec<Case> = vec![
            (
                "the aggregator's framing",
                b"id: 1\nevent: signature\ndata: {\"seq\":\"1\"}\n\n",
                vec![ev(Some("signature"), "{\"seq\":\"1\"}", Some("1"))],
            ),
            ("CRLF", b"data: a\r\nid: 2\r\n\r\n", vec![ev(None, "a", Some("2"))]),
            ("CR", b"data: a\rdata: b\r\r", vec![ev(None, "a\nb", None)]),
            ("multi-line data", b"data:x\ndata:  y\ndata\n\n", vec![ev(None, "x\n y\n", None)]),
            ("comments and keep-alives", b":\n: ping\n\ndata: z\n\n", vec![ev(None, "z", None)]),
            ("no data: nothing dispatched", b"event: e\nid: 3\n\n", vec![]),
            ("unknown fields ignored", b"foo: bar\ndata: 1\n\n", vec![ev(None, "1", None)]),
            ("unterminated event dropped", b"data: 1\n", vec![]),
            ("BOM stripped", b"\xEF\xBB\xBFdata: 1\n\n", vec![ev(None, "1", None)]),
            ("invalid UTF-8 replaced", b"data: \xFF\n\n", vec![ev(None, "\u{FFFD}", None)]),
            ("id with NUL ignored", b"id: 1\0\ndata: 1\n\n", vec![ev(None, "1", None)]),
            (
                "long line skipped",
                b"data: 0123456789abcdefghij\n\ndata: ok\n\n",
                vec![oversize(), ev(None, "ok", None)],
            ),
            (
                "large event skipped to the blank line",
                b"data: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: more\n\ndata: ok\n\n",
                vec![oversize(), ev(None, "ok", None)],
            ),
            (
                "oversize at the end of its event",
                b"data: 0123456789abcdefghij\n\n\ndata: ok\r\n\r\n",
                vec![oversize(), ev(None, "ok", None)],
            ),
        ];
        for (name, input, expected) in cases {
            assert_eq!(parse_all(24, input), expected, "{name}");
            // Byte by byte too.
            let cuts: Vec<usize> = (0..input.len()).collect();
            assert_eq!(parse_chunked(24, input, &cuts).0, expected, "{name}, byte by byte");
        }
    }

    #[test]
    fn sticky_last_event_id_and_retry() {
        let mut parser = SseParser::new();
        let out = parser.push(b"retry: 2500\nid: 7\ndata: a\n\ndata: b\n\nretry: x\n");
        assert_eq!(out, vec![ev(None, "a", Some("7")), ev(None, "b", None)]);
        assert_eq!(parser.last_event_id(), Some("7"));
        assert_eq!(parser.retry(), Some(Duration::from_millis(2_500)));
    }

    #[test]
    fn crlf_split_across_chunks() {
        let mut parser = SseParser::new();
        assert!(parser.push(b"data: a\r").is_empty());
        // The `\n` completes the `\r\n`; it is not a blank line.
        assert!(parser.push(b"\n").is_empty());
        assert_eq!(parser.push(b"\r\n"), vec![ev(None, "a", None)]);
    }

    #[test]
    fn oversize_does_not_buffer() {
        let mut parser = SseParser::with_limit(1_000);
        let mut out = parser.push(b"data: ");
        for _ in 0..1_000 {
            out.extend(parser.push(&[b'x'; 1_000]));
            assert!(parser.line.len() <= 1_000);
        }
        out.extend(parser.push(b"\n\ndata: ok\n\n"));
        assert_eq!(out, vec![Err(FeedError::Oversize { limit: 1_000 }), ev(None, "ok", None)]);
    }

    #[test]
    fn kinds() {
        assert_eq!(FeedError::Status(503).kind(), "status");
        assert_eq!(FeedError::Oversize { limit: 1 }.kind(), "oversize");
        assert!(FeedError::Closed.is_retried());
        assert!(!FeedError::Malformed { reason: String::new() }.is_retried());
    }

    #[test]
    fn urls() {
        let client =
            |url: &str| FeedClient::new("a", url, Duration::from_secs(1), Duration::from_secs(1));
        assert_eq!(client("http://h:1").unwrap().url.as_str(), "http://h:1/v1/feed");
        assert_eq!(client("http://h:1/agg/").unwrap().url.as_str(), "http://h:1/agg/v1/feed");
        for bad in ["h:1", "ftp://h", "http://h/?x=1", "not a url"] {
            assert_eq!(client(bad).unwrap_err().kind(), "invalid_url", "{bad}");
        }
        assert_eq!(excerpt(&"é".repeat(100)).chars().count(), 64);
    }

    /// Text without line breaks, mostly printable, with some multi-byte characters.
    fn text() -> impl Strategy<Value = String> {
        "[a-z0-9 :{}\"é€😀\u{0}]{0,12}"
    }

    #[derive(Debug, Clone)]
    struct Generated {
        event: Option<String>,
        id: Option<String>,
        data: Vec<String>,
        comment: bool,
    }

    fn generated() -> impl Strategy<Value = Generated> {
        (
            proptest::option::of("[a-z]{1,8}"),
            proptest::option::of("[0-9]{1,5}"),
            prop::collection::vec(text(), 1..4),
            any::<bool>(),
        )
            .prop_map(|(event, id, data, comment)| Generated { event, id, data, comment })
    }

    /// `events` as a stream with line ends chosen by `ends`, and what parsing it must give.
    fn encode(events: &[Generated], ends: &[u8]) -> (Vec<u8>, Vec<Result<SseEvent, FeedError>>) {
        let mut bytes = Vec::new();
        let mut n = 0usize;
        let mut end = |bytes: &mut Vec<u8>| {
            let e: &[u8] = match ends.get(n % ends.len().max(1)).copied().unwrap_or(0) % 3 {
                // After a `\r`, a lone `\n` would merge with it into one `\r\n`.
                0 if bytes.last() == Some(&b'\r') => b"\r\n",
                0 => b"\n",
                1 => b"\r\n",
                _ => b"\r",
            };
            n += 1;
            bytes.extend_from_slice(e);
        };
        let mut expected = Vec::new();
        for g in events {
            if g.comment {
                bytes.extend_from_slice(b": keep-alive");
                end(&mut bytes);
            }
            if let Some(id) = &g.id {
                bytes.extend_from_slice(format!("id: {id}").as_bytes());
                end(&mut bytes);
            }
            if let Some(event) = &g.event {
                bytes.extend_from_slice(format!("event:{event}").as_bytes());
                end(&mut bytes);
            }
            for line in &g.data {
                bytes.extend_from_slice(format!("data: {line}").as_bytes());
                end(&mut bytes);
            }
            end(&mut bytes);
            expected.push(Ok(SseEvent {
                event: g.event.clone(),
                data: g.data.join("\n"),
                id: g.id.clone(),
            }));
        }
        (bytes, expected)
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(
            input in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\r'), Just(b':')], 0..600),
            cuts in prop::collection::vec(any::<usize>(), 0..20),
            limit in 0usize..64,
        ) {
            let (chunked, _) = parse_chunked(limit, &input, &cuts);
            prop_assert_eq!(chunked, parse_all(limit, &input));
        }

        #[test]
        fn valid_streams_parse_the_same_in_any_chunking(
            events in prop::collection::vec(generated(), 0..8),
            ends in prop::collection::vec(any::<u8>(), 1..8),
            cuts in prop::collection::vec(any::<usize>(), 0..30),
        ) {
            let (bytes, expected) = encode(&events, &ends);
            prop_assert_eq!(&parse_all(MAX_EVENT_BYTES, &bytes), &expected);
            let (chunked, parser) = parse_chunked(MAX_EVENT_BYTES, &bytes, &cuts);
            prop_assert_eq!(chunked, expected);
            let last_id = events.iter().rev().find_map(|g| g.id.clone());
            prop_assert_eq!(parser.last_event_id(), last_id.as_deref());
        }
    }
}
