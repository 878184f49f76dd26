//! The running node: for each rollup, find verified batches on L1, check them against the
//! operator's own L2 node, sign through slashing protection, deliver to aggregators.

use std::{
    collections::{HashSet, VecDeque},
    future::Future,
    time::Duration,
};

use alloy::{
    primitives::B256,
    providers::{DynProvider, Provider},
};
use vigil_chain::Deployment;
use vigil_da::{
    BeaconClient,
    op::{ChannelVerdict, DecodedChannel, L2Node, OpStackSource, Refusal, check_channel},
};
use vigil_slashing_protection::SlashingDatabase;
use vigil_types::Checkpoint;

use crate::{
    Error, OperatorConfig, Result,
    api::{NodeState, ServiceStatus},
    keys::NodeKeys,
    metrics::{self, BatchResult, DaCheckResult, RefusalReason, ReorgDepth, SubmissionResult},
    ranges::{ClosedRange, L1Ranges, RangeAssembler},
    rpc::provider_with_fallbacks,
    signer::CheckpointSigner,
    submit::{Delivery, Submitter},
    watcher::{Cadence, L2Tag, checkpoints},
};

/// How many scanned L1 blocks each rollup remembers, to notice an L1 reorg and find where it
/// forked: twice Ethereum's finality depth (two epochs, 64 blocks).
const REORG_WINDOW: usize = 128;

/// An L1 block as it was scanned.
struct Scanned {
    number: u64,
    hash: B256,
    /// The L1 block that opened the channel still being assembled after this one, if any.
    staged_since: Option<u64>,
}

struct RollupState {
    id: u64,
    tag: L2Tag,
    interval: u64,
    l2: L2Node<DynProvider>,
    source: OpStackSource<DynProvider>,
    /// The next L1 block this rollup's adapter scans (each rollup keeps its own, so a failure
    /// for one never makes another scan a block twice).
    next_l1: u64,
    /// The last [`REORG_WINDOW`] blocks scanned, oldest first.
    scanned: VecDeque<Scanned>,
    /// Channels decoded from L1 whose blocks the L2 node does not trust yet.
    pending: Vec<DecodedChannel>,
    /// Checkpoints signed and delivered in this process (re-signing is safe, resending is noise).
    done: HashSet<Checkpoint>,
}

