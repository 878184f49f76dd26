//! The configuration the aggregator and the slasher share, with one validation and one way to
//! act on it: the `[chain]` section ([`ChainSection`]: the L1, checked against the deployment),
//! the submitting account ([`SubmitterKey`]: a keystore and where its password comes from), the
//! `[submitter]` section around it ([`submitter_section!`](crate::submitter_section): the key,
//! the outbox policy and a service's own fields) and the lease owner's name ([`replica_id`]).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
};
use serde::{Deserialize, Serialize};
use vigil_chain::{
    Deployment,
    failover::{Failover, FailoverPolicy},
};
use vigil_keystore::{Password, V3Keystore};
use vigil_types::redact::redact_url;

use crate::{ConfigError, RunError, rpc_metrics};

/// `[chain]`: the L1 and the Vigil deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSection {
    /// L1 JSON-RPC endpoint (the preferred one).
    pub l1_rpc: String,
    /// More L1 endpoints of the same chain, tried in this order when the ones before are down
    /// or rate-limiting ([`vigil_chain::failover`]).
    pub l1_rpc_fallbacks: Vec<String>,
    /// Deployment file written by the deployer (`config/deployments/<chain id>.json`).
    pub deployment: PathBuf,
    /// Every L1 request gives up after this many milliseconds.
    pub rpc_timeout_ms: u64,
    /// Most blocks one `eth_getLogs` request may span: longer searches are split into
    /// requests of at most this many blocks (providers refuse wide ranges).
    pub max_log_range: u64,
}

impl Default for ChainSection {
    fn default() -> Self {
        Self {
            l1_rpc: "http://127.0.0.1:8545".into(),
            l1_rpc_fallbacks: Vec::new(),
            deployment: PathBuf::from("deployments/31337.json"),
            rpc_timeout_ms: 10_000,
            max_log_range: 1_000,
        }
    }
}

