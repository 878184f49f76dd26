//! `vigil-operator` end to end through its CLI, against a real anvil with EigenLayer's core and
//! Vigil deployed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod cli;
mod crash;
mod doctor;
mod inspect;
mod protection;
mod register;
mod api;
mod hostile;
mod hostile_batcher;
mod pipeline;
mod run;
mod openapi;
