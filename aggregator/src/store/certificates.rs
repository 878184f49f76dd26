//! Certificates and their submission to L1, claimed under leases.

use std::time::Duration;

use sqlx::Row as _;
use tracing::debug;
use vigil_service::outbox::LeaseTable;

use super::{
    CertState, CertificateRecord, NewCertificate, Result, StateUpdate, Store, StoreError,
    codec::{
        CERTIFICATE_COLUMNS, CheckpointCols, add_ms, certificate_record, non_signers_blob, to_i64,
        u256_text,
    },
};

/// Certificates under leases: ready or submitted ones are claimable, oldest first.
const LEASES: LeaseTable = LeaseTable {
    table: "certificates",
    key: &["rollup_id", "height"],
    claimable: "state IN ('ready', 'submitted')",
    order_by: "created_at_ms, rollup_id, height",
};

impl Store {
    /// Stores a certificate in state ready. Returns `false`, changing nothing, if a certificate
    /// for its `(rollupId, height)` already exists (the verifier records only the first).
    pub async fn insert_certificate(&self, c: &NewCertificate) -> Result<bool> {
        let cert = &c.certificate;
        let cp = CheckpointCols::new(&cert.domain, &cert.checkpoint)?;
        let created = to_i64("createdAtMs", c.created_at_ms)?;
        let query = sqlx::query(
            "INSERT INTO certificates (rollup_id, height, l1_chain_id, verifier, operator_set_id, \
             block_hash, state_root, da_commitment, l1_block, digest, non_signers, \
             aggregate_signature, signed_weight, total_weight, signers, state, attempts, \
             created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'ready', \
             0, $16, $16) \
             ON CONFLICT (rollup_id, height) DO NOTHING",
        )
        .bind(cp.rollup_id)
        .bind(cp.height)
        .bind(cp.l1_chain_id)
        .bind(cp.verifier)
        .bind(cp.operator_set_id)
        .bind(cp.block_hash)
        .bind(cp.state_root)
        .bind(cp.da_commitment)
        .bind(cp.l1_block)
        .bind(cp.digest)
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

    /// The certificate for `(rollup_id, height)`, if any.
    pub async fn certificate(
        &self,
        rollup_id: u64,
        height: u64,
    ) -> Result<Option<CertificateRecord>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE rollup_id = $1 AND height = $2"
        );
        let row = sqlx::query(&sql)
            .bind(to_i64("rollupId", rollup_id)?)
            .bind(to_i64("height", height)?)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(certificate_record).transpose()
    }

    /// The mined certificate with the highest height for `rollup_id`.
    pub async fn latest_mined(&self, rollup_id: u64) -> Result<Option<CertificateRecord>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates \
             WHERE rollup_id = $1 AND state = 'mined' ORDER BY height DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(to_i64("rollupId", rollup_id)?)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(certificate_record).transpose()
    }

    /// Atomically claims the oldest certificate in state ready or submitted whose lease is
    /// free or expired, for `owner` until `now_ms + lease`.
    ///
    /// One statement ([`LeaseTable::claim_sql`]): `FOR UPDATE SKIP LOCKED` on PostgreSQL, one
    /// writer at a time on SQLite. Two concurrent claimers never get the same certificate
    /// while a lease is live. A submitter taking over a certificate in state submitted must
    /// first find out what became of its recorded transaction.
    pub async fn claim_next(
        &self,
        owner: &str,
        lease: Duration,
        now_ms: u64,
    ) -> Result<Option<CertificateRecord>> {
        let until = add_ms("leaseUntilMs", now_ms, lease)?;
        let now = to_i64("nowMs", now_ms)?;
        let sql = LEASES.claim_sql(self.backend, CERTIFICATE_COLUMNS);
        let row = {
            let _gate = self.gate().await;
            sqlx::query(&sql).bind(owner).bind(until).bind(now).fetch_optional(&self.pool).await?
        };
        let Some(row) = row else {
            return Ok(None);
        };
        let record = certificate_record(&row)?;
        let (rollup_id, height) =
            (record.certificate.checkpoint.rollup_id, record.certificate.checkpoint.height);
        debug!(
            target: "aggregator::store",
            owner, rollup = rollup_id, height, until, state = %record.state, "certificate claimed"
        );
        Ok(Some(record))
    }

    /// Gives up `owner`'s lease on a certificate (a no-op if it holds none).
    pub async fn release(&self, rollup_id: u64, height: u64, owner: &str) -> Result<()> {
        let sql = LEASES.release_sql();
        let query = sqlx::query(&sql)
            .bind(to_i64("rollupId", rollup_id)?)
            .bind(to_i64("height", height)?)
            .bind(owner);
        let _gate = self.gate().await;
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Gives up every lease `owner` holds: what a replica does when it starts, since leases
    /// held under its name are left over from a life that ended without releasing them.
    /// Returns how many were released.
    pub async fn release_all(&self, owner: &str) -> Result<u64> {
        let sql = LEASES.release_all_sql();
        let _gate = self.gate().await;
        Ok(sqlx::query(&sql).bind(owner).execute(&self.pool).await?.rows_affected())
    }

    /// Applies a state change, only while `owner` holds a live lease (`lease_until_ms >
    /// now_ms`); otherwise fails with [`StoreError::LeaseLost`] and changes nothing.
    ///
    /// Submitted counts an attempt and keeps the lease; Ready keeps it; Mined and Failed
    /// release it. `tx_hash` and `nonce` keep the last attempt's values. The check and the
    /// change are one conditional `UPDATE`, atomic on both backends.
    pub async fn update_state(
        &self,
        rollup_id: u64,
        height: u64,
        owner: &str,
        update: StateUpdate,
        now_ms: u64,
    ) -> Result<()> {
        let (r, h, now) =
            (to_i64("rollupId", rollup_id)?, to_i64("height", height)?, to_i64("nowMs", now_ms)?);
        let state = update.state();
        // The key and the write gate's parameters come first in every statement: $1..$4.
        let sql = format!(
            "UPDATE certificates SET {}, updated_at_ms = $4 WHERE {} AND {}",
            state_set(&update, 5),
            LEASES.key_match(1),
            LeaseTable::guard(3, 4)
        );
        let query = bind_state(sqlx::query(&sql).bind(r).bind(h).bind(owner).bind(now), &update)?;
        let done = {
            let _gate = self.gate().await;
            query.execute(&self.pool).await?
        };
        if done.rows_affected() == 1 {
            debug!(target: "aggregator::store", owner, rollup = rollup_id, height, %state, "certificate state");
            return Ok(());
        }
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM certificates WHERE rollup_id = $1 AND height = $2",
        )
        .bind(r)
        .bind(h)
        .fetch_one(&self.pool)
        .await?;
        Err(if exists == 0 {
            StoreError::CertificateNotFound { rollup_id, height }
        } else {
            StoreError::LeaseLost { rollup_id, height, owner: owner.into() }
        })
    }

    /// How many certificates are in each state, for every state (zeros included).
    pub async fn count_by_state(&self) -> Result<Vec<(CertState, u64)>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM certificates GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        let mut counts: Vec<(CertState, u64)> = CertState::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let state: CertState = row
                .try_get::<String, _>("state")?
                .parse()
                .map_err(|_| StoreError::CorruptRow { what: "state" })?;
            let n = u64::try_from(row.try_get::<i64, _>("n")?)
                .map_err(|_| StoreError::CorruptRow { what: "count" })?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    /// Deletes what no round needs any more below L1 block `below` (the retention window):
    /// every stored signature whose checkpoint's `l1Block` is older (the feed keeps its
    /// sequence numbers: a follower resuming after them simply gets the next), and the
    /// certificates of such checkpoints that are done with (mined or failed). Certificates still
    /// waiting for or in submission are kept. Returns `(signatures, certificates)` deleted.
    pub async fn prune_below(&self, below: u64) -> Result<(u64, u64)> {
        let below = to_i64("below", below)?;
        let mut tx = self.begin_write().await?;
        let signatures = sqlx::query("DELETE FROM signatures WHERE l1_block < $1")
            .bind(below)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let certificates = sqlx::query(
            "DELETE FROM certificates WHERE l1_block < $1 AND state IN ('mined', 'failed')",
        )
        .bind(below)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        debug!(target: "aggregator::store", below, signatures, certificates, "rows pruned");
        Ok((signatures, certificates))
    }
}

