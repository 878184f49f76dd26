//! The connection loop behind [`super::serve_with`]: hyper's HTTP/1.1-and-HTTP/2 connection
//! builder on a [`CappedListener`], optionally behind TLS ([`super::tls`]).
//!
//! `axum::serve` cannot bound how long a client takes to send a request head, so a client
//! that opens connections and trickles bytes (slowloris) could hold every permit of the
//! connection cap. Here each connection has:
//!
//! - a **header-read timeout**: a request head (HTTP/1.1), the first or the next one on a
//!   keep-alive connection, must arrive whole within it, or the connection is closed. It also
//!   bounds the TLS handshake, and the wait before the protocol is known: a connection that has
//!   not been sent a byte of an answer within it of opening is shut down gracefully (closed
//!   at once if no request has started; hyper's own timer starts only once it knows the
//!   protocol, so a client sending nothing, or a prefix of HTTP/2's preface, would otherwise
//!   wait for the idle timeout);
//! - an **idle timeout**: a connection on which no byte has moved either way for this long is
//!   shut down gracefully (closed at once when no request is in flight, else after it);
//! - the peer's address as `ConnectInfo<Source>` in every request's extensions (the
//!   [`Source`] extractor).
//!
//! On shutdown the loop stops accepting, asks every connection to shut down gracefully (an idle
//! one closes, one with a request in flight closes once its response is sent) and returns when
//! all are closed.

use std::{
    io,
    net::SocketAddr,
    pin::{Pin, pin},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::watch,
    time::Instant,
};
use tower::ServiceExt as _;

use super::{
    ServerLimits, Source,
    limits::{CappedListener, CappedStream},
};

/// Serves `router` on `listener` until `shutdown` completes, then drains (see the module).
pub(super) async fn run(
    listener: CappedListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> io::Result<()> {
    let mut listener = listener;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let tls = limits.tls.as_ref().map(super::tls::Tls::acceptor);
    // Every connection holds a receiver; `closed()` resolves once all have ended.
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let connection = Connection {
            builder: builder.clone(),
            router: router.clone(),
            peer,
            stop: stopped.clone(),
            limits: Timeouts { header: limits.header_read_timeout, idle: limits.idle_timeout },
            server: limits.server,
        };
        match &tls {
            None => drop(tokio::spawn(connection.serve(stream))),
            Some(acceptor) => drop(tokio::spawn(connection.serve_tls(acceptor.clone(), stream))),
        }
    }
    drop(listener);
    drop(stopped);
    stop.send_replace(true);
    stop.closed().await;
    Ok(())
}

#[derive(Clone, Copy)]
struct Timeouts {
    header: Duration,
    idle: Duration,
}

/// One accepted connection and what serving it needs.
struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    router: Router,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
    limits: Timeouts,
    server: &'static str,
}

impl Connection {
    /// The TLS handshake (bounded by the header-read timeout and shutdown), then [`Self::serve`].
    async fn serve_tls(mut self, acceptor: tokio_rustls::TlsAcceptor, stream: CappedStream) {
        let handshake = tokio::time::timeout(self.limits.header, acceptor.accept(stream));
        let stream = tokio::select! {
            done = handshake => done,
            _ = self.stop.wait_for(|stop| *stop) => return,
        };
        match stream {
            Ok(Ok(stream)) => self.serve(stream).await,
            Ok(Err(e)) => {
                tracing::debug!(target: "vigil::http", server = self.server, peer = %self.peer, error = %e, "TLS handshake failed");
            }
            Err(_) => {
                tracing::debug!(target: "vigil::http", server = self.server, peer = %self.peer, "TLS handshake timed out");
            }
        }
    }

