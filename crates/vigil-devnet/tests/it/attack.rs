//! A live devnet under attack: while the operators sign and the byzantine one is slashed, six
//! connections from another address flood the aggregator with garbage signed "by" every honest
//! operator (random block hashes at the heights being signed, and the real checkpoints with
//! wrong signatures). The run completes as it would without the flood, only the byzantine
//! operator is slashed, and nothing but valid signatures ever reaches the feed the slasher reads.

use std::{
    net::{IpAddr, Ipv4Addr},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::B256;
use vigil_crypto::{PublicKey, SecretKey, Signature, verify};
use vigil_devnet::{Options, Outcome, layout::Ports};
use vigil_types::SignedCheckpoint;

use crate::{ONE_DEVNET_AT_A_TIME, port_offset};

/// The feed from the start up to its current head, as signed checkpoints; `None` if the
/// aggregator does not answer (the devnet may be stopping it).
async fn feed(api: &str) -> Option<Vec<SignedCheckpoint>> {
    let health: serde_json::Value =
        reqwest::get(format!("{api}/v1/health")).await.ok()?.json().await.ok()?;
    let head = health["feedHead"].as_u64().or_else(|| health["feedHead"].as_str()?.parse().ok())?;
    let mut out = Vec::new();
    if head == 0 {
        return Some(out);
    }
    let mut r = reqwest::get(format!("{api}/v1/feed?after=0")).await.ok()?;
    let mut text = String::new();
    while out.len() < head as usize {
        let chunk = tokio::time::timeout(Duration::from_secs(10), r.chunk()).await.ok()?.ok()??;
        text.push_str(&String::from_utf8_lossy(&chunk));
        // Complete lines only: a chunk may end mid-line.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        out = complete
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| {
                let event: serde_json::Value = serde_json::from_str(d.trim()).unwrap();
                serde_json::from_value(event["signed"].clone()).unwrap()
            })
            .collect();
    }
    Some(out)
}

fn valid(signed: &SignedCheckpoint) -> bool {
    match (PublicKey::from_wire(&signed.pubkey), Signature::from_wire(&signed.signature)) {
        (Ok(pk), Ok(sig)) => verify(&pk, signed.digest().as_slice(), &sig).is_ok(),
        _ => false,
    }
}

async fn metric(url: &str, name: &str, filter: &str) -> f64 {
    let Ok(r) = reqwest::get(format!("{url}/metrics")).await else { return 0.0 };
    let text = r.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(filter))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_under_honest_keys_changes_nothing_on_a_live_devnet() {
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        dir: dir.path().join("devnet"),
        byzantine: true,
        exit_after: Some(10),
        timeout: Duration::from_secs(240),
        port_offset: port_offset(4),
        // One rollup: the single-certificate path (the default three run batches).
        rollups: Some(1),
        ..Options::default()
    };
    let ports = Ports::with_offset(opts.port_offset);
    let api = format!("http://127.0.0.1:{}", ports.aggregator_api);
    let metrics = format!("http://127.0.0.1:{}", ports.aggregator_metrics);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let devnet = {
        let (opts, lines) = (opts.clone(), lines.clone());
        tokio::spawn(async move {
            let say = move |l: String| lines.lock().unwrap().push(l);
            vigil_devnet::run(&opts, std::future::pending(), &say).await
        })
    };
    let transcript = || lines.lock().unwrap().join("\n");

    // As soon as operators' signatures are on the feed, their keys are known: flood under them.
    let deadline = Instant::now() + Duration::from_secs(180);
    let seen = loop {
        assert!(!devnet.is_finished(), "devnet ended early:\n{}", transcript());
        assert!(Instant::now() < deadline, "no signature:\n{}", transcript());
        if let Some(seen) = feed(&api).await
            && !seen.is_empty()
        {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let templates: Arc<Vec<SignedCheckpoint>> = Arc::new(seen.clone());

    // The flood: from 127.0.0.2, six connections, until the devnet is done or 10 s passed.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let mut attackers = Vec::new();
    for a in 0..6u8 {
        let (api, stop, sent, templates) =
            (api.clone(), stop.clone(), sent.clone(), templates.clone());
        attackers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let forger = SecretKey::from_ikm(&[a + 50; 32]).unwrap();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let mut bad = templates[(i as usize) % templates.len()];
                bad.checkpoint.height += i % 3; // the heights being signed now
                if a % 2 == 0 {
                    bad.checkpoint.block_hash = B256::from(alloy::primitives::keccak256(
                        [&[a][..], &i.to_le_bytes()].concat(),
                    ));
                }
                bad.signature = forger.sign(&i.to_le_bytes()).to_wire(false);
                let _ = client.post(format!("{api}/v1/signatures")).json(&bad).send().await;
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // While the devnet runs: sample the feed and the refusals counted for the flood's source.
    let flood_started = Instant::now();
    let (mut after, mut refused) = (Vec::new(), 0.0);
    while !devnet.is_finished() && flood_started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if devnet.is_finished() {
            break;
        }
        let counted =
            metric(&metrics, "vigil_aggregator_unverified_total", "source=\"127.0.0.2\"").await;
        let entries = tokio::time::timeout(Duration::from_secs(5), feed(&api)).await;
        if let Ok(Some(entries)) = entries
            && counted > 0.0
        {
            (after, refused) = (entries, counted);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.await.unwrap();
    }

    let outcome = devnet.await.unwrap();
    let text = transcript();
    let Ok(Outcome::Completed { certified: 10, slashed }) = outcome else {
        panic!("{outcome:?}\n{text}")
    };
    assert_eq!(slashed.len(), 1, "{text}");
    assert_eq!(text.matches("SLASHED").count(), 1, "only the byzantine operator: {text}");
    assert!(text.contains("SLASHED op3"), "{text}");
    assert!(
        !text.contains("aggregator restarted"),
        "the flood brought the aggregator down: {text}"
    );
    let sent = sent.load(Ordering::Relaxed);
    assert!(sent > 100, "the flood ran: {sent} requests");
    // Sampled while the flood ran: the garbage was counted under its source, and everything
    // on the feed is a valid signature: no garbage reached the slasher's input.
    assert!(refused > 0.0, "no sample of the flood's refusals");
    assert!(after.len() > seen.len(), "the feed grew during the flood");
    let bad: Vec<_> = after.iter().filter(|s| !valid(s)).collect();
    assert!(bad.is_empty(), "{} invalid signatures on the feed", bad.len());
    println!(
        "flood of {sent} garbage submissions in {:.1?}; {} feed entries checked, all valid; \
         {refused} refusals counted for 127.0.0.2",
        flood_started.elapsed(),
        after.len()
    );
}
