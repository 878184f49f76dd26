//! A view of Vigil's operator set (the aggregator's and the slasher's), read from the verifier contract (which is also
//! the registrar): which keys are registered and to whom, and who was in the set with what weight
//! at a given L1 block (the certificate's stake reference block).
//!
//! Keys are looked up by their hash (`operatorOfKey`), so a key registered a second ago is known
//! on its first signature; an unknown key is remembered as unknown for a short while so garbage
//! cannot turn into an RPC flood. A set snapshot at a block never changes once that block is
//! final, so snapshots are cached by block; callers refetch ([`OperatorSetView::forget`]) when the
//! chain disagrees (a reorg moved the block). RPC failures surface as typed errors; nothing is
//! cached from a failed read.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::bindings::VigilVerifier;
use alloy::{
    primitives::{Address, B256, U256},
    providers::DynProvider,
};
use vigil_crypto::PublicKey;
use vigil_types::PublicKeyBytes;

/// How long an unknown key stays unknown before the chain is asked again.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// Snapshots kept in memory.
const MAX_SNAPSHOTS: usize = 256;

/// Errors reading the operator set.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// The L1 RPC failed or answered nonsense; retry later.
    #[error("L1 RPC: {what}: {reason}")]
    Rpc {
        /// What was being read.
        what: &'static str,
        /// The RPC's error.
        reason: String,
    },
    /// The chain holds a key that does not decode (cannot happen with the registrar's checks).
    #[error("registered key {0} does not decode")]
    BadKey(B256),
}

fn rpc(what: &'static str) -> impl FnOnce(alloy::contract::Error) -> SetError {
    move |e| SetError::Rpc { what, reason: e.to_string() }
}

/// A registered key.
#[derive(Clone, Debug)]
pub struct RegisteredKey {
    /// The operator owning it.
    pub operator: Address,
    /// `keccak256` of its EIP-2537 encoding (the contracts' key id).
    pub key_hash: B256,
    /// The decoded, subgroup-checked key.
    pub key: PublicKey,
}

/// One member of the set at a block.
#[derive(Clone, Debug)]
pub struct Member {
    /// The operator.
    pub operator: Address,
    /// Its key's hash.
    pub key_hash: B256,
    /// Its key in wire form.
    pub pubkey: PublicKeyBytes,
    /// Its key, decoded.
    pub key: PublicKey,
    /// Its weight at the block.
    pub weight: U256,
}

/// The operator set as of one L1 block.
#[derive(Clone, Debug)]
pub struct SetSnapshot {
    /// The block.
    pub l1_block: u64,
    /// Active members with non-zero weight, sorted by key hash (the order non-signers take).
    pub members: Vec<Member>,
    /// The set's total weight at the block, as the verifier computes it.
    pub total_weight: U256,
    by_key: HashMap<PublicKeyBytes, usize>,
}

impl SetSnapshot {
    /// Builds a snapshot from its members (sorted here).
    pub fn new(l1_block: u64, mut members: Vec<Member>, total_weight: U256) -> Self {
        members.sort_by_key(|m| m.key_hash);
        let by_key = members.iter().enumerate().map(|(i, m)| (m.pubkey, i)).collect();
        Self { l1_block, members, total_weight, by_key }
    }

    /// The member with this key, if it was in the set at the block.
    pub fn member(&self, pubkey: &PublicKeyBytes) -> Option<(usize, &Member)> {
        let i = *self.by_key.get(pubkey)?;
        self.members.get(i).map(|m| (i, m))
    }
}

/// Reads and caches the operator set from the verifier contract.
#[derive(Debug)]
pub struct OperatorSetView {
    verifier: VigilVerifier::VigilVerifierInstance<DynProvider>,
    keys: Mutex<HashMap<PublicKeyBytes, RegisteredKey>>,
    unknown: Mutex<HashMap<PublicKeyBytes, Instant>>,
    snapshots: Mutex<HashMap<u64, Arc<SetSnapshot>>>,
}

impl OperatorSetView {
    /// A view of the set registered with `verifier`.
    pub fn new(provider: DynProvider, verifier: Address) -> Self {
        Self {
            verifier: VigilVerifier::new(verifier, provider),
            keys: Mutex::default(),
            unknown: Mutex::default(),
            snapshots: Mutex::default(),
        }
    }

    /// The registration of `pubkey`: `Ok(None)` if the key is not registered (or decodes to
    /// nothing a registrar would accept).
    pub async fn key(&self, pubkey: &PublicKeyBytes) -> Result<Option<RegisteredKey>, SetError> {
        if let Some(k) = lock(&self.keys).get(pubkey) {
            return Ok(Some(k.clone()));
        }
        if lock(&self.unknown).get(pubkey).is_some_and(|at| at.elapsed() < NEGATIVE_TTL) {
            return Ok(None);
        }
        // Off-curve, outside the subgroup or the identity: never registrable.
        let Ok(key) = PublicKey::from_wire(pubkey) else {
            return Ok(None);
        };
        let key_hash = crate::key_hash(&key);
        let operator =
            self.verifier.operatorOfKey(key_hash).call().await.map_err(rpc("operatorOfKey"))?;
        if operator == Address::ZERO {
            let mut unknown = lock(&self.unknown);
            if unknown.len() > 10_000 {
                unknown.retain(|_, at| at.elapsed() < NEGATIVE_TTL);
            }
            unknown.insert(*pubkey, Instant::now());
            return Ok(None);
        }
        let registered = RegisteredKey { operator, key_hash, key };
        lock(&self.keys).insert(*pubkey, registered.clone());
        Ok(Some(registered))
    }

