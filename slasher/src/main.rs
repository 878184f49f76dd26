//! `vigil-slasher`: the Vigil slasher binary. Thin by design: CLI, config and wiring only; the logic
//! lives in the `vigil-*` library crates.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vigil-slasher", version, about = "Vigil slasher")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the slasher.
    Run,
}

fn main() -> eyre::Result<()> {
    match Cli::parse().command {
        // Not built yet: say so plainly instead of pretending.
        Command::Run => eyre::bail!("vigil-slasher is not implemented yet (tracked as issue 7)"),
    }
}
