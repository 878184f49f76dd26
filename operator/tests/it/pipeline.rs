//! The signing pipeline on real parts: OP Stack channels posted to an L1 anvil (blobs served by
//! its beacon emulation), read back by the OP Stack adapter, checked against an L2 anvil standing
//! in for the operator's own node, turned into checkpoints and signed through SQLite slashing
//! protection; and aggregator delivery over HTTP.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::{
    consensus::Transaction as _,
    network::TransactionBuilder,
    primitives::{Address, B256, U256, address},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use axum::{Json, Router, http::StatusCode, routing::post};
use vigil_chain::{http_provider, signing_provider};
use vigil_crypto::{PublicKey, SecretKey, Signature, verify};
use vigil_da::{
    BeaconClient, BeaconDialect,
    op::{
        ChannelVerdict, Compression, DecodedChannel, L2Node, OpRollupConfig, OpStackSource,
        Refusal,
        batcher::{Carry, PostedChannel, post_channel},
        check_channel,
    },
};
use vigil_operator::{
    signer::CheckpointSigner,
    submit::{Delivery, RetryPolicy, Submitter},
    watcher::{Cadence, L2Tag, checkpoints},
};
use vigil_slashing_protection::{NotSafe, Safe, SlashingDatabase};
use vigil_test_utils::{Anvil, AnvilConfig};
use vigil_test_utils::{OpL2, set_balance};
use vigil_types::{Checkpoint, SignatureBytes, SignedCheckpoint, SigningDomain};

const ROLLUP: u64 = 901;
const INBOX: Address = address!("ff00000000000000000000000000000000000901");
const TIMEOUT: Duration = Duration::from_secs(10);

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 31337, verifier: Address::repeat_byte(0x77), operator_set_id: 0 }
}

fn cp(height: u64, block: u8, da: u8) -> Checkpoint {
    Checkpoint {
        rollup_id: ROLLUP,
        height,
        block_hash: B256::repeat_byte(block),
        state_root: B256::repeat_byte(block ^ 0xff),
        da_commitment: B256::repeat_byte(da),
        l1_block: 10,
    }
}

/// Appends one block per value, each with one transfer to `to`.
async fn grow(l2: &DynProvider, to: Address, values: &[u64]) {
    for value in values {
        let tx = TransactionRequest::default().with_to(to).with_value(U256::from(*value));
        l2.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    }
}

async fn mine(l2: &DynProvider, blocks: u64) {
    l2.raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(blocks),))
        .await
        .unwrap();
}

/// An L1 anvil, the operator's L2 node, a funded batcher and the rollup's config.
struct Rollup {
    l1: Anvil,
    _l2: Anvil,
    l1p: DynProvider,
    l2p: DynProvider,
    batcher: DynProvider,
    config: OpRollupConfig,
}

impl Rollup {
    async fn start(slots_in_an_epoch: Option<u64>) -> Self {
        let l1 = Anvil::start(AnvilConfig::default()).await.unwrap();
        let l2 = OpL2::start(ROLLUP, slots_in_an_epoch).await.unwrap();
        let l1p = http_provider(l1.url(), TIMEOUT);
        let batcher = PrivateKeySigner::random();
        set_balance(&l1p, batcher.address(), 1000).await.unwrap();
        let config = l2.rollup_config("pipeline", INBOX, batcher.address());
        Self {
            batcher: signing_provider(l1.url(), batcher),
            l1,
            _l2: l2.anvil,
            l1p,
            l2p: l2.provider,
            config,
        }
    }

    /// Posts L2 blocks `first..=last` of `l2` (built with `config`) as one channel, with the
    /// L1 head as L1 origin.
    async fn post(
        &self,
        l2: &DynProvider,
        config: &OpRollupConfig,
        (first, last): (u64, u64),
        id: u8,
        carry: Carry,
    ) -> PostedChannel {
        let head = self.l1p.get_block_by_number(Default::default()).await.unwrap().unwrap();
        let origin = (head.header.number, head.header.hash);
        post_channel(
            &self.batcher,
            l2,
            config,
            (first, last),
            origin,
            [id; 16],
            Compression::Brotli,
            1,
            carry,
        )
        .await
        .unwrap()
    }

