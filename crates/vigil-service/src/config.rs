//! Layered configuration: defaults, then a TOML file, then the environment.
//!
//! # The environment belongs to configuration
//!
//! Every variable that starts with a binary's prefix ([`ENV_PREFIXES`]) is an override of that
//! binary's configuration, `<PREFIX><SECTION>__<FIELD>`. One that names no field is **refused**,
//! by name ([`ConfigError::UnknownOverride`]), rather than ignored: a typo such as
//! `VIGIL_AGGREGATOR_DATABASE__ULR` would otherwise leave the process running on a value its
//! operator did not choose, and the file already refuses unknown keys the same way. So nothing
//! else may live under a prefix: the variables that hold passwords are named outside them
//! (`VIGIL_PASSWORD_AGGREGATOR`, `VIGIL_BLS_PASSWORD`, …), and a config that names one under a
//! prefix is refused ([`check_env_name`]).

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Serialize, de::DeserializeOwned};

/// Prefix of `vigil-operator`'s configuration overrides.
pub const OPERATOR_ENV_PREFIX: &str = "VIGIL_OPERATOR_";
/// Prefix of `vigil-aggregator`'s configuration overrides.
pub const AGGREGATOR_ENV_PREFIX: &str = "VIGIL_AGGREGATOR_";
/// Prefix of `vigil-slasher`'s configuration overrides.
pub const SLASHER_ENV_PREFIX: &str = "VIGIL_SLASHER_";
/// Every binary's override prefix: no other environment variable Vigil reads may start with one
/// (an operator may run all three binaries from one shell).
pub const ENV_PREFIXES: [&str; 3] =
    [OPERATOR_ENV_PREFIX, AGGREGATOR_ENV_PREFIX, SLASHER_ENV_PREFIX];

/// Figment splits nested keys of environment overrides on this.
const ENV_SPLIT: &str = "__";

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
    /// Environment variables under the override prefix that name no configuration field.
    #[error(
        "environment variable{} {} name{} no configuration field: variables starting with \
         {prefix} are configuration overrides ({prefix}<SECTION>__<FIELD>); unset or rename {}",
        if variables.len() == 1 { "" } else { "s" },
        variables.join(", "),
        if variables.len() == 1 { "s" } else { "" },
        if variables.len() == 1 { "it" } else { "them" },
    )]
    UnknownOverride {
        /// The variables, as set.
        variables: Vec<String>,
        /// The override prefix.
        prefix: String,
    },
    /// An override from the environment has a value of the wrong type.
    #[error("environment variable {variable}: {reason}")]
    Env {
        /// The variable.
        variable: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// The merged sources do not deserialize: bad TOML, a wrong type, an unknown field. The
    /// message names the key and where its value came from.
    #[error("{0}")]
    Parse(String),
    /// The configuration deserializes but a value is unusable.
    #[error("{field}: {reason}")]
    Invalid {
        /// The offending field, as `section.field`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Loads a `T`: its [`Default`], then the TOML file at `path` (if given; it must exist), then
/// environment variables `<env_prefix><SECTION>__<FIELD>` (e.g. `VIGIL_AGGREGATOR_` +
/// `DATABASE__URL`), each layer overriding the one before. A variable under `env_prefix` that
/// names no field of `T` is refused (see the [module docs](self)).
///
/// Relative paths are returned as written: resolving them against the file's folder is the
/// caller's business (it knows which fields are paths).
pub fn load_config<T>(path: Option<&Path>, env_prefix: &str) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let defaults = Figment::from(Serialized::defaults(T::default()));
    let unknown = unknown_overrides(&defaults, env_prefix, std::env::vars_os());
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownOverride {
            variables: unknown,
            prefix: env_prefix.to_owned(),
        });
    }
    let mut figment = defaults;
    if let Some(p) = path {
        if !p.exists() {
            return Err(ConfigError::Missing { path: p.to_path_buf() });
        }
        figment = figment.merge(Toml::file(p));
    }
    figment
        .merge(Env::prefixed(env_prefix).split(ENV_SPLIT))
        .extract()
        .map_err(|e| describe(&e, env_prefix))
}

/// Refuses `name` as the name of an environment variable holding something that is not
/// configuration (a password) when it starts with an override prefix: the loader would take it
/// for an override and refuse it. `field` names the config field that holds `name`.
pub fn check_env_name(field: &str, name: &str) -> Result<(), ConfigError> {
    match ENV_PREFIXES.iter().find(|p| starts_with_ignore_case(name, p)) {
        Some(prefix) => Err(ConfigError::Invalid {
            field: field.to_owned(),
            reason: format!(
                "{name:?} starts with {prefix}, the prefix of configuration overrides; name a \
                 variable outside {} (e.g. VIGIL_PASSWORD_…)",
                ENV_PREFIXES.join(", ")
            ),
        }),
        None => Ok(()),
    }
}

