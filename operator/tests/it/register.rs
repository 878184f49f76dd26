//! A fresh operator generates keys and registers through the CLI, talking to L1 only through a
//! proxy that refuses every non-standard JSON-RPC method: `register`, `status` and `deregister`
//! need nothing anvil-specific. The test prepares the chain directly (funding) and keeps blocks
//! coming with a background miner, as a real chain would.

use std::{path::Path, process::Command};

use alloy::sol_types::SolEvent;
use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    CoreParams, VigilParams, WAD,
    bindings::{TestToken, eigenlayer::DelegationManager::OperatorMetadataURIUpdated},
    deploy_core, deploy_vigil, send, signing_provider,
};
use vigil_test_utils::DEV_KEY;
use vigil_test_utils::{Anvil, AnvilConfig};

const PASSWORD_VAR: &str = "VIGIL_TEST_KEYSTORE_PASSWORD";
const METADATA: &str = "https://operator.example/vigil-metadata.json";

fn cli(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(PASSWORD_VAR, "correct horse")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_operator_registers_through_the_cli() {
    let anvil = Anvil::start(AnvilConfig::default()).await.unwrap();
    let proxy = vigil_test_utils::StandardRpcProxy::start(anvil.endpoint()).await.unwrap();
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let p = signing_provider(anvil.url(), owner.clone());
    let core = deploy_core(&p, owner.address(), CoreParams::default()).await.unwrap();
    let deployment = deploy_vigil(&p, &core, &VigilParams::default()).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    deployment.write(&dir.path().join("deployments/31337.json")).unwrap();
    let config = dir.path().join("operator.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nl1_rpc = \"{}\"\ndeployment = \"deployments/31337.json\"\n\
             [keys]\nbls_keystore = \"keys/bls.json\"\nbls_password_env = \"{PASSWORD_VAR}\"\n\
             ecdsa_keystore = \"keys/ecdsa.json\"\necdsa_password_env = \"{PASSWORD_VAR}\"\n\
             [registration]\noperator_metadata_uri = \"{METADATA}\"\n",
            proxy.url
        ),
    )
    .unwrap();

    // Keys, with the password from the environment.
    for kind in ["bls", "ecdsa"] {
        let out = dir.path().join(format!("keys/{kind}.json"));
        let stdout = ok(&cli(
            &config,
            &crate::support::keys_generate(kind, out.to_str().unwrap(), PASSWORD_VAR),
        ));
        assert!(stdout.contains(&format!("{kind} key")), "{stdout}");
    }
    let listed =
        ok(&cli(&config, &["keys", "list", "--dir", dir.path().join("keys").to_str().unwrap()]));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let address: Address = listed
        .lines()
        .find(|l| l.starts_with("ecdsa"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    // The secret never appears in what the CLI prints.
    let keystore = std::fs::read_to_string(dir.path().join("keys/ecdsa.json")).unwrap();
    assert!(!listed.contains("ciphertext") && keystore.contains("ciphertext"));

    // Fund the new operator: ETH for gas and stake tokens.
    p.raw_request::<_, serde_json::Value>("anvil_setBalance".into(), (address, U256::from(WAD)))
        .await
        .unwrap();
    let stake = U256::from(50u64) * U256::from(WAD);
    send("fund", TestToken::new(core.token, p.clone()).transfer(address, stake)).await.unwrap();

    // A wrong password is a clear error, not a panic.
    let bad = Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .arg("--config")
        .arg(&config)
        .args(["status"])
        .env(PASSWORD_VAR, "wrong")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("wrong password"), "{stderr}");
    assert!(!stderr.contains("panicked"));

    // Register without waiting: it becomes an EigenLayer operator and stops (exit 75) because
    // EigenLayer activates the allocation delay only some blocks later; it says which.
    let first = cli(&config, &["register"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(first.status.code(), Some(75), "{stdout}{}", String::from_utf8_lossy(&first.stderr));
    assert!(stdout.contains("registerAsOperator:        done"), "{stdout}");
    assert!(stdout.contains("deposit:                   none requested"), "{stdout}");
    assert!(stdout.contains("waiting: your allocation delay is active from block"), "{stdout}");
    assert!(stdout.contains(" (about "), "an estimated time: {stdout}");
    assert!(stdout.contains("run `vigil-operator register` again"), "{stdout}");

    // Blocks keep coming (mined on anvil directly, not through the proxy), and register with
    // --wait deposits, waits for the delay by polling the chain, then finishes.
    let miner = {
        let direct = p.clone();
        tokio::spawn(async move {
            loop {
                let _ = vigil_test_utils::anvil_mine(&direct, 1).await;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
        })
    };
    let stdout = ok(&cli(&config, &["register", "--deposit", &stake.to_string(), "--wait", "60"]));
    miner.abort();
    for step in [
        "registerAsOperator:        already done, skipped",
        "deposit:                   done",
        "allocate to Vigil's set:   done",
        "registerForOperatorSets:   done",
    ] {
        assert!(stdout.contains(step), "{stdout}");
    }
    // The metadata URI was published with registerAsOperator.
    let published = p
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(core.delegation_manager)
                .event_signature(OperatorMetadataURIUpdated::SIGNATURE_HASH)
                .from_block(0u64),
        )
        .await
        .unwrap();
    let uris: Vec<String> = published
        .iter()
        .filter_map(|l| OperatorMetadataURIUpdated::decode_log_data(l.data()).ok())
        .filter(|e| e.operator == address)
        .map(|e| e.metadataURI)
        .collect();
    assert_eq!(uris, [METADATA]);
    let status: serde_json::Value =
        serde_json::from_str(&ok(&cli(&config, &["status", "--json"]))).unwrap();
    assert_eq!(status["isMember"], true);
    assert_eq!(status["pendingAllocations"], serde_json::json!([]));
    assert_eq!(status["isEigenlayerOperator"], true);
    assert_eq!(status["bls_key_hash"], serde_json::Value::Null);
    assert_eq!(status["blsKeyHash"], status["registeredKeyHash"]);
    assert_eq!(status["allocatedMagnitude"], WAD);

    // Again: every step is skipped.
    let stdout = ok(&cli(&config, &["register"]));
    assert_eq!(stdout.matches("already done, skipped").count(), 3, "{stdout}");

    // Deregister, then status says so; deregistering again is a no-op.
    assert!(ok(&cli(&config, &["deregister"])).contains("deregistered"));
    let status: serde_json::Value =
        serde_json::from_str(&ok(&cli(&config, &["status", "--json"]))).unwrap();
    assert_eq!(status["isMember"], false);
    assert_eq!(status["isSlashable"], true, "still slashable during the deallocation delay");
    assert!(ok(&cli(&config, &["deregister"])).contains("nothing to do"));
    assert_eq!(proxy.refused(), Vec::<String>::new(), "only standard JSON-RPC");
}
