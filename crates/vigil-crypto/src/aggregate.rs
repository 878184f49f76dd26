//! Aggregation and verification of many signatures.

use blst::{BLST_ERROR, MultiPoint, blst_scalar, min_sig as bls};
use rand::RngCore;

use crate::{Error, Point, PublicKey, Result, SIG_DST, Signature};

/// Sums signatures. Inputs need not be subgroup-checked; the result is marked unchecked unless
/// every input was, so verifying it checks the sum once.
pub fn aggregate_signatures(sigs: &[Signature]) -> Result<Signature> {
    let refs: Vec<&bls::Signature> = sigs.iter().map(Signature::as_blst).collect();
    let agg = bls::AggregateSignature::aggregate(&refs, false)
        .map_err(|e| Error::from_blst(Point::Signature, e))?
        .to_signature();
    Ok(if sigs.iter().all(Signature::is_checked) {
        Signature::from_blst(agg)
    } else {
        Signature::from_blst_unchecked(agg)
    })
}

/// Sums public keys (each already subgroup-checked at construction).
pub fn aggregate_public_keys(pks: &[PublicKey]) -> Result<PublicKey> {
    let refs: Vec<&bls::PublicKey> = pks.iter().map(PublicKey::as_blst).collect();
    let agg = bls::AggregatePublicKey::aggregate(&refs, false)
        .map_err(|e| Error::from_blst(Point::PublicKey, e))?;
    Ok(PublicKey::from_blst(agg.to_public_key()))
}

/// What [`verify_same_message`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameMessageOutcome {
    /// Indices (into the input) of signatures that do not verify, ascending.
    pub invalid: Vec<usize>,
    /// How many aggregate checks (each one subgroup check and one pairing) were run: 1 when
    /// everything is valid.
    pub pairing_checks: usize,
}

impl SameMessageOutcome {
    /// Whether every signature verified.
    pub fn all_valid(&self) -> bool {
        self.invalid.is_empty()
    }
}

/// Verifies N signatures over one message: aggregate, check once, and bisect only if the
/// aggregate fails, so the common case costs one pairing check and N point additions, and `k`
/// bad signatures cost about `2k·log2(N)` checks.
///
/// Signatures may come from [`Signature::from_bytes_unchecked_subgroup`]: each aggregate is
/// subgroup-checked, and a lone signature's check is its full individual verification. As with
/// any aggregate, a pass proves the *set* signed; use [`crate::verify`] or [`batch_verify`] to
/// credit or blame one signer.
pub fn verify_same_message(
    msg: &[u8],
    items: &[(PublicKey, Signature)],
) -> Result<SameMessageOutcome> {
    if items.is_empty() {
        return Err(Error::EmptyAggregate);
    }
    let mut outcome = SameMessageOutcome { invalid: Vec::new(), pairing_checks: 0 };
    bisect(msg, items, 0, &mut outcome);
    Ok(outcome)
}

fn aggregate_holds(msg: &[u8], items: &[(PublicKey, Signature)]) -> bool {
    if items.iter().any(|(pk, sig)| pk.is_identity() || sig.is_identity()) && items.len() == 1 {
        return false;
    }
    let sigs: Vec<&bls::Signature> = items.iter().map(|(_, s)| s.as_blst()).collect();
    let pks: Vec<&bls::PublicKey> = items.iter().map(|(p, _)| p.as_blst()).collect();
    let (Ok(agg_sig), Ok(agg_pk)) = (
        bls::AggregateSignature::aggregate(&sigs, false),
        bls::AggregatePublicKey::aggregate(&pks, false),
    ) else {
        return false;
    };
    agg_sig.to_signature().fast_aggregate_verify_pre_aggregated(
        true,
        msg,
        SIG_DST,
        &agg_pk.to_public_key(),
    ) == BLST_ERROR::BLST_SUCCESS
}

fn bisect(
    msg: &[u8],
    items: &[(PublicKey, Signature)],
    offset: usize,
    outcome: &mut SameMessageOutcome,
) {
    outcome.pairing_checks = outcome.pairing_checks.saturating_add(1);
    if aggregate_holds(msg, items) {
        return;
    }
    if items.len() == 1 {
        outcome.invalid.push(offset);
        return;
    }
    let (left, right) = items.split_at(items.len() / 2);
    bisect(msg, left, offset, outcome);
    bisect(msg, right, offset.saturating_add(left.len()), outcome);
}

