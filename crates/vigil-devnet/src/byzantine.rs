//! Byzantine mode: the devnet itself, holding one operator's BLS key, signs checkpoints that
//! conflict with one the honest operators certified, and posts them to the aggregator like any
//! signature. The operator binary has no way to do this: its slashing protection refuses.

use alloy::primitives::keccak256;
use vigil_crypto::SecretKey;
use vigil_types::{Checkpoint, SignedCheckpoint, SigningDomain};

use crate::{Error, Result};

/// Signs as one operator, without any protection.
#[derive(Debug)]
pub struct Equivocator {
    key: SecretKey,
    domain: SigningDomain,
    aggregator: String,
    http: reqwest::Client,
}

impl Equivocator {
    /// An equivocator holding `key`, posting to the aggregator at `aggregator` (base URL).
    pub fn new(key: SecretKey, domain: SigningDomain, aggregator: String) -> Self {
        Self { key, domain, aggregator, http: reqwest::Client::new() }
    }

    /// `honest` with another block: `fork` names which fake block.
    pub fn fork(honest: &Checkpoint, fork: u8) -> Checkpoint {
        let mut block = [0u8; 33];
        block[0] = fork;
        block[1..].copy_from_slice(honest.block_hash.as_slice());
        let mut root = block;
        root[1..].copy_from_slice(honest.state_root.as_slice());
        Checkpoint { block_hash: keccak256(block), state_root: keccak256(root), ..*honest }
    }

    /// Signs `cp`.
    pub fn sign(&self, cp: &Checkpoint) -> SignedCheckpoint {
        SignedCheckpoint {
            domain: self.domain,
            checkpoint: *cp,
            pubkey: self.key.public_key().to_wire(),
            signature: self.key.sign(cp.digest(&self.domain).as_slice()).to_wire(false),
        }
    }

    /// Signs two different forks of `honest` (two proofs of one offence) and posts both to the
    /// aggregator. Returns what was posted.
    pub async fn equivocate(&self, honest: &Checkpoint) -> Result<Vec<SignedCheckpoint>> {
        let mut posted = Vec::new();
        for fork in [1u8, 2] {
            let signed = self.sign(&Self::fork(honest, fork));
            let response = self
                .http
                .post(format!("{}/v1/signatures", self.aggregator))
                .json(&signed)
                .send()
                .await
                .map_err(Error::chain("post the byzantine signature"))?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(Error::Check(format!(
                    "the aggregator refused the byzantine signature ({status}): {body}"
                )));
            }
            posted.push(signed);
        }
        Ok(posted)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use alloy::primitives::{Address, B256};

    use super::*;

    #[test]
    fn forks_conflict_with_the_honest_block_and_each_other() {
        let honest = Checkpoint {
            rollup_id: 7,
            height: 3,
            block_hash: B256::repeat_byte(1),
            state_root: B256::repeat_byte(2),
            da_commitment: B256::repeat_byte(3),
            l1_block: 9,
        };
        let a = Equivocator::fork(&honest, 1);
        let b = Equivocator::fork(&honest, 2);
        for fork in [a, b] {
            assert_ne!(fork.block_hash, honest.block_hash);
            assert_eq!((fork.rollup_id, fork.height), (honest.rollup_id, honest.height));
            assert!(honest.conflicts_with(&fork));
        }
        assert!(a.conflicts_with(&b));
        let domain =
            SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(5), operator_set_id: 0 };
        let e = Equivocator::new(SecretKey::from_ikm(&[9; 32]).unwrap(), domain, String::new());
        let signed = e.sign(&a);
        let pk = vigil_crypto::PublicKey::from_wire(&signed.pubkey).unwrap();
        let sig = vigil_crypto::Signature::from_wire(&signed.signature).unwrap();
        assert!(vigil_crypto::verify(&pk, signed.digest().as_slice(), &sig).is_ok());
    }
}
