//! The deadline alarm on a real chain: an offender that left the operator set is found by its
//! removal log, read in `max_log_range`-block requests newest first, and a later pass reads only
//! the blocks since the last one (plus the reorg margin), not the whole deallocation delay.

use std::time::Duration;

use alloy::{network::EthereumWallet, primitives::Address, providers::Provider};
use vigil_chain::{bindings::eigenlayer::AllocationManager, deregister_operator, signing_provider};
use vigil_service::{db::now_ms, outbox::TxConfig};
use vigil_slasher::{
    EvidenceStore,
    submit::{EvidenceSubmitter, Outcome, SubmitterConfig},
};
use vigil_test_utils::{
    StandardRpcProxy, TestDb, TestNetwork,
    anvil::{anvil_mine, drop_transaction, set_automine},
};
use vigil_types::{Evidence, SignedCheckpoint};

use crate::harness::checkpoint;

/// `vigil_slasher_slashable_blocks_left` for `operator`, as exported.
fn blocks_left(operator: Address) -> Option<u64> {
    let prefix = format!("vigil_slasher_slashable_blocks_left{{operator=\"{operator}\"}} ");
    vigil_slasher::metrics::render()
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().parse().unwrap()))
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
    let tx = TxConfig {
        owner: "alarm-test".into(),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        receipt_timeout: Duration::from_secs(600),
        max_attempts: 10,
        fee_bump_percent: 20,
        confirmations: 0,
    };
    let submitter = EvidenceSubmitter::new(
        store.clone(),
        provider,
        EthereumWallet::from(signer),
        domain,
        d.vigil.slasher,
        d.eigenlayer.allocation_manager,
        d.vigil.service_manager,
        SubmitterConfig { tx, alarm_blocks: 1_000 },
    )
    .with_max_log_range(1);
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
