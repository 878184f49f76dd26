//! The deadline alarm on a real chain: an offender that left the operator set is found by its
//! removal log, read in `max_log_range`-block requests newest first, and a later pass reads only
//! the blocks since the last one (plus the reorg margin), not the whole deallocation delay.
//!
//! A slash queued behind a veto window is watched too: when the offender leaves the set and its
//! `slashableUntil` draws near while the window is still open, a pass raises the alarm (the
//! counter grows, the operator's gauge drops below `alarm_blocks`) without executing early, and
//! the slash is executed, once, as soon as the window has passed, before the deadline.

use std::time::Duration;

use alloy::{network::EthereumWallet, primitives::Address, providers::Provider};
use vigil_chain::{bindings::eigenlayer::AllocationManager, deregister_operator, signing_provider};
use vigil_service::{db::now_ms, outbox::TxConfig};
use vigil_slasher::{
    EvidenceStore,
    submit::{EvidenceSubmitter, Outcome, SubmitterConfig, offence_id},
    veto::{SlashStatus, status},
};
use vigil_test_utils::{
    StandardRpcProxy, TestDb, TestNetwork,
    anvil::{anvil_mine, drop_transaction, set_automine},
    set_veto_config,
};
use vigil_types::{Evidence, SignedCheckpoint};

use crate::harness::{ROLLUP, checkpoint, magnitude, slash_events};

/// `vigil_slasher_slashable_blocks_left` for `operator`, as exported.
fn blocks_left(operator: Address) -> Option<u64> {
    let prefix = format!("vigil_slasher_slashable_blocks_left{{operator=\"{operator}\"}} ");
    vigil_slasher::metrics::render()
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().parse().unwrap()))
}

