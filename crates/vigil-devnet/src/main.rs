//! `vigil-devnet`: the whole of Vigil on one machine. See the crate docs and the README.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use vigil_devnet::{Options, Outcome, run};

#[derive(Parser)]
#[command(name = "vigil-devnet", version, about = "Run Vigil's devnet")]
struct Cli {
    /// State directory (chains, keys, databases, logs). Kept between runs.
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// Delete the state directory and start fresh (default: resume it if it exists).
    #[arg(long)]
    fresh: bool,
    /// Operators to create (fresh devnet only).
    #[arg(long, default_value_t = 4)]
    operators: usize,
    /// Stake per operator, in whole tokens (fresh devnet only).
    #[arg(long, default_value_t = 100)]
    stake: u64,
    /// Rollups to run (fresh devnet only; default 3): N L2 chains (ids 42069, 42070, …), each
    /// with its own batcher, every operator following all of them. With more than one, batched
    /// certificates are on: one certificate per L1 block covering every rollup. A resumed
    /// devnet keeps the rollups it was provisioned with.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    rollups: Option<u16>,
    /// Add this to every port (L1 8545, L2 9545 (rollup k: 9545+k), aggregator 9100/9101,
    /// slasher 9200/9201, operators 9300+i / 9400+i).
    #[arg(long, default_value_t = 0)]
    port_offset: u16,
    /// One operator equivocates: the devnet signs conflicting checkpoints with its key, and
    /// shows the evidence, the slash and the reduced stake.
    #[arg(long)]
    byzantine: bool,
    /// Give the slasher contract a veto window of BLOCKS L1 blocks and a veto committee whose
    /// key the devnet holds (fresh devnet only). With --byzantine the operator commits two
    /// offences: the devnet, as the committee, vetoes the first with `vigil-veto` and the
    /// slasher executes the second once the window has passed.
    #[arg(long, value_name = "BLOCKS")]
    veto_window: Option<u32>,
    /// Unattended: exit once heights 1..=N of every rollup are certified (and, with
    /// --byzantine, the slash happened); exit code 0 only if everything happened as expected.
    #[arg(long, value_name = "N")]
    exit_after: Option<u64>,
    /// Unattended: fail after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Log as JSON lines instead of text (the devnet's own logs, on stderr).
    #[arg(long)]
    json_logs: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if std::env::var_os("RUST_LOG").is_none() {
        // The table on stdout is the interface; the devnet's own logs only when asked for.
        // SAFETY: single-threaded here, before anything reads the environment concurrently.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    vigil_service::init_logs(cli.json_logs);
    let opts = Options {
        dir: cli.dir,
        fresh: cli.fresh,
        operators: cli.operators.max(1),
        stake_tokens: cli.stake,
        rollups: cli.rollups.map(usize::from),
        port_offset: cli.port_offset,
        byzantine: cli.byzantine,
        exit_after: cli.exit_after,
        veto_window: cli.veto_window,
        timeout: Duration::from_secs(cli.timeout_secs),
        ..Options::default()
    };
    let say = |line: String| println!("{line}");
    match run(&opts, vigil_service::shutdown_signal(), &say).await {
        Ok(Outcome::Completed { .. }) | Ok(Outcome::Stopped) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-devnet: {e}");
            ExitCode::FAILURE
        }
    }
}
