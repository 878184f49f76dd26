//! Endpoint failover on a real `vigil-operator run` process (the aggregator's analogue is
//! `aggregator/tests/it/failover.rs`): two L1 endpoints, proxies in front of one anvil, the
//! preferred one in `chain.l1_rpc` and the other in `chain.l1_rpc_fallbacks`. The preferred one
//! is killed mid-run while the other answers 429 for two seconds; batches posted before the
//! kill, during the 429s and after them are all signed (every L2 height, once) and delivered,
//! and the node's metrics show the switch and why.

use std::{path::Path, process::Stdio, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, address},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};
use vigil_chain::signing_provider;
use vigil_crypto::{PublicKey, Signature, verify};
use vigil_da::op::{
    Compression, OpRollupConfig,
    batcher::{Carry, post_channel},
};
use vigil_test_utils::{
    Anvil, AnvilConfig, CaptureAggregator, DEV_KEY, OpL2, StandardRpcProxy, prometheus::sample,
    set_balance,
};
use vigil_types::{SignedCheckpoint, redact::redact_url};

const PASSWORD_VAR: &str = "VIGIL_FAILOVER_KEYSTORE_PASSWORD";
const ROLLUP: u64 = 907;
const INBOX: Address = address!("ff00000000000000000000000000000000000907");
/// L2 blocks per channel; the node signs every one (`checkpoint_interval = 1`).
const BATCH: u64 = 3;
const WAIT: Duration = Duration::from_secs(40);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The rollup: an L2 whose safe head follows its head, its batcher on L1 (talking to anvil
/// directly, not through the operator's endpoints) and its config.
struct Rollup {
    l2: OpL2,
    batcher: DynProvider,
    config: OpRollupConfig,
    batched: u64,
}

impl Rollup {
    /// `BATCH` new L2 blocks (a transfer each), posted as one calldata channel; then two empty
    /// L2 blocks so that they are `safe`. Returns the heights posted.
    async fn batch(&mut self) -> std::ops::RangeInclusive<u64> {
        for i in 0..BATCH {
            let tx = TransactionRequest::default()
                .with_to(Address::repeat_byte(7))
                .with_value(U256::from(self.batched + i + 1));
            self.l2.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        }
        let (first, last) = (self.batched + 1, self.batched + BATCH);
        let head = self.batcher.get_block_by_number(Default::default()).await.unwrap().unwrap();
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&first.to_be_bytes());
        post_channel(
            &self.batcher,
            &self.l2.provider,
            &self.config,
            (first, last),
            (head.header.number, head.header.hash),
            id,
            Compression::Brotli,
            1,
            Carry::Calldata,
        )
        .await
        .unwrap();
        self.l2
            .provider
            .raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(2),))
            .await
            .unwrap();
        self.batched = last;
        first..=last
    }
}

