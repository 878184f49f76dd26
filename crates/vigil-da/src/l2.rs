//! Reading L2 blocks into batches, checking each header against the node's block hash.

use alloy::{
    eips::eip2718::Encodable2718,
    primitives::{B256, Bytes, keccak256},
    providers::Provider,
};
use vigil_types::{Batch, BatchBlock};

use crate::{DaError, Result};

/// Checks that a header RLP hashes to the block hash an L2 node reports for `height`.
pub fn header_matches(height: u64, header_rlp: &[u8], reported: B256) -> Result<()> {
    let computed = keccak256(header_rlp);
    if computed == reported {
        Ok(())
    } else {
        Err(DaError::HeaderMismatch { height, computed, reported })
    }
}

/// Reads L2 blocks `first..=last` from `l2` into a [`Batch`] for `rollup_id`, checking every
/// header against the hash the node reports.
pub async fn batch_from_l2<P: Provider>(
    l2: &P,
    rollup_id: u64,
    first: u64,
    last: u64,
) -> Result<Batch> {
    let mut blocks = Vec::new();
    for height in first..=last {
        let block = l2
            .get_block_by_number(height.into())
            .full()
            .await
            .map_err(|e| DaError::Rpc(e.to_string()))?
            .ok_or(DaError::BlockNotFound(height))?;
        let header_rlp = Bytes::from(alloy_rlp::encode(&block.header.inner));
        header_matches(height, &header_rlp, block.header.hash)?;
        let txs: Vec<Bytes> =
            block.transactions.txns().map(|tx| tx.inner.inner().encoded_2718().into()).collect();
        blocks.push(
            BatchBlock::new(header_rlp, txs)
                .map_err(|source| DaError::Batch { tx: B256::ZERO, source })?,
        );
    }
    Batch::new(rollup_id, blocks).map_err(|source| DaError::Batch { tx: B256::ZERO, source })
}