/// Runs the node until `shutdown` resolves, reporting service health to `state` (served by the
/// node API) and counting everything in [`crate::metrics`].
pub async fn run(
    config: &OperatorConfig,
    keys: NodeKeys,
    state: NodeState,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let deployment =
        Deployment::read(&config.chain.deployment).map_err(|e| Error::Config(e.to_string()))?;
    let domain = deployment.domain();
    let db = SlashingDatabase::open(&config.node.protection_db)
        .await
        .map_err(|e| Error::Config(format!("slashing protection: {e}")))?;
    let operator = keys.operator;
    let bls_key_hash = vigil_chain::key_hash(&keys.bls.public_key());
    let signer = CheckpointSigner::new(keys.bls, domain, db, config.node.compressed_signatures)
        .await
        .map_err(|e| Error::Config(format!("slashing protection: {e}")))?;
    state.set_protection_status(ServiceStatus::Up);
    let submitter = Submitter::new(config.submission.aggregators.clone(), config.submission.retry);
    let timeout = Duration::from_millis(config.node.rpc_timeout_ms.max(1));
    let l1 = provider_with_fallbacks(
        "l1",
        &config.chain.l1_rpc,
        &config.chain.l1_rpc_fallbacks,
        "chain.l1_rpc",
        timeout,
    )
    .await?;
    vigil_chain::log_eigenlayer(&l1, deployment.eigenlayer.allocation_manager, "operator").await;
    let beacon = if config.node.beacon_urls.is_empty() {
        tracing::warn!(target: "vigil::node", "no beacon API configured (node.beacon_urls): blob batches will be refused");
        None
    } else {
        Some(
            BeaconClient::new(config.node.beacon_urls.clone(), config.node.beacon_dialect, timeout)
                .map_err(|e| Error::Config(e.to_string()))?,
        )
    };
    let head = l1.get_block_number().await.map_err(|e| rpc("L1 head", e))?;
    let from = head.saturating_sub(config.node.scan_lookback_blocks);
    let mut rollups = Vec::new();
    for r in &config.rollups {
        let op = r.op_config()?;
        let id = op.chain_id;
        metrics::init_rollup(id);
        let l2 = provider_with_fallbacks(
            &format!("l2-{id}"),
            &r.l2_rpc,
            &r.l2_rpc_fallbacks,
            "rollups.l2_rpc",
            timeout,
        )
        .await?;
        tracing::info!(target: "vigil::node", rollup = id, name = %op.name, kind = ?r.kind, inbox = %op.batch_inbox, batcher = %op.batcher, "following rollup");
        rollups.push(RollupState {
            id,
            tag: r.tag,
            interval: r.checkpoint_interval,
            l2: L2Node::new(l2),
            source: OpStackSource::new(l1.clone(), beacon.clone(), op),
            next_l1: from,
            scanned: VecDeque::new(),
            pending: Vec::new(),
            done: HashSet::new(),
        });
    }
    let mut batches = if config.node.sign_batches {
        let ranges = L1Ranges::new(deployment.params.batch_l1_blocks).ok_or_else(|| {
            Error::Config("the deployment's batchL1Blocks is 0: batches cannot be cut".to_owned())
        })?;
        metrics::init_batches();
        let keep = (REORG_WINDOW as u64).div_ceil(ranges.size()).saturating_add(1);
        tracing::info!(target: "vigil::node", batch_l1_blocks = ranges.size(), "signing one batch per L1 range too");
        Some(RangeAssembler::new(ranges, rollups.iter().map(|r| r.id), from, keep))
    } else {
        None
    };
    tracing::info!(target: "vigil::node", operator = %signer.pubkey(), verifier = %domain.verifier, rollups = rollups.len(), from_l1_block = from, "node started");

    let poll = Duration::from_millis(config.node.poll_interval_ms.max(10));
    let status_every = Duration::from_millis(config.node.status_interval_ms.max(100));
    let mut next_status = tokio::time::Instant::now();
    tokio::pin!(shutdown);
    loop {
        if tokio::time::Instant::now() >= next_status {
            next_status = tokio::time::Instant::now() + status_every;
            report_stake(&l1, &deployment, operator, bls_key_hash).await;
        }
        if let Err(e) = tick(&l1, &mut rollups, &mut batches, &signer, &submitter, &state).await {
            tracing::warn!(target: "vigil::node", error = %e, "tick failed; retrying");
        }
        state.update_health_from_services();
        metrics::set_performance_score(performance_score(&state.services()));
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(poll) => {}
        }
    }
    tracing::info!(target: "vigil::node", "node stopped");
    Ok(())
}

/// Publishes the operator's stake in Vigil's set and whether it was slashed.
async fn report_stake(
    l1: &DynProvider,
    deployment: &Deployment,
    operator: alloy::primitives::Address,
    bls_key_hash: alloy::primitives::B256,
) {
    match crate::status::chain_status(l1, deployment, operator, bls_key_hash).await {
        Ok(status) => {
            let stake: f64 = status.allocated_stake.to_string().parse().unwrap_or(f64::NAN);
            metrics::set_registered_stake(deployment.vigil.operator_set_id, "vigil", stake);
            metrics::set_slashed(status.max_magnitude < vigil_chain::WAD);
            if !status.is_member {
                tracing::warn!(target: "vigil::node", %operator, "not a member of Vigil's operator set: signatures will not count");
            }
        }
        Err(e) => {
            tracing::warn!(target: "vigil::node", error = %e, "cannot read the operator's stake")
        }
    }
}

fn rpc(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Chain { step: what.to_owned(), reason: e.to_string(), advice: None }
}

