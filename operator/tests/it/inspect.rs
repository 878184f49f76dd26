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

/// A live channel on an anvil pair, inspected by transaction hash against the L1, the beacon
/// endpoint and the L2 node: the node's verdict, and a refusal when the L2 node disagrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspects_live_transactions_against_the_l2_node() {
    use alloy::{
        network::TransactionBuilder,
        primitives::{Address, U256},
        providers::Provider,
        rpc::types::TransactionRequest,
        signers::local::PrivateKeySigner,
    };
    use vigil_chain::signing_provider;
    use vigil_da::op::{
        Compression,
        batcher::{Carry, post_channel},
    };
    use vigil_test_utils::{Anvil, AnvilConfig};
    use vigil_test_utils::{DEV_KEY, OpL2, set_balance};

    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let l2 = OpL2::start(904, Some(1)).await.unwrap();
    for i in 0..4u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(5))
            .with_value(U256::from(i + 1));
        l2.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 10).await.unwrap();
    let batcher_p = signing_provider(l1.url(), batcher.clone());
    let config = l2.rollup_config("inspect test", Address::repeat_byte(0xfe), batcher.address());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rollup.toml");
    std::fs::write(&file, config.to_superchain_toml()).unwrap();
    let head =
        l1p.get_block_by_number(alloy::eips::BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let origin = (head.header.number, head.header.hash);
    let blob = post_channel(
        &batcher_p,
        &l2.provider,
        &config,
        (1, 3),
        origin,
        [1; 16],
        Compression::Brotli,
        2,
        Carry::Blobs,
    )
    .await
    .unwrap();
    let hashes: Vec<String> =
        blob.receipts.iter().map(|r| r.transaction_hash.to_string()).collect();
    let file = file.display().to_string();
    let mut args = vec!["--rollup-config", &file];
    for h in &hashes {
        args.extend(["--tx", h]);
    }
    args.extend([
        "--l1-rpc",
        l1.endpoint(),
        "--beacon",
        l1.endpoint(),
        "--beacon-dialect",
        "anvil",
        "--l2-rpc",
        l2.anvil.endpoint(),
    ]);
    let (ok, text, err) = tokio::task::spawn_blocking({
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        move || inspect(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(
        text.contains("channel 0x01010101010101010101010101010101: 2 frame(s), Brotli"),
        "{text}"
    );
    assert!(text.contains("L2 blocks 1..=3 (3 blocks, 3 txs)"), "{text}");
    assert!(text.contains("verdict AVAILABLE: all 3 blocks reproduced from L1 data"), "{text}");
    assert!(text.contains(&format!("daCommitment {}", blob.da_commitment)), "{text}");

    // Against another L2 with the same chain id (its blocks carry other transactions).
    let other = OpL2::start(904, Some(1)).await.unwrap();
    for _ in 0..4 {
        other.provider.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    }
    let (ok, text, err) = tokio::task::spawn_blocking({
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let last = args.len() - 1;
        args[last] = other.anvil.endpoint().to_owned();
        move || inspect(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    // Its blocks carry no transactions; its genesis may differ by a second, which the timestamp
    // check (made first) catches.
    assert!(
        text.contains("verdict REFUSED (tx_mismatch)")
            || text.contains("verdict REFUSED (timestamp_mismatch)"),
        "{text}"
    );
    assert!(!text.contains("AVAILABLE"), "{text}");
}
