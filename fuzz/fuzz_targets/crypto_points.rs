//! `vigil-crypto`'s point decoders: `Signature` (G1; 48 compressed, 96 uncompressed, 128
//! EIP-2537 bytes) and `PublicKey` (G2; 96, 192, 256 bytes), through every constructor the
//! services use. Never panics; the accepting constructors never yield the identity; a decoded
//! point round-trips through each of its encodings to the same point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_crypto::{G1_EIP2537_LEN, G2_EIP2537_LEN, PublicKey, Signature};

fn signature_round_trips(sig: &Signature) {
    let compressed = Signature::decode(&sig.to_compressed()).expect("compressed form decodes");
    let uncompressed =
        Signature::decode(&sig.to_uncompressed()).expect("uncompressed form decodes");
    assert_eq!(compressed.to_compressed(), sig.to_compressed());
    assert_eq!(uncompressed.to_uncompressed(), sig.to_uncompressed());
    if !sig.is_identity() {
        let eip = Signature::from_eip2537(&sig.to_eip2537()).expect("EIP-2537 form decodes");
        assert_eq!(eip.to_compressed(), sig.to_compressed());
        let wire = Signature::from_wire(&sig.to_wire(true)).expect("wire form decodes");
        assert_eq!(wire.to_uncompressed(), sig.to_uncompressed());
    }
}

fn public_key_round_trips(pk: &PublicKey) {
    let compressed = PublicKey::decode(&pk.to_compressed()).expect("compressed form decodes");
    let uncompressed = PublicKey::decode(&pk.to_uncompressed()).expect("uncompressed form decodes");
    assert_eq!(compressed, *pk);
    assert_eq!(uncompressed, *pk);
    if !pk.is_identity() {
        let eip = PublicKey::from_eip2537(&pk.to_eip2537()).expect("EIP-2537 form decodes");
        assert_eq!(eip, *pk);
        assert_eq!(PublicKey::from_wire(&pk.to_wire()).ok(), Some(*pk));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::decode(data) {
        signature_round_trips(&sig);
    }
    if let Ok(sig) = Signature::from_bytes(data) {
        assert!(!sig.is_identity(), "from_bytes accepted the identity");
        signature_round_trips(&sig);
    }
    if let Ok(sig) = Signature::from_bytes_unchecked_subgroup(data) {
        assert!(!sig.is_identity(), "from_bytes_unchecked_subgroup accepted the identity");
    }
    if let Ok(bytes) = <&[u8; G1_EIP2537_LEN]>::try_from(data)
        && let Ok(sig) = Signature::from_eip2537(bytes)
    {
        assert!(!sig.is_identity(), "from_eip2537 accepted the identity");
        assert_eq!(&sig.to_eip2537(), bytes, "EIP-2537 re-encoding differs");
    }
    if let Ok(pk) = PublicKey::decode(data) {
        public_key_round_trips(&pk);
    }
    if let Ok(pk) = PublicKey::from_bytes(data) {
        assert!(!pk.is_identity(), "from_bytes accepted the identity");
        public_key_round_trips(&pk);
    }
    if let Ok(bytes) = <&[u8; G2_EIP2537_LEN]>::try_from(data)
        && let Ok(pk) = PublicKey::from_eip2537(bytes)
    {
        assert!(!pk.is_identity(), "from_eip2537 accepted the identity");
        assert_eq!(&pk.to_eip2537(), bytes, "EIP-2537 re-encoding differs");
    }
});
