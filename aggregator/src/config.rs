//! The aggregator's configuration: `config/aggregator.toml` documents every field (and equals
//! the defaults, which a test checks). Every field can be overridden from the environment:
//! `VIGIL_AGGREGATOR_<SECTION>__<FIELD>`, e.g. `VIGIL_AGGREGATOR_DATABASE__URL=postgres://…`;
//! any other variable under that prefix is refused, so the keystore password lives outside it
//! (`VIGIL_PASSWORD_AGGREGATOR` by default).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Prefix of environment overrides.
pub const ENV_PREFIX: &str = vigil_service::AGGREGATOR_ENV_PREFIX;

/// The whole aggregator configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AggregatorConfig {
    /// The L1 and the Vigil deployment.
    pub chain: ChainConfig,
    /// The account that pays for certificate transactions, and how it submits.
    pub submitter: SubmitterSection,
    /// Persistence.
    pub database: DatabaseConfig,
    /// The HTTP API (signature intake, feed, queries).
    pub api: ApiConfig,
    /// Aggregation.
    pub aggregation: AggregationConfig,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
}

/// `[chain]`: the L1 and the Vigil deployment (the kernel's shared section).
pub type ChainConfig = vigil_service::sections::ChainSection;

vigil_service::submitter_section! {
    /// `[submitter]`: the account that pays for certificate transactions, and how it submits.
    /// A mined certificate is final for the aggregator (served as `latest`, never re-checked):
    /// `confirmations = 0` trusts a block a reorg can still remove.
    pub struct SubmitterSection {
        service: "aggregator",
        job: "certificate",
        defaults: { lease_ms: 30_000, poll_ms: 200, receipt_timeout_ms: 30_000, max_attempts: 10 },
    }
}

/// Persistence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path` (relative to the config file's folder) or `postgres://user@host/db`.
    pub url: String,
    /// Most signatures committed in one transaction by the ingest writer.
    pub ingest_batch: usize,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://aggregator.sqlite".into(), ingest_batch: 1024 }
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
    /// Sustained signature submissions per second per operator key.
    pub per_key_rate: u32,
    /// Burst allowance per operator key.
    pub per_key_burst: u32,
    /// Failures (bad signatures, unknown keys, wrong domain, future `l1Block`) one source
    /// address may cause per second; a source past its budget is refused before any check.
    pub per_source_failure_rate: u32,
    /// Failures (or submissions in flight) one source address may have in a burst.
    pub per_source_failure_burst: u32,
    /// New `l1Block` values (each an operator-set read on L1) one key may cause per second.
    pub per_key_l1_block_rate: u32,
    /// New `l1Block` values one key may cause in a burst.
    pub per_key_l1_block_burst: u32,
    /// Feed entries read from the database per page.
    pub feed_page: u32,
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
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:7720".into(),
            max_body_bytes: 16 * 1024,
            per_key_rate: 50,
            per_key_burst: 200,
            per_source_failure_rate: 20,
            per_source_failure_burst: 2_000,
            per_key_l1_block_rate: 1,
            per_key_l1_block_burst: 32,
            feed_page: 1000,
            max_connections: 1024,
            request_timeout_ms: 30_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 120_000,
            tls_cert: None,
            tls_key: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregationConfig {
    /// How long to keep collecting after a checkpoint reaches its threshold, in milliseconds.
    pub window_ms: u64,
    /// How often rounds are checked for a passed window, in milliseconds.
    pub tick_ms: u64,
    /// How often the registrar's recorded weights are compared with EigenLayer's slashable stake
    /// (and refreshed with `updateOperators` when stake moved), in milliseconds; 0 never.
    pub weight_refresh_ms: u64,
    /// With PostgreSQL (several replicas on one database), how often the signatures stored by
    /// any replica are read into this one's rounds, in milliseconds.
    pub shared_poll_ms: u64,
    /// Batched certificates (`VIGIL_BATCH_V1`): take batch signatures at
    /// `POST /v1/batches/signatures`, certify each batch with one certificate, send at most one
    /// batch certificate transaction at a time (so at most one per L1 block), and build a
    /// checkpoint's single certificate only as a fallback (see `single_hold_ms`).
    pub batches: bool,
    /// With `batches` on, how much longer a checkpoint at quorum waits before its single
    /// certificate is built, in milliseconds; none is built if a batch certificate holds the
    /// same block by then. Two L1 blocks on mainnet by default; 0 builds singles at once, as
    /// without batches.
    pub single_hold_ms: u64,
    /// The L1 blocks of signatures, certificates and rounds kept below the head (by their
    /// checkpoint's `l1Block`, a batch's `toL1Block`); older ones are pruned from the database
    /// and from memory every few seconds, so both stay bounded by this window. Rollups fetch
    /// certificates and proofs within it; the feed keeps its sequence numbers (a slasher
    /// resuming after pruned entries gets the next ones). 0 keeps everything. Rounds older
    /// than the verifier's maximum certificate age cannot be certified anyway.
    pub retain_l1_blocks: u64,
}

