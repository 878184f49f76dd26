//! The operator's hot path for one OP Stack blob channel: six raw blobs to a `DecodedChannel`
//! (KZG commitments recomputed, OP blob decoding, frames, Holocene channel assembly, brotli,
//! span batch, derived blocks), against a memcpy of the same blob bytes as the baseline.
//!
//! The input is built by the crate's own batcher functions: L2 blocks of real signed EIP-1559
//! transactions (ABI-shaped calldata, part random so brotli cannot squeeze it away) in one span
//! batch, one brotli channel that fills exactly six blobs, one frame per blob.
//!
//! `cargo bench -p vigil-da --bench decode`. After criterion's groups the bench times each path
//! itself (median of repeated runs, this run) and ends with two lines: `decode_mb_per_s: X`
//! (MB = 10^6 bytes of blob data, KZG included) and `decode_ratio_vs_memcpy: Y`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::eip2718::Encodable2718,
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use criterion::{Criterion, Throughput};
use vigil_da::{
    op::{
        BatcherData, Carrier, ChannelAssembler, Compression, DecodedChannel,
        MAX_RLP_BYTES_PER_CHANNEL, OpRollupConfig, assemble,
        batcher::{self, BatchBlock, MAX_FRAME_DATA_PER_BLOB},
        blob_codec, decompress,
    },
    recompute,
};
use vigil_test_utils::SplitMix64;

const BLOBS: usize = 6;
/// Bytes of blob data per channel: what throughput is counted in.
const BLOB_BYTES: usize = BLOBS * blob_codec::BLOB_SIZE;
const TXS_PER_BLOCK: usize = 50;
const SENDERS: u64 = 64;
/// The L1 block that carries the channel, and its timestamp (after Granite and Holocene).
const L1_BLOCK: u64 = 21_000_000;
const L1_TIME: u64 = 1_760_000_000;

/// A synthetic chain with OP Mainnet's genesis and block time, in the registry's TOML shape.
fn config(batcher: Address) -> OpRollupConfig {
    let toml = format!(
        r#"
name = "Vigil bench chain"
chain_id = 10
batch_inbox_addr = "0xff00000000000000000000000000000000000010"
block_time = 2

[hardforks]
  granite_time = 1726070401
  holocene_time = 1736445601

[genesis]
  l2_time = 1686068903
  [genesis.l2]
    number = 105235063
  [genesis.system_config]
    batcherAddress = "{batcher}"
"#
    );
    OpRollupConfig::from_superchain_toml(&toml).unwrap()
}

/// Signs the transactions of the channel. Transaction `i` is a pure function of `i`: sender
/// `i % SENDERS` with nonce `i / SENDERS`, calldata of 1–12 ABI words (a pool of addresses,
/// small amounts, random 32-byte values) after one of a few selectors.
struct TxFactory {
    chain_id: u64,
    senders: Vec<PrivateKeySigner>,
    contracts: Vec<Address>,
    accounts: Vec<[u8; 20]>,
}

impl TxFactory {
    fn new(chain_id: u64) -> Self {
        let mut rng = SplitMix64::new(0x5eed);
        let mut key = || {
            let mut k = [0u8; 32];
            rng.fill(&mut k);
            k
        };
        let senders = (0..SENDERS)
            .map(|_| PrivateKeySigner::from_bytes(&B256::from(key())).unwrap())
            .collect();
        let contracts = (0..24).map(|_| Address::from_slice(&key()[..20])).collect();
        let accounts = (0..512)
            .map(|_| {
                let mut a = [0u8; 20];
                a.copy_from_slice(&key()[..20]);
                a
            })
            .collect();
        Self { chain_id, senders, contracts, accounts }
    }

