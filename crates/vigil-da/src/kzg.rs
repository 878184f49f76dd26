//! KZG commitments recomputed from blob bytes: a versioned hash is derived, never trusted.

use alloy::{
    eips::eip4844::{BYTES_PER_BLOB, c_kzg, kzg_to_versioned_hash},
    primitives::{B256, Bytes, FixedBytes},
};

use crate::{DaError, Result};

/// A blob with its KZG commitment and versioned hash, both recomputed from the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBlob {
    /// `0x01 ‖ sha256(commitment)[1..]`.
    pub versioned_hash: B256,
    /// The KZG commitment computed from the blob.
    pub commitment: FixedBytes<48>,
    /// The blob's 131,072 bytes.
    pub data: Bytes,
}

/// Computes each blob's KZG commitment and versioned hash. Only commitments are computed (no
/// proofs: the operator checks versioned hashes, it does not serve blobs), about half the work
/// of building a full sidecar. CPU-heavy (one 4096-point multi-scalar multiplication per blob: about
/// 50 ms on one core of this project's 2-core machine, measured by `benches/decode.rs`): call it
/// from a blocking thread ([`recompute_blocking`]) in async code.
pub fn recompute(blobs: Vec<Bytes>) -> Result<Vec<VerifiedBlob>> {
    // Precompute 0: commitments need only the Lagrange points; the precomputed tables alloy's
    // default settings build (for fast proofs) cost seconds at every process start.
    let settings = c_kzg::ethereum_kzg_settings(0);
    blobs
        .into_iter()
        .map(|data| {
            if data.len() != BYTES_PER_BLOB {
                return Err(DaError::InvalidBlob(format!(
                    "{} bytes, expected {BYTES_PER_BLOB}",
                    data.len()
                )));
            }
            let blob =
                c_kzg::Blob::from_bytes(&data).map_err(|e| DaError::InvalidBlob(e.to_string()))?;
            let commitment = settings
                .blob_to_kzg_commitment(&blob)
                .map_err(|e| DaError::InvalidBlob(e.to_string()))?;
            let commitment = FixedBytes::<48>::from_slice(commitment.as_slice());
            Ok(VerifiedBlob {
                versioned_hash: kzg_to_versioned_hash(commitment.as_slice()),
                commitment,
                data,
            })
        })
        .collect()
}

/// [`recompute`] on tokio's blocking pool.
pub async fn recompute_blocking(blobs: Vec<Bytes>) -> Result<Vec<VerifiedBlob>> {
    tokio::task::spawn_blocking(move || recompute(blobs))
        .await
        .map_err(|e| DaError::InvalidBlob(format!("KZG task failed: {e}")))?
}
