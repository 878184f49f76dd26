#![allow(clippy::indexing_slicing)]
//! The kernel's transaction outbox, proved once for both of its jobs (the aggregator's
//! certificates, the slasher's evidence) on both backends (SQLite, PostgreSQL), against a real
//! anvil with EigenLayer's core and Vigil deployed and four registered operators: a stuck
//! transaction is replaced with the same nonce and higher fees, a dropped one is sent again, a
//! transaction recorded by the write-ahead but never broadcast (a crash in between) is sent by
//! the next holder and lands once, and two replicas on one database never both send.

use std::time::Duration;

use alloy::{
    consensus::Transaction as _,
    network::EthereumWallet,
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use vigil_aggregator::{
    store::{CertState, NewCertificate, StateUpdate, Store},
    submit::CertificateSubmitter,
};
use vigil_chain::bindings::{VigilSlasher, VigilVerifier};
use vigil_crypto::{Signature, aggregate_signatures};
use vigil_service::{db::now_ms, outbox::TxConfig};
use vigil_slasher::{
    EvidenceStore, OffenceState,
    submit::{EvidenceSubmitter, SubmitterConfig as EvidenceConfig},
};
use vigil_test_utils::anvil_mine as mine;
use vigil_test_utils::{TestDb, TestNetwork};
use vigil_types::{Certificate, Checkpoint, Evidence, SignedCheckpoint};

const ROLLUP: u64 = 77;
const HEIGHT: u64 = 1;

/// Which job.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Certificate,
    Evidence,
}

/// Which database.
#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A chain, a database, and one piece of work of one kind in it.
struct World {
    net: TestNetwork,
    _db: TestDb,
    stores: Stores,
}

enum Stores {
    Certificates(Store),
    Offences(EvidenceStore),
}

/// A replica's submitter.
enum Replica {
    Certificates(CertificateSubmitter<DynProvider>),
    Evidence(EvidenceSubmitter<DynProvider>),
}

impl Replica {
    /// One unit of work: a certificate step, an evidence pass. Errors (a lost race) are the
    /// outbox's to retry; they are not the test's concern.
    async fn look(&self) {
        match self {
            Self::Certificates(s) => drop(s.step().await),
            Self::Evidence(s) => drop(s.pass().await),
        }
    }

    fn sender(&self) -> Address {
        match self {
            Self::Certificates(s) => s.sender(),
            Self::Evidence(s) => s.sender(),
        }
    }
}

