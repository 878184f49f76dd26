//! The operator's configuration: `config/operator.toml` documents every field.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Prefix of environment overrides: `VIGIL_OPERATOR_CHAIN__L1_RPC=http://…` sets `chain.l1_rpc`.
/// Any other variable under it is refused, so password variables live outside it.
pub const ENV_PREFIX: &str = vigil_service::OPERATOR_ENV_PREFIX;

/// The whole operator configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorConfig {
    /// Where the L1 is and which Vigil deployment to use.
    pub chain: ChainConfig,
    /// The operator's keys.
    pub keys: KeysConfig,
    /// How to register with EigenLayer.
    pub registration: RegistrationConfig,
    /// The running node: slashing protection, polling, signatures.
    pub node: NodeConfig,
    /// Where signed checkpoints go.
    pub submission: SubmissionConfig,
    /// The rollups this operator attests to (`[[rollups]]` tables).
    pub rollups: Vec<RollupConfig>,
}

/// The running node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// The slashing-protection database (SQLite). Back it up; never share it between processes.
    pub protection_db: PathBuf,
    /// Beacon API base URLs (standard beacon API), tried in order with failover. Blobs are read
    /// with `/eth/v1/beacon/blobs/{slot}` (falling back to `blob_sidecars`). Empty: blob batches
    /// cannot be checked and are refused; calldata batches still are.
    pub beacon_urls: Vec<String>,
    /// `standard` (every real network) or `anvil` (the devnet's L1, which reads a `block_id` as
    /// an execution block number).
    pub beacon_dialect: vigil_da::BeaconDialect,
    /// How often to look for new L1 blocks and L2 heads, in milliseconds.
    pub poll_interval_ms: u64,
    /// On start, rescan this many L1 blocks before the head for batches (signing them again is
    /// safe: slashing protection allows re-signing the same block).
    pub scan_lookback_blocks: u64,
    /// Every L1, beacon and L2 request gives up after this many milliseconds (a slow endpoint
    /// is then a typed, retried error, never a stalled node).
    pub rpc_timeout_ms: u64,
    /// Send signatures compressed (48 bytes) instead of uncompressed (96 bytes, the default:
    /// it saves the aggregator a square root per signature).
    pub compressed_signatures: bool,
    /// Also sign one batch (`VIGIL_BATCH_V1`) per L1 range of the deployment's `batchL1Blocks`
    /// blocks, over every checkpoint of the followed rollups whose `l1Block` lies in it, and
    /// deliver it to the aggregators (`POST /v1/batches/signatures`). Checkpoints are still
    /// signed alone too (the fallback for a range whose batch cannot reach quorum). Turn it on
    /// when the aggregators run with `aggregation.batches` (others answer 404).
    pub sign_batches: bool,
    /// How often to read the operator's stake and slashing status from the chain (metrics
    /// `eigen_registered_stakes` and `vigil_operator_slashed`), in milliseconds.
    pub status_interval_ms: u64,
    /// Address of the EigenLayer node API (`/eigen/node…`); empty disables it.
    pub api_address: String,
    /// Address of the Prometheus `/metrics` endpoint; empty disables it.
    pub metrics_address: String,
    /// The node API's most connections open at once; further clients wait until one closes.
    pub api_max_connections: usize,
    /// Longest a node API request may take to get its response head, in milliseconds (then 408
    /// `request_timeout`).
    pub api_request_timeout_ms: u64,
    /// Longest a node API client may take to send a request head (or finish the TLS
    /// handshake), in milliseconds; then it is disconnected.
    pub api_header_read_timeout_ms: u64,
    /// A node API connection idle (no byte either way) this long is closed, in milliseconds.
    pub api_idle_timeout_ms: u64,
    /// PEM certificate chain (leaf first): with `api_tls_key`, the node API speaks HTTPS only.
    pub api_tls_cert: Option<PathBuf>,
    /// PEM private key of `api_tls_cert`.
    pub api_tls_key: Option<PathBuf>,
}