    /// Reads every L1 block through the OP Stack adapter (blobs from anvil's beacon API), as the
    /// operator does; nothing may be refused on L1.
    async fn scan(&self) -> Vec<DecodedChannel> {
        let beacon =
            BeaconClient::new(vec![self.l1.endpoint().to_owned()], BeaconDialect::Anvil, TIMEOUT)
                .unwrap();
        let mut source = OpStackSource::new(self.l1p.clone(), Some(beacon), self.config.clone());
        let mut channels = Vec::new();
        for number in 1..=self.l1p.get_block_number().await.unwrap() {
            let outcome = source.scan(number).await.unwrap();
            assert!(outcome.refusals.is_empty(), "L1 block {number}: {:?}", outcome.refusals);
            channels.extend(outcome.channels);
        }
        channels
    }

    /// The channel judged against the operator's node at the head it trusts under `tag`.
    async fn check(&self, channel: &DecodedChannel, tag: L2Tag) -> ChannelVerdict {
        let node = L2Node::new(self.l2p.clone());
        let head = node.head(tag.into()).await.unwrap();
        check_channel(&node, Some(&self.l1p), channel, head).await.unwrap()
    }

    async fn l2_block(&self, height: u64) -> (B256, B256) {
        let b = self.l2p.get_block_by_number(height.into()).await.unwrap().unwrap();
        (b.header.hash, b.header.state_root)
    }
}

#[tokio::test]
async fn signer_never_signs_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let db = SlashingDatabase::open(dir.path().join("protection.sqlite")).await.unwrap();
    let key = SecretKey::from_ikm(&[3u8; 32]).unwrap();
    let pk = key.public_key();
    let signer = CheckpointSigner::new(key, domain(), db, false).await.unwrap();

    let (safe, signed) = signer.sign(&cp(5, 1, 1)).await.unwrap();
    assert_eq!(safe, Safe::Valid);
    assert!(matches!(signed.signature, SignatureBytes::Uncompressed(_)));
    let sig = Signature::from_wire(&signed.signature).unwrap();
    verify(&pk, signed.digest().as_slice(), &sig).unwrap();
    assert_eq!(PublicKey::from_wire(&signed.pubkey).unwrap(), pk);

    // The same block with another daCommitment: allowed (an honest re-post).
    let (safe, _) = signer.sign(&cp(5, 1, 2)).await.unwrap();
    assert_eq!(safe, Safe::SameBlock);
    // Another block at the same height: refused, no signature.
    assert!(matches!(signer.sign(&cp(5, 2, 1)).await, Err(NotSafe::Conflict { .. })));
    // Other heights are independent.
    assert_eq!(signer.sign(&cp(6, 2, 1)).await.unwrap().0, Safe::Valid);
}