/// Verifies N signatures over one message *each on its own account*, at about the cost of one
/// pairing check: with secret random 64-bit scalars `r_i`, checks
/// `e(Σ r_i·σ_i, g2) = e(H(m), Σ r_i·pk_i)` (two multi-scalar multiplications, one hash to the
/// curve, two Miller loops). Unlike a plain aggregate ([`verify_same_message`]), signatures
/// cannot cancel each other out: a pass means every signature is valid, except with probability
/// about 2⁻⁶⁴.
///
/// Each signature must be in the subgroup: those made by [`Signature::from_bytes_unchecked_subgroup`]
/// are checked here one by one (the random combination cannot see a torsion component).
/// `false` for an empty list, the identity, or any failure; then check each alone to find which.
pub fn verify_each_same_message(msg: &[u8], items: &[(PublicKey, Signature)]) -> bool {
    if items.is_empty()
        || items.iter().any(|(pk, sig)| {
            pk.is_identity()
                || sig.is_identity()
                || (!sig.is_checked() && sig.as_blst().validate(false).is_err())
        })
    {
        return false;
    }
    if let [(pk, sig)] = items {
        return crate::verify(pk, msg, sig).is_ok();
    }
    let mut rng = rand::rng();
    let mut scalars = Vec::with_capacity(items.len().saturating_mul(8));
    for _ in items {
        // Never zero: a zero scalar would drop its signature from the check.
        scalars.extend_from_slice(&(rng.next_u64() | 1).to_le_bytes());
    }
    let sigs: Vec<bls::Signature> = items.iter().map(|(_, s)| *s.as_blst()).collect();
    let pks: Vec<bls::PublicKey> = items.iter().map(|(p, _)| *p.as_blst()).collect();
    let sig = bls::Signature::from_aggregate(&sigs.mult(&scalars, 64));
    let pk = bls::PublicKey::from_aggregate(&pks.mult(&scalars, 64));
    // Every input is in its subgroup, so the combinations are: no group check needed.
    sig.verify(false, msg, SIG_DST, &[], &pk, false) == BLST_ERROR::BLST_SUCCESS
}

/// Random-scalar batch verification of independent `(key, message, signature)` triples: one
/// multi-pairing instead of N, and sound per signer (unlike a plain aggregate), because each
/// signature is weighted by a secret random 64-bit scalar. `Ok(())` means every signature is
/// valid; on failure, verify individually to find which.
pub fn batch_verify(items: &[(&PublicKey, &[u8], &Signature)]) -> Result<()> {
    if items.is_empty() {
        return Err(Error::EmptyAggregate);
    }
    for (pk, _, sig) in items {
        if pk.is_identity() {
            return Err(Error::Identity { point: Point::PublicKey });
        }
        if sig.is_identity() {
            return Err(Error::Identity { point: Point::Signature });
        }
    }
    let mut rng = rand::rng();
    let rands: Vec<blst_scalar> = items
        .iter()
        .map(|_| {
            let mut b = [0u8; 32];
            // Little-endian 64-bit scalar, never zero.
            let r = rng.next_u64() | 1;
            if let Some(low) = b.first_chunk_mut::<8>() {
                *low = r.to_le_bytes();
            }
            blst_scalar { b }
        })
        .collect();
    let msgs: Vec<&[u8]> = items.iter().map(|(_, m, _)| *m).collect();
    let pks: Vec<&bls::PublicKey> = items.iter().map(|(p, _, _)| p.as_blst()).collect();
    let sigs: Vec<&bls::Signature> = items.iter().map(|(_, _, s)| s.as_blst()).collect();
    match bls::Signature::verify_multiple_aggregate_signatures(
        &msgs, SIG_DST, &pks, false, &sigs, true, &rands, 64,
    ) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => {
            Err(Error::NotInSubgroup { point: Point::Signature })
        }
        _ => Err(Error::VerificationFailed),
    }
}
