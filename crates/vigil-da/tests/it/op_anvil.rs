//! The OP Stack path end to end on real chains: an L1 anvil (blobs served by anvil's beacon
//! emulation) and an L2 anvil standing in for the operator's L2 node. A batcher posts real
//! channels the way op-batcher does ([`vigil_da::op::batcher`]); [`OpStackSource::scan`] reads
//! them back block by block and [`check_channel`] compares them with the L2 node. Honest data
//! is attested with the node's hashes; each hostile variant is a typed refusal and nothing
//! completes (or the verdict is `Refused`).

use std::time::Duration;

use alloy::{
    consensus::{
        SignableTransaction as _, Transaction as _, TxEip1559, TxEnvelope, Typed2718 as _,
    },
    eips::{BlockNumberOrTag, eip2718::Encodable2718 as _},
    network::{TransactionBuilder as _, TxSignerSync as _},
    primitives::{Address, B256, Bytes, TxKind, U256, address},
    providers::{DynProvider, Provider},
    rpc::{json_rpc::RpcSend, types::TransactionRequest},
    signers::local::PrivateKeySigner,
};
use axum::{
    Json, Router,
    extract::{Path, RawQuery},
    routing::get,
};
use kona_protocol::ChannelId;
use serde_json::Value;
use vigil_chain::signing_provider;
use vigil_da::{
    BeaconClient, BeaconDialect,
    op::{
        BatchKind, BlockVerdict, ChannelVerdict, Compression, DecodedChannel, L2Node,
        OpRollupConfig, OpStackSource, Refusal,
        batcher::{
            self, BatchBlock, MAX_FRAME_DATA_PER_BLOB, compress, data_item, frames, read_blocks,
            singular_batch, span_batch,
        },
        check_channel,
    },
};
use vigil_test_utils::{Anvil, AnvilConfig};

use vigil_test_utils::DEV_KEY;
const ROLLUP_ID: u64 = 901;
const INBOX: Address = address!("ff00000000000000000000000000000000000901");
/// L2 blocks mined at start: 1..=L2_BLOCKS.
const L2_BLOCKS: u64 = 6;
const TIMEOUT: Duration = Duration::from_secs(10);

/// An L1 and an L2 anvil, a fresh funded batcher, and the rollup's config.
struct Rollup {
    l1: Anvil,
    _l2: Anvil,
    /// Reads L1.
    l1_reader: DynProvider,
    /// Reads the L2 node.
    l2_reader: DynProvider,
    /// Posts on L1 as the batcher.
    batcher: DynProvider,
    /// Posts on L1 as someone else (the dev account).
    stranger: DynProvider,
    config: OpRollupConfig,
}

/// What scanning L1 blocks in order yielded.
#[derive(Debug, Default)]
struct Scanned {
    channels: Vec<DecodedChannel>,
    /// Each refusal with the L1 block whose scan produced it.
    refusals: Vec<(u64, Refusal)>,
    batcher_txs: usize,
}

impl Scanned {
    fn labels(&self) -> Vec<(u64, &'static str)> {
        self.refusals.iter().map(|(block, r)| (*block, r.label())).collect()
    }

    fn only_channel(self) -> DecodedChannel {
        assert!(self.refusals.is_empty(), "{:?}", self.refusals);
        let [channel] = <[DecodedChannel; 1]>::try_from(self.channels).unwrap();
        channel
    }
}

/// A transaction as a batcher posted it.
#[derive(Debug, Clone, Copy)]
struct Posted {
    tx: B256,
    block: u64,
}

/// An anvil-only JSON-RPC call (test side only).
async fn rpc(provider: &DynProvider, method: &'static str, params: impl RpcSend) -> Value {
    provider.raw_request(method.into(), params).await.unwrap()
}

