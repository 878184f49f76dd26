//! Vigil's binaries as child processes: started with their output appended to a log file,
//! restarted with backoff when they exit ([`RestartPolicy`]), and stopped with SIGTERM (then
//! SIGKILL after a grace period).
//!
//! # Children die with the devnet
//!
//! Every child the devnet starts (the services here, and the two anvils of [`crate::chain`]) is
//! forked with `PR_SET_PDEATHSIG` set between fork and exec ([`spawn_bound`]): the kernel sends
//! the child a signal when its parent dies, however it dies, SIGKILL included. A process group
//! killed on exit would need the devnet alive to send the kill, which is exactly what SIGKILL
//! rules out, so the devnet relies on the kernel instead.
//!
//! The kernel ties the signal to the *thread* that forked the child, not to the process: a
//! child forked from a thread that later exits is killed then, with the devnet still running.
//! `tokio::process` forks from whichever thread calls `spawn`: a test's own thread, which ends
//! with the test, or a runtime worker, which is a thread of tokio's blocking pool and goes back
//! to it after a `block_in_place` (anywhere in the process), where idle threads exit after 10 s.
//! So every child is forked from one dedicated thread that lives as long as the process
//! (`a_child_outlives_the_thread_that_asked_for_it`).
//!
//! The services get SIGKILL (they keep nothing in memory that matters: the operator's slashing
//! protection, the aggregator's and the slasher's databases are written before they act, which
//! is also what lets them be restarted after a crash); anvil gets SIGTERM, which makes it write
//! its state file. Linux only: elsewhere the children outlive a killed devnet.
//! The short-lived `vigil-operator register` runs during set-up are not bound; they end by
//! themselves.

use std::{
    collections::VecDeque,
    ffi::OsString,
    fmt, io,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{OnceLock, mpsc},
    time::{Duration, Instant},
};

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

/// What a child gets when the devnet dies (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeathSignal {
    /// SIGKILL: for the services, which are crash-safe.
    Kill,
    /// SIGTERM: for anvil, which writes its state file on SIGTERM.
    Terminate,
}

impl DeathSignal {
    fn number(self) -> i32 {
        match self {
            Self::Kill => libc::SIGKILL,
            Self::Terminate => libc::SIGTERM,
        }
    }
}

type SpawnJob = (Command, mpsc::SyncSender<io::Result<Child>>);

/// The thread every child is forked from: started on first use, never ended, so a child's
/// parent-death signal fires only when the devnet's process ends.
fn spawner() -> io::Result<&'static mpsc::Sender<SpawnJob>> {
    static SPAWNER: OnceLock<Result<mpsc::Sender<SpawnJob>, String>> = OnceLock::new();
    SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<SpawnJob>();
            std::thread::Builder::new()
                .name("devnet-spawner".into())
                .spawn(move || {
                    for (mut command, reply) in rx {
                        let _ = reply.send(command.spawn());
                    }
                })
                .map(|_| tx)
                .map_err(|e| format!("cannot start the spawner thread: {e}"))
        })
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

/// Starts `command` so that it gets `signal` when the devnet's process ends (Linux; elsewhere a
/// plain spawn). Forks from the spawner thread; blocks the caller until the child has exec'd.
pub fn spawn_bound(mut command: Command, signal: DeathSignal) -> io::Result<Child> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        let signal = signal.number();
        // SAFETY: the closure runs in the forked child before exec, where only
        // async-signal-safe calls are allowed: prctl and getppid are, and it allocates nothing
        // (an `io::Error` from an OS error code is a plain value).
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
                // The devnet died between fork and prctl: no signal will ever come.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = signal;
    let (reply, answer) = mpsc::sync_channel(1);
    spawner()?
        .send((command, reply))
        .map_err(|_| io::Error::other("the spawner thread is gone"))?;
    answer.recv().map_err(|_| io::Error::other("the spawner thread is gone"))?
}

/// Sends `signal` to `child` unless it has exited. A child not yet reaped keeps its pid (as a
/// zombie at worst), so this never hits another process.
pub(crate) fn signal(child: &mut Child, signal: i32) {
    if let (Ok(None), Ok(pid)) = (child.try_wait(), libc::pid_t::try_from(child.id())) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe { libc::kill(pid, signal) };
    }
}

/// A child's exit as a person reads it: `SIGKILL (exit: signal 9)`, `exit code 1`.
pub fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        let name = match sig {
            libc::SIGHUP => "SIGHUP",
            libc::SIGINT => "SIGINT",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGILL => "SIGILL",
            libc::SIGABRT => "SIGABRT",
            libc::SIGBUS => "SIGBUS",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGTERM => "SIGTERM",
            _ => return format!("signal {sig}"),
        };
        format!("{name} (exit: signal {sig})")
    } else if let Some(code) = status.code() {
        format!("exit code {code}")
    } else {
        status.to_string()
    }
}

