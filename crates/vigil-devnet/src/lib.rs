//! Vigil's devnet: the whole system on one machine, from one command.
//!
//! [`run`] starts an L1 anvil (Osaka, pinned) and an L2 anvil per rollup (`safe` following the
//! head; [`DEFAULT_ROLLUPS`] by default, [`Options::rollups`] for another count, ids 42069,
//! 42070, …), deploys
//! EigenLayer's core and Vigil, makes and funds the operators and registers them through
//! `vigil-operator register`, starts `vigil-aggregator`, `vigil-slasher` and one
//! `vigil-operator run` per operator as child processes (every operator follows every rollup),
//! and runs each rollup's batcher (its own account and inbox), which posts L2 blocks to L1 as an
//! OP Stack batcher does (span batches in brotli or zlib channels, frames in blobs or calldata,
//! [`batcher`]). Each L2 is an OP-Stack-shaped chain: blocks every `l2_block_time` seconds with
//! timestamps exactly `genesis + n × block_time`, described to the operators by a
//! superchain-registry chain file (`rollup.toml` in the state directory, [`layout`]). It prints
//! where everything listens and every certificate as it lands on L1, with the channel it
//! attests.
//!
//! - **Batched certificates** with more than one rollup: operators sign each L1 block's
//!   checkpoints of every rollup as one batch (`sign_batches`), the aggregator certifies it in
//!   one transaction (`aggregation.batches`), and the live table shows each batch certificate
//!   (`BATCH <root> in L1 block …`) and every checkpoint it holds, each proven on L1 with the
//!   aggregator's inclusion proof (`isCertifiedInBatch`). Unattended, it also checks that no L1
//!   block holds two certificate transactions.
//!
//! - **State** lives in one directory ([`layout`]); a second run resumes it (anvil state files,
//!   databases, keys) unless asked to start fresh.
//! - **Byzantine mode** ([`byzantine`]): the devnet signs, with one operator's key, checkpoints
//!   that conflict with a certified one of the first rollup, and shows the evidence, the slash
//!   and the reduced stake.
//! - **Unattended mode**: exits by itself once `exit_after` heights of every rollup are
//!   certified (and, in byzantine mode, the slash happened), with an error unless everything
//!   happened as expected ([`watch::check_certified_channels`] per rollup,
//!   [`watch::check_slashes`]).
//! - **Supervision** ([`procs`]): once the devnet is up, a service that exits (a crash, an OOM
//!   kill, a SIGKILL) is started again with backoff (1 s doubling to 30 s, from 1 s again once
//!   it stayed up 60 s), its output appended to the same log, and the live display says so
//!   (`00:42  op3 restarted after SIGKILL (exit: signal 9), attempt 1`). More than 5 restarts in
//!   2 minutes is named as a crash loop, and the service is still restarted every 30 s: the rest
//!   of the devnet stays up. The devnet stops only when asked (Ctrl-C, SIGTERM) or, unattended,
//!   when it is done or timed out. An exit while starting up is still fatal (a broken binary or
//!   config). Each service's pid is in `run/<name>.pid` ([`layout`]).
//! - **Children die with the devnet**, even when it is killed with SIGKILL: each child, the
//!   anvils ([`chain`]) included, is started with a parent-death signal (`PR_SET_PDEATHSIG`,
//!   Linux), SIGKILL for the services and SIGTERM for anvil, which writes its state file on the
//!   way out ([`procs`] says why this and not a process group).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Dependencies of the `vigil-devnet` binary (`src/main.rs`), which shares this package's manifest.
use {clap as _, eyre as _, vigil_service as _};
pub mod batcher;
pub mod byzantine;
pub mod chain;
mod error;
pub mod layout;
pub mod procs;
pub mod setup;
pub mod veto;
pub mod watch;

