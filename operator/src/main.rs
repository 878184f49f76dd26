//! `vigil-operator`: the node an EigenLayer operator runs for Vigil. Thin by design: CLI parsing,
//! configuration and output; the logic lives in `vigil-operator`.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use alloy_primitives::U256;
use clap::{Args, Parser, Subcommand, ValueEnum};
use eyre::{Result, WrapErr, bail};
use vigil_keystore::{Kdf, KdfStrength};
use vigil_operator::{
    OperatorConfig,
    keys::{self, KeyKind, NodeKeys, OperatorKeys, PasswordSource},
    registration, status,
};
use vigil_service::{UsageError, tasks::TaskManager};

/// How long the node's HTTP servers get to finish once the node has stopped.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Parser)]
#[command(name = "vigil-operator", version, about = "Vigil operator node")]
struct Cli {
    /// Configuration file (see config/operator.toml). Relative paths in it are resolved against
    /// its folder. Fields can also come from VIGIL_OPERATOR_<SECTION>__<FIELD> environment
    /// variables.
    #[arg(long, short, global = true, env = "VIGIL_CONFIG_OPERATOR")]
    config: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate, import and list keystores.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Join Vigil's operator set: every EigenLayer step, each skipped when already done. Exits
    /// with 75 when a step must wait for a future block (it says which): run it again then.
    Register {
        /// Stake to deposit first, in the token's smallest unit (wei). Without it nothing is
        /// deposited: an operator with delegated stake registers with that.
        #[arg(long)]
        deposit: Option<U256>,
        /// Strategy to deposit into (default: the deployment's strategy).
        #[arg(long, requires = "deposit")]
        strategy: Option<alloy_primitives::Address>,
        /// Wait up to this many seconds for EigenLayer's delays before stopping (0: never wait).
        #[arg(long, default_value = "0")]
        wait: u64,
    },
    /// Leave Vigil's operator set (stake stays slashable for EigenLayer's deallocation delay).
    Deregister,
    /// Show registration, stake and keys as the chain sees them.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check every dependency before running (L1, beacon API, L2 nodes, keys, registration,
    /// aggregators, ports): one line per check with its fix; exit status 1 if any failed.
    Doctor,
    /// Run the node: watch the rollups and their data, sign checkpoints, submit them. Stops on
    /// Ctrl-C or SIGTERM.
    Run,
    /// Export or import the slashing-protection database (JSON in the spirit of EIP-3076).
    #[command(subcommand)]
    Protection(ProtectionCommand),
    /// Data availability tools.
    #[command(subcommand)]
    Da(DaCommand),
    /// Print the effective configuration as JSON (defaults, file and environment merged; URL
    /// credentials masked).
    Config,
}

#[derive(Subcommand)]
enum DaCommand {
    /// Decode a rollup batch and judge it: the channel, its frames and batches, the L2 block
    /// range and transaction counts, and (with --l2-rpc) the DA verdict the node would reach.
    /// Inputs are read in the order given and assembled as the node does.
    Inspect(InspectArgs),
}

#[derive(Args)]
struct InspectArgs {
    /// The rollup's chain file (superchain-registry TOML).
    #[arg(long)]
    rollup_config: PathBuf,
    /// The batcher, if it changed since genesis.
    #[arg(long)]
    batcher: Option<alloy_primitives::Address>,
    /// A file holding a batcher transaction's calldata (hex, or raw bytes).
    #[arg(long)]
    calldata: Vec<PathBuf>,
    /// A file holding one blob (hex, or the raw 131,072 bytes).
    #[arg(long)]
    blob: Vec<PathBuf>,
    /// A file holding a signed batcher transaction (EIP-2718; hex or raw bytes).
    #[arg(long)]
    raw_tx: Vec<PathBuf>,
    /// An L1 transaction hash (needs --l1-rpc, and --beacon for blob transactions).
    #[arg(long)]
    tx: Vec<alloy_primitives::B256>,
    /// L1 JSON-RPC endpoint.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// Beacon API base URL (repeatable: failover).
    #[arg(long)]
    beacon: Vec<String>,
    /// Beacon dialect: standard, or anvil (the devnet).
    #[arg(long, default_value = "standard")]
    beacon_dialect: String,
    /// The L2 node to judge the channels against.
    #[arg(long)]
    l2_rpc: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ProtectionCommand {
    /// Write every signed checkpoint of this deployment's domain to a file.
    Export {
        /// File to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Merge a file's records; heights at or below the lowest imported height per rollup are
    /// refused afterwards unless they repeat an imported block.
    Import {
        /// File to read.
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// BLS12-381 signing key (EIP-2335 keystore).
    Bls,
    /// ECDSA operator key (V3 keystore).
    Ecdsa,
}

impl From<Kind> for KeyKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Bls => KeyKind::Bls,
            Kind::Ecdsa => KeyKind::Ecdsa,
        }
    }
}

