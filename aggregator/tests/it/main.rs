//! The `vigil-aggregator` binary: its command line (`cli`: configuration, error reports,
//! redaction, defaults) and its restarts against real parts (`restart`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod archive;
mod check;
mod cli;
mod restart;
mod aggregate;
mod api;
mod openapi;
mod store;
mod submit;
mod weights;
