//! A network, an aggregator and a slasher process for the tests.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use tokio::{sync::oneshot, task::JoinHandle};
use vigil_chain::bindings::{
    VigilSlasher,
    eigenlayer::AllocationManager::{self, OperatorSet},
};
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_test_utils::{
    TestNetwork, aggregator::post_signature, named_checkpoint, process::wait_healthy,
};
use vigil_types::{Checkpoint, SignedCheckpoint};

pub const ROLLUP: u64 = 901;
const PASSWORD: &str = "slasher test";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A checkpoint of [`ROLLUP`] at `height` whose block is named by `fork`.
pub fn checkpoint(height: u64, fork: &str, l1_block: u64) -> Checkpoint {
    named_checkpoint(ROLLUP, height, &format!("{fork}-{height}"), l1_block)
}

/// An aggregator running in this process on SQLite, with its API on a free port.
pub struct Aggregator {
    pub api: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Aggregator {
    pub async fn start(net: &TestNetwork, dir: &Path) -> Self {
        Self::start_at(net, dir, net.anvil.endpoint()).await
    }

    /// As [`Aggregator::start`], talking to L1 at `rpc` (say, a proxy in front of the anvil).
    pub async fn start_at(net: &TestNetwork, dir: &Path, rpc: &str) -> Self {
        let (submitter, _) = net.funded_account().await.unwrap();
        V3Keystore::encrypt(&submitter, &Password::new(PASSWORD), KdfStrength::Light.scrypt())
            .unwrap()
            .write(&dir.join("aggregator-key.json"))
            .unwrap();
        std::fs::write(dir.join("password"), PASSWORD).unwrap();
        net.deployment.write(&dir.join("deployment.json")).unwrap();
        let port = free_port();
        let file = dir.join("aggregator.toml");
        std::fs::write(
            &file,
            format!(
                "[chain]\nl1_rpc = \"{rpc}\"\ndeployment = \"deployment.json\"\n\
                 [submitter]\nkeystore = \"aggregator-key.json\"\npassword_file = \"password\"\n\
                 replica_id = \"test\"\npoll_ms = 100\nconfirmations = 0\n\
                 [database]\nurl = \"sqlite://{db}\"\n\
                 [api]\naddress = \"127.0.0.1:{port}\"\nper_key_rate = 100000\n\
                 per_key_burst = 100000\n\
                 [aggregation]\nwindow_ms = 100\nbatches = true\nsingle_hold_ms = 0\n\
                 [metrics]\naddress = \"127.0.0.1:0\"\n",
                rpc = rpc,
                db = dir.join("aggregator.sqlite").display(),
            ),
        )
        .unwrap();
        let config = vigil_aggregator::config::AggregatorConfig::load(Some(&file)).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            vigil_aggregator::runner::run(
                &config,
                async {
                    let _ = stopped.await;
                },
                |_| {},
            )
            .await
            .unwrap();
        });
        let api = format!("http://127.0.0.1:{port}");
        let health = format!("{api}/v1/health");
        wait_healthy("aggregator", &health, None, Duration::from_secs(15), String::new).await;
        Self { api, stop: Some(stop), task: Some(task) }
    }

    /// Posts one signed checkpoint; panics unless accepted.
    pub async fn post(&self, signed: &SignedCheckpoint) -> serde_json::Value {
        post_signature(&self.api, signed).await
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

/// What the slasher's config says beyond the defaults.
pub struct SlasherSetup<'a> {
    pub dir: &'a Path,
    pub net: &'a TestNetwork,
    pub aggregator: &'a str,
    pub db_url: String,
    /// L1 endpoint, if not the network's anvil.
    pub rpc: Option<&'a str>,
}

/// The `vigil-slasher` binary, started and restarted on one config and database.
pub struct Slasher {
    pub config: PathBuf,
    pub api: String,
    pub metrics: String,
    pub log: PathBuf,
    /// The account that pays for its transactions.
    pub sender: Address,
    child: Option<Child>,
}

impl Slasher {
    pub async fn new(setup: SlasherSetup<'_>) -> Self {
        let SlasherSetup { dir, net, aggregator, db_url, rpc } = setup;
        let rpc = rpc.unwrap_or(net.anvil.endpoint());
        let (signer, _) = net.funded_account().await.unwrap();
        V3Keystore::encrypt(&signer, &Password::new(PASSWORD), KdfStrength::Light.scrypt())
            .unwrap()
            .write(&dir.join("slasher-key.json"))
            .unwrap();
        std::fs::write(dir.join("slasher-password"), PASSWORD).unwrap();
        net.deployment.write(&dir.join("deployment.json")).unwrap();
        let port = free_port();
        let metrics_port = free_port();
        let config = dir.join("slasher.toml");
        std::fs::write(
            &config,
            format!(
                "[chain]\nl1_rpc = \"{rpc}\"\ndeployment = \"deployment.json\"\n\
                 rpc_timeout_ms = 5000\n\
                 [submitter]\nkeystore = \"slasher-key.json\"\n\
                 password_file = \"slasher-password\"\nreplica_id = \"test\"\nlease_ms = 5000\n\
                 poll_ms = 100\nreceipt_timeout_ms = 60000\nconfirmations = 0\n\
                 [database]\nurl = \"{db_url}\"\n\
                 [sources]\nchain_poll_ms = 100\nreconnect_max_ms = 500\nflush_ms = 20\n\
                 [[sources.aggregators]]\nname = \"agg\"\nurl = \"{aggregator}\"\n\
                 [api]\naddress = \"127.0.0.1:{port}\"\n\
                 [metrics]\naddress = \"127.0.0.1:{metrics_port}\"\n",
                rpc = rpc,
            ),
        )
        .unwrap();
        Self {
            config,
            api: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            log: dir.join("slasher.log"),
            sender: signer.address(),
            child: None,
        }
    }

