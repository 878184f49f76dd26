//! L1 blocks to completed channels: batcher transactions found by sender and inbox, their data
//! read from calldata or from blobs (standard beacon API, KZG recomputed, OP blob decoding).

use alloy::{
    consensus::{Transaction as _, Typed2718 as _},
    primitives::B256,
    providers::Provider,
    rpc::types::{Block, Header},
};

use crate::{
    BeaconClient, DaError, L1BlockRef, Result,
    op::{
        Assembled, Carrier, ChannelAssembler, DecodedChannel, OpRollupConfig, Refusal, blob_codec,
        decode_channel, parse_frames,
    },
};

/// One batcher transaction's data, ready for frame parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatcherData {
    /// The transaction and where it landed.
    pub carrier: Carrier,
    /// Its data items: the calldata, or each blob decoded, in order. Each starts with the
    /// derivation version byte.
    pub items: Vec<Vec<u8>>,
}

/// What one L1 block yielded.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Channels completed in this block, decoded.
    pub channels: Vec<DecodedChannel>,
    /// Data refused in this block (and channels that timed out at it).
    pub refusals: Vec<Refusal>,
    /// Batcher transactions accepted in this block.
    pub batcher_txs: usize,
    /// The hash of the block scanned (the one whose transactions these are).
    pub hash: B256,
    /// Its parent's hash: a caller that remembers the hash of the block it scanned before
    /// notices an L1 reorg when the two differ.
    pub parent_hash: B256,
}

/// A batcher transaction found in a block, before its blobs are fetched.
#[derive(Debug, Clone)]
struct Found {
    carrier: Carrier,
    calldata: Option<Vec<u8>>,
}

/// The batcher transactions of `block` (sent to the inbox by the batcher) and the refusals of
/// transactions to the inbox from anyone else.
fn find(block: &Block, config: &OpRollupConfig) -> (Vec<Found>, Vec<Refusal>) {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for tx in block.transactions.txns() {
        let envelope = tx.inner.inner();
        if envelope.to() != Some(config.batch_inbox) {
            continue;
        }
        let hash = *envelope.tx_hash();
        let from = tx.inner.signer();
        if from != config.batcher {
            refused.push(Refusal::WrongSender { tx: hash, from });
            continue;
        }
        let versioned_hashes = envelope.blob_versioned_hashes().unwrap_or_default().to_vec();
        // A blob transaction's data is its blobs; its calldata is ignored (as op-node does).
        let calldata = (envelope.ty() != 3).then(|| envelope.input().to_vec());
        found.push(Found {
            carrier: Carrier { tx_hash: hash, l1_block: block.header.number, versioned_hashes },
            calldata,
        });
    }
    (found, refused)
}

/// Reads the batcher data of one L1 block: calldata as it is, blobs from the beacon API
/// (commitments recomputed, then OP-decoded). A blob that is not served or does not match is a
/// refusal of that transaction; an endpoint failure is a retryable error. Returns the block's
/// header with its data.
pub async fn batcher_data_in_block<P: Provider>(
    l1: &P,
    beacon: Option<&BeaconClient>,
    config: &OpRollupConfig,
    number: u64,
) -> Result<(Header, Vec<BatcherData>, Vec<Refusal>)> {
    let block = l1
        .get_block_by_number(number.into())
        .full()
        .await
        .map_err(|e| DaError::Rpc(crate::redact(&e)))?
        .ok_or(DaError::BlockNotFound(number))?;
    let (found, mut refusals) = find(&block, config);
    let reference = L1BlockRef {
        number,
        hash: block.header.hash,
        timestamp: block.header.timestamp,
        child_parent_beacon_root: None,
    };
    let mut out = Vec::with_capacity(found.len());
    for f in found {
        if let Some(calldata) = f.calldata {
            out.push(BatcherData { carrier: f.carrier, items: vec![calldata] });
            continue;
        }
        let tx = f.carrier.tx_hash;
        let Some(beacon) = beacon else {
            refusals
                .push(Refusal::BlobUnavailable { tx, reason: "no beacon API configured".into() });
            continue;
        };
        let blobs = match beacon.blobs(&reference, tx, &f.carrier.versioned_hashes).await {
            Ok(blobs) => blobs,
            Err(e) if e.is_retryable() => return Err(e),
            Err(e @ DaError::BlobsPruned { .. }) => return Err(e),
            Err(e) => {
                refusals.push(Refusal::BlobUnavailable { tx, reason: e.to_string() });
                continue;
            }
        };
        let mut items = Vec::with_capacity(blobs.len());
        let mut bad = None;
        for (index, blob) in blobs.iter().enumerate() {
            match blob_codec::decode(&blob.data) {
                Ok(data) => items.push(data),
                Err(e) => {
                    bad = Some(Refusal::BadBlobEncoding { tx, index, reason: e.to_string() });
                    break;
                }
            }
        }
        match bad {
            Some(refusal) => refusals.push(refusal),
            None => out.push(BatcherData { carrier: f.carrier, items }),
        }
    }
    Ok((block.header, out, refusals))
}

