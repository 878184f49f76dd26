//! Batched certificates (`VIGIL_BATCH_V1`): one signature over a Merkle root of many
//! checkpoints, across rollups and heights, and the inclusion proof a rollup checks against a
//! recorded root.
//!
//! # The pinned format
//! - **Leaf** of a checkpoint ([`Checkpoint::leaf_hash`]):
//!   `keccak256(abi.encode(keccak256("VIGIL_BATCH_LEAF_V1"), rollupId, height, blockHash,
//!   stateRoot, daCommitment, l1Block))`, seven words. No signing domain: that is in the batch
//!   digest.
//! - **Leaf order**: ascending by `(rollupId, height)`; never two leaves with the same
//!   `(rollupId, height)` ([`Batch::new`] sorts and refuses duplicates). Every honest operator
//!   that derived the same checkpoints therefore builds the same tree.
//! - **Tree**: the `leafCount ≥ 1` leaves, padded with `bytes32(0)` to the next power of two;
//!   an internal node is `keccak256(left ‖ right)` (64 bytes, so never the 224-byte preimage of
//!   a leaf). Depth `log2` of the padded width ([`depth`]); one leaf is its own root.
//! - **Header** ([`BatchHeader`]): the root, `leafCount`, and the L1 range `[fromL1Block,
//!   toL1Block]` every leaf's `l1Block` lies in. `toL1Block` is the stake reference block: the
//!   operator set's weights and the non-signers are taken there, as `l1Block` is for a single
//!   checkpoint.
//! - **Digest** ([`BatchHeader::digest`], what operators sign with BLS under the checkpoint
//!   DST): `keccak256(abi.encode(keccak256("VIGIL_BATCH_V1"), uint256 l1ChainId, address
//!   verifier, uint32 operatorSetId, root, uint32 leafCount, uint64 fromL1Block, uint64
//!   toL1Block))`, eight words.
//! - **Inclusion proof** ([`InclusionProof`]): the leaf's index and its siblings from the leaf
//!   level up; valid iff `index < leafCount`, there are exactly `depth(leafCount)` siblings, and
//!   folding them (the sibling on the right where the index bit is 0) gives the root.
//!
//! The conflict rule and the offence key do not change: a checkpoint inside a batch its signer
//! signed is attributable to that signer exactly as one signed alone. `contracts/src/libraries/
//! BatchLib.sol` computes the same values; both are tested against `testdata/batches.json`.

use std::sync::LazyLock;

use alloy_primitives::{B256, keccak256};
use serde::{Deserialize, Serialize};

use crate::{
    Checkpoint, SigningDomain,
    serde_helpers::{quoted_u32, quoted_u64},
};

/// The tag hashed into every batch digest.
pub const BATCH_TAG: &[u8] = b"VIGIL_BATCH_V1";
/// The tag hashed into every batch leaf.
pub const BATCH_LEAF_TAG: &[u8] = b"VIGIL_BATCH_LEAF_V1";
/// The most leaves one batch may hold (a tree of depth 16).
pub const MAX_BATCH_LEAVES: u32 = 1 << 16;

static BATCH_TYPEHASH: LazyLock<B256> = LazyLock::new(|| keccak256(BATCH_TAG));
static BATCH_LEAF_TYPEHASH: LazyLock<B256> = LazyLock::new(|| keccak256(BATCH_LEAF_TAG));

/// `keccak256("VIGIL_BATCH_V1")`, the first word of every batch digest.
pub fn batch_typehash() -> B256 {
    *BATCH_TYPEHASH
}

/// `keccak256("VIGIL_BATCH_LEAF_V1")`, the first word of every batch leaf.
pub fn batch_leaf_typehash() -> B256 {
    *BATCH_LEAF_TYPEHASH
}

