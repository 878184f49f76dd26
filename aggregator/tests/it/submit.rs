#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The certificate submitter against a real anvil with EigenLayer's core and Vigil deployed,
//! four registered operators with equal stake, real BLS certificates, and the aggregator store
//! on SQLite (and PostgreSQL for the replica race).

use std::time::{Duration, Instant};

use alloy::{
    consensus::Transaction as _,
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use tempfile::TempDir;
use vigil_aggregator::{
    store::{CertState, NewCertificate, Store},
    submit::{CertificateSubmitter, Outcome, SubmitterConfig},
};
use vigil_chain::{bindings::VigilVerifier, checkpoint_sol};
use vigil_crypto::{Signature, aggregate_signatures};
use vigil_service::db::now_ms;
use vigil_test_utils::{
    PgServer, TestNetwork,
    anvil::{anvil_mine as mine, drop_transaction, set_automine},
};
use vigil_types::{Certificate, Checkpoint};

use crate::restart::ROLLUP;

// ---------------------------------------------------------------------------------------------
// Set-up

/// The chain and a store.
struct Env {
    net: TestNetwork,
    store: Store,
    _db: Db,
}

enum Db {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] PgServer),
}

impl Env {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("aggregator.db").display());
        Self::with_store(&url, Db::Sqlite(dir)).await
    }

    async fn postgres() -> Self {
        let server = tokio::task::spawn_blocking(PgServer::start)
            .await
            .unwrap()
            .expect("PostgreSQL is required for these tests (apt-get install postgresql)");
        let url = server.url();
        Self::with_store(&url, Db::Postgres(server)).await
    }

    async fn with_store(url: &str, db: Db) -> Self {
        let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
        let store = Store::open(url).await.unwrap();
        Self { net, store, _db: db }
    }

    fn verifier(&self) -> Address {
        self.net.deployment.vigil.verifier
    }

    /// A submitter with its own funded key.
    async fn submitter(&self, owner: &str, config: SubmitterConfig) -> Submitter {
        let (signer, provider) = self.net.funded_account().await.unwrap();
        let config = SubmitterConfig { owner: owner.to_owned(), ..config };
        CertificateSubmitter::new(
            self.store.clone(),
            provider,
            EthereumWallet::from(signer),
            self.verifier(),
            config,
        )
    }

    /// A checkpoint at `height` referencing a recent L1 block.
    async fn checkpoint(&self, height: u64) -> Checkpoint {
        crate::restart::checkpoint(&self.net, height).await
    }

    /// Stores the certificate of `cp` signed by the operators in `signers`.
    async fn insert(&self, cp: Checkpoint, signers: &[usize]) {
        let domain = self.net.deployment.domain();
        let digest = cp.digest(&domain);
        let ops = &self.net.operators;
        let sigs: Vec<Signature> =
            signers.iter().map(|&i| ops[i].bls.sign(digest.as_slice())).collect();
        let aggregate = aggregate_signatures(&sigs).unwrap();
        let non_signers = (0..ops.len())
            .filter(|i| !signers.contains(i))
            .map(|i| ops[i].bls.public_key().to_wire())
            .collect();
        let stake = |idx: &mut dyn Iterator<Item = usize>| {
            idx.map(|i| ops[i].stake).fold(U256::ZERO, |a, b| a + b)
        };
        let certificate = Certificate {
            domain,
            checkpoint: cp,
            non_signers,
            aggregate_signature: aggregate.to_wire(false),
        };
        let new = NewCertificate {
            certificate,
            signed_weight: stake(&mut signers.iter().copied()),
            total_weight: stake(&mut (0..ops.len())),
            signers: u32::try_from(signers.len()).unwrap(),
            created_at_ms: now_ms(),
        };
        assert!(self.store.insert_certificate(&new).await.unwrap());
    }

    async fn is_certified(&self, cp: &Checkpoint) -> bool {
        VigilVerifier::new(self.verifier(), &self.net.owner)
            .isCertified(checkpoint_sol(cp))
            .call()
            .await
            .unwrap()
    }

    /// How many `CheckpointCertified` events the verifier emitted.
    async fn certified_events(&self) -> usize {
        let filter = Filter::new()
            .address(self.verifier())
            .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH)
            .from_block(0u64);
        self.net.owner.get_logs(&filter).await.unwrap().len()
    }

    /// Transactions `who` has had mined (its nonce).
    async fn mined_txs(&self, who: Address) -> u64 {
        self.net.owner.get_transaction_count(who).await.unwrap()
    }

    async fn automine(&self, on: bool) {
        set_automine(&self.net.owner, on).await.unwrap();
    }

    async fn state(&self, height: u64) -> vigil_aggregator::store::CertificateRecord {
        self.store.certificate(ROLLUP, height).await.unwrap().unwrap()
    }
}