#[tokio::test]
async fn watcher_attests_the_channel_the_own_node_confirms() {
    let rollup = Rollup::start(Some(1)).await;
    grow(&rollup.l2p, Address::repeat_byte(9), &[1, 2, 3]).await;
    let posted = rollup.post(&rollup.l2p, &rollup.config, (1, 3), 1, Carry::Blobs).await;
    // L2 moves on so that its safe head covers the channel.
    mine(&rollup.l2p, 3).await;

    let [channel] = <[DecodedChannel; 1]>::try_from(rollup.scan().await).unwrap();
    assert_eq!(channel.range(), Some((1, 3)));
    assert!(channel.in_blobs());
    assert_eq!(channel.l1_block, posted.receipts.last().unwrap().block_number.unwrap());
    assert_eq!((channel.da_commitment, channel.l1_block), (posted.da_commitment, posted.l1_block));
    // daCommitment covers the versioned hashes the L1 transaction carries.
    let tx = rollup
        .l1p
        .get_transaction_by_hash(posted.receipts[0].transaction_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(posted.versioned_hashes, tx.blob_versioned_hashes().unwrap());
    assert_eq!(posted.da_commitment, vigil_types::da_commitment(&posted.versioned_hashes));

    let verdict = rollup.check(&channel, L2Tag::Safe).await;
    let ChannelVerdict::Available { blocks } = verdict else { panic!("{verdict:?}") };
    // The channel-final block by default; every block with `checkpoint_interval = 1`.
    let final_only = checkpoints(ROLLUP, &channel, &blocks, 0);
    let every = checkpoints(ROLLUP, &channel, &blocks, 1);
    let cadence = |cps: &[(Checkpoint, Cadence)]| -> Vec<(u64, Cadence)> {
        cps.iter().map(|(c, cadence)| (c.height, *cadence)).collect()
    };
    assert_eq!(cadence(&final_only), [(3, Cadence::ChannelFinal)]);
    assert_eq!(
        cadence(&every),
        [(1, Cadence::Interval), (2, Cadence::Interval), (3, Cadence::ChannelFinal)]
    );
    for (c, _) in final_only.iter().chain(&every) {
        assert_eq!((c.block_hash, c.state_root), rollup.l2_block(c.height).await);
        assert_eq!(
            (c.rollup_id, c.da_commitment, c.l1_block),
            (ROLLUP, posted.da_commitment, posted.l1_block)
        );
    }

    // Signed through slashing protection: the signature is over exactly that checkpoint.
    let dir = tempfile::tempdir().unwrap();
    let db = SlashingDatabase::open(dir.path().join("protection.sqlite")).await.unwrap();
    let key = SecretKey::from_ikm(&[5u8; 32]).unwrap();
    let pk = key.public_key();
    let signer = CheckpointSigner::new(key, domain(), db, false).await.unwrap();
    let (safe, signed) = signer.sign(&final_only[0].0).await.unwrap();
    assert_eq!(safe, Safe::Valid);
    assert_eq!(signed.checkpoint, final_only[0].0);
    assert_eq!(
        (signed.checkpoint.block_hash, signed.checkpoint.state_root),
        rollup.l2_block(3).await
    );
    verify(&pk, signed.digest().as_slice(), &Signature::from_wire(&signed.signature).unwrap())
        .unwrap();
}

#[tokio::test]
async fn watcher_refuses_channels_the_own_node_contradicts() {
    let rollup = Rollup::start(Some(1)).await;
    grow(&rollup.l2p, Address::repeat_byte(9), &[1]).await;
    let snapshot: U256 = rollup.l2p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    grow(&rollup.l2p, Address::repeat_byte(9), &[2, 3]).await;
    let honest_2 = rollup.l2_block(2).await;

    // 1. Blocks of another L2 chain with the same chain id. Its config gives its own genesis
    //    time, so its blocks decode to the same heights 1..=3 with this node's timestamps.
    let other = OpL2::start(ROLLUP, None).await.unwrap();
    grow(&other.provider, Address::repeat_byte(8), &[7, 7, 7]).await;
    let other_config =
        OpRollupConfig { genesis_l2_time: other.genesis_time, ..rollup.config.clone() };
    let foreign = rollup.post(&other.provider, &other_config, (1, 3), 1, Carry::Calldata).await;

    // 2. This node's blocks 1..=3, posted; then the node rewrites heights 2 and 3.
    let stale = rollup.post(&rollup.l2p, &rollup.config, (1, 3), 2, Carry::Blobs).await;
    let _: bool = rollup.l2p.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
    grow(&rollup.l2p, Address::repeat_byte(9), &[20, 30]).await;
    mine(&rollup.l2p, 3).await;
    assert_ne!(rollup.l2_block(2).await, honest_2, "height 2 really differs");

    let channels = rollup.scan().await;
    assert_eq!(channels.len(), 2);
    // The first block that differs is named; nothing of either channel is attested.
    for (channel, posted, height) in [(&channels[0], &foreign, 1), (&channels[1], &stale, 2)] {
        assert_eq!(channel.range(), Some((1, 3)));
        assert_eq!(
            (channel.da_commitment, channel.l1_block),
            (posted.da_commitment, posted.l1_block)
        );
        let verdict = rollup.check(channel, L2Tag::Safe).await;
        let ChannelVerdict::Refused { refusal } = &verdict else { panic!("{verdict:?}") };
        assert_eq!(refusal.label(), "tx_mismatch", "{refusal}");
        assert!(
            matches!(refusal, Refusal::BlockMismatch { height: h, .. } if *h == height),
            "{refusal}"
        );
    }
}

#[tokio::test]
async fn watcher_waits_for_the_trusted_head() {
    // Default anvil: `safe` trails the head by 32 blocks and `finalized` by 64.
    let rollup = Rollup::start(None).await;
    grow(&rollup.l2p, Address::repeat_byte(9), &[1, 2, 3]).await;
    let posted = rollup.post(&rollup.l2p, &rollup.config, (1, 3), 1, Carry::Blobs).await;
    let [channel] = <[DecodedChannel; 1]>::try_from(rollup.scan().await).unwrap();

    // The node has the blocks but does not trust them yet: pending, nothing to sign.
    for tag in [L2Tag::Safe, L2Tag::Finalized] {
        assert_eq!(rollup.check(&channel, tag).await, ChannelVerdict::Pending { head: 0 });
    }

    // Once `safe` covers the channel it is attested; `finalized` still waits.
    mine(&rollup.l2p, 32).await;
    let verdict = rollup.check(&channel, L2Tag::Safe).await;
    let ChannelVerdict::Available { blocks } = verdict else { panic!("{verdict:?}") };
    let [(c, Cadence::ChannelFinal)] =
        <[(Checkpoint, Cadence); 1]>::try_from(checkpoints(ROLLUP, &channel, &blocks, 0)).unwrap()
    else {
        panic!("not channel-final")
    };
    assert_eq!(c.height, 3);
    assert_eq!((c.block_hash, c.state_root), rollup.l2_block(3).await);
    assert_eq!((c.da_commitment, c.l1_block), (posted.da_commitment, posted.l1_block));
    assert_eq!(rollup.check(&channel, L2Tag::Finalized).await, ChannelVerdict::Pending { head: 0 });
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn signed() -> SignedCheckpoint {
    let key = SecretKey::from_ikm(&[4u8; 32]).unwrap();
    let c = cp(1, 1, 1);
    SignedCheckpoint {
        domain: domain(),
        checkpoint: c,
        pubkey: key.public_key().to_wire(),
        signature: key.sign(c.digest(&domain()).as_slice()).to_wire(false),
    }
}

#[tokio::test]
async fn submitter_retries_then_delivers_and_reports_refusals() {
    // Flaky: two 503s, then accepts (and checks it got the exact JSON).
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let expected = signed();
    let flaky = serve(Router::new().route(
        "/v1/signatures",
        post(move |Json(body): Json<SignedCheckpoint>| {
            let seen = seen.clone();
            async move {
                assert_eq!(body, expected);
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::ACCEPTED
                }
            }
        }),
    ))
    .await;
    // Refuses with a typed reason.
    let refusing = serve(Router::new().route(
        "/v1/signatures",
        post(|| async { (StatusCode::BAD_REQUEST, r#"{"error":"unknown_operator"}"#) }),
    ))
    .await;
    // Nobody listening.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let policy =
        RetryPolicy { attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 20, timeout_ms: 2_000 };
    let out = Submitter::new(vec![flaky.clone(), refusing.clone(), dead.clone()], policy)
        .submit(&signed())
        .await;
    assert_eq!(out[0], (flaky, Delivery::Accepted));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        out[1],
        (
            refusing,
            Delivery::Refused { status: 400, reason: r#"{"error":"unknown_operator"}"#.into() }
        )
    );
    assert!(matches!(&out[2], (d, Delivery::Failed { attempts: 3, .. }) if *d == dead));
}
