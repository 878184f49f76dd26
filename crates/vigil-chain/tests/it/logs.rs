//! Chunked `eth_getLogs` on a real anvil: every request the helper sends is recorded (by a
//! transport layer in front of the HTTP client) and checked against `max_range`.

use std::{
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::ClientBuilder,
        json_rpc::{RequestPacket, ResponsePacket},
        types::{Filter, TransactionRequest},
    },
    transports::{Transport, TransportError, TransportFut},
};
use tower::{Layer, Service};
use vigil_chain::logs::{SearchOrder, find_logs_chunked, get_logs_chunked};
use vigil_test_utils::{Anvil, anvil_mine};

use crate::{DEV_KEY, anvil, provider};

/// The `(fromBlock, toBlock)` of every `eth_getLogs` sent through a [`Record`] transport.
#[derive(Clone, Default)]
struct Requests(Arc<Mutex<Vec<(u64, u64)>>>);

impl Requests {
    fn take(&self) -> Vec<(u64, u64)> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[derive(Clone)]
struct Record<S> {
    inner: S,
    seen: Requests,
}

impl<S> Layer<S> for Requests {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record { inner, seen: self.clone() }
    }
}

fn block(v: &serde_json::Value, field: &str) -> u64 {
    let hex = v[field].as_str().unwrap_or_else(|| panic!("{field} missing in {v}"));
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

impl<S: Transport + Clone> Service<RequestPacket> for Record<S> {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        for r in request.requests().iter().filter(|r| r.method() == "eth_getLogs") {
            let params: serde_json::Value =
                serde_json::from_str(r.params().unwrap().get()).unwrap();
            let f = &params[0];
            self.seen.0.lock().unwrap().push((block(f, "fromBlock"), block(f, "toBlock")));
        }
        self.inner.call(request)
    }
}

/// A contract whose every call emits one `LOG1` whose topic is the calldata's first word.
///
/// Runtime `PUSH1 0 CALLDATALOAD PUSH1 0 PUSH1 0 LOG1 STOP`; the init code returns it.
const EMITTER_INIT: &str = "0x6860003560006000a10060005260096017f3";

struct Chain {
    anvil: Anvil,
    sender: DynProvider,
    emitter: Address,
    /// Reads through the recording transport.
    reader: DynProvider,
    requests: Requests,
}

impl Chain {
    async fn start() -> Self {
        let anvil = anvil().await;
        let sender = provider(&anvil, DEV_KEY);
        let deploy = TransactionRequest::default()
            .with_deploy_code(Bytes::from(alloy::hex::decode(EMITTER_INIT).unwrap()));
        let receipt = sender.send_transaction(deploy).await.unwrap().get_receipt().await.unwrap();
        let emitter = receipt.contract_address.unwrap();
        let requests = Requests::default();
        let client = ClientBuilder::default().layer(requests.clone()).http(anvil.url());
        let reader = ProviderBuilder::new().connect_client(client).erased();
        Self { anvil, sender, emitter, reader, requests }
    }

    /// Emits one log in block `at` (after the current head), its topic the block number.
    async fn emit_at(&self, at: u64) {
        let head = self.sender.get_block_number().await.unwrap();
        assert!(at > head, "block {at} is not after the head {head}");
        if at > head + 1 {
            anvil_mine(&self.sender, at - head - 1).await.unwrap();
        }
        let topic = B256::from(U256::from(at));
        let tx = TransactionRequest::default()
            .with_to(self.emitter)
            .with_input(Bytes::copy_from_slice(topic.as_slice()));
        let receipt = self.sender.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        assert_eq!(receipt.block_number, Some(at));
        assert_eq!(receipt.inner.logs().len(), 1);
    }

    fn filter(&self) -> Filter {
        Filter::new().address(self.emitter)
    }
}

/// The block numbers the logs name (their topic), in the order given.
fn blocks(logs: &[alloy::rpc::types::Log]) -> Vec<u64> {
    logs.iter()
        .map(|l| {
            let topic = U256::from_be_bytes(l.topics()[0].0);
            assert_eq!(Some(topic.to::<u64>()), l.block_number, "a log names its own block");
            topic.to::<u64>()
        })
        .collect()
}

/// The requests cover `[from, to]` exactly, in order, each at most `max` blocks.
fn assert_tiles(requests: &[(u64, u64)], from: u64, to: u64, max: u64) {
    assert!(!requests.is_empty());
    let mut next = from;
    for &(a, b) in requests {
        assert_eq!(a, next, "requests {requests:?} leave a gap or overlap");
        assert!(a <= b && b - a < max, "request {a}..={b} spans more than {max} blocks");
        next = b + 1;
    }
    assert_eq!(next, to + 1, "requests {requests:?} do not end at {to}");
}

