//! Signatures: intake, the feed, and what a restarted aggregator reloads.

use std::collections::HashMap;

use tracing::debug;

use super::{
    FeedEntry, Inserted, NewSignature, Result, Store, StoreError,
    codec::{SIGNATURE_COLUMNS, SignatureCols, feed_entry, to_i64},
};

impl Store {
    /// Stores a batch of signatures in one transaction, durable when this returns, and returns
    /// where each landed, in order.
    ///
    /// A repeat of an already stored `(digest, pubkey)` (also within the batch) is not stored
    /// again: it returns the existing sequence number with `duplicate = true`. The counter row
    /// is locked first, so that two writers never race on the uniqueness check (which would
    /// fail a whole batch on a unique violation) and sequence numbers become visible in order
    /// (see the module docs).
    pub async fn insert_signatures(&self, items: &[NewSignature]) -> Result<Vec<Inserted>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let rows = items.iter().map(SignatureCols::new).collect::<Result<Vec<_>>>()?;
        let mut tx = self.begin_write().await?;
        let first: i64 = sqlx::query_scalar(
            "UPDATE feed_counter SET next_seq = next_seq WHERE id = 1 RETURNING next_seq",
        )
        .fetch_one(&mut *tx)
        .await?;
        let mut next = first;
        let mut inserted = Vec::with_capacity(rows.len());
        // Repeats within this batch, which the ON CONFLICT below also catches; this saves the
        // lookup.
        let mut seen: HashMap<(&[u8], &[u8]), i64> = HashMap::new();
        for row in &rows {
            let key = (row.checkpoint.digest.as_slice(), row.pubkey.as_slice());
            if let Some(seq) = seen.get(&key) {
                inserted.push(Inserted { seq: seq_u64(*seq)?, duplicate: true });
                continue;
            }
            let c = &row.checkpoint;
            let done = sqlx::query(
                "INSERT INTO signatures (seq, digest, pubkey, signature, l1_chain_id, verifier, \
                 operator_set_id, rollup_id, height, block_hash, state_root, da_commitment, \
                 l1_block, operator, received_at_ms, invalid) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0) \
                 ON CONFLICT (digest, pubkey) DO NOTHING",
            )
            .bind(next)
            .bind(c.digest.as_slice())
            .bind(row.pubkey.as_slice())
            .bind(row.signature.as_slice())
            .bind(c.l1_chain_id)
            .bind(c.verifier.as_slice())
            .bind(c.operator_set_id)
            .bind(c.rollup_id)
            .bind(c.height)
            .bind(c.block_hash.as_slice())
            .bind(c.state_root.as_slice())
            .bind(c.da_commitment.as_slice())
            .bind(c.l1_block)
            .bind(row.operator.as_slice())
            .bind(row.received_at_ms)
            .execute(&mut *tx)
            .await?;
            let (seq, duplicate) = if done.rows_affected() == 1 {
                let seq = next;
                next = next.checked_add(1).ok_or(StoreError::CorruptRow { what: "next_seq" })?;
                (seq, false)
            } else {
                let seq: i64 = sqlx::query_scalar(
                    "SELECT seq FROM signatures WHERE digest = $1 AND pubkey = $2",
                )
                .bind(c.digest.as_slice())
                .bind(row.pubkey.as_slice())
                .fetch_one(&mut *tx)
                .await?;
                (seq, true)
            };
            seen.insert(key, seq);
            inserted.push(Inserted { seq: seq_u64(seq)?, duplicate });
        }
        if next != first {
            sqlx::query("UPDATE feed_counter SET next_seq = $1 WHERE id = 1")
                .bind(next)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        debug!(
            target: "aggregator::store",
            batch = items.len(), new = next - first, head = next - 1, "signatures stored"
        );
        Ok(inserted)
    }

    /// Up to `limit` feed entries after sequence number `after`, in ascending order. Invalid
    /// signatures are included (and flagged).
    pub async fn feed_after(&self, after: u64, limit: u32) -> Result<Vec<FeedEntry>> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(to_i64("after", after)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(feed_entry).collect()
    }

    /// The highest sequence number stored; 0 when the feed is empty.
    pub async fn feed_head(&self) -> Result<u64> {
        let next: i64 = sqlx::query_scalar("SELECT next_seq FROM feed_counter WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        seq_u64(next.checked_sub(1).ok_or(StoreError::CorruptRow { what: "next_seq" })?)
    }

    /// Every signature not marked invalid whose `(domain, rollupId, height)` has no mined
    /// certificate, in feed order: what a restarted aggregator reloads into memory.
    pub async fn open_round_signatures(&self) -> Result<Vec<FeedEntry>> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures s WHERE s.invalid = 0 AND NOT EXISTS ( \
                 SELECT 1 FROM certificates c \
                 WHERE c.rollup_id = s.rollup_id AND c.height = s.height \
                   AND c.l1_chain_id = s.l1_chain_id AND c.verifier = s.verifier \
                   AND c.operator_set_id = s.operator_set_id AND c.state = 'mined') \
             ORDER BY s.seq"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(feed_entry).collect()
    }

    /// Flags signatures that failed verification: they stay on the feed (flagged) but are no
    /// longer reloaded by [`Store::open_round_signatures`]. Unknown sequence numbers are
    /// ignored.
    pub async fn mark_invalid(&self, seqs: &[u64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let seqs = seqs.iter().map(|s| to_i64("seq", *s)).collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.begin_write().await?;
        for seq in seqs {
            sqlx::query("UPDATE signatures SET invalid = 1 WHERE seq = $1")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A stored sequence number.
fn seq_u64(seq: i64) -> Result<u64> {
    u64::try_from(seq).map_err(|_| StoreError::CorruptRow { what: "seq" })
}