/// The variables of `vars` under `prefix` whose key (lowercased, split on `__`, as figment's
/// provider reads it) is not a key of `defaults`. Keys figment itself skips (empty segments)
/// are skipped here too.
fn unknown_overrides(
    defaults: &Figment,
    prefix: &str,
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Vec<String> {
    let mut unknown: Vec<String> = vars
        .filter_map(|(name, _)| {
            let name = name.to_string_lossy().trim().to_owned();
            if !starts_with_ignore_case(&name, prefix) {
                return None;
            }
            let key = name.get(prefix.len()..)?.to_ascii_lowercase().replace(ENV_SPLIT, ".");
            if key.split('.').any(str::is_empty) || defaults.contains(&key) {
                return None;
            }
            Some(name)
        })
        .collect();
    unknown.sort();
    unknown
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// One line per figment error, naming the environment variable or the file and key.
fn describe(error: &figment::Error, env_prefix: &str) -> ConfigError {
    let from_env = error.metadata.as_ref().is_some_and(|m| m.name.contains("environment"));
    if from_env && !error.path.is_empty() {
        return ConfigError::Env {
            variable: format!("{env_prefix}{}", error.path.join(ENV_SPLIT).to_ascii_uppercase()),
            reason: error.kind.to_string(),
        };
    }
    let lines: Vec<String> = error
        .clone()
        .into_iter()
        .map(|e| {
            let source = e.metadata.as_ref().map(|m| match &m.source {
                Some(source) => source.to_string(),
                None => m.name.to_string(),
            });
            let key = (!e.path.is_empty()).then(|| e.path.join("."));
            match (source, key) {
                (Some(source), Some(key)) => format!("{source}: {key}: {}", e.kind),
                (Some(source), None) => format!("{source}: {}", e.kind),
                (None, Some(key)) => format!("{key}: {}", e.kind),
                (None, None) => e.kind.to_string(),
            }
        })
        .collect();
    ConfigError::Parse(lines.join("; "))
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
        secret_file: Option<PathBuf>,
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
            jail.set_env("TEST_SECRET_FILE", "/s");
            let c: Config =
                load_config(Some(Path::new("c.toml")), "TEST_").map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Config {
                    net: Net { address: "env".into(), port: 2, enabled: false },
                    name: "file".into(),
                    secret_file: Some("/s".into()),
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
        assert!(err.contains("net.adress"), "{err}");
        // The file by name; figment shows it relative to the working directory, which the
        // figment::Jail tests running alongside may have moved.
        let named = format!("{}/c.toml", dir.path().file_name().unwrap().to_string_lossy());
        assert!(err.contains(&named), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    /// A variable under the prefix that names no field is refused by its name, in one line, even
    /// when it holds a secret (which must then live outside the prefix).
    #[test]
    fn unknown_overrides_are_refused_by_name() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TEST_KEYSTORE_PASSWORD", "hunter2");
            jail.set_env("TEST_NET__ADRESS", "typo");
            jail.set_env("TEST_NET__PORT__X", "deeper than a leaf");
            jail.set_env("TEST_NET__PORT", "3");
            let err = load_config::<Config>(None, "TEST_").unwrap_err();
            let ConfigError::UnknownOverride { variables, .. } = &err else {
                panic!("{err}");
            };
            assert_eq!(
                variables,
                &["TEST_KEYSTORE_PASSWORD", "TEST_NET__ADRESS", "TEST_NET__PORT__X"]
            );
            let text = err.to_string();
            assert!(text.contains("TEST_KEYSTORE_PASSWORD") && !text.contains("hunter2"), "{text}");
            assert!(!text.contains('\n'), "{text}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_override_value_names_the_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TEST_NET__PORT", "not a port");
            let err = load_config::<Config>(None, "TEST_").unwrap_err();
            assert!(
                matches!(&err, ConfigError::Env { variable, .. } if variable == "TEST_NET__PORT"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn secret_variables_must_live_outside_every_prefix() {
        for prefix in ENV_PREFIXES {
            let name = format!("{prefix}PASSWORD");
            let err = check_env_name("submitter.password_env", &name).unwrap_err().to_string();
            assert!(err.contains("submitter.password_env") && err.contains(prefix), "{err}");
            let lower = name.to_ascii_lowercase();
            assert!(check_env_name("x", &lower).is_err(), "the prefix matches in any case");
        }
        for ok in
            ["VIGIL_PASSWORD_AGGREGATOR", "VIGIL_BLS_PASSWORD", "MY_PASSWORD", "VIGIL_OPERATOR"]
        {
            check_env_name("x", ok).unwrap();
        }
    }

    /// `eyre`'s `?` needs errors that cross threads.
    #[test]
    fn error_is_send_and_sync() {
        fn check<E: std::error::Error + Send + Sync + 'static>() {}
        check::<ConfigError>();
    }
}
