//! The veto path end to end on real contracts and processes: governance gives the slasher
//! contract a veto window and a committee; two offences are queued behind it; the committee
//! vetoes one with `vigil-veto` (a key that is not the committee's is refused without a
//! transaction); the slasher executes the other once the window has passed. Each outcome is
//! visible in the slasher's API, its metrics and the chain.

use std::{process::Command, time::Duration};

use alloy::{primitives::Address, providers::Provider};
use vigil_keystore::{KdfStrength, Password, V3Keystore};
use vigil_slasher::submit::offence_id;
use vigil_test_utils::{TestNetwork, anvil::anvil_mine, set_veto_config};

use crate::harness::{Aggregator, ROLLUP, Slasher, checkpoint, magnitude, slash_events};

/// Blocks between a slash being queued and its earliest execution.
const WINDOW: u32 = 20;

fn veto_cli(dir: &std::path::Path, rpc: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil-veto"))
        .args(["--deployment", dir.join("deployment.json").to_str().unwrap(), "--l1-rpc", rpc])
        .args(args)
        .env("VIGIL_VETO_PASSWORD", "committee")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

async fn wait_states(slasher: &Slasher, want: &[(u64, &str)]) {
    for _ in 0..600 {
        let list = slasher.offences().await;
        let state_of = |h: u64| {
            list.iter()
                .find(|o| o["offence"]["height"].as_str() == Some(h.to_string().as_str()))
                .and_then(|o| o["state"].as_str().map(str::to_owned))
        };
        if want.iter().all(|(h, s)| state_of(*h).as_deref() == Some(*s)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {want:?}: {:#?}\n{}", slasher.offences().await, slasher.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slash_vetoed_by_the_committee_one_executed_after_the_window() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let dir = tempfile::tempdir().unwrap();
    let keystore = |name: &str, key: &alloy::signers::local::PrivateKeySigner| {
        let path = dir.path().join(name);
        V3Keystore::encrypt(key, &Password::new("committee"), KdfStrength::Light.scrypt())
            .unwrap()
            .write(&path)
            .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (committee, _) = net.funded_account().await.unwrap();
    let (outsider, _) = net.funded_account().await.unwrap();
    let (committee_ks, outsider_ks) =
        (keystore("committee.json", &committee), keystore("outsider.json", &outsider));

    // Governance: the owner queues the committee and the window; after the delay it applies.
    set_veto_config(&net.owner, net.deployment.vigil.slasher, committee.address(), WINDOW)
        .await
        .unwrap();

    let aggregator = Aggregator::start(&net, dir.path()).await;
    let mut slasher = Slasher::on_sqlite(dir.path(), &net, &aggregator.api, None).await;
    slasher.start().await;
    let (before1, before2) = (magnitude(&net, ops[1]).await, magnitude(&net, ops[2]).await);

    // Two offences: operator 1 at height 10, operator 2 at height 11. Both queue.
    let l1 = net.l1_block().await.unwrap();
    for (op, height) in [(1, 10), (2, 11)] {
        aggregator.post(&net.sign(op, &checkpoint(height, "a", l1))).await;
        aggregator.post(&net.sign(op, &checkpoint(height, "b", l1))).await;
    }
    wait_states(&slasher, &[(10, "queued"), (11, "queued")]).await;
    assert!(slash_events(&net).await.is_empty(), "nothing slashed inside the window");
    let rpc = net.anvil.endpoint();
    let vetoed = format!("{}:{ROLLUP}:10", ops[1]);

    // Only the committee may veto; anyone else is refused before any transaction.
    let (ok, _, err) = veto_cli(dir.path(), rpc, &["--keystore", &outsider_ks, &vetoed]);
    assert!(!ok && err.contains("is not the veto committee"), "{err}");
    assert_eq!(net.owner.get_transaction_count(outsider.address()).await.unwrap(), 0);
    let (ok, out, err) = veto_cli(dir.path(), rpc, &["--status", &vetoed]);
    assert!(ok, "{err}");
    assert!(out.contains("\"status\":\"queued\""), "{out}");
    assert!(out.contains(&format!("{:#x}", offence_id(ops[1], ROLLUP, 10))), "{out}");

    // The committee vetoes operator 1's slash.
    let (ok, out, err) = veto_cli(dir.path(), rpc, &["--keystore", &committee_ks, &vetoed]);
    assert!(ok, "{err}");
    assert!(out.contains("\"tx\""), "{out}");
    wait_states(&slasher, &[(10, "vetoed"), (11, "queued")]).await;

    // The window passes: the slasher executes operator 2's slash, and a veto is now too late.
    anvil_mine(&net.owner, u64::from(WINDOW) + 1).await.unwrap();
    wait_states(&slasher, &[(10, "vetoed"), (11, "slashed")]).await;
    let late = format!("{}:{ROLLUP}:11", ops[2]);
    let (ok, _, err) = veto_cli(dir.path(), rpc, &["--keystore", &committee_ks, &late]);
    assert!(!ok && err.contains("is executed"), "{err}");

    assert_eq!(slash_events(&net).await, vec![(offence_id(ops[2], ROLLUP, 11), ops[2])]);
    assert_eq!(magnitude(&net, ops[1]).await, before1, "the vetoed operator keeps its stake");
    assert!(magnitude(&net, ops[2]).await < before2, "the other is slashed");
    for (outcome, at_least) in [("queued", 2.0), ("vetoed", 1.0), ("slashed", 1.0)] {
        let n = slasher
            .metric(&format!("vigil_slasher_submissions_total{{outcome=\"{outcome}\"}}"))
            .await;
        assert!(n >= at_least, "{outcome}: {n}");
    }
    assert_ne!(committee.address(), Address::ZERO);
    slasher.terminate();
    aggregator.stop().await;
}
