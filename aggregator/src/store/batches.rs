//! Batch rounds (`VIGIL_BATCH_V1`): signatures over batch headers, one per `(digest, key)`, and
//! one batch certificate per digest; expiry of rounds without quorum and pruning below a window.
//!
//! Batch signatures are not on the feed (its entries are signed checkpoints); their rows carry
//! their own id.

use alloy_primitives::{Address, B256, U256};
use sqlx::any::AnyRow;
use tracing::debug;
use vigil_service::outbox::LeaseTable;
use vigil_types::{
    BatchCertificate, BatchHeader, Checkpoint, PublicKeyBytes, SignedBatch, SigningDomain,
};

use super::{
    CertState, Inserted, Result, StateUpdate, Store, StoreError,
    certificates::{bind_state, state_set},
    codec::{FromRow, add_ms, non_signers_blob, to_i64, u256_text},
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
    /// Its last transaction (the one recorded as submitted, or the one that mined it).
    pub tx_hash: Option<B256>,
    /// The block that mined it, once mined.
    pub block_number: Option<u64>,
    /// Gas its transaction used, once mined (0 when another transaction recorded it).
    pub gas_used: Option<u64>,
    /// Transactions sent for it.
    pub attempts: u32,
    /// When its state last changed (unix milliseconds).
    pub updated_at_ms: u64,
}

/// A stored batch certificate and the checkpoint a rollup asked for in it, with the batch's
/// checkpoints in leaf order (to build the inclusion proof from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchLookup {
    /// The certificate.
    pub record: BatchCertificateRecord,
    /// Every checkpoint of the batch, in leaf order.
    pub leaves: Vec<Checkpoint>,
    /// The asked-for checkpoint's index in `leaves`.
    pub index: usize,
}

/// Batch certificates under leases: ready or submitted ones are claimable, oldest range first.
const BATCH_LEASES: LeaseTable = LeaseTable {
    table: "batch_certificates",
    key: &["digest"],
    claimable: "state IN ('ready', 'submitted')",
    order_by: "to_l1_block, created_at_ms, digest",
};

/// What [`Store::prune_batches`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrunedBatches {
    /// Batch signatures.
    pub signatures: u64,
    /// Batch certificates (mined or failed ones only).
    pub certificates: u64,
    /// Batch leaves (of batches without a certificate left).
    pub leaves: u64,
}

