//! Offline certificate verification, single and batched: the same checks the verifier
//! contract makes.

use std::collections::HashSet;

use alloy_primitives::{B256, U256};
use vigil_crypto::{PublicKey, Signature, aggregate_public_keys};
use vigil_types::{
    BatchCertificate, Certificate, Checkpoint, InclusionProof, PublicKeyBytes, SignatureBytes,
};

use crate::VerifyError;

/// Basis points in 100 %.
const BPS: u64 = 10_000;

/// A certificate (single or batch) that verified, with the stake behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// The digest the signers signed (a checkpoint's or a batch header's).
    pub digest: B256,
    /// Weight of the operators that signed.
    pub signed_weight: U256,
    /// Weight of the whole operator set.
    pub total_weight: U256,
    /// How many operators signed.
    pub signers: usize,
}

/// Verifies `cert` against `operators`, the operator set (each member's key and stake weight)
/// at `cert.checkpoint.l1Block`, which the caller supplies from a source it trusts:
///
/// - every non-signer is a member, listed once;
/// - the signers are the members minus the non-signers, and their weight reaches the
///   threshold: `signedWeight * 10_000 >= thresholdBps * totalWeight`;
/// - the aggregate signature (not the identity) verifies for the signers' aggregate key (not
///   the identity) over `cert.checkpoint.digest(&cert.domain)`.
///
/// It does not check `cert.domain`: compare it with the verifier contract you trust. The
/// signers' aggregate key is summed from the signers directly, which equals the contract's
/// "aggregate of all members minus the non-signers".
pub fn verify_certificate(
    cert: &Certificate,
    operators: &[(PublicKey, U256)],
    threshold_bps: u16,
) -> Result<VerifiedCertificate, VerifyError> {
    let digest = cert.checkpoint.digest(&cert.domain);
    verify_aggregate(digest, &cert.non_signers, &cert.aggregate_signature, operators, threshold_bps)
}

/// Verifies a batch certificate (`VIGIL_BATCH_V1`) against `operators`, the operator set at
/// `cert.header.toL1Block`, with the same checks as [`verify_certificate`], over the batch's
/// header digest. The threshold is the one the caller requires (the contract records a batch
/// at its default threshold and applies each rollup's own when asked about that rollup).
pub fn verify_batch_certificate(
    cert: &BatchCertificate,
    operators: &[(PublicKey, U256)],
    threshold_bps: u16,
) -> Result<VerifiedCertificate, VerifyError> {
    let digest = cert.header.digest(&cert.domain);
    verify_aggregate(digest, &cert.non_signers, &cert.aggregate_signature, operators, threshold_bps)
}

/// Verifies that `checkpoint` is certified through the batch certificate `cert`: `proof` shows
/// its leaf in the batch, and the certificate verifies against `operators` at `threshold_bps`
/// ([`verify_batch_certificate`]). Offline, like the contract's `isCertifiedInBatch`.
pub fn verify_checkpoint_in_batch(
    checkpoint: &Checkpoint,
    proof: &InclusionProof,
    cert: &BatchCertificate,
    operators: &[(PublicKey, U256)],
    threshold_bps: u16,
) -> Result<VerifiedCertificate, VerifyError> {
    if !cert.header.includes(checkpoint, proof) {
        return Err(VerifyError::NotInBatch {
            rollup_id: checkpoint.rollup_id,
            height: checkpoint.height,
        });
    }
    verify_batch_certificate(cert, operators, threshold_bps)
}