    fn tx(&self, i: u64) -> Bytes {
        const SELECTORS: [[u8; 4]; 6] = [
            [0xa9, 0x05, 0x9c, 0xbb], // transfer(address,uint256)
            [0x09, 0x5e, 0xa7, 0xb3], // approve(address,uint256)
            [0x38, 0xed, 0x17, 0x39], // swapExactTokensForTokens(...)
            [0x41, 0x4b, 0xf3, 0x89], // exactInputSingle(...)
            [0xac, 0x96, 0x50, 0xd8], // multicall(bytes[])
            [0x5a, 0xe4, 0x01, 0xdc], // multicall(uint256,bytes[])
        ];
        let mut rng = SplitMix64::new(i.wrapping_mul(0x1000_0000_01b3) ^ 0xdec0de);
        let selector = SELECTORS[rng.below(SELECTORS.len() as u64) as usize];
        let words = 1 + rng.below(12) as usize;
        let mut input = Vec::with_capacity(4 + 32 * words);
        input.extend_from_slice(&selector);
        for _ in 0..words {
            let mut word = [0u8; 32];
            match rng.below(10) {
                0..=3 => {
                    let account = self.accounts[rng.below(self.accounts.len() as u64) as usize];
                    word[12..].copy_from_slice(&account);
                }
                4..=6 => {
                    let bytes = 4 + rng.below(9) as usize;
                    rng.fill(&mut word[32 - bytes..]);
                }
                _ => rng.fill(&mut word),
            }
            input.extend_from_slice(&word);
        }
        let to = self.contracts[rng.below(self.contracts.len() as u64) as usize];
        let tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: i / SENDERS,
            gas_limit: 21_000 + rng.below(400_000),
            max_fee_per_gas: 1_000_000 + u128::from(rng.below(50_000_000)),
            max_priority_fee_per_gas: u128::from(rng.below(1_000_000)),
            to: TxKind::Call(to),
            value: if rng.below(4) == 0 { U256::from(rng.next_u64() >> 8) } else { U256::ZERO },
            access_list: Default::default(),
            input: input.into(),
        };
        let signer = &self.senders[(i % SENDERS) as usize];
        let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718().into()
    }
}

/// One channel's worth of blobs, and what went into them.
struct Input {
    config: OpRollupConfig,
    blobs: Vec<Bytes>,
    versioned_hashes: Vec<B256>,
    /// The six data items (version byte and one frame each), as the blob decoder returns them.
    items: Vec<Vec<u8>>,
    /// The compressed channel data (frames' data concatenated).
    channel: Vec<u8>,
    blocks: Vec<BatchBlock>,
    decompressed_len: usize,
}

fn block_hash(number: u64) -> B256 {
    keccak256(number.to_be_bytes())
}

/// L2 blocks `TXS_PER_BLOCK` transactions each (the last one the rest), from the block after
/// a fixed start, timestamps on the chain's block grid.
fn blocks(config: &OpRollupConfig, txs: &[Bytes]) -> Vec<BatchBlock> {
    let first = config.genesis_l2_number + 30_000_000;
    txs.chunks(TXS_PER_BLOCK)
        .zip(first..)
        .map(|(txs, number)| BatchBlock {
            number,
            hash: block_hash(number),
            parent_hash: block_hash(number - 1),
            timestamp: config.timestamp_of(number).unwrap(),
            transactions: txs.to_vec(),
        })
        .collect()
}

fn channel_data(config: &OpRollupConfig, blocks: &[BatchBlock]) -> Vec<u8> {
    let origin = (L1_BLOCK - 3, keccak256(b"l1 origin"));
    let batch = batcher::span_batch(config, blocks, origin).unwrap();
    batcher::compress(&[batch], Compression::Brotli)
}

/// Builds a brotli channel of signed transactions that fills six blobs, the sixth at least
/// 95% full: guesses the transaction count, then corrects it from the compressed size.
fn build() -> Input {
    let batcher_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xba)).unwrap();
    let config = config(batcher_key.address());
    let factory = TxFactory::new(config.chain_id);
    let capacity = BLOBS * MAX_FRAME_DATA_PER_BLOB;
    let floor = capacity - MAX_FRAME_DATA_PER_BLOB / 20;
    let target = (capacity + floor) / 2;

    let mut txs: Vec<Bytes> = Vec::new();
    let mut n = 3_000usize;
    for _ in 0..12 {
        while txs.len() < n {
            txs.push(factory.tx(txs.len() as u64));
        }
        let blocks = blocks(&config, &txs[..n]);
        let data = channel_data(&config, &blocks);
        if (floor + 1..=capacity).contains(&data.len()) {
            let id = *keccak256(b"vigil bench channel").first_chunk::<16>().unwrap();
            let frames = batcher::frames(id, &data, MAX_FRAME_DATA_PER_BLOB);
            assert_eq!(frames.len(), BLOBS, "one frame per blob");
            let items: Vec<Vec<u8>> =
                frames.iter().map(|f| batcher::data_item(std::slice::from_ref(f))).collect();
            let blobs: Vec<Bytes> =
                batcher::blobs(&items).unwrap().into_iter().map(Bytes::from).collect();
            assert_eq!(blobs.len(), BLOBS);
            assert!(blobs.iter().all(|b| b.len() == blob_codec::BLOB_SIZE));
            let versioned_hashes =
                recompute(blobs.clone()).unwrap().into_iter().map(|b| b.versioned_hash).collect();
            let decompressed_len = decompress(&data, MAX_RLP_BYTES_PER_CHANNEL).unwrap().data.len();
            return Input {
                config,
                blobs,
                versioned_hashes,
                items,
                channel: data,
                blocks,
                decompressed_len,
            };
        }
        // Compressed size is close to linear in the transaction count.
        n = ((n as f64) * target as f64 / data.len() as f64).round() as usize;
    }
    panic!("no transaction count fills exactly {BLOBS} blobs");
}

