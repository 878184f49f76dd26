//! The batcher's side of the OP Stack format, as op-batcher posts it: L2 blocks into a span
//! batch, the batch into a compressed channel (brotli or zlib), the channel into frames, and the
//! frames into blobs (OP blob encoding) or calldata. The devnet's batcher and the tests use it;
//! only standard JSON-RPC is spoken.

use std::io::Write;

use alloy::{
    consensus::Typed2718 as _,
    eips::{
        eip2718::Encodable2718,
        eip4844::{Blob, BlobTransactionSidecar, c_kzg},
    },
    network::{TransactionBuilder, TransactionBuilder4844},
    primitives::{Address, B256, Bytes},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use kona_protocol::{ChannelId, Frame, SingleBatch, SpanBatch};

use crate::{
    DaError, Result,
    op::{Compression, OpRollupConfig, blob_codec},
};

/// An L2 block as the batcher reads it: what a batch carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchBlock {
    /// Number.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Timestamp.
    pub timestamp: u64,
    /// Non-deposit transactions, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
}

/// Reads L2 blocks `first..=last` from the L2 node (standard `eth_getBlockByNumber`).
pub async fn read_blocks<P: Provider>(l2: &P, first: u64, last: u64) -> Result<Vec<BatchBlock>> {
    let mut out = Vec::new();
    for number in first..=last {
        let block = l2
            .get_block_by_number(number.into())
            .full()
            .await
            .map_err(|e| DaError::Rpc(crate::redact(&e)))?
            .ok_or(DaError::BlockNotFound(number))?;
        out.push(BatchBlock {
            number,
            hash: block.header.hash,
            parent_hash: block.header.parent_hash,
            timestamp: block.header.timestamp,
            transactions: block
                .transactions
                .txns()
                .filter(|tx| tx.inner.inner().ty() != crate::op::DEPOSIT_TX_TYPE)
                .map(|tx| tx.inner.inner().encoded_2718().into())
                .collect(),
        });
    }
    Ok(out)
}

/// The batch bytes (type byte ‖ body) of a span batch over `blocks`, every block with L1 origin
/// `origin` (number, hash).
pub fn span_batch(
    config: &OpRollupConfig,
    blocks: &[BatchBlock],
    origin: (u64, B256),
) -> Result<Vec<u8>> {
    let mut span = SpanBatch {
        genesis_timestamp: config.genesis_l2_time,
        chain_id: config.chain_id,
        ..Default::default()
    };
    for (i, block) in blocks.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).and_then(|p| blocks.get(p))
            && block.timestamp < prev.timestamp
        {
            return Err(DaError::Config("blocks out of order".into()));
        }
        span.append_singular_batch(single(block, origin), u64::from(i != 0))
            .map_err(|e| DaError::Config(format!("span batch: {e}")))?;
    }
    let raw = span.to_raw_span_batch().map_err(|e| DaError::Config(format!("span batch: {e}")))?;
    let mut out = vec![1u8];
    raw.encode(&mut out).map_err(|e| DaError::Config(format!("span batch: {e}")))?;
    Ok(out)
}

/// The batch bytes of one singular batch for `block`.
pub fn singular_batch(block: &BatchBlock, origin: (u64, B256)) -> Vec<u8> {
    let mut out = vec![0u8];
    alloy_rlp::Encodable::encode(&single(block, origin), &mut out);
    out
}

/// `block` as a batch with L1 origin `origin` (number, hash).
fn single(block: &BatchBlock, origin: (u64, B256)) -> SingleBatch {
    SingleBatch {
        parent_hash: block.parent_hash,
        epoch_num: origin.0,
        epoch_hash: origin.1,
        timestamp: block.timestamp,
        transactions: block.transactions.clone(),
    }
}

/// Channel data: each batch as an RLP byte string, compressed. Brotli channels start with the
/// version byte `0x01` (Fjord).
pub fn compress(batches: &[Vec<u8>], compression: Compression) -> Vec<u8> {
    let mut rlp = Vec::new();
    for batch in batches {
        alloy_rlp::Encodable::encode(batch.as_slice(), &mut rlp);
    }
    match compression {
        Compression::Zlib => miniz_oxide::deflate::compress_to_vec_zlib(&rlp, 9),
        Compression::Brotli => {
            let mut out = vec![1u8];
            {
                let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
                // Writing to a Vec cannot fail.
                let _ = writer.write_all(&rlp);
            }
            out
        }
    }
}

/// Splits channel data into frames of at most `max_frame_data` bytes each.
pub fn frames(id: ChannelId, data: &[u8], max_frame_data: usize) -> Vec<Frame> {
    let chunks: Vec<&[u8]> = data.chunks(max_frame_data.max(1)).collect();
    let count = chunks.len().max(1);
    if chunks.is_empty() {
        return vec![Frame::new(id, 0, Vec::new(), true)];
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            Frame::new(id, u16::try_from(i).unwrap_or(u16::MAX), chunk.to_vec(), i + 1 == count)
        })
        .collect()
}

/// One batcher data item: the derivation version byte (0) and the frames.
pub fn data_item(frames: &[Frame]) -> Vec<u8> {
    let mut out = vec![0u8];
    for frame in frames {
        out.extend_from_slice(&frame.encode());
    }
    out
}