impl ChainSection {
    /// Refuses a timeout or a log range of zero.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("chain.rpc_timeout_ms", self.rpc_timeout_ms),
            ("chain.max_log_range", self.max_log_range),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    field: field.into(),
                    reason: "must be at least 1".into(),
                });
            }
        }
        Ok(())
    }

    /// Makes a relative `deployment` relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        crate::resolve_path(base, &mut self.deployment);
    }

    /// Reads the deployment and builds the L1 provider over `l1_rpc` and its fallbacks
    /// ([`vigil_chain::failover::Failover`]: health-based selection, one backoff for every
    /// caller, rate limits waited out; every request to one endpoint times out after
    /// `rpc_timeout_ms`; errors and metrics name the endpoints without their credentials).
    /// Sends nothing.
    pub fn open(&self) -> Result<(Deployment, DynProvider), RunError> {
        let deployment =
            Deployment::read(&self.deployment).map_err(|e| RunError::Config(e.to_string()))?;
        let mut urls = Vec::with_capacity(1 + self.l1_rpc_fallbacks.len());
        for (i, url) in std::iter::once(&self.l1_rpc).chain(&self.l1_rpc_fallbacks).enumerate() {
            let field = if i == 0 {
                "chain.l1_rpc".to_owned()
            } else {
                format!("chain.l1_rpc_fallbacks[{}]", i - 1)
            };
            urls.push(
                url.parse()
                    .map_err(|e| RunError::Config(format!("{field} {:?}: {e}", redact_url(url))))?,
            );
        }
        let transport = Failover::http(
            "l1",
            &urls,
            Some(Duration::from_millis(self.rpc_timeout_ms.max(1))),
            FailoverPolicy::default(),
            Some(rpc_metrics::observer()),
        );
        rpc_metrics::register(&transport);
        let provider = ProviderBuilder::new().connect_client(transport.into_client()).erased();
        Ok((deployment, provider))
    }

    /// [`open`](Self::open), then refuses an L1 that does not answer or serves another chain
    /// than the deployment's.
    pub async fn connect(&self) -> Result<(Deployment, DynProvider), RunError> {
        let (deployment, provider) = self.open()?;
        self.check_chain(&provider, &deployment).await?;
        self.check_fallbacks(&deployment).await?;
        Ok((deployment, provider))
    }

    /// Refuses a fallback endpoint that serves another chain than `deployment`'s (failing over
    /// to it would read and send on the wrong chain); one that does not answer now is only
    /// logged, since it may come up later.
    async fn check_fallbacks(&self, deployment: &Deployment) -> Result<(), RunError> {
        let timeout = Duration::from_millis(self.rpc_timeout_ms.max(1));
        for (i, url) in self.l1_rpc_fallbacks.iter().enumerate() {
            let Ok(parsed) = url.parse() else { continue };
            match vigil_chain::http_provider(parsed, timeout).get_chain_id().await {
                Ok(id) if id == deployment.chain_id => {}
                Ok(id) => {
                    return Err(RunError::Config(format!(
                        "chain.l1_rpc_fallbacks[{i}] ({}) serves chain {id} but the deployment is for chain {}",
                        redact_url(url),
                        deployment.chain_id
                    )));
                }
                Err(e) => {
                    tracing::warn!(target: "vigil::rpc", endpoint = %redact_url(url), error = %e, "fallback L1 endpoint does not answer now; it is used once it does");
                }
            }
        }
        Ok(())
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

/// Declares a service's `[submitter]` section: the fields every submitting service has (the
/// key, the lease, the outbox policy) and the service's own, in one flat table that refuses
/// unknown fields (serde's `flatten` would not), with their defaults and the methods that act
/// on them: `key()`, `validate()`, `resolve_paths(base)` and `tx_config()`, the
/// [`TxConfig`](crate::outbox::TxConfig) its outbox runs with.
///
/// `service` names the keystore (`keys/<service>.json`), the password variable
/// (`VIGIL_PASSWORD_<SERVICE>`) and the replica ([`replica_id`]); `job` is what a lease holds,
/// for the field docs. `defaults` are the service's policy; `own` its further fields, each with
/// its default.
///
/// ```ignore
/// vigil_service::submitter_section! {
///     /// `[submitter]`: the account that sends slashing transactions, and how.
///     pub struct SubmitterSection {
///         service: "slasher",
///         job: "offence",
///         defaults: { lease_ms: 60_000, poll_ms: 2_000, receipt_timeout_ms: 36_000, max_attempts: 20 },
///         own: {
///             /// Raise an alarm this many blocks before an offender stops being slashable.
///             alarm_blocks: u64 = 7_200,
///         },
///     }
/// }
/// ```
#[macro_export]
macro_rules! submitter_section {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident {
            service: $service:literal,
            job: $job:literal,
            defaults: {
                lease_ms: $lease_ms:expr,
                poll_ms: $poll_ms:expr,
                receipt_timeout_ms: $receipt_timeout_ms:expr,
                max_attempts: $max_attempts:expr $(,)?
            }
            $(, own: { $($(#[$own_meta:meta])* $own:ident: $own_ty:ty = $own_default:expr),* $(,)? })?
            $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $ty {
            /// Web3 secret-storage (V3) keystore of the submitting account.
            pub keystore: ::std::path::PathBuf,
            /// Environment variable holding the keystore password (used when `password_file` is
            /// unset). Never under an override prefix (`VIGIL_<SERVICE>_…`): the loader would
            /// refuse it.
            pub password_env: ::std::string::String,
            /// File holding the keystore password.
            pub password_file: ::std::option::Option<::std::path::PathBuf>,
            #[doc = concat!("This replica's name in ", $job, " leases (empty: `", $service, "-<host>-<pid>`); a random `-<instance>` suffix drawn at each start keeps every process apart.")]
            pub replica_id: ::std::string::String,
            #[doc = concat!("How long a claimed ", $job, " stays leased to this replica, in milliseconds.")]
            pub lease_ms: u64,
            #[doc = concat!("How often to look for ", $job, "s to act on, in milliseconds.")]
            pub poll_ms: u64,
            /// How long to wait for a receipt before replacing the transaction with higher fees,
            /// in milliseconds.
            pub receipt_timeout_ms: u64,
            #[doc = concat!("Transactions per ", $job, " (replacements and resends included, counted durably across restarts) before giving up on it.")]
            pub max_attempts: u32,
            /// Fee increase of each replacement, in percent (at least 10, the node's replacement
            /// rule).
            pub fee_bump_percent: u64,
            /// Blocks on top of the including block before a transaction counts as mined (0
            /// trusts a block a reorg can still remove).
            pub confirmations: u64,
            $($(
                $(#[$own_meta])*
                pub $own: $own_ty,
            )*)?
        }

        impl ::std::default::Default for $ty {
            fn default() -> Self {
                Self {
                    keystore: ::std::path::PathBuf::from(concat!("keys/", $service, ".json")),
                    password_env: format!("VIGIL_PASSWORD_{}", $service.to_ascii_uppercase()),
                    password_file: None,
                    replica_id: ::std::string::String::new(),
                    lease_ms: $lease_ms,
                    poll_ms: $poll_ms,
                    receipt_timeout_ms: $receipt_timeout_ms,
                    max_attempts: $max_attempts,
                    fee_bump_percent: 20,
                    confirmations: 2,
                    $($($own: $own_default,)*)?
                }
            }
        }

        impl $ty {
            /// The submitting key as the kernel reads it.
            pub fn key(&self) -> $crate::sections::SubmitterKey<'_> {
                $crate::sections::SubmitterKey {
                    keystore: &self.keystore,
                    password_env: &self.password_env,
                    password_file: self.password_file.as_deref(),
                }
            }

            /// Refuses a password variable under an override prefix and a fee bump nodes would
            /// reject.
            pub fn validate(&self) -> ::std::result::Result<(), $crate::ConfigError> {
                self.key().validate()?;
                $crate::sections::check_fee_bump(self.fee_bump_percent)
            }

            /// Makes the relative key paths relative to `base` (the config file's folder).
            pub fn resolve_paths(&mut self, base: &::std::path::Path) {
                $crate::resolve_path(base, &mut self.keystore);
                if let Some(file) = self.password_file.as_mut() {
                    $crate::resolve_path(base, file);
                }
            }

            /// How this replica's outbox runs: named by [`replica_id`]($crate::sections::replica_id),
            /// with this section's lease and policy.
            pub fn tx_config(&self) -> $crate::outbox::TxConfig {
                let ms = ::std::time::Duration::from_millis;
                $crate::outbox::TxConfig {
                    owner: $crate::sections::replica_id(&self.replica_id, $service),
                    lease: ms(self.lease_ms),
                    poll: ms(self.poll_ms),
                    receipt_timeout: ms(self.receipt_timeout_ms),
                    max_attempts: self.max_attempts,
                    fee_bump_percent: self.fee_bump_percent,
                    confirmations: self.confirmations,
                }
            }
        }
    };
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

/// Refuses server limits that would refuse every client: `api.max_connections` or
/// `api.request_timeout_ms` of 0.
pub fn check_server_limits(
    max_connections: usize,
    request_timeout_ms: u64,
) -> Result<(), ConfigError> {
    check_positive(&[
        ("api.max_connections", max_connections as u64),
        ("api.request_timeout_ms", request_timeout_ms),
    ])
}

/// Refuses a zero in any of `fields` (`(name, value)`): rates, bursts and caps of 0 would
/// refuse everything.
pub fn check_positive(fields: &[(&str, u64)]) -> Result<(), ConfigError> {
    for (field, value) in fields {
        if *value == 0 {
            return Err(ConfigError::Invalid {
                field: (*field).into(),
                reason: "must be at least 1".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[test]
fn server_limits_of_zero_are_refused() {
    assert!(check_server_limits(1024, 30_000).is_ok());
    let err = check_server_limits(0, 30_000).unwrap_err().to_string();
    assert!(err.contains("api.max_connections"), "{err}");
    let err = check_server_limits(1, 0).unwrap_err().to_string();
    assert!(err.contains("api.request_timeout_ms"), "{err}");
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

/// This process's name in leases: `configured` (or else `<service>-<host>-<pid>`) followed by
/// `-<instance>`, 8 hex digits drawn at random once per process. Two processes never share a
/// name, however they are configured: not two replicas given the same `replica_id`, not two
/// containers where each is process 1 on hosts of the same name, not a replica and its own
/// restart. So a replica can never free, renew or write through another's lease.
pub fn replica_id(configured: &str, service: &str) -> String {
    static INSTANCE: std::sync::LazyLock<u32> = std::sync::LazyLock::new(rand::random);
    let base =
        if configured.is_empty() { default_replica_base(service) } else { configured.to_owned() };
    format!("{base}-{:08x}", *INSTANCE)
}

fn default_replica_base(service: &str) -> String {
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
    fn replica_id_names_the_host_the_process_and_the_instance() {
        let id = replica_id("agg-a", "aggregator");
        let (base, instance) = id.rsplit_once('-').unwrap();
        assert_eq!(base, "agg-a");
        assert_eq!(instance.len(), 8, "{id}");
        assert!(instance.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert_eq!(replica_id("agg-a", "aggregator"), id, "stable within a process");
        let id = replica_id("", "aggregator");
        assert!(id.starts_with("aggregator-"), "{id}");
        let (base, _) = id.rsplit_once('-').unwrap();
        assert!(base.ends_with(&format!("-{}", std::process::id())), "{id}");
    }

    // The macro declares public items, as a service's config module needs them.
    #[allow(unreachable_pub)]
    mod section {
        crate::submitter_section! {
            /// A service's section with a field of its own.
            pub struct TestSection {
                service: "tester",
                job: "test",
                defaults: { lease_ms: 1_000, poll_ms: 10, receipt_timeout_ms: 2_000, max_attempts: 3 },
                own: {
                    /// Its own field.
                    alarm_blocks: u64 = 7,
                },
            }
        }
    }
    use section::TestSection;

    #[test]
    fn a_submitter_section_is_one_flat_strict_table() {
        let section = TestSection::default();
        assert_eq!(section.keystore, Path::new("keys/tester.json"));
        assert_eq!(section.password_env, "VIGIL_PASSWORD_TESTER");
        assert_eq!((section.alarm_blocks, section.fee_bump_percent), (7, 20));
        let parsed: TestSection =
            figment::Figment::from(figment::providers::Serialized::defaults(&section))
                .merge(("alarm_blocks", 9))
                .extract()
                .unwrap();
        assert_eq!(parsed, TestSection { alarm_blocks: 9, ..TestSection::default() });
        let unknown = figment::Figment::from(figment::providers::Serialized::defaults(&section))
            .merge(("lease_msx", 9))
            .extract::<TestSection>()
            .unwrap_err();
        assert!(unknown.to_string().contains("lease_msx"), "{unknown}");

        let tx = TestSection { replica_id: "t-1".into(), ..section.clone() }.tx_config();
        assert_eq!(
            (tx.owner.as_str(), tx.lease, tx.poll),
            (replica_id("t-1", "tester").as_str(), ms(1_000), ms(10))
        );
        assert!(tx.owner.starts_with("t-1-"), "{}", tx.owner);
        assert_eq!((tx.receipt_timeout, tx.max_attempts, tx.confirmations), (ms(2_000), 3, 2));
        assert!(section.tx_config().owner.starts_with("tester-"));

        let mut bad = TestSection { fee_bump_percent: 9, ..section.clone() };
        assert!(bad.validate().unwrap_err().to_string().contains("submitter.fee_bump_percent"));
        bad.password_file = Some("pass".into());
        bad.resolve_paths(Path::new("/etc/vigil"));
        assert_eq!(bad.keystore, Path::new("/etc/vigil/keys/tester.json"));
        assert_eq!(bad.password_file.as_deref(), Some(Path::new("/etc/vigil/pass")));
    }

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
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
        let chain = ChainSection { max_log_range: 0, ..ChainSection::default() };
        assert!(chain.validate().unwrap_err().to_string().contains("chain.max_log_range"));
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