use std::{
    collections::BTreeMap,
    future::Future,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
pub use error::{Error, Result};
use tracing::warn;
use vigil_chain::{WAD, signing_provider};
use vigil_test_utils::HARDFORK;

use crate::{
    batcher::Batcher,
    byzantine::Equivocator,
    chain::{Chain, ChainConfig},
    layout::{Layout, Ports},
    procs::{Supervisor, binary, wait_http},
    setup::{L1_CHAIN_ID, Manifest},
    watch::{ChainWatch, Slashed, short, tokens},
};

/// Private key of anvil's first dev account, funded on the L2: the devnet's L2 traffic sender.
const L2_TRAFFIC_KEY: &str = vigil_test_utils::DEV_KEY;

/// Rollups a fresh devnet runs unless told otherwise ([`Options::rollups`]).
pub const DEFAULT_ROLLUPS: usize = 3;

/// How to run the devnet.
#[derive(Clone, Debug)]
pub struct Options {
    /// The state directory.
    pub dir: PathBuf,
    /// Delete the state directory first.
    pub fresh: bool,
    /// Operators to create (a fresh devnet only).
    pub operators: usize,
    /// Stake each operator deposits and allocates, in whole tokens.
    pub stake_tokens: u64,
    /// The first rollup's chain id (rollup `k`'s is this plus `k`).
    pub rollup_id: u64,
    /// Rollups a fresh devnet runs, each its own L2 anvil and batcher (`None`:
    /// [`DEFAULT_ROLLUPS`]). A resumed devnet keeps the rollups it was provisioned with; asking
    /// for another count is an error.
    pub rollups: Option<usize>,
    /// Added to every default port.
    pub port_offset: u16,
    /// The last operator equivocates (signed by the devnet, never by the operator binary).
    pub byzantine: bool,
    /// Unattended: exit once heights `1..=n` are certified (and the slash happened).
    pub exit_after: Option<u64>,
    /// A fresh devnet's veto window in L1 blocks, the devnet holding the committee's key
    /// (`None` or 0: slashes execute at once). A resumed devnet keeps the window it was
    /// provisioned with; asking for another is an error.
    pub veto_window: Option<u32>,
    /// Unattended: give up after this long.
    pub timeout: Duration,
    /// L1 block time in seconds.
    pub l1_block_time: u64,
    /// L2 block time in seconds.
    pub l2_block_time: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dir: PathBuf::from(".devnet"),
            fresh: false,
            operators: 4,
            stake_tokens: 100,
            rollup_id: 42_069,
            rollups: None,
            port_offset: 0,
            byzantine: false,
            exit_after: None,
            veto_window: None,
            timeout: Duration::from_secs(600),
            l1_block_time: 1,
            l2_block_time: 1,
        }
    }
}

impl Options {
    /// Rollups a fresh devnet runs (at least one).
    pub fn rollup_count(&self) -> usize {
        self.rollups.unwrap_or(DEFAULT_ROLLUPS).max(1)
    }
}

/// How a run ended (errors aside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stopped by the user (Ctrl-C, SIGTERM).
    Stopped,
    /// Unattended mode: everything it waited for happened, and the checks passed.
    Completed {
        /// Heights `1..=certified` of every rollup are certified on L1.
        certified: u64,
        /// Operators slashed (byzantine mode: exactly one).
        slashed: Vec<Address>,
    },
}

