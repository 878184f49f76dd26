//! The slasher's Server-Sent Events parser (`vigil_slasher::feed::SseParser`) and the feed
//! entry it carries (`vigil_client::FeedEvent`, decoded from an event's data as the feed client
//! does). The first input byte picks a line limit (small ones reach the oversize paths), the
//! second how the rest is cut into chunks. Never panics; no dispatched event is over the limit;
//! the events do not depend on how the stream is cut (all at once, in chunks, byte by byte).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_client::FeedEvent;
use vigil_slasher::feed::{FEED_EVENT, SseParser};

fuzz_target!(|data: &[u8]| {
    let [limit, step, stream @ ..] = data else { return };
    let limit = match limit % 4 {
        0 => usize::from(*limit) + 1,
        1 => 1 << 10,
        _ => vigil_slasher::feed::MAX_EVENT_BYTES,
    };
    let step = usize::from(*step % 16) + 1;

    let mut whole = SseParser::with_limit(limit);
    let events = whole.push(stream);

    let mut chunked = SseParser::with_limit(limit);
    let by_chunks: Vec<_> = stream.chunks(step).flat_map(|chunk| chunked.push(chunk)).collect();
    assert_eq!(by_chunks, events, "chunks of {step} bytes parse differently");

    let mut bytewise = SseParser::with_limit(limit);
    let by_bytes: Vec<_> = stream.chunks(1).flat_map(|byte| bytewise.push(byte)).collect();
    assert_eq!(by_bytes, events, "byte by byte parses differently");
    assert_eq!(chunked.last_event_id(), whole.last_event_id());
    assert_eq!(bytewise.retry(), whole.retry());

    for event in events.into_iter().flatten() {
        let size = event.data.len()
            + event.event.as_ref().map_or(0, String::len)
            + event.id.as_ref().map_or(0, String::len);
        assert!(size <= limit, "a dispatched event of {size} bytes is over the limit {limit}");
        if event.event.as_deref() == Some(FEED_EVENT)
            && let Ok(entry) = serde_json::from_str::<FeedEvent>(&event.data)
        {
            let json = serde_json::to_string(&entry).expect("a feed entry serializes");
            assert_eq!(serde_json::from_str::<FeedEvent>(&json).ok(), Some(entry));
        }
    }
});
