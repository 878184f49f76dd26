//! The SQLite slashing-protection database.

use std::{
    borrow::Cow,
    collections::{BTreeMap, HashMap, hash_map::Entry},
    future::Future,
    path::Path,
    pin::Pin,
    time::Duration,
};

use alloy_primitives::B256;
use sqlx::{
    Sqlite, SqliteConnection, SqlitePool,
    error::BoxDynError,
    migrate::{Migration, MigrationSource, MigrationType, Migrator},
    query::{Query, QueryAs},
    sqlite::{
        SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions,
        SqliteSynchronous,
    },
};
use tracing::{debug, info, warn};
use vigil_types::{Checkpoint, MAX_BATCH_LEAVES, PublicKeyBytes, SigningDomain};

use crate::{
    BatchSafe, Error, Interchange, InterchangeCheckpoint, InterchangeKey, NotSafe, RecordedBlock,
    Result, Safe, lock::LockFile, metrics,
};

/// The crate's migrations (`crates/vigil-slashing-protection/migrations/`), embedded in the
/// binary and run at every open. Each is what sqlx's directory resolver (and its `migrate!`
/// macro, which this crate does not build) makes of the file: the same version, description
/// and checksum; `tests/it/schema.rs` compares them with the folder.
pub fn migrations() -> Vec<Migration> {
    vec![Migration::new(
        20_261_125_000_000,
        Cow::Borrowed("initial"),
        MigrationType::Simple,
        Cow::Borrowed(include_str!("../migrations/20261125000000_initial.sql")),
        false,
    )]
}

/// [`migrations`] as a source for sqlx's [`Migrator`].
#[derive(Clone, Copy, Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<Migration>, BoxDynError>> + Send>>
    {
        Box::pin(std::future::ready(Ok(migrations())))
    }
}

/// How long a statement waits for SQLite's own lock before failing. Only this process touches
/// the file (see the lock file), so contention means an outside reader such as a backup tool.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `(pubkey, rollup_id, height, block_hash, state_root)` as stored.
type ExportRow = (Vec<u8>, i64, i64, Vec<u8>, Vec<u8>);

/// What [`SlashingDatabase::import_interchange`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Key entries in the file (each key is registered if it was not).
    pub keys: usize,
    /// Records written.
    pub inserted: usize,
    /// Records already present.
    pub duplicates: usize,
}

/// The slashing-protection database of one operator process.
///
/// Holds an exclusive lock on `<path>.lock` for as long as it lives, and one SQLite connection:
/// every decision is serialised, within the process by the pool and across processes by the
/// lock.
#[derive(Debug)]
pub struct SlashingDatabase {
    // Dropped before the lock. Dropping the pool closes its connection in the background, so
    // prefer `close()`; a drop is still safe, since no transaction outlives the call that began
    // it and SQLite's own locking orders the old connection against a new opener's.
    pool: SqlitePool,
    lock: LockFile,
}

