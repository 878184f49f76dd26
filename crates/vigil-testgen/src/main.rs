//! Generates Vigil's cross-language vector files from `vigil-types` and `vigil-crypto`, so the
//! Solidity side is checked against exactly what Rust computes.
//!
//! ```text
//! cargo run -p vigil-testgen -- checkpoints testdata/checkpoints.json
//! cargo run -p vigil-testgen -- checkpoints --check testdata/checkpoints.json
//! cargo run -p vigil-testgen -- batches testdata/batches.json
//! cargo run -p vigil-testgen -- eigenlayer testdata/fixtures/eigenlayer-v1.3.0.json
//! ```
//! `--check` regenerates in memory and fails if the committed file differs. Everything is
//! deterministic: keys come from fixed seeds and BLS signing is deterministic.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use eyre::{Result, bail};

mod batches;
mod checkpoints;
mod eigenlayer;

#[derive(Parser)]
#[command(version, about = "Generates Vigil's cross-language test vectors")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checkpoint digests, conflict verdicts, PoP messages and signatures.
    Checkpoints {
        /// Output file.
        out: PathBuf,
        /// Compare with the file instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// Batched certificates: leaves, roots, digests and inclusion proofs (`VIGIL_BATCH_V1`).
    Batches {
        /// Output file.
        out: PathBuf,
        /// Compare with the file instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// EigenLayer's core creation bytecode, for forge tests.
    Eigenlayer {
        /// Output file.
        out: PathBuf,
        /// Compare with the file instead of writing it.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> Result<()> {
    let (json, out, check) = match Cli::parse().command {
        Command::Checkpoints { out, check } => (checkpoints::generate()?, out, check),
        Command::Batches { out, check } => (batches::generate()?, out, check),
        Command::Eigenlayer { out, check } => (eigenlayer::generate()?, out, check),
    };
    if check {
        let existing = std::fs::read_to_string(&out)?;
        if existing != json {
            bail!("{} is out of date: regenerate it with vigil-testgen", out.display());
        }
        println!("{} is up to date", out.display());
    } else {
        std::fs::write(&out, json)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