async fn tick(
    l1: &DynProvider,
    rollups: &mut [RollupState],
    batches: &mut Option<RangeAssembler>,
    signer: &CheckpointSigner,
    submitter: &Submitter,
    state: &NodeState,
) -> Result<()> {
    // 1. New L1 blocks: each rollup's adapter reads its batcher data and assembles channels. A
    //    block counts as scanned only when the scan succeeded, so a failing endpoint never
    //    skips a batch.
    let head = match l1.get_block_number().await {
        Ok(head) => head,
        Err(e) => {
            for r in rollups.iter() {
                let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
            }
            return Err(rpc("L1 head", e));
        }
    };
    let mut failed = None;
    for r in rollups.iter_mut() {
        while r.next_l1 <= head {
            match r.source.scan(r.next_l1).await {
                Ok(outcome) => {
                    if r.scanned.back().is_some_and(|last| {
                        last.number.saturating_add(1) == r.next_l1
                            && last.hash != outcome.parent_hash
                    }) {
                        // The block scanned before this one is no longer its parent: an L1
                        // reorg. This block is scanned again after the rewind, which goes on
                        // at the next tick (one rewind per tick, whatever the endpoint answers).
                        match rewind(l1, r).await {
                            Ok(restart) => {
                                if let Some(reopened) =
                                    batches.as_mut().and_then(|b| b.rewind(r.id, restart))
                                {
                                    tracing::warn!(target: "vigil::node", rollup = r.id, from_range = reopened, "L1 reorg: batch ranges reopened");
                                }
                            }
                            Err(e) => {
                                let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
                                failed = Some(e);
                            }
                        }
                        break;
                    }
                    for refusal in &outcome.refusals {
                        record_refusal(r.id, r.next_l1, refusal);
                    }
                    r.pending.extend(outcome.channels);
                    r.scanned.push_back(Scanned {
                        number: r.next_l1,
                        hash: outcome.hash,
                        staged_since: r.source.staged_since(),
                    });
                    if r.scanned.len() > REORG_WINDOW {
                        r.scanned.pop_front();
                    }
                    r.next_l1 = r.next_l1.saturating_add(1);
                }
                Err(e) => {
                    metrics::record_da_check(r.id, DaCheckResult::Error);
                    if !e.is_retryable() {
                        // Blobs past the retention window: no standard beacon node serves them.
                        tracing::error!(target: "vigil::node", rollup = r.id, l1_block = r.next_l1, error = %e, "L1 block's batcher data cannot be read; skipping it");
                        metrics::record_da_refusal(r.id, e.label());
                        r.next_l1 = r.next_l1.saturating_add(1);
                        continue;
                    }
                    let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
                    failed = Some(rpc("DA", e));
                    break;
                }
            }
        }
    }
    // 2. Attest what the own L2 node confirms; keep channels whose blocks it does not trust yet.
    for r in rollups.iter_mut() {
        if r.pending.is_empty() {
            continue;
        }
        let head = match r.l2.head(r.tag.into()).await {
            Ok(head) => head,
            Err(e) => {
                let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
                tracing::warn!(target: "vigil::node", rollup = r.id, error = %e, "L2 node unreachable");
                continue;
            }
        };
        let mut still_pending = Vec::new();
        let mut l2_up = true;
        for channel in std::mem::take(&mut r.pending) {
            let verdict = match check_channel(&r.l2, Some(l1), &channel, head).await {
                Ok(verdict) => verdict,
                Err(e) => {
                    l2_up = false;
                    tracing::warn!(target: "vigil::node", rollup = r.id, channel = %channel.id, error = %e, "L2 check failed; retrying");
                    still_pending.push(channel);
                    continue;
                }
            };
            match verdict {
                ChannelVerdict::Pending { .. } => still_pending.push(channel),
                ChannelVerdict::Refused { refusal } => {
                    metrics::record_da_check(r.id, DaCheckResult::Mismatch);
                    metrics::record_refused(r.id, RefusalReason::BlockMismatch);
                    record_refusal(r.id, channel.l1_block, &refusal);
                }
                ChannelVerdict::Available { blocks } => {
                    metrics::record_da_check(r.id, DaCheckResult::Available);
                    let (first, last) = channel.range().unwrap_or_default();
                    tracing::info!(target: "vigil::node", rollup = r.id, channel = %channel.id, first, last, l1_block = channel.l1_block, blobs = channel.carriers.iter().map(|c| c.versioned_hashes.len()).sum::<usize>(), "channel reproduced from L1 data");
                    for (cp, cadence) in checkpoints(r.id, &channel, &blocks, r.interval) {
                        sign_and_deliver(r, cp, cadence, signer, submitter, state).await;
                        if let Some(Err(e)) = batches.as_mut().map(|b| b.add(cp)) {
                            metrics::record_batch(BatchResult::Unbatched);
                            tracing::warn!(target: "vigil::node", rollup = r.id, height = cp.height, l1_block = cp.l1_block, error = %e, "checkpoint left out of its batch (signed alone)");
                        }
                    }
                }
            }
        }
        let _ = state
            .set_rollup_status(r.id, if l2_up { ServiceStatus::Up } else { ServiceStatus::Down });
        r.pending = still_pending;
    }
    // 3. Batches: a range closes once every rollup scanned past it with nothing inside still
    //    waiting for its L2 node; its batch is signed (every leaf through slashing protection)
    //    and delivered like a checkpoint's signature.
    if let Some(b) = batches.as_mut() {
        for r in rollups.iter() {
            b.progress(r.id, r.next_l1, r.pending.iter().map(|c| c.l1_block).min());
        }
        match b.close_ready() {
            Ok(closed) => {
                for range in closed {
                    sign_and_deliver_batch(&range, signer, submitter, state).await;
                }
            }
            Err(e) => tracing::error!(target: "vigil::node", error = %e, "cannot build a batch"),
        }
    }
    // What was signed and delivered is remembered only within the reorg window: a rescan never
    // goes further back (the set stays bounded however long the node runs).
    for r in rollups.iter_mut() {
        let oldest = r.next_l1.saturating_sub(REORG_WINDOW as u64);
        r.done.retain(|cp| cp.l1_block >= oldest);
    }
    failed.map_or(Ok(()), Err)
}

