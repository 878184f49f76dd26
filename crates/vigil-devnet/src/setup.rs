//! Provisioning a fresh devnet (deploy, accounts, keys, stake, registration through the operator
//! CLI) and writing every binary's config for the devnet's ports.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
};

use alloy::{
    primitives::{Address, U256, address},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use serde::{Deserialize, Serialize};
use vigil_chain::{
    CoreParams, Deployment, VigilParams, WAD, bindings::TestToken, deploy_core, deploy_vigil, send,
    signing_provider,
};
use vigil_crypto::SecretKey;
use vigil_keystore::{Eip2335Keystore, KdfStrength, Password, V3Keystore};

use crate::{
    Error, Options, Result,
    layout::{Layout, Ports, operator_name},
    procs,
};

/// The L1's chain id.
pub const L1_CHAIN_ID: u64 = 31_337;
/// The first rollup's inbox on L1 (an address with no code, as on the OP Stack).
pub const INBOX: Address = address!("0xff00000000000000000000000000000000042069");

/// Rollup `id`'s inbox on L1: `0xff` then `id` in decimal digits, zero-padded ([`INBOX`] for
/// 42069).
pub fn inbox(id: u64) -> Address {
    format!("0xff{id:038}").parse().unwrap_or(INBOX)
}
/// Private key of anvil's first dev account: the devnet's deployer and token owner. Public
/// knowledge; only ever used on this local chain.
const DEPLOYER_KEY: &str = vigil_test_utils::DEV_KEY;
/// The veto committee's account name (its keystore is `keys/committee.json`).
pub const COMMITTEE: &str = "committee";
/// Manifest format version.
const MANIFEST_VERSION: u32 = 1;

/// What a provisioned devnet holds: read back to resume it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Format version.
    pub version: u32,
    /// The first rollup's chain id (its L2 anvil's).
    pub rollup_id: u64,
    /// The first rollup's inbox on L1.
    pub inbox: Address,
    /// The first rollup's batcher account.
    pub batcher: Address,
    /// The rollups after the first (`--rollups N`: N − 1 of them; absent for one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_rollups: Vec<RollupEntry>,
    /// The aggregator's submitter account.
    pub aggregator_account: Address,
    /// The slasher's submitter account.
    pub slasher_account: Address,
    /// The operators, in order.
    pub operators: Vec<OperatorEntry>,
}

/// One rollup of the devnet: an L2 anvil and its batcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollupEntry {
    /// Its chain id (its L2 anvil's), the checkpoints' `rollupId`.
    pub rollup_id: u64,
    /// Its inbox on L1.
    pub inbox: Address,
    /// Its batcher account (keystore `keys/batcher.json` for the first, `keys/batcher<k>.json`
    /// for rollup k).
    pub batcher: Address,
}

/// Rollup `k`'s batcher account name (its keystore is [`Layout::account_keystore`] of it).
pub fn batcher_account(k: usize) -> String {
    match k {
        0 => "batcher".to_owned(),
        k => format!("batcher{k}"),
    }
}

/// One operator of the devnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorEntry {
    /// `op0`, `op1`, …
    pub name: String,
    /// Its EigenLayer operator address.
    pub address: Address,
    /// Its BLS public key (compressed, hex).
    pub bls_pubkey: String,
    /// Stake it deposited and allocated (token base units).
    pub stake: U256,
}

impl Manifest {
    /// Every rollup, the first one first.
    pub fn rollups(&self) -> Vec<RollupEntry> {
        let first =
            RollupEntry { rollup_id: self.rollup_id, inbox: self.inbox, batcher: self.batcher };
        std::iter::once(first).chain(self.more_rollups.iter().copied()).collect()
    }

    /// Reads `layout`'s manifest.
    pub fn read(layout: &Layout) -> Result<Self> {
        let path = layout.manifest();
        let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
        let manifest: Self = serde_json::from_str(&text)
            .map_err(|e| Error::State { path: path.clone(), reason: e.to_string() })?;
        if manifest.version != MANIFEST_VERSION {
            return Err(Error::State {
                path,
                reason: format!(
                    "manifest version {} (this devnet writes {MANIFEST_VERSION}): start fresh",
                    manifest.version
                ),
            });
        }
        Ok(manifest)
    }