impl World {
    async fn new(kind: Kind, backend: Backend) -> Self {
        let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite("outbox.db"),
            Backend::Postgres => TestDb::postgres().await,
        };
        let stores = match kind {
            Kind::Certificate => Stores::Certificates(Store::open(db.url()).await.unwrap()),
            Kind::Evidence => Stores::Offences(EvidenceStore::open(db.url()).await.unwrap()),
        };
        let world = Self { net, _db: db, stores };
        world.add_work().await;
        world
    }

    /// Stores the work: a 3-of-4 certificate, or operator 0's double sign.
    async fn add_work(&self) {
        let domain = self.net.deployment.domain();
        let ops = &self.net.operators;
        let checkpoint = |tag: &str, l1_block| Checkpoint {
            rollup_id: ROLLUP,
            height: HEIGHT,
            block_hash: keccak256(format!("block-{tag}")),
            state_root: keccak256(format!("state-{tag}")),
            da_commitment: B256::repeat_byte(0xda),
            l1_block,
        };
        let l1_block = self.net.l1_block().await.unwrap();
        match &self.stores {
            Stores::Certificates(store) => {
                let cp = checkpoint("a", l1_block);
                let digest = cp.digest(&domain);
                let sigs: Vec<Signature> =
                    ops[..3].iter().map(|op| op.bls.sign(digest.as_slice())).collect();
                let certificate = Certificate {
                    domain,
                    checkpoint: cp,
                    non_signers: vec![ops[3].bls.public_key().to_wire()],
                    aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
                };
                let weight = |n: usize| ops[..n].iter().fold(U256::ZERO, |a, op| a + op.stake);
                let new = NewCertificate {
                    certificate,
                    signed_weight: weight(3),
                    total_weight: weight(4),
                    signers: 3,
                    created_at_ms: now_ms(),
                };
                assert!(store.insert_certificate(&new).await.unwrap());
            }
            Stores::Offences(store) => {
                let signed = |tag: &str| {
                    let cp = checkpoint(tag, l1_block);
                    SignedCheckpoint {
                        domain,
                        checkpoint: cp,
                        pubkey: ops[0].bls.public_key().to_wire(),
                        signature: ops[0].bls.sign(cp.digest(&domain).as_slice()).to_wire(false),
                    }
                };
                let evidence = Evidence::DoubleSign { first: signed("a"), second: signed("b") };
                assert!(store.record(&evidence, now_ms()).await.unwrap().new);
            }
        }
    }

    /// A replica named `owner` with its own funded key.
    async fn replica(&self, owner: &str, lease: Duration, receipt_timeout: Duration) -> Replica {
        let (signer, provider) = self.net.funded_account().await.unwrap();
        let wallet = EthereumWallet::from(signer);
        let d = &self.net.deployment;
        let tx = TxConfig {
            owner: owner.into(),
            lease,
            poll: Duration::from_millis(50),
            receipt_timeout,
            max_attempts: 5,
            fee_bump_percent: 20,
            confirmations: 0,
        };
        match &self.stores {
            Stores::Certificates(store) => Replica::Certificates(CertificateSubmitter::new(
                store.clone(),
                provider,
                wallet,
                d.vigil.verifier,
                tx,
            )),
            Stores::Offences(store) => {
                let config = EvidenceConfig { tx, alarm_blocks: 0 };
                Replica::Evidence(EvidenceSubmitter::new(
                    store.clone(),
                    provider,
                    wallet,
                    d.domain(),
                    d.vigil.slasher,
                    d.eigenlayer.allocation_manager,
                    d.vigil.service_manager,
                    config,
                ))
            }
        }
    }

    /// The work's recorded transaction (the last one the write-ahead recorded), its attempts,
    /// and whether it is settled.
    async fn tracked(&self) -> (Option<B256>, u32, bool) {
        match &self.stores {
            Stores::Certificates(store) => {
                let r = store.certificate(ROLLUP, HEIGHT).await.unwrap().unwrap();
                (r.tx_hash, r.attempts, r.state == CertState::Mined)
            }
            Stores::Offences(store) => {
                let r = store.list(1, None).await.unwrap().remove(0);
                let tx = match r.state {
                    OffenceState::Submitted { tx_hash } | OffenceState::Slashed { tx_hash, .. } => {
                        Some(tx_hash)
                    }
                    _ => None,
                };
                (tx, r.attempts, !r.state.kind().is_open())
            }
        }
    }

    /// How many times the work landed on chain: `CheckpointCertified` or `OffenceRecorded`
    /// events.
    async fn landed(&self) -> usize {
        let d = &self.net.deployment;
        let filter = match &self.stores {
            Stores::Certificates(_) => Filter::new()
                .address(d.vigil.verifier)
                .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH),
            Stores::Offences(_) => Filter::new()
                .address(d.vigil.slasher)
                .event_signature(VigilSlasher::OffenceRecorded::SIGNATURE_HASH),
        };
        self.net.owner.get_logs(&filter.from_block(0u64)).await.unwrap().len()
    }

    /// What a replica that died between the write-ahead and the broadcast leaves behind: a
    /// transaction recorded (one attempt) that no node ever saw; its lease then runs out.
    async fn crashed_write_ahead(&self, lost: B256) {
        let lease = Duration::from_millis(300);
        match &self.stores {
            Stores::Certificates(store) => {
                store.claim_next("dead", lease, now_ms()).await.unwrap().unwrap();
                let update = StateUpdate::Submitted { tx_hash: lost, nonce: 0 };
                store.update_state(ROLLUP, HEIGHT, "dead", update, now_ms()).await.unwrap();
            }
            Stores::Offences(store) => {
                let r = store.claim_next("dead", lease, now_ms()).await.unwrap().unwrap();
                store.record_sent(r.id, "dead", lost, 0, now_ms()).await.unwrap();
            }
        }
        tokio::time::sleep(lease).await;
    }

    async fn automine(&self, on: bool) {
        vigil_test_utils::anvil::set_automine(&self.net.owner, on).await.unwrap();
    }

    /// Looks with `replica` (mining a block before each) until the work is settled; a look
    /// finds nothing to claim while an earlier one's lease lives.
    async fn settle(&self, replica: &Replica) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if self.tracked().await.2 {
                return;
            }
            mine(&self.net.owner, 1).await.unwrap();
            replica.look().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("not settled: {:?}", self.tracked().await);
    }

    async fn pending_tx(&self, hash: B256) -> alloy::rpc::types::Transaction {
        self.net.owner.get_transaction_by_hash(hash).await.unwrap().expect("the node has it")
    }
}

