//! Leases: one SQL shape for claiming a row, guarding writes and releasing, parameterised by
//! the table (each store keeps its own table and columns), and the in-process side of a lease
//! (when to stop writing).

use std::time::{Duration, Instant};

use crate::db::Backend;

/// At a replica's graceful stop: frees the leases `owner` holds, with `release_all` (its
/// store's), so that another replica takes the work over at once instead of after the leases
/// expire. Owners are unique per process ([`crate::sections::replica_id`]), so nothing another
/// replica holds (nor a later life of this one) is touched; a killed replica's leases simply
/// expire. A failure is only logged: they expire by themselves.
pub async fn release_own_leases<E: std::fmt::Display>(
    owner: &str,
    release_all: impl std::future::Future<Output = Result<u64, E>>,
) {
    match release_all.await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(target: "vigil::outbox", owner, leases = n, "released this replica's leases at its stop")
        }
        Err(err) => {
            tracing::warn!(target: "vigil::outbox", %err, "cannot release this replica's leases; they expire by themselves")
        }
    }
}

/// A table whose rows are leased to one worker at a time. Every such table has the columns
/// `lease_owner TEXT` and `lease_until_ms` (unix ms, a signed 64-bit integer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseTable {
    /// The table.
    pub table: &'static str,
    /// The columns that name one row (its primary key).
    pub key: &'static [&'static str],
    /// The condition a row must meet to be claimed (its open states), e.g.
    /// `state IN ('ready', 'submitted')`; it must not use parameters.
    pub claimable: &'static str,
    /// Which claimable row first, e.g. `created_at_ms, id`.
    pub order_by: &'static str,
}

impl LeaseTable {
    /// The claim: one statement that leases the first claimable row whose lease is free or
    /// expired to `$1` (owner) until `$2` (unix ms), where `$3` is now, and returns
    /// `returning` of it. On PostgreSQL the candidate row is locked with `FOR UPDATE SKIP
    /// LOCKED`, so concurrent claimers skip each other's rows instead of waiting; SQLite runs
    /// one writer at a time. Either way two claimers never get one row while a lease lives.
    pub fn claim_sql(&self, backend: Backend, returning: &str) -> String {
        let lock = match backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let key = self.key_tuple();
        format!(
            "UPDATE {table} SET lease_owner = $1, lease_until_ms = $2 WHERE {key} IN (\
             SELECT {key_list} FROM {table} WHERE ({claimable}) \
             AND (lease_until_ms IS NULL OR lease_until_ms <= $3) \
             ORDER BY {order} LIMIT 1{lock}) RETURNING {returning}",
            table = self.table,
            key_list = self.key.join(", "),
            claimable = self.claimable,
            order = self.order_by,
        )
    }

    /// The write gate, to `AND` into the `WHERE` of every write by a lease holder: the row
    /// changes only while `$owner` holds a live lease at `$now` (`lease_until_ms > $now`).
    /// A holder whose lease ran out, or was taken over, changes nothing.
    pub fn guard(owner: usize, now: usize) -> String {
        format!("lease_owner = ${owner} AND lease_until_ms > ${now}")
    }

    /// Releases one row's lease, only if `$n+1` (owner) holds it; `$1..$n` are the key.
    pub fn release_sql(&self) -> String {
        format!(
            "UPDATE {} SET lease_owner = NULL, lease_until_ms = NULL WHERE {} AND lease_owner = ${}",
            self.table,
            self.key_match(1),
            self.key.len().saturating_add(1)
        )
    }

    /// Releases every lease `$1` (owner) holds: what a worker does when it starts, since leases
    /// under its name are left over from a life that ended without releasing them.
    pub fn release_all_sql(&self) -> String {
        format!(
            "UPDATE {} SET lease_owner = NULL, lease_until_ms = NULL WHERE lease_owner = $1",
            self.table
        )
    }

    /// `key1 = $first AND key2 = $first+1 …`: one row by its key.
    pub fn key_match(&self, first: usize) -> String {
        self.key
            .iter()
            .enumerate()
            .map(|(i, col)| format!("{col} = ${}", first.saturating_add(i)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn key_tuple(&self) -> String {
        match self.key {
            [one] => (*one).to_owned(),
            many => format!("({})", many.join(", ")),
        }
    }
}

/// The in-process side of a lease: claimed at `claimed_at` for `length`, written under only
/// until a margin before it ends (a fifth of it, at most 5 s), so that a slow write never lands
/// after another worker took the row over. The store's [guard](LeaseTable::guard) refuses late
/// writes anyway; the margin keeps a worker from signing and broadcasting what it could no
/// longer record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    owner: String,
    deadline: Instant,
}

impl Lease {
    /// The lease `owner` took at `claimed_at` for `length`.
    pub fn new(owner: &str, length: Duration, claimed_at: Instant) -> Self {
        let margin = (length / 5).min(Duration::from_secs(5));
        Self { owner: owner.to_owned(), deadline: claimed_at + length.saturating_sub(margin) }
    }

    /// Who holds it.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// When to stop writing under it.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the holder may still write (record a transaction) under it.
    pub fn writable(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// Whether the deadline comes within `within` (time to hand the row over rather than wait).
    pub fn nearly_over(&self, within: Duration) -> bool {
        Instant::now() + within >= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERTS: LeaseTable = LeaseTable {
        table: "certificates",
        key: &["rollup_id", "height"],
        claimable: "state IN ('ready', 'submitted')",
        order_by: "created_at_ms, rollup_id, height",
    };

    #[test]
    fn one_shape_for_every_table() {
        let sql = CERTS.claim_sql(Backend::Postgres, "*");
        assert!(sql.starts_with("UPDATE certificates SET lease_owner = $1"), "{sql}");
        assert!(sql.contains("(rollup_id, height) IN (SELECT rollup_id, height"), "{sql}");
        assert!(sql.contains("LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *"), "{sql}");
        assert!(!CERTS.claim_sql(Backend::Sqlite, "*").contains("SKIP LOCKED"));
        assert_eq!(
            CERTS.release_sql(),
            "UPDATE certificates SET lease_owner = NULL, lease_until_ms = NULL \
             WHERE rollup_id = $1 AND height = $2 AND lease_owner = $3"
        );
        assert_eq!(LeaseTable::guard(3, 4), "lease_owner = $3 AND lease_until_ms > $4");
    }

    #[test]
    fn the_deadline_keeps_a_margin() {
        let at = Instant::now();
        assert_eq!(
            Lease::new("a", Duration::from_secs(60), at).deadline(),
            at + Duration::from_secs(55)
        );
        assert_eq!(
            Lease::new("a", Duration::from_secs(10), at).deadline(),
            at + Duration::from_secs(8)
        );
        let over = Lease::new("a", Duration::ZERO, at);
        assert!(!over.writable() && over.nearly_over(Duration::ZERO));
    }
}
