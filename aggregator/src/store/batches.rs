//! Batch rounds (`VIGIL_BATCH_V1`): signatures over batch headers, one per `(digest, key)`, and
//! one batch certificate per digest; expiry of rounds without quorum and pruning below a window.
//!
//! Batch signatures are not on the feed (its entries are signed checkpoints); their rows carry
//! their own id.

use alloy_primitives::{Address, B256, U256};
use sqlx::any::AnyRow;
use tracing::debug;
use vigil_types::{BatchCertificate, BatchHeader, PublicKeyBytes, SignedBatch, SigningDomain};

use super::{
    CertState, Inserted, Result, Store, StoreError,
    codec::{FromRow, non_signers_blob, to_i64, u256_text},
};

/// A signature over a batch header the aggregator verified, to be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewBatchSignature {
    /// The signed batch header as received.
    pub signed: SignedBatch,
    /// The operator registered with `signed.pubkey`.
    pub operator: Address,
    /// When the aggregator received it (unix milliseconds).
    pub received_at_ms: u64,
}

/// A batch certificate built by the aggregator, with what it weighed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBatchCertificate {
    /// The certificate.
    pub certificate: BatchCertificate,
    /// The signers' total weight at `toL1Block`.
    pub signed_weight: U256,
    /// The set's total weight at `toL1Block`.
    pub total_weight: U256,
    /// How many signed.
    pub signers: u32,
    /// When it was built (unix milliseconds).
    pub created_at_ms: u64,
}

/// A stored batch certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCertificateRecord {
    /// The certificate.
    pub certificate: BatchCertificate,
    /// The digest its signers signed (its key).
    pub digest: B256,
    /// The signers' total weight at `toL1Block`.
    pub signed_weight: U256,
    /// The set's total weight at `toL1Block`.
    pub total_weight: U256,
    /// How many signed.
    pub signers: u32,
    /// Where its submission to L1 is.
    pub state: CertState,
    /// When it was built (unix milliseconds).
    pub created_at_ms: u64,
}

/// What [`Store::prune_batches`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrunedBatches {
    /// Batch signatures.
    pub signatures: u64,
    /// Batch certificates (mined or failed ones only).
    pub certificates: u64,
}

/// The columns [`batch_certificate_record`] reads.
const BATCH_CERTIFICATE_COLUMNS: &str = "digest, l1_chain_id, verifier, operator_set_id, root, \
     leaf_count, from_l1_block, to_l1_block, non_signers, aggregate_signature, signed_weight, \
     total_weight, signers, state, created_at_ms";

/// The columns [`signed_batch`] reads.
const BATCH_SIGNATURE_COLUMNS: &str = "id, pubkey, signature, l1_chain_id, verifier, \
     operator_set_id, root, leaf_count, from_l1_block, to_l1_block";

/// Column `name` of `row`, converted as its type says.
fn col<T: FromRow>(row: &AnyRow, name: &'static str) -> Result<T> {
    T::from_row(row, name)
}

/// Columns `root, leaf_count, from_l1_block, to_l1_block`.
fn header(row: &AnyRow) -> Result<BatchHeader> {
    Ok(BatchHeader {
        root: col(row, "root")?,
        leaf_count: col(row, "leaf_count")?,
        from_l1_block: col(row, "from_l1_block")?,
        to_l1_block: col(row, "to_l1_block")?,
    })
}

/// A `batch_signatures` row: its id and the signed batch.
fn signed_batch(row: &AnyRow) -> Result<(u64, SignedBatch)> {
    Ok((
        col(row, "id")?,
        SignedBatch {
            domain: SigningDomain::from_row(row, "")?,
            header: header(row)?,
            pubkey: col(row, "pubkey")?,
            signature: col(row, "signature")?,
        },
    ))
}

/// A `batch_certificates` row.
fn batch_certificate_record(row: &AnyRow) -> Result<BatchCertificateRecord> {
    Ok(BatchCertificateRecord {
        certificate: BatchCertificate {
            domain: SigningDomain::from_row(row, "")?,
            header: header(row)?,
            non_signers: col::<Vec<PublicKeyBytes>>(row, "non_signers")?,
            aggregate_signature: col(row, "aggregate_signature")?,
        },
        digest: col(row, "digest")?,
        signed_weight: col(row, "signed_weight")?,
        total_weight: col(row, "total_weight")?,
        signers: col(row, "signers")?,
        state: col(row, "state")?,
        created_at_ms: col(row, "created_at_ms")?,
    })
}