impl SlashingDatabase {
    /// Opens (creating it and its folder if needed) the database at `path`, takes its lock, checks the schema
    /// version and runs the migrations.
    ///
    /// Fails with [`Error::AlreadyLocked`] if another process (or another handle in this
    /// process) has it open, and with [`Error::UnsupportedSchema`] if a newer build wrote it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| Error::Folder { path: dir.to_path_buf(), source })?;
        }
        let lock = LockFile::acquire(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: fsync the WAL at every commit. A record must survive power loss once the
            // caller may sign; throughput (a few checkpoints a second) does not matter here.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        let db = Self { pool, lock };
        let migrator = Migrator::new(Embedded).await?;
        db.check_schema_version(&migrator).await?;
        migrator.run(&db.pool).await?;
        info!(target: "protection", path = %path.display(), lock = %db.lock.path().display(), "slashing-protection database open");
        Ok(db)
    }

    /// Closes the connection, waiting for it, then releases the lock. Prefer this to a drop
    /// when the same process reopens the database.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Refuses a database whose applied migrations this build does not know.
    async fn check_schema_version(&self, migrator: &Migrator) -> Result<()> {
        let supported = migrator.iter().map(|m| m.version).max().unwrap_or_default();
        let has_table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&self.pool)
        .await?;
        if has_table.is_none() {
            return Ok(());
        }
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await?;
        // A migration this build does not have was written by a newer (or foreign) build.
        if applied.iter().any(|v| migrator.iter().all(|m| m.version != *v)) {
            let found = applied.iter().copied().max().unwrap_or_default();
            return Err(Error::UnsupportedSchema { found, supported });
        }
        Ok(())
    }

    /// Runs `PRAGMA integrity_check`.
    pub async fn integrity_check(&self) -> Result<()> {
        let rows: Vec<String> =
            sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        if rows.len() == 1 && rows.first().is_some_and(|r| r == "ok") {
            Ok(())
        } else {
            Err(Error::IntegrityCheck(rows.join("; ")))
        }
    }

    /// Registers `pubkey` so it may sign; registering twice is a no-op.
    pub async fn register_key(&self, pubkey: &PublicKeyBytes) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        register_key(&mut conn, pubkey).await?;
        Ok(())
    }

    /// Whether `pubkey` is registered.
    pub async fn is_registered(&self, pubkey: &PublicKeyBytes) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        Ok(key_id(&mut conn, pubkey).await?.is_some())
    }

    /// Decides whether `pubkey` may sign `checkpoint` in `domain` and, if it may, records it.
    ///
    /// One `BEGIN IMMEDIATE` transaction reads the records at `(key, domain, rollupId, height)`
    /// and the low-water marks, then writes the new record; `Safe` is returned only after
    /// `COMMIT` has returned (fsynced, see [`SlashingDatabase::open`]). **Sign only after this
    /// returns `Ok`.** A crash between the commit and the signature is safe: the record exists,
    /// and signing the same block again after the restart is allowed ([`Safe::SameBlock`]).
    ///
    /// The rule, in order:
    /// 1. any recorded block at that height with another `blockHash` or `stateRoot` →
    ///    [`NotSafe::Conflict`] (checked against *every* record, so after an import that
    ///    brought in two blocks at one height, neither may be signed again);
    /// 2. the same block recorded → [`Safe::SameBlock`] (`daCommitment` and `l1Block` are
    ///    ignored);
    /// 3. height at or below the low-water mark → [`NotSafe::BelowLowWaterMark`];
    /// 4. otherwise the record is written → [`Safe::Valid`].
    ///
    /// Every outcome bumps `vigil_operator_protection_decisions_total{outcome}`.
    pub async fn check_and_insert(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        checkpoint: &Checkpoint,
    ) -> Result<Safe, NotSafe> {
        let outcome = self.decide(pubkey, domain, checkpoint).await;
        let label = match &outcome {
            Ok(safe) => safe.outcome_label(),
            Err(not_safe) => not_safe.outcome_label(),
        };
        metrics::count_decision(label);
        match &outcome {
            Ok(safe) => debug!(
                target: "protection",
                key = %pubkey, rollup = checkpoint.rollup_id, height = checkpoint.height,
                outcome = label, ?safe, "safe to sign"
            ),
            Err(reason) => warn!(
                target: "protection",
                key = %pubkey, rollup = checkpoint.rollup_id, height = checkpoint.height,
                outcome = label, %reason, "refused to sign"
            ),
        }
        outcome
    }

    async fn decide(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        checkpoint: &Checkpoint,
    ) -> Result<Safe, NotSafe> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(Error::from)?;
        let signer = Signer::resolve(&mut tx, pubkey, domain).await?;
        let safe = check_and_record(&mut tx, signer, checkpoint).await?;
        tx.commit().await.map_err(Error::from)?;
        Ok(safe)
    }

    /// Decides whether `pubkey` may sign a batch (`VIGIL_BATCH_V1`) whose leaves are `leaves`
    /// in `domain` and, if it may, records every leaf. Signing a batch header is signing each of
    /// its leaves, so the batch is safe only if every leaf is.
    ///
    /// All or nothing, in one `BEGIN IMMEDIATE` transaction, like
    /// [`check_and_insert`](Self::check_and_insert): **sign only after this returns `Ok`**, and
    /// nothing is written unless it does. In order:
    /// 1. no leaves → [`NotSafe::EmptyBatch`]; more than [`MAX_BATCH_LEAVES`] →
    ///    [`NotSafe::BatchTooLarge`];
    /// 2. two leaves with one `(rollupId, height)` and different blocks →
    ///    [`NotSafe::BatchSelfConflict`] (the batch alone would be evidence against its signer);
    /// 3. an unregistered key → [`NotSafe::UnregisteredKey`];
    /// 4. each leaf, in slice order, goes through exactly the rule of
    ///    [`check_and_insert`](Self::check_and_insert) (the same code); the first leaf refused
    ///    refuses the batch with its own [`NotSafe::Conflict`] or
    ///    [`NotSafe::BelowLowWaterMark`], which name its `rollupId` and height, and the
    ///    transaction is rolled back, so no leaf of the batch is recorded.
    ///
    /// Leaves already recorded with the same block (an overlapping batch, a re-derived batch
    /// after an L1 reorg, a leaf signed alone before) are [`Safe::SameBlock`] leaves; a leaf
    /// repeated within the batch counts as recorded by its first copy. The leaves' order is not
    /// checked here (the tree's pinned order is [`vigil_types::Batch`]'s concern).
    ///
    /// Every outcome bumps `vigil_operator_protection_batch_decisions_total{outcome}` (see
    /// [`register_batch_metrics`](crate::register_batch_metrics)).
    pub async fn check_and_insert_batch(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        leaves: &[Checkpoint],
    ) -> Result<BatchSafe, NotSafe> {
        let outcome = self.decide_batch(pubkey, domain, leaves).await;
        let label = match &outcome {
            Ok(safe) => safe.outcome_label(),
            Err(not_safe) => not_safe.outcome_label(),
        };
        metrics::count_batch_decision(label);
        match &outcome {
            Ok(safe) => debug!(
                target: "protection",
                key = %pubkey, leaves = leaves.len(), inserted = safe.inserted,
                same_block = safe.same_block, outcome = label, "batch safe to sign"
            ),
            Err(reason) => warn!(
                target: "protection",
                key = %pubkey, leaves = leaves.len(), outcome = label, %reason,
                "refused to sign batch"
            ),
        }
        outcome
    }

    async fn decide_batch(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        leaves: &[Checkpoint],
    ) -> Result<BatchSafe, NotSafe> {
        check_batch_shape(leaves)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(Error::from)?;
        let signer = Signer::resolve(&mut tx, pubkey, domain).await?;
        let mut safe = BatchSafe::default();
        for leaf in leaves {
            // A refusal returns here and drops `tx`, which rolls back every leaf before it.
            match check_and_record(&mut tx, signer, leaf).await? {
                Safe::Valid => safe.inserted = safe.inserted.saturating_add(1),
                Safe::SameBlock => safe.same_block = safe.same_block.saturating_add(1),
            }
        }
        tx.commit().await.map_err(Error::from)?;
        Ok(safe)
    }

    /// Every block recorded for `(pubkey, domain, rollup_id, height)`, sorted.
    pub async fn recorded_blocks(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        rollup_id: u64,
        height: u64,
    ) -> Result<Vec<RecordedBlock>> {
        let (rollup_id, height) = (to_i64("rollupId", rollup_id)?, to_i64("height", height)?);
        let mut conn = self.pool.acquire().await?;
        match Slot::find(&mut conn, pubkey, domain, rollup_id).await? {
            Some(slot) => blocks_at(&mut conn, slot, height).await,
            None => Ok(Vec::new()),
        }
    }

    /// The effective low-water mark for `(pubkey, domain, rollup_id)`: heights at or below it
    /// are refused unless they repeat a recorded block. `None` if there is none.
    pub async fn low_water_mark(
        &self,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        rollup_id: u64,
    ) -> Result<Option<u64>> {
        let rollup_id = to_i64("rollupId", rollup_id)?;
        let mut conn = self.pool.acquire().await?;
        match Slot::find(&mut conn, pubkey, domain, rollup_id).await? {
            Some(slot) => low_water_mark(&mut conn, slot).await,
            None => Ok(None),
        }
    }

    /// Merges an interchange file for `domain` into the database, in one transaction.
    ///
    /// Refuses another format version or another domain ([`Error::DomainMismatch`]) before
    /// writing anything. Keys are registered, every record is kept (conflicting ones too: they
    /// only ever refuse more), and for each (key, rollup) in the file the import low-water mark
    /// becomes the lowest imported height if that is lower than the current one (EIP-3076's
    /// rule for a database that keeps every record). Pruning's mark is never lowered.
    pub async fn import_interchange(
        &self,
        interchange: &Interchange,
        domain: &SigningDomain,
    ) -> Result<ImportSummary> {
        interchange.check_compatible(domain)?;
        // Validate every integer before the transaction, so a bad file writes nothing.
        for key in &interchange.data {
            for cp in &key.signed_checkpoints {
                to_i64("rollupId", cp.rollup_id)?;
                to_i64("height", cp.height)?;
            }
        }
        let mut summary = ImportSummary { keys: interchange.data.len(), ..Default::default() };
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let domain_id = domain_id(&mut tx, domain, true)
            .await?
            .ok_or(Error::CorruptRow { what: "domain id" })?;
        for key in &interchange.data {
            let key_id = register_key(&mut tx, &key.pubkey).await?;
            let mut lowest: BTreeMap<i64, i64> = BTreeMap::new();
            for cp in &key.signed_checkpoints {
                let (rollup_id, height) =
                    (to_i64("rollupId", cp.rollup_id)?, to_i64("height", cp.height)?);
                let block = RecordedBlock { block_hash: cp.block_hash, state_root: cp.state_root };
                let slot = Slot { key_id, domain_id, rollup_id };
                if insert_record(&mut tx, slot, height, &block).await? {
                    summary.inserted = summary.inserted.saturating_add(1);
                } else {
                    summary.duplicates = summary.duplicates.saturating_add(1);
                }
                lowest.entry(rollup_id).and_modify(|h| *h = (*h).min(height)).or_insert(height);
            }
            for (rollup_id, height) in lowest {
                let slot = Slot { key_id, domain_id, rollup_id };
                slot.bind(sqlx::query(
                    "INSERT INTO low_water_marks (key_id, domain_id, rollup_id, imported_height)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key_id, domain_id, rollup_id) DO UPDATE SET imported_height =
                       min(coalesce(imported_height, excluded.imported_height), excluded.imported_height)",
                ))
                .bind(height)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        info!(target: "protection", keys = summary.keys, inserted = summary.inserted, duplicates = summary.duplicates, "interchange imported");
        Ok(summary)
    }

    /// Exports every record of `domain`, per key, sorted by rollup, height and block.
    ///
    /// Low-water marks are not exported: the importer derives its own from the lowest exported
    /// height, and pruning never deletes a (key, rollup)'s highest record, so that is never
    /// below what was pruned.
    pub async fn export_interchange(&self, domain: &SigningDomain) -> Result<Interchange> {
        let mut interchange = Interchange::new(*domain);
        let mut conn = self.pool.acquire().await?;
        let Some(domain_id) = domain_id(&mut conn, domain, false).await? else {
            return Ok(interchange);
        };
        let rows: Vec<ExportRow> = sqlx::query_as(
            "SELECT k.pubkey, s.rollup_id, s.height, s.block_hash, s.state_root
             FROM signed_checkpoints s JOIN keys k ON k.id = s.key_id
             WHERE s.domain_id = ?1
             ORDER BY k.pubkey, s.rollup_id, s.height, s.block_hash, s.state_root",
        )
        .bind(domain_id)
        .fetch_all(&mut *conn)
        .await?;
        for (pubkey, rollup_id, height, block_hash, state_root) in rows {
            let pubkey = PublicKeyBytes(
                pubkey.try_into().map_err(|_| Error::CorruptRow { what: "pubkey" })?,
            );
            let cp = InterchangeCheckpoint {
                rollup_id: from_i64("rollup_id", rollup_id)?,
                height: from_i64("height", height)?,
                block_hash: to_b256("block_hash", &block_hash)?,
                state_root: to_b256("state_root", &state_root)?,
            };
            match interchange.data.last_mut() {
                Some(last) if last.pubkey == pubkey => last.signed_checkpoints.push(cp),
                _ => interchange.data.push(InterchangeKey { pubkey, signed_checkpoints: vec![cp] }),
            }
        }
        Ok(interchange)
    }

    /// Forgets the records of `(domain, rollup_id)` below `height`, for every key, and raises
    /// the pruning low-water mark to `height - 1`: nothing at or below it is signed again.
    ///
    /// A (key, rollup)'s highest record is always kept, even below `height`, so an export after
    /// pruning still tells an importer where that key stopped. `prune_below(…, 0)` is a no-op.
    /// Returns the number of records deleted.
    pub async fn prune_below(
        &self,
        domain: &SigningDomain,
        rollup_id: u64,
        height: u64,
    ) -> Result<u64> {
        let Some(mark) = height.checked_sub(1) else {
            return Ok(0);
        };
        let (rollup_id, height, mark) =
            (to_i64("rollupId", rollup_id)?, to_i64("height", height)?, to_i64("height", mark)?);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(domain_id) = domain_id(&mut tx, domain, false).await? else {
            return Ok(0);
        };
        sqlx::query(
            "INSERT INTO low_water_marks (key_id, domain_id, rollup_id, pruned_height)
             SELECT DISTINCT key_id, domain_id, rollup_id, ?3 FROM signed_checkpoints
             WHERE domain_id = ?1 AND rollup_id = ?2
             ON CONFLICT (key_id, domain_id, rollup_id) DO NOTHING",
        )
        .bind(domain_id)
        .bind(rollup_id)
        .bind(mark)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE low_water_marks SET pruned_height = max(coalesce(pruned_height, ?3), ?3)
             WHERE domain_id = ?1 AND rollup_id = ?2",
        )
        .bind(domain_id)
        .bind(rollup_id)
        .bind(mark)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query(
            "DELETE FROM signed_checkpoints AS s
             WHERE s.domain_id = ?1 AND s.rollup_id = ?2 AND s.height < ?3
               AND s.height < (SELECT max(t.height) FROM signed_checkpoints t
                               WHERE t.key_id = s.key_id AND t.domain_id = s.domain_id
                                 AND t.rollup_id = s.rollup_id)",
        )
        .bind(domain_id)
        .bind(rollup_id)
        .bind(height)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        info!(target: "protection", rollup = rollup_id, below = height, deleted, "pruned");
        Ok(deleted)
    }
}

