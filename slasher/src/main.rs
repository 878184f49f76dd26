//! `vigil-slasher`: follows every signature it can see (aggregator feeds, the chain), detects
//! operators that signed two conflicting checkpoints, and submits the evidence to Vigil's slasher
//! contract. Thin by design: CLI, config and logging here; everything else in `vigil-slasher`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use eyre::{Result, WrapErr};
use vigil_slasher::{config::SlasherConfig, runner};

#[derive(Parser)]
#[command(name = "vigil-slasher", version, about = "Vigil slasher")]
struct Cli {
    /// Config file (TOML; see config/slasher.toml). Fields can also come from
    /// VIGIL_SLASHER_<SECTION>__<FIELD> environment variables.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    json_logs: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the slasher until Ctrl-C or SIGTERM.
    Run,
    /// Check every dependency before running (L1, deployment, database, submitter key and
    /// gas, ports, …): one line per check with its fix; exit status 1 if any failed.
    Check,
    /// Print the effective configuration as JSON (defaults, file and environment merged; URL
    /// credentials masked).
    Config,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    vigil_service::init_logs(cli.json_logs);
    vigil_service::exit(run(cli))
}

#[tokio::main]
async fn run(cli: Cli) -> Result<()> {
    let config =
        SlasherConfig::load(cli.config.as_deref()).wrap_err("cannot load the slasher config")?;
    match cli.command {
        Command::Config => {
            let json =
                vigil_service::config_json(&config).wrap_err("cannot render the configuration")?;
            println!("{json}");
        }
        Command::Check => {
            let report = vigil_slasher::preflight::check(&config).await;
            print!("{report}");
            report.result()?;
        }
        Command::Run => {
            runner::run(&config, vigil_service::shutdown_signal(), |l| {
                tracing::info!(target: "vigil::slasher", api = %l.api, metrics = %l.metrics, "listening");
            })
            .await?;
        }
    }
    Ok(())
}
