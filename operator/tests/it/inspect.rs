//! `vigil-operator da inspect` on real mainnet and Sepolia batcher data (testdata/realdata).

use std::{path::PathBuf, process::Command};

fn realdata(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/realdata")
        .join(path)
        .display()
        .to_string()
}

fn inspect(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil-operator"))
        .args(["da", "inspect"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inspects_a_real_op_mainnet_span_batch_as_text_and_json() {
    let config = realdata("rollup-configs/mainnet-op.toml");
    let tx = realdata("op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex");
    let (ok, text, err) = inspect(&["--rollup-config", &config, "--raw-tx", &tx]);
    assert!(ok, "{err}");
    assert!(
        text.contains("channel 0xac329933f5efdcc35ccd284232a376d3: 1 frame(s), Zlib"),
        "{text}"
    );
    assert!(text.contains("batch  Span 117369690..=117369716 (209 txs)"), "{text}");
    assert!(text.contains("L2 blocks 117369690..=117369716 (27 blocks, 209 txs)"), "{text}");
    assert!(text.contains("L1 origins 19426582..=19426585"), "{text}");

    let (ok, json, err) = inspect(&["--rollup-config", &config, "--raw-tx", &tx, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let channel = &v["channels"][0]["channel"];
    assert_eq!(channel["blocks"].as_array().unwrap().len(), 27);
    assert_eq!(channel["compression"], "zlib");
    assert_eq!(channel["batches"][0]["kind"], "span");
    assert!(v["refusals"].as_array().unwrap().is_empty());
}

#[test]
fn inspects_a_real_sepolia_blob_and_calldata_singular_batches() {
    let (ok, text, err) = inspect(&[
        "--rollup-config",
        &realdata("rollup-configs/sepolia-op.toml"),
        "--blob",
        &realdata("op-batches/op-sepolia-blob-span-zlib/blob9.txt"),
    ]);
    assert!(ok, "{err}");
    assert!(text.contains("L2 blocks 8366435..=8366456 (22 blocks, 20 txs)"), "{text}");

    let (ok, text, err) = inspect(&[
        "--rollup-config",
        &realdata("rollup-configs/mainnet-op.toml"),
        "--calldata",
        &realdata("op-batches/op-mainnet-calldata-singular-zlib/calldata.txt"),
    ]);
    assert!(ok, "{err}");
    assert!(text.contains("L2 blocks 114644746..=114644779 (34 blocks, 689 txs)"), "{text}");
    assert_eq!(text.matches("batch  Singular").count(), 34, "{text}");
}

#[test]
fn a_transaction_from_another_sender_is_refused_with_its_reason() {
    // The real batcher transaction, judged against a config naming another batcher.
    let (ok, text, err) = inspect(&[
        "--rollup-config",
        &realdata("rollup-configs/mainnet-op.toml"),
        "--batcher",
        "0x000000000000000000000000000000000000dEaD",
        "--raw-tx",
        &realdata("op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex"),
    ]);
    assert!(ok, "{err}");
    assert!(text.contains("refused (wrong_sender)"), "{text}");
    assert!(!text.contains("channel 0x"), "nothing decoded from it: {text}");
    let (ok, _, err) = inspect(&["--rollup-config", &realdata("rollup-configs/mainnet-op.toml")]);
    assert!(!ok && err.contains("nothing to inspect"), "{err}");
}
