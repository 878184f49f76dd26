//! Signing, verification, proofs of possession, EIP-2537 encodings and aggregation.

use vigil_crypto::{
    Error, Point, PublicKey, SecretKey, Signature, aggregate_public_keys, aggregate_signatures,
    batch_verify, verify, verify_each_same_message, verify_pop, verify_same_message,
};

fn keys(n: usize) -> Vec<SecretKey> {
    (0..n).map(|i| SecretKey::from_ikm(&[i as u8 + 1; 32]).unwrap()).collect()
}

const MSG: [u8; 32] = [7u8; 32];

#[test]
fn sign_verify_and_domain_separation() {
    let sk = SecretKey::random();
    let pk = sk.public_key();
    let sig = sk.sign(&MSG);
    verify(&pk, &MSG, &sig).unwrap();
    assert_eq!(verify(&pk, &[8u8; 32], &sig), Err(Error::VerificationFailed));
    assert_eq!(verify(&keys(1)[0].public_key(), &MSG, &sig), Err(Error::VerificationFailed));
    // A PoP signature is not a checkpoint signature and vice versa.
    let pop = sk.sign_pop(&MSG);
    verify_pop(&pk, &MSG, &pop).unwrap();
    assert_eq!(verify(&pk, &MSG, &pop), Err(Error::VerificationFailed));
    assert_eq!(verify_pop(&pk, &MSG, &sig), Err(Error::VerificationFailed));
}

