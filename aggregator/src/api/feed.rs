//! `GET /v1/feed`: every stored signature after a cursor, in order, as Server-Sent Events.
//!
//! The stream pages through the store from the cursor, then waits for the next head: a bump of
//! the local writer's watch channel, or a timer, because on PostgreSQL another replica may have
//! written without this process knowing. It relies on the store's guarantee that sequence
//! numbers become visible in order (see [`crate::store`]): reading `seq > cursor` and moving the
//! cursor to the last entry read can then never skip one. A store error does not end the
//! stream; it is logged and the same page is retried after the poll interval. The stream ends
//! only when the API is closing (so that a graceful shutdown is not held up by followers, who
//! reconnect from their last id).

use std::{collections::VecDeque, convert::Infallible, time::Duration};

use axum::response::sse::Event;
use futures_util::{Stream, stream};
use tokio::sync::watch;

use crate::store::{FeedEntry, Store};

/// The SSE event name of a feed entry.
pub const FEED_EVENT: &str = "signature";

/// A reader's position in the feed.
struct Cursor {
    store: Store,
    head: watch::Receiver<u64>,
    /// The watch sender is gone: rely on the timer alone.
    head_closed: bool,
    /// Becomes `true` when the API is closing; `None`: never.
    closing: Option<watch::Receiver<bool>>,
    after: u64,
    page: u32,
    poll: Duration,
    buffered: VecDeque<FeedEntry>,
}

impl Cursor {
    fn is_closing(&self) -> bool {
        self.closing.as_ref().is_some_and(|c| *c.borrow())
    }

    /// The next entry, waiting for one as long as it takes; `None` once the API is closing.
    async fn next(&mut self) -> Option<FeedEntry> {
        loop {
            if self.is_closing() {
                return None;
            }
            while let Some(entry) = self.buffered.pop_front() {
                // Defensive: the store returns `seq > after` ascending; never go backwards.
                if entry.seq > self.after {
                    self.after = entry.seq;
                    return Some(entry);
                }
            }
            // Mark the current head seen *before* reading, so a write that lands after the read
            // wakes the wait below.
            if !self.head_closed {
                self.head.borrow_and_update();
            }
            match self.store.feed_after(self.after, self.page).await {
                Ok(page) if !page.is_empty() => {
                    self.buffered.extend(page);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(
                        target: "aggregator::api",
                        error = %e,
                        after = self.after,
                        "feed read failed; retrying"
                    );
                }
            }
            let closing = self.closing.clone();
            tokio::select! {
                () = self.wait() => {}
                () = closed(closing) => return None,
            }
        }
    }

    async fn wait(&mut self) {
        if self.head_closed {
            tokio::time::sleep(self.poll).await;
            return;
        }
        tokio::select! {
            changed = self.head.changed() => {
                if changed.is_err() {
                    self.head_closed = true;
                }
            }
            () = tokio::time::sleep(self.poll) => {}
        }
    }
}

/// Completes once `closing` is `true` or its sender is gone; never if there is none.
async fn closed(closing: Option<watch::Receiver<bool>>) {
    match closing {
        Some(mut closing) => {
            let _ = closing.wait_for(|closing| *closing).await;
        }
        None => std::future::pending().await,
    }
}

/// The events after `after`, until `closing`. Each carries `id: <seq>`, `event: signature` and
/// the [`super::FeedEvent`] as JSON.
pub(crate) fn events(
    store: Store,
    head: watch::Receiver<u64>,
    closing: Option<watch::Receiver<bool>>,
    after: u64,
    page: u32,
    poll: Duration,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let cursor = Cursor {
        store,
        head,
        head_closed: false,
        closing,
        after,
        page: page.max(1),
        poll,
        buffered: VecDeque::new(),
    };
    stream::unfold(cursor, |mut cursor| async move {
        let entry = cursor.next().await?;
        match serde_json::to_string(&super::types::feed_event(entry)) {
            Ok(data) => {
                let event = Event::default().id(entry.seq.to_string()).event(FEED_EVENT).data(data);
                Some((Ok(event), cursor))
            }
            // Cannot happen for these types; ending the stream makes the client reconnect from
            // its last id rather than silently skipping the entry.
            Err(e) => {
                tracing::error!(
                    target: "aggregator::api",
                    error = %e,
                    seq = entry.seq,
                    "cannot encode feed entry"
                );
                None
            }
        }
    })
}
