//! Service processes under test: waiting until one answers, and failing fast when it died.

use std::{process::Child, time::Duration};

/// How often [`wait_healthy`] asks.
const POLL: Duration = Duration::from_millis(50);

/// Waits until `GET health_url` (say `{api}/v1/health`) answers with a success status, for up to
/// `timeout`. `child` is the process that serves it, if it runs as one: its exit ends the wait
/// at once rather than after the timeout.
///
/// # Panics
///
/// When `child` exits or `timeout` passes first, naming `what` and showing `logs()`: this is a
/// test assertion.
#[allow(clippy::panic)]
pub async fn wait_healthy(
    what: &str,
    health_url: &str,
    mut child: Option<&mut Child>,
    timeout: Duration,
    logs: impl Fn() -> String,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if let Some(child) = child.as_deref_mut() {
            match child.try_wait() {
                Ok(Some(status)) => panic!("{what} exited ({status}): {}", logs()),
                Ok(None) => {}
                Err(e) => panic!("{what}: cannot poll its process: {e}"),
            }
        }
        if reqwest::get(health_url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("{what} not ready after {timeout:?}: {}", logs());
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    #[tokio::test]
    #[should_panic(expected = "sleeper exited")]
    async fn an_exited_process_fails_fast() {
        let mut child = Command::new("true").stdout(Stdio::null()).spawn().unwrap();
        wait_healthy(
            "sleeper",
            "http://127.0.0.1:9/v1/health",
            Some(&mut child),
            Duration::from_secs(60),
            || "its logs".to_owned(),
        )
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "nothing not ready")]
    async fn nothing_listening_times_out() {
        wait_healthy(
            "nothing",
            "http://127.0.0.1:9/v1/health",
            None,
            Duration::from_millis(200),
            String::new,
        )
        .await;
    }
}