/// One series of records as stored: a key's checkpoints of one rollup in one domain. Every
/// record and low-water mark is keyed by it, and every query of them binds it as `?1, ?2, ?3`.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key_id: i64,
    domain_id: i64,
    rollup_id: i64,
}

impl Slot {
    /// The slot of `(pubkey, domain, rollup_id)` if both the key and the domain are known,
    /// without creating either.
    async fn find(
        conn: &mut SqliteConnection,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
        rollup_id: i64,
    ) -> Result<Option<Self>> {
        let Some(key_id) = key_id(conn, pubkey).await? else {
            return Ok(None);
        };
        Ok(domain_id(conn, domain, false).await?.map(|domain_id| Self {
            key_id,
            domain_id,
            rollup_id,
        }))
    }

    /// Binds the slot to `query`'s next three parameters (`?1, ?2, ?3` for a fresh query).
    fn bind<'q, Q: Bind<'q>>(self, query: Q) -> Q {
        query.bind_i64(self.key_id).bind_i64(self.domain_id).bind_i64(self.rollup_id)
    }
}

/// The signer of a decision, resolved inside its transaction: a registered key and its domain
/// (created on first use, rolled back with a refusal).
#[derive(Clone, Copy, Debug)]
struct Signer {
    key_id: i64,
    domain_id: i64,
}

