//! EIP-4844 blobs as the DA layer.

use alloy::{
    consensus::{
        SidecarBuilder, SimpleCoder, Transaction as _, Typed2718 as _, transaction::SidecarCoder,
    },
    eips::eip4844::{Blob, BlobTransactionSidecar, c_kzg},
    network::{TransactionBuilder, TransactionBuilder4844},
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use serde::Deserialize;
use vigil_types::{Batch, da_commitment};

use crate::{DaError, DaSource, Result, VerifiedBatch};

/// Where a rollup's batcher posts: the rollup config an operator must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupInbox {
    /// The rollup's chain id (must match the batches).
    pub rollup_id: u64,
    /// The only sender whose batches count.
    pub batcher: Address,
    /// The inbox address batches are sent to.
    pub inbox: Address,
}

/// Batches carried in EIP-4844 blobs, verified against recomputed KZG commitments.
#[derive(Debug, Clone)]
pub struct BlobDa<P> {
    l1: P,
    beacon: String,
    http: reqwest::Client,
    rollup: RollupInbox,
}

#[derive(Deserialize)]
struct BlobsResponse {
    data: Vec<alloy::primitives::Bytes>,
}

/// How long a beacon request may take before it is a (retryable) error, unless set otherwise.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn http_client(timeout: std::time::Duration) -> reqwest::Client {
    // Fails only if the TLS backend cannot initialise; see `vigil_chain::http_provider`.
    reqwest::Client::builder().timeout(timeout).build().unwrap_or_default()
}

impl<P: Provider> BlobDa<P> {
    /// Gives up on a beacon request after `timeout` (default [`DEFAULT_TIMEOUT`]): a slow
    /// beacon is a retryable [`DaError::Beacon`], never a stalled node.
    #[must_use]
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http = http_client(timeout);
        self
    }

    /// Reads transactions from `l1` and blobs from the beacon endpoint at `beacon_url` (the base
    /// URL; anvil serves it on its RPC port).
    pub fn new(l1: P, beacon_url: impl Into<String>, rollup: RollupInbox) -> Self {
        let beacon = beacon_url.into().trim_end_matches('/').to_owned();
        Self { l1, beacon, http: http_client(DEFAULT_TIMEOUT), rollup }
    }

    /// The block's blobs with their **recomputed** KZG commitments (so their versioned hashes
    /// are derived, not trusted). KZG work runs on a blocking thread; blobs stay on the heap.
    async fn blobs(&self, l1_block: u64) -> Result<RecomputedBlobs> {
        let url = format!("{}/eth/v1/beacon/blobs/{l1_block}", self.beacon);
        let response =
            self.http.get(&url).send().await.map_err(|e| DaError::Beacon(e.to_string()))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(RecomputedBlobs::default());
        }
        let body: BlobsResponse = response
            .error_for_status()
            .map_err(|e| DaError::Beacon(e.to_string()))?
            .json()
            .await
            .map_err(|e| DaError::Beacon(e.to_string()))?;
        tokio::task::spawn_blocking(move || recompute(&body.data))
            .await
            .map_err(|e| DaError::InvalidBlob(format!("KZG task failed: {e}")))?
    }
}

/// The blobs with their versioned hashes recomputed from KZG commitments. Only commitments are
/// computed (no proofs: the operator checks versioned hashes, it does not serve blobs), about
/// half the work of building a full sidecar.
fn recompute(data: &[alloy::primitives::Bytes]) -> Result<RecomputedBlobs> {
    // Precompute 0: commitments need only the Lagrange points; the precomputed tables alloy's
    // default settings build (for fast proofs) cost seconds at every process start.
    let settings = c_kzg::ethereum_kzg_settings(0);
    let mut out = RecomputedBlobs::default();
    for bytes in data {
        let blob =
            c_kzg::Blob::from_bytes(bytes).map_err(|e| DaError::InvalidBlob(e.to_string()))?;
        let commitment = settings
            .blob_to_kzg_commitment(&blob)
            .map_err(|e| DaError::InvalidBlob(e.to_string()))?;
        let vh = alloy::eips::eip4844::kzg_to_versioned_hash(commitment.as_slice());
        out.blobs.push((vh, bytes.clone()));
    }
    Ok(out)
}

/// Blobs keyed by their recomputed versioned hashes.
#[derive(Debug, Default)]
struct RecomputedBlobs {
    blobs: Vec<(B256, alloy::primitives::Bytes)>,
}

