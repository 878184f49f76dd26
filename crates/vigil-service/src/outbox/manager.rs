//! The transaction manager: one look at a leased job, from the chain check to a recorded and
//! broadcast transaction.

use std::{future::Future, sync::OnceLock, time::Duration};

use alloy::{
    consensus::Transaction as ConsensusTx,
    network::{
        Ethereum, EthereumWallet, NetworkWallet, TransactionBuilder, TransactionResponse as _,
    },
    primitives::{Address, B256, Bytes},
    providers::Provider,
    rpc::types::{Transaction, TransactionReceipt, TransactionRequest},
};
use tracing::{info, warn};

use super::{Lease, OutboxError};
use crate::db::now_ms;

/// Log target of the manager.
const TARGET: &str = "vigil::outbox";

/// Room left above the gas estimate, in percent: estimation runs against the latest state, the
/// transaction against the block it lands in. A limit too low costs a reverted transaction and
/// an attempt; a limit too high costs nothing (only gas used is paid).
pub const GAS_MARGIN_PERCENT: u64 = 20;

/// How an outbox replica works: its lease on jobs, how often it looks, how its [`TxManager`]
/// sends, and when a mined transaction counts. The aggregator's certificate submitter uses it
/// as it is; the slasher's evidence submitter adds its deadline alarm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxConfig {
    /// This replica's name in the store's leases: unique among the replicas sharing a database
    /// ([`crate::sections::replica_id`]).
    pub owner: String,
    /// How long a claim lasts. A [`Lease`] stops its holder from recording a transaction in the
    /// last fifth of it (at most 5 s), so that it never writes after losing the lease.
    pub lease: Duration,
    /// How often to poll the chain for receipts and new blocks, and the store when idle.
    pub poll: Duration,
    /// How long a transaction may stay pending (counted from when it was recorded) before it is
    /// replaced with the same nonce and higher fees.
    pub receipt_timeout: Duration,
    /// Transactions per job (first send, replacements, resends), counted in the store, before
    /// the job is given up on.
    pub max_attempts: u32,
    /// How much a replacement raises both EIP-1559 fees, in percent (nodes require at least 10).
    pub fee_bump_percent: u64,
    /// Blocks that must follow the one that mined a job's transaction before it counts
    /// (`head - block >= confirmations`).
    pub confirmations: u64,
}

impl Default for TxConfig {
    fn default() -> Self {
        Self {
            owner: format!("outbox-{}-{}", std::process::id(), now_ms()),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(2),
            receipt_timeout: Duration::from_secs(36),
            max_attempts: 5,
            fee_bump_percent: 20,
            confirmations: 2,
        }
    }
}

/// A job's last recorded transaction, as its store holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tracked {
    /// The transaction recorded by the write-ahead and not yet settled, if any.
    pub tx_hash: Option<B256>,
    /// Transactions recorded for the job so far (durable).
    pub attempts: u32,
    /// When the last one was recorded (unix ms).
    pub submitted_at_ms: u64,
}

/// A transaction to send: where, with what calldata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The contract.
    pub to: Address,
    /// The calldata.
    pub input: Bytes,
}

/// What the chain says about a job, checked before anything is sent ([`Job::check`]).
#[derive(Debug)]
pub enum Check<O> {
    /// Nothing to send: the job settled this look itself (mined, already done, failed,
    /// queued…).
    Done(O),
    /// Nothing to send now; look again later.
    Wait,
    /// The chain does not have it: this call should be (or is being) sent.
    Send(Call),
}

/// How a job reads a simulated call's revert ([`Job::classify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revert {
    /// It will never pass: the job fails with this reason.
    Permanent(String),
    /// Not now (the chain is not ready, or moved on since the check): look again later.
    NotYet(String),
    /// Not a revert the job knows: the simulation's error is returned.
    Unknown,
}

