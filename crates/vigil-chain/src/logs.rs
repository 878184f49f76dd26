//! `eth_getLogs` over long block ranges, in requests of at most `max_range` blocks each.
//!
//! Hosted providers refuse a request whose range spans more than a few thousand blocks (or that
//! would return too many logs), and none accepts "from genesis". Every search over a range that
//! can be long goes through here: [`get_logs_chunked`] reads the whole range, oldest block first;
//! [`find_logs_chunked`] looks for the chunk nearest to one end that has a log and stops there, so
//! a search whose log is near that end costs one request, not one per chunk of the range.
//!
//! Standard JSON-RPC only: one `eth_getLogs` per chunk, with explicit `fromBlock` and `toBlock`.

use alloy::{
    network::Network,
    providers::Provider,
    rpc::types::{Filter, Log},
    transports::TransportError,
};

/// The chunk size to use when no configuration gives one (`[chain] max_log_range`'s default).
pub const DEFAULT_MAX_LOG_RANGE: u64 = 1_000;

/// One `eth_getLogs` request failed; nothing from the search is returned.
#[derive(Debug, thiserror::Error)]
#[error("eth_getLogs over blocks {from}..={to}: {error}")]
pub struct LogRangeError {
    /// First block of the request that failed.
    pub from: u64,
    /// Last block of the request that failed.
    pub to: u64,
    /// What the node or the transport said.
    pub error: TransportError,
}

/// Which end of the range [`find_logs_chunked`] starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchOrder {
    /// From `from` up: for the first (oldest) log.
    OldestFirst,
    /// From `to` down: for the latest log.
    NewestFirst,
}

/// The chunks of `[from, to]`, each at most `max_range` blocks long (a `max_range` of 0 counts
/// as 1), oldest first; none if `from > to`.
pub fn chunks(from: u64, to: u64, max_range: u64) -> impl DoubleEndedIterator<Item = (u64, u64)> {
    let step = max_range.max(1);
    let count = if from > to { 0 } else { (to - from) / step + 1 };
    (0..count).map(move |i| {
        // i * step <= to - from, so neither sum overflows.
        let start = from.saturating_add(i.saturating_mul(step));
        (start, start.saturating_add(step - 1).min(to))
    })
}

/// Every log matching `filter` in blocks `[from, to]`, in chain order, read in requests of at
/// most `max_range` blocks. The filter's own block range (or block hash) is replaced by each
/// chunk's. Nothing if `from > to`.
pub async fn get_logs_chunked<P, N>(
    provider: &P,
    filter: &Filter,
    from: u64,
    to: u64,
    max_range: u64,
) -> Result<Vec<Log>, LogRangeError>
where
    P: Provider<N> + ?Sized,
    N: Network,
{
    let mut out = Vec::new();
    for (a, b) in chunks(from, to, max_range) {
        out.extend(get_chunk(provider, filter, a, b).await?);
    }
    Ok(out)
}

/// The logs matching `filter` in the first chunk of `[from, to]` (chunks of at most `max_range`
/// blocks, taken in `order`) that has any, in chain order; empty if no chunk has one. The
/// search stops at that chunk: the newest (or oldest) matching log is the last (or first) of
/// the result, and a search whose log is near its starting end makes one request.
pub async fn find_logs_chunked<P, N>(
    provider: &P,
    filter: &Filter,
    from: u64,
    to: u64,
    max_range: u64,
    order: SearchOrder,
) -> Result<Vec<Log>, LogRangeError>
where
    P: Provider<N> + ?Sized,
    N: Network,
{
    let all = chunks(from, to, max_range);
    let ordered: Box<dyn Iterator<Item = (u64, u64)> + Send> = match order {
        SearchOrder::OldestFirst => Box::new(all),
        SearchOrder::NewestFirst => Box::new(all.rev()),
    };
    for (a, b) in ordered {
        let logs = get_chunk(provider, filter, a, b).await?;
        if !logs.is_empty() {
            return Ok(logs);
        }
    }
    Ok(Vec::new())
}

async fn get_chunk<P, N>(
    provider: &P,
    filter: &Filter,
    from: u64,
    to: u64,
) -> Result<Vec<Log>, LogRangeError>
where
    P: Provider<N> + ?Sized,
    N: Network,
{
    let filter = filter.clone().from_block(from).to_block(to);
    provider.get_logs(&filter).await.map_err(|error| LogRangeError { from, to, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_once_and_never_exceed_the_size() {
        // (from, to, max_range, expected chunks)
        type Case = (u64, u64, u64, &'static [(u64, u64)]);
        let cases: [Case; 7] = [
            (0, 9, 10, &[(0, 9)]),
            (0, 10, 10, &[(0, 9), (10, 10)]),
            (5, 24, 10, &[(5, 14), (15, 24)]),
            (7, 7, 3, &[(7, 7)]),
            (8, 7, 3, &[]),
            (0, 2, 0, &[(0, 0), (1, 1), (2, 2)]),
            (u64::MAX - 5, u64::MAX, 4, &[(u64::MAX - 5, u64::MAX - 2), (u64::MAX - 1, u64::MAX)]),
        ];
        for (from, to, max, expected) in cases {
            let got: Vec<_> = chunks(from, to, max).collect();
            assert_eq!(got, expected, "chunks({from}, {to}, {max})");
            let newest_first: Vec<_> = chunks(from, to, max).rev().collect();
            let mut reversed = expected.to_vec();
            reversed.reverse();
            assert_eq!(newest_first, reversed, "chunks({from}, {to}, {max}).rev()");
        }
        // The whole u64 range in one chunk, and in two.
        assert_eq!(chunks(0, u64::MAX, u64::MAX).count(), 2);
        assert_eq!(chunks(1, u64::MAX, u64::MAX).collect::<Vec<_>>(), [(1, u64::MAX)]);
    }
}
