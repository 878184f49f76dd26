//! Batches travel from a real L2 anvil, as blobs through a real L1 anvil, and back out verified.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use vigil_chain::{Anvil, AnvilConfig, signing_provider};
use vigil_da::{BlobDa, DaError, DaSource, RollupInbox, batch_from_l2, header_matches, post_batch};
use vigil_types::da_commitment;

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ROLLUP: u64 = 901;

async fn funded(anvil: &Anvil) -> (PrivateKeySigner, DynProvider) {
    let signer = PrivateKeySigner::random();
    let p = signing_provider(anvil.url(), signer.clone());
    p.raw_request::<_, serde_json::Value>(
        "anvil_setBalance".into(),
        (signer.address(), U256::from(10u128.pow(20))),
    )
    .await
    .unwrap();
    (signer, p)
}

#[tokio::test]
async fn batches_round_trip_through_blobs() {
    // L2: a few blocks with transactions, and an empty one.
    let l2 = Anvil::start(AnvilConfig {
        chain_id: ROLLUP,
        slots_in_an_epoch: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let l2p = signing_provider(l2.url(), DEV_KEY.parse().unwrap());
    for i in 0..3u64 {
        let tx = TransactionRequest::default()
            .with_to(Address::repeat_byte(0x42))
            .with_value(U256::from(1000 + i));
        l2p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
    l2p.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(1),)).await.unwrap();
    let last = l2p.get_block_number().await.unwrap();
    assert_eq!(last, 4);
    let batch = batch_from_l2(&l2p, ROLLUP, 1, last).await.unwrap();
    assert_eq!(batch.blocks().len(), 4);
    for b in batch.blocks() {
        let reported = l2p.get_block_by_number(b.number().into()).await.unwrap().unwrap();
        assert_eq!(b.hash(), reported.header.hash);
        assert_eq!(b.state_root(), reported.header.state_root);
    }
    assert_eq!(batch.blocks()[0].transactions().len(), 1);
    assert!(batch.blocks()[3].transactions().is_empty());

    // L1: the batcher posts it; a stranger posts junk to the same inbox.
    let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
    let (batcher, batcher_p) = funded(&l1).await;
    let (_, stranger_p) = funded(&l1).await;
    let inbox = Address::repeat_byte(0xfe);
    let receipt = post_batch(&batcher_p, inbox, &batch).await.unwrap();
    assert!(receipt.status());
    let l1_block = receipt.block_number.unwrap();

    let da = BlobDa::new(
        signing_provider(l1.url(), DEV_KEY.parse().unwrap()),
        l1.endpoint(),
        RollupInbox { rollup_id: ROLLUP, batcher: batcher.address(), inbox },
    );
    let found = da.batches_at(l1_block).await.unwrap();
    assert_eq!(found.len(), 1);
    let v = &found[0];
    assert_eq!(v.batch, batch);
    assert_eq!(v.l1_block, l1_block);
    assert_eq!(v.tx_hash, receipt.transaction_hash);
    let tx = l1p_tx(&l1, v.tx_hash).await;
    assert_eq!(v.versioned_hashes, tx);
    assert_eq!(v.da_commitment, da_commitment(&tx));

    // The same batch from someone else is ignored; blocks without batches yield nothing.
    let stranger_receipt = post_batch(&stranger_p, inbox, &batch).await.unwrap();
    assert!(da.batches_at(stranger_receipt.block_number.unwrap()).await.unwrap().is_empty());
    assert!(da.batches_at(0).await.unwrap().is_empty());
    assert!(matches!(da.batches_at(10_000).await, Err(DaError::BlockNotFound(10_000))));

    // A batch for another rollup in our inbox is refused, not trusted.
    let other = vigil_types::Batch::new(ROLLUP + 1, batch.blocks().to_vec()).unwrap();
    let r = post_batch(&batcher_p, inbox, &other).await.unwrap();
    assert!(matches!(
        da.batches_at(r.block_number.unwrap()).await,
        Err(DaError::WrongRollup { expected: ROLLUP, found, .. }) if found == ROLLUP + 1
    ));

    // A header that does not hash to the reported block hash is caught.
    let b = &batch.blocks()[0];
    assert!(header_matches(b.number(), b.header_rlp(), b.hash()).is_ok());
    assert!(matches!(
        header_matches(b.number(), b.header_rlp(), keccak256("other")),
        Err(DaError::HeaderMismatch { .. })
    ));
}

async fn l1p_tx(l1: &Anvil, hash: alloy::primitives::B256) -> Vec<alloy::primitives::B256> {
    use alloy::consensus::Transaction as _;
    let p = signing_provider(l1.url(), DEV_KEY.parse().unwrap());
    let tx = p.get_transaction_by_hash(hash).await.unwrap().unwrap();
    tx.inner.inner().blob_versioned_hashes().unwrap().to_vec()
}