/// One piece of work with its own transactions: what the domain (a certificate, an offence)
/// tells the [`TxManager`]. It holds its claimed row and writes it through its store, under
/// the lease (the store's [guard](super::LeaseTable::guard)).
pub trait Job: Send {
    /// What a look ends with, for the domain.
    type Outcome: Send;
    /// The domain's error; the manager's errors convert into it.
    type Error: From<OutboxError> + Send;

    /// The job's last recorded transaction.
    fn tracked(&self) -> Tracked;

    /// The chain first: whether the work is already done on chain (or settles this look
    /// otherwise), and if not, the call to send. `ours` is the receipt of the tracked
    /// transaction, read before the chain so that a mined one shows in what the job reads.
    fn check(
        &mut self,
        ours: Option<&TransactionReceipt>,
    ) -> impl Future<Output = Result<Check<Self::Outcome>, Self::Error>> + Send;

    /// Sorts the revert of the simulated `call` (`revert`: its data, if the node gave any).
    fn classify(&self, call: &Call, revert: Option<&[u8]>) -> Revert;

    /// The write-ahead: records `tx` as the job's transaction (one more attempt) before it is
    /// broadcast, refused unless the lease is still held.
    fn record_sent(
        &mut self,
        tx: SentTx,
        now_ms: u64,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Gives the job up for good (recorded as failed with `reason`).
    fn fail(
        &mut self,
        reason: String,
    ) -> impl Future<Output = Result<Self::Outcome, Self::Error>> + Send;

    /// The job in log lines (`rollup 1 height 7`, `offence 3`).
    fn label(&self) -> String;
}

/// A transaction as the write-ahead records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentTx {
    /// Its hash (signed locally, so known before it is broadcast).
    pub tx_hash: B256,
    /// Its nonce.
    pub nonce: u64,
}

/// A transaction that was recorded and broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its hash.
    pub tx_hash: B256,
    /// Its nonce.
    pub nonce: u64,
    /// Its gas limit.
    pub gas: u64,
    /// Its EIP-1559 fee cap.
    pub max_fee: u128,
    /// Which attempt it is (1 for the first).
    pub attempt: u32,
    /// The pending transaction it replaces (same nonce, higher fees), if it is a replacement.
    pub replaced: Option<Replaced>,
    /// Why broadcasting failed, if it did: it is recorded all the same, and the next look finds
    /// it pending, mined or unknown (and sends it again).
    pub broadcast_error: Option<String>,
}

/// The transaction a replacement replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replaced {
    /// Its hash.
    pub tx_hash: B256,
    /// Its fee cap.
    pub max_fee: u128,
}

/// What one [`TxManager::step`] did.
#[derive(Debug)]
pub enum Step<O> {
    /// The job settled this look ([`Check::Done`], a permanent revert, or given up).
    Done(O),
    /// Nothing sent: a transaction is pending, the chain is not ready, or the lease is too
    /// close to its end to record one.
    Wait,
    /// A transaction was recorded and broadcast.
    Sent(Sent),
}

/// What became of a tracked transaction.
#[derive(Debug)]
pub enum TxStatus {
    /// Mined (its receipt is known; it may have reverted).
    Mined(Box<TransactionReceipt>),
    /// In a block, receipt not yet served.
    Included,
    /// Pending for less than `receipt_timeout`.
    Young,
    /// Pending longer: to be replaced.
    Stuck(Box<Transaction>),
    /// Unknown to the node: never broadcast, or dropped. To be sent again.
    Unknown,
}

/// Sends the transactions of [`Job`]s, one look at a time, safely from several replicas: see
/// the [module docs](super).
///
/// Its key should be used by this replica alone: replicas sharing a key compete for nonces,
/// which costs replacements and resends (never a second effect: the chain check comes first).
pub struct TxManager<P> {
    provider: P,
    wallet: EthereumWallet,
    sender: Address,
    config: TxConfig,
    expected_chain_id: Option<u64>,
    chain_id: OnceLock<u64>,
}

