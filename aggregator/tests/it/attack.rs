//! The public intake under attack, against a real `vigil-aggregator` process on real anvil with
//! EigenLayer and Vigil: nobody can silence or smear an operator by posting garbage under its
//! public key, and no sender can choose how much the aggregator reads from L1.

use std::{
    collections::BTreeMap,
    net::{IpAddr, Ipv4Addr},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{primitives::B256, sol_types::SolCall};
use vigil_chain::bindings::VigilVerifier;
use vigil_crypto::SecretKey;
use vigil_test_utils::{SplitMix64, TestNetwork, anvil::anvil_mine, proxy::StandardRpcProxy};
use vigil_types::{Checkpoint, SignedCheckpoint};

use crate::restart::{Node, ROLLUP, checkpoint_at};

/// A client whose connections come from `ip` (any 127/8 address is loopback on Linux).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(ip)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Sums the samples of `name` whose labels include every `(label, value)` of `filter`.
async fn metric(metrics: &str, name: &str, filter: &[(&str, &str)]) -> f64 {
    let text = reqwest::get(format!("{metrics}/metrics")).await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| filter.iter().all(|(k, v)| l.contains(&format!("{k}=\"{v}\""))))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// `signed` with its signature replaced by a valid curve point that is not its signature.
fn garbage(
    signed: &SignedCheckpoint,
    forger: &SecretKey,
    rng: &mut SplitMix64,
) -> SignedCheckpoint {
    let mut bad = *signed;
    bad.signature =
        forger.sign(&rng.next_u64().to_le_bytes()).to_wire(rng.next_u64().is_multiple_of(2));
    bad
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// Eight connections flood garbage under operator 0's public key for 10 s (single posts with
/// random block hashes, and batches aimed at the very checkpoint the operators are signing),
/// while the four operators sign a new height every 400 ms from another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_under_an_honest_key_cannot_silence_or_smear_it() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), net.anvil.endpoint(), &db).await;
    let mut child = node.start();
    node.wait_ready(&mut child).await;
    let l1_block = net.l1_block().await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let current = Arc::new(AtomicU64::new(1));
    let refused = Arc::new(AtomicU64::new(0));
    let target = net.operators[0].bls.public_key().to_wire();
    let mut attackers = Vec::new();
    for a in 0..8u64 {
        let (api, stop, current, refused) =
            (node.api.clone(), stop.clone(), current.clone(), refused.clone());
        let domain = net.deployment.domain();
        attackers.push(tokio::spawn(async move {
            let client = client_from([127, 0, 0, 1]);
            let forger = SecretKey::from_ikm(&[a as u8 + 100; 32]).unwrap();
            let mut rng = SplitMix64::new(a);
            let mut sent = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let height = current.load(Ordering::Relaxed);
                let response = if a % 2 == 0 {
                    // Random block hashes at the current height: garbage "equivocations".
                    let mut cp = checkpoint_at(height, l1_block);
                    let mut hash = [0u8; 32];
                    rng.fill(&mut hash);
                    cp.block_hash = B256::from(hash);
                    let signed = SignedCheckpoint {
                        domain,
                        checkpoint: cp,
                        pubkey: target,
                        signature: forger.sign(b"x").to_wire(false),
                    };
                    let signed = garbage(&signed, &forger, &mut rng);
                    client.post(format!("{api}/v1/signatures")).json(&signed).send().await
                } else {
                    // The honest checkpoint itself, with a wrong signature, ahead of the real one.
                    let cp = checkpoint_at(height, l1_block);
                    let signed = SignedCheckpoint {
                        domain,
                        checkpoint: cp,
                        pubkey: target,
                        signature: forger.sign(b"x").to_wire(false),
                    };
                    let batch: Vec<_> =
                        (0..16).map(|_| garbage(&signed, &forger, &mut rng)).collect();
                    client.post(format!("{api}/v1/signatures/batch")).json(&batch).send().await
                };
                sent += 1;
                if let Ok(r) = response
                    && r.status() != 202
                    && r.status() != 200
                {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            sent
        }));
    }

    // Health, polled from its own address throughout.
    let health = {
        let (api, stop) = (node.api.clone(), stop.clone());
        tokio::spawn(async move {
            let client = client_from([127, 0, 0, 4]);
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = client.get(format!("{api}/v1/health")).send().await.unwrap();
                assert!(r.status().is_success(), "health answered {}", r.status());
                latencies.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            latencies
        })
    };

    // The operators sign heights 1.. from 127.0.0.2 while the flood runs.
    let honest = client_from([127, 0, 0, 2]);
    let started = Instant::now();
    let mut heights = Vec::new();
    let mut height = 1;
    while started.elapsed() < Duration::from_secs(10) {
        current.store(height, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(100)).await; // the garbage goes first
        let cp = checkpoint_at(height, l1_block);
        for i in 0..4 {
            let r = honest
                .post(format!("{}/v1/signatures", node.api))
                .json(&net.sign(i, &cp))
                .send()
                .await
                .unwrap();
            let status = r.status();
            assert_eq!(status, 202, "operator {i} at height {height}: {}", r.text().await.unwrap());
        }
        heights.push(height);
        height += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut sent = 0;
    for a in attackers {
        sent += a.await.unwrap();
    }
    let mut latencies = health.await.unwrap();
    latencies.sort();

    // Every height is certified, and operator 0 is among its signers: it was never silenced.
    // (Another operator may miss a certificate whose window closed before its post arrived.)
    let target_json = serde_json::to_value(target).unwrap();
    let mut full = 0;
    for h in &heights {
        node.wait_state(*h, "mined").await;
        let cert: serde_json::Value =
            reqwest::get(format!("{}/v1/certificates/{ROLLUP}/{h}", node.api))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let non_signers = cert["certificate"]["nonSigners"].as_array().unwrap();
        assert!(
            !non_signers.contains(&target_json),
            "height {h} names operator 0 a non-signer: {cert}"
        );
        full += usize::from(non_signers.is_empty());
    }
    // Only the operators' own signatures reached the feed, and nobody was smeared.
    let equivocations = metric(&node.metrics, "vigil_aggregator_equivocations_total", &[]).await;
    assert_eq!(equivocations, 0.0, "garbage counted as equivocation");
    let stored = feed_seqs_len(&node.api).await;
    assert_eq!(stored, heights.len() * 4, "the feed holds exactly the honest signatures");
    let invalid = metric(
        &node.metrics,
        "vigil_aggregator_unverified_total",
        &[("source", "127.0.0.1"), ("reason", "invalid_signature")],
    )
    .await;
    assert!(invalid > 0.0, "garbage is counted by source");
    assert!(refused.load(Ordering::Relaxed) > 0, "the flood was refused");
    println!(
        "flood: {sent} requests from 8 connections in 10 s, {} refused; {} heights certified with \
         operator 0 ({full} with all four); health p50 {:?}, p99 {:?}, max {:?} over {} probes",
        refused.load(Ordering::Relaxed),
        heights.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
        latencies.len(),
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// How many signatures the feed holds (the highest sequence number; the feed has no gaps).
async fn feed_seqs_len(api: &str) -> usize {
    let v: serde_json::Value =
        reqwest::get(format!("{api}/v1/health")).await.unwrap().json().await.unwrap();
    v["feedHead"].as_u64().or_else(|| v["feedHead"].as_str()?.parse().ok()).unwrap() as usize
}

/// 1,000 signatures with distinct `l1Block` values, counted at a JSON-RPC proxy in front of the
/// node: garbage costs no operator-set read at all, a registered operator's own valid
/// signatures cost at most its budget of new blocks, and submissions ahead of the chain cost at
/// most one `eth_blockNumber` per 250 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_l1_blocks_cause_bounded_rpc_calls() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    anvil_mine(&net.owner, 600).await.unwrap();
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("agg.sqlite").display());
    let (node, _) = Node::prepare(&net, dir.path(), &proxy.url, &db).await;
    let mut child = node.start();
    node.wait_ready(&mut child).await;
    let head = net.l1_block().await.unwrap();
    let members_at =
        format!("eth_call:0x{}", alloy::hex::encode(VigilVerifier::membersAtCall::SELECTOR));
    let count = |calls: &BTreeMap<String, u64>, name: &str| calls.get(name).copied().unwrap_or(0);
    let client = client_from([127, 0, 0, 1]);
    let post = |signed: SignedCheckpoint| {
        let (client, api) = (client.clone(), node.api.clone());
        async move {
            client.post(format!("{api}/v1/signatures")).json(&signed).send().await.unwrap().status()
        }
    };
    // Warm the key cache with one valid signature.
    assert_eq!(post(net.sign(1, &checkpoint_at(1, head))).await, 202);

    // 1. 400 garbage signatures under a registered key, each at its own l1Block.
    let forger = SecretKey::from_ikm(&[9; 32]).unwrap();
    let before = proxy.calls();
    for i in 0..400u64 {
        let mut signed = net.sign(0, &checkpoint_at(10 + i, head - i));
        signed.signature = forger.sign(&i.to_le_bytes()).to_wire(false);
        assert_eq!(post(signed).await, 403);
    }
    let after = proxy.calls();
    assert_eq!(count(&after, &members_at), count(&before, &members_at), "garbage read no set");

    // 2. 400 valid signatures by one operator, each at its own l1Block.
    let before = proxy.calls();
    let t = Instant::now();
    let (mut accepted, mut limited) = (0, 0);
    for i in 0..400u64 {
        let cp: Checkpoint = checkpoint_at(1_000 + i, head - 1 - i);
        match post(net.sign(2, &cp)).await.as_u16() {
            202 => accepted += 1,
            429 => limited += 1,
            other => panic!("status {other}"),
        }
    }
    let elapsed = t.elapsed().as_secs_f64();
    let reads = count(&proxy.calls(), &members_at) - count(&before, &members_at);
    // The default budget: a burst of 32 new blocks, then 1 per second.
    let bound = 32 + elapsed.ceil() as u64 + 1;
    assert!(reads <= bound, "{reads} operator-set reads for 400 blocks, bound {bound}");
    assert!(limited > 0 && accepted >= 32, "{accepted} accepted, {limited} limited");

    // 3. 200 signatures ahead of the chain: refused, with coalesced head reads.
    let before = proxy.calls();
    let t = Instant::now();
    for i in 0..200u64 {
        let status = post(net.sign(3, &checkpoint_at(5_000 + i, head + 1_000 + i))).await;
        assert_eq!(status, 422);
    }
    let elapsed = t.elapsed().as_secs_f64();
    let head_reads = count(&proxy.calls(), "eth_blockNumber") - count(&before, "eth_blockNumber");
    // At most one per 250 ms for submissions, plus the background loop's one per second.
    let bound = (elapsed / 0.25).ceil() as u64 + elapsed.ceil() as u64 + 2;
    assert!(head_reads <= bound, "{head_reads} eth_blockNumber for 200 submissions, bound {bound}");
    println!(
        "1,000 signatures at distinct l1Blocks: garbage 0 set reads; valid {reads} set reads \
         ({accepted} accepted, {limited} limited in {elapsed:.1} s); ahead of the chain \
         {head_reads} head reads"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
