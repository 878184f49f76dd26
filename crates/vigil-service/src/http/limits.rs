//! Server hygiene every binary's HTTP servers share: a cap on open connections and a deadline
//! for each request's response head.
//!
//! - **Connections.** [`CappedListener`] holds one permit per open connection; at the cap it
//!   stops accepting, so further clients wait in the kernel's accept queue instead of costing
//!   memory and tasks. Each time it stops is counted in
//!   `vigil_http_connection_cap_reached_total{server}`; open connections are
//!   `vigil_http_connections{server}`.
//! - **Requests.** [`request_deadline`] answers 408 `request_timeout` when a handler has not
//!   produced its response head in time. Streams (the aggregator's feed) are not cut: the
//!   deadline covers the head, not the body.
//!
//! The header-read and idle timeouts, TLS and graceful shutdown are the connection loop's
//! (`server.rs`, behind [`super::serve_with`]); [`super::ServerLimits`] holds them all, with the
//! server's name (`api`, `metrics`, `node`) that labels the metrics.

use std::{
    io,
    pin::Pin,
    sync::{Arc, LazyLock},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus::{IntCounterVec, IntGaugeVec};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
};

use super::HttpError;
use crate::metrics;

static CONNECTIONS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    metrics::int_gauge_vec("vigil_http_connections", "Open HTTP connections", &["server"])
});

static CAP_REACHED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "vigil_http_connection_cap_reached_total",
        "Times a server stopped accepting because it held its maximum of open connections",
        &["server"],
    )
});

/// A listener that holds at most `max` connections open at once.
#[derive(Debug)]
pub struct CappedListener {
    inner: TcpListener,
    permits: Arc<Semaphore>,
    server: &'static str,
}

impl CappedListener {
    /// Caps `inner` at `max` open connections (at least 1); `server` labels the metrics.
    pub fn new(inner: TcpListener, max: usize, server: &'static str) -> Self {
        CONNECTIONS.with_label_values(&[server]).set(0);
        CAP_REACHED.with_label_values(&[server]);
        Self { inner, permits: Arc::new(Semaphore::new(max.max(1))), server }
    }
}

impl axum::serve::Listener for CappedListener {
    type Io = CappedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                CAP_REACHED.with_label_values(&[self.server]).inc();
                tracing::warn!(target: "vigil::http", server = self.server, "connection cap reached: not accepting until one closes");
                match self.permits.clone().acquire_owned().await {
                    Ok(permit) => permit,
                    // The semaphore is never closed; should it be, accept without a permit.
                    Err(_) => return self.accept_uncapped().await,
                }
            }
        };
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        CONNECTIONS.with_label_values(&[self.server]).inc();
        (CappedStream { stream, permit: Some(permit), server: self.server }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl CappedListener {
    async fn accept_uncapped(&mut self) -> (CappedStream, std::net::SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        CONNECTIONS.with_label_values(&[self.server]).inc();
        (CappedStream { stream, permit: None, server: self.server }, addr)
    }
}

/// A connection accepted by a [`CappedListener`]: its permit goes back when it is dropped.
#[derive(Debug)]
pub struct CappedStream {
    stream: TcpStream,
    permit: Option<OwnedSemaphorePermit>,
    server: &'static str,
}

impl Drop for CappedStream {
    fn drop(&mut self) {
        CONNECTIONS.with_label_values(&[self.server]).dec();
        drop(self.permit.take());
    }
}

impl AsyncRead for CappedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Middleware (`axum::middleware::from_fn_with_state(deadline, request_deadline)`): a request
/// whose response head is not ready within `deadline` is answered 408 `request_timeout`.
pub async fn request_deadline(
    axum::extract::State(deadline): axum::extract::State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => HttpError::request_timeout(deadline).into_response(),
    }
}

/// Middleware for servers behind trusted reverse proxies: a request whose peer is in `trusted`
/// gets as its [`super::Source`] the right-most `X-Forwarded-For` address that is not itself a
/// trusted proxy. Without the header, or with one that does not parse, the source stays the
/// proxy's address (the conservative choice: its budget is shared, never someone else's spent).
pub async fn forwarded_source(
    axum::extract::State(trusted): axum::extract::State<Arc<[std::net::IpAddr]>>,
    mut request: Request,
    next: Next,
) -> Response {
    use axum::extract::ConnectInfo;
    let peer = request.extensions().get::<ConnectInfo<super::Source>>().map(|c| c.0);
    if let Some(peer) = peer
        && trusted.contains(&peer.0)
        && let Some(client) = forwarded_client(request.headers(), &trusted)
    {
        request.extensions_mut().insert(ConnectInfo(super::Source(client)));
    }
    next.run(request).await
}

/// The right-most address of every `X-Forwarded-For` header (joined in order) that is not in
/// `trusted`; `None` if there is none or an entry on the way does not parse.
fn forwarded_client(
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        hops.extend(value.to_str().ok()?.split(',').map(str::trim).map(str::to_owned));
    }
    for hop in hops.iter().rev() {
        let ip: std::net::IpAddr = hop.parse().ok()?;
        if !trusted.contains(&ip) {
            return Some(ip);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use axum::{Router, routing::get};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn get_status(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn a_slow_handler_gets_408_and_a_fast_one_its_answer() {
        let router = Router::new()
            .route("/fast", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(100),
                request_deadline,
            ));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let fast = get_status(addr, "/fast").await;
        assert!(fast.starts_with("HTTP/1.1 200"), "{fast}");
        let slow = get_status(addr, "/slow").await;
        assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
        assert!(slow.contains("\"error\":\"request_timeout\""), "{slow}");
    }

    #[tokio::test]
    async fn at_the_cap_a_new_connection_waits_until_one_closes() {
        let router = Router::new().route("/", get(|| async { "ok" }));
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let listener = CappedListener::new(inner, 1, "cap-test");
        tokio::spawn(async move { axum::serve(listener, router).await });
        let before = CAP_REACHED.with_label_values(&["cap-test"]).get();

        // One idle keep-alive connection holds the only permit.
        let mut held = TcpStream::connect(addr).await.unwrap();
        held.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 256];
        let n = held.read(&mut buf).await.unwrap();
        assert!(std::str::from_utf8(&buf[..n]).unwrap().starts_with("HTTP/1.1 200"));
        assert_eq!(CONNECTIONS.with_label_values(&["cap-test"]).get(), 1);

        // A second client is not served while it is open...
        let second = tokio::spawn(get_status(addr, "/"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "served past the cap");
        assert_eq!(CAP_REACHED.with_label_values(&["cap-test"]).get(), before + 1);

        // ...and is once it closes.
        drop(held);
        let answer = tokio::time::timeout(Duration::from_secs(5), second).await.unwrap().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