/// The columns [`batch_certificate_record`] reads.
const BATCH_CERTIFICATE_COLUMNS: &str = "digest, l1_chain_id, verifier, operator_set_id, root, \
     leaf_count, from_l1_block, to_l1_block, non_signers, aggregate_signature, signed_weight, \
     total_weight, signers, state, created_at_ms, tx_hash, block_number, gas_used, attempts, \
     updated_at_ms";

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
        tx_hash: col(row, "tx_hash")?,
        block_number: col(row, "block_number")?,
        gas_used: col(row, "gas_used")?,
        attempts: col(row, "attempts")?,
        updated_at_ms: col(row, "updated_at_ms")?,
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

    /// Deletes the stored signatures and leaves of `digests` (rounds that expired without a
    /// certificate). A digest that has a certificate keeps them. Returns how many were deleted.
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
            sqlx::query(
                "DELETE FROM batch_leaves WHERE digest = $1 AND NOT EXISTS ( \
                     SELECT 1 FROM batch_certificates c WHERE c.digest = $1)",
            )
            .bind(d.to_vec())
            .execute(&mut *tx)
            .await?;
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
        let leaves = sqlx::query(
            "DELETE FROM batch_leaves WHERE to_l1_block < $1 AND NOT EXISTS ( \
                 SELECT 1 FROM batch_certificates c WHERE c.digest = batch_leaves.digest)",
        )
        .bind(below)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        debug!(target: "aggregator::store", below, signatures, certificates, leaves, "batch rows pruned");
        Ok(PrunedBatches { signatures, certificates, leaves })
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

    /// Stores the checkpoints of the batch `header` signs (in leaf order) unless they are
    /// stored already. Returns whether it wrote them. The caller checks that they make the
    /// header's root ([`vigil_types::BatchSignature::batch`]).
    pub async fn insert_batch_leaves(
        &self,
        domain: &SigningDomain,
        header: &BatchHeader,
        leaves: &[Checkpoint],
    ) -> Result<bool> {
        let c = BatchCols::new(domain, header)?;
        if self.has_batch_leaves(header.digest(domain)).await? {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        for (i, cp) in leaves.iter().enumerate() {
            sqlx::query(
                "INSERT INTO batch_leaves (digest, leaf_index, rollup_id, height, block_hash, \
                 state_root, da_commitment, l1_block, to_l1_block) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (digest, leaf_index) DO NOTHING",
            )
            .bind(c.digest.as_slice())
            .bind(to_i64("leafIndex", i as u64)?)
            .bind(to_i64("rollupId", cp.rollup_id)?)
            .bind(to_i64("height", cp.height)?)
            .bind(cp.block_hash.to_vec())
            .bind(cp.state_root.to_vec())
            .bind(cp.da_commitment.to_vec())
            .bind(to_i64("l1Block", cp.l1_block)?)
            .bind(c.to_l1_block)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the checkpoints of `digest`'s batch are stored.
    pub async fn has_batch_leaves(&self, digest: B256) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM batch_leaves WHERE digest = $1 AND leaf_index = 0",
        )
        .bind(digest.to_vec())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The checkpoints of `digest`'s batch, in leaf order (empty if not stored).
    pub async fn batch_leaves(&self, digest: B256) -> Result<Vec<Checkpoint>> {
        let rows = sqlx::query(
            "SELECT rollup_id, height, block_hash, state_root, da_commitment, l1_block \
             FROM batch_leaves WHERE digest = $1 ORDER BY leaf_index",
        )
        .bind(digest.to_vec())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Checkpoint::from_row(r, "")).collect()
    }

    /// The batch certificate that holds `(rollup_id, height)`, with the batch's checkpoints:
    /// a mined one first, then the one in submission, then a ready one (the oldest range
    /// first within each); failed ones never.
    pub async fn batch_for_checkpoint(
        &self,
        rollup_id: u64,
        height: u64,
    ) -> Result<Option<BatchLookup>> {
        let row = sqlx::query(
            "SELECT l.digest, l.leaf_index FROM batch_leaves l \
             JOIN batch_certificates c ON c.digest = l.digest \
             WHERE l.rollup_id = $1 AND l.height = $2 AND c.state <> 'failed' \
             ORDER BY CASE c.state WHEN 'mined' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END, \
                      c.to_l1_block \
             LIMIT 1",
        )
        .bind(to_i64("rollupId", rollup_id)?)
        .bind(to_i64("height", height)?)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let digest: B256 = col(&row, "digest")?;
        let index: u64 = col(&row, "leaf_index")?;
        let Some(record) = self.batch_certificate(digest).await? else {
            // Pruned between the two reads.
            return Ok(None);
        };
        let leaves = self.batch_leaves(digest).await?;
        if leaves.is_empty() {
            // Pruned between the reads.
            return Ok(None);
        }
        let index =
            usize::try_from(index).map_err(|_| StoreError::CorruptRow { what: "leafIndex" })?;
        if leaves.get(index).is_none_or(|cp| cp.rollup_id != rollup_id || cp.height != height) {
            return Err(StoreError::CorruptRow { what: "batch_leaves" });
        }
        Ok(Some(BatchLookup { record, leaves, index }))
    }

    /// The batch certificates (failed ones aside) that hold this very block at its height (same
    /// rollup, height, block hash and state root): each one's state and the weights it
    /// recorded, mined first, then in submission, then ready. Whether one certifies the
    /// checkpoint depends on its rollup's threshold (`isCertifiedInBatch` applies it to these
    /// weights).
    pub async fn batch_covers(&self, cp: &Checkpoint) -> Result<Vec<(CertState, U256, U256)>> {
        let rows = sqlx::query(
            "SELECT c.state, c.signed_weight, c.total_weight FROM batch_leaves l \
             JOIN batch_certificates c ON c.digest = l.digest \
             WHERE l.rollup_id = $1 AND l.height = $2 AND l.block_hash = $3 \
               AND l.state_root = $4 AND c.state <> 'failed' \
             ORDER BY CASE c.state WHEN 'mined' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END",
        )
        .bind(to_i64("rollupId", cp.rollup_id)?)
        .bind(to_i64("height", cp.height)?)
        .bind(cp.block_hash.to_vec())
        .bind(cp.state_root.to_vec())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "state")?, col(r, "signed_weight")?, col(r, "total_weight")?)))
            .collect()
    }

    /// Atomically claims the batch certificate of the oldest range in state ready or
    /// submitted whose lease is free or expired, for `owner` until `now_ms + lease` (the same
    /// claim as [`Store::claim_next`]'s).
    pub async fn claim_next_batch(
        &self,
        owner: &str,
        lease: std::time::Duration,
        now_ms: u64,
    ) -> Result<Option<BatchCertificateRecord>> {
        let until = add_ms("leaseUntilMs", now_ms, lease)?;
        let now = to_i64("nowMs", now_ms)?;
        let sql = BATCH_LEASES.claim_sql(self.backend, BATCH_CERTIFICATE_COLUMNS);
        let row = {
            let _gate = self.gate().await;
            sqlx::query(&sql).bind(owner).bind(until).bind(now).fetch_optional(&self.pool).await?
        };
        row.as_ref().map(batch_certificate_record).transpose()
    }

    /// Gives up every batch-certificate lease `owner` holds.
    pub async fn release_all_batches(&self, owner: &str) -> Result<u64> {
        let sql = BATCH_LEASES.release_all_sql();
        let _gate = self.gate().await;
        Ok(sqlx::query(&sql).bind(owner).execute(&self.pool).await?.rows_affected())
    }

    /// Applies a state change to `digest`'s batch certificate, only while `owner` holds a live
    /// lease; otherwise fails with [`StoreError::BatchLeaseLost`] and changes nothing. The same
    /// rules as [`Store::update_state`].
    pub async fn update_batch_state(
        &self,
        digest: B256,
        owner: &str,
        update: StateUpdate,
        now_ms: u64,
    ) -> Result<()> {
        let now = to_i64("nowMs", now_ms)?;
        // The key and the write gate's parameters come first in every statement: $1..$3.
        let sql = format!(
            "UPDATE batch_certificates SET {}, updated_at_ms = $3 WHERE {} AND {}",
            state_set(&update, 4),
            BATCH_LEASES.key_match(1),
            LeaseTable::guard(2, 3)
        );
        let query =
            bind_state(sqlx::query(&sql).bind(digest.to_vec()).bind(owner).bind(now), &update)?;
        let done = {
            let _gate = self.gate().await;
            query.execute(&self.pool).await?
        };
        if done.rows_affected() == 1 {
            debug!(target: "aggregator::store", owner, %digest, state = %update.state(), "batch certificate state");
            return Ok(());
        }
        Err(StoreError::BatchLeaseLost { digest, owner: owner.into() })
    }

    /// How many batch certificates are in each state, for every state (zeros included).
    pub async fn count_batches_by_state(&self) -> Result<Vec<(CertState, u64)>> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM batch_certificates GROUP BY state")
                .fetch_all(&self.pool)
                .await?;
        let mut counts: Vec<(CertState, u64)> = CertState::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let state: CertState = col(&row, "state")?;
            let n: u64 = col(&row, "n")?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }
}

/// A stored row id.
fn id_u64(id: i64) -> Result<u64> {
    u64::try_from(id).map_err(|_| StoreError::CorruptRow { what: "id" })
}
