//! The slasher is SIGKILLed between detecting an offence and submitting it, after broadcasting
//! its transaction, and repeatedly in the middle of a stream of signatures. After each restart
//! every offence in the stream is found and slashed exactly once.

use std::{collections::BTreeSet, time::Duration};

use alloy::providers::Provider;
use rand::{Rng, SeedableRng, rngs::StdRng};
use vigil_slasher::submit::offence_id;
use vigil_test_utils::{
    PgServer, TestNetwork,
    anvil::{anvil_mine, set_automine},
};

use crate::harness::{Aggregator, ROLLUP, Slasher, SlasherSetup, checkpoint, slash_events};

async fn wait_state(slasher: &Slasher, n: usize, state: &str) {
    for _ in 0..600 {
        let list = slasher.offences().await;
        if list.len() >= n && list.iter().all(|o| o["state"] == state) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("offences never all {state}: {:#?}\n{}", slasher.offences().await, slasher.logs());
}

async fn killed_anywhere_slashes_exactly_once(db_url: String) {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let ops: Vec<_> = net.operators.iter().map(|o| o.address()).collect();
    let dir = tempfile::tempdir().unwrap();
    let aggregator = Aggregator::start(&net, dir.path()).await;
    let mut slasher = Slasher::new(SlasherSetup {
        dir: dir.path(),
        net: &net,
        aggregator: &aggregator.api,
        db_url,
        rpc: None,
    })
    .await;
    let l1 = net.l1_block().await.unwrap();

    // 1. Detected, not yet submitted: the evidence is in the outbox when the process dies.
    slasher.start_with(&[("VIGIL_SLASHER_SUBMITTER__ENABLED", "false")]).await;
    aggregator.post(&net.sign(2, &checkpoint(10, "a", l1))).await;
    aggregator.post(&net.sign(2, &checkpoint(10, "b", l1))).await;
    wait_state(&slasher, 1, "pending").await;
    slasher.kill();

    // 2. Submitted, not mined: killed with the transaction in the mempool.
    set_automine(&net.owner, false).await.unwrap();
    slasher.start().await;
    wait_state(&slasher, 1, "submitted").await;
    slasher.kill();
    set_automine(&net.owner, true).await.unwrap();
    anvil_mine(&net.owner, 1).await.unwrap();
    slasher.start().await;
    slasher.wait_final(1, Duration::from_secs(60)).await;
    assert_eq!(slash_events(&net).await, vec![(offence_id(ops[2], ROLLUP, 10), ops[2])]);
    let sent = net.owner.get_transaction_count(slasher.sender).await.unwrap();
    assert_eq!(sent, 1, "one transaction for one offence, across two kills");
    slasher.kill();

    // 3. Mid-stream: signatures keep arriving at the aggregator while the slasher is killed at
    // random instants. Operator 0 signs every height; at some heights operator 1 signs two
    // blocks (below the threshold: no certificates, only evidence).
    let seed: u64 = std::env::var("VIGIL_TEST_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("slasher restart test: seed {seed} (VIGIL_TEST_KILL_SEED reproduces it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let heights: Vec<u64> = (100..260).collect();
    let conflicts: BTreeSet<u64> =
        heights.iter().copied().filter(|_| rng.random_bool(0.08)).chain([100, 259]).collect();
    let producer = {
        let api = aggregator.api.clone();
        let signed: Vec<_> = heights
            .iter()
            .flat_map(|h| {
                let mut v = vec![net.sign(0, &checkpoint(*h, "a", l1))];
                if conflicts.contains(h) {
                    v.push(net.sign(1, &checkpoint(*h, "a", l1)));
                    v.push(net.sign(1, &checkpoint(*h, "b", l1)));
                }
                v
            })
            .collect();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for s in signed {
                let r = http.post(format!("{api}/v1/signatures")).json(&s).send().await.unwrap();
                assert_eq!(r.status(), 202);
                tokio::time::sleep(Duration::from_millis(8)).await;
            }
        })
    };
    let mut kills = 0;
    while !producer.is_finished() {
        slasher.start().await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(50..600))).await;
        slasher.kill();
        kills += 1;
    }
    producer.await.unwrap();
    slasher.start().await;
    let list = slasher.wait_final(conflicts.len() + 1, Duration::from_secs(120)).await;
    println!("{kills} kills mid-stream; {} offences", list.len());
    assert!(kills >= 3, "the stream outlived only {kills} kills");

    let found: BTreeSet<u64> = list
        .iter()
        .filter(|o| o["offence"]["height"] != "10")
        .map(|o| o["offence"]["height"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(found, conflicts, "every conflict in the stream found, nothing else");
    assert!(list.iter().all(|o| o["state"] == "slashed"), "{list:#?}");
    let mut events = slash_events(&net).await;
    events.sort();
    let mut want: Vec<_> = conflicts
        .iter()
        .map(|h| (offence_id(ops[1], ROLLUP, *h), ops[1]))
        .chain([(offence_id(ops[2], ROLLUP, 10), ops[2])])
        .collect();
    want.sort();
    assert_eq!(events, want, "each offence slashed exactly once");
    let sent = net.owner.get_transaction_count(slasher.sender).await.unwrap();
    assert_eq!(sent, u64::try_from(want.len()).unwrap(), "no offence submitted twice");
    slasher.terminate();
    aggregator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_anywhere_slashes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    killed_anywhere_slashes_exactly_once(format!(
        "sqlite://{}",
        dir.path().join("slasher.sqlite").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_anywhere_slashes_exactly_once() {
    let pg = PgServer::start().expect("PostgreSQL (apt-get install postgresql)");
    killed_anywhere_slashes_exactly_once(pg.url()).await;
}
