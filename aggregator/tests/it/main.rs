//! The `vigil-aggregator` binary: its command line (`cli`: configuration, error reports,
//! redaction, defaults) and its restarts against real parts (`restart`); `support` holds the real
//! data (operators, checkpoints, certificates) the store and API suites build.
// `cfg(test)` marks the crate as test code, so the workspace's `clippy.toml` (`allow-*-in-tests`)
// lets its helpers unwrap, expect, panic and index as test functions may.
#![cfg(test)]
#![allow(missing_docs, unreachable_pub)]

mod aggregate;
mod api;
mod archive;
mod attack;
mod batch;
mod batch_process;
mod check;
mod cli;
mod failover;
mod openapi;
mod reorg;
mod replicas;
mod restart;
mod store;
mod submit;
mod support;
mod tls;
mod weights;
