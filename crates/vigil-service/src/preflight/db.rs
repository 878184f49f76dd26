//! The database check of the services' preflights (`vigil-aggregator check`,
//! `vigil-slasher check`), as [`crate::preflight`] prints it.

use crate::preflight::Check;
use vigil_types::redact::{redact, redact_url};

use crate::db::{Db, DbError, Migrations};

/// `database`: the database at `url` (configured in `field`) answers and `binary` can migrate
/// it ([`Db::inspect`]: nothing is created or written).
pub async fn database(url: &str, migrations: Migrations, field: &str, binary: &str) -> Check {
    const NAME: &str = "database";
    let shown = redact_url(url);
    match Db::inspect(url, migrations).await {
        Ok(s) if !s.exists => Check::ok(
            NAME,
            format!(
                "{shown} ({}) does not exist yet: created at start with {}",
                s.backend,
                migrations_count(s.pending)
            ),
        ),
        Ok(s) => Check::ok(
            NAME,
            format!(
                "{shown} ({}) answers: {} applied, {} to apply at start",
                s.backend,
                migrations_count(s.applied),
                s.pending
            ),
        ),
        Err(e @ DbError::UnsupportedSchema { .. }) => Check::fail(
            NAME,
            format!("{shown}: {e}"),
            format!("run the {binary} build that wrote it, or point {field} at another database"),
        ),
        Err(e @ DbError::UnsupportedUrl { .. }) => Check::fail(
            NAME,
            e.to_string(),
            format!("set {field} to sqlite://<file> or postgres://user@host/db"),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{shown}: {}", redact(&e)),
            format!("start the database server, or correct {field}"),
        ),
    }
}

fn migrations_count(n: usize) -> String {
    format!("{n} migration{}", if n == 1 { "" } else { "s" })
}