/// Where the keystore password comes from: never the command line itself.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct PasswordArgs {
    /// File holding the password.
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Name of the environment variable holding the password.
    #[arg(long)]
    password_env: Option<String>,
}

impl PasswordArgs {
    fn source(&self) -> PasswordSource {
        match (&self.password_file, &self.password_env) {
            (Some(file), _) => PasswordSource::File(file.clone()),
            (None, Some(var)) => PasswordSource::Env(var.clone()),
            // clap's group makes one of them required.
            (None, None) => PasswordSource::Env("VIGIL_KEYSTORE_PASSWORD".into()),
        }
    }
}

/// The keystore file `keys generate` and `keys import` create, and how it is encrypted.
#[derive(Args)]
struct NewKeystoreArgs {
    /// Keystore file to create (never overwritten).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Light KDF parameters (scrypt n = 2^10): only for throwaway devnet keys.
    #[arg(long)]
    insecure_light_kdf: bool,
}

impl NewKeystoreArgs {
    /// A fresh scrypt KDF of the chosen strength.
    fn kdf(&self) -> Kdf {
        let strength =
            if self.insecure_light_kdf { KdfStrength::Light } else { KdfStrength::Standard };
        strength.scrypt()
    }
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a new key into a new keystore file.
    Generate {
        /// Which key.
        #[arg(long, value_enum)]
        kind: Kind,
        #[command(flatten)]
        keystore: NewKeystoreArgs,
    },
    /// Import a raw hex secret from a file into a new keystore file.
    Import {
        /// Which key.
        #[arg(long, value_enum)]
        kind: Kind,
        /// File holding the secret as hex.
        #[arg(long)]
        secret_file: PathBuf,
        #[command(flatten)]
        keystore: NewKeystoreArgs,
    },
    /// List the keystores in a folder (nothing is decrypted).
    List {
        /// Folder to look in.
        #[arg(long, default_value = "keys")]
        dir: PathBuf,
    },
}

