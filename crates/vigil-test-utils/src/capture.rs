//! A capture aggregator: an HTTP server on 127.0.0.1 that takes `POST /v1/signatures` (and
//! `POST /v1/batches/signatures`) as the aggregator does, records every [`SignedCheckpoint`] (and
//! [`BatchSignature`]) and answers 202 Accepted, so that a test sees exactly what an operator
//! delivered.

use std::{io, sync::Arc, time::Duration};

use axum::{Json, Router, http::StatusCode, routing::post};
use tokio::{sync::Mutex, time::Instant};
use vigil_types::{BatchSignature, SignedCheckpoint};

/// The aggregator's signature route (`vigil_operator::submit::SIGNATURES_PATH`).
const SIGNATURES_PATH: &str = "/v1/signatures";
/// The aggregator's batch signature route (`vigil_operator::submit::BATCH_SIGNATURES_PATH`).
const BATCH_SIGNATURES_PATH: &str = "/v1/batches/signatures";

/// How often [`CaptureAggregator::wait_for`] looks.
const POLL: Duration = Duration::from_millis(100);

/// A capture aggregator, serving until the test's runtime stops. `T` is what it records of each
/// delivery: the [`SignedCheckpoint`] itself unless started with
/// [`CaptureAggregator::start_with`].
#[derive(Debug)]
pub struct CaptureAggregator<T = SignedCheckpoint> {
    /// `http://127.0.0.1:<port>`: an operator's `submission.aggregators` entry.
    pub url: String,
    /// What arrived, in arrival order.
    pub received: Arc<Mutex<Vec<T>>>,
    /// Batch signatures that arrived, in arrival order.
    pub batches: Arc<Mutex<Vec<BatchSignature>>>,
}

impl CaptureAggregator {
    /// Starts a capture aggregator that records each signed checkpoint as it arrived.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(|signed| signed).await
    }
}

impl<T: Send + 'static> CaptureAggregator<T> {
    /// Starts a capture aggregator that records `record(signed)` for each delivery, e.g. the
    /// signed checkpoint tagged with when it came and which process sent it (`record` runs as the
    /// request arrives).
    pub async fn start_with(
        record: impl Fn(SignedCheckpoint) -> T + Send + Sync + 'static,
    ) -> io::Result<Self> {
        let received: Arc<Mutex<Vec<T>>> = Arc::default();
        let batches: Arc<Mutex<Vec<BatchSignature>>> = Arc::default();
        let (sink, record) = (received.clone(), Arc::new(record));
        let batch_sink = batches.clone();
        let app = Router::new()
            .route(
                BATCH_SIGNATURES_PATH,
                post(move |Json(batch): Json<BatchSignature>| {
                    let sink = batch_sink.clone();
                    async move {
                        sink.lock().await.push(batch);
                        StatusCode::ACCEPTED
                    }
                }),
            )
            .route(
                SIGNATURES_PATH,
                post(move |Json(signed): Json<SignedCheckpoint>| {
                    let (sink, record) = (sink.clone(), record.clone());
                    async move {
                        let entry = record(signed);
                        sink.lock().await.push(entry);
                        StatusCode::ACCEPTED
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, received, batches })
    }

    /// Waits until at least `n` deliveries have arrived; a `TimedOut` error saying how many did
    /// if `timeout` passes first.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received.lock().await.len();
            if got >= n {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{got} of {n} deliveries arrived within {timeout:?}"),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
