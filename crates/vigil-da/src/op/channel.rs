//! A complete channel to the L2 blocks it commits to: decompression (zlib or brotli), batches
//! (singular or span), and each block's timestamp, L1 origin and transactions.

use alloy::primitives::{B256, FixedBytes, keccak256};
use alloy_rlp::Decodable;
use kona_protocol::{RawSpanBatch, SingleBatch};
use serde::Serialize;
use vigil_types::da_commitment;

use crate::op::{
    OpRollupConfig, Refusal,
    config::MAX_RLP_BYTES_PER_CHANNEL,
    frames::{Carrier, RawChannel, hex_id},
};

/// How a channel's data was compressed (the first byte of the channel data says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// zlib (RFC 1950), the original format: the first byte's low nibble is 8 or 15.
    Zlib,
    /// Fjord's brotli: the byte `0x01`, then a brotli stream.
    Brotli,
}

/// The kind of one batch in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchKind {
    /// One block (`SingleBatch`).
    Singular,
    /// A span of blocks (`SpanBatch`).
    Span,
}

/// One batch of a channel, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    /// Singular or span.
    pub kind: BatchKind,
    /// First L2 block number.
    pub first: u64,
    /// Last L2 block number.
    pub last: u64,
    /// Transactions across its blocks.
    pub txs: usize,
}

/// How a block's parent is pinned by the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParentCheck {
    /// A singular batch names the parent's full hash.
    Hash(B256),
    /// A span batch names the first 20 bytes of its first block's parent hash.
    Prefix(FixedBytes<20>),
}

/// An L2 block as L1 data says it must be. The L2 node's block is compared with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedBlock {
    /// The L2 block number (from the timestamp and the rollup's genesis).
    pub number: u64,
    /// The block's timestamp.
    pub timestamp: u64,
    /// The L1 origin's number (the epoch).
    pub epoch_num: u64,
    /// The L1 origin's hash, where the batch names it in full (singular batches).
    pub epoch_hash: Option<B256>,
    /// The first 20 bytes of the L1 origin's hash (a span batch's last block).
    pub origin_prefix: Option<FixedBytes<20>>,
    /// What the batch says about the parent, if anything (first block of a span; every
    /// singular batch).
    pub parent: Option<ParentCheck>,
    /// Hashes of the block's non-deposit transactions, in order (keccak256 of each EIP-2718
    /// encoding the batch carries).
    pub tx_hashes: Vec<B256>,
}

/// A channel decoded to its L2 blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedChannel {
    /// The channel id (`0x`-hex).
    pub id: String,
    /// The L1 block whose frame 0 opened it.
    pub opened_l1: u64,
    /// The L1 block that completed it: the checkpoint's `l1Block`.
    pub l1_block: u64,
    /// The transactions that carried its frames, in L1 order.
    pub carriers: Vec<Carrier>,
    /// Frames in the channel.
    pub frames: usize,
    /// Compressed bytes.
    pub compressed_len: usize,
    /// Decompressed bytes.
    pub decompressed_len: usize,
    /// The compression.
    pub compression: Compression,
    /// Its batches, in order.
    pub batches: Vec<BatchSummary>,
    /// Every L2 block it commits to, in order, contiguous.
    pub blocks: Vec<ExpectedBlock>,
    /// `keccak256(abi.encodePacked(items))` over every carrier's
    /// [`Carrier::commitment_items`] in L1 order: the checkpoint's `daCommitment`.
    pub da_commitment: B256,
}

impl DecodedChannel {
    /// The first and last L2 block numbers.
    pub fn range(&self) -> Option<(u64, u64)> {
        Some((self.blocks.first()?.number, self.blocks.last()?.number))
    }

    /// Total transactions across its blocks.
    pub fn tx_count(&self) -> usize {
        self.blocks.iter().map(|b| b.tx_hashes.len()).sum()
    }

    /// Whether any carrier was a blob transaction.
    pub fn in_blobs(&self) -> bool {
        self.carriers.iter().any(|c| !c.versioned_hashes.is_empty())
    }
}