    /// Starts the process with extra environment overrides and waits for its API.
    pub async fn start_with(&mut self, env: &[(&str, &str)]) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut cmd = crate::cli::slasher();
        cmd.args(["--config", self.config.to_str().unwrap(), "run"])
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log);
        let mut child = cmd.spawn().unwrap();
        let health = format!("{}/v1/health", self.api);
        let timeout = Duration::from_secs(20);
        wait_healthy("slasher", &health, Some(&mut child), timeout, || self.logs()).await;
        self.child = Some(child);
    }

    pub async fn start(&mut self) {
        self.start_with(&[]).await;
    }

    /// SIGKILL, and reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, and wait for a clean exit.
    pub fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
            let status = child.wait().unwrap();
            assert!(status.success(), "slasher exited with {status}: {}", self.logs());
        }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET /v1/offences` (every state).
    pub async fn offences(&self) -> Vec<serde_json::Value> {
        reqwest::get(format!("{}/v1/offences?limit=1000", self.api))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until `n` offences are recorded and every one is in a final state; returns them.
    pub async fn wait_final(&self, n: usize, timeout: Duration) -> Vec<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let list = self.offences().await;
            let open = list
                .iter()
                .any(|o| matches!(o["state"].as_str(), Some("pending" | "submitted" | "queued")));
            if list.len() >= n && !open {
                return list;
            }
            if tokio::time::Instant::now() >= deadline {
                let health = reqwest::get(format!("{}/v1/health", self.api))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                panic!(
                    "wanted {n} final offences, have {list:#?}\nhealth: {health}\n{}",
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of one metric line (`name{labels}`), 0 if absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(&self.metrics).await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0.0)
    }

    /// POSTs JSON to the slasher's API; returns status and body.
    pub async fn post(&self, path: &str, body: &impl serde::Serialize) -> (u16, serde_json::Value) {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.api))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}

impl Drop for Slasher {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The operator's max magnitude for the core's strategy (WAD before any slash).
pub async fn magnitude(net: &TestNetwork, operator: Address) -> u64 {
    let am = AllocationManager::new(net.deployment.eigenlayer.allocation_manager, &net.owner);
    am.getMaxMagnitude(operator, net.deployment.eigenlayer.strategy).call().await.unwrap()
}

/// The operator's magnitude allocated to Vigil's operator set.
pub async fn allocated(net: &TestNetwork, operator: Address) -> u64 {
    let am = AllocationManager::new(net.deployment.eigenlayer.allocation_manager, &net.owner);
    let set = OperatorSet {
        avs: net.deployment.vigil.service_manager,
        id: net.deployment.vigil.operator_set_id,
    };
    am.getAllocation(operator, set, net.deployment.eigenlayer.strategy)
        .call()
        .await
        .unwrap()
        .currentMagnitude
}

/// Every `OperatorSlashed` event of Vigil's slasher contract: (offence id, operator).
pub async fn slash_events(net: &TestNetwork) -> Vec<(B256, Address)> {
    let filter = Filter::new()
        .address(net.deployment.vigil.slasher)
        .event_signature(VigilSlasher::OperatorSlashed::SIGNATURE_HASH)
        .from_block(0u64);
    net.owner
        .get_logs(&filter)
        .await
        .unwrap()
        .iter()
        .map(|log| {
            let e = VigilSlasher::OperatorSlashed::decode_log(&log.inner).unwrap();
            (e.data.offenceId, e.data.operator)
        })
        .collect()
}

/// The common start of an end-to-end test: a network with `stakes`, a temporary folder, an
/// aggregator serving its feed, and the slasher binary on SQLite in that folder, following it.
pub struct World {
    pub net: TestNetwork,
    pub dir: tempfile::TempDir,
    pub aggregator: Aggregator,
    pub slasher: Slasher,
}

impl World {
    /// Everything started.
    pub async fn start(stakes: &[u64]) -> Self {
        let net = TestNetwork::start(stakes).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let aggregator = Aggregator::start(&net, dir.path()).await;
        let mut slasher = Slasher::on_sqlite(dir.path(), &net, &aggregator.api, None).await;
        slasher.start().await;
        Self { net, dir, aggregator, slasher }
    }
}

impl Slasher {
    /// A slasher (not started) on `dir/slasher.sqlite`, following `aggregator`, reading the L1
    /// at `rpc` (or the network's anvil).
    pub async fn on_sqlite(
        dir: &Path,
        net: &TestNetwork,
        aggregator: &str,
        rpc: Option<&str>,
    ) -> Self {
        let db_url = format!("sqlite://{}", dir.join("slasher.sqlite").display());
        Self::new(SlasherSetup { dir, net, aggregator, db_url, rpc }).await
    }
}