impl Signer {
    async fn resolve(
        conn: &mut SqliteConnection,
        pubkey: &PublicKeyBytes,
        domain: &SigningDomain,
    ) -> Result<Self, NotSafe> {
        let Some(key_id) = key_id(conn, pubkey).await? else {
            return Err(NotSafe::UnregisteredKey { pubkey: *pubkey });
        };
        let domain_id =
            domain_id(conn, domain, true).await?.ok_or(Error::CorruptRow { what: "domain id" })?;
        Ok(Self { key_id, domain_id })
    }

    const fn slot(self, rollup_id: i64) -> Slot {
        Slot { key_id: self.key_id, domain_id: self.domain_id, rollup_id }
    }
}

/// The conflict rule for one checkpoint ([`SlashingDatabase::check_and_insert`]'s steps 1 to 4),
/// inside the caller's `BEGIN IMMEDIATE` transaction: writes the record if it is new. Single
/// checkpoints and every leaf of a batch go through this one function; the caller commits only
/// if everything it checked in the transaction is safe.
async fn check_and_record(
    conn: &mut SqliteConnection,
    signer: Signer,
    checkpoint: &Checkpoint,
) -> Result<Safe, NotSafe> {
    let rollup_id = to_i64("rollupId", checkpoint.rollup_id)?;
    let height = to_i64("height", checkpoint.height)?;
    let attempted = RecordedBlock::from(checkpoint);
    let slot = signer.slot(rollup_id);

    let recorded = blocks_at(conn, slot, height).await?;
    if let Some(existing) = recorded.iter().find(|b| **b != attempted) {
        return Err(NotSafe::Conflict {
            rollup_id: checkpoint.rollup_id,
            height: checkpoint.height,
            existing: *existing,
            attempted,
        });
    }
    if !recorded.is_empty() {
        return Ok(Safe::SameBlock);
    }
    if let Some(mark) = low_water_mark(conn, slot).await?
        && checkpoint.height <= mark
    {
        return Err(NotSafe::BelowLowWaterMark {
            rollup_id: checkpoint.rollup_id,
            height: checkpoint.height,
            low_water_mark: mark,
        });
    }
    insert_record(conn, slot, height, &attempted).await?;
    Ok(Safe::Valid)
}

