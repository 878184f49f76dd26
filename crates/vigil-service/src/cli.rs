//! The command line every long-running service shares (`vigil-aggregator`, `vigil-slasher`):
//! `run`, `check` and `config` under `--config` and `--json-logs`, and one [`service_main`] that
//! loads the configuration, runs the command and turns the result into an exit status.

use std::{error::Error, future::Future, path::PathBuf, process::ExitCode};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use eyre::WrapErr;
use serde::Serialize;

use crate::{Listening, RunError, UsageError, preflight::Report};

/// A service: its configuration, its preflight and its run loop.
pub trait Service {
    /// The binary's name (`vigil-aggregator`).
    const NAME: &'static str;
    /// One line for `--help`.
    const ABOUT: &'static str;
    /// The sample configuration (`config/aggregator.toml`), named in `--help`.
    const SAMPLE: &'static str;
    /// The environment override prefix (`VIGIL_AGGREGATOR_`), named in `--help`.
    const ENV_PREFIX: &'static str;
    /// The configuration.
    type Config: Serialize + Sync;
    /// Why a configuration could not be loaded (always the user's to fix: exit status 2).
    type ConfigError: Error + Send + Sync + 'static;

    /// Defaults, then the file (if any), then the environment, validated.
    fn load(path: Option<&std::path::Path>) -> Result<Self::Config, Self::ConfigError>;

    /// Every dependency checked, one line each.
    fn check(config: &Self::Config) -> impl Future<Output = Report> + Send;

    /// Runs until `shutdown` resolves.
    fn run(
        config: &Self::Config,
        shutdown: impl Future<Output = ()> + Send + 'static,
        on_listening: impl FnOnce(Listening) + Send,
    ) -> impl Future<Output = Result<(), RunError>> + Send;
}

/// The shared arguments.
#[derive(Debug, Parser)]
#[command(version)]
pub struct ServiceCli {
    /// Config file (TOML). Fields can also come from <PREFIX><SECTION>__<FIELD> environment
    /// variables.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    pub json_logs: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: ServiceCommand,
}

/// The shared subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum ServiceCommand {
    /// Run the service until Ctrl-C or SIGTERM.
    Run,
    /// Check every dependency before running (L1, deployment, database, submitter key and
    /// gas, ports, …): one line per check with its fix; exit status 1 if any failed.
    Check,
    /// Print the effective configuration as JSON (defaults, file and environment merged; URL
    /// credentials masked).
    Config,
}

impl ServiceCli {
    /// Parses the process's arguments for `S` (its name, description and config sample in
    /// `--help`); exits with clap's usage message and status 2 on bad arguments.
    pub fn parse_for<S: Service>() -> Self {
        let command = Self::command().name(S::NAME).bin_name(S::NAME).about(S::ABOUT).mut_arg(
            "config",
            |arg| {
                arg.help(format!(
                    "Config file (TOML; see {}). Fields can also come from \
                     {}<SECTION>__<FIELD> environment variables.",
                    S::SAMPLE,
                    S::ENV_PREFIX
                ))
            },
        );
        Self::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
    }
}

/// A service binary's whole `main`: parse, log, load, run the command, exit status.
pub fn service_main<S: Service>() -> ExitCode {
    let cli = ServiceCli::parse_for::<S>();
    crate::init_logs(cli.json_logs);
    crate::exit(run_command::<S>(cli))
}

#[tokio::main]
async fn run_command<S: Service>(cli: ServiceCli) -> eyre::Result<()> {
    let config = S::load(cli.config.as_deref()).map_err(UsageError::new)?;
    match cli.command {
        ServiceCommand::Config => {
            let json = crate::config_json(&config).wrap_err("cannot render the configuration")?;
            println!("{json}");
        }
        ServiceCommand::Check => {
            let report = S::check(&config).await;
            print!("{report}");
            report.result()?;
        }
        ServiceCommand::Run => {
            S::run(&config, crate::shutdown_signal(), |l| {
                tracing::info!(target: "vigil::service", service = S::NAME, api = %l.api, metrics = %l.metrics, "listening");
            })
            .await?;
        }
    }
    Ok(())
}

/// Implements [`Service`] for a unit struct from the service's items: its configuration type
/// (with an associated `load`), its config error, its preflight `check` and its `runner::run`.
///
/// ```ignore
/// vigil_service::service! {
///     /// The `vigil-slasher` binary.
///     pub struct Slasher {
///         name: "vigil-slasher",
///         about: "Vigil slasher: …",
///         sample: "config/slasher.toml",
///         env_prefix: "VIGIL_SLASHER_",
///         config: config::SlasherConfig,
///         config_error: config::ConfigError,
///         check: preflight::check,
///         run: runner::run,
///     }
/// }
/// ```
#[macro_export]
macro_rules! service {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident {
            name: $name:literal,
            about: $about:literal,
            sample: $sample:literal,
            env_prefix: $prefix:literal,
            config: $config:ty,
            config_error: $config_error:ty,
            check: $check:path,
            run: $run:path $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ty;

        impl $crate::cli::Service for $ty {
            const NAME: &'static str = $name;
            const ABOUT: &'static str = $about;
            const SAMPLE: &'static str = $sample;
            const ENV_PREFIX: &'static str = $prefix;
            type Config = $config;
            type ConfigError = $config_error;

            fn load(
                path: ::std::option::Option<&::std::path::Path>,
            ) -> ::std::result::Result<Self::Config, Self::ConfigError> {
                <$config>::load(path)
            }

            async fn check(config: &Self::Config) -> $crate::preflight::Report {
                $check(config).await
            }

            async fn run(
                config: &Self::Config,
                shutdown: impl ::std::future::Future<Output = ()> + Send + 'static,
                on_listening: impl FnOnce($crate::Listening) + Send,
            ) -> ::std::result::Result<(), $crate::RunError> {
                $run(config, shutdown, on_listening).await
            }
        }
    };
}
