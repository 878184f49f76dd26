//! A fresh operator generates keys and registers through the CLI.

use std::{path::Path, process::Command};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    Anvil, AnvilConfig, CoreParams, VigilParams, WAD, bindings::TestToken, deploy_core,
    deploy_vigil, send, signing_provider,
};

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PASSWORD_VAR: &str = "VIGIL_TEST_KEYSTORE_PASSWORD";

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

#[tokio::test]
async fn fresh_operator_registers_through_the_cli() {
    let anvil = Anvil::start(AnvilConfig::default()).await.unwrap();
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
             ecdsa_keystore = \"keys/ecdsa.json\"\necdsa_password_env = \"{PASSWORD_VAR}\"\n",
            anvil.endpoint()
        ),
    )
    .unwrap();

    // Keys, with the password from the environment.
    for kind in ["bls", "ecdsa"] {
        let out = dir.path().join(format!("keys/{kind}.json"));
        let stdout = ok(&cli(
            &config,
            &[
                "keys",
                "generate",
                "--kind",
                kind,
                "--out",
                out.to_str().unwrap(),
                "--password-env",
                PASSWORD_VAR,
                "--insecure-light-kdf",
            ],
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

    // Register: every step runs.
    let stdout = ok(&cli(&config, &["register", "--deposit", &stake.to_string()]));
    for step in [
        "registerAsOperator:        done",
        "allocate to Vigil's set:   done",
        "registerForOperatorSets:   done",
    ] {
        assert!(stdout.contains(step), "{stdout}");
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(&cli(&config, &["status", "--json"]))).unwrap();
    assert_eq!(status["isMember"], true);
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
}