async fn sign_and_deliver_batch(
    range: &ClosedRange,
    signer: &CheckpointSigner,
    submitter: &Submitter,
    state: &NodeState,
) {
    let h = range.batch.header();
    match signer.sign_batch(&range.batch).await {
        Ok((safe, signed)) => {
            metrics::record_batch(BatchResult::Signed);
            tracing::info!(target: "vigil::node", root = %h.root, leaves = h.leaf_count, from_l1_block = h.from_l1_block, to_l1_block = h.to_l1_block, new = safe.inserted, same_block = safe.same_block, "signed batch");
            let body = vigil_types::BatchSignature {
                signed,
                checkpoints: range.batch.checkpoints().to_vec(),
            };
            let started = std::time::Instant::now();
            let deliveries = submitter.submit_batch(&body).await;
            record_deliveries(deliveries, started.elapsed(), state);
        }
        Err(not_safe) => {
            metrics::record_batch(BatchResult::Refused);
            tracing::error!(target: "vigil::node", root = %h.root, from_l1_block = h.from_l1_block, to_l1_block = h.to_l1_block, reason = %not_safe, "slashing protection refused to sign a batch");
        }
    }
}

/// Counts each aggregator's answer and sets the aggregator service's status.
fn record_deliveries(deliveries: Vec<(String, Delivery)>, elapsed: Duration, state: &NodeState) {
    let mut any_accepted = false;
    for (aggregator, delivery) in deliveries {
        let result = match &delivery {
            Delivery::Accepted => SubmissionResult::Accepted,
            Delivery::Refused { .. } => SubmissionResult::Rejected,
            Delivery::Failed { .. } => SubmissionResult::Error,
        };
        metrics::record_submission(&aggregator, result, elapsed);
        any_accepted |= delivery == Delivery::Accepted;
        if let Delivery::Failed { error, .. } = delivery {
            tracing::warn!(target: "vigil::node", %aggregator, %error, "undelivered");
        }
    }
    state.set_aggregator_status(if any_accepted { ServiceStatus::Up } else { ServiceStatus::Down });
}

