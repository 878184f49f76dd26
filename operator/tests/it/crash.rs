//! Crash test: the release `vigil-operator run` is killed with SIGKILL at random instants while it
//! signs, hundreds of times, and restarted on the same slashing-protection database. Halfway
//! through, its own L2 node rewrites heights it already signed and OP Stack channels of the
//! rewritten chain land on L1 (as blobs), so every later life is tempted to sign a conflicting
//! checkpoint. The operator attests every block of a channel (`checkpoint_interval = 1`), so
//! every height is signed and every rewritten height is a temptation.
//!
//! Checked afterwards: every signature any life delivered verifies; no two delivered signatures
//! for one (rollup, height) name different blocks; the protection database (exported through the
//! CLI) holds exactly the delivered block for every delivered height; the rewritten heights were
//! never signed again with the new blocks; and enough lives died mid-delivery for the test to
//! mean something.
//!
//! Lives: `VIGIL_CRASH_LIVES` (default 200). The binary: `VIGIL_CRASH_BIN`, or else the
//! test builds `vigil-operator` in release mode itself. Longer run: see operator/README.md.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::sync::Mutex;
use vigil_chain::signing_provider;
use vigil_crypto::{PublicKey, Signature};
use vigil_da::op::{
    Compression, OpRollupConfig,
    batcher::{Carry, post_channel},
};
use vigil_slashing_protection::Interchange;
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{CaptureAggregator, DEV_KEY, OpL2, set_balance};
use vigil_types::SignedCheckpoint;

const PASSWORD_VAR: &str = "VIGIL_CRASH_KEYSTORE_PASSWORD";
const ROLLUP: u64 = 77;
/// L2 blocks per channel.
const BATCH: u64 = 3;

/// The release binary: from the environment, or built here.
fn release_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("VIGIL_CRASH_BIN") {
        return PathBuf::from(bin);
    }
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "-p",
            "vigil-operator",
            "--bin",
            "vigil-operator",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "release build failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "vigil-operator")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no vigil-operator executable")
}

struct Delivery {
    life: usize,
    at: Instant,
    signed: SignedCheckpoint,
}

struct L2 {
    provider: DynProvider,
    /// L1, signing as the batcher.
    batcher: DynProvider,
    /// The rollup's config (the operator reads the same, from its superchain-registry file).
    config: OpRollupConfig,
    /// Channels posted so far (each gets its own channel id).
    channels: u64,
    /// Next height not yet batched.
    next_batched: u64,
    /// Heights of the last batch posted: the last a full pass signs.
    last_batch: (u64, u64),
    nonce: u64,
}

impl L2 {
    /// Appends `n` blocks (one transfer each, with values unique to this chain history).
    async fn grow(&mut self, n: u64) {
        for _ in 0..n {
            self.nonce += 1;
            let tx = TransactionRequest::default()
                .with_to(Address::repeat_byte(6))
                .with_value(U256::from(self.nonce));
            self.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        }
    }

    async fn head(&self) -> u64 {
        self.provider.get_block_number().await.unwrap()
    }

    /// Posts every not-yet-batched block up to the head, `BATCH` blocks a channel in one blob
    /// transaction (L1 origin: the L1 head), then mines two empty L2 blocks so the batched ones
    /// are `safe`.
    async fn batch_all(&mut self) {
        let head = self.head().await;
        while self.next_batched <= head {
            let last = (self.next_batched + BATCH - 1).min(head);
            let l1_head = self.batcher.get_block_by_number(Default::default()).await.unwrap();
            let l1_head = l1_head.unwrap().header;
            self.channels += 1;
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&self.channels.to_be_bytes());
            post_channel(
                &self.batcher,
                &self.provider,
                &self.config,
                (self.next_batched, last),
                (l1_head.number, l1_head.hash),
                id,
                Compression::Brotli,
                1,
                Carry::Blobs,
            )
            .await
            .unwrap();
            self.last_batch = (self.next_batched, last);
            self.next_batched = last + 1;
        }
        self.provider
            .raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(2),))
            .await
            .unwrap();
    }
}