fn load_config(path: Option<&Path>) -> Result<OperatorConfig> {
    let config = OperatorConfig::load(path).map_err(UsageError::new)?;
    Ok(match path.and_then(Path::parent) {
        Some(base) => config.resolve_paths(base),
        None => config,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    vigil_service::init_logs(cli.log_json);
    vigil_service::exit(run(cli))
}

#[tokio::main]
async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Keys(cmd) => keys_command(cmd)?,
        Command::Register { deposit, strategy, wait } => {
            let config = load_config(cli.config.as_deref())?;
            let keys =
                OperatorKeys::load(&config.keys).wrap_err("cannot load the operator keys")?;
            println!(
                "operator {} (BLS key 0x{}…)",
                keys.address(),
                short(&keys.bls.public_key().to_compressed())
            );
            let deposit = match deposit {
                Some(amount) => {
                    let strategy = match strategy {
                        Some(s) => s,
                        None => {
                            vigil_chain::Deployment::read(&config.chain.deployment)?
                                .eigenlayer
                                .strategy
                        }
                    };
                    Some(vigil_chain::Deposit { strategy, amount })
                }
                None => None,
            };
            let progress = |line: String| println!("{line}");
            let report = registration::register(
                &config,
                &keys,
                deposit,
                std::time::Duration::from_secs(wait),
                &progress,
            )
            .await?;
            let mark = |done: bool| if done { "done" } else { "already done, skipped" };
            println!("registerAsOperator:        {}", mark(report.registered_as_operator));
            println!(
                "deposit:                   {}",
                if report.deposited { "done" } else { "none requested" }
            );
            if let Some(vigil_chain::Waiting::AllocationDelay { effect_block }) = report.waiting {
                let when = match effect_block {
                    Some(b) => {
                        let eta = registration::seconds_until(&config, b).await?;
                        format!("from block {b} ({})", registration::human_duration(eta))
                    }
                    None => {
                        "within ALLOCATION_CONFIGURATION_DELAY + 1 blocks of registerAsOperator"
                            .to_owned()
                    }
                };
                println!(
                    "allocate to Vigil's set:   waiting: your allocation delay is active {when}"
                );
                println!("registerForOperatorSets:   not yet");
                println!(
                    "registration incomplete: run `vigil-operator register` again then (or pass --wait)"
                );
                return Err(vigil_service::Incomplete.into());
            }
            println!("allocate to Vigil's set:   {}", mark(report.allocated));
            for p in &report.pending_allocations {
                let eta = registration::seconds_until(&config, p.effect_block).await?;
                println!(
                    "  pending: strategy {} magnitude {} -> {} from block {} ({}): stake counts (and is slashable) only then",
                    p.strategy,
                    p.current,
                    p.target,
                    p.effect_block,
                    registration::human_duration(eta)
                );
            }
            println!("registerForOperatorSets:   {}", mark(report.registered_for_set));
        }
        Command::Deregister => {
            let config = load_config(cli.config.as_deref())?;
            let keys =
                OperatorKeys::load(&config.keys).wrap_err("cannot load the operator keys")?;
            if registration::deregister(&config, &keys).await? {
                println!(
                    "deregistered {}; stake stays slashable for EigenLayer's deallocation delay",
                    keys.address()
                );
            } else {
                println!(
                    "{} is not a member of Vigil's operator set: nothing to do",
                    keys.address()
                );
            }
        }
        Command::Status { json } => {
            let config = load_config(cli.config.as_deref())?;
            let keys = NodeKeys::load(&config.keys).wrap_err("cannot load the operator keys")?;
            let s = status::status(&config, &keys).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!("operator:              {}", s.operator);
                println!("EigenLayer operator:   {}", s.is_eigenlayer_operator);
                println!("member of Vigil's set: {}", s.is_member);
                println!("slashable:             {}", s.is_slashable);
                println!("BLS key hash:          {}", s.bls_key_hash);
                if s.registered_key_hash != s.bls_key_hash && !s.registered_key_hash.is_zero() {
                    println!(
                        "registered key hash:   {} (differs from the configured key!)",
                        s.registered_key_hash
                    );
                }
                println!("delegated shares:      {}", s.shares);
                println!("allocated magnitude:   {} / 1e18", s.allocated_magnitude);
                println!(
                    "max magnitude:         {} / 1e18{}",
                    s.max_magnitude,
                    if s.max_magnitude < 1_000_000_000_000_000_000 { " (slashed)" } else { "" }
                );
                for p in &s.pending_allocations {
                    println!(
                        "pending allocation:    strategy {} magnitude {} -> {} at block {} (in about {} s)",
                        p.strategy, p.current, p.target, p.effect_block, p.eta_seconds
                    );
                }
            }
        }
        Command::Doctor => {
            let report = vigil_operator::doctor::doctor(&load_config(cli.config.as_deref())?).await;
            print!("{report}");
            report.result()?;
        }
        Command::Run => {
            let config = load_config(cli.config.as_deref())?;
            if config.rollups.is_empty() {
                bail!("no [[rollups]] configured: nothing to attest to");
            }
            // The BLS key and the operator's address only: the ECDSA key stays encrypted.
            let keys = NodeKeys::load(&config.keys).wrap_err("cannot load the BLS key")?;
            run_node(&config, keys).await?;
        }
        Command::Protection(cmd) => protection_command(cli.config.as_deref(), cmd).await?,
        Command::Da(DaCommand::Inspect(args)) => da_inspect(args).await?,
        Command::Config => {
            let config = load_config(cli.config.as_deref())?;
            let json =
                vigil_service::config_json(&config).wrap_err("cannot render the configuration")?;
            println!("{json}");
        }
    }
    Ok(())
}

/// Reads a file as hex (optionally `0x`-prefixed, whitespace ignored) or, failing that, as raw
/// bytes.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).wrap_err_with(|| format!("cannot read {}", path.display()))?;
    if let Ok(text) = std::str::from_utf8(&raw) {
        let compact: String = text.split_whitespace().collect();
        if let Ok(bytes) = hex::decode(compact.trim_start_matches("0x")) {
            return Ok(bytes);
        }
    }
    Ok(raw)
}

