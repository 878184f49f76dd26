//! Vigil's aggregator, as a library: the binary `vigil-aggregator` only parses its CLI and config
//! and calls into this crate.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

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

/// The `vigil-aggregator` binary as a [`vigil_service::cli::Service`]: its whole `main` is
/// `vigil_service::cli::service_main::<Aggregator>()`.
#[derive(Debug, Clone, Copy)]
pub struct Aggregator;

impl vigil_service::cli::Service for Aggregator {
    const NAME: &'static str = "vigil-aggregator";
    const ABOUT: &'static str = "Vigil aggregator: Collects operators' signed checkpoints, aggregates them by stake and submits certificates";
    const SAMPLE: &'static str = "config/aggregator.toml";
    const ENV_PREFIX: &'static str = "VIGIL_AGGREGATOR_";
    type Config = config::AggregatorConfig;
    type ConfigError = config::ConfigError;

    fn load(path: Option<&std::path::Path>) -> Result<Self::Config, Self::ConfigError> {
        config::AggregatorConfig::load(path)
    }

    async fn check(config: &Self::Config) -> vigil_service::preflight::Report {
        preflight::check(config).await
    }

    async fn run(
        config: &Self::Config,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        on_listening: impl FnOnce(vigil_service::Listening) + Send,
    ) -> std::result::Result<(), vigil_service::RunError> {
        runner::run(config, shutdown, on_listening).await
    }
}