fn cli(bin: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(bin)
        .arg("--config")
        .arg(config)
        .args(args)
        .env(PASSWORD_VAR, "crash test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

struct Harness {
    bin: PathBuf,
    config: PathBuf,
    log: PathBuf,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    life: Arc<AtomicUsize>,
}

impl Harness {
    fn spawn(&self, life: usize) -> tokio::process::Child {
        self.life.store(life, Ordering::SeqCst);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        tokio::process::Command::new(&self.bin)
            .arg("--config")
            .arg(&self.config)
            .arg("run")
            .env(PASSWORD_VAR, "crash test")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    async fn heights_delivered_in(&self, life: usize) -> HashSet<u64> {
        self.deliveries
            .lock()
            .await
            .iter()
            .filter(|d| d.life == life)
            .map(|d| d.signed.checkpoint.height)
            .collect()
    }

    /// Heights delivered by any life so far.
    async fn heights_delivered(&self) -> HashSet<u64> {
        self.deliveries.lock().await.iter().map(|d| d.signed.checkpoint.height).collect()
    }

    /// When this life's first delivery arrived, if it did.
    async fn first_delivery(&self, life: usize) -> Option<Instant> {
        self.deliveries.lock().await.iter().filter(|d| d.life == life).map(|d| d.at).min()
    }

    /// Runs one life until every height in `want` is delivered (by this life when `this_life`,
    /// else by any life so far) or 90 s pass, then kills it. Returns when its first delivery
    /// came (after the start) and how long delivering took.
    async fn clean_life(
        &self,
        life: usize,
        want: &HashSet<u64>,
        this_life: bool,
    ) -> (Duration, Duration) {
        let started = Instant::now();
        let mut child = self.spawn(life);
        loop {
            let got = if this_life {
                self.heights_delivered_in(life).await
            } else {
                self.heights_delivered().await
            };
            if want.is_subset(&got) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "life {life} delivered {} of {} heights; log: {}",
                got.intersection(want).count(),
                want.len(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let done = Instant::now();
        child.kill().await.unwrap();
        let first = self.first_delivery(life).await.unwrap_or(done);
        (first.duration_since(started), done.duration_since(first))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_signing_never_signs_a_conflict() {
    let lives: usize =
        std::env::var("VIGIL_CRASH_LIVES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("VIGIL_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    assert!(lives >= 4, "VIGIL_CRASH_LIVES must be at least 4");
    println!("crash test: {lives} lives, seed {seed} (VIGIL_CRASH_SEED reproduces the kill times)");
    let mut rng = StdRng::seed_from_u64(seed);
    let bin = release_binary();

    // Chains: an L1 that carries the batches as blobs and an L2 whose safe head follows its head.
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let l1p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    // OP Stack timestamps: one L2 block per second from block 0 (the rollup's genesis).
    let l2a = OpL2::start(ROLLUP, Some(1)).await.unwrap();
    let batcher = PrivateKeySigner::random();
    set_balance(&l1p, batcher.address(), 1000).await.unwrap();
    let rollup = l2a.rollup_config("crash", Address::repeat_byte(0xfe), batcher.address());
    let mut l2 = L2 {
        provider: l2a.provider.clone(),
        batcher: signing_provider(l1.url(), batcher.clone()),
        config: rollup.clone(),
        channels: 0,
        next_batched: 1,
        last_batch: (0, 0),
        nonce: 0,
    };

    // The run loop needs only the signing domain from the deployment.
    let dir = tempfile::tempdir().unwrap();
    let deployment = vigil_test_utils::domain_only_deployment(Address::repeat_byte(0x99));
    deployment.write(&dir.path().join("deployment.json")).unwrap();
    std::fs::write(dir.path().join("rollup.toml"), rollup.to_superchain_toml()).unwrap();
    let domain = deployment.domain();

    // The capture aggregator outlives every operator life and tags what each life delivered.
    let life = Arc::new(AtomicUsize::new(0));
    let current = life.clone();
    let capture = CaptureAggregator::start_with(move |signed| Delivery {
        life: current.load(Ordering::SeqCst),
        at: Instant::now(),
        signed,
    })
    .await
    .unwrap();
    let (aggregator, deliveries) = (capture.url, capture.received);

    let config = dir.path().join("operator.toml");
    std::fs::write(
        &config,
        crate::support::run_toml(
            l1.endpoint(),
            l2a.anvil.endpoint(),
            &aggregator,
            PASSWORD_VAR,
            "poll_interval_ms = 50\nscan_lookback_blocks = 12\nstatus_interval_ms = 3600000\n\
             api_address = \"127.0.0.1:0\"\nmetrics_address = \"127.0.0.1:0\"\n",
            "[submission.retry]\nattempts = 1\ninitial_backoff_ms = 10\nmax_backoff_ms = 10\n\
             timeout_ms = 2000\n",
        ) + "checkpoint_interval = 1\n",
    )
    .unwrap();
    for kind in ["bls", "ecdsa"] {
        let out = dir.path().join(format!("keys/{kind}.json"));
        cli(
            &bin,
            &config,
            &crate::support::keys_generate(kind, out.to_str().unwrap(), PASSWORD_VAR),
        );
    }
    let harness = Harness {
        bin: bin.clone(),
        config: config.clone(),
        log: dir.path().join("operator.log"),
        deliveries: deliveries.clone(),
        life: life.clone(),
    };

    // Honest history: heights 1..=6, a snapshot to rewrite from later, then 7..=24, all batched.
    l2.grow(6).await;
    let snapshot: U256 = l2.provider.raw_request("evm_snapshot".into(), ()).await.unwrap();
    l2.grow(18).await;
    l2.batch_all().await;
    let first: HashSet<u64> = (1..l2.next_batched).collect();

    // Life 0 runs clean: it signs everything, and tells when signing starts and how long it takes.
    let (until_signing, signing) = harness.clean_life(0, &first, true).await;
    println!(
        "life 0: first delivery after {until_signing:?}, {} heights delivered within {signing:?}",
        first.len()
    );
    let uniform_max = (until_signing + signing).as_millis() as u64 * 6 / 5;
    let signing_max = (signing.as_millis() as u64 * 6 / 5).max(5);
    let half = lives / 2;
    let mut rewrite_from = 0;
    let mut old_max = 0;
    let mut mid_delivery = 0usize;
    let mut life_no = 1;
    while life_no <= lives {
        if life_no == half {
            // Everything batched so far is signed (a clean life makes sure; older batches are
            // beyond its lookback, so earlier lives count), then the own L2 node rewrites every
            // height above 6 and the rewritten chain is batched again.
            let all: HashSet<u64> = (1..l2.next_batched).collect();
            harness.clean_life(life_no, &all, false).await;
            life_no += 1;
            old_max = l2.next_batched - 1;
            let _: bool = l2.provider.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
            l2.nonce += 1000;
            rewrite_from = l2.head().await + 1;
            l2.next_batched = rewrite_from;
            l2.grow(old_max - rewrite_from + 1 + 6).await;
            l2.batch_all().await;
            println!("L2 rewrote heights {rewrite_from}..={old_max} (and grew beyond)");
        } else if life_no % 10 == 0 {
            // Fresh work keeps arriving: a few more blocks, batched.
            l2.grow(3).await;
            l2.batch_all().await;
        }
        let started = Instant::now();
        let mut child = harness.spawn(life_no);
        if life_no % 4 == 0 {
            // Anywhere in the life: start-up, DA checks, signing, delivery.
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..=uniform_max))).await;
        } else {
            // While it signs: after its first delivery, somewhere in its signing burst.
            while harness.first_delivery(life_no).await.is_none()
                && started.elapsed() < (until_signing + signing) * 3
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..=signing_max))).await;
        }
        child.start_kill().unwrap(); // SIGKILL
        child.wait().await.unwrap();
        // Mid-delivery: it delivered something but not the last batch, which a full pass signs
        // last.
        let delivered = harness.heights_delivered_in(life_no).await;
        let (from, to) = l2.last_batch;
        if !delivered.is_empty() && !(from..=to).all(|h| delivered.contains(&h)) {
            mid_delivery += 1;
        }
        life_no += 1;
    }

    // One last clean life: the node still works after all that, and signs new heights.
    let fresh_from = l2.next_batched;
    l2.grow(3).await;
    l2.batch_all().await;
    let newest: HashSet<u64> = (fresh_from..l2.next_batched).collect();
    harness.clean_life(lives + 1, &newest, true).await;
    // Let in-flight requests of the last life land before reading.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // 1. Every delivered signature verifies under the operator's key, in the right domain.
    let all = deliveries.lock().await;
    let pubkey = all[0].signed.pubkey;
    let pk = PublicKey::from_wire(&pubkey).unwrap();
    let mut block_at: BTreeMap<u64, (B256, B256)> = BTreeMap::new();
    for d in all.iter() {
        let s = &d.signed;
        assert_eq!(s.domain, domain);
        assert_eq!(s.pubkey, pubkey);
        let sig = Signature::from_wire(&s.signature).unwrap();
        vigil_crypto::verify(&pk, s.digest().as_slice(), &sig).unwrap();
        // 2. Never two blocks for one height.
        let block = (s.checkpoint.block_hash, s.checkpoint.state_root);
        let first = *block_at.entry(s.checkpoint.height).or_insert(block);
        assert_eq!(first, block, "life {} signed a conflicting checkpoint: {s:?}", d.life);
    }
    // 3. The rewritten heights were signed before the rewrite and never for the new blocks.
    let new_chain_hash = |h: u64| {
        let p = l2.provider.clone();
        async move { p.get_block_by_number(h.into()).await.unwrap().unwrap().header.hash }
    };
    for h in rewrite_from..=old_max {
        let (signed, _) = block_at[&h];
        assert_ne!(
            signed,
            new_chain_hash(h).await,
            "height {h} was signed for the rewritten block"
        );
    }
    // 4. The protection database agrees with what was delivered.
    let export = dir.path().join("export.json");
    cli(&bin, &config, &["protection", "export", "--out", export.to_str().unwrap()]);
    let interchange: Interchange =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    let recorded: BTreeMap<u64, (B256, B256)> = interchange
        .data
        .iter()
        .flat_map(|k| k.signed_checkpoints.iter())
        .filter(|c| c.rollup_id == ROLLUP)
        .map(|c| (c.height, (c.block_hash, c.state_root)))
        .collect();
    for (h, block) in &block_at {
        assert_eq!(recorded.get(h), Some(block), "height {h}: protection record differs");
    }
    // 5. The kills mattered: many lives died after delivering some but not all of their work.
    println!(
        "{lives} SIGKILLs; {mid_delivery} lives died mid-delivery; {} signatures delivered for {} heights; {} heights recorded",
        all.len(),
        block_at.len(),
        recorded.len()
    );
    assert!(mid_delivery >= lives / 10, "only {mid_delivery} of {lives} kills landed mid-delivery");
    assert!(block_at.len() as u64 >= old_max + 6, "the node stopped making progress");
}