    fn write(&self, layout: &Layout) -> Result<()> {
        let path = layout.manifest();
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::State { path: path.clone(), reason: e.to_string() })?;
        write_file(&path, &json)
    }
}

/// Writes `contents` to `path`, creating folders.
pub(crate) fn write_file(path: &Path, contents: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    std::fs::write(path, contents).map_err(Error::io(path))
}

/// The devnet's keystore password.
pub fn password(layout: &Layout) -> Result<Password> {
    let path = layout.password();
    Password::from_file(&path).map_err(|e| Error::Keystore { path, reason: e.to_string() })
}

/// Decrypts a service account's keystore (`batcher`, …).
pub fn account(layout: &Layout, name: &str) -> Result<PrivateKeySigner> {
    let path = layout.account_keystore(name);
    let pw = password(layout)?;
    V3Keystore::from_file(&path)
        .and_then(|ks| ks.decrypt(&pw))
        .map_err(|e| Error::Keystore { path, reason: e.to_string() })
}

/// Decrypts operator `i`'s BLS keystore.
pub fn operator_bls(layout: &Layout, i: usize) -> Result<SecretKey> {
    let path = layout.operator_dir(i).join("keys/bls.json");
    let pw = password(layout)?;
    Eip2335Keystore::from_file(&path)
        .and_then(|ks| ks.decrypt(&pw))
        .map_err(|e| Error::Keystore { path, reason: e.to_string() })
}

async fn set_balance(p: &DynProvider, who: Address, ether: u64) -> Result<()> {
    p.raw_request::<_, serde_json::Value>(
        "anvil_setBalance".into(),
        (who, U256::from(ether) * U256::from(WAD)),
    )
    .await
    .map(drop)
    .map_err(Error::chain("anvil_setBalance"))
}

fn write_v3(layout: &Layout, path: &Path, signer: &PrivateKeySigner) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    V3Keystore::encrypt(signer, &password(layout)?, KdfStrength::Light.scrypt())
        .and_then(|ks| ks.write(path))
        .map_err(|e| Error::Keystore { path: path.to_path_buf(), reason: e.to_string() })
}