#[tokio::test]
async fn chunked_logs_are_each_found_once_and_no_request_spans_more_than_the_maximum() {
    let chain = Chain::start().await;
    let head = chain.sender.get_block_number().await.unwrap();
    // Logs on both sides of every border of 10-block chunks from 20, at both ends of the range
    // and just outside it.
    let (from, to, max) = (20, 64, 10);
    let emitted = [19, 20, 21, 29, 30, 31, 39, 40, 49, 58, 63, 64, 65];
    assert!(head < 19);
    for at in emitted {
        chain.emit_at(at).await;
    }
    chain.requests.take();

    let logs = get_logs_chunked(&chain.reader, &chain.filter(), from, to, max).await.unwrap();
    let expected: Vec<u64> = emitted.into_iter().filter(|b| (from..=to).contains(b)).collect();
    assert_eq!(blocks(&logs), expected, "every log in range, once, in chain order");
    let mut hashes: Vec<_> = logs.iter().map(|l| l.transaction_hash.unwrap()).collect();
    hashes.dedup();
    assert_eq!(hashes.len(), expected.len());
    let requests = chain.requests.take();
    assert_tiles(&requests, from, to, max);
    assert_eq!(requests.len(), 5, "45 blocks in chunks of 10: {requests:?}");

    // The same in one-block requests, and in one request that covers it all.
    let logs = get_logs_chunked(&chain.reader, &chain.filter(), from, to, 1).await.unwrap();
    assert_eq!(blocks(&logs), expected);
    assert_tiles(&chain.requests.take(), from, to, 1);
    let logs = get_logs_chunked(&chain.reader, &chain.filter(), from, to, 1_000).await.unwrap();
    assert_eq!(blocks(&logs), expected);
    assert_eq!(chain.requests.take(), [(from, to)]);

    // An empty range asks nothing.
    let logs = get_logs_chunked(&chain.reader, &chain.filter(), to + 1, to, max).await.unwrap();
    assert!(logs.is_empty());
    let found =
        find_logs_chunked(&chain.reader, &chain.filter(), 9, 8, max, SearchOrder::NewestFirst)
            .await
            .unwrap();
    assert!(found.is_empty());
    assert!(chain.requests.take().is_empty());
}

#[tokio::test]
async fn a_search_stops_at_the_first_chunk_with_a_log() {
    let chain = Chain::start().await;
    for at in [30, 34, 95, 101] {
        chain.emit_at(at).await;
    }
    anvil_mine(&chain.sender, 40).await.unwrap();
    let head = chain.sender.get_block_number().await.unwrap();
    chain.requests.take();
    let max = 10;
    let filter = chain.filter();
    let search = |from, to, order| find_logs_chunked(&chain.reader, &filter, from, to, max, order);

    // Newest first from the head: the chunks above 101 are empty, the chunk with 101 is the
    // last one asked for, and the result is that chunk's logs only.
    let found = search(0, head, SearchOrder::NewestFirst).await.unwrap();
    assert_eq!(blocks(&found), [101]);
    let requests = chain.requests.take();
    let mut tiles = requests.clone();
    tiles.reverse();
    assert_tiles(&tiles, requests.last().unwrap().0, head, max);
    assert!(requests.last().unwrap().0 <= 101 && 101 <= requests.last().unwrap().1);
    assert_eq!(requests.len() as u64, (head - requests.last().unwrap().0) / max + 1);
    assert!(requests.len() < 8, "it stopped early: {requests:?}");

    // From a bound inside the chunk: the chunk holding two logs returns both, oldest first.
    let found = search(30, 94, SearchOrder::NewestFirst).await.unwrap();
    assert_eq!(blocks(&found), [30, 34]);
    let expected: [(u64, u64); 7] =
        [(90, 94), (80, 89), (70, 79), (60, 69), (50, 59), (40, 49), (30, 39)];
    assert_eq!(chain.requests.take(), expected, "chunks counted from the search's own bound");

    // Oldest first: the first chunk with a log, one request when it is the first chunk.
    let found = search(30, head, SearchOrder::OldestFirst).await.unwrap();
    assert_eq!(blocks(&found), [30, 34]);
    assert_eq!(chain.requests.take(), [(30u64, 39u64)]);
    let found = search(35, head, SearchOrder::OldestFirst).await.unwrap();
    assert_eq!(blocks(&found), [95, 101], "the whole chunk 95..=104");
    let expected: [(u64, u64); 7] =
        [(35, 44), (45, 54), (55, 64), (65, 74), (75, 84), (85, 94), (95, 104)];
    assert_eq!(chain.requests.take(), expected);

    // Nothing to find: the whole range is walked, and nothing comes back.
    let found = search(102, head, SearchOrder::NewestFirst).await.unwrap();
    assert!(found.is_empty());
    let mut requests = chain.requests.take();
    requests.reverse();
    assert_tiles(&requests, 102, head, max);
}

#[tokio::test]
async fn a_failed_request_names_its_range() {
    let chain = Chain::start().await;
    let url = chain.anvil.url();
    let dead = ProviderBuilder::new().connect_http(url.clone()).erased();
    chain.anvil.stop().await.unwrap();
    let err = find_logs_chunked(&dead, &Filter::new(), 5, 47, 10, SearchOrder::NewestFirst)
        .await
        .unwrap_err();
    assert_eq!((err.from, err.to), (45, 47), "the newest chunk is asked first");
    assert!(err.to_string().contains("45..=47"), "{err}");
    let err = get_logs_chunked(&dead, &Filter::new(), 5, 47, 10).await.unwrap_err();
    assert_eq!((err.from, err.to), (5, 14));
}
