//! A devnet stopped (as by Ctrl-C) and started again on its state directory resumes: the chains,
//! keys, registrations and databases are kept, nothing is provisioned again, and certification
//! goes on from where it stopped, every height certified once with the L2's own block (heights
//! batched before the restart but not yet certified included).

use std::sync::{Arc, Mutex};

use vigil_devnet::{Options, Outcome};

use crate::{ONE_DEVNET_AT_A_TIME, port_offset};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_devnet_resumes_where_it_left_off() {
    let _one = ONE_DEVNET_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        dir: dir.path().join("devnet"),
        port_offset: port_offset(1),
        exit_after: Some(3),
        timeout: std::time::Duration::from_secs(240),
        ..Options::default()
    };
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let say = {
        let lines = lines.clone();
        move |l: String| lines.lock().unwrap().push(l)
    };
    let first = vigil_devnet::run(&opts, std::future::pending(), &say).await;
    let transcript = lines.lock().unwrap().join("\n");
    assert!(
        matches!(first, Ok(Outcome::Completed { certified: 3, .. })),
        "{first:?}\n{transcript}"
    );
    assert!(transcript.contains("fresh devnet"), "{transcript}");
    let manifest = std::fs::read_to_string(opts.dir.join("manifest.json")).unwrap();
    lines.lock().unwrap().clear();

    // Again on the same directory: resumed, not provisioned again; certification continues.
    let again = Options { exit_after: Some(12), ..opts.clone() };
    let second = vigil_devnet::run(&again, std::future::pending(), &say).await;
    let mut transcript = lines.lock().unwrap().join("\n");
    if second.is_err() {
        for log in ["aggregator", "slasher", "op0"] {
            let text = std::fs::read_to_string(opts.dir.join(format!("logs/{log}.log")))
                .unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            transcript.push_str(&format!(
                "\n--- {log}.log (last lines, newest first)\n{}",
                tail.join("\n")
            ));
        }
    }
    assert!(
        matches!(second, Ok(Outcome::Completed { certified: 12, .. })),
        "{second:?}\n{transcript}"
    );
    assert!(transcript.contains("resuming the devnet"), "{transcript}");
    assert!(!transcript.contains("registering op0"), "provisioned again:\n{transcript}");
    assert!(transcript.contains("certificates from earlier runs"), "{transcript}");
    assert_eq!(
        std::fs::read_to_string(opts.dir.join("manifest.json")).unwrap(),
        manifest,
        "the same operators, keys and contracts"
    );
}

/// A port the devnet needs is taken: a typed error naming it, before anything starts.
#[tokio::test]
async fn a_taken_port_is_refused_before_anything_starts() {
    let offset = port_offset(2);
    let ports = vigil_devnet::layout::Ports::with_offset(offset);
    let _held = std::net::TcpListener::bind(("127.0.0.1", ports.slasher_api)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts =
        Options { dir: dir.path().join("devnet"), port_offset: offset, ..Options::default() };
    let err = vigil_devnet::run(&opts, std::future::pending(), &|_| {}).await.unwrap_err();
    assert!(
        matches!(&err, vigil_devnet::Error::PortInUse { port, what }
            if *port == ports.slasher_api && what == "slasher API"),
        "{err}"
    );
    assert!(err.to_string().contains("--port-offset"), "{err}");
    assert!(!opts.dir.join("l1/state.json").exists(), "no chain was started");
}

/// A devnet provisioned with one rollup, asked to resume with three: refused by name, before
/// anything starts.
#[tokio::test]
async fn a_resumed_devnet_refuses_another_rollup_count() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        dir: dir.path().join("devnet"),
        // Clear of the taken-port test's ports, which runs at the same time.
        port_offset: port_offset(2) + 1,
        rollups: Some(3),
        ..Options::default()
    };
    std::fs::create_dir_all(&opts.dir).unwrap();
    let zero = "0x0000000000000000000000000000000000000000";
    std::fs::write(
        opts.dir.join("manifest.json"),
        format!(
            r#"{{"version":1,"rollupId":42069,"inbox":"0xff00000000000000000000000000000000042069","batcher":"{zero}","aggregatorAccount":"{zero}","slasherAccount":"{zero}","operators":[]}}"#
        ),
    )
    .unwrap();
    let err = vigil_devnet::run(&opts, std::future::pending(), &|_| {}).await.unwrap_err();
    assert!(
        err.to_string().contains("provisioned with --rollups 1, asked for --rollups 3"),
        "{err}"
    );
    assert!(!opts.dir.join("l1/state.json").exists(), "no chain was started");
    // The same count (or none) is what the devnet was provisioned with: not refused for that.
    let same = Options { rollups: Some(1), ..opts.clone() };
    let ports = vigil_devnet::layout::Ports::with_offset(same.port_offset);
    let _held = std::net::TcpListener::bind(("127.0.0.1", ports.l1)).unwrap();
    let err = vigil_devnet::run(&same, std::future::pending(), &|_| {}).await.unwrap_err();
    assert!(matches!(err, vigil_devnet::Error::PortInUse { .. }), "{err}");
}