/// After an L1 reorg: drops the scanned blocks the canonical chain no longer holds, with the
/// pending channels they completed, and moves the cursor back so that their replacements are
/// scanned. A batch that moved to another L1 block is then found there and its blocks are signed
/// again with the new `l1Block` (the same L2 blocks: slashing protection's same-block case).
/// Scanning resumes after the last block still canonical, or where the channel being assembled
/// there opened (the assembler is rebuilt from canonical blocks only); channels completed again
/// in those blocks sign the same checkpoints, which are not sent twice.
/// Returns the L1 block scanning restarts at.
async fn rewind(l1: &DynProvider, r: &mut RollupState) -> Result<u64> {
    // Find the newest remembered block still canonical before changing anything, so that an
    // endpoint failure half-way leaves the reorg to be noticed again at the next tick.
    let mut keep = r.scanned.len();
    while let Some(last) = keep.checked_sub(1).and_then(|i| r.scanned.get(i)) {
        let block =
            l1.get_block_by_number(last.number.into()).await.map_err(|e| rpc("L1 reorg", e))?;
        if block.is_some_and(|b| b.header.hash == last.hash) {
            break;
        }
        keep = keep.saturating_sub(1);
    }
    let orphaned_from = r.scanned.get(keep).map_or(r.next_l1, |b| b.number);
    r.scanned.truncate(keep);
    // Counted here, once the fork is known: a rewind that failed above is retried (and counted)
    // at the next tick.
    let restart = match r.scanned.back() {
        Some(fork) => {
            metrics::record_l1_reorg(r.id, ReorgDepth::WithinWindow);
            fork.staged_since.unwrap_or(fork.number.saturating_add(1))
        }
        None => {
            metrics::record_l1_reorg(r.id, ReorgDepth::BeyondWindow);
            tracing::error!(target: "vigil::node", rollup = r.id, from = orphaned_from, window = REORG_WINDOW, "L1 reorg deeper than the blocks remembered; scanning again from the oldest");
            orphaned_from
        }
    };
    tracing::warn!(target: "vigil::node", rollup = r.id, orphaned_from, rescan_from = restart, "L1 reorg: scanning the new blocks");
    r.scanned.retain(|b| b.number < restart);
    r.pending.retain(|c| c.l1_block < restart);
    r.source.reset();
    r.next_l1 = restart;
    Ok(restart)
}

fn record_refusal(rollup: u64, l1_block: u64, refusal: &Refusal) {
    metrics::record_da_refusal(rollup, refusal.label());
    if !matches!(refusal, Refusal::BlockMismatch { .. }) {
        metrics::record_refused(rollup, RefusalReason::DataUnavailable);
    }
    tracing::warn!(target: "vigil::node", rollup, l1_block, reason = refusal.label(), %refusal, "refused");
}

async fn sign_and_deliver(
    r: &mut RollupState,
    cp: Checkpoint,
    cadence: Cadence,
    signer: &CheckpointSigner,
    submitter: &Submitter,
    state: &NodeState,
) {
    if r.done.contains(&cp) {
        return;
    }
    metrics::record_observed(r.id);
    match signer.sign(&cp).await {
        Ok((safe, signed)) => {
            metrics::record_signed(r.id, cp.height);
            tracing::info!(target: "vigil::node", rollup = r.id, height = cp.height, l1_block = cp.l1_block, cadence = cadence.as_str(), ?safe, "signed checkpoint");
            let started = std::time::Instant::now();
            let deliveries = submitter.submit(&signed).await;
            record_deliveries(deliveries, started.elapsed(), state);
            r.done.insert(cp);
        }
        Err(not_safe) => {
            metrics::record_refused(r.id, RefusalReason::SlashingProtection);
            tracing::error!(target: "vigil::node", rollup = r.id, height = cp.height, reason = %not_safe, "slashing protection refused to sign");
            r.done.insert(cp);
        }
    }
}

/// `eigen_performance_score`: the share of the node's services that are up, 0–100.
fn performance_score(services: &[crate::api::Service]) -> u8 {
    if services.is_empty() {
        return 0;
    }
    let up = services.iter().filter(|s| s.status == ServiceStatus::Up).count();
    u8::try_from(up * 100 / services.len()).unwrap_or(100)
}
