//! The slasher's configuration: `config/slasher.toml` documents every field (and equals the
//! defaults, which a test checks). Every field can be overridden from the environment:
//! `VIGIL_SLASHER_<SECTION>__<FIELD>`, e.g. `VIGIL_SLASHER_SOURCES__CHAIN_EVENTS=false`; any
//! other variable under that prefix is refused, so the keystore password lives outside it
//! (`VIGIL_PASSWORD_SLASHER` by default).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
pub use vigil_service::ConfigError;

/// Prefix of environment overrides.
pub const ENV_PREFIX: &str = vigil_service::SLASHER_ENV_PREFIX;

/// The whole slasher configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SlasherConfig {
    /// The L1 and the Vigil deployment.
    pub chain: ChainConfig,
    /// The account that sends slashing transactions, and how it sends them.
    pub submitter: SubmitterSection,
    /// Persistence of evidence, offence states and feed cursors.
    pub database: DatabaseConfig,
    /// Where signed checkpoints come from.
    pub sources: SourcesConfig,
    /// The in-memory conflict index.
    pub index: IndexConfig,
    /// The HTTP API.
    pub api: ApiConfig,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
}

/// `[chain]`: the L1 and the Vigil deployment (the kernel's shared section).
pub type ChainConfig = vigil_service::sections::ChainSection;

vigil_service::submitter_section! {
    /// `[submitter]`: the account that sends slashing transactions, and how it sends them.
    /// `max_attempts` counts evidence, `execute`, replacements and resends alike.
    pub struct SubmitterSection {
        service: "slasher",
        job: "offence",
        defaults: { lease_ms: 60_000, poll_ms: 2_000, receipt_timeout_ms: 36_000, max_attempts: 20 },
        own: {
            /// Send slashing transactions (false: watch and record evidence only, never send).
            enabled: bool = true,
            /// Raise an alarm when an operator with open evidence has fewer blocks than this left
            /// before it stops being slashable.
            alarm_blocks: u64 = 7_200,
        },
    }
}

/// Persistence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path` (relative to the config file's folder) or `postgres://user@host/db`.
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://vigil-slasher.db".into() }
    }
}

/// Where signed checkpoints come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourcesConfig {
    /// Aggregators whose signature feeds are followed (`[[sources.aggregators]]` tables).
    pub aggregators: Vec<AggregatorSource>,
    /// Also follow the verifier's certificate events on the L1, not only the aggregators' feeds.
    pub chain_events: bool,
    /// How often to poll the chain for new events, in milliseconds.
    pub chain_poll_ms: u64,
    /// First L1 block to scan for certificates when no cursor is stored yet (the verifier's
    /// deployment block saves scanning history it cannot have).
    pub chain_from_block: u64,
    /// Longest wait between reconnection attempts to a feed, in milliseconds.
    pub reconnect_max_ms: u64,
    /// A feed that sends nothing (not even a keep-alive) for this long, in milliseconds, is
    /// reconnected. Keep it above the aggregator's keep-alive interval (15 s).
    pub feed_idle_timeout_ms: u64,
    /// Feed events per durable commit (evidence and cursor in one transaction).
    pub batch: usize,
    /// Longest wait before committing a partial batch, in milliseconds.
    pub flush_ms: u64,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        Self {
            aggregators: vec![AggregatorSource {
                name: "local".into(),
                url: "http://127.0.0.1:7720".into(),
            }],
            chain_events: true,
            chain_poll_ms: 2_000,
            chain_from_block: 0,
            reconnect_max_ms: 10_000,
            feed_idle_timeout_ms: 45_000,
            batch: 1_024,
            flush_ms: 50,
        }
    }
}

/// One aggregator feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorSource {
    /// The feed's cursor key in the database: unique, and kept when the URL changes.
    pub name: String,
    /// The aggregator's HTTP API base URL.
    pub url: String,
}

/// The in-memory conflict index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {
    /// Heights per rollup kept in the index below the highest seen.
    pub retain_heights: u64,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self { retain_heights: 50_000 }
    }
}

