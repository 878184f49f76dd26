//! A rollup's batcher (one per rollup, each with its own account, inbox and progress file),
//! posting what an OP Stack batcher posts: span batches in compressed
//! channels, as frames in blobs (OP blob encoding) or in calldata, from the batcher account to
//! the batch inbox. Channels rotate through the shapes real networks see: a brotli channel in
//! one blob, a brotli channel whose two frames travel in two blob transactions (two L1 blocks),
//! and a zlib channel in calldata. It also sends a little L2 traffic so blocks carry
//! transactions.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use serde::{Deserialize, Serialize};
use tracing::warn;
use vigil_da::op::{
    Compression, OpRollupConfig,
    batcher::{self, MAX_FRAME_DATA_PER_BLOB},
};

use crate::{Error, Result, setup::write_file};

/// Most L2 blocks in one channel.
pub const MAX_BLOCKS_PER_CHANNEL: u64 = 8;

/// How a channel was carried to L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Brotli, one frame in one blob.
    BrotliBlob,
    /// Brotli, two frames in two blob transactions in two L1 blocks.
    BrotliTwoBlobTxs,
    /// zlib, one frame in calldata.
    ZlibCalldata,
}

impl Shape {
    /// The shape of the `n`-th channel.
    pub fn nth(n: usize) -> Self {
        match n % 3 {
            0 => Self::BrotliBlob,
            1 => Self::BrotliTwoBlobTxs,
            _ => Self::ZlibCalldata,
        }
    }

    /// For the live table.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BrotliBlob => "brotli span batch, 1 blob",
            Self::BrotliTwoBlobTxs => "brotli span batch, 2 blob txs",
            Self::ZlibCalldata => "zlib span batch, calldata",
        }
    }
}

/// One channel posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Posted {
    /// First L2 height in it.
    pub first: u64,
    /// Last L2 height in it: the height operators attest.
    pub last: u64,
    /// The L1 block that carried its last frame (the checkpoint's `l1Block`).
    pub l1_block: u64,
    /// How it was carried.
    pub shape: Shape,
    /// Its transactions, in L1 order.
    pub txs: Vec<B256>,
    /// The versioned hashes of its blobs, in L1 order (empty for calldata).
    pub versioned_hashes: Vec<B256>,
    /// The `daCommitment` operators must sign for it.
    pub da_commitment: B256,
}

/// A batcher's progress, kept in the state directory ([`crate::layout::Layout::batcher_state_of`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Highest L2 height posted to L1.
    pub posted: u64,
    /// Every channel posted, in order.
    #[serde(default)]
    pub channels: Vec<Posted>,
    /// Channels (first, last) to post again before any new one (see
    /// [`Progress::requeue_uncertified`]).
    #[serde(default)]
    pub repost: Vec<(u64, u64)>,
    /// Earlier postings of channels that were posted again: a certificate for one of them may
    /// still land (from signatures gathered before a restart) and is as valid.
    #[serde(default)]
    pub superseded: Vec<Posted>,
}

impl Progress {
    /// Reads the progress file at `path` (none: nothing posted yet).
    pub fn read(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| Error::State { path, reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::Io { path, source: e }),
        }
    }

    /// Writes the progress file at `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string(self)
            .map_err(|e| Error::State { path: path.to_path_buf(), reason: e.to_string() })?;
        write_file(path, &json)
    }

    /// Moves every channel whose final block `certified` says is not certified to the repost
    /// queue, keeping its boundaries; returns what was queued.
    pub fn requeue_uncertified(&mut self, certified: impl Fn(u64) -> bool) -> Vec<(u64, u64)> {
        let mut queued = Vec::new();
        let mut superseded = Vec::new();
        self.channels.retain(|c| {
            let keep = certified(c.last);
            if !keep {
                queued.push((c.first, c.last));
                superseded.push(c.clone());
            }
            keep
        });
        self.superseded.extend(superseded);
        self.repost.extend(queued.iter().copied());
        queued
    }
}

/// Posts L2 blocks up to the L2's `safe` head, a channel at a time.
#[derive(Debug)]
pub struct Batcher {
    /// L1, signing as the batcher account.
    pub l1: DynProvider,
    /// L2, signing as an L2 dev account (for traffic).
    pub l2: DynProvider,
    /// The rollup's configuration (chain id, inbox, genesis, block time).
    pub config: OpRollupConfig,
    /// Its progress file.
    pub state: PathBuf,
}

fn chain(what: &'static str) -> impl Fn(vigil_da::DaError) -> Error {
    move |e| Error::Check(format!("batcher: {what}: {e}"))
}

