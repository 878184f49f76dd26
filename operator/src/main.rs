//! `vigil-operator`: the Vigil operator binary. Thin by design: CLI, config and wiring only; the logic
//! lives in the `vigil-*` library crates.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vigil-operator", version, about = "Vigil operator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the operator.
    Run,
}

fn main() -> eyre::Result<()> {
    match Cli::parse().command {
        // Not built yet: say so plainly instead of pretending.
        Command::Run => eyre::bail!("vigil-operator is not implemented yet (tracked as issue 5)"),
    }
}