/// Writes `fields` as consecutive ABI words (static types right-aligned) and hashes them.
fn hash_words<const N: usize>(fields: [&[u8]; N]) -> B256 {
    let mut buf = vec![0u8; N * 32];
    for (word, bytes) in buf.chunks_exact_mut(32).zip(fields) {
        let start = 32usize.saturating_sub(bytes.len());
        if let Some(dst) = word.get_mut(start..) {
            dst.copy_from_slice(bytes);
        }
    }
    keccak256(buf)
}

/// An internal node: `keccak256(left ‖ right)`.
fn node(left: &B256, right: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// The depth of a batch tree with `leaf_count` leaves: `log2` of the next power of two (0 for
/// one leaf, or none).
pub const fn depth(leaf_count: u32) -> u32 {
    if leaf_count <= 1 { 0 } else { u32::BITS - (leaf_count - 1).leading_zeros() }
}

impl Checkpoint {
    /// This checkpoint's leaf in a batch tree (see the [module docs](crate::batch)).
    pub fn leaf_hash(&self) -> B256 {
        hash_words([
            batch_leaf_typehash().as_slice(),
            &self.rollup_id.to_be_bytes(),
            &self.height.to_be_bytes(),
            self.block_hash.as_slice(),
            self.state_root.as_slice(),
            self.da_commitment.as_slice(),
            &self.l1_block.to_be_bytes(),
        ])
    }
}

/// What operators sign for a batch: its root, size and L1 range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchHeader {
    /// The Merkle root over the leaves.
    pub root: B256,
    /// How many leaves (checkpoints) the tree holds, padding excluded.
    #[serde(with = "quoted_u32")]
    pub leaf_count: u32,
    /// The first L1 block of the range the checkpoints were derived from.
    #[serde(with = "quoted_u64")]
    pub from_l1_block: u64,
    /// The last L1 block of that range; the stake reference block.
    #[serde(with = "quoted_u64")]
    pub to_l1_block: u64,
}

impl BatchHeader {
    /// The digest operators sign (see the [module docs](crate::batch)).
    pub fn digest(&self, domain: &SigningDomain) -> B256 {
        hash_words([
            batch_typehash().as_slice(),
            &domain.l1_chain_id.to_be_bytes(),
            domain.verifier.as_slice(),
            &domain.operator_set_id.to_be_bytes(),
            self.root.as_slice(),
            &self.leaf_count.to_be_bytes(),
            &self.from_l1_block.to_be_bytes(),
            &self.to_l1_block.to_be_bytes(),
        ])
    }

    /// The depth of its tree.
    pub const fn depth(&self) -> u32 {
        depth(self.leaf_count)
    }

    /// Whether `proof` shows `cp` is a leaf of this batch.
    pub fn includes(&self, cp: &Checkpoint, proof: &InclusionProof) -> bool {
        proof.verify(self, cp.leaf_hash())
    }
}

/// Where one leaf sits in a batch tree, and the siblings that lead from it to the root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionProof {
    /// The leaf's position in the pinned order.
    #[serde(with = "quoted_u32")]
    pub index: u32,
    /// The siblings, from the leaf level up.
    pub siblings: Vec<B256>,
}

impl InclusionProof {
    /// The root `leaf` folds to along this proof (whatever the batch).
    pub fn fold(&self, leaf: B256) -> B256 {
        self.siblings.iter().enumerate().fold(leaf, |h, (level, sibling)| {
            if (self.index >> level) & 1 == 0 { node(&h, sibling) } else { node(sibling, &h) }
        })
    }

    /// Whether this proof shows `leaf` is a leaf of `header`'s batch: an index inside the
    /// batch, exactly as many siblings as the tree is deep, and the fold lands on the root.
    pub fn verify(&self, header: &BatchHeader, leaf: B256) -> bool {
        self.index < header.leaf_count
            && self.siblings.len() == header.depth() as usize
            && self.fold(leaf) == header.root
    }
}

