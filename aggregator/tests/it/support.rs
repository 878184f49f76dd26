//! Real data for the suites that drive the store and the API directly: BLS operators, the
//! signing domain, checkpoints and certificates.

use alloy_primitives::{Address, U256, keccak256};
use vigil_aggregator::store::NewCertificate;
use vigil_crypto::{SecretKey, Signature, aggregate_signatures};
use vigil_types::{Certificate, Checkpoint, PublicKeyBytes, SigningDomain};

/// A fixed "now" (Unix ms), so stored times compare exactly.
pub(crate) const NOW: u64 = 1_764_000_000_000;

/// An operator as the store sees it: a BLS key and an address.
pub(crate) struct Operator {
    pub(crate) sk: SecretKey,
    pub(crate) pubkey: PublicKeyBytes,
    pub(crate) address: Address,
}

/// `n` operators: operator `i` has the BLS key of ikm `[i + 1; 32]` and the address
/// `0xa0 | i` repeated.
pub(crate) fn operators(n: u8) -> Vec<Operator> {
    (0..n)
        .map(|i| {
            let sk = SecretKey::from_ikm(&[i.wrapping_add(1); 32]).unwrap();
            let pubkey = sk.public_key().to_wire();
            Operator { sk, pubkey, address: Address::repeat_byte(0xa0 | i) }
        })
        .collect()
}

pub(crate) fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31_337, verifier: Address::repeat_byte(0x11), operator_set_id: 0 }
}

/// The block at `height` of `rollup_id`; `fork` picks a conflicting version of it.
pub(crate) fn checkpoint(rollup_id: u64, height: u64, fork: u8) -> Checkpoint {
    let seed = [rollup_id.to_be_bytes(), height.to_be_bytes()].concat();
    Checkpoint {
        rollup_id,
        height,
        block_hash: keccak256([seed.as_slice(), &[fork, 1]].concat()),
        state_root: keccak256([seed.as_slice(), &[fork, 2]].concat()),
        da_commitment: keccak256([seed.as_slice(), &[3]].concat()),
        l1_block: 1_000 + height,
    }
}

/// A certificate of `checkpoint` signed by `ops[..signers]`, the rest being non-signers; each
/// operator weighs `weight`.
pub(crate) fn certificate(
    ops: &[Operator],
    checkpoint: Checkpoint,
    signers: usize,
    weight: U256,
    created_at_ms: u64,
) -> NewCertificate {
    let digest = checkpoint.digest(&domain());
    let sigs: Vec<Signature> =
        ops[..signers].iter().map(|op| op.sk.sign(digest.as_slice())).collect();
    NewCertificate {
        certificate: Certificate {
            domain: domain(),
            checkpoint,
            non_signers: ops[signers..].iter().map(|op| op.pubkey).collect(),
            aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
        },
        signed_weight: U256::from(signers) * weight,
        total_weight: U256::from(ops.len()) * weight,
        signers: u32::try_from(signers).unwrap(),
        created_at_ms,
    }
}