/// Provisions a fresh devnet on the L1 at `l1_url`: deploys EigenLayer's core and Vigil, makes
/// and funds the service accounts and the operators, writes every config, and registers each
/// operator through `vigil-operator register`. Writes the manifest last.
pub async fn provision(
    layout: &Layout,
    ports: &Ports,
    l1_url: alloy::transports::http::reqwest::Url,
    opts: &Options,
    say: &(dyn Fn(String) + Sync),
) -> Result<Manifest> {
    let deployer: PrivateKeySigner = DEPLOYER_KEY.parse().map_err(Error::chain("deployer key"))?;
    let owner = signing_provider(l1_url.clone(), deployer.clone());
    say("deploying EigenLayer core (v1.3.0) and Vigil on L1".into());
    let core = deploy_core(&owner, deployer.address(), CoreParams::default())
        .await
        .map_err(Error::chain("deploy EigenLayer core"))?;
    // With a veto window, the devnet holds the veto committee's key (`keys/committee.json`).
    let window = opts.veto_window.unwrap_or(0);
    let committee = (window > 0).then(PrivateKeySigner::random);
    let params = VigilParams {
        veto_committee: committee.as_ref().map_or(Address::ZERO, PrivateKeySigner::address),
        veto_window: window,
        ..VigilParams::default()
    };
    let deployment =
        deploy_vigil(&owner, &core, &params).await.map_err(Error::chain("deploy Vigil"))?;
    let deployment_file = layout.deployment();
    if let Some(dir) = deployment_file.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    deployment.write(&deployment_file).map_err(Error::chain("write the deployment file"))?;
    say(format!(
        "  verifier {}  slasher {}  AllocationManager {}",
        deployment.vigil.verifier,
        deployment.vigil.slasher,
        deployment.eigenlayer.allocation_manager
    ));

    // One random password for every devnet keystore, in a file only the user can read.
    let pw: String = hex::encode(rand::random::<[u8; 16]>());
    write_file(&layout.password(), &pw)?;
    restrict(&layout.password());

    if let Some(committee) = &committee {
        write_v3(layout, &layout.account_keystore(COMMITTEE), committee)?;
        set_balance(&owner, committee.address(), 10).await?;
        say(format!(
            "  veto window {window} L1 blocks, veto committee {} (key: {})",
            committee.address(),
            layout.account_keystore(COMMITTEE).display()
        ));
    }

    let mut accounts = Vec::new();
    for name in ["aggregator", "slasher"] {
        let signer = PrivateKeySigner::random();
        write_v3(layout, &layout.account_keystore(name), &signer)?;
        set_balance(&owner, signer.address(), 1_000).await?;
        accounts.push(signer.address());
    }
    // One batcher account and inbox per rollup, as each OP Stack chain has its own.
    let mut rollups = Vec::new();
    for k in 0..opts.rollup_count() {
        let signer = PrivateKeySigner::random();
        write_v3(layout, &layout.account_keystore(&batcher_account(k)), &signer)?;
        set_balance(&owner, signer.address(), 1_000).await?;
        let rollup_id = opts.rollup_id.saturating_add(k as u64);
        rollups.push(RollupEntry { rollup_id, inbox: inbox(rollup_id), batcher: signer.address() });
    }

    let token = TestToken::new(core.token, owner.clone());
    let stake = U256::from(opts.stake_tokens) * U256::from(WAD);
    let mut operators = Vec::new();
    for i in 0..opts.operators {
        let name = operator_name(i);
        let ecdsa = PrivateKeySigner::random();
        let bls = SecretKey::random();
        let dir = layout.operator_dir(i);
        write_v3(layout, &dir.join("keys/ecdsa.json"), &ecdsa)?;
        let bls_path = dir.join("keys/bls.json");
        Eip2335Keystore::encrypt(
            &bls,
            &password(layout)?,
            KdfStrength::Light.pbkdf2(),
            "m/12381/60/0/0",
        )
        .and_then(|ks| ks.write(&bls_path))
        .map_err(|e| Error::Keystore { path: bls_path.clone(), reason: e.to_string() })?;
        set_balance(&owner, ecdsa.address(), 10).await?;
        send(format!("stake tokens for {name}"), token.transfer(ecdsa.address(), stake))
            .await
            .map_err(Error::chain("fund an operator with stake tokens"))?;
        operators.push(OperatorEntry {
            name,
            address: ecdsa.address(),
            bls_pubkey: format!("0x{}", hex::encode(bls.public_key().to_compressed())),
            stake,
        });
    }
    let first = rollups.first().copied().unwrap_or(RollupEntry {
        rollup_id: opts.rollup_id,
        inbox: INBOX,
        batcher: Address::ZERO,
    });
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        rollup_id: first.rollup_id,
        inbox: first.inbox,
        batcher: first.batcher,
        more_rollups: rollups.get(1..).unwrap_or_default().to_vec(),
        aggregator_account: accounts.first().copied().unwrap_or_default(),
        slasher_account: accounts.get(1).copied().unwrap_or_default(),
        operators,
    };
    write_configs(layout, &manifest, ports)?;

    // Registration is what a real operator does: through the operator's own CLI, which waits
    // for EigenLayer's allocation configuration delay by watching blocks. The devnet's L1 mines
    // only on transactions, so blocks are mined here meanwhile (a real chain makes its own).
    let miner = {
        let owner = owner.clone();
        tokio::spawn(async move {
            loop {
                let _ = vigil_test_utils::anvil_mine(&owner, 1).await;
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        })
    };
    let registered = register_all(layout, &manifest, say).await;
    miner.abort();
    registered?;
    manifest.write(layout)?;
    Ok(manifest)
}