/// Why a set of checkpoints cannot be made a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// A batch has at least one checkpoint.
    #[error("a batch needs at least one checkpoint")]
    Empty,
    /// More checkpoints than [`MAX_BATCH_LEAVES`].
    #[error("{count} checkpoints exceed the batch limit of {max}")]
    TooMany {
        /// How many were given.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// Two checkpoints for one `(rollupId, height)`.
    #[error("two checkpoints for rollup {rollup_id} height {height}")]
    Duplicate {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
    },
    /// The checkpoints do not build the header they came with.
    #[error("the checkpoints build root {built} with {leaf_count} leaves, not the signed header's")]
    HeaderMismatch {
        /// The root they build.
        built: B256,
        /// How many they are.
        leaf_count: u32,
    },
    /// The L1 range is empty.
    #[error("L1 range {from}..={to} is empty")]
    EmptyRange {
        /// Its first block.
        from: u64,
        /// Its last block.
        to: u64,
    },
    /// A checkpoint's `l1Block` lies outside the batch's L1 range.
    #[error(
        "rollup {rollup_id} height {height} has l1Block {l1_block}, outside the batch's L1 range \
         {from}..={to}"
    )]
    OutsideRange {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// Its `l1Block`.
        l1_block: u64,
        /// The range's first block.
        from: u64,
        /// The range's last block.
        to: u64,
    },
}

/// A batch: its checkpoints in the pinned order, its tree and its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    header: BatchHeader,
    checkpoints: Vec<Checkpoint>,
    /// The tree, leaves (padded) first, the root's level last.
    levels: Vec<Vec<B256>>,
}

impl Batch {
    /// The batch of `checkpoints` (any order) derived from L1 blocks `from_l1_block..=
    /// to_l1_block`.
    pub fn new(
        mut checkpoints: Vec<Checkpoint>,
        from_l1_block: u64,
        to_l1_block: u64,
    ) -> Result<Self, BatchError> {
        if checkpoints.is_empty() {
            return Err(BatchError::Empty);
        }
        let leaf_count =
            u32::try_from(checkpoints.len())
                .ok()
                .filter(|n| *n <= MAX_BATCH_LEAVES)
                .ok_or(BatchError::TooMany { count: checkpoints.len(), max: MAX_BATCH_LEAVES })?;
        if from_l1_block > to_l1_block {
            return Err(BatchError::EmptyRange { from: from_l1_block, to: to_l1_block });
        }
        checkpoints.sort_by_key(|c| (c.rollup_id, c.height));
        for pair in checkpoints.windows(2) {
            if let [a, b] = pair
                && (a.rollup_id, a.height) == (b.rollup_id, b.height)
            {
                return Err(BatchError::Duplicate { rollup_id: a.rollup_id, height: a.height });
            }
        }
        if let Some(c) =
            checkpoints.iter().find(|c| !(from_l1_block..=to_l1_block).contains(&c.l1_block))
        {
            return Err(BatchError::OutsideRange {
                rollup_id: c.rollup_id,
                height: c.height,
                l1_block: c.l1_block,
                from: from_l1_block,
                to: to_l1_block,
            });
        }
        let width = 1usize << depth(leaf_count);
        let mut leaves: Vec<B256> = checkpoints.iter().map(Checkpoint::leaf_hash).collect();
        leaves.resize(width, B256::ZERO);
        let mut levels = vec![leaves];
        while let Some(level) = levels.last().filter(|l| l.len() > 1) {
            let (pairs, _) = level.as_chunks::<2>();
            let next = pairs.iter().map(|[left, right]| node(left, right)).collect();
            levels.push(next);
        }
        let root = levels.last().and_then(|l| l.first()).copied().unwrap_or_default();
        Ok(Self {
            header: BatchHeader { root, leaf_count, from_l1_block, to_l1_block },
            checkpoints,
            levels,
        })
    }

    /// What operators sign.
    pub const fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// The checkpoints, in the pinned order (leaf `i` is `checkpoints()[i]`).
    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// The index of the checkpoint for `(rollup_id, height)`, if the batch holds one.
    pub fn position(&self, rollup_id: u64, height: u64) -> Option<usize> {
        self.checkpoints
            .binary_search_by_key(&(rollup_id, height), |c| (c.rollup_id, c.height))
            .ok()
    }

