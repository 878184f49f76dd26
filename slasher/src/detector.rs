//! The equivocation detector: the slasher's hot index.
//!
//! # What is indexed
//! One entry per `(domain, pubkey, rollupId, height)`, keyed by the keccak-256 of those fields
//! (32 bytes), holding the first signed checkpoint seen for it (all but its rollup and height,
//! which are the index's levels): enough to rebuild it as evidence, and to find, for a
//! certificate recorded on chain, every indexed signature of another block at its height
//! ([`Detector::conflicting`]). An entry is about 370 bytes plus the hash table's overhead. Entries are grouped per rollup and height, so [`Detector::prune_below`] drops whole
//! heights without scanning.
//!
//! # Signatures are verified only on conflict
//! Ingest does no elliptic-curve work in the common case (a first signature, or the same block
//! again), which keeps it fast. When a conflict appears, both sides are verified individually
//! (one random-scalar [`batch_verify`] of the pair, falling back to single verifications):
//! - the new one invalid: [`Ingested::InvalidSignature`], the index unchanged;
//! - the indexed one invalid (it was never checked): the new one replaces it
//!   ([`Ingested::Replaced`]);
//! - both valid: [`Ingested::Equivocation`]. The indexed side is then marked verified, so later
//!   conflicts (a third block at the same height, which is another proof of the *same* offence)
//!   cost one verification.
//!
//! One more case keeps an injected invalid signature from shielding an offender: if the same
//! block arrives again with different bytes (another signature encoding, `daCommitment` or
//! `l1Block`) while the indexed entry is unverified, the indexed one is verified once, and
//! replaced by the newcomer if it is invalid. Otherwise a forged signature over the offender's
//! honest block, indexed first, would later be "replaced" by the offender's conflicting
//! signature and the honest one would have been dropped as a duplicate. With this rule the
//! detector reports exactly the offences proven by pairs of valid signatures it has seen
//! (`tests/it/detector.rs` checks that against a brute-force oracle).
//!
//! # Bounded memory and restarts
//! The caller prunes heights it no longer expects signatures for with
//! [`Detector::prune_below`]; later checkpoints below that mark are refused
//! ([`Ingested::BelowPruned`]) rather than indexed, so memory stays bounded even under replay.
//!
//! The index is a cache: it can be rebuilt from durable sources after a restart. The
//! aggregator's feed keeps every signed checkpoint with its sequence number, and the
//! [`EvidenceStore`](crate::EvidenceStore) keeps every offence found and the cursors. The
//! slasher stores two cursors: the last feed entry whose evidence is durably recorded (advanced
//! with [`EvidenceStore::record_batch_with_cursor`](crate::EvidenceStore::record_batch_with_cursor))
//! and the first feed entry of the index window (advanced when it prunes). On start it replays
//! the feed from the window cursor: entries up to the detection cursor rebuild the index (any
//! evidence they produce again is already stored: recording is idempotent per offence), entries
//! after it are new work. Nothing is missed, because nothing past the detection cursor was
//! acknowledged, and nothing inside the window was dropped.

use std::{
    collections::{BTreeMap, HashMap, btree_map, hash_map},
    hash::{BuildHasherDefault, Hash, Hasher},
};

use alloy_primitives::{B256, Keccak256};
use vigil_crypto::{PublicKey, Signature, batch_verify, verify};
use vigil_types::{
    Checkpoint, Evidence, PublicKeyBytes, SignatureBytes, SignedCheckpoint, SigningDomain,
};

/// What [`Detector::ingest`] made of one signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// The first signature for its `(domain, key, rollup, height)`: indexed, not verified.
    New,
    /// The same block as the indexed one (perhaps with another `daCommitment`, `l1Block` or
    /// signature encoding): nothing to do.
    Duplicate,
    /// A conflicting block whose signature is valid, while the indexed signature was invalid:
    /// the new one took its place. No offence (yet).
    Replaced,
    /// A conflicting block, both signatures valid: proof of an offence. Several proofs of one
    /// offence may be reported (a third block at the same height); the store keeps one offence.
    Equivocation(Box<Evidence>),
    /// The signature was checked (because it conflicts) and is invalid, or its key or signature
    /// does not decode: ignored, the index unchanged.
    InvalidSignature,
    /// Its height is below the rollup's prune mark: not indexed.
    BelowPruned,
}

/// The index key: keccak-256 of `(domain, pubkey, rollupId, height)`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key([u8; 32]);