/// What a batch must satisfy before the database is touched: at least one leaf, at most
/// [`MAX_BATCH_LEAVES`], and no two different blocks at one `(rollupId, height)`.
// `NotSafe` is as large as the single-checkpoint `Conflict` it always carried; the async
// deciders return it too, and this runs once per batch.
#[expect(clippy::result_large_err)]
fn check_batch_shape(leaves: &[Checkpoint]) -> Result<(), NotSafe> {
    if leaves.is_empty() {
        return Err(NotSafe::EmptyBatch);
    }
    if u32::try_from(leaves.len()).map_or(true, |n| n > MAX_BATCH_LEAVES) {
        return Err(NotSafe::BatchTooLarge { count: leaves.len(), max: MAX_BATCH_LEAVES });
    }
    let mut seen: HashMap<(u64, u64), RecordedBlock> = HashMap::with_capacity(leaves.len());
    for leaf in leaves {
        let block = RecordedBlock::from(leaf);
        match seen.entry((leaf.rollup_id, leaf.height)) {
            Entry::Occupied(first) if *first.get() != block => {
                return Err(NotSafe::BatchSelfConflict {
                    rollup_id: leaf.rollup_id,
                    height: leaf.height,
                    first: *first.get(),
                    second: block,
                });
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(block);
            }
        }
    }
    Ok(())
}