impl NodeConfig {
    /// How the node API limits its clients (the server `node` in the `vigil_http_*` metrics);
    /// the TLS identity is read from `api_tls_cert`/`api_tls_key` if they are set.
    pub fn api_limits(&self) -> Result<vigil_service::http::ServerLimits> {
        let ms = std::time::Duration::from_millis;
        Ok(vigil_service::http::ServerLimits {
            max_connections: self.api_max_connections,
            request_timeout: ms(self.api_request_timeout_ms),
            header_read_timeout: ms(self.api_header_read_timeout_ms),
            idle_timeout: ms(self.api_idle_timeout_ms),
            tls: vigil_service::http::tls::from_config(
                "node.api_",
                self.api_tls_cert.as_deref(),
                self.api_tls_key.as_deref(),
            )
            .map_err(|e| Error::Config(e.to_string()))?,
            ..vigil_service::http::ServerLimits::named("node")
        })
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            protection_db: PathBuf::from("data/protection.sqlite"),
            beacon_urls: Vec::new(),
            beacon_dialect: vigil_da::BeaconDialect::Standard,
            poll_interval_ms: 1_000,
            scan_lookback_blocks: 64,
            rpc_timeout_ms: 10_000,
            compressed_signatures: false,
            sign_batches: false,
            status_interval_ms: 60_000,
            api_address: "127.0.0.1:7710".to_owned(),
            metrics_address: "127.0.0.1:7711".to_owned(),
            api_max_connections: 1024,
            api_request_timeout_ms: 30_000,
            api_header_read_timeout_ms: 10_000,
            api_idle_timeout_ms: 120_000,
            api_tls_cert: None,
            api_tls_key: None,
        }
    }
}

/// Aggregator delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SubmissionConfig {
    /// Aggregator base URLs; each signed checkpoint goes to all of them.
    pub aggregators: Vec<String>,
    /// Retries and timeouts per aggregator.
    pub retry: crate::submit::RetryPolicy,
}

/// The rollup adapters Vigil has (`kind` of a `[[rollups]]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RollupKind {
    /// OP Stack chains (OP Mainnet, Base, Unichain, …): frames of compressed channels in blobs
    /// or calldata.
    #[default]
    OpStack,
}

/// One rollup: its adapter, the operator's own L2 node, and the rollup's published config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupConfig {
    /// The adapter: `op-stack`.
    #[serde(default)]
    pub kind: RollupKind,
    /// The operator's own L2 node (JSON-RPC).
    pub l2_rpc: String,
    /// More L2 nodes of the same rollup, used in this order while the ones before are down or
    /// rate-limiting.
    #[serde(default)]
    pub l2_rpc_fallbacks: Vec<String>,
    /// Which L2 head to trust: `safe` or `finalized`.
    #[serde(default)]
    pub tag: crate::watcher::L2Tag,
    /// The rollup's chain file as the superchain registry publishes it
    /// (`superchain/configs/<network>/<chain>.toml`): chain id (the `rollupId`), batch inbox,
    /// genesis, block time, hardforks.
    pub rollup_config: PathBuf,
    /// The current batcher, if it changed since genesis (the registry file names the genesis
    /// batcher; the current one is SystemConfig's `batcherHash` on L1).
    #[serde(default)]
    pub batcher: Option<alloy::primitives::Address>,
    /// Also sign every block whose number is a multiple of this (0: only the last block of each
    /// channel, the default). Every operator of the rollup must use the same value, or their
    /// signatures do not aggregate.
    #[serde(default)]
    pub checkpoint_interval: u64,
}

impl RollupConfig {
    /// Reads the rollup's chain file and applies the batcher override.
    pub fn op_config(&self) -> Result<vigil_da::op::OpRollupConfig> {
        let mut config = vigil_da::op::OpRollupConfig::read(&self.rollup_config)
            .map_err(|e| Error::Config(e.to_string()))?;
        if let Some(batcher) = self.batcher {
            config.batcher = batcher;
        }
        Ok(config)
    }
}

