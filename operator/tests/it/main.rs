//! `vigil-operator` end to end through its CLI, against a real anvil with EigenLayer's core and
//! Vigil deployed.
// `cfg(test)` marks the crate as test code, so the workspace's `clippy.toml` (`allow-*-in-tests`)
// lets its helpers unwrap, expect, panic and index as test functions may.
#![cfg(test)]
#![allow(missing_docs, unreachable_pub)]

mod api;
mod batch_signing;
mod cli;
mod crash;
mod doctor;
mod failover;
mod hostile;
mod hostile_batcher;
mod inspect;
mod openapi;
mod pipeline;
mod protection;
mod register;
mod reorg;
mod run;
mod support;