impl Rollup {
    /// Starts both chains and mines L2 blocks `1..=L2_BLOCKS`, each with transfers (some
    /// legacy, some EIP-1559) except every third, which is empty.
    async fn start() -> Self {
        let (l1, l2) = tokio::join!(
            Anvil::start(AnvilConfig::default()),
            Anvil::start(AnvilConfig { chain_id: ROLLUP_ID, ..AnvilConfig::default() })
        );
        let (l1, l2) = (l1.unwrap(), l2.unwrap());
        let l2_reader = vigil_chain::http_provider(l2.url(), TIMEOUT);
        // One L2 block per second exactly, whatever the wall clock does.
        rpc(&l2_reader, "anvil_setBlockTimestampInterval", (1,)).await;
        rpc(&l2_reader, "evm_setAutomine", (false,)).await;

        let dev: PrivateKeySigner = DEV_KEY.parse().unwrap();
        let l2_sender = signing_provider(l2.url(), dev.clone());
        for n in 1..=L2_BLOCKS {
            let mut pending = Vec::new();
            if n % 3 != 0 {
                let to = Address::repeat_byte(u8::try_from(n).unwrap());
                let eip1559 = TransactionRequest::default().with_to(to).with_value(U256::from(n));
                pending.push(l2_sender.send_transaction(eip1559).await.unwrap());
                let second = TransactionRequest::default()
                    .with_to(Address::repeat_byte(0x42))
                    .with_value(U256::from(1000 + n));
                // Blocks 2, 5: a legacy (EIP-155) transfer; span batches encode its signature apart.
                let second = if n % 3 == 2 { second.with_gas_price(3_000_000_000) } else { second };
                pending.push(l2_sender.send_transaction(second).await.unwrap());
            }
            rpc(&l2_reader, "evm_mine", ()).await;
            for tx in pending {
                let receipt = tx.get_receipt().await.unwrap();
                assert_eq!(receipt.block_number, Some(n));
                assert!(receipt.status());
            }
        }

        let block_2 = l2_reader.get_block_by_number(2.into()).full().await.unwrap().unwrap();
        let mut block_2_types: Vec<u8> =
            block_2.transactions.txns().map(|tx| tx.inner.inner().ty()).collect();
        block_2_types.sort_unstable();
        assert_eq!(block_2_types, [0, 2], "a legacy and an EIP-1559 transfer");

        // Genesis: the first block from which timestamps are exactly one second apart.
        let mut timestamps = Vec::new();
        for n in 0..=L2_BLOCKS {
            let block = l2_reader.get_block_by_number(n.into()).await.unwrap().unwrap();
            timestamps.push(block.header.timestamp);
        }
        let genesis = (0..=L2_BLOCKS)
            .find(|&k| {
                (k..=L2_BLOCKS).all(|n| timestamps[n as usize] == timestamps[k as usize] + (n - k))
            })
            .unwrap();
        assert!(genesis <= 1, "anvil's timestamp interval did not hold: {timestamps:?}");

        let batcher_key = PrivateKeySigner::random();
        let l1_reader = vigil_chain::http_provider(l1.url(), TIMEOUT);
        rpc(&l1_reader, "anvil_setBalance", (batcher_key.address(), U256::from(10u128.pow(21))))
            .await;
        let config = OpRollupConfig {
            name: "anvil rollup".into(),
            chain_id: ROLLUP_ID,
            batch_inbox: INBOX,
            batcher: batcher_key.address(),
            block_time: 1,
            genesis_l2_time: timestamps[genesis as usize],
            genesis_l2_number: genesis,
            granite_time: Some(0),
            holocene_time: Some(0),
        };
        assert_eq!(config.channel_timeout(0), 50);
        Self {
            batcher: signing_provider(l1.url(), batcher_key),
            stranger: signing_provider(l1.url(), dev),
            l1,
            _l2: l2,
            l1_reader,
            l2_reader,
            config,
        }
    }

    fn beacon(&self, url: &str) -> BeaconClient {
        BeaconClient::new(vec![url.to_owned()], BeaconDialect::Anvil, TIMEOUT).unwrap()
    }

    /// A source reading L1 and anvil's own beacon endpoint.
    fn source(&self) -> OpStackSource<DynProvider> {
        self.source_via(self.l1.endpoint())
    }

    /// A source reading L1, and blobs from the beacon API at `beacon`.
    fn source_via(&self, beacon: &str) -> OpStackSource<DynProvider> {
        OpStackSource::new(self.l1_reader.clone(), Some(self.beacon(beacon)), self.config.clone())
    }