    /// The inclusion proof of leaf `index`.
    pub fn proof(&self, index: usize) -> Option<InclusionProof> {
        if index >= self.checkpoints.len() {
            return None;
        }
        let siblings = self
            .levels
            .iter()
            .take(self.levels.len().saturating_sub(1))
            .enumerate()
            .map(|(level, nodes)| nodes.get((index >> level) ^ 1).copied())
            .collect::<Option<Vec<_>>>()?;
        Some(InclusionProof { index: u32::try_from(index).ok()?, siblings })
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256, address};
    use alloy_sol_types::SolValue;
    use proptest::prelude::*;

    use super::*;

    fn cp(rollup_id: u64, height: u64, l1_block: u64) -> Checkpoint {
        let word = |tag: u8| {
            let mut b = [tag; 32];
            b[..8].copy_from_slice(&rollup_id.to_be_bytes());
            b[8..16].copy_from_slice(&height.to_be_bytes());
            B256::from(b)
        };
        Checkpoint {
            rollup_id,
            height,
            block_hash: word(1),
            state_root: word(2),
            da_commitment: word(3),
            l1_block,
        }
    }

    /// A delivered batch signature is accepted only if its checkpoints build exactly the signed
    /// header: root, leaf count and L1 range.
    #[test]
    fn a_batch_signature_must_carry_the_checkpoints_of_its_header() {
        let cps = vec![cp(2, 1, 10), cp(1, 5, 11), cp(1, 4, 10)];
        let batch = Batch::new(cps.clone(), 10, 11).unwrap();
        let signed = crate::SignedBatch {
            domain: domain(),
            header: *batch.header(),
            pubkey: crate::PublicKeyBytes([1; 96]),
            signature: crate::SignatureBytes::Compressed([2; 48]),
        };
        let ok = crate::BatchSignature { signed, checkpoints: cps.clone() };
        assert_eq!(ok.batch().unwrap(), batch);
        let json = serde_json::to_string(&ok).unwrap();
        assert_eq!(serde_json::from_str::<crate::BatchSignature>(&json).unwrap(), ok);

        let mut missing = ok.clone();
        missing.checkpoints.pop();
        assert!(matches!(missing.batch(), Err(BatchError::HeaderMismatch { leaf_count: 2, .. })));
        let mut forged = ok.clone();
        forged.checkpoints[0].state_root = B256::repeat_byte(9);
        assert!(matches!(forged.batch(), Err(BatchError::HeaderMismatch { leaf_count: 3, .. })));
        let mut miscounted = ok.clone();
        miscounted.signed.header.leaf_count = 4;
        assert!(matches!(
            miscounted.batch(),
            Err(BatchError::HeaderMismatch { leaf_count: 3, .. })
        ));
        let mut outside = ok;
        outside.checkpoints[0].l1_block = 30;
        assert!(matches!(outside.batch(), Err(BatchError::OutsideRange { .. })));
    }

