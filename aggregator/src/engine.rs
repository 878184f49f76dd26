//! Stake-weighted aggregation: signatures grouped by `(rollup, height)` and then by digest,
//! weighed by each signer's stake at the checkpoint's `l1Block`; once a digest reaches its
//! rollup's threshold the round keeps collecting for a short window (fewer non-signers, less
//! gas), then the signatures are verified aggregate-first (one pairing; bisection only when it
//! fails), bad ones are dropped and marked invalid, and a certificate is built and stored.
//!
//! Signatures this process's intake verified (all of them, since issue 15) need no check here:
//! a group of only those is built into a certificate without a pairing. The checks below are for
//! signatures read back from the database (after a restart, or stored by another replica).
//!
//! An operator whose signature failed once is a *suspect*: its later signatures are verified
//! individually before they join a group, so one bad signer costs one pairing per signature of
//! its own instead of a bisection in every later round.
//!
//! The engine is a hot in-memory index over the durable store: after a restart
//! [`Engine::restore`] rebuilds every open round from the stored signatures.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy_primitives::{B256, U256};
use vigil_crypto::{PublicKey, Signature};
use vigil_types::{Certificate, Checkpoint, PublicKeyBytes, SignedCheckpoint, SigningDomain};

use crate::{
    metrics,
    operator_set::{Member, SetSnapshot},
    store::{CertState, NewCertificate, Store, StoreError},
};

/// How often a checkpoint whose block a batch certificate in submission holds is looked at
/// again ([`Engine::finalize_due`] with batches on).
const COVER_RECHECK: Duration = Duration::from_secs(1);

/// Aggregation settings.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// How long to keep collecting after a digest first reaches its threshold.
    pub window: Duration,
    /// Signatures compressed (48 bytes) or not in built certificates is irrelevant on-chain (the
    /// contract takes EIP-2537); this only picks the wire form stored and served.
    pub compressed_certificates: bool,
    /// With batched certificates on, how much longer a checkpoint at quorum waits before its
    /// single certificate is built: if a mined batch certificate holds the same block by then,
    /// none is built; if one is still in submission, it waits for it (a batch that fails
    /// releases it) ([`Store::batch_covers`]). Zero (the default): batches off, every
    /// checkpoint at quorum gets its certificate after `window`.
    pub single_hold: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_millis(500),
            compressed_certificates: false,
            single_hold: Duration::ZERO,
        }
    }
}

/// What [`Engine::add`] did with a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// It joined its digest's group.
    Joined,
    /// Its round already has a certificate: it joins nothing.
    Stale,
    /// Its signer was not in the set at `l1Block` (or had no weight): it joins nothing.
    NotInSet,
    /// The signer already signed a conflicting block at this height: kept for the feed only.
    Equivocation,
    /// The signer is a suspect and this signature does not verify.
    Invalid,
}

struct Entry {
    seq: u64,
    sig: Signature,
    wire: vigil_types::SignatureBytes,
    /// Verified on its own by this process's intake: a group of only such entries needs no
    /// check before its certificate is built.
    verified: bool,
}

struct Group {
    checkpoint: Checkpoint,
    digest: B256,
    threshold_bps: u16,
    snapshot: Arc<SetSnapshot>,
    /// Member index → signature.
    sigs: BTreeMap<usize, Entry>,
    weight: U256,
    first_at: Instant,
    quorum_at: Option<Instant>,
}

impl Group {
    fn meets_threshold(&self) -> bool {
        meets(self.weight, self.snapshot.total_weight, self.threshold_bps)
    }
}

/// Whether `signed` of `total` weight reaches `threshold_bps`, as the verifier decides it.
pub(crate) fn meets(signed: U256, total: U256, threshold_bps: u16) -> bool {
    !total.is_zero()
        && signed.saturating_mul(U256::from(10_000u64))
            >= U256::from(threshold_bps).saturating_mul(total)
}

#[derive(Default)]
struct Round {
    groups: HashMap<B256, Group>,
    /// Each signer's block `(blockHash, stateRoot)` in this round.
    blocks: HashMap<PublicKeyBytes, (B256, B256)>,
}