    /// Scans L1 blocks `from..=to` in order, as the operator does.
    async fn scan(&self, source: &mut OpStackSource<DynProvider>, from: u64, to: u64) -> Scanned {
        let mut out = Scanned::default();
        for number in from..=to {
            let outcome = source.scan(number).await.unwrap();
            out.channels.extend(outcome.channels);
            out.refusals.extend(outcome.refusals.into_iter().map(|r| (number, r)));
            out.batcher_txs += outcome.batcher_txs;
        }
        out
    }

    async fn l1_head(&self) -> u64 {
        self.l1_reader.get_block_number().await.unwrap()
    }

    async fn l2_head(&self) -> u64 {
        self.l2_reader.get_block_number().await.unwrap()
    }

    /// The latest L1 block as an L1 origin `(number, hash)`.
    async fn origin(&self) -> (u64, B256) {
        let block =
            self.l1_reader.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
        (block.header.number, block.header.hash)
    }

    async fn blocks(&self, first: u64, last: u64) -> Vec<BatchBlock> {
        read_blocks(&self.l2_reader, first, last).await.unwrap()
    }

    /// A span batch over L2 blocks `first..=last`, compressed.
    async fn span_channel(&self, first: u64, last: u64, compression: Compression) -> Vec<u8> {
        let blocks = self.blocks(first, last).await;
        let origin = self.origin().await;
        compress(&[span_batch(&self.config, &blocks, origin).unwrap()], compression)
    }

    async fn post_blob(&self, item: Vec<u8>) -> Posted {
        let blobs = batcher::blobs(&[item]).unwrap();
        let receipt = batcher::post_blobs(&self.batcher, INBOX, &blobs).await.unwrap();
        assert!(receipt.status());
        Posted { tx: receipt.transaction_hash, block: receipt.block_number.unwrap() }
    }

    async fn post_calldata(&self, item: Vec<u8>) -> Posted {
        self.post_calldata_as(&self.batcher, item).await
    }

    async fn post_calldata_as(&self, sender: &DynProvider, item: Vec<u8>) -> Posted {
        let receipt = batcher::post_calldata(sender, INBOX, item).await.unwrap();
        assert!(receipt.status());
        Posted { tx: receipt.transaction_hash, block: receipt.block_number.unwrap() }
    }

    /// The versioned hashes the L1 transaction itself carries.
    async fn versioned_hashes(&self, tx: B256) -> Vec<B256> {
        let tx = self.l1_reader.get_transaction_by_hash(tx).await.unwrap().unwrap();
        tx.blob_versioned_hashes().unwrap().to_vec()
    }

    async fn check(&self, channel: &DecodedChannel) -> ChannelVerdict {
        let head = self.l2_head().await;
        check_channel(&L2Node::new(self.l2_reader.clone()), Some(&self.l1_reader), channel, head)
            .await
            .unwrap()
    }

    /// The channel's blocks are the node's, transaction by transaction, and the verdict
    /// attests each with the node's hash and state root.
    async fn assert_available(&self, channel: &DecodedChannel) {
        let verdict = self.check(channel).await;
        let ChannelVerdict::Available { blocks } = verdict else { panic!("{verdict:?}") };
        assert_eq!(blocks.len(), channel.blocks.len());
        for (verdict, expected) in blocks.iter().zip(&channel.blocks) {
            let node =
                self.l2_reader.get_block_by_number(expected.number.into()).await.unwrap().unwrap();
            assert_eq!(expected.timestamp, node.header.timestamp);
            assert_eq!(expected.tx_hashes, node.transactions.hashes().collect::<Vec<_>>());
            assert_eq!(
                *verdict,
                BlockVerdict::Matches {
                    number: expected.number,
                    hash: node.header.hash,
                    state_root: node.header.state_root,
                }
            );
        }
    }
}

