//! Paths in a config file are relative to the file.

use std::path::{Path, PathBuf};

/// Makes `path` absolute against `base` if it is relative.
pub fn resolve_path(base: &Path, path: &mut PathBuf) {
    if path.is_relative() {
        *path = base.join(&*path);
    }
}

/// A `sqlite://` URL with a relative file path, made absolute against `base`; any other URL
/// (PostgreSQL, an absolute path, `sqlite::memory:`) unchanged. Query parameters are kept.
pub fn resolve_sqlite_url(base: &Path, url: &str) -> String {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = Path::new(rest.split('?').next().unwrap_or(rest));
        if path.is_relative() && !rest.starts_with(':') {
            return format!("sqlite://{}", base.join(rest).display());
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_and_sqlite_urls_resolve_against_the_base() {
        let base = Path::new("/etc/vigil");
        let mut p = PathBuf::from("keys/a.json");
        resolve_path(base, &mut p);
        assert_eq!(p, Path::new("/etc/vigil/keys/a.json"));
        let mut abs = PathBuf::from("/var/a.json");
        resolve_path(base, &mut abs);
        assert_eq!(abs, Path::new("/var/a.json"));

        for (url, want) in [
            ("sqlite://data/agg.db", "sqlite:///etc/vigil/data/agg.db"),
            ("sqlite://data/agg.db?mode=rwc", "sqlite:///etc/vigil/data/agg.db?mode=rwc"),
            ("sqlite:///var/agg.db", "sqlite:///var/agg.db"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
        ] {
            assert_eq!(resolve_sqlite_url(base, url), want, "{url}");
        }
    }
}
