//! Beacon API answers as `vigil_da::BeaconClient` parses them (untrusted JSON from any
//! configured endpoint): `/eth/v1/beacon/genesis`, `/eth/v1/config/spec`, `/eth/v1/beacon/blobs`
//! and `/eth/v1/beacon/blob_sidecars` (the last through `vigil_da::parse_sidecars`, which also
//! computes each header's SSZ root). Never panics; timing derived from a parsed genesis and spec
//! never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_da::{BeaconData, BeaconGenesis, BeaconSpec, ChainTiming};
use vigil_types::Bytes;

fuzz_target!(|data: &[u8]| {
    let genesis = serde_json::from_slice::<BeaconData<BeaconGenesis>>(data).ok();
    let spec = serde_json::from_slice::<BeaconData<BeaconSpec>>(data).ok();
    if let Some(spec) = spec {
        // The clock as the client builds it (a zero slot length or epoch is refused there; the
        // arithmetic must not panic on it either).
        let timing = ChainTiming {
            genesis_time: genesis.map_or(0, |g| g.data.genesis_time),
            seconds_per_slot: spec.data.seconds_per_slot,
            slots_per_epoch: spec.data.slots_per_epoch,
            min_epochs_for_blob_sidecars_requests: spec.data.min_epochs_for_blob_sidecars_requests,
        };
        for timestamp in [0, timing.genesis_time, u64::MAX, spec.data.seconds_per_slot] {
            if let Some(slot) = timing.slot_of(timestamp) {
                let _ = timing.epoch_of_slot(slot);
            }
        }
    }
    let _ = serde_json::from_slice::<BeaconData<Vec<Bytes>>>(data);
    let _ = vigil_da::parse_sidecars(data);
});