/// Runs the devnet until `shutdown` resolves, or (unattended) until done. `say` receives every
/// line meant for the person watching.
pub async fn run(
    opts: &Options,
    shutdown: impl Future<Output = ()>,
    say: &(dyn Fn(String) + Sync),
) -> Result<Outcome> {
    let layout = Layout::new(&opts.dir);
    let ports = Ports::with_offset(opts.port_offset);
    prepare_dir(&layout, opts, say)?;
    let resume = layout.manifest().exists();
    let (operators, rollup_ids) = if resume {
        let m = Manifest::read(&layout)?;
        let ids: Vec<u64> = m.rollups().iter().map(|r| r.rollup_id).collect();
        if let Some(want) = opts.rollups.filter(|want| *want != ids.len()) {
            return Err(Error::State {
                path: layout.manifest(),
                reason: format!(
                    "provisioned with --rollups {}, asked for --rollups {want}: start fresh",
                    ids.len()
                ),
            });
        }
        (m.operators.len(), ids)
    } else {
        let ids = (0..opts.rollup_count() as u64).map(|k| opts.rollup_id.saturating_add(k));
        (opts.operators, ids.collect())
    };
    for (port, what) in ports.all(operators, rollup_ids.len()) {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Err(Error::PortInUse { port, what });
        }
    }

    // The L2 anvils start while the L1 one does.
    let mut l2_starting = Vec::new();
    for (k, id) in rollup_ids.iter().enumerate() {
        let state = layout.l2_state_of(k);
        if let Some(dir) = state.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        l2_starting.push(tokio::spawn(Chain::start(ChainConfig {
            name: "L2 anvil",
            chain_id: *id,
            port: ports.l2_of(k),
            slots_in_an_epoch: Some(1),
            state,
            log: layout.log(&Layout::l2_log_name(k)),
        })));
    }
    let l1 = Chain::start(ChainConfig {
        name: "L1 anvil",
        chain_id: L1_CHAIN_ID,
        port: ports.l1,
        slots_in_an_epoch: None,
        state: layout.l1_state(),
        log: layout.log("l1-anvil"),
    })
    .await?;
    let mut l2s = Vec::new();
    for started in l2_starting {
        let started =
            started.await.map_err(|e| Error::Chain { what: "L2 anvil", reason: e.to_string() })?;
        l2s.push(started?);
    }
    // An OP Stack L2 has a block every block_time seconds, its timestamp exactly
    // genesis + n × block_time (span batches carry only the first timestamp). Anvil keeps that
    // spacing once told; blocks are mined on an interval from here on. A chain restored from its
    // state file would stamp its first new block with the wall clock: its clock is set back to
    // the head's timestamp first, so the next block is exactly one block time later.
    let l2_block_time = opts.l2_block_time.max(1);
    let mut l2_genesis = Vec::new();
    for l2 in &l2s {
        let l2_admin = vigil_chain::http_provider(l2.url(), Duration::from_secs(10));
        let l2_head = l2_admin
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(Error::chain("L2 head"))?
            .ok_or_else(|| Error::Check("the L2 has no head block".into()))?;
        for (method, arg) in [
            ("evm_setTime", l2_head.header.timestamp),
            ("anvil_setBlockTimestampInterval", l2_block_time),
            ("evm_setIntervalMining", l2_block_time),
        ] {
            l2_admin
                .raw_request::<_, serde_json::Value>(method.into(), (arg,))
                .await
                .map_err(Error::chain("configure the L2 anvil"))?;
        }
        if !resume {
            let genesis = l2_admin
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Number(0))
                .await
                .map_err(Error::chain("L2 genesis"))?
                .ok_or_else(|| Error::Check("the L2 has no genesis block".into()))?;
            l2_genesis.push(genesis.header.timestamp);
        }
    }
    say(format!("L1  {} (chain {L1_CHAIN_ID}, {HARDFORK})", l1.endpoint()));
    for (l2, id) in l2s.iter().zip(&rollup_ids) {
        say(format!("L2  {} (rollup {id}, safe follows the head)", l2.endpoint()));
    }

    let manifest = if resume {
        let m = Manifest::read(&layout)?;
        say(format!("resuming the devnet in {}", layout.dir().display()));
        setup::write_configs(&layout, &m, &ports)?;
        m
    } else {
        say(format!("fresh devnet in {}", layout.dir().display()));
        let manifest = setup::provision(&layout, &ports, l1.url(), opts, say).await?;
        for (k, (rollup, genesis)) in manifest.rollups().iter().zip(&l2_genesis).enumerate() {
            let config = setup::rollup_config(rollup, *genesis, l2_block_time);
            setup::write_file(&layout.rollup_config_of(k), &config.to_superchain_toml())?;
        }
        setup::write_configs(&layout, &manifest, &ports)?;
        manifest
    };
    if manifest.rollup_id != opts.rollup_id {
        return Err(Error::State {
            path: layout.manifest(),
            reason: format!(
                "provisioned for rollup {}, asked for {}: start fresh",
                manifest.rollup_id, opts.rollup_id
            ),
        });
    }
    let deployment = setup::deployment(&layout)?;
    if let Some(want) = opts.veto_window.filter(|_| resume) {
        let reader = vigil_chain::http_provider(l1.url(), Duration::from_secs(10));
        let have = veto::window(&reader, deployment.vigil.slasher).await?;
        if have != want {
            return Err(Error::State {
                path: layout.deployment(),
                reason: format!(
                    "provisioned with a veto window of {have} blocks, asked for {want}: start fresh"
                ),
            });
        }
    }

    // Setup ran on automine (fast); from here L1 makes a block every l1_block_time seconds.
    let l1_owner = vigil_chain::http_provider(l1.url(), Duration::from_secs(10));
    l1_owner
        .raw_request::<_, serde_json::Value>(
            "evm_setIntervalMining".into(),
            (opts.l1_block_time.max(1),),
        )
        .await
        .map_err(Error::chain("evm_setIntervalMining"))?;

    let mut procs = Supervisor::new().with_pid_dir(layout.pid_dir());
    let result = async {
        start_services(&mut procs, &layout, &ports, &manifest).await?;
        banner(&layout, &ports, &manifest, opts, say);
        follow(opts, &layout, &manifest, &deployment, &l1, &l2s, &mut procs, shutdown, say).await
    }
    .await;
    say("stopping: operators, slasher, aggregator, then the chains (state is kept)".into());
    procs.stop_all(Duration::from_secs(10)).await;
    for (l2, id) in l2s.into_iter().zip(&rollup_ids) {
        if let Err(e) = l2.stop().await {
            warn!(target: "vigil::devnet", rollup = id, error = %e, "L2 anvil did not stop cleanly");
        }
    }
    if let Err(e) = l1.stop().await {
        warn!(target: "vigil::devnet", error = %e, "L1 anvil did not stop cleanly");
    }
    result
}

/// Fresh: delete. A directory without a manifest was never fully provisioned: start over.
fn prepare_dir(layout: &Layout, opts: &Options, say: &(dyn Fn(String) + Sync)) -> Result<()> {
    let dir = layout.dir();
    if dir.exists() && (opts.fresh || !layout.manifest().exists()) {
        if !opts.fresh {
            say(format!("{} was never fully provisioned: starting fresh", dir.display()));
        }
        std::fs::remove_dir_all(dir).map_err(Error::io(dir))?;
    }
    for sub in ["l1", "l2", "logs"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(Error::io(path))?;
    }
    // Pid files a devnet killed with SIGKILL left behind (its children died with it).
    let _ = std::fs::remove_dir_all(layout.pid_dir());
    Ok(())
}

