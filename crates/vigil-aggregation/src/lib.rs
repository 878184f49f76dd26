//! Vigil's aggregator, as a library: the binary `vigil-aggregator` only parses its CLI and config
//! and calls into this crate.

pub mod store;