/// Frame data that fits one blob with one frame in it.
pub const MAX_FRAME_DATA_PER_BLOB: usize = blob_codec::MAX_BLOB_DATA_SIZE - 1 - 23;

/// Encodes data items as blobs, one item per blob.
pub fn blobs(items: &[Vec<u8>]) -> Result<Vec<Vec<u8>>> {
    items
        .iter()
        .map(|item| blob_codec::encode(item).map_err(|e| DaError::InvalidBlob(e.to_string())))
        .collect()
}

/// Sends `data` as calldata to `inbox` from the provider's signer and waits for the receipt.
pub async fn post_calldata<P: Provider>(
    provider: &P,
    inbox: Address,
    data: Vec<u8>,
) -> Result<TransactionReceipt> {
    let tx = TransactionRequest::default().with_to(inbox).with_input(data);
    send(provider, tx).await
}

/// Sends `blobs` (already OP-encoded) in one type-3 transaction to `inbox` and waits for the
/// receipt.
pub async fn post_blobs<P: Provider>(
    provider: &P,
    inbox: Address,
    blobs: &[Vec<u8>],
) -> Result<TransactionReceipt> {
    let mut heap = Vec::new();
    heap.resize(blobs.len(), Blob::ZERO);
    for (blob, bytes) in heap.iter_mut().zip(blobs) {
        if bytes.len() != blob.len() {
            return Err(DaError::InvalidBlob(format!("{} bytes", bytes.len())));
        }
        blob.copy_from_slice(bytes);
    }
    // Proofs need the precomputed tables (a batcher is not in a hurry at start-up).
    let sidecar = tokio::task::spawn_blocking(move || {
        BlobTransactionSidecar::try_from_blobs_with_settings(heap, c_kzg::ethereum_kzg_settings(0))
    })
    .await
    .map_err(|e| DaError::InvalidBlob(format!("KZG task failed: {e}")))?
    .map_err(|e| DaError::InvalidBlob(e.to_string()))?;
    let blob_fee =
        provider.get_blob_base_fee().await.map_err(|e| DaError::Rpc(crate::redact(&e)))?;
    let tx = TransactionRequest::default()
        .with_to(inbox)
        .with_blob_sidecar(sidecar)
        .with_max_fee_per_blob_gas(blob_fee.saturating_mul(2).max(1));
    send(provider, tx).await
}

async fn send<P: Provider>(provider: &P, tx: TransactionRequest) -> Result<TransactionReceipt> {
    provider
        .send_transaction(tx)
        .await
        .map_err(|e| DaError::Rpc(crate::redact(&e)))?
        .get_receipt()
        .await
        .map_err(|e| DaError::Rpc(crate::redact(&e)))
}

/// How [`post_channel`] carries a channel to L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// One blob transaction per frame (each frame fits one blob).
    Blobs,
    /// One calldata transaction per frame.
    Calldata,
}

/// A channel posted by [`post_channel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedChannel {
    /// Its transactions, in L1 order, with their L1 blocks.
    pub receipts: Vec<TransactionReceipt>,
    /// The L1 block of its last frame (the checkpoint's `l1Block`).
    pub l1_block: u64,
    /// The blobs' versioned hashes in L1 order (empty for calldata).
    pub versioned_hashes: Vec<B256>,
    /// The `daCommitment` operators sign for it.
    pub da_commitment: B256,
}

/// Reads L2 blocks `first..=last`, builds one span batch with L1 origin `origin`, compresses it
/// into a channel `id`, splits it into `frames` frames and posts each frame in its own
/// transaction, waiting for each receipt: what op-batcher does, in one call (tests and the
/// devnet use it).
#[allow(clippy::too_many_arguments)]
pub async fn post_channel<L1: Provider, L2: Provider>(
    l1: &L1,
    l2: &L2,
    config: &OpRollupConfig,
    (first, last): (u64, u64),
    origin: (u64, B256),
    id: ChannelId,
    compression: Compression,
    frame_count: usize,
    carry: Carry,
) -> Result<PostedChannel> {
    let blocks = read_blocks(l2, first, last).await?;
    let data = compress(&[span_batch(config, &blocks, origin)?], compression);
    let max_frame = data.len().div_ceil(frame_count.max(1)).clamp(1, MAX_FRAME_DATA_PER_BLOB);
    let mut receipts = Vec::new();
    let mut versioned_hashes = Vec::new();
    for frame in frames(id, &data, max_frame) {
        let item = data_item(std::slice::from_ref(&frame));
        let receipt = match carry {
            Carry::Calldata => post_calldata(l1, config.batch_inbox, item).await?,
            Carry::Blobs => {
                let encoded = blobs(&[item])?;
                for blob in
                    crate::recompute(encoded.iter().map(|b| Bytes::from(b.clone())).collect())?
                {
                    versioned_hashes.push(blob.versioned_hash);
                }
                post_blobs(l1, config.batch_inbox, &encoded).await?
            }
        };
        receipts.push(receipt);
    }
    let items: Vec<B256> = if versioned_hashes.is_empty() {
        receipts.iter().map(|r| r.transaction_hash).collect()
    } else {
        versioned_hashes.clone()
    };
    Ok(PostedChannel {
        l1_block: receipts.last().and_then(|r| r.block_number).unwrap_or_default(),
        receipts,
        da_commitment: vigil_types::da_commitment(&items),
        versioned_hashes,
    })
}