impl RecomputedBlobs {
    fn blob_by_versioned_hash(&self, vh: &B256) -> Option<&alloy::primitives::Bytes> {
        self.blobs.iter().find(|(h, _)| h == vh).map(|(_, b)| b)
    }
}

/// Copies blob bytes into heap-allocated blobs (a blob is 128 KiB: never build one on the stack).
fn heap_blobs<'a>(sources: impl ExactSizeIterator<Item = &'a [u8]>) -> Result<Vec<Blob>> {
    let mut blobs = Vec::new();
    blobs.resize(sources.len(), Blob::ZERO);
    for (blob, bytes) in blobs.iter_mut().zip(sources) {
        if bytes.len() != blob.len() {
            return Err(DaError::InvalidBlob(format!("{} bytes", bytes.len())));
        }
        blob.copy_from_slice(bytes);
    }
    Ok(blobs)
}

impl<P: Provider> DaSource for BlobDa<P> {
    async fn batches_at(&self, l1_block: u64) -> Result<Vec<VerifiedBatch>> {
        let block = self
            .l1
            .get_block_by_number(l1_block.into())
            .full()
            .await
            .map_err(|e| DaError::Rpc(e.to_string()))?
            .ok_or(DaError::BlockNotFound(l1_block))?;
        let carriers: Vec<(B256, Vec<B256>)> = block
            .transactions
            .txns()
            .filter(|tx| {
                let envelope = tx.inner.inner();
                envelope.ty() == 3
                    && tx.inner.signer() == self.rollup.batcher
                    && envelope.to() == Some(self.rollup.inbox)
            })
            .map(|tx| {
                let hashes = tx.inner.inner().blob_versioned_hashes().unwrap_or_default().to_vec();
                (*tx.inner.inner().tx_hash(), hashes)
            })
            .collect();
        if carriers.is_empty() {
            return Ok(Vec::new());
        }
        let blobs = self.blobs(l1_block).await?;
        let mut out = Vec::with_capacity(carriers.len());
        for (tx, hashes) in carriers {
            let mut found = Vec::with_capacity(hashes.len());
            for vh in &hashes {
                let blob = blobs
                    .blob_by_versioned_hash(vh)
                    .ok_or(DaError::MissingBlob { tx, versioned_hash: *vh })?;
                found.push(blob.as_ref());
            }
            let tx_blobs = heap_blobs(found.into_iter())?;
            let payloads =
                SimpleCoder::default().decode_all(&tx_blobs).ok_or(DaError::Undecodable(tx))?;
            let [payload] = payloads.as_slice() else { return Err(DaError::Undecodable(tx)) };
            let batch = Batch::decode(payload).map_err(|source| DaError::Batch { tx, source })?;
            if batch.rollup_id() != self.rollup.rollup_id {
                return Err(DaError::WrongRollup {
                    tx,
                    expected: self.rollup.rollup_id,
                    found: batch.rollup_id(),
                });
            }
            tracing::debug!(target: "vigil::da", l1_block, %tx, blobs = hashes.len(), first = batch.header().first, last = batch.header().last, "verified batch");
            out.push(VerifiedBatch {
                l1_block,
                tx_hash: tx,
                da_commitment: da_commitment(&hashes),
                versioned_hashes: hashes,
                batch,
            });
        }
        Ok(out)
    }
}

/// The batcher's side: posts `batch` as blobs in a type-3 transaction to `inbox` from the
/// signer of `provider`, and waits for it to be mined.
pub async fn post_batch<P: Provider>(
    provider: &P,
    inbox: Address,
    batch: &Batch,
) -> Result<TransactionReceipt> {
    let sidecar: BlobTransactionSidecar =
        SidecarBuilder::<SimpleCoder>::from_slice(&batch.encode())
            .build()
            .map_err(|e| DaError::InvalidBlob(e.to_string()))?;
    let blob_fee = provider.get_blob_base_fee().await.map_err(|e| DaError::Rpc(e.to_string()))?;
    let tx = TransactionRequest::default()
        .with_to(inbox)
        .with_blob_sidecar(sidecar)
        .with_max_fee_per_blob_gas(blob_fee.saturating_mul(2).max(1));
    let receipt = provider
        .send_transaction(tx)
        .await
        .map_err(|e| DaError::Rpc(e.to_string()))?
        .get_receipt()
        .await
        .map_err(|e| DaError::Rpc(e.to_string()))?;
    Ok(receipt)
}
