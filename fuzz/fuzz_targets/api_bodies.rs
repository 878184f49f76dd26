//! The request bodies the aggregator's and the slasher's HTTP handlers deserialize, with
//! `serde_json::from_slice` as the handlers do: `POST /v1/signatures` (aggregator: one
//! `SignedCheckpoint`; slasher: one or an array), `POST /v1/signatures/batch` (aggregator: an
//! array) and `POST /v1/evidence` (slasher: `Evidence`, then its conflict check). Never panics;
//! whatever decodes re-encodes to JSON that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use vigil_types::{Evidence, SignedCheckpoint};

/// The slasher's `POST /v1/signatures` body (`OneOrMany` in `slasher/src/api.rs`, private to
/// that module): one signed checkpoint or an array.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Box<SignedCheckpoint>),
    Many(Vec<SignedCheckpoint>),
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    data: &[u8],
) -> Option<T> {
    let value: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&value).expect("a decoded body serializes");
    assert_eq!(serde_json::from_slice::<T>(&json).ok().as_ref(), Some(&value));
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let single = round_trip::<SignedCheckpoint>(data);
    let batch = round_trip::<Vec<SignedCheckpoint>>(data);
    match round_trip::<OneOrMany>(data) {
        Some(OneOrMany::One(one)) => assert_eq!(Some(*one), single),
        Some(OneOrMany::Many(many)) => assert_eq!(Some(many), batch),
        None => assert!(
            single.is_none() && batch.is_none(),
            "slasher refuses what the aggregator takes"
        ),
    }
    if let Some(evidence) = round_trip::<Evidence>(data) {
        let _ = evidence.offence();
    }
});
