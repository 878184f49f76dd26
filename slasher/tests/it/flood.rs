//! The `vigil-slasher` process under 10 s of public submissions from several connections and
//! addresses: valid signatures of registered operators (replayed over and over), garbage
//! signatures under registered keys, validly signed checkpoints under keys never registered
//! (from fifty addresses), oversize batches, and double-sign evidence by keys never registered.
//! Meanwhile `/v1/health` is polled and a fisherman at another address submits a real
//! equivocation. Afterwards: health answered every poll, the flood got 429s while the valid
//! submitter never did, the fisherman's offence was recorded and is the only one, the database
//! holds each valid signature once and nothing under a key that was never registered, and the
//! process's peak memory stayed bounded.

use std::{
    collections::{BTreeMap, HashSet},
    net::IpAddr,
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use vigil_crypto::SecretKey;
use vigil_slasher::EvidenceStore;
use vigil_test_utils::{TestNetwork, process::wait_healthy};
use vigil_types::{Evidence, PublicKeyBytes, SignedCheckpoint};

use crate::harness::{Slasher, checkpoint};

const FLOOD: Duration = Duration::from_secs(10);
/// The default `api.max_batch`.
const MAX_BATCH: usize = 256;
/// Peak resident memory allowed to the process (generous: it idles far below).
const MAX_PEAK_BYTES: u64 = 512 << 20;
/// Addresses the unregistered-key flood comes from (127.0.1.1 ..).
const UNREGISTERED_SOURCES: u8 = 50;

/// A client whose connections leave from `ip` (any of 127/8 reaches the slasher on Linux).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The slasher process, killed if the test fails.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `VmHWM` (peak resident set) of `pid`, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// What one flooding task saw: answers by status (and, for 200, by item result).
type Tally = BTreeMap<String, u64>;

/// POSTs `bodies` round-robin to `url` with `clients` round-robin until `until`.
async fn flood(
    clients: Vec<reqwest::Client>,
    url: String,
    bodies: Vec<Vec<u8>>,
    until: Instant,
) -> Tally {
    let mut tally = Tally::new();
    let mut n = 0usize;
    while Instant::now() < until {
        let client = &clients[n % clients.len()];
        let body = bodies[n % bodies.len()].clone();
        n += 1;
        let t = Instant::now();
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            assert!(response.headers().contains_key("retry-after"), "429 without Retry-After");
        }
        let json: serde_json::Value = response.json().await.unwrap_or_default();
        let ms = u64::try_from(t.elapsed().as_millis()).unwrap();
        *tally.entry("requests".into()).or_default() += 1;
        *tally.entry("slowest ms".into()).or_default() =
            ms.max(tally.get("slowest ms").copied().unwrap_or(0));
        *tally.entry("total ms".into()).or_default() += ms;
        if status == 200 {
            for item in json.as_array().unwrap() {
                *tally.entry(format!("200 {}", item["result"].as_str().unwrap())).or_default() += 1;
            }
        } else {
            let code = json["error"].as_str().unwrap_or("?").to_owned();
            *tally.entry(format!("{status} {code}")).or_default() += 1;
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_public_submissions_is_throttled_and_evidence_still_lands() {
    let net = TestNetwork::start(&[100, 100, 100]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No aggregator: only the public routes feed this slasher (its feed follower retries a
    // closed port quietly).
    let slasher = Slasher::on_sqlite(dir.path(), &net, "http://127.0.0.1:9", None).await;
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&slasher.log).unwrap();
    let mut child = crate::cli::slasher()
        .args(["--config", slasher.config.to_str().unwrap(), "run"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let health_url = format!("{}/v1/health", slasher.api);
    wait_healthy("slasher", &health_url, Some(&mut child), Duration::from_secs(20), || {
        slasher.logs()
    })
    .await;
    let process = Process(child);
    let pid = process.0.id();
    let url = format!("{}/v1/signatures", slasher.api);
    let l1 = net.l1_block().await.unwrap();
    let json = |v: &[SignedCheckpoint]| serde_json::to_vec(v).unwrap();

    // Valid signatures of registered operators 0 and 2, batches of 16.
    let valid: Vec<SignedCheckpoint> = (1_000..1_128)
        .flat_map(|h| [net.sign(0, &checkpoint(h, "a", l1)), net.sign(2, &checkpoint(h, "a", l1))])
        .collect();
    let valid_bodies: Vec<_> = valid.chunks(16).map(json).collect();
    // Garbage under registered keys: a signature of another block.
    let garbage: Vec<SignedCheckpoint> = (2_000..2_064)
        .map(|h| {
            let mut s = net.sign(0, &checkpoint(h, "a", l1));
            s.signature = net.sign(0, &checkpoint(h, "z", l1)).signature;
            s
        })
        .collect();
    let garbage_bodies = vec![json(&garbage)];
    // Keys nobody registered, signing properly in our domain.
    let domain = net.deployment.domain();
    let strangers: Vec<SignedCheckpoint> = (0..600u32)
        .map(|i| {
            let sk = SecretKey::from_ikm(&rand::random::<[u8; 32]>()).unwrap();
            let cp = checkpoint(3_000 + u64::from(i % 50), "a", l1);
            SignedCheckpoint {
                domain,
                checkpoint: cp,
                pubkey: sk.public_key().to_wire(),
                signature: sk.sign(cp.digest(&domain).as_slice()).to_wire(false),
            }
        })
        .collect();
    let unregistered: HashSet<PublicKeyBytes> = strangers.iter().map(|s| s.pubkey).collect();
    let stranger_bodies: Vec<_> = strangers.chunks(20).map(json).collect();
    // Double-sign evidence by keys nobody registered.
    let stranger_evidence: Vec<Vec<u8>> = (0..8u64)
        .map(|i| {
            let sk = SecretKey::from_ikm(&rand::random::<[u8; 32]>()).unwrap();
            let signed = |fork: &str| {
                let cp = checkpoint(4_000 + i, fork, l1);
                SignedCheckpoint {
                    domain,
                    checkpoint: cp,
                    pubkey: sk.public_key().to_wire(),
                    signature: sk.sign(cp.digest(&domain).as_slice()).to_wire(false),
                }
            };
            let evidence = Evidence::DoubleSign { first: signed("a"), second: signed("b") };
            serde_json::to_vec(&evidence).unwrap()
        })
        .collect();
    // One item over the batch limit.
    let oversize_bodies = vec![json(&vec![valid[0]; MAX_BATCH + 1])];

    // Clients first (building one reads the TLS roots): the flood starts all at once.
    let flooders: Vec<_> = (0..3).map(|_| client_from("127.0.0.1")).collect();
    let strangers_from: Vec<_> =
        (1..=UNREGISTERED_SOURCES).map(|i| client_from(&format!("127.0.1.{i}"))).collect();
    let (valid_from, evidence_from, health_from, fisherman) = (
        client_from("127.0.0.3"),
        client_from("127.0.0.5"),
        client_from("127.0.0.4"),
        client_from("127.0.0.2"),
    );
    let until = Instant::now() + FLOOD;
    let [garbage_1, garbage_2, oversize_from] = <[_; 3]>::try_from(flooders).unwrap();
    let evidence_url = format!("{}/v1/evidence", slasher.api);
    let tasks = vec![
        ("valid", tokio::spawn(flood(vec![valid_from], url.clone(), valid_bodies, until))),
        (
            "garbage",
            tokio::spawn(flood(vec![garbage_1], url.clone(), garbage_bodies.clone(), until)),
        ),
        ("garbage", tokio::spawn(flood(vec![garbage_2], url.clone(), garbage_bodies, until))),
        ("oversize", tokio::spawn(flood(vec![oversize_from], url.clone(), oversize_bodies, until))),
        (
            "evidence",
            tokio::spawn(flood(vec![evidence_from], evidence_url, stranger_evidence, until)),
        ),
        ("unregistered", tokio::spawn(flood(strangers_from, url.clone(), stranger_bodies, until))),
    ];
    let poller = {
        let client = health_from;
        let health_url = health_url.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                match client.get(&health_url).send().await {
                    Ok(r) if r.status() == 200 => latencies.push(t.elapsed()),
                    Ok(r) => failures.push(format!("status {}", r.status())),
                    Err(e) => failures.push(e.to_string()),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (latencies, failures)
        })
    };

    // Halfway through, a fisherman at its own address offers operator 1's equivocation.
    tokio::time::sleep(FLOOD / 2).await;
    let pair = [net.sign(1, &checkpoint(5_000, "a", l1)), net.sign(1, &checkpoint(5_000, "b", l1))];
    let t = Instant::now();
    let response = fisherman.post(&url).json(&pair).send().await.unwrap();
    let fisherman_latency = t.elapsed();
    assert_eq!(response.status(), 200, "{}", slasher.logs());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body[0]["result"], "new", "{body}");
    assert_eq!(body[1]["result"], "equivocation", "{body}");
    let offence_id = body[1]["offenceId"].as_i64().unwrap();

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (name, task) in tasks {
        for (k, v) in task.await.unwrap() {
            *tallies.entry(name).or_default().entry(k).or_default() += v;
        }
    }
    let (mut latencies, failures) = poller.await.unwrap();
    let peak = peak_rss(pid);
    println!("flood answers: {tallies:#?}");
    println!("fisherman's equivocation answered in {fisherman_latency:?}");

    // Health answered every poll.
    assert!(failures.is_empty(), "health failed during the flood: {failures:?}");
    assert!(latencies.len() >= 5, "only {} health polls", latencies.len());
    latencies.sort();
    println!(
        "health during the flood: {} polls, p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    println!("slasher peak memory (VmHWM): {:.1} MiB", peak as f64 / (1 << 20) as f64);
    assert!(peak < MAX_PEAK_BYTES, "peak memory {peak} bytes");

    // The flood was throttled; the valid submitter never was, and every one of its items was
    // accepted.
    let count =
        |name: &str, key: &str| tallies.get(name).and_then(|t| t.get(key)).copied().unwrap_or(0);
    assert!(count("garbage", "429 rate_limited") > 0, "{tallies:#?}");
    assert!(count("oversize", "429 rate_limited") > 0, "{tallies:#?}");
    assert!(count("garbage", "200 invalid_signature") > 0, "{tallies:#?}");
    assert!(count("oversize", "400 batch_too_large") > 0, "{tallies:#?}");
    assert!(count("unregistered", "200 unknown_operator") > 0, "{tallies:#?}");
    assert!(count("evidence", "422 unknown_operator") > 0, "{tallies:#?}");
    assert!(count("evidence", "429 rate_limited") > 0, "{tallies:#?}");
    let valid_tally = &tallies["valid"];
    assert!(
        valid_tally
            .keys()
            .filter(|k| k.starts_with(|c: char| c.is_ascii_digit()))
            .all(|k| k == "200 new" || k == "200 duplicate"),
        "valid submissions refused: {valid_tally:?}"
    );
    assert!(count("valid", "200 new") > 0, "{tallies:#?}");
    let throttled = slasher.metric("vigil_slasher_public_sources_throttled_total").await;
    assert!(throttled >= 1.0, "no source counted as throttled");
    let refused = slasher
        .metric("vigil_slasher_public_total{kind=\"signature\",result=\"unknown_operator\"}")
        .await;
    assert!(refused >= 1.0, "unknown_operator refusals not counted");

    // The fisherman's offence is recorded, and it is the only one.
    let offences = slasher.offences().await;
    let operator_1 = serde_json::to_value(net.operators[1].bls.public_key().to_wire()).unwrap();
    assert_eq!(offences.len(), 1, "{offences:#?}");
    assert_eq!(offences[0]["id"], offence_id, "{offences:#?}");
    assert_eq!(offences[0]["offence"]["pubkey"], operator_1, "{offences:#?}");

    // Stopped cleanly, its database holds the valid submissions and nothing under a key that
    // was never registered.
    let mut process = process;
    std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
    let status = process.0.wait().unwrap();
    assert!(status.success(), "slasher exited with {status}: {}", slasher.logs());
    let store =
        EvidenceStore::open(&format!("sqlite://{}", dir.path().join("slasher.sqlite").display()))
            .await
            .unwrap();
    let rows = store.public_after(0, u32::MAX).await.unwrap();
    let stored: HashSet<PublicKeyBytes> = rows.iter().map(|(_, s)| s.pubkey).collect();
    println!("public rows stored: {} from {} keys", rows.len(), stored.len());
    assert!(stored.contains(&net.operators[0].bls.public_key().to_wire()), "valid rows stored");
    // Each valid signature once, however often it was replayed, and the fisherman's pair.
    assert_eq!(rows.len(), valid.len() + 2, "replays are not stored again");
    assert!(stored.is_disjoint(&unregistered), "a key never registered reached the database");
    assert!(
        rows.iter().all(|(_, s)| !garbage.iter().any(|g| g.signature == s.signature)),
        "a garbage signature reached the database"
    );
    store.close().await;
}