    fn domain() -> SigningDomain {
        SigningDomain {
            l1_chain_id: 31337,
            verifier: address!("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            operator_set_id: 7,
        }
    }

    /// The hand-rolled encodings equal alloy's `abi.encode` of the same tuples.
    #[test]
    fn leaf_and_digest_match_abi_encode() {
        let c = cp(42161, 1_000_000, 19_000_000);
        let leaf = (
            keccak256(b"VIGIL_BATCH_LEAF_V1"),
            c.rollup_id,
            c.height,
            c.block_hash,
            c.state_root,
            c.da_commitment,
            c.l1_block,
        )
            .abi_encode();
        assert_eq!(c.leaf_hash(), keccak256(leaf));
        let d = domain();
        let header = BatchHeader {
            root: B256::repeat_byte(9),
            leaf_count: 100,
            from_l1_block: 18_999_990,
            to_l1_block: 19_000_000,
        };
        let digest = (
            keccak256(b"VIGIL_BATCH_V1"),
            U256::from(d.l1_chain_id),
            d.verifier,
            d.operator_set_id,
            header.root,
            header.leaf_count,
            header.from_l1_block,
            header.to_l1_block,
        )
            .abi_encode();
        assert_eq!(header.digest(&d), keccak256(digest));
    }

    #[test]
    fn the_digest_commits_to_every_field_and_differs_from_a_checkpoints() {
        let d = domain();
        let h = BatchHeader {
            root: B256::repeat_byte(9),
            leaf_count: 3,
            from_l1_block: 10,
            to_l1_block: 20,
        };
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(h.digest(&d)));
        for m in [
            |h: &mut BatchHeader| h.root = B256::ZERO,
            |h: &mut BatchHeader| h.leaf_count += 1,
            |h: &mut BatchHeader| h.from_l1_block += 1,
            |h: &mut BatchHeader| h.to_l1_block += 1,
        ] {
            let mut v = h;
            m(&mut v);
            assert!(seen.insert(v.digest(&d)));
        }
        for md in [
            |d: &mut SigningDomain| d.l1_chain_id += 1,
            |d: &mut SigningDomain| d.verifier = Address::ZERO,
            |d: &mut SigningDomain| d.operator_set_id += 1,
        ] {
            let mut v = d;
            md(&mut v);
            assert!(seen.insert(h.digest(&v)));
        }
        let c = cp(1, 1, 10);
        assert_ne!(c.leaf_hash(), c.digest(&d), "a leaf is not a checkpoint digest");
    }