/// A channel's data, decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decompressed {
    /// The compression used.
    pub compression: Compression,
    /// The bytes inflated.
    pub data: Vec<u8>,
    /// Whether the compressed stream was complete. Real batchers often end a channel without
    /// closing the stream (op-batcher flushes it); op-node reads the batches inflated so far, and
    /// so does Vigil, as long as no batch is cut.
    pub complete: bool,
}

/// Decompresses a channel's data, with `limit` as the most bytes it may inflate to. A stream
/// that ends early is not an error here (see [`Decompressed::complete`]); a corrupt one is.
pub fn decompress(data: &[u8], limit: usize) -> Result<Decompressed, DecompressError> {
    let first = *data.first().ok_or(DecompressError::Truncated)?;
    if first & 0x0f == 8 || first & 0x0f == 15 {
        let (data, complete) = inflate_zlib(data, limit)?;
        return Ok(Decompressed { compression: Compression::Zlib, data, complete });
    }
    if first == 1 {
        let (data, complete) = inflate_brotli(data.get(1..).unwrap_or_default(), limit)?;
        return Ok(Decompressed { compression: Compression::Brotli, data, complete });
    }
    Err(DecompressError::UnknownVersion(first))
}

/// Inflates a brotli stream, keeping what was inflated when the stream ends early. The
/// streaming decoder is driven directly: brotli's `Read` adapter reports a stream that ends
/// early as `InvalidData`, the same as a corrupt one.
fn inflate_brotli(stream: &[u8], limit: usize) -> Result<(Vec<u8>, bool), DecompressError> {
    use brotli::{BrotliDecompressStream, BrotliResult, BrotliState, enc::StandardAlloc};
    let alloc = StandardAlloc::default;
    let mut state = BrotliState::new(alloc(), alloc(), alloc());
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 4096];
    let (mut available_in, mut in_pos, mut total_out) = (stream.len(), 0usize, 0usize);
    loop {
        let (mut available_out, mut out_pos) = (chunk.len(), 0usize);
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut in_pos,
            stream,
            &mut available_out,
            &mut out_pos,
            &mut chunk,
            &mut total_out,
            &mut state,
        );
        out.extend_from_slice(chunk.get(..out_pos).unwrap_or_default());
        if out.len() > limit {
            return Err(DecompressError::TooLarge);
        }
        match result {
            BrotliResult::ResultSuccess => return Ok((out, true)),
            BrotliResult::NeedsMoreOutput => {}
            // Every input byte was consumed: the stream ends early.
            BrotliResult::NeedsMoreInput => return Ok((out, false)),
            BrotliResult::ResultFailure => {
                return Err(DecompressError::Corrupt(format!("brotli: {:?}", state.error_code)));
            }
        }
    }
}

/// Inflates a zlib stream, keeping what was inflated when the stream ends early (miniz's
/// one-shot helper returns its whole scratch buffer then, so the loop is written out).
fn inflate_zlib(data: &[u8], limit: usize) -> Result<(Vec<u8>, bool), DecompressError> {
    use miniz_oxide::inflate::{
        TINFLStatus,
        core::{DecompressorOxide, decompress, inflate_flags},
    };
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut state = DecompressorOxide::new();
    let mut out = vec![0u8; data.len().saturating_mul(2).clamp(4096, limit.max(4096))];
    let (mut in_pos, mut out_pos) = (0usize, 0usize);
    loop {
        let input = data.get(in_pos..).unwrap_or_default();
        let (status, read, written) = decompress(&mut state, input, &mut out, out_pos, flags);
        in_pos = in_pos.saturating_add(read);
        out_pos = out_pos.saturating_add(written);
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput => {
                if out.len() >= limit {
                    return Err(DecompressError::TooLarge);
                }
                let grown = out.len().saturating_mul(2).min(limit);
                out.resize(grown, 0);
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                out.truncate(out_pos);
                return Ok((out, false));
            }
            status => return Err(DecompressError::Corrupt(format!("zlib: {status:?}"))),
        }
    }
    out.truncate(out_pos);
    Ok((out, true))
}