fn cli(bin: &str, config: &Path, args: &[&str]) {
    let out = std::process::Command::new(bin)
        .arg("--config")
        .arg(config)
        .args(args)
        .env(PASSWORD_VAR, "failover test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Waits until the aggregator holds every height of `want` (then returns what it holds), with
/// the node's log in the panic message if it does not.
async fn delivered(
    aggregator: &CaptureAggregator,
    want: std::ops::RangeInclusive<u64>,
    log: &Path,
) -> Vec<SignedCheckpoint> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = aggregator.received.lock().await.clone();
        if want.clone().all(|h| got.iter().any(|s| s.checkpoint.height == h)) {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "heights {want:?} not all delivered within {WAIT:?}: got {:?}\n{}",
            got.iter().map(|s| s.checkpoint.height).collect::<Vec<_>>(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn scrape(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_endpoint_and_a_rate_limited_one_lose_no_height() {
    let bin = env!("CARGO_BIN_EXE_vigil-operator");
    let (l1, l2) = tokio::join!(Anvil::start(AnvilConfig::default()), OpL2::start(ROLLUP, Some(1)));
    let (l1, l2) = (l1.unwrap(), l2.unwrap());
    let primary = StandardRpcProxy::start(l1.endpoint()).await.unwrap();
    let fallback = StandardRpcProxy::start(l1.endpoint()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 100).await.unwrap();
    let config = l2.rollup_config("failover", INBOX, batcher.address());
    let mut rollup =
        Rollup { l2, batcher: signing_provider(l1.url(), batcher), config, batched: 0 };
    let aggregator = CaptureAggregator::start().await.unwrap();

    // The node's files. The run loop needs only the signing domain from the deployment; the
    // beacon API (unused: calldata batches) is anvil's own, so only `l1_rpc` goes through the
    // proxies.
    let dir = tempfile::tempdir().unwrap();
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x97));
    deployment.write(&dir.path().join("deployment.json")).unwrap();
    std::fs::write(dir.path().join("rollup.toml"), rollup.config.to_superchain_toml()).unwrap();
    let metrics_url = format!("http://127.0.0.1:{}/metrics", free_port());
    let toml = crate::support::run_toml(
        &primary.url,
        rollup.l2.anvil.endpoint(),
        &aggregator.url,
        PASSWORD_VAR,
        &format!(
            "poll_interval_ms = 50\nscan_lookback_blocks = 4\nstatus_interval_ms = 3600000\n\
             api_address = \"127.0.0.1:0\"\nmetrics_address = \"{}\"\n",
            metrics_url.trim_start_matches("http://").trim_end_matches("/metrics")
        ),
        "[submission.retry]\nattempts = 3\ninitial_backoff_ms = 10\nmax_backoff_ms = 50\n\
         timeout_ms = 2000\n",
    ) + "checkpoint_interval = 1\n";
    let (l1_line, beacon_line) = (
        format!("l1_rpc = \"{}\"\n", primary.url),
        format!("beacon_urls = [\"{}\"]\n", primary.url),
    );
    assert!(toml.contains(&l1_line) && toml.contains(&beacon_line), "{toml}");
    let toml = toml
        .replace(&l1_line, &format!("{l1_line}l1_rpc_fallbacks = [\"{}\"]\n", fallback.url))
        .replace(&beacon_line, &format!("beacon_urls = [\"{}\"]\n", l1.endpoint()));
    let config = dir.path().join("operator.toml");
    std::fs::write(&config, toml).unwrap();
    for kind in ["bls", "ecdsa"] {
        let out = dir.path().join(format!("keys/{kind}.json"));
        cli(
            bin,
            &config,
            &crate::support::keys_generate(kind, out.to_str().unwrap(), PASSWORD_VAR),
        );
    }

    let log = dir.path().join("operator.log");
    let mut child = tokio::process::Command::new(bin)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env(PASSWORD_VAR, "failover test")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // Before the kill: the preferred endpoint serves everything.
    let before = rollup.batch().await;
    delivered(&aggregator, 1..=*before.end(), &log).await;
    assert!(primary.forwarded() > 0 && fallback.forwarded() == 0, "the preferred one served");
    let metrics = scrape(&metrics_url).await;
    let p = format!("#0 {}", redact_url(Url::parse(&primary.url).unwrap().as_str()));
    let f = format!("#1 {}", redact_url(Url::parse(&fallback.url).unwrap().as_str()));
    let active = |metrics: &str, who: &str| {
        sample(metrics, "vigil_rpc_endpoint_active", &[("chain", "l1"), ("endpoint", who)])
    };
    let l1_only = [("chain", "l1")];
    assert_eq!(active(&metrics, &p), Some(1.0), "{metrics}");
    assert_eq!(active(&metrics, &f), Some(0.0), "{metrics}");
    assert_eq!(sample(&metrics, "vigil_rpc_endpoint_switches_total", &l1_only), Some(0.0));
    assert_eq!(sample(&metrics, "vigil_rpc_rate_limit_waits_total", &l1_only), Some(0.0));

    // The fallback starts refusing with 429, then the preferred one dies; a batch lands on L1
    // meanwhile. The fallback recovers two seconds later, and another batch lands.
    let recover = primary.fail_over_to(&fallback, Duration::from_secs(2));
    rollup.batch().await;
    recover.await.unwrap();
    let after = rollup.batch().await;
    delivered(&aggregator, 1..=*after.end(), &log).await;
    // A few more polls: nothing else may arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = aggregator.received.lock().await.clone();

    // Every height signed and delivered exactly once, each the L2 node's block, each signature
    // valid, all by one key.
    let mut heights: Vec<u64> = got.iter().map(|s| s.checkpoint.height).collect();
    heights.sort_unstable();
    assert_eq!(heights, (1..=*after.end()).collect::<Vec<_>>(), "no height lost or sent twice");
    let pk = PublicKey::from_wire(&got[0].pubkey).unwrap();
    for s in &got {
        assert_eq!(s.pubkey, got[0].pubkey);
        assert_eq!((s.domain, s.checkpoint.rollup_id), (deployment.domain(), ROLLUP));
        let block = rollup
            .l2
            .provider
            .get_block_by_number(s.checkpoint.height.into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.checkpoint.block_hash, s.checkpoint.state_root),
            (block.header.hash, block.header.state_root)
        );
        verify(&pk, s.digest().as_slice(), &Signature::from_wire(&s.signature).unwrap()).unwrap();
    }
    assert!(fallback.rate_limited_calls() > 0, "the 429 phase was exercised");
    assert!(fallback.forwarded() > 0, "the fallback served after the switch");
    assert_eq!(primary.refused(), Vec::<String>::new(), "standard JSON-RPC only");
    assert_eq!(fallback.refused(), Vec::<String>::new(), "standard JSON-RPC only");

    // The metrics: the fallback answers now, after a switch; the preferred one failed as
    // unavailable, the fallback as rate-limited, and a request waited for it.
    let metrics = scrape(&metrics_url).await;
    assert_eq!(active(&metrics, &f), Some(1.0), "{metrics}");
    assert_eq!(active(&metrics, &p), Some(0.0), "{metrics}");
    let failures = |who: &str, kind: &str| {
        let labels = [("chain", "l1"), ("endpoint", who), ("kind", kind)];
        sample(&metrics, "vigil_rpc_endpoint_failures_total", &labels).unwrap_or(0.0)
    };
    assert!(failures(&p, "unavailable") >= 1.0, "{metrics}");
    assert!(failures(&f, "rate_limited") >= 1.0, "{metrics}");
    let switches = sample(&metrics, "vigil_rpc_endpoint_switches_total", &l1_only);
    assert!(switches.is_some_and(|n| n >= 1.0), "{metrics}");
    let waits = sample(&metrics, "vigil_rpc_rate_limit_waits_total", &l1_only);
    assert!(waits.is_some_and(|n| n >= 1.0), "{metrics}");
    let rollup_id = ROLLUP.to_string();
    let signed = [("rollup", rollup_id.as_str())];
    let signed = sample(&metrics, "vigil_operator_checkpoints_signed_total", &signed);
    assert_eq!(signed, Some(heights.len() as f64), "{metrics}");
    println!(
        "failover: {} heights; #0 unavailable {}, #1 rate-limited {} ({} answered 429), {} \
         switches, {} waits",
        heights.len(),
        failures(&p, "unavailable"),
        failures(&f, "rate_limited"),
        fallback.rate_limited_calls(),
        switches.unwrap_or(0.0),
        waits.unwrap_or(0.0),
    );
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("RPC endpoint passed over"), "{logs}");

    child.kill().await.unwrap();
    drop(l1);
}