/// The HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Listen address.
    pub address: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Most items accepted in one request.
    pub max_batch: usize,
    /// Most connections open at once; further clients wait until one closes.
    pub max_connections: usize,
    /// Longest a request may take to get its response head, in milliseconds (then 408).
    pub request_timeout_ms: u64,
    /// Longest a client may take to send a request head or finish the TLS handshake, in
    /// milliseconds; then it is disconnected (slow clients cannot hold connections).
    pub header_read_timeout_ms: u64,
    /// A connection idle (no byte either way) this long is closed, in milliseconds.
    pub idle_timeout_ms: u64,
    /// PEM certificate chain (leaf first): with `tls_key`, the API speaks HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` is believed, so that clients
    /// behind them keep budgets of their own (the right-most untrusted hop is the source).
    /// Empty: every client is its peer address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Failed public submissions (an item that does not verify, is for another domain, is under
    /// an unregistered key, or a malformed request) each source may make per second, sustained.
    /// A source is an IPv4 address or an IPv6 /64. Valid submissions never count.
    pub failure_rate: u32,
    /// Failed submissions a source may make in a burst; once spent, its requests get 429
    /// `rate_limited` (with `Retry-After`) before any work, until the budget refills.
    pub failure_burst: u32,
    /// Sources whose budgets are tracked; when full, sources not tracked share one budget.
    pub max_sources: usize,
    /// Keys whose registration (registered or not) is remembered in memory.
    pub key_cache: usize,
    /// How long a key found unregistered stays so before the chain is asked again (ms).
    pub unknown_key_ttl_ms: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:7730".into(),
            max_body_bytes: crate::api::DEFAULT_MAX_BODY_BYTES,
            max_batch: 256,
            max_connections: 1024,
            request_timeout_ms: 30_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 120_000,
            tls_cert: None,
            tls_key: None,
            trusted_proxies: Vec::new(),
            failure_rate: 10,
            failure_burst: 256,
            max_sources: 10_000,
            key_cache: 16_384,
            unknown_key_ttl_ms: 30_000,
        }
    }
}

/// Prometheus metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Listen address of `GET /metrics`.
    pub address: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { address: "127.0.0.1:7731".into() }
    }
}

