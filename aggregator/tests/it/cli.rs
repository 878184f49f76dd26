//! The built binary as a newcomer meets it: the README's start, errors as one paragraph, URL
//! credentials never printed.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use vigil_chain::{CoreParams, Deployment, EigenLayerCore, VigilContracts, VigilParams};
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_test_utils::cli::{
    assert_no_secrets, assert_one_paragraph, assert_redacted_failure, clean_command,
    readme_exports, repo_root as repo, stderr, success_stdout,
};

/// The binary with none of the caller's overrides ([`clean_command`]).
pub(crate) fn aggregator() -> Command {
    clean_command(env!("CARGO_BIN_EXE_vigil-aggregator"), &["VIGIL_AGGREGATOR_"], &[])
}

/// `aggregator/README.md`'s start, exactly: its variable set, `config/aggregator.toml`. The
/// configuration loads (no override prefix swallows the password variable), names that variable,
/// and `run` gets as far as the files the sample points at (not in the repository).
#[test]
fn the_readme_start_gets_past_configuration() {
    let exports = readme_exports(&repo().join("aggregator/README.md"));
    assert!(!exports.is_empty(), "the README exports the password variable");
    let sample = repo().join("config/aggregator.toml");
    let with_exports = |cmd: &mut Command| {
        for name in &exports {
            cmd.env(name, "hunter2");
        }
    };

    let mut config = aggregator();
    with_exports(&mut config);
    let out = config.arg("--config").arg(&sample).arg("config").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let password_env = json["submitter"]["password_env"].as_str().unwrap();
    assert!(exports.iter().any(|e| e == password_env), "{password_env} not in {exports:?}");

    let mut run = aggregator();
    with_exports(&mut run);
    let out = run.arg("--config").arg(&sample).arg("run").output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(i32::from(vigil_service::EXIT_USAGE)), "{err}");
    // The first file the sample names that this checkout lacks: the deployment (or, once a
    // deployer has written one, the keystore).
    assert!(
        err.contains("deployments/31337.json") || err.contains("keys/aggregator.json"),
        "{err}"
    );
    assert!(!err.contains("environment variable"), "{err}");
    assert_one_paragraph(&err);
}

/// What a newcomer gets wrong, each answered in one paragraph that names it, exit status 2.
#[test]
fn user_errors_are_one_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "[api]\nadress = \"127.0.0.1:1\"\n").unwrap();
    let stale_name = format!("{}KEYSTORE_PASSWORD", "VIGIL_AGGREGATOR_");
    let (config, keystore) = runnable_config(dir.path(), "http://127.0.0.1:1");
    std::fs::remove_file(&keystore).unwrap();

    let missing = dir.path().join("missing.toml");
    let cases: [(&str, Command, &str); 4] = [
        ("a missing config file", with_args(aggregator(), &[&missing], "config"), "missing.toml"),
        ("a typo in the file", with_args(aggregator(), &[&typo], "config"), "api.adress"),
        (
            "a variable under the override prefix",
            {
                let mut cmd = with_args(aggregator(), &[&typo], "config");
                cmd.env(&stale_name, "hunter2");
                cmd
            },
            stale_name.as_str(),
        ),
        ("a missing keystore", with_args(aggregator(), &[&config], "run"), "submitter.json"),
    ];
    for (what, mut cmd, named) in cases {
        let out = cmd.env("VIGIL_TEST_PASSWORD", "pw").output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(i32::from(vigil_service::EXIT_USAGE)), "{what}: {err}");
        assert!(err.contains(named), "{what} names {named}: {err}");
        assert!(!err.contains("hunter2"), "{what}: {err}");
        assert_one_paragraph(&err);
    }

    // Asked for, the backtrace is there.
    let out = with_args(aggregator(), &[&missing], "config")
        .env("RUST_LIB_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(stderr(&out).contains("Location:"), "{}", stderr(&out));
}

/// `config` prints database and RPC URLs without their secrets.
#[test]
fn config_output_masks_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aggregator.toml");
    std::fs::write(
        &file,
        "[chain]\nl1_rpc = \"https://eth.example/v3/KEY?apikey=SECRET\"\n\
         [database]\nurl = \"postgres://u:secret@h/db\"\n",
    )
    .unwrap();
    let out = aggregator().arg("--config").arg(&file).arg("config").output().unwrap();
    let stdout = success_stdout(&out);
    assert_no_secrets(&stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["database"]["url"], "postgres://u:***@h/db");
    assert_eq!(json["chain"]["l1_rpc"], "https://eth.example/v3/***?apikey=***");
}

/// An L1 endpoint that does not answer, its URL full of credentials: the error names the
/// endpoint and the cause, never the credentials (nor do the logs).
#[test]
fn a_dead_rpc_is_reported_without_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let rpc = format!("http://user:secret@127.0.0.1:{port}/v3/KEY?apikey=SECRET");
    let (config, _) = runnable_config(dir.path(), &rpc);
    let out = with_args(aggregator(), &[&config], "run")
        .env("VIGIL_TEST_PASSWORD", "pw")
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let exit = i32::from(vigil_service::EXIT_FAILURE);
    assert_redacted_failure(&out, exit, &format!("127.0.0.1:{port}"));
}

fn with_args(mut cmd: Command, config: &[&Path], sub: &str) -> Command {
    for c in config {
        cmd.arg("--config").arg(c);
    }
    cmd.arg(sub);
    cmd
}

/// A config that gets as far as the L1: a deployment file (no contracts behind it), a keystore
/// with its password in `VIGIL_TEST_PASSWORD`, SQLite, free ports. Returns it and the keystore.
fn runnable_config(dir: &Path, l1_rpc: &str) -> (PathBuf, PathBuf) {
    let a = Address::ZERO;
    let deployment = Deployment {
        chain_id: 31337,
        eigenlayer: EigenLayerCore {
            owner: a,
            proxy_admin: a,
            pauser_registry: a,
            permission_controller: a,
            allocation_manager: a,
            delegation_manager: a,
            strategy_manager: a,
            avs_directory: a,
            eigen_pod_manager: a,
            token: a,
            strategy: a,
            params: CoreParams::default(),
        },
        vigil: VigilContracts {
            proxy_admin: a,
            service_manager: a,
            verifier: a,
            slasher: a,
            batch_roots: a,
            operator_set_id: 0,
        },
        params: VigilParams::default(),
    };
    deployment.write(&dir.join("deployment.json")).unwrap();
    let keystore = dir.join("submitter.json");
    V3Keystore::encrypt(
        &PrivateKeySigner::random(),
        &Password::new("pw"),
        KdfStrength::Light.scrypt(),
    )
    .unwrap()
    .write(&keystore)
    .unwrap();
    let config = dir.join("aggregator.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nl1_rpc = \"{l1_rpc}\"\ndeployment = \"deployment.json\"\n\
             [submitter]\nkeystore = \"submitter.json\"\npassword_env = \"VIGIL_TEST_PASSWORD\"\n\
             [database]\nurl = \"sqlite://aggregator.sqlite\"\n\
             [api]\naddress = \"127.0.0.1:0\"\n[metrics]\naddress = \"127.0.0.1:0\"\n"
        ),
    )
    .unwrap();
    (config, keystore)
}
