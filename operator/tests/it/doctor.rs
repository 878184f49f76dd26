//! `vigil-operator doctor` through the CLI: a healthy setup (a real L1 with EigenLayer v1.3.0 and
//! Vigil, a registered operator, anvil's beacon API, an OP-shaped L2, an aggregator publishing
//! its domain) is all `ok`, and each broken dependency is one `FAIL` line with its fix, exit
//! status 1.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use alloy::primitives::Address;
use axum::{Json, Router, routing::get};
use vigil_crypto::SecretKey;
use vigil_keystore::{Eip2335Keystore, KdfStrength, Password, PrivateKeySigner, V3Keystore};
use vigil_test_utils::{OpL2, TestNetwork};
use vigil_types::SigningDomain;

const BLS_PASSWORD_VAR: &str = "VIGIL_TEST_DOCTOR_BLS_PASSWORD";
const ECDSA_PASSWORD_VAR: &str = "VIGIL_TEST_DOCTOR_ECDSA_PASSWORD";
const PASSWORD: &str = "doctor test";
const ROLLUP: u64 = 901;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An aggregator stand-in that publishes `domain` at `GET /v1/domain`, as the real one does.
async fn aggregator(domain: SigningDomain) -> String {
    let app = Router::new().route("/v1/domain", get(move || async move { Json(domain) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// What the operator's config points at; each test breaks one thing.
struct Setup {
    net: TestNetwork,
    _l2: OpL2,
    dir: tempfile::TempDir,
    l2_rpc: String,
    beacon: String,
    aggregator: String,
    /// The chain id written into the rollup's chain file.
    rollup_id: u64,
}

impl Setup {
    /// A registered operator with everything it depends on, healthy.
    async fn start() -> Self {
        let (net, l2) = tokio::join!(TestNetwork::start(&[100]), OpL2::start(ROLLUP, None));
        let (net, l2) = (net.unwrap(), l2.unwrap());
        let dir = tempfile::tempdir().unwrap();
        let op = &net.operators[0];
        write_bls(&dir.path().join("keys/bls.json"), &op.bls);
        write_ecdsa(&dir.path().join("keys/ecdsa.json"), &op.signer);
        net.deployment.write(&dir.path().join("deployment.json")).unwrap();
        Self {
            aggregator: aggregator(net.deployment.domain()).await,
            beacon: net.anvil.endpoint().to_owned(),
            l2_rpc: l2.anvil.endpoint().to_owned(),
            rollup_id: ROLLUP,
            _l2: l2,
            net,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes the rollup file and `operator.toml`; runs `doctor` with the right passwords.
    fn doctor(&self) -> Output {
        self.doctor_with(&[(BLS_PASSWORD_VAR, PASSWORD), (ECDSA_PASSWORD_VAR, PASSWORD)])
    }

    fn doctor_with(&self, env: &[(&str, &str)]) -> Output {
        let rollup = self._l2.rollup_config(
            "doctor",
            Address::repeat_byte(0xbb),
            Address::repeat_byte(0xba),
        );
        let rollup = vigil_da::op::OpRollupConfig { chain_id: self.rollup_id, ..rollup };
        std::fs::write(self.path("rollup.toml"), rollup.to_superchain_toml()).unwrap();
        let config = self.path("operator.toml");
        std::fs::write(
            &config,
            format!(
                "[chain]\nl1_rpc = \"{l1}\"\ndeployment = \"deployment.json\"\n\
                 [keys]\nbls_keystore = \"keys/bls.json\"\nbls_password_env = \"{BLS_PASSWORD_VAR}\"\n\
                 ecdsa_keystore = \"keys/ecdsa.json\"\n\
                 ecdsa_password_env = \"{ECDSA_PASSWORD_VAR}\"\n\
                 [node]\nprotection_db = \"protection.sqlite\"\nbeacon_urls = [\"{beacon}\"]\n\
                 beacon_dialect = \"anvil\"\nrpc_timeout_ms = 5000\n\
                 api_address = \"127.0.0.1:{api}\"\nmetrics_address = \"127.0.0.1:{metrics}\"\n\
                 [submission]\naggregators = [\"{aggregator}\"]\n\
                 [[rollups]]\nkind = \"op-stack\"\nl2_rpc = \"{l2}\"\nrollup_config = \"rollup.toml\"\n",
                l1 = self.net.anvil.endpoint(),
                beacon = self.beacon,
                api = free_port(),
                metrics = free_port(),
                aggregator = self.aggregator,
                l2 = self.l2_rpc,
            ),
        )
        .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil-operator"));
        for (key, _) in std::env::vars_os() {
            let upper = key.to_string_lossy().to_ascii_uppercase();
            if upper.starts_with("VIGIL_OPERATOR_") || upper == "VIGIL_CONFIG_OPERATOR" {
                cmd.env_remove(key);
            }
        }
        cmd.arg("--config").arg(&config).arg("doctor").env("RUST_LOG", "warn");
        cmd.env_remove(BLS_PASSWORD_VAR).env_remove(ECDSA_PASSWORD_VAR);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn write_bls(path: &Path, sk: &SecretKey) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    Eip2335Keystore::encrypt(sk, &Password::new(PASSWORD), KdfStrength::Light.scrypt(), "")
        .unwrap()
        .write(path)
        .unwrap();
}

fn write_ecdsa(path: &Path, signer: &PrivateKeySigner) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    V3Keystore::encrypt(signer, &Password::new(PASSWORD), KdfStrength::Light.scrypt())
        .unwrap()
        .write(path)
        .unwrap();
}

const CHECKS: [&str; 12] = [
    "deployment",
    "L1 chain",
    "beacon #0",
    "rollup",
    "BLS keystore",
    "ECDSA keystore",
    "BLS key on chain",
    "registration",
    "allocation",
    "slashable",
    "aggregator #0",
    "ports",
];

/// The report's lines, and the names of the checks that failed.
fn report(out: &Output) -> (String, Vec<String>) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let failed = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL  "))
        .map(|l| l.split(": ").next().unwrap().to_owned())
        .collect();
    (stdout, failed)
}

/// Exit status 1, exactly the checks `names` failed, and the one named first says `detail` with
/// a fix saying `fix` on the next line.
fn assert_fails(out: &Output, names: &[&str], detail: &str, fix: &str) -> String {
    let (stdout, failed) = report(out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(failed, names, "{stdout}");
    assert!(stderr.contains(&format!("{} of ", names.len())), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("FAIL  {}: ", names[0])))
        .unwrap_or_else(|| panic!("no FAIL line for {}:\n{stdout}", names[0]));
    assert!(lines[at].contains(detail), "{:?} lacks {detail:?}\n{stdout}", lines[at]);
    let fix_line = lines.get(at + 1).copied().unwrap_or_default();
    assert!(fix_line.starts_with("      fix: "), "{fix_line:?}\n{stdout}");
    assert!(fix_line.contains(fix), "{fix_line:?} lacks {fix:?}\n{stdout}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_healthy_setup_is_all_ok() {
    let setup = Setup::start().await;
    let out = setup.doctor();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), CHECKS.len(), "{stdout}");
    for (line, name) in lines.iter().zip(CHECKS) {
        assert!(line.starts_with(&format!("ok    {name}")), "{line:?} is not ok {name}\n{stdout}");
    }
    assert!(stdout.contains(&format!("serves chain {ROLLUP}, the rollup id of")), "{stdout}");
    assert!(stdout.contains("knows L1 head block"), "{stdout}");
    assert!(stdout.contains("aggregates for this deployment"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_wrong_l1_chain() {
    let setup = Setup::start().await;
    let mut other = setup.net.deployment.clone();
    other.chain_id = 1;
    other.write(&setup.path("deployment.json")).unwrap();
    let out = setup.doctor();
    // The aggregator signs for chain 31337 too: it no longer matches the deployment file.
    let stdout = assert_fails(
        &out,
        &["L1 chain", "aggregator #0"],
        &format!(
            "{} serves chain 31337 but {} is for chain 1",
            setup.net.anvil.endpoint(),
            setup.path("deployment.json").display()
        ),
        "point chain.l1_rpc at a chain-1 node, or chain.deployment at the deployment file of \
         chain 31337",
    );
    assert!(stdout.contains("warn  registration: not checked: L1 chain failed"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_beacon_down() {
    let mut setup = Setup::start().await;
    setup.beacon = format!("http://127.0.0.1:{}", free_port());
    let out = setup.doctor();
    assert_fails(
        &out,
        &["beacon #0"],
        &format!("{} is unreachable", setup.beacon),
        "start your consensus client (its beacon API) or correct node.beacon_urls",
    );
}

/// anvil's beacon API, but the L2's: a beacon endpoint of another chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_beacon_of_another_chain() {
    let mut setup = Setup::start().await;
    setup.beacon = setup.l2_rpc.clone();
    let out = setup.doctor();
    assert_fails(
        &out,
        &["beacon #0"],
        "answers but does not know L1 head block",
        "point node.beacon_urls at the beacon node paired with the L1 node of chain.l1_rpc",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_l2_chain_id_mismatch() {
    let mut setup = Setup::start().await;
    setup.rollup_id = 902;
    let out = setup.doctor();
    assert_fails(
        &out,
        &["rollup 902"],
        &format!(
            "{} serves chain {ROLLUP} but {} is rollup 902",
            setup.l2_rpc,
            setup.path("rollup.toml").display()
        ),
        "point l2_rpc of [[rollups]] #0 at your own node of chain 902",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_wrong_password() {
    let setup = Setup::start().await;
    let out = setup.doctor_with(&[(BLS_PASSWORD_VAR, "not it"), (ECDSA_PASSWORD_VAR, PASSWORD)]);
    let stdout = assert_fails(
        &out,
        &["BLS keystore"],
        &format!(
            "{} does not decrypt with the password from ${BLS_PASSWORD_VAR}: wrong password",
            setup.path("keys/bls.json").display()
        ),
        &format!("put the password this keystore was created with in ${BLS_PASSWORD_VAR}"),
    );
    assert!(!stdout.contains("not it"), "the password is never printed");
    assert!(stdout.contains("warn  BLS key on chain: not checked"), "{stdout}");

    // No password at all: the variable is named.
    let out = setup.doctor_with(&[(BLS_PASSWORD_VAR, PASSWORD)]);
    assert_fails(
        &out,
        &["ECDSA keystore"],
        &format!("cannot read password from ${ECDSA_PASSWORD_VAR}"),
        &format!("set the password in ${ECDSA_PASSWORD_VAR}"),
    );
}

/// A BLS key other than the one the operator registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_key_differs_from_the_registered_one() {
    let setup = Setup::start().await;
    let other = SecretKey::from_ikm(&[0x77; 32]).unwrap();
    std::fs::remove_file(setup.path("keys/bls.json")).unwrap();
    write_bls(&setup.path("keys/bls.json"), &other);
    let out = setup.doctor();
    let registered = vigil_chain::key_hash(&setup.net.operators[0].bls.public_key());
    let configured = vigil_chain::key_hash(&other.public_key());
    assert_fails(
        &out,
        &["BLS key on chain"],
        &format!(
            "the verifier holds key hash {registered} for operator {}, but the configured BLS key \
             hashes to {configured}",
            setup.net.operators[0].address()
        ),
        "set keys.bls_keystore to the key you registered",
    );
}

/// An operator (ECDSA and BLS keys) that never registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_key_never_registered() {
    let setup = Setup::start().await;
    let signer = PrivateKeySigner::random();
    for file in ["keys/bls.json", "keys/ecdsa.json"] {
        std::fs::remove_file(setup.path(file)).unwrap();
    }
    write_bls(&setup.path("keys/bls.json"), &SecretKey::random());
    write_ecdsa(&setup.path("keys/ecdsa.json"), &signer);
    let out = setup.doctor();
    assert_fails(
        &out,
        &["BLS key on chain", "registration", "allocation", "slashable"],
        &format!("the verifier holds no BLS key for operator {}", signer.address()),
        "register it: vigil-operator register",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_aggregator_on_another_domain() {
    let mut setup = Setup::start().await;
    let mut theirs = setup.net.deployment.domain();
    theirs.verifier = Address::repeat_byte(0x42);
    setup.aggregator = aggregator(theirs).await;
    let out = setup.doctor();
    assert_fails(
        &out,
        &["aggregator #0"],
        &format!(
            "{} aggregates for another signing domain (chain 31337, verifier {}, operator set 0)",
            setup.aggregator, theirs.verifier
        ),
        "point submission.aggregators at an aggregator of this deployment",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_port_in_use() {
    let setup = Setup::start().await;
    let out = setup.doctor();
    assert!(out.status.success());
    // Hold the API port the next run is configured with: write the config, then bind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil-operator"));
        cmd.arg("--config")
            .arg(setup.path("operator.toml"))
            .arg("doctor")
            .env("VIGIL_OPERATOR_NODE__API_ADDRESS", &address)
            .env(BLS_PASSWORD_VAR, PASSWORD)
            .env(ECDSA_PASSWORD_VAR, PASSWORD)
            .env("RUST_LOG", "warn");
        cmd.output().unwrap()
    };
    assert_fails(
        &out,
        &["ports"],
        &format!("cannot listen on {address} (node.api_address)"),
        "stop what listens there (is the service already running?) or change node.api_address",
    );
}