fn refused_label(verdict: &ChannelVerdict) -> &'static str {
    match verdict {
        ChannelVerdict::Refused { refusal } => refusal.label(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn channel_id(n: u8) -> ChannelId {
    [n; 16]
}

/// One data item holding all of `data` as a single, last frame.
fn single_frame(id: u8, data: &[u8]) -> Vec<u8> {
    let frames = frames(channel_id(id), data, MAX_FRAME_DATA_PER_BLOB);
    assert_eq!(frames.len(), 1);
    data_item(&frames)
}

/// A valid EIP-1559 transfer on the rollup, signed by the dev key, that no L2 block holds.
fn foreign_tx(nonce: u64) -> Bytes {
    let signer: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let mut tx = TxEip1559 {
        chain_id: ROLLUP_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(7),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718().into()
}

/// 1. A brotli span batch in one blob: decoded to the L2's blocks and attested with the
///    node's hashes; `daCommitment` over the transaction's versioned hashes.
#[tokio::test]
async fn brotli_span_batch_in_one_blob() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let posted = rollup.post_blob(single_frame(1, &data)).await;

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert_eq!(scanned.batcher_txs, 1);
    let channel = scanned.only_channel();
    assert_eq!(channel.compression, Compression::Brotli);
    assert!(channel.in_blobs());
    assert_eq!(channel.range(), Some((1, L2_BLOCKS)));
    assert_eq!(channel.batches.len(), 1);
    assert_eq!(channel.batches[0].kind, BatchKind::Span);
    assert_eq!(channel.tx_count(), 8, "two transfers in each of blocks 1, 2, 4, 5");
    assert_eq!((channel.opened_l1, channel.l1_block), (posted.block, posted.block));
    let versioned_hashes = rollup.versioned_hashes(posted.tx).await;
    assert_eq!(versioned_hashes.len(), 1);
    assert_eq!(channel.da_commitment, vigil_types::da_commitment(&versioned_hashes));
    rollup.assert_available(&channel).await;
}

/// 2. One channel in two blob transactions in two L1 blocks: it completes at the second, and
///    `daCommitment` covers both transactions' blobs in L1 order.
#[tokio::test]
async fn channel_split_across_two_blob_transactions() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let frames = frames(channel_id(2), &data, data.len().div_ceil(2));
    assert_eq!(frames.len(), 2);
    let first = rollup.post_blob(data_item(&frames[..1])).await;
    let second = rollup.post_blob(data_item(&frames[1..])).await;
    assert!(second.block > first.block);

    let mut source = rollup.source();
    let before = rollup.scan(&mut source, 1, first.block).await;
    assert!(before.channels.is_empty() && before.refusals.is_empty(), "{before:?}");
    let channel = rollup.scan(&mut source, first.block + 1, second.block).await.only_channel();
    assert_eq!(channel.opened_l1, first.block);
    assert_eq!(channel.l1_block, second.block);
    assert_eq!(channel.frames, 2);
    assert_eq!(
        channel.carriers.iter().map(|c| c.tx_hash).collect::<Vec<_>>(),
        [first.tx, second.tx]
    );
    let mut versioned_hashes = rollup.versioned_hashes(first.tx).await;
    versioned_hashes.extend(rollup.versioned_hashes(second.tx).await);
    assert_eq!(channel.da_commitment, vigil_types::da_commitment(&versioned_hashes));
    assert_eq!(channel.range(), Some((1, L2_BLOCKS)));
    rollup.assert_available(&channel).await;
}

/// 3. Calldata: a zlib span batch, and a channel of singular batches (one per block).
#[tokio::test]
async fn zlib_span_and_singular_batches_in_calldata() {
    let rollup = Rollup::start().await;
    let span = rollup.span_channel(1, 3, Compression::Zlib).await;
    let span_posted = rollup.post_calldata(single_frame(1, &span)).await;

    let origin = rollup.origin().await;
    let singles: Vec<Vec<u8>> =
        rollup.blocks(4, L2_BLOCKS).await.iter().map(|b| singular_batch(b, origin)).collect();
    let singles = compress(&singles, Compression::Zlib);
    let singles_posted = rollup.post_calldata(single_frame(2, &singles)).await;

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert_eq!(scanned.batcher_txs, 2);
    assert!(scanned.refusals.is_empty(), "{:?}", scanned.refusals);
    let [span, singles] = <[DecodedChannel; 2]>::try_from(scanned.channels).unwrap();

    assert_eq!(span.compression, Compression::Zlib);
    assert!(!span.in_blobs());
    assert_eq!(span.range(), Some((1, 3)));
    assert_eq!(span.batches.iter().map(|b| b.kind).collect::<Vec<_>>(), [BatchKind::Span]);
    assert_eq!(span.l1_block, span_posted.block);
    // Calldata stays on L1: the commitment is to the transaction itself.
    assert_eq!(span.da_commitment, vigil_types::da_commitment(&[span_posted.tx]));
    rollup.assert_available(&span).await;

    assert_eq!(singles.compression, Compression::Zlib);
    assert_eq!(singles.range(), Some((4, L2_BLOCKS)));
    assert_eq!(
        singles.batches.iter().map(|b| (b.kind, b.first)).collect::<Vec<_>>(),
        [(BatchKind::Singular, 4), (BatchKind::Singular, 5), (BatchKind::Singular, 6)]
    );
    assert_eq!(singles.blocks[0].epoch_hash, Some(origin.1));
    assert_eq!(singles.da_commitment, vigil_types::da_commitment(&[singles_posted.tx]));
    rollup.assert_available(&singles).await;
}

/// 4a. Span batches whose transactions differ from the node's blocks: one transaction
///     replaced by another validly signed one, and one dropped. Both decode; both are refused.
#[tokio::test]
async fn span_batch_with_other_transactions_is_refused() {
    let rollup = Rollup::start().await;
    let origin = rollup.origin().await;
    let honest = rollup.blocks(1, L2_BLOCKS).await;

    let mut replaced = honest.clone();
    assert_eq!(replaced[1].transactions.len(), 2);
    replaced[1].transactions[1] = foreign_tx(1_000);
    let mut dropped = honest.clone();
    assert_eq!(dropped[3].transactions.len(), 2);
    dropped[3].transactions.remove(0);
    for (id, blocks) in [(1, &replaced), (2, &dropped)] {
        let batch = span_batch(&rollup.config, blocks, origin).unwrap();
        let data = compress(&[batch], Compression::Brotli);
        rollup.post_calldata(single_frame(id, &data)).await;
    }

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert!(scanned.refusals.is_empty(), "{:?}", scanned.refusals);
    let [replaced, dropped] = <[DecodedChannel; 2]>::try_from(scanned.channels).unwrap();
    for (channel, height) in [(&replaced, 2), (&dropped, 4)] {
        let verdict = rollup.check(channel).await;
        assert_eq!(refused_label(&verdict), "tx_mismatch");
        let ChannelVerdict::Refused { refusal: Refusal::BlockMismatch { height: h, .. } } = verdict
        else {
            unreachable!()
        };
        assert_eq!(h, height, "the first block that differs");
    }
    assert_eq!(replaced.blocks[1].tx_hashes[1], alloy::primitives::keccak256(foreign_tx(1_000)));
}

/// 4b, 4c. Brotli streams cut short (in half, and before the first batch), each sent as a
/// complete channel, and one with bytes flipped in the middle.
#[tokio::test]
async fn truncated_and_corrupt_brotli_channels_are_refused() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let half = rollup.post_calldata(single_frame(1, &data[..data.len() / 2])).await;
    // The version byte and two bytes of brotli header: nothing inflates at all.
    let header_only = rollup.post_calldata(single_frame(2, &data[..3])).await;

    // The corrupt stream is built from fixed bytes (synthetic blocks, locally signed
    // transactions, fixed parent and origin, timestamps relative to genesis), so the flipped
    // stream, and brotli's verdict on it, is the same on every run.
    let synthetic: Vec<BatchBlock> = (1..=L2_BLOCKS)
        .map(|n| BatchBlock {
            number: n,
            hash: B256::ZERO,
            parent_hash: B256::repeat_byte(0xaa),
            timestamp: rollup.config.genesis_l2_time + n,
            transactions: vec![foreign_tx(n), foreign_tx(100 + n)],
        })
        .collect();
    let batch = span_batch(&rollup.config, &synthetic, (0, B256::repeat_byte(0xbb))).unwrap();
    let mut corrupt = compress(&[batch], Compression::Brotli);
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 4] {
        *byte ^= 0xff;
    }
    let corrupted = rollup.post_calldata(single_frame(3, &corrupt)).await;

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert!(scanned.channels.is_empty(), "{:?}", scanned.channels);
    assert_eq!(scanned.batcher_txs, 3);
    assert_eq!(
        scanned.labels(),
        [
            (half.block, "truncated_channel"),
            (header_only.block, "truncated_channel"),
            (corrupted.block, "corrupt_compression"),
        ]
    );
}

