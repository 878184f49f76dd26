//! A real anvil process, started on an ephemeral port and stopped on drop: the chain every
//! integration test and the devnet run against.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::json_rpc::RpcSend,
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use vigil_chain::{Error, Result, bindings::VigilSlasher, send};

/// The hardfork Vigil pins everywhere (anvil and `foundry.toml`), so gas figures compare.
pub const HARDFORK: &str = "osaka";

/// Private key of anvil's first dev account (`0xf39F…2266`), funded on every anvil chain.
///
/// Public knowledge: use it only against local devnets and tests.
pub const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// How to start anvil.
#[derive(Debug, Clone)]
pub struct AnvilConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// `--slots-in-an-epoch`: 1 makes `safe` and `finalized` follow the head.
    pub slots_in_an_epoch: Option<u64>,
    /// `--block-time` in seconds; `None` mines each transaction at once.
    pub block_time: Option<f64>,
    /// `--state`: load this file if it exists and dump to it on exit.
    pub state: Option<PathBuf>,
    /// Number of funded dev accounts.
    pub accounts: u32,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// `--prune-history N`: keep the state of the last `N` blocks only, as a full (non-archive)
    /// node does; a call at an older block fails.
    pub prune_history: Option<u64>,
}

impl Default for AnvilConfig {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            slots_in_an_epoch: None,
            block_time: None,
            state: None,
            accounts: 10,
            port: 0,
            prune_history: None,
        }
    }
}

/// A running anvil. Killed (SIGKILL) and reaped when dropped; use [`Anvil::stop`] for a clean
/// SIGTERM, which makes anvil write its `--state` file.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    endpoint: String,
    port: u16,
    chain_id: u64,
}

/// Calls the devnet-only RPC `method` (`anvil_*`, `evm_*`), discarding its answer.
async fn devnet_call<P: Provider>(
    provider: &P,
    method: &'static str,
    params: impl RpcSend,
) -> Result<()> {
    provider
        .raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .map(drop)
        .map_err(|e| call_failed(method, e))
}

/// The error of a failed devnet call.
fn call_failed(method: &str, reason: impl std::fmt::Display) -> Error {
    Error::Call { what: method.into(), reason: reason.to_string(), revert: None }
}

/// Mines `blocks` blocks (`anvil_mine`): for tests and the devnet only. Production code never
/// mines; it waits for blocks ([`vigil_chain::wait_for_block`]).
pub async fn anvil_mine<P: Provider>(provider: &P, blocks: u64) -> Result<()> {
    devnet_call(provider, "anvil_mine", (U256::from(blocks),)).await
}

/// Turns mining a block per transaction on or off (`evm_setAutomine`): off, sent transactions
/// wait in the pool until a block is mined. For tests only.
pub async fn set_automine<P: Provider>(provider: &P, on: bool) -> Result<()> {
    devnet_call(provider, "evm_setAutomine", (on,)).await
}

/// Replaces the last `depth` blocks with as many new empty ones (`anvil_reorg`), as an L1
/// reorg does: the transactions of the orphaned blocks are no longer in the chain. Checks the
/// block at the reorg's base changed its hash. For tests only.
pub async fn reorg<P: Provider>(provider: &P, depth: u64) -> Result<()> {
    let what = "anvil_reorg";
    let head = provider.get_block_number().await.map_err(|e| call_failed(what, e))?;
    let base = head.saturating_add(1).saturating_sub(depth);
    let hash_at = |n: u64| async move {
        provider
            .get_block_by_number(n.into())
            .await
            .map_err(|e| call_failed(what, e))
            .map(|b| b.map(|b| b.header.hash))
    };
    let before = hash_at(base).await?;
    devnet_call(provider, what, (depth, Vec::<serde_json::Value>::new())).await?;
    let after = hash_at(base).await?;
    if before == after {
        return Err(call_failed(what, format_args!("block {base} kept its hash")));
    }
    Ok(())
}

/// Drops the pending transaction `hash` from anvil's pool (`anvil_dropTransaction`), as a node
/// that lost it would, and checks the node no longer knows it. For tests only.
pub async fn drop_transaction<P: Provider>(provider: &P, hash: B256) -> Result<()> {
    devnet_call(provider, "anvil_dropTransaction", (hash,)).await?;
    let what = "anvil_dropTransaction";
    match provider.get_transaction_by_hash(hash).await.map_err(|e| call_failed(what, e))? {
        None => Ok(()),
        Some(_) => Err(call_failed(what, format_args!("the node still knows {hash}"))),
    }
}

