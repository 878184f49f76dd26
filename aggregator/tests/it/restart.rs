//! The `vigil-aggregator` binary is SIGKILLed mid-aggregation and mid-submission and restarted on
//! the same database: no accepted signature is lost, the feed has no gap, and no certificate is
//! submitted twice. Real anvil with EigenLayer and Vigil, four registered operators, real HTTP,
//! SQLite (and the same on PostgreSQL).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use vigil_chain::bindings::VigilVerifier;
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_test_utils::{
    PgServer, TestNetwork,
    aggregator::post_signature,
    anvil::{anvil_mine, set_automine},
    named_checkpoint,
    process::wait_healthy,
};
use vigil_types::{Checkpoint, SignedCheckpoint};

pub(crate) const ROLLUP: u64 = 901;
const PASSWORD_VAR: &str = "VIGIL_TEST_AGGREGATOR_PASSWORD";

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) struct Node {
    pub(crate) config: PathBuf,
    pub(crate) api: String,
    pub(crate) metrics: String,
    pub(crate) log: PathBuf,
}

impl Node {
    /// Everything an aggregator process needs in `dir`: the deployment file, a funded submitter's
    /// keystore and a config for L1 `rpc` and database `db_url`. Returns the submitter's address
    /// too.
    pub(crate) async fn prepare(
        net: &TestNetwork,
        dir: &Path,
        rpc: &str,
        db_url: &str,
    ) -> (Self, alloy::primitives::Address) {
        net.deployment.write(&dir.join("deployment.json")).unwrap();
        let (submitter, _) = net.funded_account().await.unwrap();
        let password = Password::new("aggregator test");
        V3Keystore::encrypt(&submitter, &password, KdfStrength::Light.scrypt())
            .unwrap()
            .write(&dir.join("submitter.json"))
            .unwrap();
        let (config, api, metrics) = write_config(dir, rpc, db_url);
        (Self { config, api, metrics, log: dir.join("aggregator.log") }, submitter.address())
    }

    pub(crate) fn start(&self) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        Command::new(env!("CARGO_BIN_EXE_vigil-aggregator"))
            .args(["--config", self.config.to_str().unwrap(), "run"])
            .env(PASSWORD_VAR, "aggregator test")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    pub(crate) async fn wait_ready(&self, child: &mut Child) {
        let health = format!("{}/v1/health", self.api);
        let timeout = Duration::from_secs(30);
        wait_healthy("aggregator", &health, Some(child), timeout, || self.logs()).await;
    }

    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) async fn post(&self, signed: &SignedCheckpoint) -> serde_json::Value {
        post_signature(&self.api, signed).await
    }

    pub(crate) async fn state(&self, height: u64) -> Option<String> {
        let r =
            reqwest::get(format!("{}/v1/checkpoints/{ROLLUP}/{height}", self.api)).await.ok()?;
        if !r.status().is_success() {
            return None;
        }
        let v: serde_json::Value = r.json().await.ok()?;
        v["state"].as_str().map(str::to_owned)
    }

    pub(crate) async fn wait_state(&self, height: u64, want: &str) {
        for _ in 0..400 {
            if self.state(height).await.as_deref() == Some(want) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("height {height} never reached {want}: {}", self.logs());
    }

    /// Reads the SSE feed from the start until `n` events arrived; returns their sequence numbers.
    async fn feed_seqs(&self, n: usize) -> Vec<u64> {
        let mut r = reqwest::get(format!("{}/v1/feed?after=0", self.api)).await.unwrap();
        let mut text = String::new();
        let mut seqs = Vec::new();
        while seqs.len() < n {
            let chunk = tokio::time::timeout(Duration::from_secs(10), r.chunk())
                .await
                .expect("feed stalled")
                .unwrap()
                .expect("feed ended");
            text.push_str(&String::from_utf8_lossy(&chunk));
            seqs = text
                .lines()
                .filter_map(|l| l.strip_prefix("id:"))
                .map(|v| v.trim().parse().unwrap())
                .collect();
        }
        seqs
    }
}

/// A checkpoint of [`ROLLUP`] at `height` referencing a recent L1 block.
pub(crate) async fn checkpoint(net: &TestNetwork, height: u64) -> Checkpoint {
    checkpoint_at(height, net.l1_block().await.unwrap())
}