    #[test]
    fn depths() {
        for (n, d) in [(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (100, 7), (1000, 10)] {
            assert_eq!(depth(n), d, "{n} leaves");
        }
        assert_eq!(depth(MAX_BATCH_LEAVES), 16);
    }

    #[test]
    fn one_leaf_is_its_own_root() {
        let c = cp(5, 5, 10);
        let b = Batch::new(vec![c], 10, 10).unwrap();
        assert_eq!(b.header().root, c.leaf_hash());
        let p = b.proof(0).unwrap();
        assert!(p.siblings.is_empty());
        assert!(b.header().includes(&c, &p));
    }

    #[test]
    fn three_leaves_pad_with_zero() {
        let cs = [cp(1, 1, 10), cp(1, 2, 10), cp(2, 1, 11)];
        let b = Batch::new(cs.to_vec(), 10, 11).unwrap();
        let l: Vec<B256> = cs.iter().map(Checkpoint::leaf_hash).collect();
        let want = node(&node(&l[0], &l[1]), &node(&l[2], &B256::ZERO));
        assert_eq!(b.header().root, want);
        assert_eq!(b.header().leaf_count, 3);
    }

    #[test]
    fn the_order_is_pinned_whatever_the_input_order() {
        let cs = vec![cp(9, 1, 10), cp(2, 7, 10), cp(2, 3, 12), cp(5, 1, 11)];
        let mut rev = cs.clone();
        rev.reverse();
        let a = Batch::new(cs, 10, 12).unwrap();
        let b = Batch::new(rev, 10, 12).unwrap();
        assert_eq!(a.header(), b.header());
        let keys: Vec<_> = a.checkpoints().iter().map(|c| (c.rollup_id, c.height)).collect();
        assert_eq!(keys, vec![(2, 3), (2, 7), (5, 1), (9, 1)]);
        assert_eq!(a.position(5, 1), Some(2));
        assert_eq!(a.position(5, 2), None);
    }

    #[test]
    fn what_cannot_be_a_batch() {
        assert_eq!(Batch::new(vec![], 1, 2), Err(BatchError::Empty));
        assert_eq!(
            Batch::new(vec![cp(1, 1, 5)], 6, 5),
            Err(BatchError::EmptyRange { from: 6, to: 5 })
        );
        let mut other = cp(1, 1, 5);
        other.block_hash = B256::ZERO;
        assert_eq!(
            Batch::new(vec![cp(1, 1, 5), other], 5, 5),
            Err(BatchError::Duplicate { rollup_id: 1, height: 1 })
        );
        assert!(matches!(
            Batch::new(vec![cp(1, 1, 5), cp(1, 2, 9)], 5, 8),
            Err(BatchError::OutsideRange { l1_block: 9, .. })
        ));
        let many = (0..=u64::from(MAX_BATCH_LEAVES)).map(|h| cp(1, h, 5)).collect();
        assert!(matches!(Batch::new(many, 5, 5), Err(BatchError::TooMany { .. })));
    }

    #[test]
    fn wrong_proofs_fail() {
        let cs: Vec<_> = (0..5).map(|h| cp(1, h, 10)).collect();
        let b = Batch::new(cs.clone(), 10, 10).unwrap();
        let h = *b.header();
        let p = b.proof(1).unwrap();
        assert!(h.includes(&cs[1], &p));
        assert!(!h.includes(&cs[2], &p), "another checkpoint");
        let mut other = cs[1];
        other.state_root = B256::ZERO;
        assert!(!h.includes(&other, &p), "a conflicting block at the same height");
        let mut q = p.clone();
        q.index = 3;
        assert!(!h.includes(&cs[1], &q), "another index");
        let mut q = p.clone();
        q.index = 1 + 8;
        assert!(!h.includes(&cs[1], &q), "an index past the batch, same low bits");
        let mut q = p.clone();
        q.siblings.pop();
        assert!(!h.includes(&cs[1], &q), "too short");
        let mut q = p.clone();
        q.siblings.push(B256::ZERO);
        assert!(!h.includes(&cs[1], &q), "too long");
        // Padding is not a leaf: index 6 (of 8, 5 real) is outside the batch even with the
        // tree's own siblings.
        let pad = InclusionProof {
            index: 6,
            siblings: vec![b.levels[0][7], b.levels[1][2], b.levels[2][0]],
        };
        assert_eq!(pad.fold(B256::ZERO), h.root, "the fold itself reaches the root");
        assert!(!pad.verify(&h, B256::ZERO), "but an index ≥ leafCount is refused");
        assert!(b.proof(5).is_none());
    }

    #[test]
    fn json_uses_decimal_strings_and_camel_case() {
        let h = BatchHeader { root: B256::ZERO, leaf_count: 3, from_l1_block: 1, to_l1_block: 2 };
        let v = serde_json::to_value(h).unwrap();
        assert_eq!(v["leafCount"], "3");
        assert_eq!(v["toL1Block"], "2");
        assert_eq!(serde_json::from_value::<BatchHeader>(v).unwrap(), h);
        let p = InclusionProof { index: 2, siblings: vec![B256::ZERO] };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["index"], "2");
        assert_eq!(serde_json::from_value::<InclusionProof>(v).unwrap(), p);
    }

    proptest! {
        #[test]
        fn every_leaf_proves_and_nothing_else_does(
            keys in proptest::collection::btree_set((0u64..4, 0u64..64), 1..80),
            flip in any::<prop::sample::Index>(),
        ) {
            let cs: Vec<_> = keys.iter().map(|(r, h)| cp(*r, *h, 10)).collect();
            let b = Batch::new(cs, 10, 10).unwrap();
            let header = *b.header();
            prop_assert_eq!(header.depth() as usize, b.levels.len() - 1);
            for (i, c) in b.checkpoints().iter().enumerate() {
                let p = b.proof(i).unwrap();
                prop_assert!(header.includes(c, &p));
                if !p.siblings.is_empty() {
                    let mut q = p.clone();
                    let at = flip.index(q.siblings.len());
                    q.siblings[at].0[0] ^= 1;
                    prop_assert!(!header.includes(c, &q));
                }
            }
        }
    }
}