/// The checks every form shares: the signer set, the threshold and the aggregate over `digest`.
fn verify_aggregate(
    digest: B256,
    non_signers_given: &[PublicKeyBytes],
    aggregate_signature: &SignatureBytes,
    operators: &[(PublicKey, U256)],
    threshold_bps: u16,
) -> Result<VerifiedCertificate, VerifyError> {
    if threshold_bps == 0 || u64::from(threshold_bps) > BPS {
        return Err(VerifyError::InvalidThreshold { threshold_bps });
    }
    if operators.is_empty() {
        return Err(VerifyError::EmptyOperatorSet);
    }
    let members: Vec<(PublicKeyBytes, &PublicKey, U256)> =
        operators.iter().map(|(pk, weight)| (pk.to_wire(), pk, *weight)).collect();
    let mut seen = HashSet::with_capacity(members.len());
    for (key, _, _) in &members {
        if !seen.insert(*key) {
            return Err(VerifyError::DuplicateOperator { key: key.to_string() });
        }
    }

    let mut non_signers = HashSet::with_capacity(non_signers_given.len());
    for key in non_signers_given {
        if !seen.contains(key) {
            return Err(VerifyError::NonSignerNotMember { key: key.to_string() });
        }
        if !non_signers.insert(*key) {
            return Err(VerifyError::DuplicateNonSigner { key: key.to_string() });
        }
    }

    let mut total_weight = U256::ZERO;
    let mut signed_weight = U256::ZERO;
    let mut signer_keys = Vec::with_capacity(members.len().saturating_sub(non_signers.len()));
    for (key, pk, weight) in &members {
        total_weight = total_weight.checked_add(*weight).ok_or(VerifyError::WeightOverflow)?;
        if !non_signers.contains(key) {
            signed_weight =
                signed_weight.checked_add(*weight).ok_or(VerifyError::WeightOverflow)?;
            signer_keys.push(**pk);
        }
    }
    if signer_keys.is_empty() {
        return Err(VerifyError::NoSigners);
    }

    let lhs = signed_weight.checked_mul(U256::from(BPS)).ok_or(VerifyError::WeightOverflow)?;
    let rhs =
        total_weight.checked_mul(U256::from(threshold_bps)).ok_or(VerifyError::WeightOverflow)?;
    if lhs < rhs {
        return Err(VerifyError::BelowThreshold { signed_weight, total_weight, threshold_bps });
    }

    let aggregate_key =
        aggregate_public_keys(&signer_keys).map_err(|_| VerifyError::IdentityAggregateKey)?;
    if aggregate_key.is_identity() {
        return Err(VerifyError::IdentityAggregateKey);
    }
    let signature = Signature::from_wire(aggregate_signature)
        .map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
    vigil_crypto::verify(&aggregate_key, digest.as_slice(), &signature)
        .map_err(|_| VerifyError::InvalidSignature)?;

    Ok(VerifiedCertificate { digest, signed_weight, total_weight, signers: signer_keys.len() })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use alloy_primitives::{Address, keccak256};
    use vigil_crypto::{SecretKey, aggregate_signatures};
    use vigil_types::{Checkpoint, SigningDomain};

    use super::*;

    fn keys(n: u8) -> Vec<SecretKey> {
        (0..n).map(|i| SecretKey::from_ikm(&[i.wrapping_add(40); 32]).unwrap()).collect()
    }

    fn set(keys: &[SecretKey], weights: &[u64]) -> Vec<(PublicKey, U256)> {
        keys.iter().zip(weights).map(|(sk, w)| (sk.public_key(), U256::from(*w))).collect()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            rollup_id: 10,
            height: 77,
            block_hash: keccak256(b"block"),
            state_root: keccak256(b"state"),
            da_commitment: keccak256(b"da"),
            l1_block: 1_000,
        }
    }

    fn domain() -> SigningDomain {
        SigningDomain {
            l1_chain_id: 31_337,
            verifier: Address::repeat_byte(0x11),
            operator_set_id: 0,
        }
    }

    /// Signed by `signers`; `non_signers` listed as such (whatever actually signed).
    fn cert(keys: &[SecretKey], signers: &[usize], non_signers: &[usize]) -> Certificate {
        let digest = checkpoint().digest(&domain());
        let sigs: Vec<Signature> =
            signers.iter().map(|i| keys[*i].sign(digest.as_slice())).collect();
        Certificate {
            domain: domain(),
            checkpoint: checkpoint(),
            non_signers: non_signers.iter().map(|i| keys[*i].public_key().to_wire()).collect(),
            aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
        }
    }

    /// A batch of three rollups' checkpoints (ours among them), signed by `signers`.
    fn batch_cert(
        keys: &[SecretKey],
        signers: &[usize],
        non_signers: &[usize],
    ) -> (vigil_types::Batch, BatchCertificate) {
        let others = [(8453, 5), (10, 76), (42_069, 1)].map(|(rollup_id, height)| Checkpoint {
            rollup_id,
            height,
            ..checkpoint()
        });
        let batch =
            vigil_types::Batch::new([&[checkpoint()], &others[..]].concat(), 990, 1_000).unwrap();
        let digest = batch.header().digest(&domain());
        let sigs: Vec<Signature> =
            signers.iter().map(|i| keys[*i].sign(digest.as_slice())).collect();
        let cert = BatchCertificate {
            domain: domain(),
            header: *batch.header(),
            non_signers: non_signers.iter().map(|i| keys[*i].public_key().to_wire()).collect(),
            aggregate_signature: aggregate_signatures(&sigs).unwrap().to_wire(false),
        };
        (batch, cert)
    }

    #[test]
    fn a_checkpoint_certified_inside_a_batch_verifies_with_its_proof() {
        let keys = keys(4);
        let ops = set(&keys, &[10, 10, 10, 10]);
        let (batch, cert) = batch_cert(&keys, &[0, 1, 2], &[3]);
        let at = batch.position(10, 77).unwrap();
        let proof = batch.proof(at).unwrap();
        let v = verify_checkpoint_in_batch(&checkpoint(), &proof, &cert, &ops, 6_667).unwrap();
        assert_eq!(v.digest, cert.header.digest(&domain()));
        assert_eq!((v.signed_weight, v.signers), (U256::from(30), 3));

        // Another leaf's proof, or a conflicting block at the same height: not in the batch.
        let wrong = batch.proof((at + 1) % 4).unwrap();
        assert_eq!(
            verify_checkpoint_in_batch(&checkpoint(), &wrong, &cert, &ops, 6_667),
            Err(VerifyError::NotInBatch { rollup_id: 10, height: 77 })
        );
        let lie = Checkpoint { block_hash: keccak256(b"lie"), ..checkpoint() };
        assert!(matches!(
            verify_checkpoint_in_batch(&lie, &proof, &cert, &ops, 6_667),
            Err(VerifyError::NotInBatch { .. })
        ));
        // The proof is fine but the certificate is not: a rollup's higher threshold, a forged
        // signature (signed over a checkpoint, not the batch).
        assert!(matches!(
            verify_checkpoint_in_batch(&checkpoint(), &proof, &cert, &ops, 9_000),
            Err(VerifyError::BelowThreshold { .. })
        ));
        let mut forged = cert.clone();
        forged.aggregate_signature = cert_of(&keys, &[0, 1, 2]).aggregate_signature;
        assert_eq!(
            verify_checkpoint_in_batch(&checkpoint(), &proof, &forged, &ops, 6_667),
            Err(VerifyError::InvalidSignature)
        );
    }

    fn cert_of(keys: &[SecretKey], signers: &[usize]) -> Certificate {
        cert(keys, signers, &[])
    }

    #[test]
    fn three_of_four_passes() {
        let keys = keys(4);
        let ops = set(&keys, &[10, 10, 10, 10]);
        let verified = verify_certificate(&cert(&keys, &[0, 1, 2], &[3]), &ops, 6_667).unwrap();
        assert_eq!(verified.signed_weight, U256::from(30));
        assert_eq!(verified.total_weight, U256::from(40));
        assert_eq!(verified.signers, 3);
        assert_eq!(verified.digest, checkpoint().digest(&domain()));
        // Everyone signing passes too, and compressed signatures are fine.
        let mut all = cert(&keys, &[0, 1, 2, 3], &[]);
        let sig = Signature::from_wire(&all.aggregate_signature).unwrap();
        all.aggregate_signature = sig.to_wire(true);
        assert_eq!(verify_certificate(&all, &ops, 10_000).unwrap().signers, 4);
    }

    #[test]
    fn threshold_is_enforced() {
        let keys = keys(4);
        let ops = set(&keys, &[10, 10, 10, 10]);
        // 3 of 4 is 75 %.
        let three = cert(&keys, &[0, 1, 2], &[3]);
        assert!(verify_certificate(&three, &ops, 7_500).is_ok());
        assert!(matches!(
            verify_certificate(&three, &ops, 7_501),
            Err(VerifyError::BelowThreshold { threshold_bps: 7_501, .. })
        ));
        // 2 of 4 does not certify at the default.
        let two = cert(&keys, &[0, 1], &[2, 3]);
        assert!(matches!(
            verify_certificate(&two, &ops, 6_667),
            Err(VerifyError::BelowThreshold { .. })
        ));
        // Weights, not heads: one heavy signer is enough.
        let heavy = set(&keys, &[70, 10, 10, 10]);
        assert!(verify_certificate(&cert(&keys, &[0], &[1, 2, 3]), &heavy, 6_667).is_ok());
        for bad in [0, 10_001] {
            assert_eq!(
                verify_certificate(&three, &ops, bad),
                Err(VerifyError::InvalidThreshold { threshold_bps: bad })
            );
        }
    }

    #[test]
    fn tampered_signature_fails() {
        let keys = keys(4);
        let ops = set(&keys, &[10, 10, 10, 10]);
        // A valid signature, but over another checkpoint.
        let mut other = cert(&keys, &[0, 1, 2], &[3]);
        other.checkpoint.state_root = keccak256(b"another state");
        assert_eq!(verify_certificate(&other, &ops, 6_667), Err(VerifyError::InvalidSignature));
        // Another valid point as the signature.
        let mut swapped = cert(&keys, &[0, 1, 2], &[3]);
        swapped.aggregate_signature = cert(&keys, &[0, 1], &[2, 3]).aggregate_signature;
        assert_eq!(verify_certificate(&swapped, &ops, 6_667), Err(VerifyError::InvalidSignature));
        // Garbage bytes.
        let mut garbage = cert(&keys, &[0, 1, 2], &[3]);
        garbage.aggregate_signature = vigil_types::SignatureBytes::Compressed([0x8f; 48]);
        assert!(matches!(
            verify_certificate(&garbage, &ops, 6_667),
            Err(VerifyError::MalformedSignature(_))
        ));
        // The identity.
        let mut identity = [0u8; 48];
        identity[0] = 0xc0;
        garbage.aggregate_signature = vigil_types::SignatureBytes::Compressed(identity);
        assert!(matches!(
            verify_certificate(&garbage, &ops, 6_667),
            Err(VerifyError::MalformedSignature(_))
        ));
    }

    #[test]
    fn non_signers_must_be_members_once() {
        let keys = keys(5);
        // keys[4] is not in the set.
        let ops = set(&keys[..4], &[10, 10, 10, 10]);
        let outsider = cert(&keys, &[0, 1, 2], &[3, 4]);
        assert!(matches!(
            verify_certificate(&outsider, &ops, 6_667),
            Err(VerifyError::NonSignerNotMember { .. })
        ));
        let twice = cert(&keys, &[0, 1, 2], &[3, 3]);
        assert!(matches!(
            verify_certificate(&twice, &ops, 6_667),
            Err(VerifyError::DuplicateNonSigner { .. })
        ));
        let mut dup_ops = ops.clone();
        dup_ops.push(ops[0]);
        assert!(matches!(
            verify_certificate(&cert(&keys, &[0, 1, 2], &[3]), &dup_ops, 6_667),
            Err(VerifyError::DuplicateOperator { .. })
        ));
        assert_eq!(
            verify_certificate(&cert(&keys, &[0], &[]), &[], 6_667),
            Err(VerifyError::EmptyOperatorSet)
        );
    }

    #[test]
    fn forged_non_signer_lists_fail() {
        let keys = keys(4);
        let ops = set(&keys, &[10, 10, 10, 10]);
        // 0, 1, 2 signed; the list claims 2 did not (so the weight check passes at 50 %, and
        // the signature must catch it).
        let hides_a_signer = cert(&keys, &[0, 1, 2], &[2, 3]);
        assert_eq!(
            verify_certificate(&hides_a_signer, &ops, 5_000),
            Err(VerifyError::InvalidSignature)
        );
        // 0, 1 signed; the list omits non-signer 2 to inflate the weight.
        let claims_a_signer = cert(&keys, &[0, 1], &[3]);
        assert_eq!(
            verify_certificate(&claims_a_signer, &ops, 6_667),
            Err(VerifyError::InvalidSignature)
        );
        // Nobody signed.
        assert_eq!(
            verify_certificate(&cert(&keys, &[0], &[0, 1, 2, 3]), &ops, 1),
            Err(VerifyError::NoSigners)
        );
    }

    #[test]
    fn weights_overflow_is_an_error() {
        let keys = keys(2);
        let ops = vec![(keys[0].public_key(), U256::MAX), (keys[1].public_key(), U256::from(1))];
        assert_eq!(
            verify_certificate(&cert(&keys, &[0, 1], &[]), &ops, 6_667),
            Err(VerifyError::WeightOverflow)
        );
    }
}