async fn da_inspect(args: InspectArgs) -> Result<()> {
    use vigil_da::op::inspect::{Endpoints, Input, inspect};
    let mut config = vigil_da::op::OpRollupConfig::read(&args.rollup_config)?;
    if let Some(batcher) = args.batcher {
        config.batcher = batcher;
    }
    let mut inputs = Vec::new();
    for path in &args.calldata {
        inputs.push(Input::Calldata(read_bytes(path)?));
    }
    for path in &args.blob {
        inputs.push(Input::Blob(read_bytes(path)?));
    }
    for path in &args.raw_tx {
        inputs.push(Input::RawTransaction(read_bytes(path)?));
    }
    inputs.extend(args.tx.iter().map(|h| Input::TxHash(*h)));
    if inputs.is_empty() {
        bail!("nothing to inspect: give --calldata, --blob, --raw-tx or --tx");
    }
    let timeout = std::time::Duration::from_secs(30);
    let l1 = match &args.l1_rpc {
        Some(url) => Some(vigil_operator::rpc::provider(url, "--l1-rpc", timeout).await?),
        None => None,
    };
    let l2 = match &args.l2_rpc {
        Some(url) => Some(vigil_da::op::L2Node::new(
            vigil_operator::rpc::provider(url, "--l2-rpc", timeout).await?,
        )),
        None => None,
    };
    let dialect = match args.beacon_dialect.as_str() {
        "standard" => vigil_da::BeaconDialect::Standard,
        "anvil" => vigil_da::BeaconDialect::Anvil,
        other => bail!("unknown beacon dialect {other:?}: standard or anvil"),
    };
    let beacon = if args.beacon.is_empty() {
        None
    } else {
        Some(vigil_da::BeaconClient::new(args.beacon.clone(), dialect, timeout)?)
    };
    let report = inspect(
        &config,
        &inputs,
        Endpoints { l1: l1.as_ref(), beacon: beacon.as_ref(), l2: l2.as_ref() },
    )
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("rollup {} (chain {})", report.rollup, report.chain_id);
    for f in &report.frames {
        println!(
            "frame   input {} channel {} #{} {} bytes{}",
            f.input,
            f.channel,
            f.number,
            f.len,
            if f.is_last { " (last)" } else { "" }
        );
    }
    for c in &report.channels {
        let ch = &c.channel;
        let (first, last) = ch.range().unwrap_or_default();
        println!(
            "channel {}: {} frame(s), {:?}, {} -> {} bytes, completed in L1 block {}",
            ch.id, ch.frames, ch.compression, ch.compressed_len, ch.decompressed_len, ch.l1_block
        );
        for b in &ch.batches {
            println!("  batch  {:?} {}..={} ({} txs)", b.kind, b.first, b.last, b.txs);
        }
        println!(
            "  L2 blocks {first}..={last} ({} blocks, {} txs), L1 origins {}..={}",
            ch.blocks.len(),
            ch.tx_count(),
            ch.blocks.first().map_or(0, |b| b.epoch_num),
            ch.blocks.last().map_or(0, |b| b.epoch_num)
        );
        println!("  daCommitment {} (over {} carrier(s))", ch.da_commitment, ch.carriers.len());
        let verdict = match &c.verdict {
            None => "not checked (no --l2-rpc)".to_owned(),
            Some(vigil_da::op::ChannelVerdict::Available { blocks }) => {
                format!("AVAILABLE: all {} blocks reproduced from L1 data", blocks.len())
            }
            Some(vigil_da::op::ChannelVerdict::Pending { head }) => {
                format!("PENDING: the L2 node's head is {head}")
            }
            Some(vigil_da::op::ChannelVerdict::Refused { refusal }) => {
                format!("REFUSED ({}): {refusal}", refusal.label())
            }
        };
        println!("  verdict {verdict}");
    }
    for r in &report.refusals {
        println!("refused ({}): {r}", r.label());
    }
    if let Some(incomplete) = &report.incomplete {
        println!("incomplete channel {incomplete}");
    }
    Ok(())
}

