//! Offences, their proofs and states; feed cursors.

use std::time::Duration;

use alloy_primitives::{B256, keccak256};
use sqlx::{AnyConnection, Row as _, any::AnyRow};
use tracing::{debug, info};
use vigil_types::{Evidence, Offence, PUBLIC_KEY_COMPRESSED_LEN, PublicKeyBytes, SigningDomain};

use super::{EvidenceStore, MAX_PROOFS, OffenceRecord, OffenceState, Recorded, StateKind};
use crate::{Error, Result};
use vigil_service::{db::to_i64, outbox::LeaseTable};

/// Offences under leases: open ones are claimable, the least recently changed first.
const LEASES: LeaseTable = LeaseTable {
    table: "offences",
    key: &["id"],
    claimable: "state IN ('pending', 'submitted', 'queued')",
    order_by: "updated_at_ms, id",
};

/// A stored integer back to its unsigned type.
fn get_u<T: TryFrom<i64>>(row: &AnyRow, name: &'static str) -> Result<T> {
    T::try_from(row.try_get::<i64, _>(name)?).map_err(|_| Error::CorruptRow { what: name })
}

/// A fixed-size byte column.
fn get_fixed<const N: usize>(row: &AnyRow, name: &'static str) -> Result<[u8; N]> {
    <[u8; N]>::try_from(row.try_get::<Vec<u8>, _>(name)?.as_slice())
        .map_err(|_| Error::CorruptRow { what: name })
}

/// A query on the `Any` driver, still taking binds.
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The offence key columns, converted for binding.
struct OffenceCols {
    l1_chain_id: i64,
    verifier: Vec<u8>,
    operator_set_id: i64,
    pubkey: Vec<u8>,
    rollup_id: i64,
    height: i64,
}

impl OffenceCols {
    fn new(o: &Offence) -> Result<Self> {
        Ok(Self {
            l1_chain_id: to_i64("l1ChainId", o.domain.l1_chain_id)?,
            verifier: o.domain.verifier.to_vec(),
            operator_set_id: i64::from(o.domain.operator_set_id),
            pubkey: o.pubkey.0.to_vec(),
            rollup_id: to_i64("rollupId", o.rollup_id)?,
            height: to_i64("height", o.height)?,
        })
    }

    /// Binds the key as the next six parameters of `query`, in [`OFFENCE_KEY`]'s order.
    fn bind<'q>(&self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query
            .bind(self.l1_chain_id)
            .bind(self.verifier.clone())
            .bind(self.operator_set_id)
            .bind(self.pubkey.clone())
            .bind(self.rollup_id)
            .bind(self.height)
    }
}

/// The condition selecting one offence by its key: `$1..$6`.
const OFFENCE_KEY: &str = "l1_chain_id = $1 AND verifier = $2 AND operator_set_id = $3 \
     AND pubkey = $4 AND rollup_id = $5 AND height = $6";

/// The columns [`offence_record`] reads.
const COLUMNS: &str = "id, l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height, \
     evidence, proofs, state, tx_hash, block_number, reason, attempts, created_at_ms, \
     updated_at_ms";

