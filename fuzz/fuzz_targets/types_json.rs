//! `vigil-types`' JSON wire forms, as every service reads them with `serde_json`:
//! `SignedCheckpoint`, `Certificate`, `Evidence` and `Offence` (and through them `Checkpoint`,
//! `SigningDomain`, the quoted integers and the hex fields). Never panics; whatever decodes
//! encodes to JSON that decodes to the same value, and that JSON is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};
use vigil_types::{Certificate, Evidence, Offence, SignedCheckpoint};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    data: &[u8],
) -> Option<T> {
    let value: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&value).expect("a decoded value serializes");
    let again: T = serde_json::from_slice(&json).expect("re-encoded JSON decodes");
    assert_eq!(again, value);
    assert_eq!(serde_json::to_vec(&again).expect("serializes"), json, "JSON is not a fixed point");
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    if let Some(signed) = round_trip::<SignedCheckpoint>(data) {
        let _ = signed.digest();
    }
    round_trip::<Certificate>(data);
    if let Some(evidence) = round_trip::<Evidence>(data) {
        let _ = evidence.offence();
    }
    round_trip::<Offence>(data);
});
