//! The `vigil-slasher` binary against real parts: anvil with EigenLayer's core and Vigil's
//! contracts, registered operators, a real aggregator (in process) serving its feed over HTTP,
//! and the slasher as a child process on SQLite (and PostgreSQL for the restart test).
// `cfg(test)` marks the crate as test code, so the workspace's `clippy.toml` (`allow-*-in-tests`)
// lets its helpers unwrap, expect, panic and index as test functions may.
#![cfg(test)]
#![allow(missing_docs, unreachable_pub)]

mod alarm;
mod archive;
mod batch_evidence;
mod check;
mod cli;
mod detector;
mod e2e;
mod feed;
mod flood;
mod harness;
mod openapi;
mod reorg;
mod restart;
mod store;
mod veto;
