//! Vigil's aggregator, as a library: the binary `vigil-aggregator` only parses its CLI and config
//! and calls into this crate.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod api;
pub mod batch;
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
pub mod submit_batch;
pub mod verify;
pub mod weights;

vigil_service::service! {
    /// The `vigil-aggregator` binary as a [`vigil_service::cli::Service`]: its whole `main` is
    /// `vigil_service::cli::service_main::<Aggregator>()`.
    pub struct Aggregator {
        name: "vigil-aggregator",
        about: "Vigil aggregator: Collects operators' signed checkpoints, aggregates them by stake and submits certificates",
        sample: "config/aggregator.toml",
        env_prefix: "VIGIL_AGGREGATOR_",
        config: config::AggregatorConfig,
        config_error: config::ConfigError,
        check: preflight::check,
        run: runner::run,
    }
}
