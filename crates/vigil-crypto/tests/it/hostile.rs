//! Hostile input to every decoder returns a typed error and never panics.

use proptest::prelude::*;
use vigil_crypto::{Error, Point, PublicKey, SecretKey, Signature};

#[test]
fn identity_is_decoded_but_never_accepted() {
    let mut g1_inf = [0u8; 48];
    g1_inf[0] = 0xc0;
    let mut g2_inf = [0u8; 96];
    g2_inf[0] = 0xc0;
    assert!(Signature::decode(&g1_inf).unwrap().is_identity());
    assert!(PublicKey::decode(&g2_inf).unwrap().is_identity());
    assert_eq!(
        Signature::from_bytes(&g1_inf).unwrap_err(),
        Error::Identity { point: Point::Signature }
    );
    assert_eq!(
        Signature::from_bytes_unchecked_subgroup(&g1_inf).unwrap_err(),
        Error::Identity { point: Point::Signature }
    );
    assert_eq!(
        PublicKey::from_bytes(&g2_inf).unwrap_err(),
        Error::Identity { point: Point::PublicKey }
    );
    // EIP-2537 identity (all zeros) likewise.
    assert_eq!(
        PublicKey::from_eip2537(&[0u8; 256]).unwrap_err(),
        Error::Identity { point: Point::PublicKey }
    );
    assert_eq!(
        Signature::from_eip2537(&[0u8; 128]).unwrap_err(),
        Error::Identity { point: Point::Signature }
    );
    // Verification refuses an identity key even with an identity signature (the classic forgery).
    let pk = PublicKey::decode(&g2_inf).unwrap();
    let sig = Signature::decode(&g1_inf).unwrap();
    assert!(vigil_crypto::verify(&pk, &[0u8; 32], &sig).is_err());
}

#[test]
fn wrong_lengths_flags_and_padding() {
    for len in [0, 1, 47, 49, 95, 97, 128, 192] {
        assert_eq!(
            Signature::decode(&vec![0x80; len]).unwrap_err(),
            Error::WrongLength { point: Point::Signature, found: len }
        );
    }
    for len in [0, 48, 95, 97, 191, 193, 256] {
        assert_eq!(
            PublicKey::decode(&vec![0x80; len]).unwrap_err(),
            Error::WrongLength { point: Point::PublicKey, found: len }
        );
    }
    let pk = SecretKey::from_ikm(&[3u8; 32]).unwrap().public_key();
    let sig = SecretKey::from_ikm(&[3u8; 32]).unwrap().sign(&[0u8; 32]);
    // Nonzero EIP-2537 padding.
    let mut e = pk.to_eip2537();
    e[0] = 1;
    assert_eq!(
        PublicKey::from_eip2537(&e).unwrap_err(),
        Error::BadEncoding { point: Point::PublicKey }
    );
    let mut e = sig.to_eip2537();
    e[64] = 1;
    assert_eq!(
        Signature::from_eip2537(&e).unwrap_err(),
        Error::BadEncoding { point: Point::Signature }
    );
    // A coordinate with its top bits set (would read as flags).
    let mut e = sig.to_eip2537();
    e[16] |= 0x80;
    assert_eq!(
        Signature::from_eip2537(&e).unwrap_err(),
        Error::BadEncoding { point: Point::Signature }
    );
    // Off the curve: perturb y.
    let mut e = sig.to_eip2537();
    e[127] ^= 1;
    assert_eq!(
        Signature::from_eip2537(&e).unwrap_err(),
        Error::NotOnCurve { point: Point::Signature }
    );
    let mut e = pk.to_eip2537();
    e[255] ^= 1;
    assert_eq!(
        PublicKey::from_eip2537(&e).unwrap_err(),
        Error::NotOnCurve { point: Point::PublicKey }
    );
    // Compressed flag missing on a 48-byte input.
    let mut c = sig.to_compressed();
    c[0] &= 0x7f;
    assert!(matches!(Signature::decode(&c), Err(Error::BadEncoding { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signature_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..130)) {
        let _ = Signature::decode(&bytes);
        let _ = Signature::from_bytes(&bytes);
        if let Ok(sig) = Signature::from_bytes_unchecked_subgroup(&bytes) {
            prop_assert!(!sig.is_identity());
        }
        if let Ok(arr) = <[u8; 128]>::try_from(bytes.as_slice()) {
            let _ = Signature::from_eip2537(&arr);
        }
    }

    #[test]
    fn public_key_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..260)) {
        if let Ok(pk) = PublicKey::from_bytes(&bytes) {
            prop_assert!(!pk.is_identity());
        }
        if let Ok(arr) = <[u8; 256]>::try_from(bytes.as_slice()) {
            let _ = PublicKey::from_eip2537(&arr);
        }
    }

    /// Flipping any one bit of a valid encoding either still decodes to a valid point (it never
    /// does for a signature, in practice) or gives a typed error.
    #[test]
    fn bit_flips_give_typed_errors(bit in 0usize..(96 * 8), compressed in any::<bool>()) {
        let sig = SecretKey::from_ikm(&[5u8; 32]).unwrap().sign(&[1u8; 32]);
        let mut bytes = if compressed { sig.to_compressed().to_vec() } else { sig.to_uncompressed().to_vec() };
        let bit = bit % (bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        if let Ok(other) = Signature::from_bytes(&bytes) {
            prop_assert_ne!(other, sig);
        }
    }

    /// EIP-2537 encodings round-trip for random keys.
    #[test]
    fn eip2537_round_trip(ikm in any::<[u8; 32]>()) {
        let sk = SecretKey::from_ikm(&ikm).unwrap();
        let pk = sk.public_key();
        prop_assert_eq!(PublicKey::from_eip2537(&pk.to_eip2537()).unwrap(), pk);
        let sig = sk.sign(&ikm);
        prop_assert_eq!(Signature::from_eip2537(&sig.to_eip2537()).unwrap(), sig);
    }
}
