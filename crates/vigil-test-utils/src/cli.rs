//! A built binary as a newcomer meets it: started with none of the caller's overrides, and its
//! error reports checked to be one paragraph (no backtrace, no stack frames).

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// The repository's root folder (tests live two levels below it at most: `crates/x`, `operator`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or_else(|| here.join("../.."), Path::to_path_buf)
}

/// `binary` (a `CARGO_BIN_EXE_…` path) with every variable under one of `prefixes` (compared
/// case-insensitively) or named in `also` removed from its environment, `RUST_LOG=warn`, and
/// `RUST_BACKTRACE=1` as many shells and CI set it (the setting that used to turn a config error
/// into 40 stack frames).
pub fn clean_command(binary: impl AsRef<OsStr>, prefixes: &[&str], also: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    for (key, _) in std::env::vars_os() {
        let upper = key.to_string_lossy().to_ascii_uppercase();
        if prefixes.iter().any(|p| upper.starts_with(p)) || also.contains(&upper.as_str()) {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn").env("RUST_BACKTRACE", "1").env_remove("RUST_LIB_BACKTRACE");
    cmd
}

/// A finished process's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The credentials the CLI tests write into URLs (`user:secret@…/v3/KEY?apikey=SECRET`).
pub const URL_SECRETS: [&str; 3] = ["secret", "KEY", "SECRET"];

/// A finished process's stdout, asserting that it succeeded and wrote UTF-8.
///
/// # Panics
///
/// When it failed (showing its stderr) or its stdout is not UTF-8: this is a test assertion.
#[allow(clippy::panic)]
pub fn success_stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    String::from_utf8(out.stdout.clone()).unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}"))
}

/// Asserts that `text` shows none of [`URL_SECRETS`].
///
/// # Panics
///
/// When it does: this is a test assertion.
#[allow(clippy::panic)]
pub fn assert_no_secrets(text: &str) {
    for secret in URL_SECRETS {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

/// Asserts that `out` failed with exit status `code` and an error report in one paragraph
/// ([`assert_one_paragraph`]) that names `endpoint` and none of [`URL_SECRETS`].
///
/// # Panics
///
/// When it does not: this is a test assertion.
#[allow(clippy::panic)]
pub fn assert_redacted_failure(out: &Output, code: i32, endpoint: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(endpoint), "{err}");
    assert_no_secrets(&err);
    assert_one_paragraph(&err);
}

/// The error report: from the `error:` line on, only `caused by:` lines and indented
/// continuations; no source locations, no backtrace, no stack frames.
///
/// # Panics
///
/// When `stderr` is not such a report: this is a test assertion.
#[allow(clippy::panic, clippy::indexing_slicing)]
pub fn assert_one_paragraph(stderr: &str) {
    let report: Vec<&str> = stderr.lines().skip_while(|l| !l.starts_with("error: ")).collect();
    assert!(!report.is_empty(), "no `error:` line:\n{stderr}");
    for line in &report[1..] {
        assert!(
            line.starts_with("  caused by: ") || line.starts_with("    "),
            "{line:?}\n{stderr}"
        );
    }
    let lower = stderr.to_lowercase();
    assert!(!lower.contains("backtrace") && !stderr.contains("Location:"), "{stderr}");
    for line in stderr.lines() {
        let t = line.trim_start();
        let frame = t.split_once(": ").is_some_and(|(n, _)| n.parse::<u32>().is_ok())
            || (t.starts_with("at ") && t.contains(".rs:"));
        assert!(!frame, "a stack frame: {line:?}\n{stderr}");
    }
}

/// The variable names a README's `export NAME=…` lines set (several per line allowed).
///
/// # Panics
///
/// When the README cannot be read.
#[allow(clippy::panic)]
pub fn readme_exports(readme: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(readme)
        .unwrap_or_else(|e| panic!("reading {}: {e}", readme.display()));
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .flat_map(str::split_whitespace)
        .filter_map(|assignment| assignment.split_once('=').map(|(name, _)| name.to_owned()))
        .collect()
}

/// A preflight (`check`, `doctor`) that passed: asserts the process succeeded and every line is
/// an `ok` line, and returns the checks' names in order with its whole stdout.
///
/// # Panics
///
/// When the process failed or a line is not `ok`: this is a test assertion.
#[allow(clippy::panic)]
pub fn passed_checks(out: &Output) -> (Vec<String>, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}\n{}", stderr(out));
    let names = stdout
        .lines()
        .map(|l| l.strip_prefix("ok    ").unwrap_or_else(|| panic!("{l:?}\n{stdout}")))
        .map(|l| l.split(": ").next().unwrap_or(l).to_owned())
        .collect();
    (names, stdout)
}

/// Asserts that a preflight (`check`, `doctor`) passed with exactly the checks `names`, in
/// order (see [`passed_checks`]); returns its stdout for further assertions.
///
/// # Panics
///
/// When it failed, a line is not `ok` or the checks differ: this is a test assertion.
#[allow(clippy::panic)]
pub fn assert_checks_passed(out: &Output, names: &[&str]) -> String {
    let (passed, stdout) = passed_checks(out);
    assert_eq!(passed, names, "{stdout}");
    stdout
}

/// Asserts that a preflight (`check`, `doctor`) failed with exit status 1, as it does when a
/// check fails; returns its stdout (the `FAIL` lines and their fixes).
///
/// # Panics
///
/// When it exited otherwise: this is a test assertion.
#[allow(clippy::panic)]
pub fn assert_checks_failed(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", stderr(out));
    stdout
}

/// Parses the shipped sample configuration `config/<file>` (at the repository root) strictly,
/// the way the services read theirs, for the test that the sample is exactly the defaults.
#[allow(clippy::panic)]
pub fn sample_config<T: serde::de::DeserializeOwned>(file: &str) -> T {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config").join(file);
    use figment::providers::Format as _;
    figment::Figment::from(figment::providers::Toml::file(&sample))
        .extract()
        .unwrap_or_else(|e| panic!("{}: {e}", sample.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_paragraph_report_passes() {
        assert_one_paragraph("error: config: bad\n  caused by: missing field\n    continued\n");
    }

    #[test]
    #[should_panic(expected = "a stack frame")]
    fn a_stack_frame_fails() {
        assert_one_paragraph("error: x\n    0: vigil::main\n");
    }

    #[test]
    #[should_panic(expected = "no `error:` line")]
    fn no_report_fails() {
        assert_one_paragraph("all fine\n");
    }

    fn preflight(code: i32, stdout: &str) -> Output {
        use std::os::unix::process::ExitStatusExt;
        Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    #[test]
    fn passed_checks_are_named_in_order() {
        let out = preflight(0, "ok    L1 chain: 31337\nok    ports: free\n");
        let stdout = assert_checks_passed(&out, &["L1 chain", "ports"]);
        assert!(stdout.contains("31337"));
    }

    #[test]
    #[should_panic(expected = "ports")]
    fn a_missing_check_fails() {
        assert_checks_passed(&preflight(0, "ok    L1 chain: 31337\n"), &["L1 chain", "ports"]);
    }

    #[test]
    fn a_failed_preflight_exits_1() {
        let out = preflight(1, "FAIL  ports: taken\n      fix: free it\n");
        assert!(assert_checks_failed(&out).contains("fix: free it"));
    }

    #[test]
    fn the_root_holds_the_lock_file() {
        assert!(repo_root().join("Cargo.lock").is_file());
    }
}