async fn start_services(
    procs: &mut Supervisor,
    layout: &Layout,
    ports: &Ports,
    manifest: &Manifest,
) -> Result<()> {
    let ready = Duration::from_secs(60);
    let info = [("RUST_LOG", "info")];
    let agg_config = layout.aggregator_dir().join("aggregator.toml");
    procs.spawn(
        "aggregator",
        &binary("vigil-aggregator"),
        &["--config", &agg_config.display().to_string(), "run"],
        &info,
        &layout.log("aggregator"),
    )?;
    wait_http(
        procs,
        "aggregator",
        &format!("http://127.0.0.1:{}/v1/health", ports.aggregator_api),
        ready,
    )
    .await?;
    let slasher_config = layout.slasher_dir().join("slasher.toml");
    procs.spawn(
        "slasher",
        &binary("vigil-slasher"),
        &["--config", &slasher_config.display().to_string(), "run"],
        &info,
        &layout.log("slasher"),
    )?;
    wait_http(
        procs,
        "slasher",
        &format!("http://127.0.0.1:{}/v1/health", ports.slasher_api),
        ready,
    )
    .await?;
    for (i, op) in manifest.operators.iter().enumerate() {
        let config = layout.operator_config(i);
        procs.spawn(
            &op.name,
            &binary("vigil-operator"),
            &["--config", &config.display().to_string(), "run"],
            &info,
            &layout.log(&op.name),
        )?;
    }
    for (i, op) in manifest.operators.iter().enumerate() {
        wait_http(
            procs,
            &op.name,
            &format!("http://127.0.0.1:{}/eigen/node/health", ports.operator_api(i)),
            ready,
        )
        .await?;
    }
    Ok(())
}

fn banner(
    layout: &Layout,
    ports: &Ports,
    manifest: &Manifest,
    opts: &Options,
    say: &(dyn Fn(String) + Sync),
) {
    say(String::new());
    say("Vigil devnet is up".into());
    say(format!(
        "  aggregator  http://127.0.0.1:{}  (metrics :{}; try /v1/checkpoints/{}/latest)",
        ports.aggregator_api, ports.aggregator_metrics, manifest.rollup_id
    ));
    say(format!(
        "  slasher     http://127.0.0.1:{}  (metrics :{}; try /v1/offences)",
        ports.slasher_api, ports.slasher_metrics
    ));
    let byzantine = byzantine_index(manifest, opts);
    for (i, op) in manifest.operators.iter().enumerate() {
        say(format!(
            "  {:<10}  http://127.0.0.1:{}/eigen/node  (metrics :{})  {} stake {}{}",
            op.name,
            ports.operator_api(i),
            ports.operator_metrics(i),
            short(&op.address),
            tokens(op.stake),
            if Some(i) == byzantine { "  BYZANTINE" } else { "" }
        ));
    }
    say(format!(
        "  state {}  logs {}  prometheus config {}",
        layout.dir().display(),
        layout.dir().join("logs").display(),
        layout.prometheus_dir().join("prometheus.yml").display()
    ));
    say(String::new());
    // With several rollups, each row says whose height it certifies.
    let rollup =
        if manifest.more_rollups.is_empty() { String::new() } else { format!("{:>6}  ", "rollup") };
    say(format!(
        "{:>6}  {rollup}{:>6}  {:<13}  {:<13}  {:>8}  {:<16}  {}",
        "time", "height", "block", "state root", "L1 block", "stake signed", "certificate tx"
    ));
}

fn byzantine_index(manifest: &Manifest, opts: &Options) -> Option<usize> {
    opts.byzantine.then(|| manifest.operators.len().saturating_sub(1))
}

/// One rollup as the live part follows it: its batcher, what it posted, what is certified.
struct RollupRun {
    /// Its chain id.
    id: u64,
    /// Its batcher (shared with the round's posting task).
    batcher: Arc<Batcher>,
    /// Its L2, for the checks.
    l2: DynProvider,
    /// Channels posted, by final height.
    channels: BTreeMap<u64, batcher::Posted>,
    /// Certificates, by height.
    certified: BTreeMap<u64, watch::Certified>,
    /// Hundreds of heights summarised so far.
    last_hundred: u64,
    /// Batcher failures in a row.
    batch_errors: u32,
    /// `rollup <id>: ` in front of its lines when there are several rollups; empty otherwise.
    label: String,
}

impl RollupRun {
    fn posted(&self) -> Vec<batcher::Posted> {
        self.channels.values().cloned().collect()
    }

    /// The highest height up to which every posted channel is certified.
    fn covered(&self) -> u64 {
        covered_through(&self.posted(), &self.certified)
    }
}