/// L1 access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// L1 JSON-RPC endpoint (HTTP).
    pub l1_rpc: String,
    /// More L1 endpoints of the same chain, used in this order while the ones before are down
    /// or rate-limiting.
    pub l1_rpc_fallbacks: Vec<String>,
    /// Deployment file written by the deployer (`config/deployments/<chain id>.json` in the repo).
    pub deployment: PathBuf,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            l1_rpc: "http://127.0.0.1:8545".to_owned(),
            l1_rpc_fallbacks: Vec::new(),
            deployment: PathBuf::from("deployments/31337.json"),
        }
    }
}

/// Key files and where their passwords come from. Passwords are never configuration values:
/// only the name of an environment variable or the path of a file holding one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// EIP-2335 keystore of the BLS signing key.
    pub bls_keystore: PathBuf,
    /// File holding the BLS keystore password (takes precedence over `bls_password_env`).
    pub bls_password_file: Option<PathBuf>,
    /// Environment variable holding the BLS keystore password (never under an override prefix
    /// such as `VIGIL_OPERATOR_`: the loader would refuse it).
    pub bls_password_env: String,
    /// The EigenLayer operator address. `run` and `status` need only this and the BLS key; when
    /// unset they read it from the address `ecdsa_keystore` records in the clear, without
    /// decrypting the key.
    pub operator_address: Option<alloy::primitives::Address>,
    /// V3 keystore of the ECDSA operator key (the EigenLayer operator address). Decrypted only by
    /// `register` and `deregister`.
    pub ecdsa_keystore: PathBuf,
    /// File holding the ECDSA keystore password (takes precedence over `ecdsa_password_env`).
    pub ecdsa_password_file: Option<PathBuf>,
    /// Environment variable holding the ECDSA keystore password (never under an override
    /// prefix).
    pub ecdsa_password_env: String,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            bls_keystore: PathBuf::from("keys/bls.json"),
            bls_password_file: None,
            bls_password_env: "VIGIL_BLS_PASSWORD".to_owned(),
            operator_address: None,
            ecdsa_keystore: PathBuf::from("keys/ecdsa.json"),
            ecdsa_password_file: None,
            ecdsa_password_env: "VIGIL_ECDSA_PASSWORD".to_owned(),
        }
    }
}

/// EigenLayer registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Fraction of the operator's stake in each strategy to allocate to Vigil's operator set, in
    /// WAD (1e18 = all of it). This stake becomes slashable by Vigil.
    pub magnitude_wad: u64,
    /// Metadata URI given to `registerAsOperator` if the account is not an operator yet.
    pub operator_metadata_uri: String,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self { magnitude_wad: vigil_chain::WAD, operator_metadata_uri: String::new() }
    }
}