/// sqlx's [`Query`] and [`QueryAs`] each have `bind`, but no trait in common.
trait Bind<'q> {
    fn bind_i64(self, value: i64) -> Self;
}

impl<'q> Bind<'q> for Query<'q, Sqlite, SqliteArguments<'q>> {
    fn bind_i64(self, value: i64) -> Self {
        self.bind(value)
    }
}

impl<'q, O> Bind<'q> for QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
    fn bind_i64(self, value: i64) -> Self {
        self.bind(value)
    }
}

async fn key_id(conn: &mut SqliteConnection, pubkey: &PublicKeyBytes) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM keys WHERE pubkey = ?1")
        .bind(pubkey.0.as_slice())
        .fetch_optional(conn)
        .await?)
}

async fn register_key(conn: &mut SqliteConnection, pubkey: &PublicKeyBytes) -> Result<i64> {
    sqlx::query("INSERT INTO keys (pubkey) VALUES (?1) ON CONFLICT (pubkey) DO NOTHING")
        .bind(pubkey.0.as_slice())
        .execute(&mut *conn)
        .await?;
    key_id(conn, pubkey).await?.ok_or(Error::CorruptRow { what: "key id" })
}

/// The id of `domain`, inserting it first if `create`.
async fn domain_id(
    conn: &mut SqliteConnection,
    domain: &SigningDomain,
    create: bool,
) -> Result<Option<i64>> {
    let l1_chain_id = to_i64("l1ChainId", domain.l1_chain_id)?;
    if create {
        sqlx::query(
            "INSERT INTO domains (l1_chain_id, verifier, operator_set_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (l1_chain_id, verifier, operator_set_id) DO NOTHING",
        )
        .bind(l1_chain_id)
        .bind(domain.verifier.as_slice())
        .bind(i64::from(domain.operator_set_id))
        .execute(&mut *conn)
        .await?;
    }
    Ok(sqlx::query_scalar(
        "SELECT id FROM domains WHERE l1_chain_id = ?1 AND verifier = ?2 AND operator_set_id = ?3",
    )
    .bind(l1_chain_id)
    .bind(domain.verifier.as_slice())
    .bind(i64::from(domain.operator_set_id))
    .fetch_optional(conn)
    .await?)
}

