//! `vigil-slasher`: follows every signature it can see (aggregator feeds, the chain), detects
//! operators that signed two conflicting checkpoints, and submits the evidence to Vigil's slasher
//! contract. Thin by design: CLI, config and logging here; everything else in `vigil-slashing`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use eyre::{Result, WrapErr};
use vigil_slashing::{config::SlasherConfig, runner};

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
    /// Print the effective configuration as JSON (defaults, file and environment merged).
    Config,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    vigil_cli::init_logs(cli.json_logs);
    let config =
        SlasherConfig::load(cli.config.as_deref()).wrap_err("cannot load the slasher config")?;
    match cli.command {
        Command::Config => {
            println!("{}", json_string(&config)?);
        }
        Command::Run => {
            runner::run(&config, vigil_cli::shutdown_signal(), |l| {
                tracing::info!(target: "vigil::slasher", api = %l.api, metrics = %l.metrics, "listening");
            })
            .await
            .wrap_err("slasher failed")?;
        }
    }
    Ok(())
}

fn json_string(config: &SlasherConfig) -> Result<String> {
    serde_json::to_string_pretty(config).wrap_err("cannot render the configuration")
}