/// The live part: batches, certificates, byzantine behaviour, slashes, until done or stopped.
#[allow(clippy::too_many_arguments)]
async fn follow(
    opts: &Options,
    layout: &Layout,
    manifest: &Manifest,
    deployment: &vigil_chain::Deployment,
    l1: &Chain,
    l2s: &[Chain],
    procs: &mut Supervisor,
    shutdown: impl Future<Output = ()>,
    say: &(dyn Fn(String) + Sync),
) -> Result<Outcome> {
    let started = Instant::now();
    let clock = || {
        let s = started.elapsed().as_secs();
        format!("{:02}:{:02}", s / 60, s % 60)
    };
    let rollups = manifest.rollups();
    let many = rollups.len() > 1;
    let mut runs = Vec::new();
    for (k, (rollup, l2)) in rollups.iter().zip(l2s).enumerate() {
        let batcher_key = setup::account(layout, &setup::batcher_account(k))?;
        let l2_key: PrivateKeySigner = L2_TRAFFIC_KEY.parse().map_err(Error::chain("L2 key"))?;
        let batcher = Batcher {
            l1: signing_provider(l1.url(), batcher_key),
            l2: signing_provider(l2.url(), l2_key),
            config: vigil_da::op::OpRollupConfig::read(&layout.rollup_config_of(k))
                .map_err(|e| Error::Check(format!("rollup config: {e}")))?,
            state: layout.batcher_state_of(k),
        };
        runs.push(RollupRun {
            id: rollup.rollup_id,
            batcher: Arc::new(batcher),
            l2: vigil_chain::http_provider(l2.url(), Duration::from_secs(10)),
            channels: BTreeMap::new(),
            certified: BTreeMap::new(),
            last_hundred: 0,
            batch_errors: 0,
            label: if many { format!("rollup {}: ", rollup.rollup_id) } else { String::new() },
        });
    }
    let l1_reader = vigil_chain::http_provider(l1.url(), Duration::from_secs(10));
    // With a veto window, the byzantine operator offends twice: one slash vetoed, one executed.
    let window = veto::window(&l1_reader, deployment.vigil.slasher).await?;
    let committee = match (opts.byzantine, window) {
        (true, 1..) => Some(veto::Committee::of(layout, l1.endpoint()).ok_or_else(|| {
            Error::Check(format!(
                "the slasher contract has a veto window of {window} blocks but this devnet holds \
                 no committee key ({}): start fresh",
                layout.account_keystore(setup::COMMITTEE).display()
            ))
        })?),
        _ => None,
    };
    let offences_wanted = if committee.is_some() { 2 } else { 1 };
    let l1_checker = l1_reader.clone();
    let mut watch =
        ChainWatch::new(l1_reader, deployment.clone(), runs.iter().map(|r| r.id).collect());
    if setup::batches_on(manifest) {
        let api =
            format!("http://127.0.0.1:{}", Ports::with_offset(opts.port_offset).aggregator_api);
        watch = watch.with_aggregator(api);
    }
    let byzantine = byzantine_index(manifest, opts);
    let equivocator = match byzantine {
        Some(i) => Some(Equivocator::new(
            setup::operator_bls(layout, i)?,
            deployment.domain(),
            format!("http://127.0.0.1:{}", Ports::with_offset(opts.port_offset).aggregator_api),
        )),
        None => None,
    };
    let slasher_api =
        format!("http://127.0.0.1:{}", Ports::with_offset(opts.port_offset).slasher_api);
    let operators: Vec<Address> = manifest.operators.iter().map(|o| o.address).collect();
    let name_of = |a: Address| {
        manifest
            .operators
            .iter()
            .find(|o| o.address == a)
            .map_or_else(|| a.to_string(), |o| o.name.clone())
    };

    let mut slashes: Vec<Slashed> = Vec::new();
    // Heights (of the first rollup) the byzantine operator signed again; the one the committee
    // vetoed.
    let mut equivocated: Vec<u64> = Vec::new();
    let mut vetoed: Option<u64> = None;
    let byzantine_op = byzantine.and_then(|i| manifest.operators.get(i));
    let mut offence_states: BTreeMap<i64, String> = BTreeMap::new();
    // What earlier runs of this devnet certified and slashed: summarised, not replayed.
    let (mut history, old_slashes) = watch.poll().await?;
    // Checkpoints certified in batches by earlier runs (their proofs from the aggregator).
    let _ = watch.take_landed();
    let finals: Vec<(u64, u64)> = runs
        .iter()
        .map(|r| Ok((r.id, batcher::Progress::read(&r.batcher.state)?.channels)))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flat_map(|(id, channels)| channels.into_iter().map(move |c| (id, c.last)))
        .filter(|(id, h)| {
            !history.iter().any(|c| c.checkpoint.rollup_id == *id && c.checkpoint.height == *h)
        })
        .collect();
    history.extend(watch.batched(&finals).await);
    if !history.is_empty() {
        for c in history {
            if let Some(run) = runs.iter_mut().find(|r| r.id == c.checkpoint.rollup_id) {
                run.certified.insert(c.checkpoint.height, c);
            }
        }
        for run in &runs {
            let mut progress = batcher::Progress::read(&run.batcher.state)?;
            progress.channels.sort_by_key(|c| c.first);
            let contiguous = covered_through(&progress.channels, &run.certified);
            let highest = run.certified.keys().next_back().copied().unwrap_or(0);
            say(format!(
                "{}  {}{} certificates from earlier runs: heights 1..={contiguous} covered (highest {highest})",
                clock(),
                run.label,
                run.certified.len()
            ));
            // A chain restored from its state file has no state for the blocks before the
            // restart, so channels posted then and never certified cannot be aggregated any
            // more: post them again, with the same boundaries (certificates of later channels
            // stay channel-final; operators may sign a block again with another daCommitment
            // and l1Block).
            let again = progress.requeue_uncertified(|last| run.certified.contains_key(&last));
            if !again.is_empty() {
                progress.write(&run.batcher.state)?;
                let ranges: Vec<String> = again.iter().map(|(f, l)| format!("{f}..={l}")).collect();
                say(format!(
                    "{}  {}batcher: posting channel(s) {} again (not certified before the restart)",
                    clock(),
                    run.label,
                    ranges.join(", ")
                ));
            }
        }
    }
    for s in old_slashes {
        say(format!(
            "{}  earlier run: {} slashed in L1 block {}",
            clock(),
            name_of(s.operator),
            s.block
        ));
        slashes.push(s);
    }
    for run in &mut runs {
        run.channels = batcher::Progress::read(&run.batcher.state)?
            .channels
            .into_iter()
            .map(|p| (p.last, p))
            .collect();
    }
    let mut last_batch = Instant::now().checked_sub(batcher::INTERVAL).unwrap_or_else(Instant::now);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => return Ok(Outcome::Stopped),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        // A child that exited is started again (with backoff); the devnet stays up.
        for event in procs.supervise() {
            say(format!("{}  {event}", clock()));
        }

        if last_batch.elapsed() >= batcher::INTERVAL {
            last_batch = Instant::now();
            // Each rollup's batcher posts from its own account to its own inbox: all at once.
            let mut round = tokio::task::JoinSet::new();
            for (k, run) in runs.iter().enumerate() {
                let batcher = run.batcher.clone();
                round.spawn(async move {
                    batcher.traffic().await;
                    (k, batcher.step().await)
                });
            }
            let mut results = round.join_all().await;
            results.sort_by_key(|(k, _)| *k);
            for (k, result) in results {
                let Some(run) = runs.get_mut(k) else { continue };
                match result {
                    Ok(Some(p)) => {
                        run.batch_errors = 0;
                        tracing::info!(target: "vigil::devnet::batcher", rollup = run.id, first = p.first, last = p.last, l1_block = p.l1_block, shape = p.shape.describe(), "channel posted");
                        run.channels.insert(p.last, p);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        run.batch_errors = run.batch_errors.saturating_add(1);
                        say(format!("{}  {}batcher: {e} (retrying)", clock(), run.label));
                    }
                }
            }
        }

        let (new_certs, new_slashes) = match watch.poll().await {
            Ok(x) => x,
            Err(e) => {
                say(format!("{}  cannot read L1: {e} (retrying)", clock()));
                continue;
            }
        };
        // One line per batch certificate: one transaction covering every rollup's checkpoints
        // of its L1 range.
        for b in watch.take_landed() {
            let pct = if b.total_weight.is_zero() {
                0.0
            } else {
                let bps =
                    b.signed_weight * alloy::primitives::U256::from(10_000u32) / b.total_weight;
                bps.to::<u64>() as f64 / 100.0
            };
            say(format!(
                "{:>6}  BATCH {} in L1 block {}: {} checkpoint(s) from L1 {}..={}, {}/{} ({pct:.1}%), tx {}",
                clock(),
                short(&b.root),
                b.block,
                b.leaves,
                b.from_l1_block,
                b.to_l1_block,
                tokens(b.signed_weight),
                tokens(b.total_weight),
                short(&b.tx)
            ));
        }
        let mut new_certs = new_certs;
        let pending: Vec<(u64, u64)> = runs
            .iter()
            .flat_map(|r| {
                r.channels.keys().filter(|h| !r.certified.contains_key(h)).map(move |h| (r.id, *h))
            })
            .filter(|(id, h)| {
                !new_certs
                    .iter()
                    .any(|c| c.checkpoint.rollup_id == *id && c.checkpoint.height == *h)
            })
            .collect();
        new_certs.extend(watch.batched(&pending).await);
        for c in new_certs {
            let Some(run) = runs.iter_mut().find(|r| r.id == c.checkpoint.rollup_id) else {
                continue;
            };
            let mut why = run.channels.get(&c.checkpoint.height).map_or_else(
                || "not a channel-final block".to_owned(),
                |p| format!("channel {}..={} final ({})", p.first, p.last, p.shape.describe()),
            );
            if let Some(root) = c.batch {
                why.push_str(&format!(", in batch {}", short(&root)));
            }
            let pct = if c.total_weight.is_zero() {
                0.0
            } else {
                let bps =
                    c.signed_weight * alloy::primitives::U256::from(10_000u32) / c.total_weight;
                bps.to::<u64>() as f64 / 100.0
            };
            let rollup =
                if many { format!("{:>6}  ", c.checkpoint.rollup_id) } else { String::new() };
            say(format!(
                "{:>6}  {rollup}{:>6}  {:<13}  {:<13}  {:>8}  {:<16}  {}  {why}",
                clock(),
                c.checkpoint.height,
                short(&c.checkpoint.block_hash),
                short(&c.checkpoint.state_root),
                c.checkpoint.l1_block,
                format!("{}/{} ({pct:.1}%)", tokens(c.signed_weight), tokens(c.total_weight)),
                short(&c.tx)
            ));
            run.certified.insert(c.checkpoint.height, c);
            let height = c.checkpoint.height;
            if height / 100 > run.last_hundred {
                run.last_hundred = height / 100;
                let per_100 = run.certified.len() as f64 * 100.0 / height.max(1) as f64;
                say(format!(
                    "{}  {}{} certificates for L2 heights 1..={height}: {per_100:.1} per 100 L2 blocks",
                    clock(),
                    run.label,
                    run.certified.len()
                ));
            }
        }
        for s in new_slashes {
            let magnitude = watch.magnitude(s.operator).await.unwrap_or_default();
            say(format!(
                "{}  SLASHED {} ({}) in L1 block {}, tx {}: \"{}\"; magnitude now {:.3} (was 1.000)",
                clock(),
                name_of(s.operator),
                short(&s.operator),
                s.block,
                short(&s.tx),
                s.description,
                magnitude as f64 / WAD as f64
            ));
            slashes.push(s);
        }

        // Byzantine: once a height ≥ 2 of the first rollup is certified, sign two other blocks
        // for it (with a veto window, for two such heights: two offences).
        if let Some(e) = &equivocator
            && equivocated.len() < offences_wanted
            && let Some(target) = runs.first().and_then(|first| {
                first.certified.values().find(|c| {
                    c.checkpoint.height >= 2 && !equivocated.contains(&c.checkpoint.height)
                })
            })
        {
            let posted = match e.equivocate(&target.checkpoint).await {
                Ok(posted) => posted,
                // The aggregator is down (restarting): sign again on the next round.
                Err(e @ Error::Chain { .. }) => {
                    say(format!("{}  byzantine: {e} (retrying)", clock()));
                    continue;
                }
                Err(e) => return Err(e),
            };
            equivocated.push(target.checkpoint.height);
            let name = byzantine_op.map_or("?", |o| o.name.as_str());
            let of = if many {
                format!(" of rollup {}", target.checkpoint.rollup_id)
            } else {
                String::new()
            };
            for p in &posted {
                say(format!(
                    "{}  BYZANTINE {name} signs height {}{of} again with block {} (certified: {})",
                    clock(),
                    p.checkpoint.height,
                    short(&p.checkpoint.block_hash),
                    short(&target.checkpoint.block_hash)
                ));
            }
        }
        let listed = if equivocated.is_empty() {
            Vec::new()
        } else {
            watch::slasher_offences(&slasher_api).await
        };
        for o in &listed {
            if offence_states.get(&o.id) != Some(&o.state) {
                say(format!("{}  slasher: offence #{} {}{}", clock(), o.id, o.state, o.detail));
                offence_states.insert(o.id, o.state.clone());
            }
        }
        // The committee vetoes the first offence's slash once the slasher has it queued.
        if let (Some(c), None, Some(&first), Some(op)) =
            (&committee, vetoed, equivocated.first(), byzantine_op)
            && listed
                .iter()
                .any(|o| o.height == Some(first) && o.is_by(&op.bls_pubkey) && o.state == "queued")
        {
            match c.veto(op.address, manifest.rollup_id, first).await {
                Ok(v) => {
                    say(format!(
                        "{}  VETO by the committee: {}'s slash for height {first} (offence {}) in L1 block {}, tx {}",
                        clock(),
                        op.name,
                        short(&v.offence_id),
                        v.block,
                        short(&v.tx)
                    ));
                    vetoed = Some(first);
                }
                Err(e) => say(format!("{}  veto: {e} (retrying)", clock())),
            }
        }

        // Unattended: done once every rollup is?
        if let Some(n) = opts.exit_after {
            let contiguous = runs.iter().map(RollupRun::covered).min().unwrap_or(0);
            let veto_done = committee.is_none()
                || equivocated.get(1).is_some_and(|h| {
                    listed.iter().any(|o| o.height == Some(*h) && o.state == "slashed")
                }) && vetoed.is_some_and(|h| {
                    listed.iter().any(|o| o.height == Some(h) && o.state == "vetoed")
                });
            let slash_done = byzantine.is_none() || (!slashes.is_empty() && veto_done);
            if contiguous >= n && slash_done {
                // Give a second slash (if the system were wrong) time to show up.
                if byzantine.is_some() {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    let (_, more) = watch.poll().await?;
                    slashes.extend(more);
                }
                for run in &runs {
                    watch::check_certified_channels(
                        &watch,
                        run.id,
                        &run.l2,
                        &run.posted(),
                        &batcher::Progress::read(&run.batcher.state)?.superseded,
                        &run.certified,
                        n,
                    )
                    .await?;
                }
                let crowded = watch.crowded_blocks();
                if !crowded.is_empty() {
                    return Err(Error::Check(format!(
                        "L1 blocks with more than one certificate transaction (block, count): \
                         {crowded:?}"
                    )));
                }
                let expected: Vec<Address> =
                    byzantine.and_then(|i| operators.get(i).copied()).into_iter().collect();
                watch::check_slashes(&watch, &slashes, &operators, &expected).await?;
                if let (Some(_), Some(op), Some(vetoed), Some(&executed)) =
                    (&committee, byzantine_op, vetoed, equivocated.get(1))
                {
                    let metrics = format!(
                        "http://127.0.0.1:{}/metrics",
                        Ports::with_offset(opts.port_offset).slasher_metrics
                    );
                    let counts = veto::submission_counts(&metrics).await?;
                    veto::check_veto_outcome(
                        &l1_checker,
                        deployment.vigil.slasher,
                        &watch::slasher_offences(&slasher_api).await,
                        counts,
                        op.address,
                        &op.bls_pubkey,
                        manifest.rollup_id,
                        vetoed,
                        executed,
                    )
                    .await?;
                    say(format!(
                        "{}  veto: height {vetoed}'s slash vetoed by the committee, height {executed}'s executed after the {window}-block window; slasher API and contract agree; vigil_slasher_submissions_total: {counts}",
                        clock()
                    ));
                }
                let mut finals_total = 0;
                for run in &runs {
                    let posted = run.posted();
                    let finals = posted.iter().take_while(|p| p.first <= n).count();
                    let covered =
                        posted.iter().take_while(|p| p.first <= n).last().map_or(n, |p| p.last);
                    finals_total += finals;
                    say(format!(
                        "{}  {}{} certificates for L2 heights 1..={covered}: {:.1} per 100 L2 blocks",
                        clock(),
                        run.label,
                        finals,
                        finals as f64 * 100.0 / covered.max(1) as f64
                    ));
                }
                let batched: usize = runs
                    .iter()
                    .map(|r| r.certified.values().filter(|c| c.batch.is_some()).count())
                    .sum();
                let singles: usize = runs
                    .iter()
                    .map(|r| r.certified.values().filter(|c| c.batch.is_none()).count())
                    .sum();
                say(format!(
                    "{}  {} batch certificate(s) certified {batched} checkpoint(s); {singles} single certificate(s); never two certificate transactions in one L1 block",
                    clock(),
                    watch.batch_count()
                ));
                let heights = if many {
                    format!("heights 1..={n} of each of the {} rollups", runs.len())
                } else {
                    format!("heights 1..={n}")
                };
                say(format!(
                    "{}  done: {heights} covered by {finals_total} certified channel-final blocks, each the L2's own block with its channel's daCommitment; {}",
                    clock(),
                    if expected.is_empty() {
                        "no operator slashed".to_owned()
                    } else {
                        format!(
                            "{} slashed exactly once, honest operators untouched",
                            expected.iter().map(|a| name_of(*a)).collect::<Vec<_>>().join(", ")
                        )
                    }
                ));
                return Ok(Outcome::Completed { certified: n, slashed: expected });
            }
            if started.elapsed() > opts.timeout {
                let progress = if many {
                    let each: Vec<String> = runs
                        .iter()
                        .map(|r| {
                            format!(
                                "rollup {} 1..={} (batcher errors in a row: {})",
                                r.id,
                                r.covered(),
                                r.batch_errors
                            )
                        })
                        .collect();
                    format!(
                        "certified heights 1..={contiguous} of {n} on every rollup: {}",
                        each.join(", ")
                    )
                } else {
                    format!(
                        "certified heights 1..={contiguous} of {n}; slashes: {}; batcher errors in a row: {}",
                        slashes.len(),
                        runs.first().map_or(0, |r| r.batch_errors)
                    )
                };
                return Err(Error::Check(format!(
                    "timed out after {:?}: {progress}{}; logs in {}",
                    opts.timeout,
                    if many { format!("; slashes: {}", slashes.len()) } else { String::new() },
                    layout.dir().join("logs").display()
                )));
            }
        }
    }
}

/// The highest L2 height up to which every posted channel's final block is certified.
fn covered_through(
    channels: &[batcher::Posted],
    certified: &BTreeMap<u64, watch::Certified>,
) -> u64 {
    let mut covered = 0u64;
    for c in channels {
        if c.first != covered.saturating_add(1) || !certified.contains_key(&c.last) {
            break;
        }
        covered = c.last;
    }
    covered
}