/// `vigil_slasher_alarms_total`, as exported (0 before the first alarm). Process-global: other
/// tests raise alarms too, so only its growth says something.
fn alarms() -> f64 {
    vigil_slasher::metrics::render()
        .lines()
        .find_map(|l| {
            l.strip_prefix("vigil_slasher_alarms_total ").map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0.0)
}

/// A submitter for `net`'s slasher on `store`, sending from `signer` through `provider`.
fn submitter<P: Provider>(
    net: &TestNetwork,
    store: &EvidenceStore,
    provider: P,
    signer: alloy::signers::local::PrivateKeySigner,
    owner: &str,
    alarm_blocks: u64,
) -> EvidenceSubmitter<P> {
    let d = &net.deployment;
    let tx = TxConfig {
        owner: owner.into(),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        receipt_timeout: Duration::from_secs(600),
        max_attempts: 10,
        fee_bump_percent: 20,
        confirmations: 0,
    };
    EvidenceSubmitter::new(
        store.clone(),
        provider,
        EthereumWallet::from(signer),
        d.domain(),
        d.vigil.slasher,
        d.eigenlayer.allocation_manager,
        d.vigil.service_manager,
        SubmitterConfig { tx, alarm_blocks },
    )
}

#[tokio::test]
async fn the_removal_is_found_in_chunks_and_later_passes_read_only_new_blocks() {
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let op = &net.operators[0];
    let d = &net.deployment;
    let db = TestDb::sqlite("alarm.db");
    let store = EvidenceStore::open(db.url()).await.unwrap();
    let domain = d.domain();
    let l1 = net.l1_block().await.unwrap();
    let signed = |fork: &str| {
        let cp = checkpoint(1, fork, l1);
        SignedCheckpoint {
            domain,
            checkpoint: cp,
            pubkey: op.bls.public_key().to_wire(),
            signature: op.bls.sign(cp.digest(&domain).as_slice()).to_wire(false),
        }
    };
    let evidence = Evidence::DoubleSign { first: signed("a"), second: signed("b") };
    assert!(store.record(&evidence, now_ms()).await.unwrap().new);

    // The offender leaves the set at block `removed`; 16 blocks later it is still slashable.
    let op_provider = signing_provider(net.anvil.url(), op.signer.clone());
    assert!(deregister_operator(&op_provider, d, op.address()).await.unwrap());
    let removed = net.owner.get_block_number().await.unwrap();
    let am = AllocationManager::new(d.eigenlayer.allocation_manager, &net.owner);
    let delay = u64::from(am.DEALLOCATION_DELAY().call().await.unwrap());
    assert!(delay > 18, "the test needs a deallocation delay above 18 blocks, not {delay}");
    anvil_mine(&net.owner, 16).await.unwrap();

    // A submitter behind a proxy that counts requests, one block per eth_getLogs; its
    // transactions stay pending (no automine), so every pass looks at the offence again.
    let proxy = StandardRpcProxy::start(net.anvil.endpoint()).await.unwrap();
    let (signer, _) = net.funded_account().await.unwrap();
    let provider = signing_provider(proxy.url.parse().unwrap(), signer.clone());
    let submitter =
        submitter(&net, &store, provider, signer, "alarm-test", 1_000).with_max_log_range(1);
    set_automine(&net.owner, false).await.unwrap();
    let get_logs = || proxy.calls().get("eth_getLogs").copied().unwrap_or(0);

    // First pass: from the head down to the removal, one block per request, and no further.
    let head = net.owner.get_block_number().await.unwrap();
    assert_eq!(head, removed + 16);
    let outcomes = submitter.pass().await.unwrap();
    let [(_, Outcome::Submitted { tx_hash })] = outcomes[..] else {
        panic!("expected the evidence sent: {outcomes:?}");
    };
    assert_eq!(get_logs(), head - removed + 1, "blocks {removed}..={head}, newest first");
    assert_eq!(blocks_left(op.address()), Some(removed + delay - head));

    // One block later: only the new block and the 12 below the last scan are read; the removal
    // (below them) is remembered.
    drop_transaction(&net.owner, tx_hash).await.unwrap();
    anvil_mine(&net.owner, 1).await.unwrap();
    let before = get_logs();
    let outcomes = submitter.pass().await.unwrap();
    assert!(matches!(outcomes[..], [(_, Outcome::Submitted { .. })]), "{outcomes:?}");
    assert_eq!(get_logs() - before, 13, "blocks {}..={}", head - 11, head + 1);
    assert_eq!(blocks_left(op.address()), Some(removed + delay - head - 1));
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
}

#[tokio::test]
async fn the_alarm_fires_while_a_slash_waits_out_its_veto_window() {
    const ALARM_BLOCKS: u64 = 10;
    const HEIGHT: u64 = 7;
    let net = TestNetwork::start(&[100, 100, 100, 100]).await.unwrap();
    let d = &net.deployment;
    let op = &net.operators[1];
    let offender = op.address();
    let am = AllocationManager::new(d.eigenlayer.allocation_manager, &net.owner);
    let delay = u64::from(am.DEALLOCATION_DELAY().call().await.unwrap());
    assert!(delay > 18, "the test needs a deallocation delay above 18 blocks, not {delay}");

    // Governance gives the slasher a veto window that ends a few blocks before the deadline
    // of an operator leaving the set right after its slash is queued.
    let window = delay - 4;
    let (committee, _) = net.funded_account().await.unwrap();
    set_veto_config(&net.owner, d.vigil.slasher, committee.address(), window.try_into().unwrap())
        .await
        .unwrap();

    let db = TestDb::sqlite("alarm-veto.db");
    let store = EvidenceStore::open(db.url()).await.unwrap();
    let l1 = net.l1_block().await.unwrap();
    let evidence = Evidence::DoubleSign {
        first: net.sign(1, &checkpoint(HEIGHT, "a", l1)),
        second: net.sign(1, &checkpoint(HEIGHT, "b", l1)),
    };
    assert!(store.record(&evidence, now_ms()).await.unwrap().new);
    let id = offence_id(offender, ROLLUP, HEIGHT);

    let (signer, provider) = net.funded_account().await.unwrap();
    let submitter = submitter(&net, &store, provider, signer, "alarm-veto-test", ALARM_BLOCKS);
    let pass = || async {
        let outcomes = submitter.pass().await.unwrap();
        let [(_, ref outcome)] = outcomes[..] else {
            panic!("expected one offence looked at: {outcomes:?}");
        };
        outcome.clone()
    };
    let head = || async { net.owner.get_block_number().await.unwrap() };
    let slash_status = || async { status(&net.owner, d.vigil.slasher, id).await.unwrap() };
    let before = magnitude(&net, offender).await;

    // 1. The evidence is sent (automine mines it) and the contract queues the slash.
    let outcome = pass().await;
    assert!(matches!(outcome, Outcome::Submitted { .. }), "{outcome:?}");
    let Outcome::Queued { executable_at } = pass().await else {
        panic!("expected the slash queued: {:?}", slash_status().await);
    };
    let view = slash_status().await;
    assert_eq!((view.status, view.executable_at), (SlashStatus::Queued, executable_at));
    assert!(view.head < executable_at, "the window is open");
    assert_eq!(blocks_left(offender), None, "still a member: no deadline yet");
    assert!(slash_events(&net).await.is_empty(), "nothing slashed inside the window");

    // 2. The offender leaves the set: slashable until `deadline`, after the window ends but
    // fewer than ALARM_BLOCKS blocks after the last block the window is still open at.
    let op_provider = signing_provider(net.anvil.url(), op.signer.clone());
    assert!(deregister_operator(&op_provider, d, offender).await.unwrap());
    let removed = head().await;
    let deadline = removed + delay;
    let last_open = executable_at - 2; // a pass at this head would execute in the window
    assert!(executable_at < deadline, "window ends at {executable_at}, deadline {deadline}");
    assert!(deadline - last_open < ALARM_BLOCKS, "no alarm possible inside the window");

    // Right after leaving: a deadline, but far enough away for no alarm.
    assert_eq!(pass().await, Outcome::Waiting);
    let left = blocks_left(offender).unwrap();
    assert_eq!(left, deadline - removed);
    assert!(left >= ALARM_BLOCKS, "{left} blocks left");

    // Nearer the deadline, with the window still open: the alarm, and no early execution.
    anvil_mine(&net.owner, last_open - head().await).await.unwrap();
    assert_eq!(head().await, last_open);
    let alarms_before = alarms();
    assert_eq!(pass().await, Outcome::Waiting, "the window is still open");
    assert!(alarms() > alarms_before, "no alarm with the deadline {deadline} near");
    let left = blocks_left(offender).unwrap();
    assert_eq!(left, deadline - last_open);
    assert!(left > 0 && left < ALARM_BLOCKS, "{left} blocks left");
    assert_eq!(slash_status().await.status, SlashStatus::Queued);
    assert!(slash_events(&net).await.is_empty(), "not executed inside the window");
    assert_eq!(magnitude(&net, offender).await, before);

    // 3. One block on, `execute` lands in the first block past the window, before the
    // deadline; the next pass finds the slash ours and final.
    anvil_mine(&net.owner, 1).await.unwrap();
    let outcome = pass().await;
    assert!(matches!(outcome, Outcome::ExecuteSent { .. }), "{outcome:?}");
    let Outcome::Slashed { block, .. } = pass().await else {
        panic!("expected the slash executed: {:?}", slash_status().await);
    };
    assert!(block >= executable_at && block < deadline, "slashed at block {block}");
    assert_eq!(slash_status().await.status, SlashStatus::Executed);
    assert_eq!(slash_events(&net).await, vec![(id, offender)], "slashed once");
    assert!(magnitude(&net, offender).await < before, "the offender's stake is slashed");
    assert!(submitter.pass().await.unwrap().is_empty(), "nothing left open");
}