fn carrier(versioned_hashes: Vec<B256>) -> Carrier {
    Carrier { tx_hash: keccak256(b"batcher tx"), l1_block: L1_BLOCK, versioned_hashes }
}

/// Decoded blobs through frames, the assembler, decompression and batches.
fn assemble_items(
    config: &OpRollupConfig,
    carrier: Carrier,
    items: Vec<Vec<u8>>,
) -> DecodedChannel {
    let data = vec![BatcherData { carrier, items }];
    let (mut channels, refusals) =
        assemble(&mut ChannelAssembler::new(), config, L1_BLOCK, L1_TIME, data);
    assert!(refusals.is_empty(), "{refusals:?}");
    channels.pop().unwrap()
}

fn decode_items(blobs: &[Bytes]) -> Vec<Vec<u8>> {
    blobs.iter().map(|b| blob_codec::decode(b).unwrap()).collect()
}

/// The full path: raw blobs, commitments recomputed, then everything else.
fn decode_full(input: &Input) -> DecodedChannel {
    let verified = recompute(input.blobs.clone()).unwrap();
    let hashes = verified.iter().map(|b| b.versioned_hash).collect();
    let items = verified.iter().map(|b| blob_codec::decode(&b.data).unwrap()).collect();
    assemble_items(&input.config, carrier(hashes), items)
}

/// The same path with the versioned hashes taken as known.
fn decode_without_kzg(input: &Input) -> DecodedChannel {
    let items = decode_items(&input.blobs);
    assemble_items(&input.config, carrier(input.versioned_hashes.clone()), items)
}

fn memcpy(input: &Input, dst: &mut [u8]) {
    for (chunk, blob) in dst.chunks_exact_mut(blob_codec::BLOB_SIZE).zip(&input.blobs) {
        chunk.copy_from_slice(black_box(blob));
    }
    black_box(dst);
}

fn check(input: &Input, channel: &DecodedChannel) {
    assert_eq!(channel.frames, BLOBS);
    assert_eq!(channel.compression, Compression::Brotli);
    assert_eq!(channel.decompressed_len, input.decompressed_len);
    assert_eq!(channel.blocks.len(), input.blocks.len());
    for (got, want) in channel.blocks.iter().zip(&input.blocks) {
        assert_eq!((got.number, got.timestamp), (want.number, want.timestamp));
        let hashes: Vec<B256> = want.transactions.iter().map(keccak256).collect();
        assert_eq!(got.tx_hashes, hashes);
    }
    assert_eq!(channel.carriers[0].versioned_hashes, input.versioned_hashes);
}

fn bench(c: &mut Criterion, input: &Input) {
    let mut group = c.benchmark_group("decode");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(BLOB_BYTES as u64));
    group.bench_function("full_with_kzg", |b| b.iter(|| decode_full(black_box(input))));
    group.bench_function("without_kzg", |b| b.iter(|| decode_without_kzg(black_box(input))));
    let mut dst = vec![0u8; BLOB_BYTES];
    group.bench_function("memcpy", |b| b.iter(|| memcpy(input, &mut dst)));
    group.finish();

    // Each stage alone, counted against the same blob bytes so the rates add up.
    let mut group = c.benchmark_group("stages");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(BLOB_BYTES as u64));
    group.bench_function("kzg_recompute", |b| {
        b.iter(|| recompute(black_box(input.blobs.clone())).unwrap())
    });
    group.bench_function("blob_decode", |b| b.iter(|| decode_items(black_box(&input.blobs))));
    group.bench_function("brotli_decompress", |b| {
        b.iter(|| decompress(black_box(&input.channel), MAX_RLP_BYTES_PER_CHANNEL).unwrap())
    });
    group.bench_function("frames_assemble_batches", |b| {
        b.iter(|| {
            let hashes = input.versioned_hashes.clone();
            assemble_items(&input.config, carrier(hashes), black_box(input.items.clone()))
        })
    });
    group.finish();
}

