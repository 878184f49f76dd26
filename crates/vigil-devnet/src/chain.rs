//! The devnet's two anvils, started through the devnet's own spawn path so that they die with
//! it ([`crate::procs`]): unlike [`vigil_test_utils::Anvil`] (tests' anvils, forked by tokio from
//! whichever thread asks), each gets SIGTERM when the devnet's process ends, however it ends,
//! and so writes its state file even after the devnet was killed with SIGKILL.
//!
//! Same binary ([`vigil_test_utils::anvil_binary`]) and flags as [`vigil_test_utils::Anvil`], on the
//! devnet's fixed port. Anvil prints a line per RPC call on stdout, which is dropped; stderr
//! (panics, fatal errors) goes to the chain's log.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use vigil_test_utils::{HARDFORK, anvil_binary};

use crate::{
    Error, Result,
    procs::{DeathSignal, signal, spawn_bound},
};

/// How to start one of the devnet's anvils.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// `l1` or `l2`: names its log and its errors.
    pub name: &'static str,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Port on 127.0.0.1.
    pub port: u16,
    /// `--slots-in-an-epoch`: 1 makes `safe` and `finalized` follow the head.
    pub slots_in_an_epoch: Option<u64>,
    /// `--state`: loaded if it exists, written on exit (SIGTERM).
    pub state: PathBuf,
    /// Where anvil's stderr goes.
    pub log: PathBuf,
}

/// A running anvil of the devnet. Killed (SIGKILL) when dropped; [`Chain::stop`] stops it with
/// SIGTERM, which makes it write its state.
#[derive(Debug)]
pub struct Chain {
    name: &'static str,
    child: Child,
    endpoint: String,
}

impl Chain {
    /// Starts anvil and waits until it answers JSON-RPC.
    pub async fn start(config: ChainConfig) -> Result<Self> {
        let error = |reason: String| Error::Chain { what: config.name, reason };
        if let Some(dir) = config.log.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.log)
            .map_err(Error::io(&config.log))?;
        let binary = anvil_binary();
        let mut command = Command::new(&binary);
        command
            .args(["--host", "127.0.0.1", "--hardfork", HARDFORK, "--accounts", "10"])
            .args(["--port", &config.port.to_string()])
            .args(["--chain-id", &config.chain_id.to_string()])
            .arg("--state")
            .arg(&config.state);
        if let Some(slots) = config.slots_in_an_epoch {
            command.args(["--slots-in-an-epoch", &slots.to_string()]);
        }
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
        let child = spawn_bound(command, DeathSignal::Terminate)
            .map_err(|e| error(format!("cannot start {}: {e}", binary.display())))?;
        let mut chain = Self {
            name: config.name,
            child,
            endpoint: format!("http://127.0.0.1:{}", config.port),
        };

        // A large state file takes a while to load.
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let ask =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
        loop {
            if let Ok(Some(status)) = chain.child.try_wait() {
                return Err(error(format!(
                    "anvil exited ({status}) before answering; its log: {}",
                    config.log.display()
                )));
            }
            let answered = http
                .post(&chain.endpoint)
                .json(&ask)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                return Ok(chain);
            }
            if Instant::now() >= deadline {
                // Dropping `chain` kills it.
                return Err(error(format!(
                    "anvil not answering on {} after 60 s; its log: {}",
                    chain.endpoint,
                    config.log.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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

    /// The pid of the anvil process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops anvil with SIGTERM (it writes its state) and waits up to 30 s for it, then kills
    /// it.
    pub async fn stop(mut self) -> Result<()> {
        signal(&mut self.child, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Err(e) => return Err(Error::Chain { what: self.name, reason: e.to_string() }),
                Ok(None) if Instant::now() >= deadline => {
                    return Err(Error::Chain {
                        what: self.name,
                        reason: "anvil did not stop within 30 s: killed, state not written".into(),
                    });
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
