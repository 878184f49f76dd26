//! `vigil-types`' compact binary form: `SignedCheckpoint`, `Certificate` and `Evidence`
//! (`Compact::from_compact`). Never panics; whatever decodes re-encodes to the very same bytes
//! (the form is canonical: fixed widths, length-checked signatures, no trailing bytes) and
//! decodes again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_types::{Certificate, Compact, Evidence, SignedCheckpoint};

fn check<T: Compact + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = T::from_compact(data) {
        let encoded = value.to_compact();
        assert!(encoded == data, "re-encoding is not byte-identical");
        let again = T::from_compact(&encoded).expect("re-encoded value decodes");
        assert_eq!(again, value);
    }
}

fuzz_target!(|data: &[u8]| {
    check::<SignedCheckpoint>(data);
    check::<Certificate>(data);
    if let Ok(evidence) = Evidence::from_compact(data) {
        let encoded = evidence.to_compact();
        assert!(encoded == data, "re-encoding is not byte-identical");
        assert_eq!(Evidence::from_compact(&encoded).ok(), Some(evidence.clone()));
        // The conflict rule runs on decoded evidence before any signature check.
        let _ = evidence.offence();
    }
});