/// The domain and header columns of both batch tables, converted for binding.
struct BatchCols {
    digest: Vec<u8>,
    l1_chain_id: i64,
    verifier: Vec<u8>,
    operator_set_id: i64,
    root: Vec<u8>,
    leaf_count: i64,
    from_l1_block: i64,
    to_l1_block: i64,
}

impl BatchCols {
    fn new(domain: &SigningDomain, header: &BatchHeader) -> Result<Self> {
        Ok(Self {
            digest: header.digest(domain).to_vec(),
            l1_chain_id: to_i64("l1ChainId", domain.l1_chain_id)?,
            verifier: domain.verifier.to_vec(),
            operator_set_id: i64::from(domain.operator_set_id),
            root: header.root.to_vec(),
            leaf_count: i64::from(header.leaf_count),
            from_l1_block: to_i64("fromL1Block", header.from_l1_block)?,
            to_l1_block: to_i64("toL1Block", header.to_l1_block)?,
        })
    }
}

impl Store {
    /// Stores signatures over batch headers in one transaction (one fsync), durable when this
    /// returns, and returns where each landed, in order. A repeat of a stored `(digest,
    /// pubkey)` (another encoding of the signature, or a repeat within `items`, included) stores
    /// nothing and returns the stored row's id with `duplicate = true`.
    pub async fn insert_batch_signatures(
        &self,
        items: &[NewBatchSignature],
    ) -> Result<Vec<Inserted>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut inserted = Vec::with_capacity(items.len());
        for item in items {
            let c = BatchCols::new(&item.signed.domain, &item.signed.header)?;
            let pubkey = item.signed.pubkey.0.to_vec();
            let received = to_i64("receivedAtMs", item.received_at_ms)?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO batch_signatures (digest, pubkey, signature, l1_chain_id, verifier, \
                 operator_set_id, root, leaf_count, from_l1_block, to_l1_block, operator, \
                 received_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (digest, pubkey) DO NOTHING RETURNING id",
            )
            .bind(c.digest.as_slice())
            .bind(pubkey.as_slice())
            .bind(item.signed.signature.as_slice())
            .bind(c.l1_chain_id)
            .bind(c.verifier.as_slice())
            .bind(c.operator_set_id)
            .bind(c.root.as_slice())
            .bind(c.leaf_count)
            .bind(c.from_l1_block)
            .bind(c.to_l1_block)
            .bind(item.operator.as_slice())
            .bind(received)
            .fetch_optional(&mut *tx)
            .await?;
            inserted.push(match id {
                Some(id) => Inserted { seq: id_u64(id)?, duplicate: false },
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "SELECT id FROM batch_signatures WHERE digest = $1 AND pubkey = $2",
                    )
                    .bind(c.digest.as_slice())
                    .bind(pubkey.as_slice())
                    .fetch_one(&mut *tx)
                    .await?;
                    Inserted { seq: id_u64(id)?, duplicate: true }
                }
            });
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Every stored batch signature whose digest has no batch certificate, in arrival order:
    /// what a restarted aggregator replays into its batch rounds.
    pub async fn open_batch_signatures(&self) -> Result<Vec<(u64, SignedBatch)>> {
        let sql = format!(
            "SELECT {BATCH_SIGNATURE_COLUMNS} FROM batch_signatures s WHERE NOT EXISTS ( \
                 SELECT 1 FROM batch_certificates c WHERE c.digest = s.digest) \
             ORDER BY s.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(signed_batch).collect()
    }

    /// Stores a batch certificate in state ready. Returns `false`, changing nothing, if one for
    /// its digest already exists.
    pub async fn insert_batch_certificate(&self, c: &NewBatchCertificate) -> Result<bool> {
        let cert = &c.certificate;
        let cols = BatchCols::new(&cert.domain, &cert.header)?;
        let created = to_i64("createdAtMs", c.created_at_ms)?;
        let query = sqlx::query(
            "INSERT INTO batch_certificates (digest, l1_chain_id, verifier, operator_set_id, \
             root, leaf_count, from_l1_block, to_l1_block, non_signers, aggregate_signature, \
             signed_weight, total_weight, signers, state, attempts, created_at_ms, \
             updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'ready', 0, $14, \
             $14) \
             ON CONFLICT (digest) DO NOTHING",
        )
        .bind(cols.digest)
        .bind(cols.l1_chain_id)
        .bind(cols.verifier)
        .bind(cols.operator_set_id)
        .bind(cols.root)
        .bind(cols.leaf_count)
        .bind(cols.from_l1_block)
        .bind(cols.to_l1_block)
        .bind(non_signers_blob(&cert.non_signers))
        .bind(cert.aggregate_signature.as_slice().to_vec())
        .bind(u256_text(&c.signed_weight))
        .bind(u256_text(&c.total_weight))
        .bind(i64::from(c.signers))
        .bind(created);
        let _gate = self.gate().await;
        let done = query.execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// The batch certificate for `digest`, if any.
    pub async fn batch_certificate(&self, digest: B256) -> Result<Option<BatchCertificateRecord>> {
        let sql =
            format!("SELECT {BATCH_CERTIFICATE_COLUMNS} FROM batch_certificates WHERE digest = $1");
        let row = sqlx::query(&sql).bind(digest.to_vec()).fetch_optional(&self.pool).await?;
        row.as_ref().map(batch_certificate_record).transpose()
    }

    /// Every stored batch certificate, oldest range first.
    pub async fn batch_certificates(&self) -> Result<Vec<BatchCertificateRecord>> {
        let sql = format!(
            "SELECT {BATCH_CERTIFICATE_COLUMNS} FROM batch_certificates \
             ORDER BY to_l1_block, created_at_ms"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(batch_certificate_record).collect()
    }

    /// How many batch signatures are stored for `digest` (all digests if `None`).
    pub async fn count_batch_signatures(&self, digest: Option<B256>) -> Result<u64> {
        let n: i64 = match digest {
            Some(d) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM batch_signatures WHERE digest = $1")
                    .bind(d.to_vec())
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM batch_signatures")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        u64::try_from(n).map_err(|_| StoreError::CorruptRow { what: "count" })
    }

    /// Deletes the stored signatures of `digests` (rounds that expired without a certificate).
    /// A digest that has a certificate keeps its signatures. Returns how many were deleted.
    pub async fn delete_batch_signatures(&self, digests: &[B256]) -> Result<u64> {
        if digests.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut deleted = 0;
        for d in digests {
            deleted += sqlx::query(
                "DELETE FROM batch_signatures WHERE digest = $1 AND NOT EXISTS ( \
                     SELECT 1 FROM batch_certificates c WHERE c.digest = $1)",
            )
            .bind(d.to_vec())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes what no round needs any more below L1 block `below`: every batch signature
    /// with `toL1Block < below` (a range that old can no longer be certified on chain, or is
    /// certified already), and the batch certificates of such ranges that are done with (mined
    /// or failed). Certificates still waiting for or in submission are kept.
    pub async fn prune_batches(&self, below: u64) -> Result<PrunedBatches> {
        let below = to_i64("below", below)?;
        let mut tx = self.begin_write().await?;
        let signatures = sqlx::query("DELETE FROM batch_signatures WHERE to_l1_block < $1")
            .bind(below)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let certificates = sqlx::query(
            "DELETE FROM batch_certificates WHERE to_l1_block < $1 AND state IN ('mined', 'failed')",
        )
        .bind(below)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        debug!(target: "aggregator::store", below, signatures, certificates, "batch rows pruned");
        Ok(PrunedBatches { signatures, certificates })
    }

    /// Sets a batch certificate's state (for tests and the submitter to come; no lease check).
    pub async fn set_batch_certificate_state(&self, digest: B256, state: CertState) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query("UPDATE batch_certificates SET state = $1 WHERE digest = $2")
            .bind(state.as_str())
            .bind(digest.to_vec())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A stored row id.
fn id_u64(id: i64) -> Result<u64> {
    u64::try_from(id).map_err(|_| StoreError::CorruptRow { what: "id" })
}