/// Why a channel's data does not decompress.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecompressError {
    /// The stream ends before it is complete.
    #[error("stream ends early")]
    Truncated,
    /// The stream is not valid zlib/brotli.
    #[error("{0}")]
    Corrupt(String),
    /// It inflates past the per-channel limit.
    #[error("inflates past the per-channel limit")]
    TooLarge,
    /// The first byte names no known compression.
    #[error("unknown channel version byte {0:#04x}")]
    UnknownVersion(u8),
}

/// Decodes a complete channel into the L2 blocks it commits to. Never panics, whatever the
/// bytes (the third-party batch decoder runs under `catch_unwind` as a last guard).
pub fn decode_channel(
    raw: &RawChannel,
    config: &OpRollupConfig,
) -> Result<DecodedChannel, Refusal> {
    let channel = hex_id(&raw.id);
    let Decompressed { compression, data, complete } =
        decompress(&raw.data, MAX_RLP_BYTES_PER_CHANNEL).map_err(|e| match e {
            DecompressError::Truncated => Refusal::TruncatedChannel { channel: channel.clone() },
            DecompressError::UnknownVersion(version) => {
                Refusal::UnknownCompression { channel: channel.clone(), version }
            }
            DecompressError::TooLarge => Refusal::ChannelTooLarge { channel: channel.clone() },
            DecompressError::Corrupt(reason) => {
                Refusal::CorruptCompression { channel: channel.clone(), reason }
            }
        })?;
    let bad = |reason: String| Refusal::BadBatch { channel: channel.clone(), reason };
    let decoded = std::panic::catch_unwind(|| batches(&data, config))
        .map_err(|_| bad("the batch decoder failed on malformed input".into()))?;
    let (batches, blocks) = match decoded {
        Ok(decoded) => decoded,
        // The stream stopped inside a batch: the batcher's data is cut short.
        Err(BatchesError::Cut) if !complete => {
            return Err(Refusal::TruncatedChannel { channel: channel.clone() });
        }
        Err(BatchesError::Cut) => return Err(bad("a batch is cut short".into())),
        Err(BatchesError::Invalid(reason)) => return Err(bad(reason)),
    };
    if blocks.is_empty() {
        // A stream that stopped before its first batch is cut short, not empty.
        if !complete {
            return Err(Refusal::TruncatedChannel { channel: channel.clone() });
        }
        return Err(bad("no blocks".into()));
    }
    for pair in blocks.windows(2) {
        if let [a, b] = pair
            && b.number != a.number.saturating_add(1)
        {
            return Err(bad(format!("blocks {} and {} are not consecutive", a.number, b.number)));
        }
    }
    let items: Vec<B256> = raw.carriers.iter().flat_map(Carrier::commitment_items).collect();
    Ok(DecodedChannel {
        id: channel,
        opened_l1: raw.opened_l1,
        l1_block: raw.completed_l1,
        carriers: raw.carriers.clone(),
        frames: raw.frames,
        compressed_len: raw.data.len(),
        decompressed_len: data.len(),
        compression,
        batches,
        blocks,
        da_commitment: da_commitment(&items),
    })
}

type Decoded = (Vec<BatchSummary>, Vec<ExpectedBlock>);

enum BatchesError {
    /// The data ends inside a batch.
    Cut,
    /// A batch is invalid.
    Invalid(String),
}

impl From<String> for BatchesError {
    fn from(reason: String) -> Self {
        Self::Invalid(reason)
    }
}

impl From<&str> for BatchesError {
    fn from(reason: &str) -> Self {
        Self::Invalid(reason.to_owned())
    }
}