/// Gives the slasher contract at `slasher` the veto `committee` and `window_blocks` through its
/// own governance, as its owner would on a real network: `owner` (which must sign for the
/// contract's owner) queues the change, anvil's clock jumps past the governance delay
/// (`evm_increaseTime`, one block mined), and the change is applied. Checks the contract reads
/// back both. For tests and the devnet only.
pub async fn set_veto_config<P: Provider>(
    owner: &P,
    slasher: Address,
    committee: Address,
    window_blocks: u32,
) -> Result<()> {
    let contract = VigilSlasher::new(slasher, owner);
    send("VigilSlasher.queueVetoConfig", contract.queueVetoConfig(committee, window_blocks))
        .await?;
    let eta = contract
        .pendingVetoConfig()
        .call()
        .await
        .map_err(|e| call_failed("VigilSlasher.pendingVetoConfig", e))?
        .eta;
    let now = owner
        .get_block(alloy::eips::BlockId::latest())
        .await
        .map_err(|e| call_failed("eth_getBlockByNumber", e))?
        .map_or(0, |b| b.header.timestamp);
    devnet_call(owner, "evm_increaseTime", (U256::from(eta.saturating_sub(now) + 1),)).await?;
    anvil_mine(owner, 1).await?;
    send("VigilSlasher.applyVetoConfig", contract.applyVetoConfig()).await?;
    let read = |what: &'static str| move |e| call_failed(what, e);
    let got_window = contract.vetoWindow().call().await.map_err(read("VigilSlasher.vetoWindow"))?;
    let got_committee =
        contract.vetoCommittee().call().await.map_err(read("VigilSlasher.vetoCommittee"))?;
    if (got_committee, got_window) != (committee, window_blocks) {
        return Err(call_failed(
            "VigilSlasher.applyVetoConfig",
            format_args!("the contract reads committee {got_committee}, window {got_window}"),
        ));
    }
    Ok(())
}

/// Where the anvil binary is: `$VIGIL_ANVIL`, else the one `scripts/setup.sh` installs under
/// `contracts/node_modules`, else `anvil` on `PATH`.
pub fn anvil_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("VIGIL_ANVIL") {
        return path.into();
    }
    let in_repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if in_repo.exists() { in_repo } else { PathBuf::from("anvil") }
}

impl Anvil {
    /// Starts anvil and waits until it listens.
    pub async fn start(config: AnvilConfig) -> Result<Self> {
        let binary = anvil_binary();
        let mut cmd = Command::new(&binary);
        cmd.args([
            "--port",
            &config.port.to_string(),
            "--host",
            "127.0.0.1",
            "--hardfork",
            HARDFORK,
        ])
        .args(["--chain-id", &config.chain_id.to_string()])
        .args(["--accounts", &config.accounts.to_string()]);
        if let Some(slots) = config.slots_in_an_epoch {
            cmd.args(["--slots-in-an-epoch", &slots.to_string()]);
        }
        if let Some(keep) = config.prune_history {
            cmd.args(["--prune-history", &keep.to_string()]);
        }
        if let Some(block_time) = config.block_time {
            cmd.args(["--block-time", &block_time.to_string()]);
        }
        if let Some(state) = &config.state {
            cmd.arg("--state").arg(state);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).stdin(Stdio::null()).kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::Anvil(format!("cannot start {}: {e}", binary.display())))?;
        let stdout =
            child.stdout.take().ok_or_else(|| Error::Anvil("no stdout from anvil".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.trim().strip_prefix("Listening on ") {
                    let port = addr.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                    return Ok::<_, std::io::Error>(port);
                }
            }
            Ok(None)
        })
        .await
        .map_err(|_| Error::Anvil("anvil did not start listening within 30 s".into()))?
        .map_err(|e| Error::Anvil(e.to_string()))?
        .ok_or_else(|| Error::Anvil("anvil exited before listening".into()))?;
        // Keep draining stdout so anvil never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            chain_id: config.chain_id,
        })
    }

    /// The HTTP JSON-RPC endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The endpoint as a URL.
    pub fn url(&self) -> alloy::transports::http::reqwest::Url {
        // `endpoint` is always a well-formed loopback URL.
        self.endpoint.parse().unwrap_or_else(|_| unreachable!("valid loopback URL"))
    }

    /// The port anvil listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Stops anvil with SIGTERM (so it writes `--state`) and waits for it.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .map_err(|_| Error::Anvil("anvil did not stop within 30 s".into()))?
            .map_err(|e| Error::Anvil(e.to_string()))?;
        Ok(())
    }
}