async fn blocks_at(
    conn: &mut SqliteConnection,
    slot: Slot,
    height: i64,
) -> Result<Vec<RecordedBlock>> {
    let rows: Vec<(Vec<u8>, Vec<u8>)> = slot
        .bind(sqlx::query_as(
            "SELECT block_hash, state_root FROM signed_checkpoints
             WHERE key_id = ?1 AND domain_id = ?2 AND rollup_id = ?3 AND height = ?4
             ORDER BY block_hash, state_root",
        ))
        .bind(height)
        .fetch_all(conn)
        .await?;
    rows.into_iter()
        .map(|(block_hash, state_root)| {
            Ok(RecordedBlock {
                block_hash: to_b256("block_hash", &block_hash)?,
                state_root: to_b256("state_root", &state_root)?,
            })
        })
        .collect()
}

async fn low_water_mark(conn: &mut SqliteConnection, slot: Slot) -> Result<Option<u64>> {
    let row: Option<(Option<i64>, Option<i64>)> = slot
        .bind(sqlx::query_as(
            "SELECT imported_height, pruned_height FROM low_water_marks
             WHERE key_id = ?1 AND domain_id = ?2 AND rollup_id = ?3",
        ))
        .fetch_optional(conn)
        .await?;
    let Some((imported, pruned)) = row else {
        return Ok(None);
    };
    imported.max(pruned).map(|h| from_i64("low-water mark", h)).transpose()
}

/// Writes one record; `false` if it was already there.
async fn insert_record(
    conn: &mut SqliteConnection,
    slot: Slot,
    height: i64,
    block: &RecordedBlock,
) -> Result<bool> {
    let result = slot
        .bind(sqlx::query(
            "INSERT INTO signed_checkpoints (key_id, domain_id, rollup_id, height, block_hash, state_root)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        ))
        .bind(height)
    .bind(block.block_hash.as_slice())
    .bind(block.state_root.as_slice())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

fn to_i64(what: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::IntegerOutOfRange { what, value })
}

fn from_i64(what: &'static str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::CorruptRow { what })
}

fn to_b256(what: &'static str, bytes: &[u8]) -> Result<B256> {
    B256::try_from(bytes).map_err(|_| Error::CorruptRow { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The durability settings the crate documents are the ones in force.
    #[tokio::test]
    async fn wal_and_synchronous_full_are_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let db = SlashingDatabase::open(dir.path().join("p.sqlite")).await.unwrap();
        let mode: String =
            sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&db.pool).await.unwrap();
        assert_eq!(mode, "wal");
        let synchronous: i64 =
            sqlx::query_scalar("PRAGMA synchronous").fetch_one(&db.pool).await.unwrap();
        assert_eq!(synchronous, 2, "FULL");
        let timeout: i64 =
            sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&db.pool).await.unwrap();
        assert_eq!(timeout, 5_000);
        let foreign_keys: i64 =
            sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&db.pool).await.unwrap();
        assert_eq!(foreign_keys, 1);
    }
}