impl<P> std::fmt::Debug for TxManager<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The wallet holds the key: never printed.
        f.debug_struct("TxManager")
            .field("sender", &self.sender)
            .field("config", &self.config)
            .field("chain_id", &self.chain_id.get())
            .finish_non_exhaustive()
    }
}

impl<P: Provider> TxManager<P> {
    /// A manager sending through `provider`, signing with `wallet`'s default signer. The chain
    /// id is read from the node once, on first use, and must equal `expected_chain_id` if one
    /// is given (the chain the configuration names).
    pub fn new(
        provider: P,
        wallet: EthereumWallet,
        config: TxConfig,
        expected_chain_id: Option<u64>,
    ) -> Self {
        let sender = NetworkWallet::<Ethereum>::default_signer_address(&wallet);
        Self { provider, wallet, sender, config, expected_chain_id, chain_id: OnceLock::new() }
    }

    /// The address transactions are sent from.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// The provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// The configuration.
    pub fn config(&self) -> &TxConfig {
        &self.config
    }

    /// The node's chain id, read once and checked against the expected one
    /// ([`OutboxError::WrongChain`]).
    pub async fn chain_id(&self) -> Result<u64, OutboxError> {
        if let Some(id) = self.chain_id.get() {
            return Ok(*id);
        }
        let found = self.provider.get_chain_id().await.map_err(OutboxError::rpc("eth_chainId"))?;
        if let Some(expected) = self.expected_chain_id
            && expected != found
        {
            return Err(OutboxError::WrongChain { expected, found });
        }
        Ok(*self.chain_id.get_or_init(|| found))
    }

    /// One look at a claimed job: the tracked transaction's receipt, the chain check, then
    /// the tracked transaction (pending: wait, or replace it once `receipt_timeout` passed;
    /// unknown: send again), the simulation (a revert the job calls permanent fails it), and a
    /// new transaction, signed, recorded (the write-ahead, under the lease) and only then
    /// broadcast. Gives the job up after `max_attempts` transactions.
    pub async fn step<J: Job>(
        &self,
        job: &mut J,
        lease: &Lease,
    ) -> Result<Step<J::Outcome>, J::Error> {
        let tracked = job.tracked();
        let receipt = match tracked.tx_hash {
            Some(hash) => self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(OutboxError::rpc("eth_getTransactionReceipt"))?,
            None => None,
        };
        let call = match job.check(receipt.as_ref()).await? {
            Check::Done(outcome) => return Ok(Step::Done(outcome)),
            Check::Wait => return Ok(Step::Wait),
            Check::Send(call) => call,
        };
        if let Some(hash) = tracked.tx_hash {
            let status = match receipt {
                Some(receipt) => TxStatus::Mined(Box::new(receipt)),
                None => self.status(hash, tracked.submitted_at_ms).await?,
            };
            match status {
                // Mined, and the job still wants its call sent: reverted, or the chain moved
                // on (a reorg, the next call of the job). Simulate and send.
                TxStatus::Mined(receipt) => {
                    if !receipt.status() {
                        warn!(target: TARGET, job = %job.label(), tx = %hash, "transaction reverted");
                    }
                }
                TxStatus::Included | TxStatus::Young => return Ok(Step::Wait),
                TxStatus::Stuck(pending) => {
                    if pending.from() == self.sender {
                        return self.replace(job, lease, tracked, &pending).await;
                    }
                    // Another replica's key: only it could replace it. Send our own; the chain
                    // check makes whichever lands second a no-op or a refusal.
                    warn!(target: TARGET, job = %job.label(), tx = %hash, from = %pending.from(), "another key's transaction is pending too long; sending our own");
                }
                TxStatus::Unknown => {
                    warn!(target: TARGET, job = %job.label(), tx = %hash, "transaction unknown to the node (never broadcast, or dropped); sending again");
                }
            }
        }
        let request = TransactionRequest::default()
            .with_from(self.sender)
            .with_to(call.to)
            .with_input(call.input.clone());
        let gas = match self.provider.estimate_gas(request).await {
            Ok(gas) => gas,
            Err(err) => {
                let data = err.as_error_resp().and_then(|e| e.as_revert_data());
                return match job.classify(&call, data.as_ref().map(|d| d.as_ref())) {
                    Revert::Permanent(reason) => Ok(Step::Done(job.fail(reason).await?)),
                    Revert::NotYet(_) => Ok(Step::Wait),
                    Revert::Unknown => {
                        Err(OutboxError::Rpc { what: "eth_estimateGas", reason: err.to_string() }
                            .into())
                    }
                };
            }
        };
        if tracked.attempts >= self.config.max_attempts {
            return self.give_up(job, tracked).await;
        }
        let nonce = self
            .provider
            .get_transaction_count(self.sender)
            .pending()
            .await
            .map_err(OutboxError::rpc("eth_getTransactionCount"))?;
        let fees = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(OutboxError::rpc("eth_feeHistory"))?;
        let gas = with_margin(gas);
        let fees = (fees.max_fee_per_gas, fees.max_priority_fee_per_gas);
        self.sign_record_broadcast(job, lease, tracked, call, nonce, gas, fees, None).await
    }