impl Default for AggregationConfig {
    fn default() -> Self {
        Self {
            window_ms: 500,
            tick_ms: 20,
            weight_refresh_ms: 60_000,
            shared_poll_ms: 100,
            batches: false,
            single_hold_ms: 24_000,
            retain_l1_blocks: 7_200,
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
        Self { address: "127.0.0.1:7721".into() }
    }
}

/// A configuration that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[error("aggregator config: {0}")]
pub struct ConfigError(vigil_service::ConfigError);

// Not `#[from]`: that would also make it the `source`, and reports would print it twice.
impl From<vigil_service::ConfigError> for ConfigError {
    fn from(e: vigil_service::ConfigError) -> Self {
        Self(e)
    }
}

impl AggregatorConfig {
    /// Defaults, then the file (if any), then the environment; then [`validate`](Self::validate).
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let config: Self = vigil_service::load_config(path, ENV_PREFIX)?;
        config.validate()?;
        Ok(match path.and_then(Path::parent) {
            Some(base) => config.resolve_paths(base),
            None => config,
        })
    }

    /// Refuses values that parse but cannot work: a `submitter.password_env` under an override
    /// prefix (the loader would refuse it), a fee bump nodes would reject, a zero RPC timeout,
    /// unparsable listen addresses.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.submitter.validate()?;
        self.chain.validate()?;
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
        vigil_service::sections::check_positive(&[
            ("api.per_source_failure_rate", self.api.per_source_failure_rate.into()),
            ("api.per_source_failure_burst", self.api.per_source_failure_burst.into()),
            ("api.per_key_l1_block_rate", self.api.per_key_l1_block_rate.into()),
            ("api.per_key_l1_block_burst", self.api.per_key_l1_block_burst.into()),
            ("aggregation.shared_poll_ms", self.aggregation.shared_poll_ms),
        ])?;
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
        let mut c = AggregatorConfig::default();
        c.api.header_read_timeout_ms = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.header_read_timeout_ms"), "{err}");
        let mut c = AggregatorConfig::default();
        c.api.idle_timeout_ms = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.idle_timeout_ms"), "{err}");
        let mut c = AggregatorConfig::default();
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
        let config: AggregatorConfig = vigil_test_utils::cli::sample_config("aggregator.toml");
        assert_eq!(config, AggregatorConfig::default());
        config.validate().expect("the defaults are valid");
    }

    #[test]
    fn password_variable_outside_every_override_prefix() {
        let mut c = AggregatorConfig::default();
        c.submitter.password_env = format!("{ENV_PREFIX}KEY_PASSWORD");
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("submitter.password_env"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn environment_overrides_and_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agg.toml");
        std::fs::write(&file, "[database]\nurl = \"sqlite://state/agg.sqlite\"\n").unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("VIGIL_AGGREGATOR_AGGREGATION__WINDOW_MS", "7");
            let c = AggregatorConfig::load(Some(&file)).map_err(|e| e.to_string())?;
            assert_eq!(c.aggregation.window_ms, 7);
            assert_eq!(
                c.database.url,
                format!("sqlite://{}", dir.path().join("state/agg.sqlite").display())
            );
            assert_eq!(c.chain.deployment, dir.path().join("deployments/31337.json"));
            Ok(())
        });
        std::fs::write(&file, "[api]\nadress = \"typo\"\n").unwrap();
        assert!(AggregatorConfig::load(Some(&file)).is_err(), "unknown fields are refused");
    }
}
