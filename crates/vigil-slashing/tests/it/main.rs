#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `vigil-slashing`'s integration tests: the detector against a brute-force oracle, and the
//! evidence store on SQLite and PostgreSQL.

mod detector;
mod feed;
mod store;
