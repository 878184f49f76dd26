//! The built binary as a newcomer meets it: the README's start, `config` with URL credentials
//! masked, errors as one paragraph, a dead endpoint reported without its credentials.

use std::process::Command;
use vigil_test_utils::cli::{
    assert_no_secrets, assert_one_paragraph, assert_redacted_failure, clean_command,
    readme_exports, repo_root as repo, stderr, success_stdout,
};

/// The binary with none of the caller's overrides ([`clean_command`]).
fn operator() -> Command {
    clean_command(
        env!("CARGO_BIN_EXE_vigil-operator"),
        &["VIGIL_OPERATOR_"],
        &["VIGIL_CONFIG_OPERATOR"],
    )
}

/// `operator/README.md`'s key step exports the password variables; with them set,
/// `config/operator.toml` loads (also through `VIGIL_CONFIG_OPERATOR`) and names them.
#[test]
fn the_readme_start_loads() {
    let exports = readme_exports(&repo().join("operator/README.md"));
    assert!(exports.len() >= 2, "{exports:?}");
    let sample = repo().join("config/operator.toml");
    for via_env in [false, true] {
        let mut cmd = operator();
        for name in &exports {
            cmd.env(name, "hunter2");
        }
        if via_env {
            cmd.env("VIGIL_CONFIG_OPERATOR", &sample);
        } else {
            cmd.arg("--config").arg(&sample);
        }
        let out = cmd.arg("config").output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for field in ["bls_password_env", "ecdsa_password_env"] {
            let name = json["keys"][field].as_str().unwrap();
            assert!(exports.iter().any(|e| e == name), "{name} not in {exports:?}");
        }
        assert_eq!(json["node"]["metrics_address"], "127.0.0.1:7711");
    }
}

#[test]
fn config_output_masks_credentials() {
    let out = operator()
        .arg("config")
        .env("VIGIL_OPERATOR_CHAIN__L1_RPC", "https://eth.example/v3/KEY?apikey=SECRET")
        .env("VIGIL_OPERATOR_NODE__BEACON_URLS", "[\"https://u:secret@beacon.example\"]")
        .output()
        .unwrap();
    let stdout = success_stdout(&out);
    assert_no_secrets(&stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["chain"]["l1_rpc"], "https://eth.example/v3/***?apikey=***");
    assert_eq!(json["node"]["beacon_urls"][0], "https://***@beacon.example");
}

/// A missing file, and the variable the CLI itself used to read for `--config`, which lies
/// under the override prefix: each one paragraph naming it, exit status 2.
#[test]
fn user_errors_are_one_paragraph() {
    let stale = format!("{}CONFIG", "VIGIL_OPERATOR_");
    for (mut cmd, named) in [
        (
            {
                let mut c = operator();
                c.args(["--config", "/nonexistent/op.toml", "config"]);
                c
            },
            "/nonexistent/op.toml".to_owned(),
        ),
        (
            {
                let mut c = operator();
                c.arg("config").env(&stale, "op.toml");
                c
            },
            stale.clone(),
        ),
    ] {
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(i32::from(vigil_service::EXIT_USAGE)), "{err}");
        assert!(err.contains(&named), "names {named}: {err}");
        assert_one_paragraph(&err);
    }
}

/// `da inspect` against an L1 endpoint that does not answer, its URL full of credentials: the
/// error (and every log line, at trace level) names the endpoint without them.
#[test]
fn a_dead_rpc_is_reported_without_its_credentials() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let rollup = repo().join("testdata/realdata/rollup-configs/mainnet-op.toml");
    let out = operator()
        .args(["da", "inspect", "--rollup-config"])
        .arg(&rollup)
        .args(["--tx", &format!("0x{}", "11".repeat(32))])
        .args(["--l1-rpc", &format!("http://user:secret@127.0.0.1:{port}/v3/KEY?apikey=SECRET")])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let exit = i32::from(vigil_service::EXIT_FAILURE);
    assert_redacted_failure(&out, exit, &format!("127.0.0.1:{port}"));
}