    /// What became of `hash`, recorded at `submitted_at_ms`.
    pub async fn status(&self, hash: B256, submitted_at_ms: u64) -> Result<TxStatus, OutboxError> {
        if let Some(receipt) = self
            .provider
            .get_transaction_receipt(hash)
            .await
            .map_err(OutboxError::rpc("eth_getTransactionReceipt"))?
        {
            return Ok(TxStatus::Mined(Box::new(receipt)));
        }
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(OutboxError::rpc("eth_getTransactionByHash"))?;
        Ok(match tx {
            Some(tx) if tx.block_number.is_some() => TxStatus::Included,
            Some(tx) => {
                let pending_ms = now_ms().saturating_sub(submitted_at_ms);
                if u128::from(pending_ms) < self.config.receipt_timeout.as_millis() {
                    TxStatus::Young
                } else {
                    TxStatus::Stuck(Box::new(tx))
                }
            }
            None => TxStatus::Unknown,
        })
    }

    /// Replaces our pending transaction with one with the same nonce, calldata and gas and fees
    /// raised by `fee_bump_percent` (at least the current estimate).
    async fn replace<J: Job>(
        &self,
        job: &mut J,
        lease: &Lease,
        tracked: Tracked,
        pending: &Transaction,
    ) -> Result<Step<J::Outcome>, J::Error> {
        if tracked.attempts >= self.config.max_attempts {
            return self.give_up(job, tracked).await;
        }
        let now = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(OutboxError::rpc("eth_feeHistory"))?;
        let old_max = ConsensusTx::max_fee_per_gas(pending);
        let old_tip = ConsensusTx::max_priority_fee_per_gas(pending).unwrap_or(old_max);
        let (max, tip) = bumped_fees(
            (old_max, old_tip),
            (now.max_fee_per_gas, now.max_priority_fee_per_gas),
            self.config.fee_bump_percent,
        );
        let call = Call {
            to: pending.to().unwrap_or_default(),
            input: ConsensusTx::input(pending).clone(),
        };
        let replaced = Replaced { tx_hash: pending.tx_hash(), max_fee: old_max };
        self.sign_record_broadcast(
            job,
            lease,
            tracked,
            call,
            ConsensusTx::nonce(pending),
            ConsensusTx::gas_limit(pending),
            (max, tip),
            Some(replaced),
        )
        .await
    }