impl Key {
    fn of(signed: &SignedCheckpoint) -> Self {
        Self(Detector::index_key(signed))
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already a cryptographic hash: its first eight bytes are a fine table hash.
        let [a, b, c, d, e, f, g, h, ..] = self.0;
        state.write_u64(u64::from_le_bytes([a, b, c, d, e, f, g, h]));
    }
}

/// Passes [`Key`]'s `u64` through unchanged (no SipHash over an already random key).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One height's entries.
type HeightIndex = HashMap<Key, Entry, BuildHasherDefault<KeyHasher>>;

/// The first signed block seen for one key: the whole signed checkpoint but its rollup and
/// height (the index's levels), so it can be rebuilt as evidence.
#[derive(Clone, Copy)]
struct Entry {
    domain: SigningDomain,
    pubkey: PublicKeyBytes,
    block_hash: B256,
    state_root: B256,
    da_commitment: B256,
    l1_block: u64,
    signature: SignatureBytes,
    /// The signature was checked and is valid.
    verified: bool,
}

impl Entry {
    fn new(signed: &SignedCheckpoint, verified: bool) -> Self {
        let cp = &signed.checkpoint;
        Self {
            domain: signed.domain,
            pubkey: signed.pubkey,
            block_hash: cp.block_hash,
            state_root: cp.state_root,
            da_commitment: cp.da_commitment,
            l1_block: cp.l1_block,
            signature: signed.signature,
            verified,
        }
    }

    fn same_block(&self, cp: &Checkpoint) -> bool {
        self.block_hash == cp.block_hash && self.state_root == cp.state_root
    }

    /// Exactly what is indexed (same block, same extra fields, same signature bytes).
    fn same_bytes(&self, signed: &SignedCheckpoint) -> bool {
        self.da_commitment == signed.checkpoint.da_commitment
            && self.l1_block == signed.checkpoint.l1_block
            && self.signature == signed.signature
    }

    /// The indexed signed checkpoint, with the key fields taken from `other` (same key).
    fn signed(&self, other: &SignedCheckpoint) -> SignedCheckpoint {
        self.at(other.checkpoint.rollup_id, other.checkpoint.height)
    }

    /// The indexed signed checkpoint at its `(rollup, height)`.
    fn at(&self, rollup_id: u64, height: u64) -> SignedCheckpoint {
        SignedCheckpoint {
            domain: self.domain,
            checkpoint: Checkpoint {
                rollup_id,
                height,
                block_hash: self.block_hash,
                state_root: self.state_root,
                da_commitment: self.da_commitment,
                l1_block: self.l1_block,
            },
            pubkey: self.pubkey,
            signature: self.signature,
        }
    }
}

/// One rollup's heights, and the mark below which heights were pruned.
#[derive(Default)]
struct RollupIndex {
    floor: u64,
    heights: BTreeMap<u64, HeightIndex>,
}

/// The hot index: finds equivocations in a stream of signed checkpoints. See the module docs.
#[derive(Default)]
pub struct Detector {
    rollups: HashMap<u64, RollupIndex>,
    len: usize,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("rollups", &self.rollups.len())
            .field("len", &self.len)
            .finish()
    }
}

