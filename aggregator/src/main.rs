//! `vigil-aggregator`: the Vigil aggregator binary. Thin by design: CLI, config and wiring only; the logic
//! lives in the `vigil-*` library crates.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vigil-aggregator", version, about = "Vigil aggregator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the aggregator.
    Run,
}

fn main() -> eyre::Result<()> {
    match Cli::parse().command {
        // Not built yet: say so plainly instead of pretending.
        Command::Run => eyre::bail!("vigil-aggregator is not implemented yet (tracked as issue 6)"),
    }
}