/// When a child that exited is started again, and when it counts as crash-looping.
///
/// The delay doubles from `initial` up to `max` for restarts in a row; a child that stayed up
/// for `stable_after` starts again from `initial`. More than `loop_limit` restarts within
/// `loop_window` is a crash loop: it is named once, and the child is still restarted, every
/// `max`, so the rest of the devnet stays up and a fixed binary or a freed resource brings it
/// back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestartPolicy {
    /// The first delay (1 s).
    pub initial: Duration,
    /// The longest delay, and the delay while crash-looping (30 s).
    pub max: Duration,
    /// Up this long before exiting, a child's backoff starts over (60 s).
    pub stable_after: Duration,
    /// The crash-loop window (2 min).
    pub loop_window: Duration,
    /// More restarts than this within `loop_window` is a crash loop (5).
    pub loop_limit: usize,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
            loop_window: Duration::from_secs(120),
            loop_limit: 5,
        }
    }
}

/// One child's restarts so far, for [`RestartPolicy::next`].
#[derive(Clone, Debug, Default)]
pub struct RestartHistory {
    in_a_row: u32,
    recent: VecDeque<Instant>,
    looping: bool,
}

/// What to do about one exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restart {
    /// Restarts in a row, this one included (1 for the first).
    pub attempt: u32,
    /// How long to wait before starting the child again.
    pub delay: Duration,
    /// Restarts within the window, this one included.
    pub in_window: usize,
    /// The child is crash-looping.
    pub crash_loop: bool,
    /// This exit is the one that made it crash-looping (say so once).
    pub newly_looping: bool,
}

impl RestartPolicy {
    /// The restart for a child that exited at `now` after being up for `up`.
    pub fn next(&self, history: &mut RestartHistory, up: Duration, now: Instant) -> Restart {
        if up >= self.stable_after {
            history.in_a_row = 0;
        }
        history.in_a_row = history.in_a_row.saturating_add(1);
        while history.recent.front().is_some_and(|t| now.duration_since(*t) >= self.loop_window) {
            history.recent.pop_front();
        }
        history.recent.push_back(now);
        let in_window = history.recent.len();
        let crash_loop = in_window > self.loop_limit;
        let newly_looping = crash_loop && !history.looping;
        history.looping = crash_loop;
        let doublings = history.in_a_row.saturating_sub(1).min(31);
        let delay = if crash_loop {
            self.max
        } else {
            self.initial.saturating_mul(1u32 << doublings).min(self.max)
        };
        Restart { attempt: history.in_a_row, delay, in_window, crash_loop, newly_looping }
    }
}

/// Something the supervisor did, for the live display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A child that exited runs again.
    Restarted {
        /// `aggregator`, `slasher`, `op0`, …
        name: String,
        /// How it had exited ([`describe_exit`]).
        after: String,
        /// Restarts in a row.
        attempt: u32,
        /// Its new pid.
        pid: u32,
    },
    /// A child restarts too often.
    CrashLooping {
        /// The child.
        name: String,
        /// Restarts within `window`.
        restarts: usize,
        /// The policy's crash-loop window.
        window: Duration,
        /// Its log.
        log: PathBuf,
        /// The delay between restarts from now on.
        retry_every: Duration,
    },
    /// Starting a child again failed (its binary is gone, …); tried again after `retry_in`.
    RestartFailed {
        /// The child.
        name: String,
        /// Why.
        reason: String,
        /// When the next try is.
        retry_in: Duration,
    },
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) { format!("{} min", s / 60) } else { format!("{s} s") }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Restarted { name, after, attempt, .. } => {
                write!(f, "{name} restarted after {after}, attempt {attempt}")
            }
            Self::CrashLooping { name, restarts, window, log, retry_every } => write!(
                f,
                "{name} is crash-looping: {restarts} restarts in {}; see {}; still restarting it every {}",
                human(*window),
                log.display(),
                human(*retry_every)
            ),
            Self::RestartFailed { name, reason, retry_in } => {
                write!(
                    f,
                    "{name} could not be restarted: {reason}; trying again in {}",
                    human(*retry_in)
                )
            }
        }
    }
}

/// How to start one child (again).
#[derive(Debug)]
struct Spec {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    log: PathBuf,
}