/// Runs `vigil-operator register` for every operator of `manifest`.
async fn register_all(
    layout: &Layout,
    manifest: &Manifest,
    say: &(dyn Fn(String) + Sync),
) -> Result<()> {
    for (i, op) in manifest.operators.iter().enumerate() {
        say(format!("registering {} ({}) through `vigil-operator register`", op.name, op.address));
        let log = layout.log(&format!("{}-register", op.name));
        let out = tokio::process::Command::new(procs::binary("vigil-operator"))
            .arg("--config")
            .arg(layout.operator_config(i))
            .args(["register", "--deposit", &op.stake.to_string(), "--wait", "120"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| Error::Process {
                name: op.name.clone(),
                reason: format!("cannot run vigil-operator register: {e}"),
            })?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        write_file(&log, &text)?;
        if !out.status.success() {
            return Err(Error::Process {
                name: op.name.clone(),
                reason: format!("vigil-operator register failed: {}", text.trim()),
            });
        }
        for line in text.lines().filter(|l| l.contains(':')) {
            say(format!("  {}", line.trim()));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict(_path: &Path) {}

/// A devnet rollup's chain file, in the superchain registry's shape: Granite and Holocene
/// active from genesis, as on every OP Stack chain today.
pub fn rollup_config(
    rollup: &RollupEntry,
    genesis_time: u64,
    block_time: u64,
) -> vigil_da::op::OpRollupConfig {
    vigil_da::op::OpRollupConfig {
        name: "Vigil devnet rollup".into(),
        chain_id: rollup.rollup_id,
        batch_inbox: rollup.inbox,
        batcher: rollup.batcher,
        block_time,
        genesis_l2_time: genesis_time,
        genesis_l2_number: 0,
        granite_time: Some(0),
        holocene_time: Some(0),
    }
}

/// Whether the devnet runs batched certificates: with more than one rollup.
pub fn batches_on(manifest: &Manifest) -> bool {
    manifest.rollups().len() > 1
}

/// Writes every binary's config for `ports` (again on every start: ports may change).
pub fn write_configs(layout: &Layout, manifest: &Manifest, ports: &Ports) -> Result<()> {
    let l1 = format!("http://127.0.0.1:{}", ports.l1);
    // Every operator follows every rollup: one `[[rollups]]` table each.
    let mut rollups = String::new();
    for k in 0..manifest.rollups().len() {
        rollups.push_str(&format!(
            "\n[[rollups]]\nkind = \"op-stack\"\nl2_rpc = \"http://127.0.0.1:{}\"\ntag = \"safe\"\n\
             rollup_config = \"{}\"\n",
            ports.l2_of(k),
            layout.rollup_config_of(k).display(),
        ));
    }
    let aggregator = format!("http://127.0.0.1:{}", ports.aggregator_api);
    // Several rollups: batched certificates (one per L1 block covering them all), singles as
    // the fallback after 8 L1 blocks.
    let batches = batches_on(manifest);
    let deployment = layout.deployment().display().to_string();
    let password = layout.password().display().to_string();
    for (i, op) in manifest.operators.iter().enumerate() {
        write_file(
            &layout.operator_config(i),
            &format!(
                "# {name}: written by the devnet on every start.\n\
                 [chain]\nl1_rpc = \"{l1}\"\ndeployment = \"{deployment}\"\n\n\
                 [keys]\nbls_keystore = \"keys/bls.json\"\nbls_password_file = \"{password}\"\n\
                 ecdsa_keystore = \"keys/ecdsa.json\"\necdsa_password_file = \"{password}\"\n\n\
                 [node]\nprotection_db = \"data/protection.sqlite\"\npoll_interval_ms = 500\n\
                 sign_batches = {batches}\n\
                 beacon_urls = [\"{l1}\"]\nbeacon_dialect = \"anvil\"\n\
                 rpc_timeout_ms = 5000\nstatus_interval_ms = 5000\n\
                 api_address = \"127.0.0.1:{api}\"\nmetrics_address = \"127.0.0.1:{metrics}\"\n\n\
                 [submission]\naggregators = [\"{aggregator}\"]\n{rollups}",
                name = op.name,
                api = ports.operator_api(i),
                metrics = ports.operator_metrics(i),
            ),
        )?;
    }
    let service = |dir: PathBuf, config: SubmitterConfig<'_>| -> Result<()> {
        let SubmitterConfig { name, chain_extra, poll_ms, confirmations, sections, api, metrics } =
            config;
        write_file(
            &dir.join(format!("{name}.toml")),
            &format!(
                "# Written by the devnet on every start.\n\
                 [chain]\nl1_rpc = \"{l1}\"\ndeployment = \"{deployment}\"\n{chain_extra}\n\
                 [submitter]\nkeystore = \"{keystore}\"\npassword_file = \"{password}\"\n\
                 replica_id = \"devnet\"\npoll_ms = {poll_ms}\nconfirmations = {confirmations}\n\n\
                 [database]\nurl = \"sqlite://{db}\"\n\n\
                 {sections}\
                 [api]\naddress = \"127.0.0.1:{api}\"\n\n\
                 [metrics]\naddress = \"127.0.0.1:{metrics}\"\n",
                keystore = layout.account_keystore(name).display(),
                db = dir.join(format!("{name}.sqlite")).display(),
            ),
        )
    };
    service(
        layout.aggregator_dir(),
        SubmitterConfig {
            name: "aggregator",
            chain_extra: "",
            poll_ms: 200,
            confirmations: 0,
            sections: &format!(
                "[aggregation]\nwindow_ms = 300\nbatches = {batches}\nsingle_hold_ms = 8000\n\n"
            ),
            api: ports.aggregator_api,
            metrics: ports.aggregator_metrics,
        },
    )?;
    service(
        layout.slasher_dir(),
        SubmitterConfig {
            name: "slasher",
            chain_extra: "rpc_timeout_ms = 5000\n",
            poll_ms: 500,
            confirmations: 1,
            sections: &format!(
                "[sources]\nflush_ms = 20\n\n\
                 [[sources.aggregators]]\nname = \"devnet\"\nurl = \"{aggregator}\"\n\n"
            ),
            api: ports.slasher_api,
            metrics: ports.slasher_metrics,
        },
    )?;
    write_prometheus(layout, manifest, ports)
}

/// What the aggregator's and the slasher's configs (both services that submit transactions,
/// with a database, an API and metrics) differ in.
struct SubmitterConfig<'a> {
    /// The service: its config, keystore account and database file are named after it.
    name: &'a str,
    /// Lines appended to `[chain]`.
    chain_extra: &'a str,
    /// `[submitter] poll_ms`.
    poll_ms: u64,
    /// `[submitter] confirmations`.
    confirmations: u64,
    /// The service's own sections, each ending in a blank line.
    sections: &'a str,
    /// API port.
    api: u16,
    /// Metrics port.
    metrics: u16,
}

/// A Prometheus config scraping this devnet, next to a copy of the repository's alert rules.
fn write_prometheus(layout: &Layout, manifest: &Manifest, ports: &Ports) -> Result<()> {
    let mut operators = String::new();
    for (i, op) in manifest.operators.iter().enumerate() {
        operators.push_str(&format!(
            "      - targets: [\"127.0.0.1:{}\"]\n        labels: {{operator: {}}}\n",
            ports.operator_metrics(i),
            op.name
        ));
    }
    let dir = layout.prometheus_dir();
    write_file(
        &dir.join("prometheus.yml"),
        &format!(
            "# Written by the devnet for its ports; rules.yml is dashboards/prometheus/rules.yml.\n\
             global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n\
             rule_files: [rules.yml]\n\
             scrape_configs:\n\
             \x20 - job_name: vigil-operator\n    static_configs:\n{operators}\
             \x20 - job_name: vigil-aggregator\n    static_configs:\n\
             \x20     - targets: [\"127.0.0.1:{agg}\"]\n\
             \x20 - job_name: vigil-slasher\n    static_configs:\n\
             \x20     - targets: [\"127.0.0.1:{slasher}\"]\n",
            agg = ports.aggregator_metrics,
            slasher = ports.slasher_metrics,
        ),
    )?;
    write_file(&dir.join("rules.yml"), RULES)
}

/// The repository's alert rules, embedded so the devnet writes them wherever it runs.
pub const RULES: &str = include_str!("../../../dashboards/prometheus/rules.yml");

/// Reads the deployment of a provisioned devnet.
pub fn deployment(layout: &Layout) -> Result<Deployment> {
    Deployment::read(&layout.deployment()).map_err(Error::chain("read the deployment file"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn each_rollup_has_its_own_inbox_the_first_the_one_it_always_had() {
        assert_eq!(inbox(42_069), INBOX);
        assert_eq!(inbox(42_070), address!("0xff00000000000000000000000000000000042070"));
        assert_ne!(inbox(42_069), inbox(42_070));
        assert_eq!(batcher_account(0), "batcher");
        assert_eq!(batcher_account(2), "batcher2");
    }

    #[test]
    fn a_manifest_of_one_rollup_reads_and_writes_as_before_several() {
        let one = Manifest {
            version: MANIFEST_VERSION,
            rollup_id: 42_069,
            inbox: INBOX,
            batcher: Address::repeat_byte(1),
            more_rollups: Vec::new(),
            aggregator_account: Address::repeat_byte(2),
            slasher_account: Address::repeat_byte(3),
            operators: Vec::new(),
        };
        let json = serde_json::to_string(&one).unwrap();
        assert!(!json.contains("moreRollups"), "{json}");
        let back: Manifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.rollups().len(), 1);
        assert_eq!(back.rollups()[0].batcher, Address::repeat_byte(1));

        let second = RollupEntry {
            rollup_id: 42_070,
            inbox: inbox(42_070),
            batcher: Address::repeat_byte(4),
        };
        let three = Manifest { more_rollups: vec![second, second], ..one };
        let back: Manifest = serde_json::from_str(&serde_json::to_string(&three).unwrap()).unwrap();
        let ids: Vec<u64> = back.rollups().iter().map(|r| r.rollup_id).collect();
        assert_eq!(ids, [42_069, 42_070, 42_070]);
    }

    #[test]
    fn every_operator_follows_every_rollup() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let ports = Ports::with_offset(7);
        let second = RollupEntry {
            rollup_id: 42_070,
            inbox: inbox(42_070),
            batcher: Address::repeat_byte(4),
        };
        let manifest = Manifest {
            version: MANIFEST_VERSION,
            rollup_id: 42_069,
            inbox: INBOX,
            batcher: Address::repeat_byte(1),
            more_rollups: vec![second, RollupEntry { rollup_id: 42_071, ..second }],
            aggregator_account: Address::repeat_byte(2),
            slasher_account: Address::repeat_byte(3),
            operators: vec![OperatorEntry {
                name: "op0".into(),
                address: Address::repeat_byte(5),
                bls_pubkey: "0x00".into(),
                stake: U256::ZERO,
            }],
        };
        write_configs(&layout, &manifest, &ports).unwrap();
        let config = std::fs::read_to_string(layout.operator_config(0)).unwrap();
        assert_eq!(config.matches("[[rollups]]").count(), 3, "{config}");
        for k in 0..3 {
            assert!(config.contains(&format!("l2_rpc = \"http://127.0.0.1:{}\"", 9552 + k)));
            let file = layout.rollup_config_of(k);
            assert!(config.contains(&format!("rollup_config = \"{}\"", file.display())));
        }
        assert_eq!(layout.rollup_config_of(0), dir.path().join("rollup.toml"));
        assert_ne!(layout.rollup_config_of(1), layout.rollup_config_of(2));
    }
}
