//! The rollup's batcher: posts the L2's blocks to L1 as EIP-4844 blobs in `vigil-types`' batch
//! format, from the batcher account to the inbox, so operators can check availability. It also
//! sends a little L2 traffic so blocks carry transactions.

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use serde::{Deserialize, Serialize};
use tracing::warn;
use vigil_da::{batch_from_l2, post_batch};

use crate::{Error, Result, layout::Layout, setup::write_file};

/// Most L2 blocks in one batch.
pub const MAX_BLOCKS_PER_BATCH: u64 = 16;

/// The batcher's progress, kept in the state directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Highest L2 height posted to L1.
    pub posted: u64,
}

impl Progress {
    /// Reads the progress file (none: nothing posted yet).
    pub fn read(layout: &Layout) -> Result<Self> {
        let path = layout.batcher_state();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| Error::State { path, reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::Io { path, source: e }),
        }
    }

    /// Writes the progress file.
    pub fn write(&self, layout: &Layout) -> Result<()> {
        let json = serde_json::to_string(self)
            .map_err(|e| Error::State { path: layout.batcher_state(), reason: e.to_string() })?;
        write_file(&layout.batcher_state(), &json)
    }
}

/// One batch posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posted {
    /// First L2 height in it.
    pub first: u64,
    /// Last L2 height in it.
    pub last: u64,
    /// The L1 block that included it.
    pub l1_block: u64,
}

/// Posts L2 blocks up to the L2's `safe` head.
#[derive(Debug)]
pub struct Batcher {
    /// L1, signing as the batcher account.
    pub l1: DynProvider,
    /// L2, signing as an L2 dev account (for traffic).
    pub l2: DynProvider,
    /// The rollup's chain id.
    pub rollup_id: u64,
    /// The inbox on L1.
    pub inbox: Address,
    /// Where progress is kept.
    pub layout: Layout,
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

    /// Posts the next batch, if the L2's safe head moved past what was posted.
    pub async fn step(&self) -> Result<Option<Posted>> {
        let progress = Progress::read(&self.layout)?;
        let safe = self
            .l2
            .get_block_by_number(BlockNumberOrTag::Safe)
            .await
            .map_err(Error::chain("L2 safe head"))?
            .map_or(0, |b| b.header.number);
        if safe <= progress.posted {
            return Ok(None);
        }
        let first = progress.posted.saturating_add(1);
        let last = safe.min(progress.posted.saturating_add(MAX_BLOCKS_PER_BATCH));
        let batch = batch_from_l2(&self.l2, self.rollup_id, first, last)
            .await
            .map_err(Error::chain("read L2 blocks for a batch"))?;
        let receipt = post_batch(&self.l1, self.inbox, &batch)
            .await
            .map_err(Error::chain("post a blob batch to L1"))?;
        if !receipt.status() {
            return Err(Error::Check(format!(
                "batch transaction {} reverted",
                receipt.transaction_hash
            )));
        }
        Progress { posted: last }.write(&self.layout)?;
        Ok(Some(Posted { first, last, l1_block: receipt.block_number.unwrap_or_default() }))
    }
}

/// How often the batcher looks for new safe L2 blocks.
pub const INTERVAL: Duration = Duration::from_secs(2);