/// Serves the node API and metrics, and runs the node until Ctrl-C or SIGTERM.
async fn run_node(config: &OperatorConfig, keys: NodeKeys) -> Result<()> {
    // Before anything starts: a SIGTERM during start-up then still stops the node cleanly.
    let shutdown = vigil_service::shutdown_signal();
    let rollup_ids = config
        .rollups
        .iter()
        .map(|r| r.op_config().map(|c| c.chain_id))
        .collect::<std::result::Result<Vec<_>, _>>()
        .wrap_err("cannot read a rollup's config")?;
    let state = vigil_operator::api::NodeState::new(
        "vigil-operator",
        env!("CARGO_PKG_VERSION"),
        rollup_ids,
    );
    let mut tasks = TaskManager::new("operator");
    let node_limits = config.node.api_limits()?;
    let metrics_limits = vigil_service::http::ServerLimits::named("metrics");
    for (name, address, router, limits) in [
        ("api", &config.node.api_address, vigil_operator::api::router(state.clone()), node_limits),
        (
            "metrics",
            &config.node.metrics_address,
            vigil_operator::api::metrics_router(),
            metrics_limits,
        ),
    ] {
        if address.is_empty() {
            continue;
        }
        let listener = tokio::net::TcpListener::bind(address.as_str())
            .await
            .wrap_err_with(|| format!("cannot listen on {address}"))?;
        tasks.spawn_critical(
            name,
            vigil_service::http::serve_with(listener, router, tasks.stop().future(), limits),
        );
    }
    // The node stops on a signal, or when a server fails (the task manager's stop); the
    // servers stop once the node has.
    let stop = tasks.stop();
    let node_shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            () = stop.wait() => {}
        }
    };
    let (node_done, servers_stop) = tokio::sync::oneshot::channel::<()>();
    let node = async {
        let result = vigil_operator::runner::run(config, keys, state, node_shutdown).await;
        let _ = node_done.send(());
        result
    };
    let servers = tasks.run_until(
        async {
            let _ = servers_stop.await;
        },
        SHUTDOWN_GRACE,
    );
    let (node, servers) = tokio::join!(node, servers);
    node?;
    Ok(servers?)
}

async fn protection_command(config: Option<&Path>, cmd: ProtectionCommand) -> Result<()> {
    let config = load_config(config)?;
    let deployment = vigil_chain::Deployment::read(&config.chain.deployment)?;
    let domain = deployment.domain();
    let db = vigil_slashing_protection::SlashingDatabase::open(&config.node.protection_db)
        .await
        .wrap_err("cannot open the slashing-protection database (is the node running?)")?;
    match cmd {
        ProtectionCommand::Export { out } => {
            let interchange = db.export_interchange(&domain).await?;
            let json = interchange.to_json_string()?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&out)
                .and_then(|mut f| std::io::Write::write_all(&mut f, json.as_bytes()))
                .wrap_err_with(|| format!("cannot write {}", out.display()))?;
            let records: usize = interchange.data.iter().map(|k| k.signed_checkpoints.len()).sum();
            println!(
                "exported {records} signed checkpoints of {} keys to {}",
                interchange.data.len(),
                out.display()
            );
        }
        ProtectionCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .wrap_err_with(|| format!("cannot read {}", file.display()))?;
            let interchange = vigil_slashing_protection::Interchange::from_json_str(&text)?;
            let summary = db.import_interchange(&interchange, &domain).await?;
            println!(
                "imported {} records ({} already present) for {} keys",
                summary.inserted, summary.duplicates, summary.keys
            );
        }
    }
    db.close().await;
    Ok(())
}

fn short(bytes: &[u8]) -> String {
    bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn keys_command(cmd: KeysCommand) -> Result<()> {
    let entry = match cmd {
        KeysCommand::Generate { kind, keystore } => {
            let pw = keystore.password.source().read()?;
            match kind {
                Kind::Bls => keys::generate_bls(&keystore.out, &pw, keystore.kdf())?,
                Kind::Ecdsa => keys::generate_ecdsa(&keystore.out, &pw, keystore.kdf())?,
            }
        }
        KeysCommand::Import { kind, secret_file, keystore } => {
            let pw = keystore.password.source().read()?;
            keys::import_secret(kind.into(), &secret_file, &keystore.out, &pw, keystore.kdf())?
        }
        KeysCommand::List { dir } => {
            for e in keys::list(&dir)? {
                println!(
                    "{:<6} {}  {}",
                    format!("{:?}", e.kind).to_lowercase(),
                    e.public,
                    e.path.display()
                );
            }
            return Ok(());
        }
    };
    println!(
        "{} key {} written to {}",
        format!("{:?}", entry.kind).to_lowercase(),
        entry.public,
        entry.path.display()
    );
    Ok(())
}