#[derive(Default)]
struct State {
    rounds: HashMap<(u64, u64), Round>,
    /// Rounds that have a certificate (in any state).
    /// Each one's checkpoint `l1Block`, for [`Engine::prune`].
    done: HashMap<(u64, u64), u64>,
    suspects: HashSet<PublicKeyBytes>,
}

/// The aggregation engine. Cheap to share behind an `Arc`.
pub struct Engine {
    domain: SigningDomain,
    store: Store,
    config: EngineConfig,
    state: Mutex<State>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("domain", &self.domain).finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine for `domain` writing certificates to `store`.
    pub fn new(domain: SigningDomain, store: Store, config: EngineConfig) -> Self {
        Self { domain, store, config, state: Mutex::default() }
    }

    /// Marks `(rollup, height)` as certified (a certificate exists): later signatures are stale.
    /// `l1_block` is its checkpoint's (what [`Engine::prune`] goes by).
    pub fn mark_done(&self, rollup: u64, height: u64, l1_block: u64) {
        let mut st = self.lock();
        st.rounds.remove(&(rollup, height));
        st.done.insert((rollup, height), l1_block);
    }

    /// Whether `(rollup, height)` already has a certificate.
    pub fn is_done(&self, rollup: u64, height: u64) -> bool {
        self.lock().done.contains_key(&(rollup, height))
    }

    /// Adds one stored signature (`seq` is its feed sequence number) from `member` of
    /// `snapshot` (the set at the checkpoint's `l1Block`); `threshold_bps` is its rollup's.
    /// `verified`: this process's intake verified it on its own (signatures read back from the
    /// database, after a restart or from another replica, are not, and their group is checked
    /// before its certificate is built).
    pub fn add(
        &self,
        seq: u64,
        signed: &SignedCheckpoint,
        sig: Signature,
        snapshot: &Arc<SetSnapshot>,
        threshold_bps: u16,
        verified: bool,
    ) -> Added {
        let cp = signed.checkpoint;
        let key = (cp.rollup_id, cp.height);
        let Some((index, member)) = snapshot.member(&signed.pubkey) else {
            return Added::NotInSet;
        };
        let suspect = self.lock().suspects.contains(&signed.pubkey);
        let digest = signed.digest();
        if suspect
            && !verified
            && vigil_crypto::verify(&member.key, digest.as_slice(), &sig).is_err()
        {
            metrics::invalid_signatures(cp.rollup_id, 1);
            return Added::Invalid;
        }
        let mut st = self.lock();
        if st.done.contains_key(&key) {
            return Added::Stale;
        }
        let round = st.rounds.entry(key).or_default();
        let block = (cp.block_hash, cp.state_root);
        match round.blocks.get(&signed.pubkey) {
            Some(b) if *b != block => {
                metrics::equivocation(cp.rollup_id);
                tracing::warn!(target: "vigil::aggregator", operator = %member.operator, rollup = cp.rollup_id, height = cp.height, "operator signed two conflicting checkpoints; both are on the feed for the slasher");
                return Added::Equivocation;
            }
            Some(_) => {}
            None => {
                round.blocks.insert(signed.pubkey, block);
            }
        }
        let now = Instant::now();
        let group = round.groups.entry(digest).or_insert_with(|| Group {
            checkpoint: cp,
            digest,
            threshold_bps,
            snapshot: snapshot.clone(),
            sigs: BTreeMap::new(),
            weight: U256::ZERO,
            first_at: now,
            quorum_at: None,
        });
        if let Some(existing) = group.sigs.get(&index) {
            if existing.wire == signed.signature {
                return Added::Joined;
            }
            // Another encoding (or a forgery) of the same signer's signature: keep the one
            // that verifies.
            if !verified && vigil_crypto::verify(&member.key, digest.as_slice(), &sig).is_err() {
                metrics::invalid_signatures(cp.rollup_id, 1);
                return Added::Invalid;
            }
            group.sigs.insert(index, Entry { seq, sig, wire: signed.signature, verified });
            return Added::Joined;
        }
        group.sigs.insert(index, Entry { seq, sig, wire: signed.signature, verified });
        group.weight = group.weight.saturating_add(member.weight);
        if group.quorum_at.is_none() && group.meets_threshold() {
            group.quorum_at = Some(now);
            metrics::time_to_quorum(cp.rollup_id, now.duration_since(group.first_at));
        }
        let open = st.rounds.keys().filter(|(r, _)| *r == cp.rollup_id).count();
        metrics::set_open_rounds(cp.rollup_id, open);
        Added::Joined
    }

