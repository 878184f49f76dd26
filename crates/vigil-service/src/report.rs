//! How a binary's `main` ends when something went wrong: one paragraph on stderr, the error
//! and its causes, and a non-zero exit status.
//!
//! ```text
//! error: cannot load the slasher config
//!   caused by: environment variable VIGIL_SLASHER_API__ADRESS names no configuration field: …
//! ```
//!
//! No source locations or stack frames: a bad config or a missing file is the user's to fix, not
//! a bug. `RUST_LIB_BACKTRACE=1` adds the full report with its backtrace (the standard variable
//! for backtraces of errors). `RUST_BACKTRACE=1` alone, which many shells and CI set globally,
//! keeps its usual meaning for panics and does not turn every user error into a stack trace.

use std::{error::Error, fmt::Debug, process::ExitCode};

use crate::{ConfigError, RunError};

/// Exit status when the user's input is at fault (arguments, configuration, the files it
/// names): 2, as for clap's usage errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of any other failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status of a command that did all it could for now and must be run again later (a step
/// waits for a future block): 75, `EX_TEMPFAIL` of sysexits.h.
pub const EXIT_TEMPFAIL: u8 = 75;

/// A command stopped at a step that can only run later; it has said which. Exit status
/// [`EXIT_TEMPFAIL`].
#[derive(Debug, thiserror::Error)]
#[error("not finished: run the same command again later to resume")]
pub struct Incomplete;

/// Marks an error as the user's to fix (exit status [`EXIT_USAGE`]); shown as the error it
/// wraps.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct UsageError(Box<dyn Error + Send + Sync + 'static>);

impl UsageError {
    /// Wraps `error`.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        Self(error.into())
    }
}

/// Ends `main` with `result`: success, or the error's [`paragraph`] on stderr and exit status
/// [`EXIT_USAGE`] (an error of the user's: a [`UsageError`], a [`ConfigError`] or a
/// [`RunError::Config`] anywhere in its chain) or [`EXIT_FAILURE`].
///
/// `E` is typically `eyre::Report`.
pub fn exit<E>(result: Result<(), E>) -> ExitCode
where
    E: Debug + AsRef<dyn Error + Send + Sync + 'static>,
{
    let Err(report) = result else { return ExitCode::SUCCESS };
    let error: &(dyn Error + 'static) = report.as_ref();
    eprintln!("{}", paragraph(error));
    if backtrace_requested() {
        eprintln!("\n{report:?}");
    }
    if error.is::<Incomplete>() {
        return ExitCode::from(EXIT_TEMPFAIL);
    }
    ExitCode::from(if is_usage(error) { EXIT_USAGE } else { EXIT_FAILURE })
}

/// `error: <error>` and one `  caused by: <source>` line per cause. A cause whose text its
/// effect already shows (`"configuration: {0}"` over the same error) is not repeated; lines of a
/// multi-line message are indented under their first.
pub fn paragraph(error: &(dyn Error + 'static)) -> String {
    let mut out = format!("error: {}", indent(&error.to_string()));
    let mut shown = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !shown.contains(&text) {
            out.push_str("\n  caused by: ");
            out.push_str(&indent(&text));
        }
        shown = text;
        source = cause.source();
    }
    out
}

fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n    ")
}

fn is_usage(error: &(dyn Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<UsageError>()
            || e.is::<ConfigError>()
            || matches!(e.downcast_ref::<RunError>(), Some(RunError::Config(_)))
        {
            return true;
        }
        next = e.source();
    }
    false
}

fn backtrace_requested() -> bool {
    std::env::var("RUST_LIB_BACKTRACE").is_ok_and(|v| v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner\nsecond line")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot start")]
    struct Wrapper(#[source] Box<dyn Error + Send + Sync>);

    #[test]
    fn a_paragraph_shows_each_cause_once() {
        assert_eq!(paragraph(&Outer(Inner)), "error: outer: inner\n    second line");
        let wrapped = Wrapper(Box::new(std::io::Error::other("disk on fire")));
        assert_eq!(paragraph(&wrapped), "error: cannot start\n  caused by: disk on fire");
    }

    #[test]
    fn user_errors_are_recognised_through_the_chain() {
        let config = ConfigError::Missing { path: "/x.toml".into() };
        assert!(is_usage(&Wrapper(Box::new(config))));
        assert!(is_usage(&UsageError::new("bad --flag")));
        assert!(is_usage(&RunError::Config("no keystore".into())));
        assert!(!is_usage(&RunError::start("database", "L1 down")));
        assert!(!is_usage(&Outer(Inner)));
    }
}
