//! The running node: for each rollup, find verified batches on L1, check them against the
//! operator's own L2 node, sign through slashing protection, deliver to aggregators.

use std::{collections::HashSet, future::Future, time::Duration};

use alloy::providers::{DynProvider, Provider};
use vigil_chain::Deployment;
use vigil_da::{BlobDa, DaSource, RollupInbox, VerifiedBatch};
use vigil_protection::SlashingDatabase;
use vigil_types::Checkpoint;

use crate::{
    Error, OperatorConfig, Result,
    api::{NodeState, ServiceStatus},
    keys::OperatorKeys,
    metrics::{self, DaCheckResult, RefusalReason, SubmissionResult},
    signer::CheckpointSigner,
    submit::{Delivery, Submitter},
    watcher::{L2Tag, Skip, checkpoints_for_batch},
};

struct RollupState {
    id: u64,
    tag: L2Tag,
    l2: DynProvider,
    da: BlobDa<DynProvider>,
    /// Verified batches with blocks the L2 node does not trust yet.
    pending: Vec<VerifiedBatch>,
    /// Checkpoints signed and delivered in this process (re-signing is safe, resending is noise).
    done: HashSet<Checkpoint>,
}

async fn http(url: &str, what: &str, timeout: Duration) -> Result<DynProvider> {
    crate::rpc::provider(url, what, timeout).await
}