    /// Finalises every group whose window has passed: verifies, drops bad signatures, builds and
    /// stores certificates. Returns the `(rollup, height)` of each certificate stored.
    pub async fn finalize_due(&self) -> Result<Vec<(u64, u64)>, StoreError> {
        let due: Vec<((u64, u64), Group)> = {
            let mut st = self.lock();
            let now = Instant::now();
            let mut due = Vec::new();
            for (key, round) in &mut st.rounds {
                // One certificate per round: the heaviest digest whose window has passed.
                let best = round
                    .groups
                    .iter()
                    .filter(|(_, g)| {
                        g.quorum_at.is_some_and(|q| {
                            now.duration_since(q) >= self.config.window + self.config.single_hold
                        })
                    })
                    .max_by_key(|(_, g)| g.weight)
                    .map(|(d, _)| *d);
                if let Some(g) = best.and_then(|d| round.groups.remove(&d)) {
                    due.push((*key, g));
                }
            }
            due
        };
        let due = self.drop_covered(due).await?;
        let mut built = Vec::new();
        // Pairings are CPU work: off the async workers, spread over one blocking task per core.
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let mut chunks: Vec<Vec<((u64, u64), Group)>> = (0..cores).map(|_| Vec::new()).collect();
        for (i, item) in due.into_iter().enumerate() {
            if let Some(chunk) = chunks.get_mut(i % cores) {
                chunk.push(item);
            }
        }
        let tasks: Vec<_> = chunks
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|chunk| {
                tokio::task::spawn_blocking(move || {
                    chunk.into_iter().map(|(key, g)| (key, verify_group(g))).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut verified = Vec::new();
        for task in tasks {
            if let Ok(done) = task.await {
                verified.extend(done);
            }
        }
        for (key, (group, invalid)) in verified {
            if !invalid.is_empty() {
                metrics::invalid_signatures(key.0, invalid.len());
                {
                    let mut st = self.lock();
                    for (pubkey, _) in &invalid {
                        st.suspects.insert(*pubkey);
                    }
                }
                let seqs: Vec<u64> = invalid.iter().map(|(_, s)| *s).collect();
                self.store.mark_invalid(&seqs).await?;
                tracing::warn!(target: "vigil::aggregator", rollup = key.0, height = key.1, invalid = seqs.len(), "dropped signatures that do not verify; their signers are now verified one by one");
            }
            if !group.meets_threshold() {
                // Back to collecting.
                let mut st = self.lock();
                if !st.done.contains_key(&key) {
                    let round = st.rounds.entry(key).or_default();
                    let mut g = group;
                    g.quorum_at = None;
                    // Signatures that arrived while this group was being verified.
                    if let Some(newer) = round.groups.remove(&g.digest) {
                        for (i, e) in newer.sigs {
                            if let std::collections::btree_map::Entry::Vacant(v) = g.sigs.entry(i) {
                                let weight =
                                    g.snapshot.members.get(i).map_or(U256::ZERO, |m| m.weight);
                                g.weight = g.weight.saturating_add(weight);
                                v.insert(e);
                            }
                        }
                    }
                    if g.meets_threshold() {
                        g.quorum_at = Some(Instant::now());
                    }
                    round.groups.insert(g.digest, g);
                }
                continue;
            }
            let cert = self.certificate(&group);
            let stored = self.store.insert_certificate(&cert).await?;
            self.mark_done(key.0, key.1, group.checkpoint.l1_block);
            if stored {
                metrics::certificate_event(key.0, "built");
                metrics::non_signers(key.0, cert.certificate.non_signers.len());
                metrics::certificate_stake(
                    key.0,
                    cert.signed_weight,
                    cert.total_weight,
                    group.threshold_bps,
                );
                tracing::info!(target: "vigil::aggregator", rollup = key.0, height = key.1, signers = cert.signers, non_signers = cert.certificate.non_signers.len(), signed_weight = %cert.signed_weight, total_weight = %cert.total_weight, "certificate built");
                built.push(key);
            }
        }
        Ok(built)
    }

    /// With batches on, sorts the due groups by what the batch certificates holding their
    /// block (with enough weight for the rollup's own threshold) have come to: mined, the round
    /// is done without a single certificate; ready or in
    /// submission, the group goes back to its round and is looked at again in
    /// [`COVER_RECHECK`] (a batch that fails then releases it to its single certificate, so
    /// nothing loses certification); none, its single certificate is built.
    async fn drop_covered(
        &self,
        due: Vec<((u64, u64), Group)>,
    ) -> Result<Vec<((u64, u64), Group)>, StoreError> {
        if self.config.single_hold.is_zero() {
            return Ok(due);
        }
        let mut kept = Vec::with_capacity(due.len());
        let mut due = due.into_iter();
        while let Some((key, mut group)) = due.next() {
            // Only a batch whose recorded weights meet this rollup's threshold certifies it.
            let covering = self.store.batch_covers(&group.checkpoint).await.map(|all| {
                all.into_iter()
                    .find(|(_, signed, total)| meets(*signed, *total, group.threshold_bps))
                    .map(|(state, _, _)| state)
            });
            match covering {
                Ok(Some(CertState::Mined)) => {
                    self.mark_done(key.0, key.1, group.checkpoint.l1_block);
                    metrics::single_covered();
                    tracing::debug!(target: "vigil::aggregator", rollup = key.0, height = key.1, "a mined batch certificate holds this block; no single certificate");
                }
                Ok(Some(_)) => {
                    // Due again in COVER_RECHECK.
                    let wait = self.config.window + self.config.single_hold;
                    group.quorum_at = Instant::now()
                        .checked_sub(wait.saturating_sub(COVER_RECHECK))
                        .or(group.quorum_at);
                    self.requeue(key, group);
                }
                Ok(None) => kept.push((key, group)),
                Err(e) => {
                    // Back to their rounds; the next pass looks again.
                    self.requeue(key, group);
                    for (key, group) in due {
                        self.requeue(key, group);
                    }
                    for (key, group) in kept {
                        self.requeue(key, group);
                    }
                    return Err(e);
                }
            }
        }
        Ok(kept)
    }

    /// Puts a group taken out for finalising back into its round (unless the round is done).
    /// Signatures of the same digest that arrived meanwhile are kept.
    fn requeue(&self, key: (u64, u64), mut group: Group) {
        let mut st = self.lock();
        if st.done.contains_key(&key) {
            return;
        }
        let round = st.rounds.entry(key).or_default();
        if let Some(newer) = round.groups.remove(&group.digest) {
            for (i, e) in newer.sigs {
                if let std::collections::btree_map::Entry::Vacant(v) = group.sigs.entry(i) {
                    let weight = group.snapshot.members.get(i).map_or(U256::ZERO, |m| m.weight);
                    group.weight = group.weight.saturating_add(weight);
                    v.insert(e);
                }
            }
        }
        round.groups.insert(group.digest, group);
    }

    /// Forgets done rounds, and drops open ones, whose checkpoints' `l1Block` is below `below`
    /// (past the retention window): memory stays bounded by the window. Returns `(done
    /// forgotten, open rounds dropped)`.
    pub fn prune(&self, below: u64) -> (usize, usize) {
        let mut st = self.lock();
        let (done, open) = (st.done.len(), st.rounds.len());
        st.done.retain(|_, l1| *l1 >= below);
        st.rounds.retain(|_, round| round.groups.values().any(|g| g.checkpoint.l1_block >= below));
        let pruned = (done - st.done.len(), open - st.rounds.len());
        let mut per_rollup: HashMap<u64, usize> = HashMap::new();
        for (r, _) in st.rounds.keys() {
            *per_rollup.entry(*r).or_default() += 1;
        }
        drop(st);
        for (r, n) in per_rollup {
            metrics::set_open_rounds(r, n);
        }
        pruned
    }

    /// Rounds held in memory: `(open, done)`.
    pub fn sizes(&self) -> (usize, usize) {
        let st = self.lock();
        (st.rounds.len(), st.done.len())
    }

    fn certificate(&self, group: &Group) -> NewCertificate {
        let non_signers = non_signers(&group.snapshot, |i| group.sigs.contains_key(&i));
        let sigs: Vec<Signature> = group.sigs.values().map(|e| e.sig).collect();
        let aggregate = aggregate(&sigs, self.config.compressed_certificates);
        NewCertificate {
            certificate: Certificate {
                domain: self.domain,
                checkpoint: group.checkpoint,
                non_signers,
                aggregate_signature: aggregate,
            },
            signed_weight: group.weight,
            total_weight: group.snapshot.total_weight,
            signers: u32::try_from(group.sigs.len()).unwrap_or(u32::MAX),
            created_at_ms: now_ms(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The members of `snapshot` that did not sign (`signed(index)` is false), in the snapshot's
/// order (by key hash): the order the verifier takes non-signers in. Shared with batch rounds.
pub(crate) fn non_signers(
    snapshot: &SetSnapshot,
    signed: impl Fn(usize) -> bool,
) -> Vec<PublicKeyBytes> {
    snapshot
        .members
        .iter()
        .enumerate()
        .filter(|(i, _)| !signed(*i))
        .map(|(_, m)| m.pubkey)
        .collect()
}

/// The aggregate of `sigs` in wire form (the all-zero compressed point for none, which no
/// verifier accepts). Shared with batch rounds.
pub(crate) fn aggregate(sigs: &[Signature], compressed: bool) -> vigil_types::SignatureBytes {
    vigil_crypto::aggregate_signatures(sigs)
        .map(|s| s.to_wire(compressed))
        .unwrap_or_else(|_| vigil_types::SignatureBytes::Compressed([0; 48]))
}

/// Aggregate-first verification of a group (unless every signature was verified at intake);
/// removes invalid signatures (and their weight).
/// Returns the cleaned group and `(signer key, seq)` of each removed signature.
fn verify_group(mut group: Group) -> (Group, Vec<(PublicKeyBytes, u64)>) {
    if group.sigs.values().all(|e| e.verified) {
        // Each was verified on its own at intake: nothing to check again.
        return (group, Vec::new());
    }
    let members: &[Member] = &group.snapshot.members;
    let indices: Vec<usize> = group.sigs.keys().copied().collect();
    let items: Vec<(PublicKey, Signature)> = indices
        .iter()
        .filter_map(|i| {
            let m = members.get(*i)?;
            let e = group.sigs.get(i)?;
            Some((m.key, e.sig))
        })
        .collect();
    let mut removed = Vec::new();
    let Ok(outcome) = vigil_crypto::verify_same_message(group.digest.as_slice(), &items) else {
        return (group, removed);
    };
    for bad in outcome.invalid {
        let Some(index) = indices.get(bad) else { continue };
        if let (Some(e), Some(m)) = (group.sigs.remove(index), members.get(*index)) {
            group.weight = group.weight.saturating_sub(m.weight);
            removed.push((m.pubkey, e.seq));
        }
    }
    (group, removed)
}

/// Milliseconds since the Unix epoch: the kernel's clock, shared with the store.
pub use vigil_service::db::now_ms;

#[cfg(test)]
mod tests {
    use super::meets;
    use alloy_primitives::U256;

    #[test]
    fn threshold_rule_matches_the_verifier() {
        let w = |x: u64| U256::from(x);
        // Four equal operators, 6667 bps: three certify, two do not.
        assert!(meets(w(3), w(4), 6667));
        assert!(!meets(w(2), w(4), 6667));
        assert!(meets(w(6667), w(10_000), 6667));
        assert!(!meets(w(6666), w(10_000), 6667));
        assert!(!meets(w(0), w(0), 6667), "an empty set certifies nothing");
    }
}