impl Batcher {
    /// Sends one small L2 transfer (traffic for the next block).
    pub async fn traffic(&self) {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(0x42))
            .with_value(U256::from(1u64));
        if let Err(e) = self.l2.send_transaction(tx).await {
            warn!(target: "vigil::devnet::batcher", error = %e, "L2 traffic transaction failed");
        }
    }

    /// Posts the next channel, if the L2's safe head moved past what was posted.
    pub async fn step(&self) -> Result<Option<Posted>> {
        let mut progress = Progress::read(&self.state)?;
        let safe = self
            .l2
            .get_block_by_number(BlockNumberOrTag::Safe)
            .await
            .map_err(Error::chain("L2 safe head"))?
            .map_or(0, |b| b.header.number);
        let repost = progress.repost.first().copied();
        let (first, last) = match repost {
            Some(range) => range,
            None if safe <= progress.posted => return Ok(None),
            None => (
                progress.posted.saturating_add(1),
                safe.min(progress.posted.saturating_add(MAX_BLOCKS_PER_CHANNEL)),
            ),
        };
        let blocks =
            batcher::read_blocks(&self.l2, first, last).await.map_err(chain("read L2 blocks"))?;
        // The L1 origin: the L1 head now (epochs never go backwards, as the head does not).
        let origin = self
            .l1
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(Error::chain("L1 head"))?
            .ok_or_else(|| Error::Check("L1 has no head".into()))?;
        let origin = (origin.header.number, origin.header.hash);
        let shape = Shape::nth(progress.channels.len());
        let compression = match shape {
            Shape::ZlibCalldata => Compression::Zlib,
            Shape::BrotliBlob | Shape::BrotliTwoBlobTxs => Compression::Brotli,
        };
        let batch = batcher::span_batch(&self.config, &blocks, origin)
            .map_err(chain("build a span batch"))?;
        let data = batcher::compress(&[batch], compression);
        let id = channel_id(self.config.chain_id, first, last, progress.channels.len());
        let max_frame = match shape {
            Shape::BrotliTwoBlobTxs => data.len().div_ceil(2).max(1),
            _ => MAX_FRAME_DATA_PER_BLOB,
        };
        let frames = batcher::frames(id, &data, max_frame);
        let mut txs = Vec::new();
        let mut versioned_hashes = Vec::new();
        let mut l1_block = 0;
        for frame in &frames {
            let item = batcher::data_item(std::slice::from_ref(frame));
            let receipt = match shape {
                Shape::ZlibCalldata => {
                    batcher::post_calldata(&self.l1, self.config.batch_inbox, item)
                        .await
                        .map_err(chain("post calldata"))?
                }
                Shape::BrotliBlob | Shape::BrotliTwoBlobTxs => {
                    let blobs = batcher::blobs(&[item]).map_err(chain("encode a blob"))?;
                    let receipt = batcher::post_blobs(&self.l1, self.config.batch_inbox, &blobs)
                        .await
                        .map_err(chain("post blobs"))?;
                    let tx = self
                        .l1
                        .get_transaction_by_hash(receipt.transaction_hash)
                        .await
                        .map_err(Error::chain("read the blob transaction"))?
                        .ok_or_else(|| Error::Check("blob transaction vanished".into()))?;
                    use alloy::consensus::Transaction as _;
                    versioned_hashes.extend(
                        tx.inner.blob_versioned_hashes().unwrap_or_default().iter().copied(),
                    );
                    receipt
                }
            };
            if !receipt.status() {
                return Err(Error::Check(format!(
                    "batcher transaction {} reverted",
                    receipt.transaction_hash
                )));
            }
            txs.push(receipt.transaction_hash);
            l1_block = receipt.block_number.unwrap_or_default();
        }
        let items =
            if versioned_hashes.is_empty() { txs.clone() } else { versioned_hashes.clone() };
        let posted = Posted {
            first,
            last,
            l1_block,
            shape,
            txs,
            versioned_hashes,
            da_commitment: vigil_types::da_commitment(&items),
        };
        if repost.is_some() {
            progress.repost.remove(0);
        } else {
            progress.posted = last;
        }
        progress.channels.push(posted.clone());
        progress.write(&self.state)?;
        Ok(Some(posted))
    }
}

/// A channel id unique to this channel: 16 bytes of a hash of what it carries.
fn channel_id(rollup: u64, first: u64, last: u64, n: usize) -> [u8; 16] {
    let mut seed = Vec::new();
    for v in [rollup, first, last, n as u64] {
        seed.extend_from_slice(&v.to_be_bytes());
    }
    let hash = keccak256(&seed);
    let mut id = [0u8; 16];
    id.copy_from_slice(hash.get(..16).unwrap_or(&[0u8; 16]));
    id
}

/// How often the batcher looks for new safe L2 blocks.
pub const INTERVAL: Duration = Duration::from_secs(2);