/// 4d. Holocene frame order on L1: a repeated frame 0 is dropped and the channel still
/// completes (without the repeat in its commitment); a frame 1 before its frame 0 is dropped.
#[tokio::test]
async fn repeated_and_out_of_order_frames() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let split = data.len().div_ceil(2);

    let a = frames(channel_id(1), &data, split);
    let first = rollup.post_calldata(data_item(&a[..1])).await;
    let repeat = rollup.post_calldata(data_item(&a[..1])).await;
    let last = rollup.post_calldata(data_item(&a[1..])).await;

    let b = frames(channel_id(2), &data, split);
    let early = rollup.post_calldata(data_item(&b[1..])).await;
    let b0 = rollup.post_calldata(data_item(&b[..1])).await;
    let b1 = rollup.post_calldata(data_item(&b[1..])).await;

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert_eq!(
        scanned.labels(),
        [(repeat.block, "frame_repeated"), (early.block, "frame_out_of_order")]
    );
    assert!(matches!(
        &scanned.refusals[0].1,
        Refusal::FrameRepeated { number: 0, tx, .. } if *tx == repeat.tx
    ));
    assert!(matches!(
        &scanned.refusals[1].1,
        Refusal::FrameOutOfOrder { number: 1, expected: 0, tx, .. } if *tx == early.tx
    ));

    let [a, b] = <[DecodedChannel; 2]>::try_from(scanned.channels).unwrap();
    assert_eq!((a.opened_l1, a.l1_block), (first.block, last.block));
    assert_eq!(a.da_commitment, vigil_types::da_commitment(&[first.tx, last.tx]));
    // The early frame 1 was dropped: the channel is the one resent in order.
    assert_eq!((b.opened_l1, b.l1_block), (b0.block, b1.block));
    assert_eq!(b.da_commitment, vigil_types::da_commitment(&[b0.tx, b1.tx]));
    rollup.assert_available(&a).await;
    rollup.assert_available(&b).await;
}