/// A transaction pending past `receipt_timeout` is replaced: same nonce, higher fees, one
/// more attempt; the work lands once.
async fn stuck_transaction_is_replaced(kind: Kind, backend: Backend) {
    let world = World::new(kind, backend).await;
    let lease = Duration::from_secs(2);
    // The certificate step keeps looking until its lease nearly ends (at 1.6 s): the first
    // transaction must outlive it, with room to spare on a loaded machine.
    let receipt_timeout = Duration::from_secs(3);
    let replica = world.replica("a", lease, receipt_timeout).await;
    world.automine(false).await;
    replica.look().await;
    let (first, attempts, _) = world.tracked().await;
    let first = first.expect("recorded");
    assert_eq!(attempts, 1);
    let old = world.pending_tx(first).await;
    // Past the receipt timeout and the lease.
    tokio::time::sleep(receipt_timeout).await;
    replica.look().await;
    let (second, attempts, _) = world.tracked().await;
    let second = second.unwrap();
    assert_eq!(attempts, 2);
    assert_ne!(second, first, "a replacement");
    let new = world.pending_tx(second).await;
    assert_eq!(new.nonce(), old.nonce(), "same nonce");
    assert!(new.max_fee_per_gas() >= old.max_fee_per_gas() * 12 / 10, "fees raised by 20%");
    world.automine(true).await;
    world.settle(&replica).await;
    assert_eq!(world.landed().await, 1);
}

/// A transaction the node dropped is sent again (counted) and lands once.
async fn dropped_transaction_is_sent_again(kind: Kind, backend: Backend) {
    let world = World::new(kind, backend).await;
    let lease = Duration::from_millis(1500);
    let replica = world.replica("a", lease, Duration::from_secs(60)).await;
    world.automine(false).await;
    replica.look().await;
    let (lost, attempts, _) = world.tracked().await;
    let lost = lost.unwrap();
    assert_eq!(attempts, 1);
    vigil_test_utils::anvil::drop_transaction(&world.net.owner, lost).await.unwrap();
    tokio::time::sleep(lease).await;
    replica.look().await;
    let (again, attempts, _) = world.tracked().await;
    assert_eq!(attempts, 2, "sent again");
    world.pending_tx(again.unwrap()).await;
    world.automine(true).await;
    world.settle(&replica).await;
    assert_eq!(world.landed().await, 1);
}

/// A replica died after recording a transaction and before broadcasting it: the next holder
/// finds the node does not know it, sends the work itself, and it lands once.
async fn crash_between_write_ahead_and_broadcast(kind: Kind, backend: Backend) {
    let world = World::new(kind, backend).await;
    let lost = B256::repeat_byte(0xee);
    world.crashed_write_ahead(lost).await;
    let replica = world.replica("b", Duration::from_secs(5), Duration::from_secs(60)).await;
    world.settle(&replica).await;
    let (_, attempts, settled) = world.tracked().await;
    assert!(settled);
    assert_eq!(attempts, 2, "the lost one and ours");
    assert_eq!(world.landed().await, 1);
    let sent = world.net.owner.get_transaction_count(replica.sender()).await.unwrap();
    assert_eq!(sent, 1, "one transaction");
}

/// Two replicas with their own keys race on one database: the work lands once and only one
/// of them ever sent a transaction.
async fn replicas_never_send_twice(kind: Kind, backend: Backend) {
    let world = World::new(kind, backend).await;
    let lease = Duration::from_secs(5);
    let a = world.replica("a", lease, Duration::from_secs(60)).await;
    let b = world.replica("b", lease, Duration::from_secs(60)).await;
    for _ in 0..5 {
        tokio::join!(a.look(), b.look());
        mine(&world.net.owner, 1).await.unwrap();
    }
    world.settle(&a).await;
    assert_eq!(world.landed().await, 1);
    let owner = &world.net.owner;
    let sent = owner.get_transaction_count(a.sender()).await.unwrap()
        + owner.get_transaction_count(b.sender()).await.unwrap();
    assert_eq!(sent, 1, "one transaction from the two replicas");
}

macro_rules! cases {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn certificate_sqlite() {
                    super::$scenario(Kind::Certificate, Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn certificate_postgres() {
                    super::$scenario(Kind::Certificate, Backend::Postgres).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn evidence_sqlite() {
                    super::$scenario(Kind::Evidence, Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn evidence_postgres() {
                    super::$scenario(Kind::Evidence, Backend::Postgres).await;
                }
            }
        )*
    };
}

cases!(
    stuck_transaction_is_replaced,
    dropped_transaction_is_sent_again,
    crash_between_write_ahead_and_broadcast,
    replicas_never_send_twice,
);