    /// Whether [`OperatorSetView::key`] would answer `pubkey` without an RPC call (registered,
    /// recently found unknown, or not a key at all).
    pub fn is_known(&self, pubkey: &PublicKeyBytes) -> bool {
        lock(&self.keys).contains_key(pubkey)
            || lock(&self.unknown).get(pubkey).is_some_and(|at| at.elapsed() < NEGATIVE_TTL)
    }

    /// The set at `l1_block` (which must not be ahead of the chain).
    pub async fn at(&self, l1_block: u64) -> Result<Arc<SetSnapshot>, SetError> {
        if let Some(s) = lock(&self.snapshots).get(&l1_block) {
            return Ok(s.clone());
        }
        let block = u32::try_from(l1_block)
            .map_err(|_| SetError::Rpc { what: "l1Block", reason: "beyond uint32".into() })?;
        // One call at the latest state: the registrar keeps the history by block number, so a
        // node that prunes old state (a default full node) answers it for any past block.
        let at = self.verifier.membersAt(block).call().await.map_err(rpc("membersAt"))?;
        let mut members = Vec::with_capacity(at.operators.len());
        for ((operator, key_hash), weight) in
            at.operators.into_iter().zip(at.keyHashes).zip(at.weights)
        {
            if weight.is_zero() {
                continue;
            }
            let key = self.registered_key(key_hash).await?;
            members.push(Member {
                operator,
                key_hash,
                pubkey: key.to_wire(),
                key,
                weight: U256::from(weight),
            });
        }
        let total = at.totalWeight;
        let snapshot = Arc::new(SetSnapshot::new(l1_block, members, U256::from(total)));
        let mut snapshots = lock(&self.snapshots);
        if snapshots.len() >= MAX_SNAPSHOTS
            && let Some(oldest) = snapshots.keys().min().copied()
        {
            snapshots.remove(&oldest);
        }
        snapshots.insert(l1_block, snapshot.clone());
        Ok(snapshot)
    }

    /// Whether the set at `l1_block` is cached (so [`OperatorSetView::at`] costs no RPC call).
    pub fn is_cached(&self, l1_block: u64) -> bool {
        lock(&self.snapshots).contains_key(&l1_block)
    }

    /// Drops the cached snapshot of `l1_block` (say, after the verifier refused a certificate
    /// built on it).
    pub fn forget(&self, l1_block: u64) {
        lock(&self.snapshots).remove(&l1_block);
    }

    /// The threshold (basis points of total weight) for `rollup_id`.
    pub async fn threshold_bps(&self, rollup_id: u64) -> Result<u16, SetError> {
        let own = self
            .verifier
            .rollupThresholdBps(rollup_id)
            .call()
            .await
            .map_err(rpc("rollupThresholdBps"))?;
        if own != 0 {
            return Ok(own);
        }
        self.verifier.defaultThresholdBps().call().await.map_err(rpc("defaultThresholdBps"))
    }

    /// The verifier's maximum certificate age, in L1 blocks.
    pub async fn max_certificate_age(&self) -> Result<u32, SetError> {
        self.verifier.maxCertificateAge().call().await.map_err(rpc("maxCertificateAge"))
    }

    /// The recorded block of `(rollup_id, height)` on-chain: `None` if nothing is recorded.
    pub async fn recorded(&self, rollup_id: u64, height: u64) -> Result<Option<B256>, SetError> {
        let r = self.verifier.record(rollup_id, height).call().await.map_err(rpc("record"))?;
        Ok((r.blockId != B256::ZERO).then_some(r.blockId))
    }

    async fn registered_key(&self, key_hash: B256) -> Result<PublicKey, SetError> {
        if let Some(k) = lock(&self.keys).values().find(|k| k.key_hash == key_hash) {
            return Ok(k.key);
        }
        let bytes = self.verifier.pubkeyOf(key_hash).call().await.map_err(rpc("pubkeyOf"))?;
        let raw: &[u8; vigil_crypto::G2_EIP2537_LEN] =
            bytes.as_ref().try_into().map_err(|_| SetError::BadKey(key_hash))?;
        let key = PublicKey::from_eip2537(raw).map_err(|_| SetError::BadKey(key_hash))?;
        let operator =
            self.verifier.operatorOfKey(key_hash).call().await.map_err(rpc("operatorOfKey"))?;
        lock(&self.keys).insert(key.to_wire(), RegisteredKey { operator, key_hash, key });
        Ok(key)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