/// 4e. The channel timeout (50 L1 blocks since Granite): the last frame 50 blocks after frame
/// 0 completes the channel; 51 blocks after, the channel is gone.
#[tokio::test]
async fn channel_timeout() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let split = data.len().div_ceil(2);

    let in_time = frames(channel_id(1), &data, split);
    let opened = rollup.post_calldata(data_item(&in_time[..1])).await;
    rpc(&rollup.l1_reader, "anvil_mine", (49,)).await;
    let closed = rollup.post_calldata(data_item(&in_time[1..])).await;
    assert_eq!(closed.block, opened.block + 50);

    let late = frames(channel_id(2), &data, split);
    let late_opened = rollup.post_calldata(data_item(&late[..1])).await;
    rpc(&rollup.l1_reader, "anvil_mine", (50,)).await;
    let late_closed = rollup.post_calldata(data_item(&late[1..])).await;
    assert_eq!(late_closed.block, late_opened.block + 51);

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert_eq!(
        scanned.labels(),
        [(late_closed.block, "channel_timeout"), (late_closed.block, "frame_out_of_order")]
    );
    assert!(matches!(
        &scanned.refusals[0].1,
        Refusal::ChannelTimedOut { opened_l1, l1_block, timeout: 50, .. }
            if *opened_l1 == late_opened.block && *l1_block == late_closed.block
    ));
    let channel = <[DecodedChannel; 1]>::try_from(scanned.channels).unwrap();
    assert_eq!((channel[0].opened_l1, channel[0].l1_block), (opened.block, closed.block));
}

