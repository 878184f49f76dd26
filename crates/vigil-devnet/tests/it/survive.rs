//! A devnet that survives: services killed with SIGKILL mid-run are restarted (new pids, a line
//! in the live display) and the run completes as if nothing happened, the byzantine operator
//! slashed exactly once; and when the devnet itself is killed with SIGKILL, its children (the
//! services and anvil) die with it.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use vigil_devnet::{
    Options, Outcome,
    chain::{Chain, ChainConfig},
    layout::Layout,
    procs::Supervisor,
};

use crate::{ONE_DEVNET_AT_A_TIME, port_offset};

fn kill(pid: u32) {
    let status = Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    assert!(status.success(), "kill -KILL {pid}");
}

/// Running: its `/proc` entry is there and it is not a zombie (a killed child whose new parent
/// has not reaped it yet is gone for our purpose).
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // "<pid> (<comm>) <state> …": the state follows the last ')'.
    let state = stat.rsplit(')').next().unwrap_or_default().trim_start();
    !(state.starts_with('Z') || state.starts_with('X'))
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_services_are_restarted_and_the_devnet_completes() {
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        dir: dir.path().join("devnet"),
        byzantine: true,
        exit_after: Some(10),
        timeout: Duration::from_secs(240),
        port_offset: port_offset(3),
        // One rollup: the single-certificate path (the default three run batches).
        rollups: Some(1),
        ..Options::default()
    };
    let layout = Layout::new(&opts.dir);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let devnet = {
        let opts = opts.clone();
        let lines = lines.clone();
        tokio::spawn(async move {
            let say = move |l: String| lines.lock().unwrap().push(l);
            vigil_devnet::run(&opts, std::future::pending(), &say).await
        })
    };
    let transcript = || lines.lock().unwrap().join("\n");
    let wait_for = async |what: &str, done: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let text = transcript();
            if done(&text) {
                return;
            }
            assert!(!devnet.is_finished(), "devnet ended before {what}:\n{text}");
            assert!(Instant::now() < deadline, "never {what}:\n{text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };

    // An honest operator as soon as the first certificate lands; the slasher once the byzantine
    // signatures are out (it may be mid-way through the evidence).
    wait_for("a certificate", &|t| t.contains("%)")).await;
    let op1 = read_pid(&layout.pid_file("op1")).unwrap();
    kill(op1);
    let op1_log_before = std::fs::read_to_string(layout.log("op1")).unwrap();
    wait_for("the byzantine signatures", &|t| t.contains("BYZANTINE op3 signs")).await;
    let slasher = read_pid(&layout.pid_file("slasher")).unwrap();
    kill(slasher);

    wait_for("both restarted", &|t| {
        t.contains("op1 restarted after SIGKILL (exit: signal 9), attempt 1")
            && t.contains("slasher restarted after SIGKILL (exit: signal 9), attempt 1")
    })
    .await;
    let op1_again = read_pid(&layout.pid_file("op1")).unwrap();
    let slasher_again = read_pid(&layout.pid_file("slasher")).unwrap();
    assert_ne!(op1_again, op1);
    assert_ne!(slasher_again, slasher);
    assert!(alive(op1_again) && alive(slasher_again));
    assert!(!alive(op1) && !alive(slasher));

    let outcome = devnet.await.unwrap();
    let mut text = transcript();
    if outcome.is_err() {
        for log in ["slasher", "op1", "aggregator"] {
            let log = std::fs::read_to_string(layout.log(log)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            text.push_str(&format!("\n--- last lines, newest first\n{}", tail.join("\n")));
        }
    }
    let Ok(Outcome::Completed { certified: 10, slashed }) = outcome else {
        panic!("{outcome:?}\n{text}")
    };
    assert_eq!(slashed.len(), 1, "{text}");
    assert_eq!(text.matches("SLASHED op3").count(), 1, "{text}");
    assert!(!text.contains("crash-looping"), "{text}");
    // One log per service, appended to across the restart.
    let op1_log = std::fs::read_to_string(layout.log("op1")).unwrap();
    assert!(
        op1_log.len() > op1_log_before.len() && op1_log.starts_with(&op1_log_before),
        "op1's log was not appended to"
    );
    assert!(!layout.pid_file("op1").exists(), "pid files are removed when the devnet stops");
}

const HELPER_DIR: &str = "VIGIL_DEVNET_TEST_HELPER_DIR";

/// Not a test on its own: the stand-in for a devnet process in
/// [`children_die_with_a_killed_devnet`], which runs this test binary with `HELPER_DIR` set.
/// Starts a service (`sleep`) through the supervisor and an anvil through the devnet's chain
/// path, writes their pids, and waits to be killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helper_devnet_process() {
    let Some(dir) = std::env::var_os(HELPER_DIR).map(PathBuf::from) else { return };
    let mut procs = Supervisor::new().with_pid_dir(dir.join("run"));
    procs
        .spawn("sleeper", Path::new("sleep"), &["1000"], &[], &dir.join("logs/sleeper.log"))
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let chain = Chain::start(ChainConfig {
        name: "anvil",
        chain_id: 31337,
        port,
        slots_in_an_epoch: None,
        state: dir.join("anvil-state.json"),
        log: dir.join("logs/anvil.log"),
    })
    .await
    .unwrap();
    std::fs::write(dir.join("run/anvil.pid"), chain.pid().to_string()).unwrap();
    std::fs::write(dir.join("ready"), "").unwrap();
    std::future::pending::<()>().await;
}

/// The devnet's process killed with SIGKILL (no chance to clean up): the kernel ends its
/// children, the services with SIGKILL and anvil with SIGTERM, so anvil still writes its state.
#[test]
fn children_die_with_a_killed_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let mut devnet = Command::new(std::env::current_exe().unwrap())
        .args(["survive::helper_devnet_process", "--exact", "--nocapture"])
        .env(HELPER_DIR, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.path().join("ready").exists() {
        assert!(devnet.try_wait().unwrap().is_none(), "the helper ended before it was ready");
        assert!(Instant::now() < deadline, "the helper never got ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sleeper = read_pid(&dir.path().join("run/sleeper.pid")).unwrap();
    let anvil = read_pid(&dir.path().join("run/anvil.pid")).unwrap();
    assert!(alive(sleeper) && alive(anvil));

    devnet.kill().unwrap();
    devnet.wait().unwrap();
    let killed = Instant::now();
    while alive(sleeper) || alive(anvil) {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "children outlived the devnet: sleeper {}, anvil {}",
            alive(sleeper),
            alive(anvil)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGTERM, not SIGKILL: anvil wrote its state on the way out.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !dir.path().join("anvil-state.json").exists() {
        assert!(Instant::now() < deadline, "anvil did not write its state");
        std::thread::sleep(Duration::from_millis(50));
    }
}
