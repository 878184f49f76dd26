//! The OP blob codec (`vigil_da::op::blob_codec`). The input is a blob's prefix; the rest of
//! the 131,072 bytes are zero (real blobs end in zeros, and small inputs fuzz faster). Never
//! panics; a decoded blob re-encodes to the same blob except for field element 0's top two bits
//! (which the decoder ignores, as op-node does) and decodes to the same data; blobs of the wrong
//! size are refused; and the input taken as data round-trips through `encode` and `decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_da::op::blob_codec::{self, BLOB_SIZE, MAX_BLOB_DATA_SIZE};

fuzz_target!(|data: &[u8]| {
    // As given: only a full-size blob decodes.
    if data.len() != BLOB_SIZE {
        assert!(blob_codec::decode(data).is_err(), "a blob of the wrong size decoded");
    }
    let mut blob = data.get(..BLOB_SIZE).unwrap_or(data).to_vec();
    blob.resize(BLOB_SIZE, 0);
    if let Ok(decoded) = blob_codec::decode(&blob) {
        assert!(decoded.len() <= MAX_BLOB_DATA_SIZE);
        let encoded = blob_codec::encode(&decoded).expect("decoded data fits a blob");
        assert!(
            blob_codec::decode(&encoded).ok() == Some(decoded),
            "re-encoded blob decodes differently"
        );
        // Only field element 0's top two bits may differ.
        let mut masked = blob.clone();
        if let Some(first) = masked.first_mut() {
            *first &= 0b0011_1111;
        }
        assert!(encoded == masked, "re-encoding differs beyond field element 0's top bits");
    }
    let encoded = blob_codec::encode(data);
    if data.len() <= MAX_BLOB_DATA_SIZE {
        let encoded = encoded.expect("data that fits is encoded");
        assert!(
            blob_codec::decode(&encoded).ok().as_deref() == Some(data),
            "data does not round-trip"
        );
    } else {
        assert!(encoded.is_err());
    }
});