/// Runs the node until `shutdown` resolves, reporting service health to `state` (served by the
/// node API) and counting everything in [`crate::metrics`].
pub async fn run(
    config: &OperatorConfig,
    keys: OperatorKeys,
    state: NodeState,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let deployment =
        Deployment::read(&config.chain.deployment).map_err(|e| Error::Config(e.to_string()))?;
    let domain = deployment.domain();
    let db = SlashingDatabase::open(&config.node.protection_db)
        .await
        .map_err(|e| Error::Config(format!("slashing protection: {e}")))?;
    let operator = keys.address();
    let bls_key_hash = vigil_chain::key_hash(&keys.bls.public_key());
    let signer = CheckpointSigner::new(keys.bls, domain, db, config.node.compressed_signatures)
        .await
        .map_err(|e| Error::Config(format!("slashing protection: {e}")))?;
    state.set_protection_status(ServiceStatus::Up);
    let submitter = Submitter::new(config.submission.aggregators.clone(), config.submission.retry);
    let timeout = Duration::from_millis(config.node.rpc_timeout_ms.max(1));
    let l1 = http(&config.chain.l1_rpc, "chain.l1_rpc", timeout).await?;
    let beacon = if config.node.l1_beacon.is_empty() {
        config.chain.l1_rpc.clone()
    } else {
        config.node.l1_beacon.clone()
    };
    let mut rollups = Vec::new();
    for r in &config.rollups {
        metrics::init_rollup(r.rollup_id);
        rollups.push(RollupState {
            id: r.rollup_id,
            tag: r.tag,
            l2: http(&r.l2_rpc, "rollups.l2_rpc", timeout).await?,
            da: BlobDa::new(
                l1.clone(),
                beacon.clone(),
                RollupInbox { rollup_id: r.rollup_id, batcher: r.batcher, inbox: r.inbox },
            )
            .with_timeout(timeout),
            pending: Vec::new(),
            done: HashSet::new(),
        });
    }
    let head = l1.get_block_number().await.map_err(|e| rpc("L1 head", e))?;
    let mut next_l1 = head.saturating_sub(config.node.scan_lookback_blocks);
    tracing::info!(target: "vigil::node", operator = %signer.pubkey(), verifier = %domain.verifier, rollups = rollups.len(), from_l1_block = next_l1, "node started");

    let poll = Duration::from_millis(config.node.poll_interval_ms.max(10));
    let status_every = Duration::from_millis(config.node.status_interval_ms.max(100));
    let mut next_status = tokio::time::Instant::now();
    tokio::pin!(shutdown);
    loop {
        if tokio::time::Instant::now() >= next_status {
            next_status = tokio::time::Instant::now() + status_every;
            report_stake(&l1, &deployment, operator, bls_key_hash).await;
        }
        if let Err(e) = tick(&l1, &mut next_l1, &mut rollups, &signer, &submitter, &state).await {
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
    next_l1: &mut u64,
    rollups: &mut [RollupState],
    signer: &CheckpointSigner,
    submitter: &Submitter,
    state: &NodeState,
) -> Result<()> {
    // 1. New L1 blocks: collect verified batches. A block is done only when every rollup's
    //    DA check for it succeeded, so a failing RPC never skips a batch.
    let head = match l1.get_block_number().await {
        Ok(head) => head,
        Err(e) => {
            for r in rollups.iter() {
                let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
            }
            return Err(rpc("L1 head", e));
        }
    };
    while *next_l1 <= head {
        for r in rollups.iter_mut() {
            match r.da.batches_at(*next_l1).await {
                Ok(batches) => {
                    for _ in &batches {
                        metrics::record_da_check(r.id, DaCheckResult::Available);
                    }
                    r.pending.extend(batches);
                }
                Err(e) if e.is_retryable() => {
                    metrics::record_da_check(r.id, DaCheckResult::Error);
                    let _ = state.set_rollup_status(r.id, ServiceStatus::Down);
                    return Err(rpc("DA", e));
                }
                Err(e) => {
                    // The data is not available as claimed: nothing from it is ever signed.
                    let result = if matches!(e, vigil_da::DaError::MissingBlob { .. }) {
                        DaCheckResult::Missing
                    } else {
                        DaCheckResult::Mismatch
                    };
                    metrics::record_da_check(r.id, result);
                    metrics::record_refused(r.id, RefusalReason::DataUnavailable);
                    tracing::warn!(target: "vigil::node", rollup = r.id, l1_block = *next_l1, error = %e, "batch refused");
                }
            }
        }
        *next_l1 = next_l1.saturating_add(1);
    }
    // 2. Attest what the own L2 node confirms; keep batches with blocks not yet trusted.
    for r in rollups.iter_mut() {
        let mut still_pending = Vec::new();
        for batch in std::mem::take(&mut r.pending) {
            let (checkpoints, skipped) = checkpoints_for_batch(&r.l2, r.tag, &batch).await;
            let l2_failed = skipped.iter().any(|s| matches!(s, Skip::Rpc(_)));
            let _ = state.set_rollup_status(
                r.id,
                if l2_failed { ServiceStatus::Down } else { ServiceStatus::Up },
            );
            for skip in &skipped {
                if matches!(skip, Skip::Mismatch { .. }) {
                    metrics::record_refused(r.id, RefusalReason::BlockMismatch);
                }
            }
            for cp in checkpoints {
                if r.done.contains(&cp) {
                    continue;
                }
                metrics::record_observed(r.id);
                match signer.sign(&cp).await {
                    Ok((safe, signed)) => {
                        metrics::record_signed(r.id, cp.height);
                        tracing::info!(target: "vigil::node", rollup = r.id, height = cp.height, l1_block = cp.l1_block, ?safe, "signed checkpoint");
                        let started = std::time::Instant::now();
                        let deliveries = submitter.submit(&signed).await;
                        let elapsed = started.elapsed();
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
                        state.set_aggregator_status(if any_accepted {
                            ServiceStatus::Up
                        } else {
                            ServiceStatus::Down
                        });
                        r.done.insert(cp);
                    }
                    Err(not_safe) => {
                        metrics::record_refused(r.id, RefusalReason::SlashingProtection);
                        tracing::error!(target: "vigil::node", rollup = r.id, height = cp.height, reason = %not_safe, "slashing protection refused to sign");
                        r.done.insert(cp);
                    }
                }
            }
            if skipped.iter().any(|s| matches!(s, Skip::NotYetTrusted { .. } | Skip::Rpc(_))) {
                still_pending.push(batch);
            }
        }
        r.pending = still_pending;
    }
    Ok(())
}

/// `eigen_performance_score`: the share of the node's services that are up, 0–100.
fn performance_score(services: &[crate::api::Service]) -> u8 {
    if services.is_empty() {
        return 0;
    }
    let up = services.iter().filter(|s| s.status == ServiceStatus::Up).count();
    u8::try_from(up * 100 / services.len()).unwrap_or(100)
}