impl SlasherConfig {
    /// Defaults, then the file (if any), then the environment; relative paths resolved against
    /// the file's folder; then [`validate`](Self::validate).
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let config: Self = vigil_service::load_config(path, ENV_PREFIX)?;
        let config = match path.and_then(Path::parent) {
            Some(base) => config.resolve_paths(base),
            None => config,
        };
        config.validate()?;
        Ok(config)
    }

    /// Refuses values that parse but cannot work: source names that are empty or repeated (each
    /// is a cursor key), an empty batch, a fee bump nodes would reject, unparsable addresses, a
    /// password variable under an override prefix (the loader would refuse it).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |field: &str, reason: String| ConfigError::Invalid { field: field.into(), reason };
        self.submitter.validate()?;
        self.chain.validate()?;
        let mut names = HashSet::new();
        for source in &self.sources.aggregators {
            if source.name.is_empty() {
                return Err(invalid("sources.aggregators", format!("{} has no name", source.url)));
            }
            if !names.insert(source.name.as_str()) {
                return Err(invalid(
                    "sources.aggregators",
                    format!("name {:?} is used twice (names are cursor keys)", source.name),
                ));
            }
        }
        if self.sources.batch == 0 {
            return Err(invalid("sources.batch", "must be at least 1".into()));
        }
        vigil_service::sections::check_server_limits(
            self.api.max_connections,
            self.api.request_timeout_ms,
        )?;
        vigil_service::sections::check_positive(&[
            ("api.header_read_timeout_ms", self.api.header_read_timeout_ms),
            ("api.idle_timeout_ms", self.api.idle_timeout_ms),
        ])?;
        vigil_service::http::tls::check_config(
            "api.",
            self.api.tls_cert.as_deref(),
            self.api.tls_key.as_deref(),
        )?;
        for (field, value) in [
            ("api.max_batch", u64::try_from(self.api.max_batch).unwrap_or(u64::MAX)),
            ("api.failure_rate", u64::from(self.api.failure_rate)),
            ("api.failure_burst", u64::from(self.api.failure_burst)),
            ("api.max_sources", u64::try_from(self.api.max_sources).unwrap_or(u64::MAX)),
            ("api.key_cache", u64::try_from(self.api.key_cache).unwrap_or(u64::MAX)),
            ("api.unknown_key_ttl_ms", self.api.unknown_key_ttl_ms),
        ] {
            if value == 0 {
                return Err(invalid(field, "must be at least 1".into()));
            }
        }
        vigil_service::sections::check_addresses(&[
            ("api.address", &self.api.address),
            ("metrics.address", &self.metrics.address),
        ])?;
        Ok(())
    }

    /// Resolves relative paths (and a relative SQLite URL) against `base`.
    pub fn resolve_paths(mut self, base: &Path) -> Self {
        self.chain.resolve_paths(base);
        self.submitter.resolve_paths(base);
        for file in [&mut self.api.tls_cert, &mut self.api.tls_key].into_iter().flatten() {
            vigil_service::resolve_path(base, file);
        }
        self.database.url = vigil_service::resolve_sqlite_url(base, &self.database.url);
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn server_timeouts_and_tls_pair_are_validated_and_tls_paths_resolved() {
        let mut c = SlasherConfig::default();
        c.api.header_read_timeout_ms = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.header_read_timeout_ms"), "{err}");
        let mut c = SlasherConfig::default();
        c.api.idle_timeout_ms = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.idle_timeout_ms"), "{err}");
        let mut c = SlasherConfig::default();
        c.api.tls_key = Some("tls/api.key".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.tls_cert"), "{err}");
        c.api.tls_cert = Some("tls/api.crt".into());
        c.validate().unwrap();
        let c = c.resolve_paths(Path::new("/etc/vigil"));
        assert_eq!(c.api.tls_cert.unwrap(), Path::new("/etc/vigil/tls/api.crt"));
        assert_eq!(c.api.tls_key.unwrap(), Path::new("/etc/vigil/tls/api.key"));
    }

    /// The shipped sample is exactly the defaults, so it documents every field truthfully.
    #[test]
    fn sample_config_parses_to_defaults() {
        let config: SlasherConfig = vigil_test_utils::cli::sample_config("slasher.toml");
        assert_eq!(config, SlasherConfig::default());
        config.validate().expect("the defaults are valid");
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn environment_overrides_and_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("slasher.toml");
        std::fs::write(
            &file,
            "[database]\nurl = \"sqlite://state/slasher.db\"\n[submitter]\n\
             password_file = \"secrets/pass\"\n[[sources.aggregators]]\nname = \"a\"\n\
             url = \"http://a:1\"\n[[sources.aggregators]]\nname = \"b\"\nurl = \"http://b:2\"\n",
        )
        .unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("VIGIL_SLASHER_SOURCES__CHAIN_EVENTS", "false");
            jail.set_env("VIGIL_SLASHER_SUBMITTER__FEE_BUMP_PERCENT", "25");
            // The default password variable lives outside the prefix.
            jail.set_env("VIGIL_PASSWORD_SLASHER", "secret");
            let c = SlasherConfig::load(Some(&file)).map_err(|e| e.to_string())?;
            assert!(!c.sources.chain_events);
            assert_eq!(c.submitter.fee_bump_percent, 25);
            let names: Vec<_> = c.sources.aggregators.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["a", "b"]);
            assert_eq!(
                c.database.url,
                format!("sqlite://{}", dir.path().join("state/slasher.db").display())
            );
            assert_eq!(c.chain.deployment, dir.path().join("deployments/31337.json"));
            assert_eq!(c.submitter.keystore, dir.path().join("keys/slasher.json"));
            assert_eq!(c.submitter.password_file, Some(dir.path().join("secrets/pass")));
            Ok(())
        });
        std::fs::write(&file, "[api]\nadress = \"typo\"\n").unwrap();
        let err = SlasherConfig::load(Some(&file)).unwrap_err().to_string();
        assert!(err.contains("adress"), "unknown fields are refused: {err}");
        assert!(SlasherConfig::load(Some(&dir.path().join("missing.toml"))).is_err());
    }

    #[test]
    fn validate_refuses_unusable_values() {
        let source = |name: &str| AggregatorSource { name: name.into(), url: "http://x:1".into() };
        let mut c = SlasherConfig::default();
        c.sources.aggregators = vec![source("a"), source("b"), source("a")];
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("sources.aggregators") && err.contains("\"a\""), "{err}");

        let mut c = SlasherConfig::default();
        c.sources.aggregators = vec![source("")];
        assert!(c.validate().is_err(), "empty names are refused");

        let mut c = SlasherConfig::default();
        c.submitter.fee_bump_percent = 9;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("submitter.fee_bump_percent"), "{err}");
        c.submitter.fee_bump_percent = 10;
        c.validate().unwrap();

        let mut c = SlasherConfig::default();
        c.sources.batch = 0;
        assert!(c.validate().is_err(), "batch must be at least 1");

        let mut c = SlasherConfig::default();
        c.api.address = "localhost".into();
        assert!(c.validate().unwrap_err().to_string().contains("api.address"));
        let mut c = SlasherConfig::default();
        c.metrics.address = "127.0.0.1".into();
        assert!(c.validate().unwrap_err().to_string().contains("metrics.address"));

        for field in [
            "max_batch",
            "failure_rate",
            "failure_burst",
            "max_sources",
            "key_cache",
            "unknown_key_ttl_ms",
        ] {
            let mut c = SlasherConfig::default();
            match field {
                "max_batch" => c.api.max_batch = 0,
                "failure_rate" => c.api.failure_rate = 0,
                "failure_burst" => c.api.failure_burst = 0,
                "max_sources" => c.api.max_sources = 0,
                "key_cache" => c.api.key_cache = 0,
                _ => c.api.unknown_key_ttl_ms = 0,
            }
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains(&format!("api.{field}")), "{err}");
        }

        let mut c = SlasherConfig::default();
        c.submitter.password_env = format!("{ENV_PREFIX}PASSWORD");
        assert!(c.validate().unwrap_err().to_string().contains("submitter.password_env"));
    }
}