/// An `offences` row.
fn offence_record(row: &AnyRow) -> Result<OffenceRecord> {
    let offence = Offence {
        domain: SigningDomain {
            l1_chain_id: get_u(row, "l1_chain_id")?,
            verifier: get_fixed::<20>(row, "verifier")?.into(),
            operator_set_id: get_u(row, "operator_set_id")?,
        },
        pubkey: PublicKeyBytes(get_fixed::<PUBLIC_KEY_COMPRESSED_LEN>(row, "pubkey")?),
        rollup_id: get_u(row, "rollup_id")?,
        height: get_u(row, "height")?,
    };
    let evidence: Evidence = serde_json::from_str(&row.try_get::<String, _>("evidence")?)?;
    let kind: StateKind = row
        .try_get::<String, _>("state")?
        .parse()
        .map_err(|_| Error::CorruptRow { what: "state" })?;
    let tx_hash = || -> Result<B256> {
        let bytes: Option<Vec<u8>> = row.try_get("tx_hash")?;
        let bytes = bytes.ok_or(Error::CorruptRow { what: "tx_hash" })?;
        B256::try_from(bytes.as_slice()).map_err(|_| Error::CorruptRow { what: "tx_hash" })
    };
    let block_number = || -> Result<u64> {
        let block: Option<i64> = row.try_get("block_number")?;
        block.and_then(|b| u64::try_from(b).ok()).ok_or(Error::CorruptRow { what: "block_number" })
    };
    let state = match kind {
        StateKind::Pending => OffenceState::Pending,
        StateKind::Submitted => OffenceState::Submitted { tx_hash: tx_hash()? },
        StateKind::Queued => {
            OffenceState::Queued { tx_hash: tx_hash()?, executable_at: block_number()? }
        }
        StateKind::Slashed => OffenceState::Slashed { tx_hash: tx_hash()?, block: block_number()? },
        StateKind::AlreadySlashed => OffenceState::AlreadySlashed,
        StateKind::Vetoed => OffenceState::Vetoed,
        StateKind::Failed => {
            let reason: Option<String> = row.try_get("reason")?;
            OffenceState::Failed { reason: reason.unwrap_or_default() }
        }
    };
    Ok(OffenceRecord {
        id: row.try_get("id")?,
        offence,
        evidence,
        proofs: get_u(row, "proofs")?,
        state,
        attempts: get_u(row, "attempts")?,
        created_at_ms: get_u(row, "created_at_ms")?,
        updated_at_ms: get_u(row, "updated_at_ms")?,
    })
}

/// Records one piece of evidence on `conn` (inside the caller's transaction).
async fn record_on(conn: &mut AnyConnection, evidence: &Evidence, now: i64) -> Result<Recorded> {
    let offence = evidence.offence()?;
    let key = OffenceCols::new(&offence)?;
    let json = serde_json::to_string(evidence)?;
    let hash = keccak256(json.as_bytes()).to_vec();
    let kind = match evidence {
        Evidence::DoubleSign { .. } => "doubleSign",
        Evidence::CertificateConflict { .. } => "certificateConflict",
        Evidence::Equivocation { .. } => "equivocation",
    };
    let inserted: Option<i64> = key
        .bind(sqlx::query(
            "INSERT INTO offences (l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, \
             height, kind, evidence, evidence_hash, proofs, state, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 'pending', $10, $10) \
             ON CONFLICT (l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height) \
             DO NOTHING RETURNING id",
        ))
        .bind(kind)
        .bind(json.clone())
        .bind(hash.clone())
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
    if let Some(offence_id) = inserted {
        info!(
            target: "slasher::store",
            offence_id, pubkey = %offence.pubkey, rollup = offence.rollup_id,
            height = offence.height, "offence recorded"
        );
        return Ok(Recorded { offence_id, new: true });
    }
    let sql = format!("SELECT id, evidence_hash, proofs FROM offences WHERE {OFFENCE_KEY}");
    let row = key.bind(sqlx::query(&sql)).fetch_one(&mut *conn).await?;
    let offence_id: i64 = row.try_get("id")?;
    let first_hash: Vec<u8> = row.try_get("evidence_hash")?;
    let proofs: u32 = get_u(&row, "proofs")?;
    if first_hash != hash && proofs < MAX_PROOFS {
        let added = sqlx::query(
            "INSERT INTO offence_proofs (offence_id, evidence_hash, evidence, received_at_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (offence_id, evidence_hash) DO NOTHING",
        )
        .bind(offence_id)
        .bind(hash)
        .bind(json)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if added.rows_affected() == 1 {
            sqlx::query("UPDATE offences SET proofs = proofs + 1 WHERE id = $1")
                .bind(offence_id)
                .execute(&mut *conn)
                .await?;
            debug!(target: "slasher::store", offence_id, "further proof appended");
        }
    }
    Ok(Recorded { offence_id, new: false })
}

