//! The checkpoint, its signed digest and the conflict rule.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, keccak256};
use serde::{Deserialize, Serialize};

use crate::serde_helpers::{quoted_u32, quoted_u64};

/// The tag hashed into every checkpoint digest.
pub const CHECKPOINT_TAG: &[u8] = b"VIGIL_CHECKPOINT_V1";

static CHECKPOINT_TYPEHASH: LazyLock<B256> = LazyLock::new(|| keccak256(CHECKPOINT_TAG));

/// `keccak256("VIGIL_CHECKPOINT_V1")`, the first word of every checkpoint digest.
pub fn checkpoint_typehash() -> B256 {
    *CHECKPOINT_TYPEHASH
}

/// The signing domain: which L1, which verifier contract, which operator set.
///
/// Every digest commits to it, so a signature made for one deployment is worthless in another,
/// and two checkpoints can only conflict inside one domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningDomain {
    /// EIP-155 chain id of the L1 that hosts the verifier (ABI-encoded as `uint256`).
    #[serde(with = "quoted_u64")]
    pub l1_chain_id: u64,
    /// Address of the verifier contract.
    pub verifier: Address,
    /// Vigil's operator set id in EigenLayer's AllocationManager.
    #[serde(with = "quoted_u32")]
    pub operator_set_id: u32,
}

/// An L2 block as an operator attests to it, with the batch that made its data available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Checkpoint {
    /// The L2's EIP-155 chain id.
    #[serde(with = "quoted_u64")]
    pub rollup_id: u64,
    /// L2 block number.
    #[serde(with = "quoted_u64")]
    pub height: u64,
    /// L2 block hash as the operator's own L2 node reports it.
    pub block_hash: B256,
    /// L2 state root of that block.
    pub state_root: B256,
    /// [`da_commitment`] over the versioned hashes of the blobs carrying the block's batch.
    pub da_commitment: B256,
    /// The L1 block that included the batch; also the stake reference block.
    #[serde(with = "quoted_u64")]
    pub l1_block: u64,
}

/// How two checkpoints of one domain relate under the conflict rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// Different rollup or height: unrelated.
    Unrelated,
    /// Same rollup, height, block hash and state root. `daCommitment` or `l1Block` may differ:
    /// honest operators may sign both (a batch posted twice, or moved by an L1 reorg).
    SameBlock,
    /// Same rollup and height, different block hash or state root: signing both is an offence.
    Conflict,
}

impl Checkpoint {
    /// Size of [`Checkpoint::digest`]'s ABI encoding: ten 32-byte words.
    const DIGEST_PREIMAGE_LEN: usize = 10 * 32;

    /// The digest operators sign:
    /// `keccak256(abi.encode(keccak256("VIGIL_CHECKPOINT_V1"), uint256 l1ChainId,
    /// address verifier, uint32 operatorSetId, rollupId, height, blockHash, stateRoot,
    /// daCommitment, l1Block))`.
    pub fn digest(&self, domain: &SigningDomain) -> B256 {
        let mut buf = [0u8; Self::DIGEST_PREIMAGE_LEN];
        let mut words = buf.chunks_exact_mut(32);
        let mut put = |bytes: &[u8]| {
            if let Some(word) = words.next() {
                // Static ABI types are right-aligned in their word.
                let start = 32usize.saturating_sub(bytes.len());
                if let Some(dst) = word.get_mut(start..) {
                    dst.copy_from_slice(bytes);
                }
            }
        };
        put(checkpoint_typehash().as_slice());
        put(&domain.l1_chain_id.to_be_bytes());
        put(domain.verifier.as_slice());
        put(&domain.operator_set_id.to_be_bytes());
        put(&self.rollup_id.to_be_bytes());
        put(&self.height.to_be_bytes());
        put(self.block_hash.as_slice());
        put(self.state_root.as_slice());
        put(self.da_commitment.as_slice());
        put(&self.l1_block.to_be_bytes());
        keccak256(buf)
    }

    /// How `self` relates to `other`, both taken to be in the same signing domain.
    pub fn relation(&self, other: &Self) -> Relation {
        if self.rollup_id != other.rollup_id || self.height != other.height {
            Relation::Unrelated
        } else if self.block_hash == other.block_hash && self.state_root == other.state_root {
            Relation::SameBlock
        } else {
            Relation::Conflict
        }
    }

    /// Whether signing both `self` and `other` (in one domain) is an offence.
    pub fn conflicts_with(&self, other: &Self) -> bool {
        self.relation(other) == Relation::Conflict
    }
}