#[test]
fn key_generation_is_deterministic_from_ikm_and_refuses_short_ikm() {
    let a = SecretKey::from_ikm(&[1u8; 32]).unwrap();
    let b = SecretKey::from_ikm(&[1u8; 32]).unwrap();
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(SecretKey::from_ikm(&[1u8; 31]).unwrap_err(), Error::ShortIkm);
    assert_ne!(SecretKey::random().public_key(), SecretKey::random().public_key());
    // Round trip through bytes.
    let again = SecretKey::from_bytes(a.to_bytes().as_ref()).unwrap();
    assert_eq!(again.public_key(), a.public_key());
    // Zero and the group order are refused.
    assert_eq!(SecretKey::from_bytes(&[0u8; 32]).unwrap_err(), Error::InvalidSecretKey);
    let r = hex_literal("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    assert_eq!(SecretKey::from_bytes(&r).unwrap_err(), Error::InvalidSecretKey);
    assert_eq!(SecretKey::from_bytes(&[1u8; 31]).unwrap_err(), Error::InvalidSecretKey);
}

fn hex_literal(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn secret_key_debug_is_redacted() {
    let sk = SecretKey::from_ikm(&[9u8; 32]).unwrap();
    let secret_hex = hex::encode(sk.to_bytes().as_ref());
    let shown = format!("{sk:?} {sk:#?}");
    assert!(shown.contains("redacted"));
    assert!(!shown.contains(&secret_hex[..8]));
}

#[test]
fn encodings_round_trip() {
    let sk = SecretKey::random();
    let pk = sk.public_key();
    let sig = sk.sign(&MSG);
    assert_eq!(PublicKey::from_bytes(&pk.to_compressed()).unwrap(), pk);
    assert_eq!(PublicKey::from_bytes(&pk.to_uncompressed()).unwrap(), pk);
    assert_eq!(PublicKey::from_eip2537(&pk.to_eip2537()).unwrap(), pk);
    assert_eq!(PublicKey::from_wire(&pk.to_wire()).unwrap(), pk);
    assert_eq!(Signature::from_bytes(&sig.to_compressed()).unwrap(), sig);
    assert_eq!(Signature::from_bytes(&sig.to_uncompressed()).unwrap(), sig);
    assert_eq!(Signature::from_eip2537(&sig.to_eip2537()).unwrap(), sig);
    for compressed in [true, false] {
        assert_eq!(Signature::from_wire(&sig.to_wire(compressed)).unwrap(), sig);
    }
    // EIP-2537 layout: 16 zero bytes before each 48-byte coordinate; G2 is c0 before c1.
    let e = pk.to_eip2537();
    let u = pk.to_uncompressed();
    assert_eq!(e[16..64], u[48..96], "x.c0");
    assert_eq!(e[80..128], u[0..48], "x.c1");
    assert_eq!(e[144..192], u[144..192], "y.c0");
    assert_eq!(e[208..256], u[96..144], "y.c1");
    for chunk in e.chunks(64) {
        assert_eq!(chunk[..16], [0u8; 16]);
    }
}

#[test]
fn aggregation_matches_individual_sums() {
    let sks = keys(5);
    let pks: Vec<_> = sks.iter().map(SecretKey::public_key).collect();
    let sigs: Vec<_> = sks.iter().map(|k| k.sign(&MSG)).collect();
    let agg_sig = aggregate_signatures(&sigs).unwrap();
    let agg_pk = aggregate_public_keys(&pks).unwrap();
    verify(&agg_pk, &MSG, &agg_sig).unwrap();
    // Missing one signer breaks it.
    let partial = aggregate_signatures(&sigs[..4]).unwrap();
    assert_eq!(verify(&agg_pk, &MSG, &partial), Err(Error::VerificationFailed));
    assert_eq!(aggregate_signatures(&[]).unwrap_err(), Error::EmptyAggregate);
    assert!(aggregate_public_keys(&[]).is_err());
}

fn from_wire_unchecked(sig: &Signature) -> Signature {
    Signature::from_bytes_unchecked_subgroup(&sig.to_uncompressed()).unwrap()
}

#[test]
fn same_message_all_valid_costs_one_check() {
    let sks = keys(64);
    let items: Vec<_> =
        sks.iter().map(|k| (k.public_key(), from_wire_unchecked(&k.sign(&MSG)))).collect();
    let out = verify_same_message(&MSG, &items).unwrap();
    assert!(out.all_valid());
    assert_eq!(out.pairing_checks, 1);
    assert_eq!(verify_same_message(&MSG, &[]).unwrap_err(), Error::EmptyAggregate);
}

#[test]
fn same_message_bisection_isolates_bad_signers() {
    let sks = keys(37);
    let other = SecretKey::from_ikm(&[200u8; 32]).unwrap();
    for bad in [vec![0usize], vec![36], vec![5, 6, 30], (0..37).collect::<Vec<_>>()] {
        let items: Vec<_> = sks
            .iter()
            .enumerate()
            .map(|(i, k)| {
                // A bad signer signs the wrong message, or signs with another key.
                let sig = if bad.contains(&i) {
                    if i % 2 == 0 { k.sign(&[0u8; 32]) } else { other.sign(&MSG) }
                } else {
                    k.sign(&MSG)
                };
                (k.public_key(), from_wire_unchecked(&sig))
            })
            .collect();
        let out = verify_same_message(&MSG, &items).unwrap();
        assert_eq!(out.invalid, bad);
        // Bisection: far fewer checks than one per signature when few are bad.
        if bad.len() == 1 {
            assert!(out.pairing_checks <= 2 * 6 + 1, "{} checks", out.pairing_checks);
        }
    }
}

/// A signature on the curve but outside the subgroup passes decoding-without-subgroup-check,
/// and is caught by the aggregate's subgroup check and isolated.
#[test]
fn same_message_catches_points_outside_the_subgroup() {
    let bad = crate::hex(
        "0x8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    assert_eq!(
        Signature::decode(&bad).unwrap_err(),
        Error::NotInSubgroup { point: Point::Signature }
    );
    let outside = Signature::from_bytes_unchecked_subgroup(&bad).unwrap();
    let sks = keys(8);
    let mut items: Vec<_> =
        sks.iter().map(|k| (k.public_key(), from_wire_unchecked(&k.sign(&MSG)))).collect();
    items[3].1 = outside;
    let out = verify_same_message(&MSG, &items).unwrap();
    assert_eq!(out.invalid, vec![3]);
    // Verifying it individually also refuses it.
    assert!(verify(&sks[3].public_key(), &MSG, &outside).is_err());
}

#[test]
fn batch_verification_accepts_valid_and_refuses_any_invalid() {
    let sks = keys(10);
    let msgs: Vec<[u8; 32]> = (0..10).map(|i| [i as u8; 32]).collect();
    let pks: Vec<_> = sks.iter().map(SecretKey::public_key).collect();
    let mut sigs: Vec<_> = sks.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
    let items: Vec<_> = (0..10).map(|i| (&pks[i], msgs[i].as_slice(), &sigs[i])).collect();
    batch_verify(&items).unwrap();
    // Swap two signatures: their sum is unchanged but each is wrong; a plain aggregate would
    // pass if the messages were equal, random scalars do not.
    sigs.swap(2, 3);
    let items: Vec<_> = (0..10).map(|i| (&pks[i], msgs[i].as_slice(), &sigs[i])).collect();
    assert_eq!(batch_verify(&items), Err(Error::VerificationFailed));
    assert_eq!(batch_verify(&[]), Err(Error::EmptyAggregate));
}

/// Colluding signers can split a signature so the aggregate verifies while neither share does:
/// the reason individual or batch verification is required to blame or credit one signer.
#[test]
fn split_signatures_pass_in_aggregate_but_not_individually() {
    let sks = keys(2);
    let pks: Vec<_> = sks.iter().map(SecretKey::public_key).collect();
    let s0 = sks[0].sign(&MSG);
    let s1 = sks[1].sign(&MSG);
    // Shares: s0 + d and s1 - d, with d = another valid signature point.
    let d = keys(3)[2].sign(&[1u8; 32]);
    let neg_d = negate_g1(&d);
    let share0 = aggregate_signatures(&[s0, d]).unwrap();
    let share1 = aggregate_signatures(&[s1, neg_d]).unwrap();
    let items = vec![(pks[0], share0), (pks[1], share1)];
    assert!(verify_same_message(&MSG, &items).unwrap().all_valid());
    assert!(verify(&pks[0], &MSG, &share0).is_err());
    let batch = [(&pks[0], MSG.as_slice(), &share0), (&pks[1], MSG.as_slice(), &share1)];
    assert!(batch_verify(&batch).is_err());
}

fn negate_g1(sig: &Signature) -> Signature {
    let mut u = sig.to_uncompressed();
    // Negate y: p - y, on the 48-byte big-endian y coordinate.
    let p = hex::decode("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab").unwrap();
    let mut borrow = 0i16;
    for i in (0..48).rev() {
        let v = p[i] as i16 - u[48 + i] as i16 - borrow;
        borrow = i16::from(v < 0);
        u[48 + i] = v.rem_euclid(256) as u8;
    }
    Signature::from_bytes(&u).unwrap()
}

#[test]
fn each_same_message_passes_valid_sets_and_fails_any_bad_signer() {
    let sks = keys(16);
    let good: Vec<_> =
        sks.iter().map(|k| (k.public_key(), from_wire_unchecked(&k.sign(&MSG)))).collect();
    assert!(verify_each_same_message(&MSG, &good));
    assert!(verify_each_same_message(&MSG, &good[..1]), "one signature alone");
    assert!(!verify_each_same_message(&MSG, &[]));
    assert!(!verify_each_same_message(&[8u8; 32], &good), "another message");
    for bad in [0, 7, 15] {
        let mut items = good.clone();
        items[bad].1 = sks[bad].sign(&[0u8; 32]);
        assert!(!verify_each_same_message(&MSG, &items), "bad signer {bad}");
    }
}

/// Two signers' signatures swapped: the plain aggregate is unchanged, so aggregate-first
/// verification passes it; the random combination credits each signer alone and refuses it.
#[test]
fn each_same_message_refuses_signatures_that_cancel_out() {
    let sks = keys(4);
    let mut items: Vec<_> = sks.iter().map(|k| (k.public_key(), k.sign(&MSG))).collect();
    let (a, b) = (items[0].1, items[1].1);
    items[0].1 = b;
    items[1].1 = a;
    assert!(verify_same_message(&MSG, &items).unwrap().all_valid(), "the plain aggregate holds");
    assert!(!verify_each_same_message(&MSG, &items));
}

#[test]
fn each_same_message_refuses_points_outside_the_subgroup() {
    let bad = crate::hex(
        "0x8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    let sks = keys(4);
    let mut items: Vec<_> = sks.iter().map(|k| (k.public_key(), k.sign(&MSG))).collect();
    assert!(verify_each_same_message(&MSG, &items));
    items[2].1 = Signature::from_bytes_unchecked_subgroup(&bad).unwrap();
    assert!(!verify_each_same_message(&MSG, &items));
}