impl Detector {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key `signed` is indexed under: keccak-256 of its domain (`l1ChainId`, verifier,
    /// `operatorSetId`), pubkey, `rollupId` and height, integers big-endian. Public so the
    /// ingest bench can measure the same per-checkpoint hashing as a baseline.
    pub fn index_key(signed: &SignedCheckpoint) -> [u8; 32] {
        let mut h = Keccak256::new();
        h.update(signed.domain.l1_chain_id.to_be_bytes());
        h.update(signed.domain.verifier);
        h.update(signed.domain.operator_set_id.to_be_bytes());
        h.update(signed.pubkey.0);
        h.update(signed.checkpoint.rollup_id.to_be_bytes());
        h.update(signed.checkpoint.height.to_be_bytes());
        h.finalize().0
    }

    /// Indexes one signed checkpoint and reports what it means. Never panics, whatever the
    /// bytes of its key and signature.
    pub fn ingest(&mut self, signed: &SignedCheckpoint) -> Ingested {
        let cp = &signed.checkpoint;
        let rollup = self.rollups.entry(cp.rollup_id).or_default();
        if cp.height < rollup.floor {
            return Ingested::BelowPruned;
        }
        let level = match rollup.heights.entry(cp.height) {
            btree_map::Entry::Occupied(o) => o.into_mut(),
            btree_map::Entry::Vacant(v) => v.insert(HeightIndex::default()),
        };
        match level.entry(Key::of(signed)) {
            hash_map::Entry::Vacant(v) => {
                v.insert(Entry::new(signed, false));
                self.len = self.len.saturating_add(1);
                Ingested::New
            }
            hash_map::Entry::Occupied(mut o) => resolve(o.get_mut(), signed),
        }
    }

    /// [`Detector::ingest`] for each item in order; the same results as one at a time.
    pub fn ingest_batch(&mut self, batch: &[SignedCheckpoint]) -> Vec<Ingested> {
        batch.iter().map(|signed| self.ingest(signed)).collect()
    }

    /// Forgets every height of `rollup_id` below `height` and refuses them from now on
    /// ([`Ingested::BelowPruned`]). Returns how many entries were dropped. The mark never
    /// moves down.
    pub fn prune_below(&mut self, rollup_id: u64, height: u64) -> usize {
        let rollup = self.rollups.entry(rollup_id).or_default();
        if height <= rollup.floor {
            return 0;
        }
        rollup.floor = height;
        let kept = rollup.heights.split_off(&height);
        let dropped = std::mem::replace(&mut rollup.heights, kept);
        let removed = dropped.values().map(HashMap::len).fold(0usize, usize::saturating_add);
        self.len = self.len.saturating_sub(removed);
        removed
    }

    /// Every indexed signed checkpoint in `domain` at `(rollup_id, height)` whose block differs
    /// from `(block_hash, state_root)`: what conflicts with a certificate for that block. Their
    /// signatures are not verified here.
    pub fn conflicting(
        &self,
        domain: &SigningDomain,
        rollup_id: u64,
        height: u64,
        block_hash: B256,
        state_root: B256,
    ) -> Vec<SignedCheckpoint> {
        let Some(level) = self.rollups.get(&rollup_id).and_then(|r| r.heights.get(&height)) else {
            return Vec::new();
        };
        level
            .values()
            .filter(|e| {
                e.domain == *domain && (e.block_hash != block_hash || e.state_root != state_root)
            })
            .map(|e| e.at(rollup_id, height))
            .collect()
    }

    /// The prune mark of `rollup_id`: heights below it are refused.
    pub fn floor(&self, rollup_id: u64) -> u64 {
        self.rollups.get(&rollup_id).map_or(0, |r| r.floor)
    }

    /// Number of indexed `(domain, key, rollup, height)` entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A checkpoint for an already indexed key: same block, or a conflict to settle.
fn resolve(entry: &mut Entry, new: &SignedCheckpoint) -> Ingested {
    if entry.same_block(&new.checkpoint) {
        if !entry.verified && !entry.same_bytes(new) {
            // Make sure an unverified entry is not a forgery hiding a valid signature for the
            // same block (see the module docs).
            if valid(&entry.signed(new)) {
                entry.verified = true;
            } else {
                *entry = Entry::new(new, false);
            }
        }
        return Ingested::Duplicate;
    }
    let first = entry.signed(new);
    // Decoding failures of the new side's key or signature: it proves nothing.
    let (Ok(pk), Ok(new_sig)) =
        (PublicKey::from_wire(&new.pubkey), Signature::from_wire(&new.signature))
    else {
        return Ingested::InvalidSignature;
    };
    let new_digest = new.digest();
    let new_ok = || verify(&pk, new_digest.as_slice(), &new_sig).is_ok();
    let first_ok = if entry.verified {
        if !new_ok() {
            return Ingested::InvalidSignature;
        }
        true
    } else {
        let first_digest = first.digest();
        let first_sig = Signature::from_wire(&first.signature).ok();
        let both = first_sig.as_ref().is_some_and(|s| {
            batch_verify(&[
                (&pk, first_digest.as_slice(), s),
                (&pk, new_digest.as_slice(), &new_sig),
            ])
            .is_ok()
        });
        if both {
            true
        } else {
            if !new_ok() {
                return Ingested::InvalidSignature;
            }
            first_sig.is_some_and(|s| verify(&pk, first_digest.as_slice(), &s).is_ok())
        }
    };
    if first_ok {
        entry.verified = true;
        Ingested::Equivocation(Box::new(Evidence::DoubleSign { first, second: *new }))
    } else {
        *entry = Entry::new(new, true);
        Ingested::Replaced
    }
}

/// Whether `signed` carries a valid signature by an acceptable key.
fn valid(signed: &SignedCheckpoint) -> bool {
    match (PublicKey::from_wire(&signed.pubkey), Signature::from_wire(&signed.signature)) {
        (Ok(pk), Ok(sig)) => verify(&pk, signed.digest().as_slice(), &sig).is_ok(),
        _ => false,
    }
}
