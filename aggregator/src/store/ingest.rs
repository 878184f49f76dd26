//! Group commit: many concurrent intakes, one transaction (and one fsync) per batch.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use super::{Inserted, NewSignature, Result, Store, StoreError};

/// Queued signatures per unit of `max_batch`: enough to fill the next batch while one commits,
/// small enough to push back on intake when the database falls behind.
const QUEUE_BATCHES: usize = 4;

/// One waiting intake.
#[derive(Debug)]
struct Request {
    item: NewSignature,
    reply: oneshot::Sender<Result<Inserted>>,
}

/// The task that writes queued signatures in batches: it takes whatever is queued (up to
/// `max_batch`) and stores it with one [`Store::insert_signatures`] transaction.
///
/// Every waiter is answered only after its batch committed; if the batch fails, every waiter
/// in it gets [`StoreError::BatchFailed`] with the same error and nothing of the batch is
/// stored (no partial acknowledgements).
#[derive(Debug)]
pub struct IngestWriter {
    store: Store,
    rx: mpsc::Receiver<Request>,
    max_batch: usize,
}

/// A cloneable handle to submit signatures to an [`IngestWriter`]. The writer stops once every
/// handle is dropped and the queue is drained.
#[derive(Clone, Debug)]
pub struct IngestHandle {
    tx: mpsc::Sender<Request>,
}

impl IngestWriter {
    /// A writer (run it with [`IngestWriter::run`]) and its first handle. `max_batch` is at
    /// least 1.
    pub fn new(store: Store, max_batch: usize) -> (Self, IngestHandle) {
        let max_batch = max_batch.max(1);
        let (tx, rx) = mpsc::channel(max_batch.saturating_mul(QUEUE_BATCHES));
        (Self { store, rx, max_batch }, IngestHandle { tx })
    }

    /// Spawns a writer on the current Tokio runtime and returns its handle.
    pub fn spawn(store: Store, max_batch: usize) -> IngestHandle {
        let (writer, handle) = Self::new(store, max_batch);
        tokio::spawn(writer.run());
        handle
    }

    /// Writes batches until every handle is dropped.
    pub async fn run(mut self) {
        let mut batch = Vec::with_capacity(self.max_batch);
        while self.rx.recv_many(&mut batch, self.max_batch).await > 0 {
            let items: Vec<NewSignature> = batch.iter().map(|r| r.item).collect();
            match self.store.insert_signatures(&items).await {
                Ok(inserted) => {
                    debug!(target: "aggregator::store", batch = items.len(), "group commit");
                    for (request, inserted) in batch.drain(..).zip(inserted) {
                        // The caller may have given up waiting; its signature is stored anyway.
                        let _ = request.reply.send(Ok(inserted));
                    }
                }
                Err(e) => {
                    warn!(target: "aggregator::store", batch = items.len(), error = %e, "group commit failed");
                    let e = Arc::new(e);
                    for request in batch.drain(..) {
                        let _ = request.reply.send(Err(StoreError::BatchFailed(Arc::clone(&e))));
                    }
                }
            }
            // Anything left (a length mismatch, which insert_signatures rules out) is dropped,
            // and its waiters see `WriterStopped` rather than a wrong acknowledgement.
            batch.clear();
        }
    }
}

impl IngestHandle {
    /// Queues `item` and waits until the batch holding it is committed (durable).
    pub async fn insert(&self, item: NewSignature) -> Result<Inserted> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Request { item, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}