/// 4f. A beacon endpoint that serves a blob with one byte flipped: its recomputed commitment
/// does not hash to the transaction's versioned hash, so the transaction is refused. The same
/// block read through anvil's own endpoint yields the channel.
#[tokio::test]
async fn tampered_blob_is_refused() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Brotli).await;
    let posted = rollup.post_blob(single_frame(1, &data)).await;

    let upstream = rollup.l1.endpoint().to_owned();
    let app = Router::new().route(
        "/eth/v1/beacon/blobs/{block}",
        get(move |Path(block): Path<u64>, RawQuery(query): RawQuery| async move {
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            let url = format!("{upstream}/eth/v1/beacon/blobs/{block}{query}");
            let mut body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            for blob in body["data"].as_array_mut().unwrap() {
                let mut bytes =
                    hex::decode(blob.as_str().unwrap().trim_start_matches("0x")).unwrap();
                // A low bit inside a field element: still a valid blob, another commitment.
                bytes[100] ^= 0x01;
                *blob = Value::String(format!("0x{}", hex::encode(bytes)));
            }
            Json(body)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut lied_to = rollup.source_via(&proxy);
    let scanned = rollup.scan(&mut lied_to, 1, posted.block).await;
    assert!(scanned.channels.is_empty(), "{:?}", scanned.channels);
    assert_eq!(scanned.batcher_txs, 0);
    assert_eq!(scanned.labels(), [(posted.block, "blob_commitment")]);
    assert!(
        matches!(&scanned.refusals[0].1, Refusal::BlobUnavailable { tx, .. } if *tx == posted.tx)
    );

    let mut honest = rollup.source();
    let channel = rollup.scan(&mut honest, 1, posted.block).await.only_channel();
    assert_eq!(channel.range(), Some((1, L2_BLOCKS)));
}

/// 4g. A valid channel sent to the inbox by someone other than the batcher is ignored.
#[tokio::test]
async fn calldata_from_another_sender_is_ignored() {
    let rollup = Rollup::start().await;
    let data = rollup.span_channel(1, L2_BLOCKS, Compression::Zlib).await;
    let posted = rollup.post_calldata_as(&rollup.stranger, single_frame(1, &data)).await;

    let mut source = rollup.source();
    let scanned = rollup.scan(&mut source, 1, rollup.l1_head().await).await;
    assert!(scanned.channels.is_empty(), "{:?}", scanned.channels);
    assert_eq!(scanned.batcher_txs, 0);
    assert_eq!(scanned.labels(), [(posted.block, "wrong_sender")]);
    let dev: PrivateKeySigner = DEV_KEY.parse().unwrap();
    assert_eq!(scanned.refusals[0].1, Refusal::WrongSender { tx: posted.tx, from: dev.address() });
}

/// 5. A channel naming an L2 block above the node's head is pending, and becomes available
/// once the node has the block.
#[tokio::test]
async fn block_above_the_node_head_is_pending() {
    let rollup = Rollup::start().await;
    let mut blocks = rollup.blocks(1, L2_BLOCKS).await;
    // The next block, empty, as the sequencer will produce it.
    let next = L2_BLOCKS + 1;
    blocks.push(BatchBlock {
        number: next,
        hash: B256::ZERO,
        parent_hash: blocks.last().unwrap().hash,
        timestamp: rollup.config.timestamp_of(next).unwrap(),
        transactions: vec![],
    });
    let batch = span_batch(&rollup.config, &blocks, rollup.origin().await).unwrap();
    rollup.post_calldata(single_frame(1, &compress(&[batch], Compression::Brotli))).await;

    let mut source = rollup.source();
    let channel = rollup.scan(&mut source, 1, rollup.l1_head().await).await.only_channel();
    assert_eq!(channel.range(), Some((1, next)));
    assert_eq!(rollup.check(&channel).await, ChannelVerdict::Pending { head: L2_BLOCKS });

    rpc(&rollup.l2_reader, "evm_mine", ()).await;
    assert_eq!(rollup.l2_head().await, next);
    rollup.assert_available(&channel).await;
}