/// Wall time of one call.
fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `y` to four significant figures.
fn four_sig(y: f64) -> String {
    if !(y.is_finite() && y > 0.0) {
        return format!("{y}");
    }
    let scale = |v: f64| 10f64.powi(v.log10().floor() as i32 - 3);
    let rounded = (y / scale(y)).round() * scale(y);
    let decimals = (3 - rounded.log10().floor() as i32).max(0) as usize;
    format!("{rounded:.decimals$}")
}

/// Times every path itself, round by round (each round runs each path once, memcpy
/// `COPIES` times), so a busy machine slows all paths alike; reports medians.
fn summary(input: &Input, quick: bool) {
    const COPIES: usize = 32;
    let runs = if quick { 3 } else { 31 };
    let mut dst = vec![0u8; BLOB_BYTES];
    memcpy(input, &mut dst);
    let [mut full, mut without_kzg, mut kzg, mut brotli, mut copies] = [(); 5].map(|()| vec![]);
    for _ in 0..runs {
        full.push(time(|| {
            black_box(decode_full(black_box(input)));
        }));
        without_kzg.push(time(|| {
            black_box(decode_without_kzg(black_box(input)));
        }));
        kzg.push(time(|| {
            black_box(recompute(black_box(input.blobs.clone())).unwrap());
        }));
        brotli.push(time(|| {
            black_box(decompress(black_box(&input.channel), MAX_RLP_BYTES_PER_CHANNEL).unwrap());
        }));
        copies.extend((0..COPIES).map(|_| time(|| memcpy(input, &mut dst))));
    }
    let [full, without_kzg, kzg, brotli, copy] =
        [full, without_kzg, kzg, brotli, copies].map(median);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let share = |d: Duration| 100.0 * d.as_secs_f64() / full.as_secs_f64();
    let mb_per_s = BLOB_BYTES as f64 / full.as_secs_f64() / 1e6;
    let ratio = copy.as_secs_f64() / full.as_secs_f64();
    println!(
        "\none channel of {BLOBS} blobs, median of {runs} interleaved runs (memcpy {}), this run:",
        runs * COPIES
    );
    println!(
        "  full {:.2} ms | without KZG {:.2} ms | KZG alone {:.2} ms ({:.0}%) | brotli alone \
         {:.2} ms ({:.0}%) | memcpy {:.1} us",
        ms(full),
        ms(without_kzg),
        ms(kzg),
        share(kzg),
        ms(brotli),
        share(brotli),
        copy.as_secs_f64() * 1e6,
    );
    // OP Mainnet posts about six blobs every one to two minutes.
    println!(
        "  one core keeps up with {:.0}-{:.0} rollups posting {BLOBS} blobs every 60-120 s",
        60.0 / full.as_secs_f64(),
        120.0 / full.as_secs_f64(),
    );
    println!("decode_mb_per_s: {mb_per_s:.1}");
    println!("decode_ratio_vs_memcpy: {}", four_sig(ratio));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listing = args.iter().any(|a| a == "--list");
    // Criterion's test mode (`-- --test`, or `cargo test --benches`, which passes no `--bench`)
    // runs each benchmark once; the summary then times a few rounds only.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();

    let start = Instant::now();
    let input = build();
    check(&input, &decode_full(&input));
    let sixth = input.channel.len() - (BLOBS - 1) * MAX_FRAME_DATA_PER_BLOB;
    let txs: usize = input.blocks.iter().map(|b| b.transactions.len()).sum();
    println!(
        "input: {} L2 blocks, {txs} signed EIP-1559 txs, span batch {} bytes brotli'd to {} \
         ({:.2}x), {BLOBS} blobs, sixth frame {:.1}% full (built in {:.1?})",
        input.blocks.len(),
        input.decompressed_len,
        input.channel.len(),
        input.decompressed_len as f64 / input.channel.len() as f64,
        100.0 * sixth as f64 / MAX_FRAME_DATA_PER_BLOB as f64,
        start.elapsed(),
    );

    bench(&mut c, &input);
    c.final_summary();
    if !listing {
        summary(&input, quick);
    }
}
