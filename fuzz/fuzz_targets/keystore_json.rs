//! Keystore files (`vigil-keystore`): EIP-2335 (`Eip2335Keystore::from_json`) and Web3
//! secret-storage V3 (`V3Keystore::from_json`), parse and validation, including the refusal of
//! hostile KDF parameters. Never panics; a parsed keystore serializes to JSON that parses to the
//! same keystore (same KDF, public key / address and JSON), and the accepted KDF parameters stay
//! within the crate's bounds. Decryption (which runs the KDF) is only tried when the parsed
//! parameters are cheap: scrypt with n·r·p ≤ 2^12, PBKDF2 with c ≤ 4096.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_keystore::{Eip2335Keystore, Kdf, Password, V3Keystore};

/// Whether running `kdf` on fuzzed input is cheap enough (sub-millisecond).
fn cheap(kdf: &Kdf) -> bool {
    match kdf {
        Kdf::Scrypt { n, r, p, .. } => {
            n.saturating_mul(u64::from(*r)).saturating_mul(u64::from(*p)) <= 1 << 12
        }
        Kdf::Pbkdf2 { c, .. } => *c <= 4096,
    }
}

/// What the parser accepts: the bounds `Kdf::from_json` enforces.
fn within_bounds(kdf: &Kdf) {
    match kdf {
        Kdf::Scrypt { n, r, p, .. } => {
            assert!(n.is_power_of_two() && *n >= 2, "scrypt n = {n}");
            assert!(*r > 0 && *p > 0 && *p <= 16, "scrypt r = {r}, p = {p}");
            assert!(128 * u64::from(*r) * n <= 1 << 30, "scrypt memory over 1 GiB");
        }
        Kdf::Pbkdf2 { c, .. } => assert!(*c > 0 && *c <= 10_000_000, "pbkdf2 c = {c}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    let password = Password::new("testpassword");
    if let Ok(keystore) = Eip2335Keystore::from_json(json) {
        within_bounds(keystore.kdf());
        let written = keystore.to_json();
        let again = Eip2335Keystore::from_json(&written).expect("written EIP-2335 JSON parses");
        assert_eq!(again.kdf(), keystore.kdf());
        assert_eq!(again.pubkey(), keystore.pubkey());
        assert_eq!(again.uuid(), keystore.uuid());
        assert_eq!(again.to_json(), written, "EIP-2335 JSON is not a fixed point");
        if cheap(keystore.kdf()) {
            let _ = keystore.decrypt(&password);
        }
    }
    if let Ok(keystore) = V3Keystore::from_json(json) {
        within_bounds(keystore.kdf());
        let written = keystore.to_json();
        let again = V3Keystore::from_json(&written).expect("written V3 JSON parses");
        assert_eq!(again.kdf(), keystore.kdf());
        assert_eq!(again.address(), keystore.address());
        assert_eq!(again.to_json(), written, "V3 JSON is not a fixed point");
        if cheap(keystore.kdf()) {
            let _ = keystore.decrypt(&password);
        }
    }
});