/// A checkpoint of [`ROLLUP`] at `height` referencing L1 block `l1_block`.
pub(crate) fn checkpoint_at(height: u64, l1_block: u64) -> Checkpoint {
    named_checkpoint(ROLLUP, height, &height.to_string(), l1_block)
}

pub(crate) async fn certified_events(net: &TestNetwork) -> usize {
    let filter = Filter::new()
        .address(net.deployment.vigil.verifier)
        .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH)
        .from_block(0u64);
    net.owner.get_logs(&filter).await.unwrap().len()
}

/// Writes `aggregator.toml` in `dir`; returns its path and the API's and metrics' URLs.
pub(crate) fn write_config(dir: &Path, rpc: &str, db_url: &str) -> (PathBuf, String, String) {
    let (api_port, metrics_port) = (free_port(), free_port());
    let config = dir.join("aggregator.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nl1_rpc = \"{rpc}\"\ndeployment = \"deployment.json\"\n\
             [submitter]\nkeystore = \"submitter.json\"\npassword_env = \"{PASSWORD_VAR}\"\n\
             replica_id = \"test\"\nlease_ms = 3000\npoll_ms = 100\nreceipt_timeout_ms = 60000\n\
             confirmations = 0\n\
             [database]\nurl = \"{db_url}\"\n\
             [api]\naddress = \"127.0.0.1:{api_port}\"\n\
             [aggregation]\nwindow_ms = 100\n\
             [metrics]\naddress = \"127.0.0.1:{metrics_port}\"\n",
        ),
    )
    .unwrap();
    (config, format!("http://127.0.0.1:{api_port}"), format!("http://127.0.0.1:{metrics_port}"))
}

async fn killed_mid_work_loses_nothing(db_url: impl FnOnce(&Path) -> String) {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (node, submitter) =
        Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db_url(dir.path())).await;

    // 1. Killed mid-aggregation: two of four signatures accepted, no certificate yet.
    let mut child = node.start();
    node.wait_ready(&mut child).await;
    let cp1 = checkpoint(&net, 1).await;
    node.post(&net.sign(0, &cp1)).await;
    node.post(&net.sign(1, &cp1)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let mut child = node.start();
    node.wait_ready(&mut child).await;
    let third = node.post(&net.sign(2, &cp1)).await;
    assert_eq!(third["seq"], 3, "the feed continues without a gap after the kill");
    node.wait_state(1, "mined").await;
    let view: serde_json::Value = reqwest::get(format!("{}/v1/checkpoints/{ROLLUP}/1", node.api))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["signers"], "3", "both signatures accepted before the kill count: {view}");

    // 2. Killed mid-submission: the certificate's transaction is sent but not mined.
    set_automine(&net.owner, false).await.unwrap();
    let cp2 = checkpoint(&net, 2).await;
    for i in 0..4 {
        node.post(&net.sign(i, &cp2)).await;
    }
    node.wait_state(2, "submitted").await;
    child.kill().unwrap(); // SIGKILL with the transaction in the mempool
    child.wait().unwrap();
    let txs_before = net.owner.get_transaction_count(submitter).pending().await.unwrap();
    set_automine(&net.owner, true).await.unwrap();
    anvil_mine(&net.owner, 1).await.unwrap();

    let mut child = node.start();
    node.wait_ready(&mut child).await;
    node.wait_state(2, "mined").await;
    let txs_after = net.owner.get_transaction_count(submitter).await.unwrap();
    assert_eq!(txs_after, txs_before, "the restarted aggregator sent no second transaction");
    assert_eq!(certified_events(&net).await, 2, "one certificate per height, each submitted once");

    // 3. Every accepted signature is on the feed, 1..=7 with no gap.
    assert_eq!(node.feed_seqs(7).await, (1..=7).collect::<Vec<u64>>());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_mid_work_loses_nothing() {
    killed_mid_work_loses_nothing(|dir| format!("sqlite://{}", dir.join("agg.sqlite").display()))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_mid_work_loses_nothing() {
    let pg = PgServer::start().expect("PostgreSQL (apt-get install postgresql)");
    killed_mid_work_loses_nothing(|_| pg.url()).await;
}
