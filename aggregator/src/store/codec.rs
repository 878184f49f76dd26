//! Between Rust values and columns: checked integer conversions, fixed-size byte strings,
//! decimal U256, and the row shapes of the two tables.

use alloy_primitives::{Address, B256, U256};
use sqlx::{Row as _, any::AnyRow};
use vigil_types::{
    Certificate, Checkpoint, PUBLIC_KEY_COMPRESSED_LEN, PublicKeyBytes, SignatureBytes,
    SignedCheckpoint, SigningDomain,
};

use super::{CertState, CertificateRecord, FeedEntry, NewSignature, Result, StoreError};

pub(super) use vigil_service::db::{add_ms, to_i64};

/// A stored integer back to its unsigned type.
fn unsigned<T: TryFrom<i64>>(what: &'static str, value: i64) -> Result<T> {
    T::try_from(value).map_err(|_| StoreError::CorruptRow { what })
}

/// A fixed-size byte string.
fn fixed<const N: usize>(what: &'static str, bytes: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(bytes).map_err(|_| StoreError::CorruptRow { what })
}

/// Reads column `name` as `T`.
fn get<'r, T>(row: &'r AnyRow, name: &'static str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get::<T, _>(name)?)
}

/// An unsigned integer column.
fn get_u<T: TryFrom<i64>>(row: &AnyRow, name: &'static str) -> Result<T> {
    unsigned(name, get::<i64>(row, name)?)
}

/// A nullable unsigned integer column.
fn get_opt_u<T: TryFrom<i64>>(row: &AnyRow, name: &'static str) -> Result<Option<T>> {
    get::<Option<i64>>(row, name)?.map(|v| unsigned(name, v)).transpose()
}

/// A 32-byte column.
fn get_b256(row: &AnyRow, name: &'static str) -> Result<B256> {
    Ok(B256::from(fixed::<32>(name, &get::<Vec<u8>>(row, name)?)?))
}

/// A 20-byte column.
fn get_address(row: &AnyRow, name: &'static str) -> Result<Address> {
    Ok(Address::from(fixed::<20>(name, &get::<Vec<u8>>(row, name)?)?))
}

/// A decimal U256 column.
fn get_u256(row: &AnyRow, name: &'static str) -> Result<U256> {
    U256::from_str_radix(&get::<String>(row, name)?, 10)
        .map_err(|_| StoreError::CorruptRow { what: name })
}

/// A U256 as stored: decimal text.
pub(super) fn u256_text(value: &U256) -> String {
    value.to_string()
}

/// The domain and checkpoint columns shared by both tables, converted for binding.
pub(super) struct CheckpointCols {
    pub(super) l1_chain_id: i64,
    pub(super) verifier: Vec<u8>,
    pub(super) operator_set_id: i64,
    pub(super) rollup_id: i64,
    pub(super) height: i64,
    pub(super) block_hash: Vec<u8>,
    pub(super) state_root: Vec<u8>,
    pub(super) da_commitment: Vec<u8>,
    pub(super) l1_block: i64,
    pub(super) digest: Vec<u8>,
}

impl CheckpointCols {
    pub(super) fn new(domain: &SigningDomain, checkpoint: &Checkpoint) -> Result<Self> {
        Ok(Self {
            l1_chain_id: to_i64("l1ChainId", domain.l1_chain_id)?,
            verifier: domain.verifier.to_vec(),
            operator_set_id: i64::from(domain.operator_set_id),
            rollup_id: to_i64("rollupId", checkpoint.rollup_id)?,
            height: to_i64("height", checkpoint.height)?,
            block_hash: checkpoint.block_hash.to_vec(),
            state_root: checkpoint.state_root.to_vec(),
            da_commitment: checkpoint.da_commitment.to_vec(),
            l1_block: to_i64("l1Block", checkpoint.l1_block)?,
            digest: checkpoint.digest(domain).to_vec(),
        })
    }
}

/// A [`NewSignature`] converted for binding.
pub(super) struct SignatureCols {
    pub(super) checkpoint: CheckpointCols,
    pub(super) pubkey: Vec<u8>,
    pub(super) signature: Vec<u8>,
    pub(super) operator: Vec<u8>,
    pub(super) received_at_ms: i64,
}

impl SignatureCols {
    pub(super) fn new(item: &NewSignature) -> Result<Self> {
        Ok(Self {
            checkpoint: CheckpointCols::new(&item.signed.domain, &item.signed.checkpoint)?,
            pubkey: item.signed.pubkey.0.to_vec(),
            signature: item.signed.signature.as_slice().to_vec(),
            operator: item.operator.to_vec(),
            received_at_ms: to_i64("receivedAtMs", item.received_at_ms)?,
        })
    }
}