#[derive(Debug)]
enum State {
    Running {
        child: Child,
        since: Instant,
    },
    /// Exited with `after`; started again at `at`.
    Waiting {
        at: Instant,
        after: String,
        attempt: u32,
    },
}

/// One supervised child.
#[derive(Debug)]
struct Managed {
    name: String,
    spec: Spec,
    state: State,
    history: RestartHistory,
}

/// The devnet's services. Restarts those that exit ([`Supervisor::supervise`]); dropping it
/// kills whatever still runs.
#[derive(Debug, Default)]
pub struct Supervisor {
    children: Vec<Managed>,
    policy: RestartPolicy,
    pid_dir: Option<PathBuf>,
}

fn open_log(path: &Path) -> Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(Error::io(path))
}

/// Starts `spec` with its output appended to its log, bound to the devnet's life.
fn start(name: &str, spec: &Spec) -> Result<Child> {
    let out = open_log(&spec.log)?;
    let err = out.try_clone().map_err(Error::io(&spec.log))?;
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    spawn_bound(command, DeathSignal::Kill).map_err(|e| Error::Process {
        name: name.to_owned(),
        reason: format!(
            "cannot start {}: {e} (build it: cargo build --release, or set VIGIL_BIN_DIR)",
            spec.program.display()
        ),
    })
}