/// Feeds batcher data through an assembler and decodes what completes. Synchronous: the
/// caller fetched everything first, so a failed fetch never leaves a block half-applied.
pub fn assemble(
    assembler: &mut ChannelAssembler,
    config: &OpRollupConfig,
    l1_block: u64,
    l1_timestamp: u64,
    data: Vec<BatcherData>,
) -> (Vec<DecodedChannel>, Vec<Refusal>) {
    let mut channels = Vec::new();
    let mut refusals = Vec::new();
    if let Some(timed_out) = assembler.expire(l1_block, config.channel_timeout(l1_timestamp)) {
        refusals.push(timed_out);
    }
    for d in data {
        for item in &d.items {
            let frames = match parse_frames(item, d.carrier.tx_hash) {
                Ok(frames) => frames,
                Err(refusal) => {
                    refusals.push(refusal);
                    continue;
                }
            };
            for event in assembler.push(&d.carrier, frames) {
                match event {
                    Assembled::Channel(raw) => match decode_channel(&raw, config) {
                        Ok(channel) => channels.push(channel),
                        Err(refusal) => refusals.push(refusal),
                    },
                    Assembled::Refused(refusal) => refusals.push(refusal),
                }
            }
        }
    }
    (channels, refusals)
}

/// An OP Stack rollup's batches, block by block: the adapter's L1 side.
#[derive(Debug)]
pub struct OpStackSource<P> {
    l1: P,
    beacon: Option<BeaconClient>,
    config: OpRollupConfig,
    assembler: ChannelAssembler,
}

impl<P: Provider> OpStackSource<P> {
    /// Reads L1 through `l1` and blobs through `beacon` (without one, blob batches are refused
    /// and only calldata batches are read).
    pub fn new(l1: P, beacon: Option<BeaconClient>, config: OpRollupConfig) -> Self {
        Self { l1, beacon, config, assembler: ChannelAssembler::new() }
    }

    /// The rollup's configuration.
    pub fn config(&self) -> &OpRollupConfig {
        &self.config
    }

    /// Scans L1 block `number`. Blocks must be scanned in order, each once (after an L1 reorg,
    /// [`Self::reset`] first); on an error nothing of the block was applied and the same block
    /// may be scanned again.
    pub async fn scan(&mut self, number: u64) -> Result<ScanOutcome> {
        let (header, data, mut refusals) =
            batcher_data_in_block(&self.l1, self.beacon.as_ref(), &self.config, number).await?;
        let batcher_txs = data.len();
        let (channels, more) =
            assemble(&mut self.assembler, &self.config, number, header.timestamp, data);
        refusals.extend(more);
        for c in &channels {
            let (first, last) = c.range().unwrap_or_default();
            tracing::debug!(target: "vigil::da::op", rollup = self.config.chain_id, channel = %c.id, l1_block = c.l1_block, first, last, txs = c.tx_count(), "channel complete");
        }
        Ok(ScanOutcome {
            channels,
            refusals,
            batcher_txs,
            hash: header.hash,
            parent_hash: header.parent_hash,
        })
    }

    /// The L1 block that opened the channel being assembled, if one is: after an L1 reorg,
    /// [`Self::reset`] and scanning again from that block rebuilds it from canonical blocks only.
    pub fn staged_since(&self) -> Option<u64> {
        self.assembler.staging().map(|(_, opened_l1, _)| opened_l1)
    }

    /// Forgets the channel being assembled (after an L1 reorg, before scanning again).
    pub fn reset(&mut self) {
        self.assembler = ChannelAssembler::new();
    }

    /// The hash of L1 block `number` (for span batches' L1-origin check).
    pub async fn l1_hash(&self, number: u64) -> Result<B256> {
        Ok(self
            .l1
            .get_block_by_number(number.into())
            .await
            .map_err(|e| DaError::Rpc(crate::redact(&e)))?
            .ok_or(DaError::BlockNotFound(number))?
            .header
            .hash)
    }
}
