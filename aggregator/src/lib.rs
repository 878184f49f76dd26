//! Vigil's aggregator, as a library: the binary `vigil-aggregator` only parses its CLI and config
//! and calls into this crate.

pub mod api;
pub mod config;
pub mod engine;
pub mod intake;
pub mod metrics;
pub use vigil_chain::operator_set;
pub mod preflight;
pub mod runner;
pub mod service;
pub mod store;
pub mod submit;
pub mod weights;
