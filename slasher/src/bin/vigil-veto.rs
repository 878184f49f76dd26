//! `vigil-veto`: vetoes a queued slash during its veto window, signed with the veto
//! committee's own keystore (or, with `--status`, only shows where the slash stands). Thin by
//! design: the logic is `vigil_slasher::veto`.
//!
//! ```text
//! vigil-veto --deployment deployments/1.json --l1-rpc https://… --keystore committee.json \
//!            [--password-env VIGIL_VETO_PASSWORD | --password-file FILE] [--status] OFFENCE
//! ```
//!
//! `OFFENCE` is the on-chain offence id (`0x…`) or `OPERATOR:ROLLUP:HEIGHT`.
//!
//! Prints one JSON object (the slash's view, or the veto's transaction) and exits 0; on a
//! refusal (not the committee, nothing queued, window closed) or an error it prints the reason
//! to stderr and exits 1, having sent nothing unless the transaction itself reverted.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use alloy::{
    network::TxSigner,
    primitives::B256,
    providers::{Provider, ProviderBuilder},
};
use clap::Parser;
use vigil_chain::Deployment;
use vigil_service::sections::SubmitterKey;
use vigil_types::redact::redact_url;

#[derive(Debug, Parser)]
#[command(name = "vigil-veto", about = "Veto a queued Vigil slash (veto committee only)")]
struct Args {
    /// The deployment file (its chain id and slasher address are used).
    #[arg(long)]
    deployment: PathBuf,
    /// L1 JSON-RPC endpoint.
    #[arg(long, env = "VIGIL_VETO_L1_RPC")]
    l1_rpc: String,
    /// The committee's Web3 secret-storage (V3) keystore (not needed with --status).
    #[arg(long, required_unless_present = "status")]
    keystore: Option<PathBuf>,
    /// Variable holding the keystore's password.
    #[arg(long, default_value = "VIGIL_VETO_PASSWORD")]
    password_env: String,
    /// File holding the keystore's password (instead of the variable).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Only show the slash's status; send nothing.
    #[arg(long)]
    status: bool,
    /// Every L1 request gives up after this many milliseconds.
    #[arg(long, default_value_t = 10_000)]
    rpc_timeout_ms: u64,
    /// The offence: its on-chain id (0x… 32 bytes, as in the slasher contract's events), or
    /// `OPERATOR:ROLLUP:HEIGHT` (as the slasher's API lists it), from which the id is derived.
    offence: String,
}

/// The on-chain offence id from `0x…` or `OPERATOR:ROLLUP:HEIGHT`.
fn parse_offence(text: &str) -> Result<B256, String> {
    let bad = |e: &dyn std::fmt::Display| format!("offence {text:?}: {e}");
    match text.split(':').collect::<Vec<_>>().as_slice() {
        [id] => id.parse().map_err(|e| bad(&e)),
        [operator, rollup, height] => Ok(vigil_slasher::submit::offence_id(
            operator.parse().map_err(|e| bad(&e))?,
            rollup.parse().map_err(|e| bad(&e))?,
            height.parse().map_err(|e| bad(&e))?,
        )),
        _ => Err(bad(&"expected 0x<32 bytes> or OPERATOR:ROLLUP:HEIGHT")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vigil-veto: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<String, String> {
    let deployment = Deployment::read(&args.deployment).map_err(|e| e.to_string())?;
    let url =
        args.l1_rpc.parse().map_err(|e| format!("--l1-rpc {:?}: {e}", redact_url(&args.l1_rpc)))?;
    let timeout = Duration::from_millis(args.rpc_timeout_ms.max(1));
    let reader = vigil_chain::http_provider(url, timeout);
    let chain_id = reader.get_chain_id().await.map_err(|e| format!("L1 RPC: {e}"))?;
    if chain_id != deployment.chain_id {
        return Err(format!(
            "the L1 RPC serves chain {chain_id} but the deployment is for chain {}",
            deployment.chain_id
        ));
    }
    let slasher = deployment.vigil.slasher;
    let id = parse_offence(&args.offence)?;
    if args.status {
        let view =
            vigil_slasher::veto::status(&reader, slasher, id).await.map_err(|e| e.to_string())?;
        return serde_json::to_string(&view).map_err(|e| e.to_string());
    }
    let Some(keystore) = args.keystore.as_deref() else {
        return Err("--keystore is required to veto".into());
    };
    let key = SubmitterKey {
        keystore,
        password_env: &args.password_env,
        password_file: args.password_file.as_deref(),
    };
    let wallet = key.wallet().map_err(|e| e.to_string())?;
    let sender = wallet.default_signer().address();
    let provider = ProviderBuilder::new().wallet(wallet).connect_provider(reader);
    let vetoed = vigil_slasher::veto::veto(&provider, sender, slasher, id)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::to_string(&vetoed).map_err(|e| e.to_string())
}
