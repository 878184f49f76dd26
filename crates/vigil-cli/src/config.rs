//! Layered configuration: defaults, then a TOML file, then the environment.

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Serialize, de::DeserializeOwned};

/// A configuration that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file given does not exist (a typo in `--config` must not silently fall
    /// back to the defaults).
    #[error("{} does not exist", path.display())]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// The merged sources do not deserialize: bad TOML, a wrong type, an unknown field. The
    /// message names the key and where its value came from (the file or the environment).
    #[error(transparent)]
    Parse(Box<figment::Error>),
    /// The configuration deserializes but a value is unusable.
    #[error("{field}: {reason}")]
    Invalid {
        /// The offending field, as `section.field`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        Self::Parse(Box::new(e))
    }
}

/// Loads a `T`: its [`Default`], then the TOML file at `path` (if given; it must exist), then
/// environment variables `<env_prefix><SECTION>__<FIELD>` (e.g. `VIGIL_AGGREGATOR_` +
/// `DATABASE__URL`), each layer overriding the one before.
///
/// Relative paths are returned as written: resolving them against the file's folder is the
/// caller's business (it knows which fields are paths).
pub fn load_config<T>(path: Option<&Path>, env_prefix: &str) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    load_config_ignoring(path, env_prefix, &[])
}

/// [`load_config`], except that the environment variables `<env_prefix><KEY>` for each of
/// `ignored` (case-insensitive, e.g. `"password"`) are not overrides. For variables that share
/// the prefix but hold something else, such as a secret a config field names: with
/// `deny_unknown_fields` they would otherwise be refused as unknown fields.
pub fn load_config_ignoring<T>(
    path: Option<&Path>,
    env_prefix: &str,
    ignored: &[&str],
) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(p) = path {
        if !p.exists() {
            return Err(ConfigError::Missing { path: p.to_path_buf() });
        }
        figment = figment.merge(Toml::file(p));
    }
    Ok(figment.merge(Env::prefixed(env_prefix).ignore(ignored).split("__")).extract()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::result_large_err)]
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Config {
        net: Net,
        name: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Net {
        address: String,
        port: u16,
        enabled: bool,
    }

    impl Default for Net {
        fn default() -> Self {
            Self { address: "127.0.0.1".into(), port: 1, enabled: true }
        }
    }

    #[test]
    fn defaults_then_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "name = \"file\"\n[net]\nport = 2\naddress = \"file\"\n")?;
            jail.set_env("TEST_NET__ADDRESS", "env");
            jail.set_env("TEST_NET__ENABLED", "false");
            let c: Config =
                load_config(Some(Path::new("c.toml")), "TEST_").map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Config {
                    net: Net { address: "env".into(), port: 2, enabled: false },
                    name: "file".into()
                }
            );
            let c: Config = load_config(None, "OTHER_").map_err(|e| e.to_string())?;
            assert_eq!(c, Config::default());
            Ok(())
        });
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err =
            load_config::<Config>(Some(Path::new("/nonexistent/vigil.toml")), "TEST_").unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert_eq!(err.to_string(), "/nonexistent/vigil.toml does not exist");
    }

    #[test]
    fn unknown_fields_are_refused_naming_field_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[net]\nadress = \"typo\"\n").unwrap();
        let err = load_config::<Config>(Some(&file), "TEST_UNKNOWN_").unwrap_err().to_string();
        assert!(err.contains("adress"), "{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
    }

    #[test]
    fn ignored_variables_are_not_overrides() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TEST_PASSWORD", "hunter2");
            assert!(load_config::<Config>(None, "TEST_").is_err(), "unknown top-level key");
            let c: Config =
                load_config_ignoring(None, "TEST_", &["password"]).map_err(|e| e.to_string())?;
            assert_eq!(c, Config::default());
            Ok(())
        });
    }

    /// `eyre`'s `?` needs errors that cross threads.
    #[test]
    fn error_is_send_and_sync() {
        fn check<E: std::error::Error + Send + Sync + 'static>() {}
        check::<ConfigError>();
    }
}
