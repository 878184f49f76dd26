//! SQL migrations embedded in the binary and handed to sqlx's runtime migrator.
//!
//! sqlx's `migrate!` macro does the same at compile time, but it needs sqlx's `macros` feature:
//! a second build of sqlx with both drivers and a bundled SQLite for the host, only to read a
//! few files. [`embed_migrations!`](crate::embed_migrations) embeds them with `include_str!`
//! instead, and [`EmbeddedMigrations`] turns each file into the [`Migration`] that
//! sqlx's own resolver makes of it: same version, description and checksum (SHA-384 of the
//! file), so databases migrated by either agree. Each store's tests compare the two.

use std::{borrow::Cow, future::Future, pin::Pin};

use sqlx::{
    error::BoxDynError,
    migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator},
};

/// One migration file: `<version>_<description>.sql`, named without the `.sql`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedMigration {
    /// The file's name without `.sql`, e.g. `20261125000000_initial`.
    pub name: &'static str,
    /// The file's contents.
    pub sql: &'static str,
}

impl EmbeddedMigration {
    /// The migration sqlx's directory resolver makes of the same file.
    pub fn to_migration(&self) -> Result<Migration, MigrateError> {
        let (version, description) = self
            .name
            .split_once('_')
            .and_then(|(v, d)| Some((v.parse::<i64>().ok().filter(|v| *v > 0)?, d)))
            .ok_or_else(|| {
                MigrateError::Source(
                    format!("migration {:?}: expected `<version>_<description>`", self.name).into(),
                )
            })?;
        Ok(Migration::new(
            version,
            Cow::Owned(description.replace('_', " ")),
            MigrationType::Simple,
            Cow::Borrowed(self.sql),
            self.sql.starts_with("-- no-transaction"),
        ))
    }
}

/// A set of embedded migration files, for [`Migrator::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedMigrations(pub &'static [EmbeddedMigration]);

impl EmbeddedMigrations {
    /// The migrations in version order.
    pub fn migrations(&self) -> Result<Vec<Migration>, MigrateError> {
        let mut all =
            self.0.iter().map(EmbeddedMigration::to_migration).collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|m| m.version);
        Ok(all)
    }

    /// A migrator over them.
    pub async fn migrator(self) -> Result<Migrator, MigrateError> {
        Migrator::new(self).await
    }
}

impl MigrationSource<'static> for EmbeddedMigrations {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let resolved = self.migrations().map_err(BoxDynError::from);
        Box::pin(std::future::ready(resolved))
    }
}

/// Embeds migration files from a folder of the calling crate:
/// `embed_migrations!("migrations/sqlite": "20261125000000_initial", "20261206000000_outbox")`
/// is an [`EmbeddedMigrations`]. List every file: each store's tests check the list against
/// the folder.
#[macro_export]
macro_rules! embed_migrations {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        $crate::migrations::EmbeddedMigrations(&[$(
            $crate::migrations::EmbeddedMigration {
                name: $name,
                sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $name, ".sql")),
            }
        ),+])
    };
}

/// Checks `embedded` against what sqlx's resolver reads from `dir`: the same files, versions,
/// descriptions and checksums. For each store's tests.
pub async fn check_against_folder(
    embedded: EmbeddedMigrations,
    dir: &std::path::Path,
) -> Result<(), String> {
    let from_folder = Migrator::new(dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
    let embedded = embedded.migrations().map_err(|e| e.to_string())?;
    let describe = |m: &Migration| {
        (m.version, m.description.to_string(), m.checksum.to_vec(), m.no_tx, m.migration_type)
    };
    let folder: Vec<_> = from_folder.iter().map(describe).collect();
    let embedded: Vec<_> = embedded.iter().map(describe).collect();
    if folder == embedded {
        Ok(())
    } else {
        Err(format!(
            "{}: the folder holds {:?}, the binary embeds {:?}",
            dir.display(),
            folder.iter().map(|m| (m.0, &m.1)).collect::<Vec<_>>(),
            embedded.iter().map(|m| (m.0, &m.1)).collect::<Vec<_>>(),
        ))
    }
}

/// [`check_against_folder`] for both dialects of a store whose files live in
/// `<crate_dir>/migrations/sqlite` and `<crate_dir>/migrations/postgres`.
pub async fn check_store_folders(
    migrations: crate::db::Migrations,
    crate_dir: &str,
) -> Result<(), String> {
    let root = std::path::Path::new(crate_dir).join("migrations");
    check_against_folder(migrations.sqlite, &root.join("sqlite")).await?;
    check_against_folder(migrations.postgres, &root.join("postgres")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_sqlx_versions_and_descriptions() {
        let m = EmbeddedMigration { name: "20261206000000_lease_owner_index", sql: "SELECT 1;" }
            .to_migration()
            .unwrap();
        assert_eq!(m.version, 20_261_206_000_000);
        assert_eq!(m.description, "lease owner index");
        assert!(!m.no_tx);
        let m = EmbeddedMigration { name: "7_x", sql: "-- no-transaction\nVACUUM;" }
            .to_migration()
            .unwrap();
        assert!(m.no_tx);
    }

    #[test]
    fn a_misnamed_file_is_an_error() {
        for name in ["initial", "x_initial", "0_initial", "-3_initial"] {
            let err = EmbeddedMigration { name, sql: "" }.to_migration().unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[tokio::test]
    async fn the_migrator_runs_them_in_version_order() {
        let set = EmbeddedMigrations(&[
            EmbeddedMigration { name: "2_second", sql: "INSERT INTO t VALUES (2);" },
            EmbeddedMigration { name: "1_first", sql: "CREATE TABLE t (v INTEGER);" },
        ]);
        let migrator = set.migrator().await.unwrap();
        assert_eq!(migrator.iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2]);
        // One connection: each in-memory SQLite connection is a database of its own.
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        migrator.run(&pool).await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT v FROM t").fetch_all(&pool).await.unwrap();
        assert_eq!(rows, [2]);
    }
}