impl OperatorConfig {
    /// Loads defaults, then `file` (if given), then `VIGIL_OPERATOR_*` environment overrides;
    /// then [`validate`](Self::validate).
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let config: Self = vigil_service::load_config(file, ENV_PREFIX)
            .map_err(|e| Error::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses password variables under an override prefix: the loader would take them for
    /// unknown overrides and refuse to start.
    pub fn validate(&self) -> Result<()> {
        for (field, name) in [
            ("keys.bls_password_env", &self.keys.bls_password_env),
            ("keys.ecdsa_password_env", &self.keys.ecdsa_password_env),
        ] {
            vigil_service::check_env_name(field, name).map_err(|e| Error::Config(e.to_string()))?;
        }
        let node = &self.node;
        vigil_service::sections::check_positive(&[
            (
                "node.api_max_connections",
                u64::try_from(node.api_max_connections).unwrap_or(u64::MAX),
            ),
            ("node.api_request_timeout_ms", node.api_request_timeout_ms),
            ("node.api_header_read_timeout_ms", node.api_header_read_timeout_ms),
            ("node.api_idle_timeout_ms", node.api_idle_timeout_ms),
        ])
        .map_err(|e| Error::Config(e.to_string()))?;
        vigil_service::http::tls::check_config(
            "node.api_",
            node.api_tls_cert.as_deref(),
            node.api_tls_key.as_deref(),
        )
        .map_err(|e| Error::Config(e.to_string()))?;
        Ok(())
    }

    /// Resolves relative paths in the config against `base` (the config file's folder).
    pub fn resolve_paths(mut self, base: &Path) -> Self {
        let fix = |p: &mut PathBuf| vigil_service::resolve_path(base, p);
        fix(&mut self.chain.deployment);
        fix(&mut self.node.protection_db);
        fix(&mut self.keys.bls_keystore);
        fix(&mut self.keys.ecdsa_keystore);
        if let Some(p) = self.keys.bls_password_file.as_mut() {
            fix(p);
        }
        if let Some(p) = self.keys.ecdsa_password_file.as_mut() {
            fix(p);
        }
        for rollup in &mut self.rollups {
            fix(&mut rollup.rollup_config);
        }
        for file in [&mut self.node.api_tls_cert, &mut self.node.api_tls_key].into_iter().flatten()
        {
            fix(file);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped sample is exactly the defaults, so it documents every field truthfully.
    #[test]
    fn sample_config_parses_to_defaults() {
        let config: OperatorConfig = vigil_test_utils::cli::sample_config("operator.toml");
        assert_eq!(config, OperatorConfig::default());
        config.validate().expect("the defaults are valid");
    }

    #[test]
    fn password_variables_outside_every_override_prefix() {
        let mut c = OperatorConfig::default();
        c.keys.ecdsa_password_env = format!("{ENV_PREFIX}ECDSA_PASSWORD");
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("keys.ecdsa_password_env"), "{err}");
    }

    #[test]
    fn node_api_limits_are_validated_and_applied() {
        let mut c = OperatorConfig::default();
        c.node.api_max_connections = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("node.api_max_connections"), "{err}");
        let mut c = OperatorConfig::default();
        c.node.api_header_read_timeout_ms = 0;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("node.api_header_read_timeout_ms"), "{err}");
        let mut c = OperatorConfig::default();
        c.node.api_tls_cert = Some("node.crt".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("node.api_tls_key"), "{err}");

        let mut node = NodeConfig { api_request_timeout_ms: 1_500, ..NodeConfig::default() };
        let limits = node.api_limits().unwrap();
        assert_eq!(limits.server, "node");
        assert_eq!(limits.request_timeout, std::time::Duration::from_millis(1_500));
        assert!(limits.tls.is_none());
        node.api_tls_cert = Some("missing.crt".into());
        node.api_tls_key = Some("missing.key".into());
        let err = node.api_limits().unwrap_err().to_string();
        assert!(err.contains("missing.crt"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn file_then_environment_override() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("op.toml");
        std::fs::write(
            &file,
            "[chain]\nl1_rpc = \"http://file:1\"\n[registration]\nmagnitude_wad = 5\n",
        )
        .unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("VIGIL_OPERATOR_CHAIN__L1_RPC", "http://env:2");
            let c = OperatorConfig::load(Some(&file)).map_err(|e| e.to_string())?;
            assert_eq!(c.chain.l1_rpc, "http://env:2");
            assert_eq!(c.registration.magnitude_wad, 5);
            Ok(())
        });
        std::fs::write(&file, "[chain]\nl1_rpcc = \"typo\"\n").unwrap();
        assert!(OperatorConfig::load(Some(&file)).is_err(), "unknown fields are refused");
        assert!(OperatorConfig::load(Some(&dir.path().join("missing.toml"))).is_err());
    }
}
