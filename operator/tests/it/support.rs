//! What the operator's tests share: the CLI's key generation and a node run in this process.

use std::{path::Path, time::Duration};

use tokio::{sync::oneshot, task::JoinHandle};
use vigil_chain::Deployment;
use vigil_da::{BeaconDialect, op::OpRollupConfig};
use vigil_operator::{
    OperatorConfig,
    api::NodeState,
    config::{RollupConfig, RollupKind},
    keys::NodeKeys,
    watcher::L2Tag,
};

/// The arguments of `keys generate` for a `kind` keystore written to `out`, its password read
/// from the environment variable `password_var`, with the light KDF that keeps tests fast.
pub fn keys_generate<'a>(kind: &'a str, out: &'a str, password_var: &'a str) -> [&'a str; 9] {
    [
        "keys",
        "generate",
        "--kind",
        kind,
        "--out",
        out,
        "--password-env",
        password_var,
        "--insecure-light-kdf",
    ]
}

/// An `operator.toml` for `vigil-operator run`: `deployment.json` and `rollup.toml` beside it,
/// the keys `keys generate` wrote under `keys/` (password in `password_var`), L1 and its beacon
/// API (anvil's emulation) at `l1`, checkpoints delivered to `aggregator`, and one OP Stack
/// rollup followed at the safe head of the L2 at `l2`. `node` holds more `[node]` settings and
/// `sections` more tables; the text ends inside the `[[rollups]]` entry, so that more of its keys
/// may follow.
pub fn run_toml(
    l1: &str,
    l2: &str,
    aggregator: &str,
    password_var: &str,
    node: &str,
    sections: &str,
) -> String {
    format!(
        "[chain]\nl1_rpc = \"{l1}\"\ndeployment = \"deployment.json\"\n\
         [keys]\nbls_keystore = \"keys/bls.json\"\nbls_password_env = \"{password_var}\"\n\
         ecdsa_keystore = \"keys/ecdsa.json\"\necdsa_password_env = \"{password_var}\"\n\
         [node]\nprotection_db = \"protection.sqlite\"\nbeacon_urls = [\"{l1}\"]\n\
         beacon_dialect = \"anvil\"\n{node}\
         [submission]\naggregators = [\"{aggregator}\"]\n{sections}\
         [[rollups]]\nkind = \"op-stack\"\nl2_rpc = \"{l2}\"\ntag = \"safe\"\n\
         rollup_config = \"rollup.toml\"\n"
    )
}

/// The config of a node whose files live in `dir`, where `deployment` and `rollup` are written:
/// L1 at `l1`, which also serves the beacon API (anvil's emulation), one OP Stack rollup followed
/// at the safe head of the L2 at `l2`, checkpoints delivered to `aggregator`, polling every 100 ms.
pub fn node_config(
    dir: &Path,
    deployment: &Deployment,
    rollup: &OpRollupConfig,
    l1: &str,
    l2: &str,
    aggregator: &str,
) -> OperatorConfig {
    let deployment_file = dir.join("deployment.json");
    deployment.write(&deployment_file).unwrap();
    let rollup_file = dir.join("rollup.toml");
    std::fs::write(&rollup_file, rollup.to_superchain_toml()).unwrap();
    let mut config = OperatorConfig::default();
    config.chain.l1_rpc = l1.to_owned();
    config.chain.deployment = deployment_file;
    config.node.protection_db = dir.join("protection.sqlite");
    config.node.poll_interval_ms = 100;
    config.node.beacon_urls = vec![l1.to_owned()];
    config.node.beacon_dialect = BeaconDialect::Anvil;
    config.submission.aggregators = vec![aggregator.to_owned()];
    config.rollups = vec![RollupConfig {
        kind: RollupKind::OpStack,
        l2_rpc: l2.to_owned(),
        l2_rpc_fallbacks: Vec::new(),
        tag: L2Tag::Safe,
        rollup_config: rollup_file,
        batcher: None,
        checkpoint_interval: 0,
    }];
    config
}

/// A node running in this process (`vigil_operator::runner::run`) until [`Self::stop`].
pub struct InProcessNode {
    stop: oneshot::Sender<()>,
    task: JoinHandle<vigil_operator::Result<()>>,
}

impl InProcessNode {
    /// Starts the node with `config` and `keys`, reporting its health to `state`.
    pub fn spawn(config: OperatorConfig, keys: NodeKeys, state: NodeState) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            vigil_operator::runner::run(&config, keys, state, async {
                let _ = stopped.await;
            })
            .await
        });
        Self { stop, task }
    }

    /// Asks the node to stop, which it must still be running to hear, and asserts that it ends
    /// cleanly within ten seconds.
    pub async fn stop(self) {
        self.stop.send(()).expect("the node was still running");
        tokio::time::timeout(Duration::from_secs(10), self.task).await.unwrap().unwrap().unwrap();
    }
}

/// Log lines a test captures for its assertions.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A plain-text subscriber writing what `filter` lets through into these logs.
    pub fn subscriber(&self, filter: &str) -> impl tracing::Subscriber + Send + Sync + use<> {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter(filter)
            .with_writer(move || sink.clone())
            .finish()
    }
}
