//! Logging setup.

use tracing_subscriber::{EnvFilter, filter::Directive};

/// Targets whose spans or events carry a full endpoint URL (alloy's HTTP transport records its
/// URL, API key and all, in a `debug` span around every request): capped at `info` whatever
/// `RUST_LOG` says, since Vigil's own logs show endpoints redacted.
const URL_LEAKING_TARGETS: &[&str] = &["alloy_transport_http=info"];

/// Installs the global `tracing` subscriber: stderr (stdout stays for command output), filtered
/// by `RUST_LOG` (default `info`), as text or, with `json`, one JSON object per line.
///
/// Call it once, first thing in `main`: a second call panics (`tracing_subscriber`'s `init`).
pub fn init_logs(json: bool) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for directive in URL_LEAKING_TARGETS {
        if let Ok(d) = directive.parse::<Directive>() {
            filter = filter.add_directive(d);
        }
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
