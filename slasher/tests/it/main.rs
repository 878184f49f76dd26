//! The `vigil-slasher` binary against real parts: anvil with EigenLayer's core and Vigil's
//! contracts, registered operators, a real aggregator (in process) serving its feed over HTTP,
//! and the slasher as a child process on SQLite (and PostgreSQL for the restart test).
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
mod e2e;
mod harness;
mod openapi;
mod restart;
mod detector;
mod feed;
mod store;