/// `keccak256(abi.encodePacked(versionedHashes))`: the DA commitment of a batch carried by the
/// given EIP-4844 blobs, in transaction order.
pub fn da_commitment(versioned_hashes: &[B256]) -> B256 {
    let mut hasher = alloy_primitives::Keccak256::new();
    for hash in versioned_hashes {
        hasher.update(hash);
    }
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{U256, address, b256};
    use alloy_sol_types::SolValue;

    fn sample() -> (SigningDomain, Checkpoint) {
        let domain = SigningDomain {
            l1_chain_id: 31337,
            verifier: address!("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            operator_set_id: 7,
        };
        let cp = Checkpoint {
            rollup_id: 42161,
            height: 1_000_000,
            block_hash: b256!("0x1111111111111111111111111111111111111111111111111111111111111111"),
            state_root: b256!("0x2222222222222222222222222222222222222222222222222222222222222222"),
            da_commitment: b256!(
                "0x3333333333333333333333333333333333333333333333333333333333333333"
            ),
            l1_block: 19_000_000,
        };
        (domain, cp)
    }

    /// The hand-rolled encoding equals alloy's `abi.encode` of the same tuple.
    #[test]
    fn digest_matches_abi_encode() {
        let (domain, cp) = sample();
        let encoded = (
            keccak256(b"VIGIL_CHECKPOINT_V1"),
            U256::from(domain.l1_chain_id),
            domain.verifier,
            domain.operator_set_id,
            cp.rollup_id,
            cp.height,
            cp.block_hash,
            cp.state_root,
            cp.da_commitment,
            cp.l1_block,
        )
            .abi_encode();
        assert_eq!(cp.digest(&domain), keccak256(encoded));
    }

    #[test]
    fn digest_commits_to_every_field() {
        let (domain, cp) = sample();
        let base = cp.digest(&domain);
        let mut variants = vec![];
        let mut d = domain;
        d.l1_chain_id += 1;
        variants.push(cp.digest(&d));
        let mut d = domain;
        d.verifier = Address::ZERO;
        variants.push(cp.digest(&d));
        let mut d = domain;
        d.operator_set_id += 1;
        variants.push(cp.digest(&d));
        for mutate in [
            |c: &mut Checkpoint| c.rollup_id += 1,
            |c: &mut Checkpoint| c.height += 1,
            |c: &mut Checkpoint| c.block_hash = B256::ZERO,
            |c: &mut Checkpoint| c.state_root = B256::ZERO,
            |c: &mut Checkpoint| c.da_commitment = B256::ZERO,
            |c: &mut Checkpoint| c.l1_block += 1,
        ] {
            let mut c = cp;
            mutate(&mut c);
            variants.push(c.digest(&domain));
        }
        for v in &variants {
            assert_ne!(*v, base);
        }
    }

    /// The conflict rule, as a table.
    #[test]
    fn conflict_rule_table() {
        let (_, a) = sample();
        type Mutation = fn(&mut Checkpoint);
        let cases: &[(&str, Mutation, Relation)] = &[
            ("identical", |_| {}, Relation::SameBlock),
            ("other daCommitment", |c| c.da_commitment = B256::ZERO, Relation::SameBlock),
            ("other l1Block", |c| c.l1_block += 5, Relation::SameBlock),
            ("other blockHash", |c| c.block_hash = B256::ZERO, Relation::Conflict),
            ("other stateRoot", |c| c.state_root = B256::ZERO, Relation::Conflict),
            (
                "other both",
                |c| {
                    c.block_hash = B256::ZERO;
                    c.state_root = B256::ZERO;
                },
                Relation::Conflict,
            ),
            ("other height", |c| c.height += 1, Relation::Unrelated),
            (
                "other rollup, other block",
                |c| {
                    c.rollup_id += 1;
                    c.block_hash = B256::ZERO;
                },
                Relation::Unrelated,
            ),
        ];
        for (name, mutate, expected) in cases {
            let mut b = a;
            mutate(&mut b);
            assert_eq!(a.relation(&b), *expected, "{name}");
            assert_eq!(b.relation(&a), *expected, "{name} (symmetric)");
            assert_eq!(a.conflicts_with(&b), *expected == Relation::Conflict, "{name}");
        }
    }

    #[test]
    fn da_commitment_is_packed_keccak() {
        let h1 = b256!("0x01aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let h2 = b256!("0x01bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        let mut packed = h1.to_vec();
        packed.extend_from_slice(h2.as_slice());
        assert_eq!(da_commitment(&[h1, h2]), keccak256(&packed));
        assert_ne!(da_commitment(&[h1, h2]), da_commitment(&[h2, h1]));
        assert_eq!(da_commitment(&[]), keccak256([]));
    }

    #[test]
    fn json_uses_camel_case_and_quoted_integers() {
        let (domain, cp) = sample();
        let json = serde_json::to_value(cp).unwrap();
        assert_eq!(json["rollupId"], "42161");
        assert_eq!(json["l1Block"], "19000000");
        let back: Checkpoint = serde_json::from_value(json).unwrap();
        assert_eq!(back, cp);
        let d = serde_json::to_value(domain).unwrap();
        assert_eq!(d["operatorSetId"], "7");
        // Plain numbers are accepted on input.
        let lenient: SigningDomain = serde_json::from_str(
            r#"{"l1ChainId": 1, "verifier": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "operatorSetId": 0}"#,
        )
        .unwrap();
        assert_eq!(lenient.l1_chain_id, 1);
        // Unknown fields and out-of-range integers are refused.
        assert!(serde_json::from_str::<SigningDomain>(
            r#"{"l1ChainId": "1", "verifier": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "operatorSetId": "4294967296"}"#
        )
        .is_err());
    }
}
