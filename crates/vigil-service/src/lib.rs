//! Vigil's service kernel: what the binaries (`vigil-operator`, `vigil-aggregator`,
//! `vigil-slasher`) share, so they start, log, load configuration, store, report errors and stop
//! the same way:
//!
//! - [`init_logs`]: a `tracing` subscriber on stderr, text or JSON lines, filtered by `RUST_LOG`.
//! - [`shutdown_signal`]: resolves on Ctrl-C or SIGTERM.
//! - [`load_config`]: defaults, then a TOML file, then `<PREFIX><SECTION>__<FIELD>` environment
//!   overrides ([`ENV_PREFIXES`]; a variable under a prefix that names no field is refused),
//!   with [`ConfigError`] when that does not give a valid configuration; [`check_env_name`]
//!   keeps the variables that hold passwords outside every prefix; [`resolve_path`] and
//!   [`resolve_sqlite_url`] make a config's relative paths relative to it.
//! - [`config_json`]: a configuration as JSON for people, URLs without their credentials.
//! - [`exit`]: the end of `main`, an error as one paragraph (no stack frames) and exit status 2
//!   for the user's errors ([`UsageError`]).
//! - [`RunError`] and [`Listening`]: what a service's `run` reports.
//! - [`preflight`]: the checks a service runs before it starts (`doctor`, `check`), one line
//!   each with its fix; [`preflight::chain`] and [`preflight::db`] hold the shared ones.
//! - [`db`]: opening a SQLite or PostgreSQL database with its migrations, and the stores' row
//!   helpers ([`db::now_ms`], [`db::to_i64`]).
//! - [`migrations`]: SQL migrations embedded with [`embed_migrations!`] and run by sqlx's runtime
//!   migrator, so no build compiles sqlx's macros (a second sqlx and SQLite for the host).
//! - [`http`]: what the three HTTP APIs share: one error body ([`http::ErrorBody`],
//!   `{"error": "<code>", "message": "…"}`) and error type ([`http::HttpError`]), the
//!   `GET /metrics` router, the `GET /openapi.json` route, binding and one graceful [`http::serve`].
//! - [`metrics`]: one way to define metrics (constructors that register in the process's one
//!   registry, [`metrics::registry`]), and its text encoding.
//! - [`cli`]: the command line of a long-running service (`run`, `check`, `config`) and its whole
//!   `main` ([`cli::service_main`] over a [`cli::Service`], implemented with [`service!`]).
//! - [`sections`]: the configuration the aggregator and the slasher share (`[chain]`, the
//!   submitting key, the replica's lease name), validated and acted on once.
//! - [`tasks`]: a service's named tasks and their graceful shutdown ([`tasks::TaskManager`]): a
//!   failed task stops the service, stragglers are aborted after a grace period.
//! - [`outbox`]: the transaction outbox the aggregator and the slasher send through: leases
//!   ([`outbox::LeaseTable`]), chain-first checks, write-ahead, fee bumps, resends
//!   ([`outbox::TxManager`] over a domain's [`outbox::Job`]).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod cli;
mod config;
pub mod db;
pub mod http;
mod logs;
pub mod metrics;
pub mod migrations;
pub mod outbox;
mod paths;
pub mod preflight;
mod report;
pub mod rpc_metrics;
mod run;
pub mod sections;
mod show;
mod signal;
pub mod tasks;

pub use config::{
    AGGREGATOR_ENV_PREFIX, ConfigError, ENV_PREFIXES, OPERATOR_ENV_PREFIX, SLASHER_ENV_PREFIX,
    check_env_name, load_config,
};
pub use logs::init_logs;
pub use paths::{resolve_path, resolve_sqlite_url};
pub use report::{
    EXIT_FAILURE, EXIT_TEMPFAIL, EXIT_USAGE, Incomplete, UsageError, exit, paragraph,
};
pub use run::{BoxError, Listening, RunError};
pub use show::config_json;
pub use signal::shutdown_signal;
