//! `da inspect`: one batch decoded and judged, for an operator debugging a refusal and for
//! anyone checking Vigil's decoder against an explorer. Inputs are raw blobs, raw calldata, raw
//! signed batcher transactions (files), or transaction hashes read from live endpoints; they are
//! fed, in the order given, through the same assembler and decoder the node runs.

use alloy::{
    consensus::{Transaction as _, TxEnvelope, Typed2718 as _, transaction::SignerRecoverable},
    eips::{BlockNumberOrTag, eip2718::Decodable2718},
    primitives::{B256, Bytes},
    providers::Provider,
};
use serde::Serialize;

use crate::{
    BeaconClient, DaError, L1BlockRef, Result,
    op::{
        BatcherData, Carrier, ChannelAssembler, ChannelVerdict, DecodedChannel, L2Node,
        OpRollupConfig, Refusal, assemble, blob_codec, check_channel,
    },
};

/// One input of an inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Raw calldata of a batcher transaction (version byte and frames).
    Calldata(Vec<u8>),
    /// One raw blob (131,072 bytes); its versioned hash is recomputed.
    Blob(Vec<u8>),
    /// A signed EIP-2718 batcher transaction (type 2 with calldata); its sender is recovered
    /// and checked against the batcher, its recipient against the inbox.
    RawTransaction(Vec<u8>),
    /// A transaction hash on L1, read with the L1 and beacon endpoints.
    TxHash(B256),
}

/// What one inspection found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// The rollup.
    pub rollup: String,
    /// The rollup's chain id.
    pub chain_id: u64,
    /// The frames read, per input, in order.
    pub frames: Vec<FrameInfo>,
    /// Channels completed by the inputs, decoded, each with its verdict.
    pub channels: Vec<InspectedChannel>,
    /// What was refused, and why.
    pub refusals: Vec<Refusal>,
    /// The frames of a channel still waiting for more (not complete by the inputs given).
    pub incomplete: Option<String>,
}

/// One frame read.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameInfo {
    /// The input it came from (0-based).
    pub input: usize,
    /// Channel id.
    pub channel: String,
    /// Frame number.
    pub number: u16,
    /// Data bytes.
    pub len: usize,
    /// Whether it closes its channel.
    pub is_last: bool,
}

/// A decoded channel with its DA verdict.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectedChannel {
    /// The channel.
    pub channel: DecodedChannel,
    /// Against the L2 node, if one was given.
    pub verdict: Option<ChannelVerdict>,
}

/// Endpoints for inspecting live data; every one is optional.
#[derive(Debug, Default)]
pub struct Endpoints<'a, P, Q> {
    /// L1 JSON-RPC: needed for [`Input::TxHash`] and for span batches' L1-origin check.
    pub l1: Option<&'a P>,
    /// Beacon API: needed for blob transactions given by hash.
    pub beacon: Option<&'a BeaconClient>,
    /// The L2 node to judge the channels against (at its `latest` head).
    pub l2: Option<&'a L2Node<Q>>,
}

/// Decodes `inputs` in order and, with an L2 node, judges every completed channel.
pub async fn inspect<P: Provider, Q: Provider>(
    config: &OpRollupConfig,
    inputs: &[Input],
    endpoints: Endpoints<'_, P, Q>,
) -> Result<Inspection> {
    let mut data = Vec::new();
    let mut refusals = Vec::new();
    let mut frames = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let item = match input {
            Input::Calldata(bytes) => Some(BatcherData {
                carrier: synthetic(index, 0, vec![]),
                items: vec![bytes.clone()],
            }),
            Input::Blob(bytes) => {
                let verified = crate::recompute(vec![Bytes::from(bytes.clone())])?;
                let hashes: Vec<B256> = verified.iter().map(|b| b.versioned_hash).collect();
                match blob_codec::decode(bytes) {
                    Ok(decoded) => Some(BatcherData {
                        carrier: synthetic(index, 0, hashes),
                        items: vec![decoded],
                    }),
                    Err(e) => {
                        refusals.push(Refusal::BadBlobEncoding {
                            tx: B256::ZERO,
                            index,
                            reason: e.to_string(),
                        });
                        None
                    }
                }
            }
            Input::RawTransaction(bytes) => {
                let tx = TxEnvelope::decode_2718(&mut bytes.as_slice()).map_err(|e| {
                    DaError::Config(format!("input {index}: not a signed transaction: {e}"))
                })?;
                envelope_data(config, &tx, 0, &mut refusals)
            }
            Input::TxHash(hash) => {
                let Some(l1) = endpoints.l1 else {
                    return Err(DaError::Config("a transaction hash needs --l1-rpc".into()));
                };
                by_hash(config, l1, endpoints.beacon, *hash, &mut refusals).await?
            }
        };
        if let Some(d) = item {
            for it in &d.items {
                if let Ok(parsed) = crate::op::parse_frames(it, d.carrier.tx_hash) {
                    frames.extend(parsed.into_iter().map(|f| FrameInfo {
                        input: index,
                        channel: crate::op::hex_id(&f.id),
                        number: f.number,
                        len: f.data.len(),
                        is_last: f.is_last,
                    }));
                }
            }
            data.push(d);
        }
    }
    let mut assembler = ChannelAssembler::new();
    let mut channels = Vec::new();
    // Each input is its own "L1 block" here, so a channel across inputs assembles as across
    // blocks (timeouts are not judged: the inputs carry no L1 distances).
    for (i, d) in data.into_iter().enumerate() {
        let l1_block = if d.carrier.l1_block == 0 { i as u64 } else { d.carrier.l1_block };
        let d = BatcherData { carrier: Carrier { l1_block, ..d.carrier }, items: d.items };
        let (done, more) = assemble(&mut assembler, config, l1_block, 0, vec![d]);
        channels.extend(done);
        refusals.extend(more.into_iter().filter(|r| !matches!(r, Refusal::ChannelTimedOut { .. })));
    }
    let mut inspected = Vec::new();
    for channel in channels {
        let verdict = match endpoints.l2 {
            Some(l2) => {
                let head = l2.head(BlockNumberOrTag::Latest).await?;
                Some(check_channel(l2, endpoints.l1, &channel, head).await?)
            }
            None => None,
        };
        inspected.push(InspectedChannel { channel, verdict });
    }
    Ok(Inspection {
        rollup: config.name.clone(),
        chain_id: config.chain_id,
        frames,
        channels: inspected,
        refusals,
        incomplete: assembler
            .staging()
            .map(|(id, _, n)| format!("{} ({n} frame(s) so far)", crate::op::hex_id(&id))),
    })
}

