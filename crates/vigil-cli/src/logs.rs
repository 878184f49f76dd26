//! Logging setup.

use tracing_subscriber::EnvFilter;

/// Installs the global `tracing` subscriber: stderr (stdout stays for command output), filtered
/// by `RUST_LOG` (default `info`), as text or, with `json`, one JSON object per line.
///
/// Call it once, first thing in `main`: a second call panics (`tracing_subscriber`'s `init`).
pub fn init_logs(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
