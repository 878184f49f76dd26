//! Vigil's binaries as child processes: started with their output in a log file, watched, and
//! stopped with SIGTERM (then SIGKILL after a grace period).

use std::{
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    time::Duration,
};

use tokio::process::{Child, Command};
use tracing::{info, warn};

use crate::{Error, Result};

/// Where Vigil's binaries are: `$VIGIL_BIN_DIR`, else the folder of the running executable
/// (the devnet is built with them) or its parent (a test binary in `target/<profile>/deps`),
/// else `PATH`.
pub fn binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("VIGIL_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().ok();
    let dirs = exe.iter().flat_map(|e| e.ancestors().skip(1).take(2));
    for dir in dirs {
        let candidate = dir.join(name);
        if candidate.exists() {
            return candidate;
        }
    }
    PathBuf::from(name)
}

/// One supervised child.
#[derive(Debug)]
struct Managed {
    name: String,
    child: Child,
    log: PathBuf,
}

/// The devnet's children. Dropping it kills whatever still runs.
#[derive(Debug, Default)]
pub struct Supervisor {
    children: Vec<Managed>,
}

fn open_log(path: &Path) -> Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(Error::io(path))
}

impl Supervisor {
    /// An empty supervisor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `program args` named `name`, stdout and stderr appended to `log`.
    pub fn spawn(
        &mut self,
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Result<()> {
        let out = open_log(log)?;
        let err = out.try_clone().map_err(Error::io(log))?;
        let child = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Process {
                name: name.to_owned(),
                reason: format!(
                    "cannot start {}: {e} (build it: cargo build --release, or set VIGIL_BIN_DIR)",
                    program.display()
                ),
            })?;
        info!(target: "vigil::devnet", name, pid = child.id(), log = %log.display(), "started");
        self.children.push(Managed { name: name.to_owned(), child, log: log.to_path_buf() });
        Ok(())
    }

    /// The first child that has exited since it was started, with its status and log.
    pub fn exited(&mut self) -> Option<(String, ExitStatus, PathBuf)> {
        self.children.iter_mut().find_map(|m| match m.child.try_wait() {
            Ok(Some(status)) => Some((m.name.clone(), status, m.log.clone())),
            _ => None,
        })
    }

    /// Fails if any child has exited.
    pub fn check(&mut self) -> Result<()> {
        match self.exited() {
            None => Ok(()),
            Some((name, status, log)) => Err(Error::Process {
                name,
                reason: format!("exited ({status}); its log: {}", log.display()),
            }),
        }
    }

    /// Stops every child, newest first: SIGTERM, then SIGKILL for any still running after
    /// `grace`.
    pub async fn stop_all(&mut self, grace: Duration) {
        for m in self.children.iter().rev() {
            if let Some(pid) = m.child.id() {
                let _ = std::process::Command::new("kill")
                    .arg("-TERM")
                    .arg(pid.to_string())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        for m in self.children.iter_mut().rev() {
            match tokio::time::timeout(grace, m.child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => {
                    warn!(target: "vigil::devnet", name = %m.name, %status, "exited uncleanly")
                }
                Ok(Err(e)) => warn!(target: "vigil::devnet", name = %m.name, %e, "wait failed"),
                Err(_) => {
                    warn!(target: "vigil::devnet", name = %m.name, "did not stop in time: killed");
                    let _ = m.child.kill().await;
                }
            }
        }
        self.children.clear();
    }
}

/// Polls `url` until it answers 2xx, `child_check` fails, or `timeout` passes.
pub async fn wait_http(
    supervisor: &mut Supervisor,
    name: &str,
    url: &str,
    timeout: Duration,
) -> Result<()> {
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        supervisor.check()?;
        if http
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success() || r.status().as_u16() == 206)
        {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Process {
                name: name.to_owned(),
                reason: format!("not answering {url} after {timeout:?}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