type Submitter = CertificateSubmitter<DynProvider>;

fn config() -> SubmitterConfig {
    SubmitterConfig {
        owner: String::new(),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        receipt_timeout: Duration::from_secs(60),
        max_attempts: 5,
        fee_bump_percent: 20,
        confirmations: 0,
    }
}

/// Mines `blocks` blocks after `delay`, in the background.
fn mine_later(provider: &DynProvider, delay: Duration, blocks: u64) -> tokio::task::JoinHandle<()> {
    let provider = provider.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        mine(&provider, blocks).await.unwrap();
    })
}

/// Runs `submitter.step()` until it has recorded a transaction and the node has it, then drops
/// the step: a crash after sending. Returns the transaction's hash.
async fn crash_after_sending(env: &Env, submitter: &Submitter, height: u64) -> B256 {
    let sent = async {
        loop {
            if let Some(hash) = env.state(height).await.tx_hash
                && env.net.owner.get_transaction_by_hash(hash).await.unwrap().is_some()
            {
                return hash;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        outcome = submitter.step() => panic!("the step ended before the crash: {outcome:?}"),
        hash = sent => hash,
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

/// A 3-of-4 certificate is sent, mined and recorded; with `confirmations = 2` it is marked
/// mined only two blocks later, by whoever holds it then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_of_four_is_mined_after_confirmations() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(1).await;
    env.insert(cp, &[0, 1, 2]).await;
    let config =
        SubmitterConfig { lease: Duration::from_millis(1500), confirmations: 2, ..config() };
    let submitter = env.submitter("replica-a", config).await;

    // anvil mines the transaction at once; no further block comes, so the lease runs out first.
    let outcome = submitter.step().await.unwrap();
    assert_eq!(outcome, Some(Outcome::Pending { rollup_id: ROLLUP, height: 1 }));
    let record = env.state(1).await;
    assert_eq!(record.state, CertState::Submitted);
    assert_eq!(record.attempts, 1);
    assert!(env.is_certified(&cp).await);

    // Two more blocks; once the lease expired the certificate is claimed again and settled.
    mine(&env.net.owner, 2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let Some(Outcome::Mined { tx_hash, block_number, gas_used, .. }) =
        submitter.step().await.unwrap()
    else {
        panic!("expected mined")
    };
    println!("submitCertificate (3 of 4) through the submitter: {gas_used} gas");
    assert!(gas_used > 100_000, "{gas_used}");
    let record = env.state(1).await;
    assert_eq!(record.state, CertState::Mined);
    assert_eq!(record.tx_hash, Some(tx_hash));
    assert_eq!(record.block_number, Some(block_number));
    assert_eq!(record.gas_used, Some(gas_used));
    assert_eq!(env.certified_events().await, 1);
    assert_eq!(env.mined_txs(submitter.sender()).await, 1);
    // Nothing left to do.
    assert_eq!(submitter.step().await.unwrap(), None);
}

/// Two replicas race on the same store and chain: each certificate is sent exactly once.
async fn replicas_send_each_certificate_once(env: Env) {
    for height in 1..=3 {
        let cp = env.checkpoint(height).await;
        env.insert(cp, &[0, 1, 2]).await;
    }
    let a = env.submitter("replica-a", config()).await;
    let b = env.submitter("replica-b", config()).await;
    let mut outcomes = vec![];
    loop {
        let (x, y) = tokio::join!(a.step(), b.step());
        let (x, y) = (x.unwrap(), y.unwrap());
        if x.is_none() && y.is_none() {
            break;
        }
        outcomes.extend(x.into_iter().chain(y));
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::Mined { .. })), "{outcomes:?}");
    assert_eq!(env.certified_events().await, 3);
    let sent = env.mined_txs(a.sender()).await + env.mined_txs(b.sender()).await;
    assert_eq!(sent, 3, "one transaction per certificate");
    for height in 1..=3 {
        assert_eq!(env.state(height).await.state, CertState::Mined);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_send_each_certificate_once_sqlite() {
    replicas_send_each_certificate_once(Env::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_send_each_certificate_once_postgres() {
    replicas_send_each_certificate_once(Env::postgres().await).await;
}

/// Replica A sends and dies before the transaction is mined; replica B, once A's lease expired,
/// finds the transaction and follows it instead of sending another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeover_after_crash_does_not_send_again() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(7).await;
    env.insert(cp, &[0, 1, 3]).await;
    let lease = Duration::from_secs(3);
    let a = env.submitter("replica-a", SubmitterConfig { lease, ..config() }).await;
    let b = env.submitter("replica-b", SubmitterConfig { lease, ..config() }).await;

    env.automine(false).await;
    // A is dropped mid-step, after sending: a crash.
    let sent = crash_after_sending(&env, &a, 7).await;
    assert_eq!(env.state(7).await.state, CertState::Submitted);

    // While A's lease lives, B gets nothing.
    assert_eq!(b.step().await.unwrap(), None);
    tokio::time::sleep(lease).await;
    let miner = mine_later(&env.net.owner, Duration::from_millis(300), 1);
    let outcome = b.step().await.unwrap();
    miner.await.unwrap();
    let Some(Outcome::Mined { tx_hash, .. }) = outcome else { panic!("{outcome:?}") };
    assert_eq!(tx_hash, sent, "B followed A's transaction");
    assert_eq!(env.state(7).await.state, CertState::Mined);
    assert_eq!(env.mined_txs(a.sender()).await, 1);
    assert_eq!(env.mined_txs(b.sender()).await, 0);
    assert_eq!(env.certified_events().await, 1);
    assert!(env.is_certified(&cp).await);
}

/// A 2-of-4 certificate is refused for good by simulation: failed with the verifier's error,
/// nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn below_threshold_fails_without_sending() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(2).await;
    env.insert(cp, &[0, 1]).await;
    let submitter = env.submitter("replica-a", config()).await;
    let outcome = submitter.step().await.unwrap();
    let Some(Outcome::Failed { reason, .. }) = outcome else { panic!("{outcome:?}") };
    assert!(reason.contains("InsufficientStake"), "{reason}");
    let record = env.state(2).await;
    assert_eq!(record.state, CertState::Failed);
    assert!(record.last_error.unwrap().contains("InsufficientStake"));
    assert_eq!(record.attempts, 0);
    assert_eq!(env.mined_txs(submitter.sender()).await, 0);
    assert_eq!(env.certified_events().await, 0);
    assert!(!env.is_certified(&cp).await);
    assert_eq!(submitter.step().await.unwrap(), None);
}

/// A transaction pending past `receipt_timeout` is replaced with the same nonce and higher
/// fees; the replacement is what gets mined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_transaction_is_replaced_with_higher_fees() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(3).await;
    env.insert(cp, &[1, 2, 3]).await;
    let config = SubmitterConfig {
        lease: Duration::from_secs(3),
        receipt_timeout: Duration::from_secs(4),
        ..config()
    };
    let submitter = env.submitter("replica-a", config).await;
    env.automine(false).await;

    // First step: sent, still pending when the lease nears its end.
    let started = Instant::now();
    assert_eq!(
        submitter.step().await.unwrap(),
        Some(Outcome::Pending { rollup_id: ROLLUP, height: 3 })
    );
    let first = env.state(3).await;
    let first_hash = first.tx_hash.unwrap();
    let first_tx = env.net.owner.get_transaction_by_hash(first_hash).await.unwrap().unwrap();
    assert!(first_tx.block_number.is_none(), "pending");

    // Past the receipt timeout (counted from when the submission was recorded) and the lease:
    // the next step replaces it.
    let due = first.updated_at_ms + 4_300;
    tokio::time::sleep(Duration::from_millis(due.saturating_sub(now_ms()))).await;
    assert!(started.elapsed() > Duration::from_secs(3), "the lease has expired");
    let miner = mine_later(&env.net.owner, Duration::from_millis(500), 1);
    let outcome = submitter.step().await.unwrap();
    miner.await.unwrap();
    let Some(Outcome::Mined { tx_hash, .. }) = outcome else { panic!("{outcome:?}") };
    assert_ne!(tx_hash, first_hash);
    let record = env.state(3).await;
    assert_eq!(record.state, CertState::Mined);
    assert_eq!(record.tx_hash, Some(tx_hash));
    assert_eq!(record.attempts, 2);
    assert_eq!(record.nonce, first.nonce);

    let replacement = env.net.owner.get_transaction_by_hash(tx_hash).await.unwrap().unwrap();
    assert_eq!(replacement.nonce(), first_tx.nonce());
    assert!(
        replacement.max_fee_per_gas() >= first_tx.max_fee_per_gas() * 120 / 100,
        "{} vs {}",
        replacement.max_fee_per_gas(),
        first_tx.max_fee_per_gas()
    );
    assert!(
        replacement.max_priority_fee_per_gas().unwrap()
            > first_tx.max_priority_fee_per_gas().unwrap()
    );
    // The original is gone: replaced in the pool, never mined.
    assert!(env.net.owner.get_transaction_receipt(first_hash).await.unwrap().is_none());
    assert_eq!(env.mined_txs(submitter.sender()).await, 1);
    assert_eq!(env.certified_events().await, 1);
    assert!(env.is_certified(&cp).await);
}

/// A certificate someone else already landed is marked mined without sending anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_recorded_is_not_sent() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(4).await;
    env.insert(cp, &[0, 1, 2]).await;
    // Another replica with its own database lands the same certificate first.
    let other_dir = tempfile::tempdir().unwrap();
    let other_store =
        Store::open(&format!("sqlite://{}", other_dir.path().join("other.db").display()))
            .await
            .unwrap();
    let record = env.state(4).await;
    let new = NewCertificate {
        certificate: record.certificate.clone(),
        signed_weight: record.signed_weight,
        total_weight: record.total_weight,
        signers: record.signers,
        created_at_ms: record.created_at_ms,
    };
    assert!(other_store.insert_certificate(&new).await.unwrap());
    let (signer, provider) = env.net.funded_account().await.unwrap();
    let other = CertificateSubmitter::new(
        other_store,
        provider,
        EthereumWallet::from(signer),
        env.verifier(),
        SubmitterConfig { owner: "elsewhere".into(), ..config() },
    );
    let Some(Outcome::Mined { tx_hash: theirs, block_number, .. }) = other.step().await.unwrap()
    else {
        panic!("the other replica lands it")
    };

    let submitter = env.submitter("replica-a", config()).await;
    let outcome = submitter.step().await.unwrap();
    assert_eq!(
        outcome,
        Some(Outcome::AlreadyRecorded {
            rollup_id: ROLLUP,
            height: 4,
            tx_hash: Some(theirs),
            block_number
        })
    );
    let record = env.state(4).await;
    assert_eq!(record.state, CertState::Mined);
    assert_eq!(
        (record.tx_hash, record.block_number, record.gas_used),
        (Some(theirs), Some(block_number), Some(0))
    );
    assert_eq!(env.mined_txs(submitter.sender()).await, 0);
    assert_eq!(env.certified_events().await, 1);
}

/// A transaction the node lost (dropped from its pool, or never broadcast because the submitter
/// died right after recording it) is sent again by the next holder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_transaction_is_sent_again() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(5).await;
    env.insert(cp, &[0, 2, 3]).await;
    let lease = Duration::from_millis(1500);
    let submitter = env.submitter("replica-a", SubmitterConfig { lease, ..config() }).await;
    env.automine(false).await;
    let lost = crash_after_sending(&env, &submitter, 5).await;
    drop_transaction(&env.net.owner, lost).await.unwrap();

    tokio::time::sleep(lease).await;
    let miner = mine_later(&env.net.owner, Duration::from_millis(500), 1);
    let outcome = submitter.step().await.unwrap();
    miner.await.unwrap();
    let Some(Outcome::Mined { tx_hash, .. }) = outcome else { panic!("{outcome:?}") };
    // Sent again: same nonce, fees and calldata, so possibly the very same transaction (under
    // load a pass may find it unknown once more and send it a third time: still one mined).
    let record = env.state(5).await;
    assert!(record.attempts >= 2, "sent again: {} attempts", record.attempts);
    assert_eq!(record.tx_hash, Some(tx_hash));
    assert_eq!(env.mined_txs(submitter.sender()).await, 1);
    assert_eq!(env.certified_events().await, 1);
}

/// `run_with` works through the queue, reports every outcome and stops on shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_settles_everything_and_stops() {
    let env = Env::sqlite().await;
    let cp = env.checkpoint(10).await;
    env.insert(cp, &[0, 1, 2]).await;
    env.insert(Checkpoint { height: 11, ..cp }, &[0, 1]).await;
    let submitter = env.submitter("replica-a", config()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(submitter.run_with(stopped, move |o| tx.send(o.clone()).unwrap()));
    let mut seen = vec![];
    while seen.len() < 2 {
        seen.push(
            tokio::time::timeout(Duration::from_secs(30), outcomes.recv()).await.unwrap().unwrap(),
        );
    }
    assert!(seen.iter().any(|o| matches!(o, Outcome::Mined { height: 10, .. })), "{seen:?}");
    assert!(seen.iter().any(|o| matches!(o, Outcome::Failed { height: 11, .. })), "{seen:?}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    let counts = env.store.count_by_state().await.unwrap();
    assert!(counts.contains(&(CertState::Mined, 1)) && counts.contains(&(CertState::Failed, 1)));
}