impl EvidenceStore {
    /// Records evidence of an offence, keyed by the offence it proves: a new offence is one new
    /// row in state pending; a further distinct proof of a known offence is appended (up to
    /// [`MAX_PROOFS`]); the same proof again changes nothing. Fails with
    /// [`Error::NotAnOffence`] if the evidence proves none. Signatures are not checked here.
    pub async fn record(&self, evidence: &Evidence, now_ms: u64) -> Result<Recorded> {
        let now = to_i64("nowMs", now_ms)?;
        let mut tx = self.begin_write().await?;
        let recorded = record_on(&mut tx, evidence, now).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// The outbox rule: records every piece of `evidence` and advances `source`'s cursor to
    /// `seq`, in one transaction. If anything fails (evidence proving no offence, a database
    /// error, a crash) nothing is written, neither evidence nor cursor. The cursor never moves
    /// backwards here (a lower `seq` leaves it as it is); [`EvidenceStore::set_cursor`] can
    /// rewind it explicitly. Returns one [`Recorded`] per piece of evidence, in order.
    pub async fn record_batch_with_cursor(
        &self,
        evidence: &[Evidence],
        source: &str,
        seq: u64,
        now_ms: u64,
    ) -> Result<Vec<Recorded>> {
        let now = to_i64("nowMs", now_ms)?;
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(evidence.len());
        for e in evidence {
            out.push(record_on(&mut tx, e, now).await?);
        }
        sqlx::query(
            "INSERT INTO cursors (source, seq) VALUES ($1, $2) \
             ON CONFLICT (source) DO UPDATE SET seq = \
             CASE WHEN excluded.seq > cursors.seq THEN excluded.seq ELSE cursors.seq END",
        )
        .bind(source)
        .bind(to_i64("seq", seq)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves an offence to `state`. The slasher's submitter owns the state machine: any move
    /// is allowed (a reorg can take a slashed offence back to submitted or pending).
    pub async fn update_state(
        &self,
        offence_id: i64,
        state: &OffenceState,
        now_ms: u64,
    ) -> Result<()> {
        self.set_state(offence_id, None, state, now_ms).await
    }

    /// [`EvidenceStore::update_state`] by the holder of the offence's lease: fails with
    /// [`Error::LeaseLost`] (and changes nothing) unless `owner` holds it at `now_ms`.
    pub async fn update_state_leased(
        &self,
        offence_id: i64,
        owner: &str,
        state: &OffenceState,
        now_ms: u64,
    ) -> Result<()> {
        self.set_state(offence_id, Some(owner), state, now_ms).await
    }

    async fn set_state(
        &self,
        offence_id: i64,
        owner: Option<&str>,
        state: &OffenceState,
        now_ms: u64,
    ) -> Result<()> {
        let now = to_i64("nowMs", now_ms)?;
        let (tx_hash, block, reason): (Option<Vec<u8>>, Option<i64>, Option<String>) = match state {
            OffenceState::Submitted { tx_hash } => (Some(tx_hash.to_vec()), None, None),
            OffenceState::Slashed { tx_hash, block: b }
            | OffenceState::Queued { tx_hash, executable_at: b } => {
                (Some(tx_hash.to_vec()), Some(to_i64("block", *b)?), None)
            }
            OffenceState::Failed { reason } => (None, None, Some(reason.clone())),
            OffenceState::Pending | OffenceState::AlreadySlashed | OffenceState::Vetoed => {
                (None, None, None)
            }
        };
        let lease = match owner {
            Some(_) => format!(" AND {}", LeaseTable::guard(7, 6)),
            None => String::new(),
        };
        let sql = format!(
            "UPDATE offences SET state = $2, tx_hash = $3, block_number = $4, reason = $5, \
             updated_at_ms = $6 WHERE id = $1{lease}"
        );
        let mut query = sqlx::query(&sql)
            .bind(offence_id)
            .bind(state.kind().as_str())
            .bind(tx_hash)
            .bind(block)
            .bind(reason)
            .bind(now);
        if let Some(owner) = owner {
            query = query.bind(owner.to_owned());
        }
        let done = query.execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(match (owner, self.get_by_id(offence_id).await?) {
                (_, None) => Error::OffenceNotFound { id: offence_id },
                (_, Some(_)) => Error::LeaseLost { id: offence_id },
            });
        }
        debug!(target: "slasher::store", offence_id, state = %state.kind(), "offence state");
        Ok(())
    }

    /// Leases the oldest open offence (pending, submitted or queued) that no live lease holds
    /// (this owner's included, so claiming repeatedly walks through the open offences) to
    /// `owner` for `lease` from `now_ms`. Two replicas never hold one offence at once: the claim
    /// is one statement ([`LeaseTable::claim_sql`]: `FOR UPDATE SKIP LOCKED` on PostgreSQL;
    /// SQLite serialises writers).
    pub async fn claim_next(
        &self,
        owner: &str,
        lease: Duration,
        now_ms: u64,
    ) -> Result<Option<OffenceRecord>> {
        let until = vigil_service::db::add_ms("leaseUntil", now_ms, lease)?;
        let now = to_i64("nowMs", now_ms)?;
        let sql = LEASES.claim_sql(self.backend, COLUMNS);
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&sql)
            .bind(owner.to_owned())
            .bind(until)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.as_ref().map(offence_record).transpose()
    }

    /// The write-ahead: records `tx_hash` (nonce `nonce`) as the offence's transaction, in
    /// state submitted, and counts one attempt, before the transaction is broadcast. Only by
    /// the holder of the offence's lease: fails with [`Error::LeaseLost`] (and changes nothing)
    /// unless `owner` holds it at `now_ms`.
    pub async fn record_sent(
        &self,
        offence_id: i64,
        owner: &str,
        tx_hash: B256,
        nonce: u64,
        now_ms: u64,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE offences SET state = 'submitted', tx_hash = $2, nonce = $3, block_number = NULL, \
             reason = NULL, attempts = attempts + 1, updated_at_ms = $4 WHERE id = $1 AND {}",
            LeaseTable::guard(5, 4)
        );
        let done = sqlx::query(&sql)
            .bind(offence_id)
            .bind(tx_hash.to_vec())
            .bind(to_i64("nonce", nonce)?)
            .bind(to_i64("nowMs", now_ms)?)
            .bind(owner.to_owned())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(match self.get_by_id(offence_id).await? {
                None => Error::OffenceNotFound { id: offence_id },
                Some(_) => Error::LeaseLost { id: offence_id },
            });
        }
        debug!(target: "slasher::store", offence_id, tx = %tx_hash, nonce, "offence transaction recorded");
        Ok(())
    }

    /// Gives up every lease `owner` holds: what a replica does when it starts, since leases
    /// held under its name are left over from a life that ended without releasing them.
    /// Returns how many were released.
    pub async fn release_all(&self, owner: &str) -> Result<u64> {
        let done = sqlx::query(&LEASES.release_all_sql())
            .bind(owner.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Gives up `owner`'s lease on an offence (a no-op if it holds none).
    pub async fn release(&self, offence_id: i64, owner: &str) -> Result<()> {
        sqlx::query(&LEASES.release_sql())
            .bind(offence_id)
            .bind(owner.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many offences are in each state (every state listed, zeros included).
    pub async fn count_by_state(&self) -> Result<Vec<(StateKind, u64)>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM offences GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<(StateKind, u64)> = StateKind::ALL.iter().map(|k| (*k, 0)).collect();
        for row in &rows {
            let kind: StateKind = row
                .try_get::<String, _>("state")?
                .parse()
                .map_err(|_| Error::CorruptRow { what: "state" })?;
            let n: u64 = get_u(row, "n")?;
            if let Some(slot) = out.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 = n;
            }
        }
        Ok(out)
    }

    /// Every offence in state pending, oldest first: the submitter's work list.
    pub async fn pending(&self) -> Result<Vec<OffenceRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM offences WHERE state = 'pending' ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(offence_record).collect()
    }

    /// The stored record of `offence`, if any.
    pub async fn get(&self, offence: &Offence) -> Result<Option<OffenceRecord>> {
        let key = OffenceCols::new(offence)?;
        let sql = format!("SELECT {COLUMNS} FROM offences WHERE {OFFENCE_KEY}");
        let row = key.bind(sqlx::query(&sql)).fetch_optional(&self.pool).await?;
        row.as_ref().map(offence_record).transpose()
    }

    /// The offence with id `offence_id`, if any.
    pub async fn get_by_id(&self, offence_id: i64) -> Result<Option<OffenceRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM offences WHERE id = $1");
        let row = sqlx::query(&sql).bind(offence_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(offence_record).transpose()
    }

    /// Up to `limit` offences, newest first, all or only those in state `state`.
    pub async fn list(&self, limit: u32, state: Option<StateKind>) -> Result<Vec<OffenceRecord>> {
        let limit = i64::from(limit);
        let rows = match state {
            Some(kind) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM offences WHERE state = $1 ORDER BY id DESC LIMIT $2"
                );
                sqlx::query(&sql).bind(kind.as_str()).bind(limit).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM offences ORDER BY id DESC LIMIT $1");
                sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(offence_record).collect()
    }

    /// Every stored proof of an offence: the first (submitted) one, then the appended ones in
    /// the order they arrived.
    pub async fn proofs(&self, offence_id: i64) -> Result<Vec<Evidence>> {
        let first: Option<String> =
            sqlx::query_scalar("SELECT evidence FROM offences WHERE id = $1")
                .bind(offence_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(first) = first else {
            return Err(Error::OffenceNotFound { id: offence_id });
        };
        let rest: Vec<String> = sqlx::query_scalar(
            "SELECT evidence FROM offence_proofs WHERE offence_id = $1 \
             ORDER BY received_at_ms, evidence_hash",
        )
        .bind(offence_id)
        .fetch_all(&self.pool)
        .await?;
        std::iter::once(first)
            .chain(rest)
            .map(|json| serde_json::from_str(&json).map_err(Error::from))
            .collect()
    }

    /// Deletes offences that can no longer be slashed (slashed, already slashed, vetoed,
    /// failed) whose state last changed before `before_ms`, with their proofs. Pending and
    /// submitted offences are always kept. Returns how many offences were deleted.
    ///
    /// Keep `before_ms` older than the slasher's feed replay window: an offence deleted here
    /// and detected again on replay would be recorded as new (and then found already slashed
    /// on-chain).
    pub async fn prune(&self, before_ms: u64) -> Result<u64> {
        let before = to_i64("beforeMs", before_ms)?;
        let closed = "state IN ('slashed', 'already_slashed', 'vetoed', 'failed') \
                      AND updated_at_ms < $1";
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "DELETE FROM offence_proofs WHERE offence_id IN (SELECT id FROM offences WHERE {closed})"
        ))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(&format!("DELETE FROM offences WHERE {closed}"))
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// How far `source` has been durably processed (its last sequence number), if ever.
    pub async fn cursor(&self, source: &str) -> Result<Option<u64>> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM cursors WHERE source = $1")
            .bind(source)
            .fetch_optional(&self.pool)
            .await?;
        seq.map(|s| u64::try_from(s).map_err(|_| Error::CorruptRow { what: "seq" })).transpose()
    }

    /// Sets `source`'s cursor to `seq`, forwards or backwards (for a deliberate replay).
    pub async fn set_cursor(&self, source: &str, seq: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cursors (source, seq) VALUES ($1, $2) \
             ON CONFLICT (source) DO UPDATE SET seq = excluded.seq",
        )
        .bind(source)
        .bind(to_i64("seq", seq)?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl EvidenceStore {
    /// Appends verified signed checkpoints from the public endpoint, in one transaction;
    /// returns their sequence numbers in order.
    pub async fn append_public(
        &self,
        signed: &[vigil_types::SignedCheckpoint],
        now_ms: u64,
    ) -> Result<Vec<u64>> {
        let now = to_i64("nowMs", now_ms)?;
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(signed.len());
        for s in signed {
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO public_feed (signed, received_at_ms) VALUES ($1, $2) RETURNING seq",
            )
            .bind(serde_json::to_string(s)?)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            out.push(u64::try_from(seq).map_err(|_| Error::CorruptRow { what: "seq" })?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Up to `limit` public submissions after `after`, in order.
    pub async fn public_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(u64, vigil_types::SignedCheckpoint)>> {
        let rows =
            sqlx::query("SELECT seq, signed FROM public_feed WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(to_i64("after", after)?)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let seq: u64 = get_u(row, "seq")?;
                let signed = serde_json::from_str(&row.try_get::<String, _>("signed")?)?;
                Ok((seq, signed))
            })
            .collect()
    }
}

/// A certificate the verifier recorded, as the slasher keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCertificate {
    /// The certificate (checkpoint, non-signers, aggregate signature) from the calldata.
    pub certificate: vigil_types::Certificate,
    /// The transaction that recorded it.
    pub tx_hash: B256,
    /// Its L1 block.
    pub block: u64,
}

/// The cursor naming the last L1 block scanned for certificates.
pub const CHAIN_CURSOR: &str = "chain";

impl EvidenceStore {
    /// Stores recorded certificates (a `(rollup, height)` already stored is kept), the evidence
    /// they revealed, and the chain cursor (`scanned`: the last L1 block looked at), in one
    /// transaction.
    pub async fn record_certificates_with_cursor(
        &self,
        certificates: &[RecordedCertificate],
        evidence: &[Evidence],
        scanned: u64,
        now_ms: u64,
    ) -> Result<Vec<Recorded>> {
        let now = to_i64("nowMs", now_ms)?;
        let mut tx = self.begin_write().await?;
        for c in certificates {
            let cp = &c.certificate.checkpoint;
            sqlx::query(
                "INSERT INTO certificates (rollup_id, height, certificate, tx_hash, block_number) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (rollup_id, height) DO NOTHING",
            )
            .bind(to_i64("rollupId", cp.rollup_id)?)
            .bind(to_i64("height", cp.height)?)
            .bind(serde_json::to_string(&c.certificate)?)
            .bind(c.tx_hash.to_vec())
            .bind(to_i64("block", c.block)?)
            .execute(&mut *tx)
            .await?;
        }
        let mut out = Vec::with_capacity(evidence.len());
        for e in evidence {
            out.push(record_on(&mut tx, e, now).await?);
        }
        sqlx::query(
            "INSERT INTO cursors (source, seq) VALUES ($1, $2) \
             ON CONFLICT (source) DO UPDATE SET seq = excluded.seq",
        )
        .bind(CHAIN_CURSOR)
        .bind(to_i64("scanned", scanned)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every stored certificate (bounded by [`EvidenceStore::prune_certificates`]).
    pub async fn certificates(&self) -> Result<Vec<RecordedCertificate>> {
        let rows = sqlx::query(
            "SELECT certificate, tx_hash, block_number FROM certificates ORDER BY rollup_id, height",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RecordedCertificate {
                    certificate: serde_json::from_str(&row.try_get::<String, _>("certificate")?)?,
                    tx_hash: B256::from(get_fixed::<32>(row, "tx_hash")?),
                    block: get_u(row, "block_number")?,
                })
            })
            .collect()
    }

    /// Forgets the certificates of `rollup_id` below `height`; returns how many.
    pub async fn prune_certificates(&self, rollup_id: u64, height: u64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM certificates WHERE rollup_id = $1 AND height < $2")
            .bind(to_i64("rollupId", rollup_id)?)
            .bind(to_i64("height", height)?)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
