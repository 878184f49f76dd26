//! Between Rust values and columns: checked integer conversions, fixed-size byte strings,
//! decimal U256, and the row shapes of the two tables.

use alloy_primitives::{Address, B256, U256};
use sqlx::{Any, Row as _, any::AnyRow};
use vigil_types::{
    Certificate, Checkpoint, PUBLIC_KEY_COMPRESSED_LEN, PublicKeyBytes, SignatureBytes,
    SignedCheckpoint, SigningDomain,
};

use super::{CertState, CertificateRecord, FeedEntry, NewSignature, Result, StoreError};

pub(super) use vigil_service::db::{add_ms, to_i64};

/// The error for a column whose value does not convert.
fn corrupt(what: &'static str) -> StoreError {
    StoreError::CorruptRow { what }
}

/// A fixed-size byte string.
fn fixed<const N: usize>(what: &'static str, bytes: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(bytes).map_err(|_| corrupt(what))
}

/// A value of one column: what sqlx decodes the column as, and the checked conversion from it.
pub(super) trait FromColumn: Sized {
    /// The type the column is decoded as.
    type Stored: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>;

    /// Converts column `name`'s value; a value out of range is [`StoreError::CorruptRow`].
    fn from_stored(name: &'static str, stored: Self::Stored) -> Result<Self>;
}

/// A nullable column: NULL is `None`, any other value converts as `T`'s.
impl<T: FromColumn> FromColumn for Option<T> {
    type Stored = Option<T::Stored>;

    fn from_stored(name: &'static str, stored: Self::Stored) -> Result<Self> {
        stored.map(|v| T::from_stored(name, v)).transpose()
    }
}

/// `type: stored => |name, value| conversion;` implements [`FromColumn`] for each row.
macro_rules! from_column {
    ($($ty:ty: $stored:ty => |$name:pat_param, $value:ident| $convert:expr;)*) => {$(
        impl FromColumn for $ty {
            type Stored = $stored;

            fn from_stored($name: &'static str, $value: $stored) -> Result<Self> {
                $convert
            }
        }
    )*};
}

from_column! {
    u32: i64 => |name, v| Self::try_from(v).map_err(|_| corrupt(name));
    u64: i64 => |name, v| Self::try_from(v).map_err(|_| corrupt(name));
    bool: i64 => |_, v| Ok(v != 0);
    String: String => |_, v| Ok(v);
    B256: Vec<u8> => |name, v| fixed(name, &v).map(Self::from);
    Address: Vec<u8> => |name, v| fixed(name, &v).map(Self::from);
    PublicKeyBytes: Vec<u8> => |name, v| fixed(name, &v).map(Self);
    SignatureBytes: Vec<u8> => |name, v| Self::from_slice(&v).map_err(|_| corrupt(name));
    Vec<PublicKeyBytes>: Vec<u8> => |name, v| keys_from_blob(name, &v);
    // Decimal text.
    U256: String => |name, v| Self::from_str_radix(&v, 10).map_err(|_| corrupt(name));
    CertState: String => |name, v| v.parse().map_err(|_| corrupt(name));
}

/// `Struct { field, other: expr, .. }` from `row`: a bare `field` is read as its type says
/// ([`FromRow`]) from the column of that name; `field: expr` is given.
macro_rules! from_row {
    ($row:ident, $ty:ident { $($field:ident $(: $value:expr)?),* $(,)? }) => {
        $ty { $($field: from_row!(@value $row, $field $(, $value)?)),* }
    };
    (@value $row:ident, $field:ident) => {
        FromRow::from_row($row, stringify!($field))?
    };
    (@value $row:ident, $field:ident, $value:expr) => {
        $value
    };
}

/// A value read from a row: a [`FromColumn`] from the column `name`, or a value stored in
/// several columns (a domain, a checkpoint) from its own columns, whatever `name`.
pub(super) trait FromRow: Sized {
    /// Reads the value of column `name` (or of its own columns).
    fn from_row(row: &AnyRow, name: &'static str) -> Result<Self>;
}

impl<T: FromColumn> FromRow for T {
    fn from_row(row: &AnyRow, name: &'static str) -> Result<Self> {
        Self::from_stored(name, row.try_get::<T::Stored, _>(name)?)
    }
}

/// Columns `l1_chain_id, verifier, operator_set_id`.
impl FromRow for SigningDomain {
    fn from_row(row: &AnyRow, _: &'static str) -> Result<Self> {
        Ok(from_row!(row, SigningDomain { l1_chain_id, verifier, operator_set_id }))
    }
}

/// Columns `rollup_id, height, block_hash, state_root, da_commitment, l1_block`.
impl FromRow for Checkpoint {
    fn from_row(row: &AnyRow, _: &'static str) -> Result<Self> {
        Ok(from_row!(
            row,
            Checkpoint { rollup_id, height, block_hash, state_root, da_commitment, l1_block }
        ))
    }
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

/// The columns [`feed_entry`] reads.
pub(super) const SIGNATURE_COLUMNS: &str = "seq, pubkey, signature, l1_chain_id, verifier, \
     operator_set_id, rollup_id, height, block_hash, state_root, da_commitment, l1_block, \
     operator, received_at_ms, invalid";

/// A `signatures` row.
pub(super) fn feed_entry(row: &AnyRow) -> Result<FeedEntry> {
    Ok(from_row!(
        row,
        FeedEntry {
            seq,
            signed: from_row!(row, SignedCheckpoint { domain, checkpoint, pubkey, signature }),
            operator,
            received_at_ms,
            invalid,
        }
    ))
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

/// [`non_signers_blob`] back to the keys.
fn keys_from_blob(name: &'static str, blob: &[u8]) -> Result<Vec<PublicKeyBytes>> {
    let chunks = blob.chunks_exact(PUBLIC_KEY_COMPRESSED_LEN);
    if !chunks.remainder().is_empty() {
        return Err(corrupt(name));
    }
    chunks.map(|c| fixed(name, c).map(PublicKeyBytes)).collect()
}

/// A `certificates` row.
pub(super) fn certificate_record(row: &AnyRow) -> Result<CertificateRecord> {
    Ok(from_row!(
        row,
        CertificateRecord {
            certificate: from_row!(
                row,
                Certificate { domain, checkpoint, non_signers, aggregate_signature }
            ),
            digest,
            signed_weight,
            total_weight,
            signers,
            state,
            tx_hash,
            nonce,
            block_number,
            gas_used,
            attempts,
            last_error,
            lease_owner,
            lease_until_ms,
            created_at_ms,
            updated_at_ms,
        }
    ))
}