impl Supervisor {
    /// An empty supervisor with the default [`RestartPolicy`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Restarts by `policy` instead.
    pub fn with_policy(mut self, policy: RestartPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Writes each child's pid to `<dir>/<name>.pid` (rewritten on restart, removed on stop),
    /// so a person or a test can find it.
    pub fn with_pid_dir(mut self, dir: PathBuf) -> Self {
        self.pid_dir = Some(dir);
        self
    }

    fn write_pid(&self, name: &str, pid: u32) {
        let Some(dir) = &self.pid_dir else { return };
        let path = dir.join(format!("{name}.pid"));
        let written =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, format!("{pid}\n")));
        if let Err(e) = written {
            warn!(target: "vigil::devnet", name, path = %path.display(), %e, "cannot write the pid file");
        }
    }

    /// Starts `program args` named `name`, stdout and stderr appended to `log`. Returns its pid.
    pub fn spawn(
        &mut self,
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Result<u32> {
        let spec = Spec {
            program: program.to_path_buf(),
            args: args.iter().map(OsString::from).collect(),
            env: env.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect(),
            log: log.to_path_buf(),
        };
        let child = start(name, &spec)?;
        let pid = child.id();
        info!(target: "vigil::devnet", name, pid, log = %log.display(), "started");
        self.write_pid(name, pid);
        self.children.push(Managed {
            name: name.to_owned(),
            spec,
            state: State::Running { child, since: Instant::now() },
            history: RestartHistory::default(),
        });
        Ok(pid)
    }

    /// The pid of the child named `name`, while it runs.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.children.iter().find(|m| m.name == name).and_then(|m| match &m.state {
            State::Running { child, .. } => Some(child.id()),
            State::Waiting { .. } => None,
        })
    }

    /// Fails if any child has exited (while starting up, an exit is a broken configuration or
    /// binary, not something a restart fixes).
    pub fn check(&mut self) -> Result<()> {
        for m in &mut self.children {
            if let State::Running { child, .. } = &mut m.state
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::Process {
                    name: m.name.clone(),
                    reason: format!("exited ({status}); its log: {}", m.spec.log.display()),
                });
            }
        }
        Ok(())
    }

    /// Notices children that exited and starts again those whose delay has passed. Returns what
    /// a person watching should be told. Call it often (the devnet does, twice a second).
    pub fn supervise(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        let mut started = Vec::new();
        let now = Instant::now();
        for m in &mut self.children {
            match &mut m.state {
                State::Running { child, since } => {
                    let Ok(Some(status)) = child.try_wait() else { continue };
                    let after = describe_exit(status);
                    let r = self.policy.next(&mut m.history, since.elapsed(), now);
                    info!(target: "vigil::devnet", name = %m.name, exit = %after, attempt = r.attempt, delay = ?r.delay, "exited: restarting");
                    if r.newly_looping {
                        events.push(Event::CrashLooping {
                            name: m.name.clone(),
                            restarts: r.in_window,
                            window: self.policy.loop_window,
                            log: m.spec.log.clone(),
                            retry_every: self.policy.max,
                        });
                    }
                    m.state = State::Waiting { at: now + r.delay, after, attempt: r.attempt };
                }
                State::Waiting { at, after, attempt } => {
                    if now < *at {
                        continue;
                    }
                    match start(&m.name, &m.spec) {
                        Ok(child) => {
                            let pid = child.id();
                            info!(target: "vigil::devnet", name = %m.name, pid, "restarted");
                            events.push(Event::Restarted {
                                name: m.name.clone(),
                                after: std::mem::take(after),
                                attempt: *attempt,
                                pid,
                            });
                            started.push((m.name.clone(), pid));
                            m.state = State::Running { child, since: now };
                        }
                        Err(e) => {
                            let r = self.policy.next(&mut m.history, Duration::ZERO, now);
                            events.push(Event::RestartFailed {
                                name: m.name.clone(),
                                reason: e.to_string(),
                                retry_in: r.delay,
                            });
                            if r.newly_looping {
                                events.push(Event::CrashLooping {
                                    name: m.name.clone(),
                                    restarts: r.in_window,
                                    window: self.policy.loop_window,
                                    log: m.spec.log.clone(),
                                    retry_every: self.policy.max,
                                });
                            }
                            *at = now + r.delay;
                            *attempt = r.attempt;
                        }
                    }
                }
            }
        }
        for (name, pid) in started {
            self.write_pid(&name, pid);
        }
        events
    }

    /// Stops every child, newest first: SIGTERM, then SIGKILL for any still running after
    /// `grace`. Nothing is restarted afterwards.
    pub async fn stop_all(&mut self, grace: Duration) {
        for m in self.children.iter_mut().rev() {
            if let State::Running { child, .. } = &mut m.state {
                signal(child, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + grace;
        for m in self.children.iter_mut().rev() {
            let State::Running { child, .. } = &mut m.state else { continue };
            loop {
                match child.try_wait() {
                    Ok(Some(status)) if status.success() => break,
                    Ok(Some(status)) => {
                        warn!(target: "vigil::devnet", name = %m.name, %status, "exited uncleanly");
                        break;
                    }
                    Err(e) => {
                        warn!(target: "vigil::devnet", name = %m.name, %e, "wait failed");
                        break;
                    }
                    Ok(None) if Instant::now() >= deadline => {
                        warn!(target: "vigil::devnet", name = %m.name, "did not stop in time: killed");
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        }
        if let Some(dir) = &self.pid_dir {
            for m in &self.children {
                let _ = std::fs::remove_file(dir.join(format!("{}.pid", m.name)));
            }
        }
        self.children.clear();
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        for m in &mut self.children {
            if let State::Running { child, .. } = &mut m.state {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// One exit and what follows it, a row of a table: `(at, up, attempt, delay, in_window,
    /// crash_loop, newly_looping)`. `at` is seconds since the first exit and `up` the seconds the
    /// child had been up; the rest is the [`Restart`] expected, `delay` in seconds.
    type Case = (u64, u64, u32, u64, usize, bool, bool);

    /// The start of every crash streak under the default policy: the first exit (after `up`
    /// seconds), then two more 1 s after each restart, which wait 1, 2 and 4 s.
    fn first_crashes(up: u64) -> [Case; 3] {
        [
            (0, up, 1, 1, 1, false, false),
            (2, 1, 2, 2, 2, false, false),
            (5, 1, 3, 4, 3, false, false),
        ]
    }

    fn run(cases: impl IntoIterator<Item = Case>) {
        let policy = RestartPolicy::default();
        let mut history = RestartHistory::default();
        let t0 = Instant::now();
        for (i, (at, up, attempt, delay, in_window, crash_loop, newly_looping)) in
            cases.into_iter().enumerate()
        {
            let r =
                policy.next(&mut history, Duration::from_secs(up), t0 + Duration::from_secs(at));
            let want = Restart {
                attempt,
                delay: Duration::from_secs(delay),
                in_window,
                crash_loop,
                newly_looping,
            };
            assert_eq!(r, want, "exit #{i} at {at} s (up {up} s)");
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_a_crash_loop_is_named_once() {
        // Crashes at once every time: 1, 2, 4, 8, 16 s ...
        run(first_crashes(5).into_iter().chain([
            (10, 1, 4, 8, 4, false, false),
            (19, 1, 5, 16, 5, false, false),
            // ... the 6th restart within 2 min is a crash loop: named once, retried every 30 s.
            (36, 1, 6, 30, 6, true, true),
            (67, 1, 7, 30, 7, true, false),
            (98, 1, 8, 30, 8, true, false),
            // The first three have left the 2-min window; still six in it.
            (129, 1, 9, 30, 6, true, false),
            // Two quiet minutes: no longer a loop (named again if it comes back). The streak
            // goes on, as the child never stayed up, so the delay stays at the cap.
            (250, 1, 10, 30, 1, false, false),
        ]));
    }

    #[test]
    fn a_child_that_stayed_up_starts_its_backoff_over() {
        run(first_crashes(1000).into_iter().chain([
            // Up for 60 s: back to 1 s (the window still counts the earlier restarts).
            (66, 60, 1, 1, 4, false, false),
            (68, 1, 2, 2, 5, false, false),
            // Up 59 s: not long enough to reset.
            (128, 59, 3, 4, 3, false, false),
        ]));
    }

    #[test]
    fn the_delay_is_capped_however_long_the_streak() {
        run((0..40u32).map(|i| {
            let at = u64::from(i) * 1_000; // one exit every 1000 s: never a loop
            let delay = if i < 5 { 1u64 << i } else { 30 };
            (at, 1, i + 1, delay, 1, false, false)
        }));
    }

    #[test]
    fn restart_lines_read_as_the_display_shows_them() {
        use std::os::unix::process::ExitStatusExt;
        let killed = Event::Restarted {
            name: "op3".into(),
            after: describe_exit(ExitStatus::from_raw(libc::SIGKILL)),
            attempt: 1,
            pid: 7,
        };
        assert_eq!(killed.to_string(), "op3 restarted after SIGKILL (exit: signal 9), attempt 1");
        let failed = Event::Restarted {
            name: "slasher".into(),
            after: describe_exit(ExitStatus::from_raw(3 << 8)),
            attempt: 2,
            pid: 8,
        };
        assert_eq!(failed.to_string(), "slasher restarted after exit code 3, attempt 2");
        let looping = Event::CrashLooping {
            name: "op3".into(),
            restarts: 6,
            window: Duration::from_secs(120),
            log: PathBuf::from("logs/op3.log"),
            retry_every: Duration::from_secs(30),
        };
        assert_eq!(
            looping.to_string(),
            "op3 is crash-looping: 6 restarts in 2 min; see logs/op3.log; still restarting it every 30 s"
        );
    }

    fn alive(pid: u32) -> bool {
        // A zombie (killed, not yet reaped by whoever inherited it) counts as gone.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| !matches!(s.rsplit(')').next().map(str::trim_start), Some(r) if r.starts_with('Z') || r.starts_with('X')))
    }

    /// A child asked for from a short-lived thread outlives that thread: it was forked from the
    /// spawner thread, so its parent-death signal does not fire when the asking thread ends.
    #[test]
    fn a_child_outlives_the_thread_that_asked_for_it() {
        let child = std::thread::spawn(|| {
            let mut sleep = Command::new("sleep");
            sleep.arg("1000");
            spawn_bound(sleep, DeathSignal::Kill).unwrap()
        })
        .join()
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let pid = child.id();
        let mut child = child;
        assert!(child.try_wait().unwrap().is_none(), "killed with the asking thread");
        assert!(alive(pid));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// The supervisor restarts a child that exited, and names a crash loop.
    #[tokio::test]
    async fn an_exited_child_is_restarted_and_a_crash_loop_named() {
        let dir = tempfile::tempdir().unwrap();
        let fast = RestartPolicy {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(100),
            stable_after: Duration::from_secs(60),
            loop_window: Duration::from_secs(60),
            loop_limit: 2,
        };
        let mut procs = Supervisor::new().with_policy(fast).with_pid_dir(dir.path().join("run"));
        let log = dir.path().join("logs/crasher.log");
        let first =
            procs.spawn("crasher", Path::new("sh"), &["-c", "echo up; exit 3"], &[], &log).unwrap();
        let mut events = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while events.iter().filter(|e| matches!(e, Event::Restarted { .. })).count() < 3 {
            assert!(Instant::now() < deadline, "{events:?}");
            events.extend(procs.supervise());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let text: Vec<String> = events.iter().map(ToString::to_string).collect();
        assert_eq!(text[0], "crasher restarted after exit code 3, attempt 1", "{text:?}");
        assert!(
            text.iter().any(|l| l.starts_with("crasher is crash-looping: 3 restarts in 1 min")),
            "{text:?}"
        );
        assert_eq!(text.iter().filter(|l| l.contains("crash-looping")).count(), 1, "{text:?}");
        let Some(Event::Restarted { pid, .. }) =
            events.iter().rev().find(|e| matches!(e, Event::Restarted { .. }))
        else {
            unreachable!()
        };
        assert_ne!(*pid, first);
        // The same log, appended to across restarts.
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.matches("up").count() >= 4, "{logged}");
        assert!(dir.path().join("run/crasher.pid").exists());
        procs.stop_all(Duration::from_secs(1)).await;
        assert!(!dir.path().join("run/crasher.pid").exists(), "pid file removed on stop");
    }
}
