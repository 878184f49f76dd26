//! vigil-crypto integration tests: public vectors, hostile input, aggregation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod bls;
mod hostile;
mod vectors;

use std::path::PathBuf;

/// `testdata/vectors` at the workspace root.
pub(crate) fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    ::hex::decode(s.trim_start_matches("0x")).expect("hex")
}