    /// Signs, records (the write-ahead: from here on whoever holds the job can look the
    /// transaction up), then broadcasts.
    #[allow(clippy::too_many_arguments)]
    async fn sign_record_broadcast<J: Job>(
        &self,
        job: &mut J,
        lease: &Lease,
        tracked: Tracked,
        call: Call,
        nonce: u64,
        gas: u64,
        (max_fee, tip): (u128, u128),
        replaced: Option<Replaced>,
    ) -> Result<Step<J::Outcome>, J::Error> {
        let chain_id = self.chain_id().await?;
        let request = TransactionRequest::default()
            .with_from(self.sender)
            .with_to(call.to)
            .with_input(call.input)
            .with_chain_id(chain_id)
            .with_nonce(nonce)
            .with_gas_limit(gas)
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(tip);
        let envelope = request
            .build::<EthereumWallet>(&self.wallet)
            .await
            .map_err(|e| OutboxError::Sign(e.to_string()))?;
        let tx_hash = *envelope.tx_hash();
        if !lease.writable() {
            // Too close to the end of the lease to record it safely: send nothing.
            return Ok(Step::Wait);
        }
        job.record_sent(SentTx { tx_hash, nonce }, now_ms()).await?;
        let broadcast_error = match self.provider.send_tx_envelope(envelope).await {
            Ok(_) => None,
            Err(err) => Some(err.to_string()),
        };
        Ok(Step::Sent(Sent {
            tx_hash,
            nonce,
            gas,
            max_fee,
            attempt: tracked.attempts.saturating_add(1),
            replaced,
            broadcast_error,
        }))
    }

    async fn give_up<J: Job>(
        &self,
        job: &mut J,
        tracked: Tracked,
    ) -> Result<Step<J::Outcome>, J::Error> {
        let reason = match tracked.tx_hash {
            Some(tx) => {
                format!("gave up after {} transactions; the last was {tx}", tracked.attempts)
            }
            None => format!("gave up after {} transactions", tracked.attempts),
        };
        info!(target: TARGET, job = %job.label(), %reason, "giving up");
        Ok(Step::Done(job.fail(reason).await?))
    }
}

/// `gas` plus [`GAS_MARGIN_PERCENT`].
pub fn with_margin(gas: u64) -> u64 {
    gas.saturating_add(gas.saturating_mul(GAS_MARGIN_PERCENT) / 100)
}

/// `fee` raised by `percent`, rounded up.
pub fn bump(fee: u128, percent: u64) -> u128 {
    fee.saturating_mul(u128::from(percent).saturating_add(100)).div_ceil(100)
}

/// The fee rule for a replacement: both the old fee cap and tip raised by `percent`, and at
/// least what the node estimates now; the cap never below the tip. `(max_fee, tip)` in and out.
pub fn bumped_fees(old: (u128, u128), now: (u128, u128), percent: u64) -> (u128, u128) {
    let tip = bump(old.1, percent).max(now.1);
    let max = bump(old.0, percent).max(now.0).max(tip);
    (max, tip)
}

/// A doubling backoff from `first` up to `max`: the wait before each retry of something that
/// keeps failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `first`, doubles up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Self { first, max, next: first.min(max) }
    }

    /// The next wait (and doubles the one after).
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        now
    }

    /// Back to the first wait, after a success.
    pub fn reset(&mut self) {
        self.next = self.first.min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_rounds_up_and_saturates() {
        assert_eq!(bump(100, 20), 120);
        assert_eq!(bump(7, 10), 8);
        assert_eq!(bump(101, 10), 112);
        assert_eq!(bump(0, 50), 0);
        assert_eq!(bump(u128::MAX, 20), u128::MAX.div_ceil(100));
    }

    #[test]
    fn replacements_raise_both_fees_and_follow_the_market() {
        assert_eq!(bumped_fees((100, 10), (50, 5), 20), (120, 12));
        assert_eq!(bumped_fees((100, 10), (500, 50), 20), (500, 50));
        // The cap never falls below the tip.
        assert_eq!(bumped_fees((10, 10), (5, 40), 20), (40, 40));
    }

    #[test]
    fn gas_gets_one_margin() {
        assert_eq!(with_margin(100_000), 120_000);
        assert_eq!(with_margin(u64::MAX), u64::MAX);
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let waits: Vec<u128> = (0..4).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }
}
