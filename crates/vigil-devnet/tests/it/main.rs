//! The devnet as a user runs it (through `vigil_devnet::run`, with the release binaries of
//! `VIGIL_BIN_DIR` or the workspace's own): resuming a stopped devnet, surviving killed services
//! (and taking its children along when killed itself), and the monitoring files against a
//! running one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod attack;
mod monitoring;
mod readme;
mod resume;
mod survive;

/// Devnets are heavy (two chains, six processes) and this machine has two cores: one at a time.
pub static ONE_DEVNET_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A port offset for test `n` of this run, clear of the default ports and of other test runs.
pub fn port_offset(n: u16) -> u16 {
    let run = u16::try_from(std::process::id() % 200).unwrap();
    1_000 + run * 10 + n * 5
}