fn synthetic(index: usize, l1_block: u64, versioned_hashes: Vec<B256>) -> Carrier {
    let mut tx = [0u8; 32];
    tx[24..].copy_from_slice(&(index as u64).to_be_bytes());
    Carrier { tx_hash: B256::from(tx), l1_block, versioned_hashes }
}

fn envelope_data(
    config: &OpRollupConfig,
    tx: &TxEnvelope,
    l1_block: u64,
    refusals: &mut Vec<Refusal>,
) -> Option<BatcherData> {
    let hash = *tx.tx_hash();
    let from = tx.recover_signer().ok()?;
    if from != config.batcher {
        refusals.push(Refusal::WrongSender { tx: hash, from });
        return None;
    }
    if tx.to() != Some(config.batch_inbox) {
        refusals
            .push(Refusal::BadFrames { tx: hash, reason: "not sent to the batch inbox".into() });
        return None;
    }
    if tx.ty() == 3 {
        refusals.push(Refusal::BlobUnavailable {
            tx: hash,
            reason: "a blob transaction's blobs are not in its raw bytes: give --tx or --blob"
                .into(),
        });
        return None;
    }
    Some(BatcherData {
        carrier: Carrier { tx_hash: hash, l1_block, versioned_hashes: vec![] },
        items: vec![tx.input().to_vec()],
    })
}

async fn by_hash<P: Provider>(
    config: &OpRollupConfig,
    l1: &P,
    beacon: Option<&BeaconClient>,
    hash: B256,
    refusals: &mut Vec<Refusal>,
) -> Result<Option<BatcherData>> {
    let tx = l1
        .get_transaction_by_hash(hash)
        .await
        .map_err(|e| DaError::Rpc(crate::redact(&e)))?
        .ok_or_else(|| DaError::Config(format!("transaction {hash} not found on L1")))?;
    let number = tx.block_number.ok_or_else(|| DaError::Config(format!("{hash} is not mined")))?;
    let envelope = tx.inner.inner().clone();
    if tx.inner.signer() != config.batcher {
        refusals.push(Refusal::WrongSender { tx: hash, from: tx.inner.signer() });
        return Ok(None);
    }
    if envelope.ty() != 3 {
        return Ok(Some(BatcherData {
            carrier: Carrier { tx_hash: hash, l1_block: number, versioned_hashes: vec![] },
            items: vec![envelope.input().to_vec()],
        }));
    }
    let hashes = envelope.blob_versioned_hashes().unwrap_or_default().to_vec();
    let Some(beacon) = beacon else {
        return Err(DaError::Config("a blob transaction needs --beacon".into()));
    };
    let block = l1
        .get_block_by_number(number.into())
        .await
        .map_err(|e| DaError::Rpc(crate::redact(&e)))?
        .ok_or(DaError::BlockNotFound(number))?;
    let reference = L1BlockRef {
        number,
        hash: block.header.hash,
        timestamp: block.header.timestamp,
        child_parent_beacon_root: None,
    };
    let blobs = match beacon.blobs(&reference, hash, &hashes).await {
        Ok(blobs) => blobs,
        Err(e) if e.is_retryable() => return Err(e),
        Err(e) => {
            refusals.push(Refusal::BlobUnavailable { tx: hash, reason: e.to_string() });
            return Ok(None);
        }
    };
    let mut items = Vec::new();
    for (index, blob) in blobs.iter().enumerate() {
        match blob_codec::decode(&blob.data) {
            Ok(d) => items.push(d),
            Err(e) => {
                refusals.push(Refusal::BadBlobEncoding { tx: hash, index, reason: e.to_string() });
                return Ok(None);
            }
        }
    }
    Ok(Some(BatcherData {
        carrier: Carrier { tx_hash: hash, l1_block: number, versioned_hashes: hashes },
        items,
    }))
}
