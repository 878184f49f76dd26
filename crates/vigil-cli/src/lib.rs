//! What Vigil's binaries (`vigil-operator`, `vigil-aggregator`, `vigil-slasher`) share, so they
//! start, log, load configuration and stop the same way:
//!
//! - [`init_logs`]: a `tracing` subscriber on stderr, text or JSON lines, filtered by `RUST_LOG`.
//! - [`shutdown_signal`]: resolves on Ctrl-C or SIGTERM.
//! - [`load_config`]: defaults, then a TOML file, then `<PREFIX><SECTION>__<FIELD>` environment
//!   overrides, with [`ConfigError`] when that does not give a valid configuration;
//!   [`resolve_path`] and [`resolve_sqlite_url`] make a config's relative paths relative to it.
//! - [`RunError`] and [`Listening`]: what a service's `run` reports.

mod config;
mod logs;
mod paths;
mod run;
mod signal;

pub use config::{ConfigError, load_config, load_config_ignoring};
pub use logs::init_logs;
pub use paths::{resolve_path, resolve_sqlite_url};
pub use run::{Listening, RunError};
pub use signal::shutdown_signal;