/// The `SET` clause of a state change of a leased row (`certificates`, `batch_certificates`),
/// its values from parameter `$first` on ([`bind_state`] binds them): Submitted counts an
/// attempt and keeps the lease; Ready keeps it; Mined and Failed release it.
pub(super) fn state_set(update: &StateUpdate, first: usize) -> String {
    let p = |i: usize| format!("${}", first.saturating_add(i));
    match update {
        StateUpdate::Submitted { .. } => format!(
            "state = 'submitted', tx_hash = {}, nonce = {}, attempts = attempts + 1",
            p(0),
            p(1)
        ),
        StateUpdate::Mined { .. } => format!(
            "state = 'mined', tx_hash = {}, block_number = {}, gas_used = {}, \
             lease_owner = NULL, lease_until_ms = NULL",
            p(0),
            p(1),
            p(2)
        ),
        StateUpdate::Failed { .. } => format!(
            "state = 'failed', last_error = {}, lease_owner = NULL, lease_until_ms = NULL",
            p(0)
        ),
        StateUpdate::Ready { .. } => format!("state = 'ready', last_error = {}", p(0)),
    }
}

/// Binds the values of [`state_set`]'s clause, in its order.
pub(super) fn bind_state<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    update: &StateUpdate,
) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>> {
    Ok(match update {
        StateUpdate::Submitted { tx_hash, nonce } => {
            query.bind(tx_hash.to_vec()).bind(to_i64("nonce", *nonce)?)
        }
        StateUpdate::Mined { tx_hash, block_number, gas_used } => query
            .bind(tx_hash.to_vec())
            .bind(to_i64("blockNumber", *block_number)?)
            .bind(to_i64("gasUsed", *gas_used)?),
        StateUpdate::Failed { reason } | StateUpdate::Ready { reason } => {
            query.bind(reason.clone())
        }
    })
}
