//! Every shell command in every README runs, exactly as written.
//!
//! [`every_readme_block_is_run`] reads each ```` ```sh ```` block of every tracked `README.md`
//! and requires it to be either run by a test in this file ([`RUN_HERE`]) or, line for line,
//! part of what CI runs (`.ci/run`, `scripts/test.sh`: [`RUN_BY_CI`]). A new or changed block
//! that nothing runs fails it. The other tests run the blocks verbatim with `bash`, the release
//! binaries first on `PATH`, from the folder a reader would be in: the operator's, the
//! aggregator's and the slasher's start against a running devnet with only an environment
//! password, as their READMEs say, and `scripts/devnet.sh` itself, stopped with Ctrl-C.
//!
//! What a block's commands cannot know (the devnet's L1 address, free ports) comes the way the
//! READMEs say configuration comes: documented `VIGIL_<SERVICE>_<SECTION>__<FIELD>` overrides
//! and the sample configs from `config/`, copied.

use std::{
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use vigil_devnet::{Options, layout::Layout};

use crate::{ONE_DEVNET_AT_A_TIME, port_offset};

/// Blocks the tests below run, by README and the block's first command.
const RUN_HERE: &[(&str, &str)] = &[
    ("README.md", "scripts/devnet.sh"),
    ("operator/README.md", "export VIGIL_BLS_PASSWORD='…' VIGIL_ECDSA_PASSWORD='…'"),
    (
        "operator/README.md",
        "vigil-operator keys import --kind ecdsa --secret-file my-operator.hex --out keys/ecdsa.json --password-file secrets/ecdsa.pass",
    ),
    ("operator/README.md", "vigil-operator --config operator.toml register --wait 600"),
    ("operator/README.md", "vigil-operator --config operator.toml doctor"),
    ("operator/README.md", "vigil-operator --config operator.toml run"),
    (
        "operator/README.md",
        "vigil-operator da inspect --rollup-config testdata/realdata/rollup-configs/mainnet-op.toml --raw-tx testdata/realdata/op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex",
    ),
    ("aggregator/README.md", "export VIGIL_PASSWORD_AGGREGATOR=…"),
    ("slasher/README.md", "export VIGIL_PASSWORD_SLASHER=…"),
    ("dashboards/README.md", "promtool check config dashboards/prometheus/prometheus.yml"),
];

/// Blocks CI runs: every command line of the block is a line of `.ci/run` or `scripts/test.sh`.
const RUN_BY_CI: &[(&str, &str)] = &[
    ("README.md", "scripts/test.sh"),
    (
        "README.md",
        "scripts/devnet.sh --dir \"$(mktemp -d)\" --fresh --rollups 3 --byzantine --exit-after 8 --timeout-secs 300",
    ),
    (
        "README.md",
        "scripts/devnet.sh --dir \"$(mktemp -d)\" --fresh --rollups 1 --byzantine --veto-window 10 --exit-after 8 --timeout-secs 300",
    ),
    ("contracts/README.md", "cd contracts"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn bin_dir() -> PathBuf {
    vigil_devnet::procs::binary("vigil-operator").parent().unwrap().to_owned()
}

/// One ```` ```sh ```` block of a README.
#[derive(Debug)]
struct Block {
    readme: String,
    text: String,
}

impl Block {
    /// Its commands: continuation lines joined, comments and blank lines dropped.
    fn commands(&self) -> Vec<String> {
        commands(&self.text)
    }
}

fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = strip_comment(line).trim_end();
        if let Some(part) = line.strip_suffix('\\') {
            current.push_str(part.trim());
            current.push(' ');
            continue;
        }
        current.push_str(line.trim());
        let command = std::mem::take(&mut current).split_whitespace().collect::<Vec<_>>().join(" ");
        if !command.is_empty() {
            out.push(command);
        }
    }
    out
}

/// A line without its trailing `# comment` (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev_space => return &line[..i],
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Every sh block of every README git tracks.
fn sh_blocks() -> Vec<Block> {
    let out = Command::new("git")
        .args(["ls-files", "*README.md", "README.md"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<String> =
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    files.sort();
    files.dedup();
    let mut blocks = Vec::new();
    for readme in files {
        let text = std::fs::read_to_string(repo().join(&readme)).unwrap();
        let mut inside: Option<String> = None;
        for line in text.lines() {
            match inside.as_mut() {
                None if ["```sh", "```bash", "```shell", "```console"].contains(&line.trim()) => {
                    inside = Some(String::new());
                }
                Some(_) if line.trim() == "```" => {
                    let text = inside.take().unwrap();
                    blocks.push(Block { readme: readme.clone(), text });
                }
                Some(body) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None => {}
            }
        }
    }
    blocks
}

/// The block of `readme` whose first command is `first`.
fn block(readme: &str, first: &str) -> String {
    let blocks = sh_blocks();
    blocks
        .iter()
        .find(|b| b.readme == readme && b.commands().first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no block of {readme} starts with {first:?}: {blocks:#?}"))
        .text
        .clone()
}

#[test]
fn every_readme_block_is_run() {
    let blocks = sh_blocks();
    assert!(blocks.len() >= 10, "{blocks:#?}");
    let ci = ["./.ci/run", "scripts/test.sh"]
        .iter()
        .map(|f| std::fs::read_to_string(repo().join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let ci_lines: Vec<String> = commands(&ci);
    for b in &blocks {
        let cmds = b.commands();
        let first = cmds.first().cloned().unwrap_or_default();
        let key = (b.readme.as_str(), first.as_str());
        if RUN_HERE.contains(&key) {
            continue;
        }
        assert!(
            RUN_BY_CI.contains(&key),
            "{}: the block starting {first:?} is run by no test: run it in \
             crates/vigil-devnet/tests/it/readme.rs",
            b.readme
        );
        for cmd in &cmds {
            assert!(
                ci_lines.contains(cmd),
                "{}: {cmd:?} is not run as written by .ci/run or scripts/test.sh",
                b.readme
            );
        }
    }
    for (readme, first) in RUN_HERE.iter().chain(RUN_BY_CI) {
        assert!(
            blocks
                .iter()
                .any(|b| b.readme == *readme
                    && b.commands().first().map(String::as_str) == Some(*first)),
            "stale entry: no block of {readme} starts with {first:?}"
        );
    }
}

#[test]
fn commands_are_read_as_a_shell_reads_them() {
    let text = "# a comment\nexport A='x # y'  B=2   # trailing\nfoo --a \\\n  --b c\n\n";
    assert_eq!(commands(text), ["export A='x # y' B=2", "foo --a --b c"]);
}

/// `bash -c <block>` with the release binaries first on `PATH`, in `dir`, with `env`.
fn bash(block: &str, dir: &Path, env: &[(String, String)]) -> Command {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(block).current_dir(dir).env("PATH", path);
    for (key, _) in std::env::vars() {
        if key.starts_with("VIGIL_OPERATOR_")
            || key.starts_with("VIGIL_AGGREGATOR_")
            || key.starts_with("VIGIL_SLASHER_")
        {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v))).env("RUST_LOG", "warn");
    cmd
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run_block(block: &str, dir: &Path, env: &[(String, String)]) -> Output {
    bash(block, dir, env).stdin(Stdio::null()).output().unwrap()
}

/// A long-running block, in its own process group so that Ctrl-C reaches every process.
struct Background {
    child: Child,
    log: PathBuf,
}

impl Background {
    fn start(block: &str, dir: &Path, env: &[(String, String)], log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).unwrap();
        let child = bash(block, dir, env)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .process_group(0)
            .spawn()
            .unwrap();
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `ready` (checked every 200 ms) or panics after `timeout`.
    async fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        ready: impl AsyncFn(&str) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if ready(&self.log()).await {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{what}: exited ({status}) before it was ready:\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "{what}: not ready in {timeout:?}:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Ctrl-C, as a terminal sends it: SIGINT to the whole process group. Waits for the block
    /// to end; its exit status and output.
    fn ctrl_c(mut self) -> (std::process::ExitStatus, String) {
        let group = format!("-{}", self.child.id());
        Command::new("kill").args(["-INT", "--", &group]).status().unwrap();
        let out = self.wait();
        std::mem::forget(self);
        out
    }

    /// `kill <pid>` of the command the block is running (SIGTERM, as a service manager stops
    /// it); the block then goes on to its end. Waits for that; its exit status and output.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        // bash runs a one-command block as itself (exec): then the command is the child.
        if !Command::new("pkill").args(["-TERM", "-P", &pid]).status().unwrap().success() {
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        }
        let out = self.wait();
        std::mem::forget(self);
        out
    }

    fn wait(&mut self) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.log());
            }
            if Instant::now() > deadline {
                let group = format!("-{}", self.child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                panic!("still running 60 s after it was asked to stop:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Background {
    /// A test that failed midway leaves nothing running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
            let _ = self.child.wait();
        }
    }
}

async fn answers(url: &str) -> bool {
    reqwest::get(url).await.is_ok_and(|r| r.status().is_success())
}

fn env(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

#[tokio::test]
async fn key_inspect_and_monitoring_blocks_run_as_written() {
    // Keys: generated with the passwords the block exports.
    let home = tempfile::tempdir().unwrap();
    let keys =
        block("operator/README.md", "export VIGIL_BLS_PASSWORD='…' VIGIL_ECDSA_PASSWORD='…'");
    let out = run_block(&keys, home.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        home.path().join("keys/bls.json").exists() && home.path().join("keys/ecdsa.json").exists()
    );
    let listed = text(&out);
    assert!(listed.contains("bls") && listed.contains("ecdsa"), "{listed}");

    // Import: an existing secret and a password file, where the block says.
    let import = tempfile::tempdir().unwrap();
    std::fs::write(import.path().join("my-operator.hex"), format!("0x{}\n", "4f".repeat(32)))
        .unwrap();
    std::fs::create_dir_all(import.path().join("secrets")).unwrap();
    std::fs::write(import.path().join("secrets/ecdsa.pass"), "correct horse battery\n").unwrap();
    let block_text = block(
        "operator/README.md",
        "vigil-operator keys import --kind ecdsa --secret-file my-operator.hex --out keys/ecdsa.json --password-file secrets/ecdsa.pass",
    );
    let out = run_block(&block_text, import.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let ks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(import.path().join("keys/ecdsa.json")).unwrap(),
    )
    .unwrap();
    assert!(ks["crypto"].is_object() || ks["Crypto"].is_object(), "{ks}");

    // Inspect a real OP Mainnet batcher transaction, from the repository root.
    let inspect = block(
        "operator/README.md",
        "vigil-operator da inspect --rollup-config testdata/realdata/rollup-configs/mainnet-op.toml --raw-tx testdata/realdata/op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex",
    );
    let out = run_block(&inspect, &repo(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("batch  Span 117369690..=117369716"), "{}", text(&out));

    // Monitoring: promtool checks the config, then Prometheus starts on it and is stopped.
    let monitoring =
        block("dashboards/README.md", "promtool check config dashboards/prometheus/prometheus.yml");
    let prom_data = tempfile::tempdir().unwrap();
    let mut prom = Background::start(
        &monitoring,
        &repo(),
        &env(&[("TMPDIR", prom_data.path().display().to_string())]),
        prom_data.path().join("prometheus.log"),
    );
    prom.wait_until("prometheus", Duration::from_secs(60), async |_| {
        answers("http://127.0.0.1:9090/-/ready").await
    })
    .await;
    let (_, log) = prom.terminate();
    assert!(log.contains("SUCCESS"), "promtool's verdict: {log}");
    let _ = std::fs::remove_dir_all(repo().join("data"));
}

/// A devnet (in this process, on offset ports) for the services to join.
struct Devnet {
    layout: Layout,
    l1: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<vigil_devnet::Result<vigil_devnet::Outcome>>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Devnet {
    async fn start(dir: &Path, n: u16) -> Self {
        let opts = Options {
            dir: dir.to_owned(),
            port_offset: port_offset(n),
            timeout: Duration::from_secs(600),
            // One rollup: the services below follow it from the READMEs' sample configs.
            rollups: Some(1),
            ..Options::default()
        };
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let sink = lines.clone();
        let run_opts = opts.clone();
        let task = tokio::spawn(async move {
            let say = move |l: String| sink.lock().unwrap().push(l);
            vigil_devnet::run(
                &run_opts,
                async {
                    let _ = stopped.await;
                },
                &say,
            )
            .await
        });
        let devnet = Self {
            layout: Layout::new(dir),
            l1: format!(
                "http://127.0.0.1:{}",
                vigil_devnet::layout::Ports::with_offset(opts.port_offset).l1
            ),
            stop: Some(stop),
            task,
            lines,
        };
        // Up once its first certificate is in: every service runs.
        let deadline = Instant::now() + Duration::from_secs(300);
        while !devnet.transcript().contains(" final (") {
            assert!(!devnet.task.is_finished(), "devnet ended:\n{}", devnet.transcript());
            assert!(Instant::now() < deadline, "no certificate:\n{}", devnet.transcript());
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        devnet
    }

    fn transcript(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    async fn rpc(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let v: serde_json::Value = reqwest::Client::new()
            .post(&self.l1)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v.get("error").is_none(), "{method}: {v}");
        v["result"].clone()
    }

    /// Gives `address` 10 ETH (the test prepares the chain directly; the services never do).
    async fn fund(&self, address: &str) {
        self.rpc("anvil_setBalance", serde_json::json!([address, "0x8ac7230489e80000"])).await;
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(60), self.task).await;
    }
}

/// The address a V3 keystore records.
fn keystore_address(path: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    format!("0x{}", v["address"].as_str().unwrap().trim_start_matches("0x"))
}

/// `config/<name>` copied to `<dir>/<to>` with the devnet's deployment beside it.
fn sample_config(devnet: &Devnet, name: &str, dir: &Path, to: &str) {
    let target = dir.join(to);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(repo().join("config").join(name), &target).unwrap();
    let deployments = target.parent().unwrap().join("deployments");
    std::fs::create_dir_all(&deployments).unwrap();
    std::fs::copy(devnet.layout.deployment(), deployments.join("31337.json")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_start_from_their_readmes_with_an_environment_password() {
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&dir.path().join("devnet"), 3).await;

    // The operator: keys as its README makes them, the sample config, the devnet's deployment;
    // only the L1, the ports, the beacon and the rollup differ from the sample.
    let home = dir.path().join("operator");
    std::fs::create_dir_all(&home).unwrap();
    let out = run_block(
        &block("operator/README.md", "export VIGIL_BLS_PASSWORD='…' VIGIL_ECDSA_PASSWORD='…'"),
        &home,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    sample_config(&devnet, "operator.toml", &home, "operator.toml");
    std::fs::copy(devnet.layout.rollup_config(), home.join("rollup.toml")).unwrap();
    let l2 =
        format!("http://127.0.0.1:{}", vigil_devnet::layout::Ports::with_offset(port_offset(3)).l2);
    let mut toml = std::fs::read_to_string(home.join("operator.toml")).unwrap();
    toml.push_str(&format!(
        "\n[[rollups]]\nkind = \"op-stack\"\nl2_rpc = \"{l2}\"\ntag = \"safe\"\nrollup_config = \"rollup.toml\"\n"
    ));
    std::fs::write(home.join("operator.toml"), toml).unwrap();
    devnet.fund(&keystore_address(&home.join("keys/ecdsa.json"))).await;
    let passwords =
        [("VIGIL_BLS_PASSWORD", "…".to_owned()), ("VIGIL_ECDSA_PASSWORD", "…".to_owned())];
    let operator_env = env(&[
        passwords[0].clone(),
        passwords[1].clone(),
        ("VIGIL_OPERATOR_CHAIN__L1_RPC", devnet.l1.clone()),
        ("VIGIL_OPERATOR_NODE__BEACON_URLS", format!("[\"{}\"]", devnet.l1)),
        ("VIGIL_OPERATOR_NODE__BEACON_DIALECT", "anvil".to_owned()),
    ]);
    let out = run_block(
        &block("operator/README.md", "vigil-operator --config operator.toml register --wait 600"),
        &home,
        &operator_env,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("registerForOperatorSets:   done"), "{}", text(&out));

    let out = run_block(
        &block("operator/README.md", "vigil-operator --config operator.toml doctor"),
        &home,
        &operator_env,
    );
    let report = text(&out);
    for line in [
        "ok    L1 chain",
        "ok    BLS keystore",
        "ok    BLS key on chain",
        "ok    registration",
        "ok    ports",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }

    let mut node = Background::start(
        &block("operator/README.md", "vigil-operator --config operator.toml run"),
        &home,
        &operator_env,
        dir.path().join("operator.log"),
    );
    let health = "http://127.0.0.1:7710/eigen/node".to_owned();
    node.wait_until("vigil-operator run", Duration::from_secs(60), async |_| {
        answers(&health).await
    })
    .await;
    let (status, log) = node.terminate();
    assert!(status.success(), "vigil-operator run ended with {status:?}: {log}");

    // The aggregator, then the slasher: each from its README with the sample config in
    // config/ (the slasher's follows the aggregator's feed at its default address), its
    // account's keystore where the sample names it, encrypted with the password the README
    // exports ('…'). Only the L1 differs from the samples.
    let mut running = Vec::new();
    for (readme, service, keystore, password_var, prefix, api) in [
        (
            "aggregator/README.md",
            "aggregator",
            "keys/aggregator.json",
            "VIGIL_PASSWORD_AGGREGATOR",
            "VIGIL_AGGREGATOR_",
            7720,
        ),
        (
            "slasher/README.md",
            "slasher",
            "keys/slasher.json",
            "VIGIL_PASSWORD_SLASHER",
            "VIGIL_SLASHER_",
            7730,
        ),
    ] {
        let home = dir.path().join(service);
        sample_config(
            &devnet,
            &format!("{service}.toml"),
            &home,
            &format!("config/{service}.toml"),
        );
        let made = run_block(
            &format!(
                "vigil-operator keys generate --kind ecdsa --out config/{keystore} --password-env {password_var} --insecure-light-kdf"
            ),
            &home,
            &env(&[(password_var, "…".to_owned())]),
        );
        assert!(made.status.success(), "{}", text(&made));
        devnet.fund(&keystore_address(&home.join("config").join(keystore))).await;
        let service_env = env(&[(&format!("{prefix}CHAIN__L1_RPC"), devnet.l1.clone())]);
        let mut svc = Background::start(
            &block(readme, &format!("export {password_var}=…")),
            &home,
            &service_env,
            dir.path().join(format!("{service}.log")),
        );
        let health = format!("http://127.0.0.1:{api}/v1/health");
        svc.wait_until(service, Duration::from_secs(60), async |_| answers(&health).await).await;
        let log = svc.log();
        assert!(log.contains("\"l1_rpc\""), "`config` printed the configuration: {log}");
        assert!(log.contains("ok    L1 chain"), "`check` ran: {log}");
        assert!(!log.contains("FAIL"), "{service} check: {log}");
        running.push((service, svc));
    }
    for (service, svc) in running.into_iter().rev() {
        let (status, log) = svc.terminate();
        assert!(status.success(), "{service}: {log}");
    }
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_devnet_command_runs_as_written_and_stops_on_ctrl_c() {
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    // scripts/devnet.sh keeps its state in the checkout's .devnet/: keep a reader's own aside.
    let state = repo().join(".devnet");
    let aside = repo().join(".devnet.readme-test");
    let had_state = state.exists();
    if had_state {
        std::fs::rename(&state, &aside).unwrap();
    }
    let logs = tempfile::tempdir().unwrap();
    let mut devnet = Background::start(
        &block("README.md", "scripts/devnet.sh"),
        &repo(),
        &[],
        logs.path().join("devnet.log"),
    );
    devnet
        .wait_until("scripts/devnet.sh", Duration::from_secs(900), async |log| {
            log.contains(" final (")
        })
        .await;
    let (status, log) = devnet.ctrl_c();
    let _ = std::fs::remove_dir_all(&state);
    if had_state {
        std::fs::rename(&aside, &state).unwrap();
    }
    assert!(status.success(), "{status}: {log}");
}