fn domain(row: &AnyRow) -> Result<SigningDomain> {
    Ok(SigningDomain {
        l1_chain_id: get_u(row, "l1_chain_id")?,
        verifier: get_address(row, "verifier")?,
        operator_set_id: get_u(row, "operator_set_id")?,
    })
}

fn checkpoint(row: &AnyRow) -> Result<Checkpoint> {
    Ok(Checkpoint {
        rollup_id: get_u(row, "rollup_id")?,
        height: get_u(row, "height")?,
        block_hash: get_b256(row, "block_hash")?,
        state_root: get_b256(row, "state_root")?,
        da_commitment: get_b256(row, "da_commitment")?,
        l1_block: get_u(row, "l1_block")?,
    })
}

fn signature(row: &AnyRow, name: &'static str) -> Result<SignatureBytes> {
    SignatureBytes::from_slice(&get::<Vec<u8>>(row, name)?)
        .map_err(|_| StoreError::CorruptRow { what: name })
}

/// The columns [`feed_entry`] reads.
pub(super) const SIGNATURE_COLUMNS: &str = "seq, pubkey, signature, l1_chain_id, verifier, \
     operator_set_id, rollup_id, height, block_hash, state_root, da_commitment, l1_block, \
     operator, received_at_ms, invalid";

/// A `signatures` row.
pub(super) fn feed_entry(row: &AnyRow) -> Result<FeedEntry> {
    Ok(FeedEntry {
        seq: get_u(row, "seq")?,
        signed: SignedCheckpoint {
            domain: domain(row)?,
            checkpoint: checkpoint(row)?,
            pubkey: PublicKeyBytes(fixed::<PUBLIC_KEY_COMPRESSED_LEN>(
                "pubkey",
                &get::<Vec<u8>>(row, "pubkey")?,
            )?),
            signature: signature(row, "signature")?,
        },
        operator: get_address(row, "operator")?,
        received_at_ms: get_u(row, "received_at_ms")?,
        invalid: get::<i64>(row, "invalid")? != 0,
    })
}

/// The columns [`certificate_record`] reads.
pub(super) const CERTIFICATE_COLUMNS: &str = "rollup_id, height, l1_chain_id, verifier, \
     operator_set_id, block_hash, state_root, da_commitment, l1_block, digest, non_signers, \
     aggregate_signature, signed_weight, total_weight, signers, state, tx_hash, nonce, \
     block_number, gas_used, attempts, last_error, lease_owner, lease_until_ms, created_at_ms, \
     updated_at_ms";

/// The non-signers' keys as stored: concatenated.
pub(super) fn non_signers_blob(keys: &[PublicKeyBytes]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.0).collect()
}

/// A `certificates` row.
pub(super) fn certificate_record(row: &AnyRow) -> Result<CertificateRecord> {
    let blob = get::<Vec<u8>>(row, "non_signers")?;
    let chunks = blob.chunks_exact(PUBLIC_KEY_COMPRESSED_LEN);
    if !chunks.remainder().is_empty() {
        return Err(StoreError::CorruptRow { what: "non_signers" });
    }
    let non_signers = chunks
        .map(|c| fixed::<PUBLIC_KEY_COMPRESSED_LEN>("non_signers", c).map(PublicKeyBytes))
        .collect::<Result<Vec<_>>>()?;
    let state = get::<String>(row, "state")?
        .parse::<CertState>()
        .map_err(|_| StoreError::CorruptRow { what: "state" })?;
    let tx_hash = get::<Option<Vec<u8>>>(row, "tx_hash")?
        .map(|b| fixed::<32>("tx_hash", &b).map(B256::from))
        .transpose()?;
    Ok(CertificateRecord {
        certificate: Certificate {
            domain: domain(row)?,
            checkpoint: checkpoint(row)?,
            non_signers,
            aggregate_signature: signature(row, "aggregate_signature")?,
        },
        digest: get_b256(row, "digest")?,
        signed_weight: get_u256(row, "signed_weight")?,
        total_weight: get_u256(row, "total_weight")?,
        signers: get_u(row, "signers")?,
        state,
        tx_hash,
        nonce: get_opt_u(row, "nonce")?,
        block_number: get_opt_u(row, "block_number")?,
        gas_used: get_opt_u(row, "gas_used")?,
        attempts: get_u(row, "attempts")?,
        last_error: get(row, "last_error")?,
        lease_owner: get(row, "lease_owner")?,
        lease_until_ms: get_opt_u(row, "lease_until_ms")?,
        created_at_ms: get_u(row, "created_at_ms")?,
        updated_at_ms: get_u(row, "updated_at_ms")?,
    })
}