/// The batches of decompressed channel data: a sequence of RLP strings, each a batch type byte
/// and the batch.
fn batches(mut data: &[u8], config: &OpRollupConfig) -> Result<Decoded, BatchesError> {
    let mut summaries = Vec::new();
    let mut blocks = Vec::new();
    while !data.is_empty() {
        let item = alloy_rlp::Header::decode_bytes(&mut data, false).map_err(|e| match e {
            alloy_rlp::Error::InputTooShort => BatchesError::Cut,
            e => BatchesError::Invalid(format!("batch {}: {e}", summaries.len())),
        })?;
        let (kind, mut body) = item.split_first().ok_or("empty batch")?;
        let new_blocks = match kind {
            0 => {
                let single =
                    SingleBatch::decode(&mut body).map_err(|e| format!("singular: {e}"))?;
                vec![single_block(&single, config)?]
            }
            1 => {
                let raw = RawSpanBatch::decode(&mut body).map_err(|e| format!("span: {e}"))?;
                span_blocks(&raw, config)?
            }
            other => return Err(format!("unknown batch type {other}").into()),
        };
        let (Some(first), Some(last)) = (new_blocks.first(), new_blocks.last()) else {
            return Err(BatchesError::Invalid("a batch without blocks".into()));
        };
        summaries.push(BatchSummary {
            kind: if *kind == 0 { BatchKind::Singular } else { BatchKind::Span },
            first: first.number,
            last: last.number,
            txs: new_blocks.iter().map(|b| b.tx_hashes.len()).sum(),
        });
        blocks.extend(new_blocks);
    }
    Ok((summaries, blocks))
}

fn number_at(config: &OpRollupConfig, timestamp: u64) -> Result<u64, String> {
    config
        .block_number_at(timestamp)
        .ok_or_else(|| format!("timestamp {timestamp} is not an L2 block time of {}", config.name))
}

fn single_block(batch: &SingleBatch, config: &OpRollupConfig) -> Result<ExpectedBlock, String> {
    Ok(ExpectedBlock {
        number: number_at(config, batch.timestamp)?,
        timestamp: batch.timestamp,
        epoch_num: batch.epoch_num,
        epoch_hash: Some(batch.epoch_hash),
        origin_prefix: None,
        parent: Some(ParentCheck::Hash(batch.parent_hash)),
        tx_hashes: batch.transactions.iter().map(keccak256).collect(),
    })
}

fn span_blocks(raw: &RawSpanBatch, config: &OpRollupConfig) -> Result<Vec<ExpectedBlock>, String> {
    let count = usize::try_from(raw.payload.block_count).map_err(|e| e.to_string())?;
    if count == 0 || raw.payload.block_tx_counts.len() != count {
        return Err(format!(
            "span batch of {count} blocks has {} tx counts",
            raw.payload.block_tx_counts.len()
        ));
    }
    // L1 origins, walking back from the last block's: a set origin bit at i > 0 means block i
    // starts a new epoch.
    let mut origins = vec![0u64; count];
    let mut origin = raw.prefix.l1_origin_num;
    for i in (0..count).rev() {
        if let Some(slot) = origins.get_mut(i) {
            *slot = origin;
        }
        let bit = raw.payload.origin_bits.get_bit(i).ok_or("origin bits too short")?;
        if bit == 1 && i > 0 {
            origin = origin.checked_sub(1).ok_or("L1 origin below zero")?;
        }
    }
    let txs = raw.payload.txs.full_txs(config.chain_id).map_err(|e| format!("span txs: {e}"))?;
    let total: u64 = raw
        .payload
        .block_tx_counts
        .iter()
        .try_fold(0u64, |a, n| a.checked_add(*n))
        .ok_or("tx count overflow")?;
    if u64::try_from(txs.len()).ok() != Some(total) {
        return Err(format!("span batch declares {total} transactions and carries {}", txs.len()));
    }
    let start =
        config.genesis_l2_time.checked_add(raw.prefix.rel_timestamp).ok_or("timestamp overflow")?;
    let mut txs = txs.iter();
    let mut out = Vec::with_capacity(count);
    for (i, (n, epoch_num)) in raw.payload.block_tx_counts.iter().zip(origins).enumerate() {
        let offset = u64::try_from(i).ok().and_then(|i| i.checked_mul(config.block_time));
        let timestamp = offset.and_then(|o| start.checked_add(o)).ok_or("timestamp overflow")?;
        let tx_hashes: Vec<B256> =
            txs.by_ref().take(usize::try_from(*n).unwrap_or(usize::MAX)).map(keccak256).collect();
        out.push(ExpectedBlock {
            number: number_at(config, timestamp)?,
            timestamp,
            epoch_num,
            epoch_hash: None,
            origin_prefix: (i + 1 == count).then_some(raw.prefix.l1_origin_check),
            parent: (i == 0).then_some(ParentCheck::Prefix(raw.prefix.parent_check)),
            tx_hashes,
        });
    }
    Ok(out)
}
