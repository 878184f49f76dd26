#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod beacon;
mod blob_codec;
mod op_anvil;
mod op_realdata;
