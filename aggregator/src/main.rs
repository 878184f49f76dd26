//! `vigil-aggregator`: collects operators' signed checkpoints, aggregates them by stake once a
//! rollup's threshold is met, and submits certificates to Vigil's verifier. Thin by design: CLI,
//! config and logging here; everything else in `vigil-aggregator`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use eyre::{Result, WrapErr};
use vigil_aggregator::{config::AggregatorConfig, runner};
use vigil_service::UsageError;

#[derive(Parser)]
#[command(name = "vigil-aggregator", version, about = "Vigil aggregator")]
struct Cli {
    /// Config file (TOML; see config/aggregator.toml). Fields can also come from
    /// VIGIL_AGGREGATOR_<SECTION>__<FIELD> environment variables.
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
    /// Run the aggregator until Ctrl-C or SIGTERM.
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
    let config = AggregatorConfig::load(cli.config.as_deref()).map_err(UsageError::new)?;
    match cli.command {
        Command::Config => {
            let json =
                vigil_service::config_json(&config).wrap_err("cannot render the configuration")?;
            println!("{json}");
        }
        Command::Check => {
            let report = vigil_aggregator::preflight::check(&config).await;
            print!("{report}");
            report.result()?;
        }
        Command::Run => {
            runner::run(&config, vigil_service::shutdown_signal(), |l| {
                tracing::info!(target: "vigil::aggregator", api = %l.api, metrics = %l.metrics, "listening");
            })
            .await?;
        }
    }
    Ok(())
}
