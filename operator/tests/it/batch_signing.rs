//! Batch signing (`VIGIL_BATCH_V1`) behind slashing protection, on a real SQLite database: a
//! batch's header is signed only once every leaf is recorded, and a conflicting leaf anywhere
//! refuses the whole batch without a signature or a record.

use alloy::primitives::{Address, B256};
use vigil_crypto::{PublicKey, SecretKey, Signature, verify};
use vigil_operator::{
    ranges::{L1Ranges, RangeAssembler},
    signer::CheckpointSigner,
};
use vigil_slashing_protection::{NotSafe, Safe, SlashingDatabase};
use vigil_types::{Batch, Checkpoint, SigningDomain};

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31337, verifier: Address::repeat_byte(0x77), operator_set_id: 0 }
}

fn cp(rollup_id: u64, height: u64, block: u8, l1_block: u64) -> Checkpoint {
    Checkpoint {
        rollup_id,
        height,
        block_hash: B256::repeat_byte(block),
        state_root: B256::repeat_byte(block ^ 0xff),
        da_commitment: B256::ZERO,
        l1_block,
    }
}

async fn signer(dir: &tempfile::TempDir) -> (CheckpointSigner, PublicKey) {
    let db = SlashingDatabase::open(dir.path().join("protection.sqlite")).await.unwrap();
    let key = SecretKey::from_ikm(&[7; 32]).unwrap();
    let pk = key.public_key();
    (CheckpointSigner::new(key, domain(), db, false).await.unwrap(), pk)
}

#[tokio::test]
async fn a_closed_range_is_signed_once_every_leaf_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (signer, pk) = signer(&dir).await;
    let mut ranges = RangeAssembler::new(L1Ranges::new(2).unwrap(), [901, 902], 100, 8);
    for c in [cp(901, 10, 1, 100), cp(902, 5, 2, 101), cp(901, 11, 3, 101)] {
        ranges.add(c).unwrap();
    }
    ranges.progress(901, 102, None);
    ranges.progress(902, 102, None);
    let closed = ranges.close_ready().unwrap();
    let batch = &closed[0].batch;

    let (safe, signed) = signer.sign_batch(batch).await.unwrap();
    assert_eq!((safe.inserted, safe.same_block), (3, 0));
    assert_eq!(signed.header, *batch.header());
    assert_eq!(signed.pubkey, pk.to_wire());
    let sig = Signature::from_wire(&signed.signature).unwrap();
    verify(&pk, signed.digest().as_slice(), &sig).unwrap();
    assert_eq!(signed.digest(), batch.header().digest(&domain()));
    for c in batch.checkpoints() {
        let recorded = signer
            .database()
            .recorded_blocks(signer.pubkey(), &domain(), c.rollup_id, c.height)
            .await
            .unwrap();
        assert_eq!(recorded.len(), 1, "leaf {}:{} recorded", c.rollup_id, c.height);
    }

    // The same blocks again, in an overlapping batch whose leaf moved to another L1 block (a
    // re-derived range after a reorg): safe, nothing new recorded, a signature over the new root.
    let moved = Batch::new(vec![cp(901, 11, 3, 102), cp(901, 12, 4, 103)], 102, 103).unwrap();
    let (safe, again) = signer.sign_batch(&moved).await.unwrap();
    assert_eq!((safe.inserted, safe.same_block), (1, 1));
    assert_ne!(again.header.root, signed.header.root);
    // The leaves signed in a batch are protected alone too.
    let err = signer.sign(&cp(902, 5, 9, 101)).await.unwrap_err();
    assert!(matches!(err, NotSafe::Conflict { rollup_id: 902, height: 5, .. }), "{err}");
}

#[tokio::test]
async fn a_batch_with_one_conflicting_leaf_is_not_signed_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (signer, _) = signer(&dir).await;
    let (safe, _) = signer.sign(&cp(901, 10, 1, 100)).await.unwrap();
    assert_eq!(safe, Safe::Valid);

    // Height 10 conflicts with what was signed alone; height 11 is new.
    let batch = Batch::new(vec![cp(901, 10, 2, 100), cp(901, 11, 3, 101)], 100, 101).unwrap();
    let err = signer.sign_batch(&batch).await.unwrap_err();
    assert!(matches!(err, NotSafe::Conflict { rollup_id: 901, height: 10, .. }), "{err}");
    let recorded =
        signer.database().recorded_blocks(signer.pubkey(), &domain(), 901, 11).await.unwrap();
    assert!(recorded.is_empty(), "the refused batch left height 11 unrecorded");
    // So height 11 can still be signed with whatever block the operator verifies.
    let (safe, _) = signer.sign(&cp(901, 11, 4, 101)).await.unwrap();
    assert_eq!(safe, Safe::Valid);
}
