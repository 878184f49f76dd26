//! A private PostgreSQL server per test: `initdb` into a temporary directory, `postgres` on a free
//! loopback port, killed and deleted on drop.
//!
//! Tests that need PostgreSQL *fail* when it is not installed rather than skip: CI installs it
//! (`apt-get install postgresql`), and a skipped backend would silently halve the coverage.

use std::{
    fs::{self, File},
    io::{self, Read as _},
    net::{Ipv4Addr, TcpListener},
    os::unix::{fs::MetadataExt as _, process::CommandExt as _},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use tempfile::TempDir;

/// Environment variable naming a directory with `initdb`, `postgres`, `pg_isready` and
/// `createdb`, to use instead of the newest `/usr/lib/postgresql/<version>/bin`.
pub const PG_BIN_ENV: &str = "VIGIL_PG_BIN";

/// Where Debian and Ubuntu install the server binaries, one directory per major version.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The superuser `initdb` creates; it authenticates with `trust`.
const SUPERUSER: &str = "vigil";

/// The database [`PgServer::url`] points at.
const DATABASE: &str = "vigil";

/// How long the server may take to accept connections (it is slow on a loaded CI machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a fast shutdown may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Attempts at starting the server, each on a fresh port (another process may take the free
/// port between our probe and the server's bind).
const START_ATTEMPTS: usize = 5;

/// A PostgreSQL server owned by one test, listening on `127.0.0.1:<port>` with `trust`
/// authentication for the user `vigil`, and an empty database `vigil`.
///
/// Runs `initdb` and `postgres` as the `postgres` system user when the test runs as root (both
/// refuse to run as root). Dropping it stops the server (fast shutdown, then `SIGKILL`) and
/// deletes its data directory.
#[derive(Debug)]
pub struct PgServer {
    child: Child,
    port: u16,
    bin: PathBuf,
    // Dropped last: the server must be gone before its directory is removed.
    dir: TempDir,
}

impl PgServer {
    /// Initialises a cluster in a temporary directory and starts a server on a free port,
    /// returning once it accepts connections and the database `vigil` exists.
    ///
    /// Blocks for a second or two; from async code, prefer `tokio::task::spawn_blocking`.
    pub fn start() -> io::Result<Self> {
        let bin = find_bin_dir()?;
        let run_as = run_as()?;
        let dir = tempfile::Builder::new().prefix("vigil-pg-").tempdir()?;
        let sockets = dir.path().join("sockets");
        fs::create_dir(&sockets)?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
            std::os::unix::fs::chown(&sockets, Some(uid), Some(gid))?;
        }

        let data = dir.path().join("data");
        let mut initdb = server_command(&bin, "initdb", run_as, dir.path());
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            // The cluster is thrown away after the test; the server itself runs with fsync on.
            .arg("--no-sync");
        run_checked(initdb, "initdb")?;

        let log_path = dir.path().join("postgres.log");
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let log = File::options().create(true).append(true).open(&log_path)?;
            let mut postgres = server_command(&bin, "postgres", run_as, dir.path());
            postgres
                .arg("-D")
                .arg(&data)
                .arg("-p")
                .arg(port.to_string())
                .arg("-k")
                .arg(&sockets)
                .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"])
                // Several servers may run at once on a small machine.
                .args(["-c", "shared_buffers=32MB"])
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let mut child = postgres.spawn()?;
            match wait_ready(&mut child, &bin, port, &log_path) {
                Ok(()) => {
                    let server = Self { child, port, bin, dir };
                    server.create_database(DATABASE)?;
                    return Ok(server);
                }
                Err(e) => {
                    stop(&mut child);
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("postgres did not start")))
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding the cluster (`data/`), its sockets and `postgres.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `postgres://vigil@127.0.0.1:<port>/vigil`.
    pub fn url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// The URL of database `name` on this server (which may not exist yet).
    pub fn url_for(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database `name` and returns its URL: a fresh database per test on one
    /// shared server.
    pub fn create_database(&self, name: &str) -> io::Result<String> {
        let mut createdb = Command::new(self.bin.join("createdb"));
        createdb
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", SUPERUSER, name])
            .env("PGCONNECT_TIMEOUT", "10");
        run_checked(createdb, "createdb")?;
        Ok(self.url_for(name))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Polls until the server accepts connections, it exits, or [`START_TIMEOUT`] passes.
fn wait_ready(child: &mut Child, bin: &Path, port: u16, log_path: &Path) -> io::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!(
                "postgres exited with {status} while starting; its log:\n{}",
                read_tail(log_path)
            )));
        }
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string(), "-U", SUPERUSER])
            .args(["-d", "postgres", "-t", "2"])
            .stdin(Stdio::null())
            .status()?;
        if ready.success() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "postgres did not accept connections within {START_TIMEOUT:?}; its log:\n{}",
                    read_tail(log_path)
                ),
            ));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Fast shutdown (`SIGINT`: disconnects clients, checkpoints, exits), then `SIGKILL` if it takes
/// longer than [`STOP_TIMEOUT`].
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if signalled {
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The directory holding the server binaries: `$VIGIL_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> io::Result<PathBuf> {
    let not_found = |detail: String| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "PostgreSQL server binaries not found ({detail}): install them with \
                 `apt-get install postgresql`, or set {PG_BIN_ENV} to the directory holding \
                 initdb and postgres"
            ),
        )
    };
    if let Some(dir) = std::env::var_os(PG_BIN_ENV) {
        let dir = PathBuf::from(dir);
        return if dir.join("postgres").is_file() {
            Ok(dir)
        } else {
            Err(not_found(format!("{PG_BIN_ENV}={} has no postgres", dir.display())))
        };
    }
    let entries = fs::read_dir(DEBIAN_PG_ROOT)
        .map_err(|e| not_found(format!("cannot read {DEBIAN_PG_ROOT}: {e}")))?;
    let newest = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<f64>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((version, bin))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    newest
        .map(|(_, bin)| bin)
        .ok_or_else(|| not_found(format!("no {DEBIAN_PG_ROOT}/<version>/bin/postgres")))
}

/// `Some((uid, gid))` of the `postgres` system user when we run as root, since `initdb` and
/// `postgres` refuse to run as root.
fn run_as() -> io::Result<Option<(u32, u32)>> {
    if fs::metadata("/proc/self")?.uid() != 0 {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd")?;
    let ids = passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != "postgres" {
            return None;
        }
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    });
    match ids {
        Some(ids) => Ok(Some(ids)),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            "running as root, but there is no `postgres` user in /etc/passwd to run the server \
             as (`apt-get install postgresql` creates it)",
        )),
    }
}

/// A command for one of the server binaries, run as `run_as` if given. Switching user in the
/// child (rather than through `runuser`) keeps the server our direct child, so signals reach it.
fn server_command(bin: &Path, program: &str, run_as: Option<(u32, u32)>, cwd: &Path) -> Command {
    let mut cmd = Command::new(bin.join(program));
    if let Some((uid, gid)) = run_as {
        cmd.uid(uid).gid(gid);
    }
    // The server user may not be able to enter the test's working directory.
    cmd.current_dir(cwd);
    for var in ["PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` to completion and turns a failure into an error carrying its output.
fn run_checked(mut cmd: Command, what: &str) -> io::Result<Output> {
    let output = cmd.stdin(Stdio::null()).output()?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(io::Error::other(format!(
            "{what} failed with {}:\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// A loopback port nobody listened on a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// The last few kilobytes of a log file, for error messages.
fn read_tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    let start = text.len().saturating_sub(4096);
    let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    text.split_off(start)
}