    /// Serves requests on `io` until the client closes, a timeout closes it, or shutdown.
    async fn serve<I>(mut self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched { inner: io, activity: activity.clone() });
        let (router, source) = (self.router, Source(self.peer.ip()));
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(source));
            router.clone().oneshot(request)
        });
        let mut conn = pin!(self.builder.serve_connection(io, service));
        let mut idle = pin!(activity.idle_for(self.limits.idle));
        // hyper's header-read timer starts once the protocol is known; before (a client that
        // sends nothing, or a prefix of HTTP/2's preface) only this one bounds the wait.
        let mut first_answer = pin!(tokio::time::sleep(self.limits.header));
        let mut answered_in_time = false;
        let mut closing = false;
        loop {
            tokio::select! {
                () = first_answer.as_mut(), if !closing && !answered_in_time => {
                    answered_in_time = activity.wrote();
                    if !answered_in_time {
                        tracing::debug!(target: "vigil::http", server = self.server, peer = %self.peer, "no request head in time");
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(target: "vigil::http", server = self.server, peer = %self.peer, error = %e, "connection closed");
                    }
                    return;
                }
                _ = self.stop.wait_for(|stop| *stop), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                () = idle.as_mut(), if !closing => {
                    tracing::debug!(target: "vigil::http", server = self.server, peer = %self.peer, "idle connection closed");
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// When a connection last moved a byte, in milliseconds since it opened, and whether it has
/// written any.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
    wrote: AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Self { opened: Instant::now(), last_ms: AtomicU64::new(0), wrote: AtomicBool::new(false) }
    }

    /// Whether the server has sent the client anything yet.
    fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// An I/O stream that records each byte moved in its [`Activity`].
struct Watched<I> {
    inner: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
            self.activity.wrote.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
            self.activity.wrote.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Duration;

    use axum::{Router, routing::get};
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::{TcpListener, TcpStream},
        sync::oneshot,
        task::JoinHandle,
        time::{Instant, timeout},
    };

    use crate::http::{ServerLimits, Source, serve_with};

    fn router() -> Router {
        Router::new()
            .route("/source", get(|source: Source| async move { source.to_string() }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    "done"
                }),
            )
    }

    /// Serves [`router`] with `limits`; the sender stops it.
    async fn start(
        limits: ServerLimits,
    ) -> (std::net::SocketAddr, oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve_with(
            listener,
            router(),
            async move {
                let _ = stopped.await;
            },
            limits,
        ));
        (addr, stop, server)
    }

    /// Reads until the server closes the connection (or 5 s pass: a failure).
    async fn read_to_close(stream: &mut TcpStream) -> String {
        let mut out = Vec::new();
        let read = timeout(Duration::from_secs(5), async {
            let mut buf = [0u8; 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        assert!(read.is_ok(), "the server did not close the connection");
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn fetch(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        read_to_close(&mut stream).await
    }

    fn limits(server: &'static str) -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_millis(300),
            ..ServerLimits::named(server)
        }
    }

    fn connections(server: &str) -> i64 {
        crate::metrics::registry()
            .gather()
            .iter()
            .filter(|family| family.name() == "vigil_http_connections")
            .flat_map(|family| family.get_metric())
            .find(|m| m.get_label().iter().any(|l| l.value() == server))
            .map_or(-1, |m| m.get_gauge().get_value() as i64)
    }

    #[tokio::test]
    async fn a_normal_request_is_answered_with_its_source() {
        let (addr, _stop, _server) = start(limits("test-normal")).await;
        let answer = fetch(addr, "/source").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
    }

    async fn fetch_forwarded(addr: std::net::SocketAddr, forwarded: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET /source HTTP/1.1\r\nhost: x\r\nx-forwarded-for: {forwarded}\r\nconnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        read_to_close(&mut stream).await
    }

    #[tokio::test]
    async fn behind_a_trusted_proxy_the_source_is_the_forwarded_client() {
        let trusted = ServerLimits {
            trusted_proxies: std::sync::Arc::new(["127.0.0.1".parse().unwrap()]),
            ..limits("test-forwarded")
        };
        let (addr, _stop, _server) = start(trusted).await;
        // The right-most untrusted hop; what the client wrote further left is not believed.
        let answer = fetch_forwarded(addr, "198.51.100.9, 203.0.113.7").await;
        assert!(answer.ends_with("203.0.113.7"), "{answer}");
        let answer = fetch_forwarded(addr, "203.0.113.7, 127.0.0.1").await;
        assert!(answer.ends_with("203.0.113.7"), "trusted hops are skipped: {answer}");
        let answer = fetch_forwarded(addr, "not an address").await;
        assert!(answer.ends_with("127.0.0.1"), "unparsable: the proxy's own: {answer}");
        assert!(fetch(addr, "/source").await.ends_with("127.0.0.1"), "no header");
        // A server that trusts no proxy ignores the header.
        let (addr, _stop, _server) = start(limits("test-untrusted")).await;
        let answer = fetch_forwarded(addr, "203.0.113.7").await;
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_stalls_mid_head_is_disconnected_after_the_header_timeout() {
        let (addr, _stop, _server) = start(limits("test-slowloris")).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        stream.write_all(b"GET /source HTTP/1.1\r\nhost: x\r\nx-slow: ").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(connections("test-slowloris"), 1, "the connection holds a permit");
        let answer = read_to_close(&mut stream).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(300), "closed after {waited:?}");
        assert!(waited < Duration::from_secs(3), "closed after {waited:?}");
        assert!(!answer.contains("200 OK"), "{answer}");
        // Its permit is back.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(connections("test-slowloris"), 0);
    }

    #[tokio::test]
    async fn a_client_that_sends_nothing_or_half_a_preface_is_disconnected_too() {
        // Before the protocol is known (HTTP/1.1 or HTTP/2), hyper's header timer has not
        // started: the connection's own bounds the wait.
        let (addr, _stop, _server) = start(limits("test-silent")).await;
        for sent in [&b""[..], b"PRI * HTTP/2"] {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(sent).await.unwrap();
            let started = Instant::now();
            let answer = read_to_close(&mut stream).await;
            let waited = started.elapsed();
            assert!(waited >= Duration::from_millis(250), "closed after {waited:?}");
            assert!(waited < Duration::from_secs(3), "closed after {waited:?}");
            assert_eq!(answer, "");
        }
    }

    #[tokio::test]
    async fn a_slow_first_request_is_still_answered() {
        // The handler takes 600 ms, twice the header timeout: the request head came in time,
        // so the answer is sent (the connection is closed after it).
        let (addr, _stop, _server) = start(limits("test-slow-first")).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let answer = read_to_close(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
    }

    #[tokio::test]
    async fn without_the_header_timeout_a_stalled_client_would_stay() {
        // The control for the test above: with a long header timeout the same client is still
        // connected a second later, so that test measures the timeout and nothing else.
        let limits = ServerLimits {
            header_read_timeout: Duration::from_secs(30),
            ..ServerLimits::named("test-stall-control")
        };
        let (addr, _stop, _server) = start(limits).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /source HTTP/1.1\r\nhost: x\r\nx-slow: ").await.unwrap();
        let mut buf = [0u8; 64];
        let read = timeout(Duration::from_secs(1), stream.read(&mut buf)).await;
        assert!(read.is_err(), "closed early: {read:?}");
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_after_the_idle_timeout() {
        let limits = ServerLimits {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_millis(300),
            ..ServerLimits::named("test-idle")
        };
        let (addr, _stop, _server) = start(limits).await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /source HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let started = Instant::now();
        let answer = read_to_close(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(250), "closed after {waited:?}");
        assert!(waited < Duration::from_secs(3), "closed after {waited:?}");
    }

    #[tokio::test]
    async fn graceful_shutdown_waits_for_the_request_in_flight() {
        let (addr, stop, server) = start(limits("test-graceful")).await;
        // An idle kept-alive connection, which shutdown closes at once.
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET /source HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(std::str::from_utf8(&buf[..n]).unwrap().starts_with("HTTP/1.1 200"));
        // A request in flight (600 ms) when shutdown begins.
        let slow = tokio::spawn(fetch(addr, "/slow"));
        tokio::time::sleep(Duration::from_millis(150)).await;
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(!server.is_finished(), "returned with a request in flight");
        assert!(TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
        assert_eq!(
            read_to_close(&mut idle).await,
            "",
            "the idle connection is closed at once, with nothing more"
        );
        let answer = timeout(Duration::from_secs(5), slow).await.unwrap().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
        timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
    }
}
