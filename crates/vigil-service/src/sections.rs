//! The configuration the aggregator and the slasher share, with one validation and one way to
//! act on it: the `[chain]` section ([`ChainSection`]: the L1, checked against the deployment),
//! the submitting account ([`SubmitterKey`]: a keystore and where its password comes from) and
//! the lease owner's name ([`replica_id`]).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider},
};
use serde::{Deserialize, Serialize};
use vigil_chain::Deployment;
use vigil_keystore::{Password, V3Keystore};
use vigil_types::redact::redact_url;

use crate::{ConfigError, RunError};

/// `[chain]`: the L1 and the Vigil deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSection {
    /// L1 JSON-RPC endpoint.
    pub l1_rpc: String,
    /// Deployment file written by the deployer (`config/deployments/<chain id>.json`).
    pub deployment: PathBuf,
    /// Every L1 request gives up after this many milliseconds.
    pub rpc_timeout_ms: u64,
}

impl Default for ChainSection {
    fn default() -> Self {
        Self {
            l1_rpc: "http://127.0.0.1:8545".into(),
            deployment: PathBuf::from("deployments/31337.json"),
            rpc_timeout_ms: 10_000,
        }
    }
}

impl ChainSection {
    /// Refuses a timeout of zero (every request would fail at once).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.rpc_timeout_ms == 0 {
            return Err(ConfigError::Invalid {
                field: "chain.rpc_timeout_ms".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// Makes a relative `deployment` relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        crate::resolve_path(base, &mut self.deployment);
    }

    /// Reads the deployment and builds the L1 provider (every request times out after
    /// `rpc_timeout_ms`; errors name the endpoint without its credentials). Sends nothing.
    pub fn open(&self) -> Result<(Deployment, DynProvider), RunError> {
        let deployment =
            Deployment::read(&self.deployment).map_err(|e| RunError::Config(e.to_string()))?;
        let url =
            self.l1_rpc.parse().map_err(|e| RunError::Config(format!("chain.l1_rpc: {e}")))?;
        let provider =
            vigil_chain::http_provider(url, Duration::from_millis(self.rpc_timeout_ms.max(1)));
        Ok((deployment, provider))
    }

    /// [`open`](Self::open), then refuses an L1 that does not answer or serves another chain
    /// than the deployment's.
    pub async fn connect(&self) -> Result<(Deployment, DynProvider), RunError> {
        let (deployment, provider) = self.open()?;
        self.check_chain(&provider, &deployment).await?;
        Ok((deployment, provider))
    }

    /// Refuses an L1 that does not answer or serves another chain than `deployment`'s.
    pub async fn check_chain(
        &self,
        provider: &DynProvider,
        deployment: &Deployment,
    ) -> Result<(), RunError> {
        let chain_id = provider.get_chain_id().await.map_err(|e| RunError::Rpc {
            what: "L1 RPC",
            endpoint: redact_url(&self.l1_rpc),
            source: e.into(),
        })?;
        if chain_id != deployment.chain_id {
            return Err(RunError::Config(format!(
                "the L1 RPC serves chain {chain_id} but the deployment is for chain {}",
                deployment.chain_id
            )));
        }
        Ok(())
    }
}

/// The submitting account's key as a service's `[submitter]` section names it.
#[derive(Debug, Clone, Copy)]
pub struct SubmitterKey<'a> {
    /// Web3 secret-storage (V3) keystore.
    pub keystore: &'a Path,
    /// Variable holding its password (used when `password_file` is unset).
    pub password_env: &'a str,
    /// File holding its password.
    pub password_file: Option<&'a Path>,
}

impl SubmitterKey<'_> {
    /// Refuses a password variable under an override prefix (the loader would take it for an
    /// unknown override and refuse to start).
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::check_env_name("submitter.password_env", self.password_env)
    }

    /// Decrypts the keystore with its password: the wallet that signs the service's
    /// transactions. Neither the password nor the key appears in an error.
    pub fn wallet(&self) -> Result<EthereumWallet, RunError> {
        let password = match self.password_file {
            Some(file) => Password::from_file(file),
            None => Password::from_env(self.password_env),
        }
        .map_err(|e| RunError::Config(format!("submitter password: {e}")))?;
        let signer = V3Keystore::from_file(self.keystore)
            .and_then(|ks| ks.decrypt(&password))
            .map_err(|e| {
                RunError::Config(format!("submitter keystore {}: {e}", self.keystore.display()))
            })?;
        Ok(EthereumWallet::from(signer))
    }
}

/// Refuses a replacement fee bump below 10%, the smallest nodes accept
/// (`submitter.fee_bump_percent`).
pub fn check_fee_bump(percent: u64) -> Result<(), ConfigError> {
    if percent < 10 {
        return Err(ConfigError::Invalid {
            field: "submitter.fee_bump_percent".into(),
            reason: format!(
                "{percent} is below 10, the smallest bump nodes accept for a replacement"
            ),
        });
    }
    Ok(())
}

/// Refuses listen addresses (`api.address`, `metrics.address`) that are not `ip:port`.
pub fn check_addresses(addresses: &[(&str, &str)]) -> Result<(), ConfigError> {
    for (field, address) in addresses {
        if let Err(e) = address.parse::<std::net::SocketAddr>() {
            return Err(ConfigError::Invalid {
                field: (*field).into(),
                reason: format!("{address:?} is not an address: {e}"),
            });
        }
    }
    Ok(())
}

/// This replica's name in leases: `configured`, or else `<service>-<host>-<pid>`, so replicas
/// stay apart even where every one is process 1 of its own container (the host name is the
/// container's).
pub fn replica_id(configured: &str, service: &str) -> String {
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{service}-{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_id_names_the_host_and_the_process() {
        assert_eq!(replica_id("agg-a", "aggregator"), "agg-a");
        let id = replica_id("", "aggregator");
        assert!(id.starts_with("aggregator-"), "{id}");
        assert!(id.ends_with(&format!("-{}", std::process::id())), "{id}");
        assert!(id.len() > "aggregator--".len() + std::process::id().to_string().len(), "{id}");
    }

    #[test]
    fn fee_bumps_and_addresses_are_checked() {
        assert!(check_fee_bump(9).unwrap_err().to_string().contains("fee_bump_percent"));
        check_fee_bump(10).unwrap();
        check_addresses(&[("api.address", "127.0.0.1:1")]).unwrap();
        let err = check_addresses(&[("metrics.address", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("metrics.address"), "{err}");
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        let chain = ChainSection { rpc_timeout_ms: 0, ..ChainSection::default() };
        assert!(chain.validate().unwrap_err().to_string().contains("chain.rpc_timeout_ms"));
        ChainSection::default().validate().unwrap();
    }

    #[test]
    fn a_relative_deployment_is_the_config_folder_s() {
        let mut chain = ChainSection::default();
        chain.resolve_paths(Path::new("/etc/vigil"));
        assert_eq!(chain.deployment, Path::new("/etc/vigil/deployments/31337.json"));
    }

    #[tokio::test]
    async fn a_missing_deployment_is_the_users_error() {
        let dir = tempfile::tempdir().unwrap();
        let chain =
            ChainSection { deployment: dir.path().join("missing.json"), ..ChainSection::default() };
        assert!(matches!(chain.connect().await, Err(RunError::Config(_))));
    }
}
