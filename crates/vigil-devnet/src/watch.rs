//! What the devnet shows and checks: certificates as they land on L1, slashes, and (in unattended
//! mode) the final verdict, all read from the chain itself.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use vigil_chain::{
    Deployment, WAD,
    bindings::{VigilSlasher, VigilVerifier, eigenlayer::AllocationManager},
};
use vigil_types::Checkpoint;

use crate::{Error, Result};

/// A checkpoint certified on L1: by its own certificate, or inside a batch certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Certified {
    /// The certified checkpoint.
    pub checkpoint: Checkpoint,
    /// Stake weight that signed (whole tokens × 10^18).
    pub signed_weight: U256,
    /// Total weight of the set at `l1Block`.
    pub total_weight: U256,
    /// The transaction that recorded it.
    pub tx: B256,
    /// Its L1 block.
    pub block: u64,
    /// The batch root it is certified under (`None`: its own certificate).
    pub batch: Option<B256>,
}

/// A batch certificate recorded by the verifier (`BatchCertified`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLanded {
    /// The batch root.
    pub root: B256,
    /// How many checkpoints it holds.
    pub leaves: u32,
    /// Its L1 range.
    pub from_l1_block: u64,
    /// Its L1 range's end (the stake reference block).
    pub to_l1_block: u64,
    /// Stake weight that signed.
    pub signed_weight: U256,
    /// Total weight of the set at `toL1Block`.
    pub total_weight: U256,
    /// The transaction that recorded it.
    pub tx: B256,
    /// Its L1 block.
    pub block: u64,
}

/// A slash by Vigil's slasher contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slashed {
    /// The offence id.
    pub offence_id: B256,
    /// The operator.
    pub operator: Address,
    /// The slashing transaction.
    pub tx: B256,
    /// Its L1 block.
    pub block: u64,
    /// What the contract said.
    pub description: String,
}

/// Reads Vigil's events from L1, from where it last stopped.
#[derive(Debug)]
pub struct ChainWatch {
    l1: DynProvider,
    deployment: Deployment,
    rollups: Vec<u64>,
    next_block: u64,
    /// The aggregator's API, asked for inclusion proofs of batched checkpoints.
    aggregator: Option<String>,
    http: reqwest::Client,
    /// Every batch certificate seen, by root.
    batches: std::collections::HashMap<B256, BatchLanded>,
    /// L1 block → the certificate transactions (single or batch) it holds.
    cert_txs: std::collections::BTreeMap<u64, std::collections::BTreeSet<B256>>,
    /// Batch certificates seen since [`Self::take_landed`].
    landed: Vec<BatchLanded>,
}

impl ChainWatch {
    /// A watcher of `rollups`' certificates and of slashes, from block 0.
    pub fn new(l1: DynProvider, deployment: Deployment, rollups: Vec<u64>) -> Self {
        Self {
            l1,
            deployment,
            rollups,
            next_block: 0,
            aggregator: None,
            http: reqwest::Client::new(),
            batches: std::collections::HashMap::new(),
            cert_txs: std::collections::BTreeMap::new(),
            landed: Vec::new(),
        }
    }

    /// Also follows batch certificates, fetching inclusion proofs from the aggregator at
    /// `api` (each checked on L1 with `isCertifiedInBatch`).
    pub fn with_aggregator(mut self, api: String) -> Self {
        self.aggregator = Some(api);
        self
    }

    /// The L1 blocks holding more than one certificate transaction (single or batch), with
    /// their transactions: none, when the aggregator sends at most one per block.
    pub fn crowded_blocks(&self) -> Vec<(u64, usize)> {
        self.cert_txs.iter().filter(|(_, txs)| txs.len() > 1).map(|(b, t)| (*b, t.len())).collect()
    }

    /// Batch certificates seen, and the checkpoints they hold.
    pub fn batch_count(&self) -> usize {
        self.batches.len()
    }

    /// Which of `pending` (`(rollup, height)` not yet certified) a recorded batch certifies:
    /// the aggregator's proof of each, checked on L1 (`isCertifiedInBatch`). Nothing without an
    /// aggregator or before any batch landed.
    pub async fn batched(&self, pending: &[(u64, u64)]) -> Vec<Certified> {
        let Some(api) = &self.aggregator else { return Vec::new() };
        if self.batches.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for &(rollup, height) in pending {
            let Ok(Some(status)) = self.batch_status(api, rollup, height).await else { continue };
            let root = status.certificate.header.root;
            let Some(landed) = self.batches.get(&root) else { continue };
            if !matches!(self.in_batch(&status.checkpoint, root, &status.proof).await, Ok(true)) {
                continue;
            }
            found.push(Certified {
                checkpoint: status.checkpoint,
                signed_weight: landed.signed_weight,
                total_weight: landed.total_weight,
                tx: landed.tx,
                block: landed.block,
                batch: Some(root),
            });
        }
        found
    }

    async fn batch_status(
        &self,
        api: &str,
        rollup: u64,
        height: u64,
    ) -> Result<Option<vigil_client::BatchCheckpointStatus>> {
        let client = vigil_client::VigilClient::with_http_client(self.http.clone(), api)
            .map_err(|e| Error::Check(e.to_string()))?;
        client
            .batch_checkpoint(rollup, height)
            .await
            .map_err(|e| Error::Check(format!("aggregator batch checkpoint: {e}")))
    }

    /// `isCertifiedInBatch` of the roots contract.
    async fn in_batch(
        &self,
        cp: &Checkpoint,
        root: B256,
        proof: &vigil_types::InclusionProof,
    ) -> Result<bool> {
        vigil_chain::is_certified_in_batch(
            &self.l1,
            self.deployment.vigil.batch_roots,
            cp,
            root,
            proof,
        )
        .await
        .map_err(Error::chain("VigilBatchRoots.isCertifiedInBatch"))
    }

    /// New certificates and slashes since the last call.
    pub async fn poll(&mut self) -> Result<(Vec<Certified>, Vec<Slashed>)> {
        let head = self.l1.get_block_number().await.map_err(Error::chain("L1 head"))?;
        if head < self.next_block {
            return Ok((Vec::new(), Vec::new()));
        }
        let range = |address: Address, sig: B256| {
            Filter::new()
                .address(address)
                .event_signature(sig)
                .from_block(self.next_block)
                .to_block(head)
        };
        let logs = self
            .l1
            .get_logs(&range(
                self.deployment.vigil.verifier,
                VigilVerifier::CheckpointCertified::SIGNATURE_HASH,
            ))
            .await
            .map_err(Error::chain("certificate events"))?;
        let mut certified = Vec::new();
        for log in &logs {
            let Ok(e) = VigilVerifier::CheckpointCertified::decode_log(&log.inner) else {
                continue;
            };
            if let (Some(b), Some(tx)) = (log.block_number, log.transaction_hash) {
                self.cert_txs.entry(b).or_default().insert(tx);
            }
            if !self.rollups.contains(&e.data.rollupId) {
                continue;
            }
            certified.push(Certified {
                checkpoint: Checkpoint {
                    rollup_id: e.data.rollupId,
                    height: e.data.height,
                    block_hash: e.data.blockHash,
                    state_root: e.data.stateRoot,
                    da_commitment: e.data.daCommitment,
                    l1_block: e.data.l1Block,
                },
                signed_weight: U256::from(e.data.signedWeight),
                total_weight: U256::from(e.data.totalWeight),
                tx: log.transaction_hash.unwrap_or_default(),
                block: log.block_number.unwrap_or_default(),
                batch: None,
            });
        }
        let logs = self
            .l1
            .get_logs(&range(
                self.deployment.vigil.verifier,
                VigilVerifier::BatchCertified::SIGNATURE_HASH,
            ))
            .await
            .map_err(Error::chain("batch certificate events"))?;
        let mut landed = Vec::new();
        for log in &logs {
            let Ok(e) = VigilVerifier::BatchCertified::decode_log(&log.inner) else {
                continue;
            };
            let (Some(block), Some(tx)) = (log.block_number, log.transaction_hash) else {
                continue;
            };
            self.cert_txs.entry(block).or_default().insert(tx);
            let b = BatchLanded {
                root: e.data.root,
                leaves: e.data.leafCount,
                from_l1_block: e.data.fromL1Block,
                to_l1_block: e.data.toL1Block,
                signed_weight: U256::from(e.data.signedWeight),
                total_weight: U256::from(e.data.totalWeight),
                tx,
                block,
            };
            self.batches.insert(b.root, b);
            landed.push(b);
        }
        self.landed.extend(landed);
        let logs = self
            .l1
            .get_logs(&range(
                self.deployment.vigil.slasher,
                VigilSlasher::OperatorSlashed::SIGNATURE_HASH,
            ))
            .await
            .map_err(Error::chain("slash events"))?;
        let slashed = logs
            .iter()
            .filter_map(|log| {
                let e = VigilSlasher::OperatorSlashed::decode_log(&log.inner).ok()?;
                Some(Slashed {
                    offence_id: e.data.offenceId,
                    operator: e.data.operator,
                    tx: log.transaction_hash.unwrap_or_default(),
                    block: log.block_number.unwrap_or_default(),
                    description: e.data.description.clone(),
                })
            })
            .collect();
        self.next_block = head.saturating_add(1);
        Ok((certified, slashed))
    }

    /// Batch certificates seen by [`Self::poll`] since the last call.
    pub fn take_landed(&mut self) -> Vec<BatchLanded> {
        std::mem::take(&mut self.landed)
    }

    /// An operator's magnitude for the core's strategy (WAD = nothing slashed).
    pub async fn magnitude(&self, operator: Address) -> Result<u64> {
        AllocationManager::new(self.deployment.eigenlayer.allocation_manager, &self.l1)
            .getMaxMagnitude(operator, self.deployment.eigenlayer.strategy)
            .call()
            .await
            .map_err(Error::chain("AllocationManager.getMaxMagnitude"))
    }

    /// Whether the verifier holds a certificate for exactly `(rollupId, height, blockHash,
    /// stateRoot)`.
    pub async fn is_certified(
        &self,
        rollup_id: u64,
        height: u64,
        block_hash: B256,
        state_root: B256,
    ) -> Result<bool> {
        VigilVerifier::new(self.deployment.vigil.verifier, &self.l1)
            .isBlockCertified(rollup_id, height, block_hash, state_root)
            .call()
            .await
            .map_err(Error::chain("VigilVerifier.isBlockCertified"))
    }

    /// Whether `cp` is certified in the recorded batch `root`, by the aggregator's inclusion
    /// proof checked on L1.
    pub async fn is_certified_in_batch(&self, cp: &Checkpoint, root: B256) -> Result<bool> {
        let api = self.aggregator.as_deref().ok_or_else(|| {
            Error::Check("a batched checkpoint, but no aggregator to ask for its proof".into())
        })?;
        let status = self.batch_status(api, cp.rollup_id, cp.height).await?.ok_or_else(|| {
            Error::Check(format!(
                "the aggregator has no batch proof for rollup {} height {}",
                cp.rollup_id, cp.height
            ))
        })?;
        if status.certificate.header.root != root {
            return Ok(false);
        }
        self.in_batch(cp, root, &status.proof).await
    }
}

/// The unattended check of what was certified for rollup `rollup_id` (its certificates only)
/// against what its batcher posted: every L2
/// height up to `n` lies in a channel whose final block is certified; every certified height is
/// a channel-final block; each certificate names the L2's own block, the L1 block that completed
/// the channel, and a `daCommitment` over exactly the channel's blobs (or calldata transactions).
pub async fn check_certified_channels(
    watch: &ChainWatch,
    rollup_id: u64,
    l2: &DynProvider,
    channels: &[crate::batcher::Posted],
    superseded: &[crate::batcher::Posted],
    certified: &std::collections::BTreeMap<u64, Certified>,
    n: u64,
) -> Result<()> {
    // A channel posted again after a restart is channel-final under both postings, even before
    // the second one is out (a certificate from signatures gathered before the restart).
    let finals: std::collections::BTreeSet<u64> =
        channels.iter().chain(superseded).map(|c| c.last).collect();
    for height in certified.keys() {
        if !finals.contains(height) {
            return Err(Error::Check(format!(
                "rollup {rollup_id}: height {height} is certified but is not the last block of a \
                 posted channel"
            )));
        }
    }
    let mut covered = 0;
    for channel in channels {
        if channel.first > n {
            break;
        }
        let Some(c) = certified.get(&channel.last) else {
            return Err(Error::Check(format!(
                "rollup {rollup_id}: channel {}..={} has no certificate for its final block",
                channel.first, channel.last
            )));
        };
        let block = l2
            .get_block_by_number(BlockNumberOrTag::Number(channel.last))
            .await
            .map_err(Error::chain("L2 block"))?
            .ok_or_else(|| Error::Check(format!("L2 has no block {}", channel.last)))?;
        let own = match c.batch {
            None => {
                watch
                    .is_certified(
                        rollup_id,
                        channel.last,
                        block.header.hash,
                        block.header.state_root,
                    )
                    .await?
            }
            Some(root) => {
                let cp = Checkpoint {
                    block_hash: block.header.hash,
                    state_root: block.header.state_root,
                    ..c.checkpoint
                };
                watch.is_certified_in_batch(&cp, root).await?
            }
        };
        if !own {
            return Err(Error::Check(format!(
                "rollup {rollup_id}: L2 height {} (block {}) is not certified with the L2's own \
                 block",
                channel.last, block.header.hash
            )));
        }
        // The certificate names one posting of this channel (the latest, or an earlier one
        // posted again after a restart): its blobs' daCommitment and its completing L1 block.
        let postings = std::iter::once(channel).chain(
            superseded.iter().filter(|p| (p.first, p.last) == (channel.first, channel.last)),
        );
        let mut matched = false;
        for p in postings {
            matched |= c.checkpoint.da_commitment == p.da_commitment
                && c.checkpoint.l1_block == p.l1_block;
        }
        if !matched {
            return Err(Error::Check(format!(
                "rollup {rollup_id}: height {}: certified daCommitment {} (l1Block {}) is not that \
                 of any posting of the channel (latest: {}, l1Block {})",
                channel.last,
                c.checkpoint.da_commitment,
                c.checkpoint.l1_block,
                channel.da_commitment,
                channel.l1_block
            )));
        }
        covered = channel.last;
    }
    if covered < n {
        return Err(Error::Check(format!(
            "rollup {rollup_id}: heights certified through {covered}, wanted {n}"
        )));
    }
    Ok(())
}

/// Checks the slashes: exactly `expected` operators slashed, each exactly once; every other
/// operator's magnitude untouched. Returns the magnitudes of the slashed.
pub async fn check_slashes(
    watch: &ChainWatch,
    slashes: &[Slashed],
    operators: &[Address],
    expected: &[Address],
) -> Result<()> {
    let mut got: Vec<Address> = slashes.iter().map(|s| s.operator).collect();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    if got != want {
        return Err(Error::Check(format!("slashed {got:?}, expected exactly {want:?} once each")));
    }
    for op in operators {
        let m = watch.magnitude(*op).await?;
        let slashed = expected.contains(op);
        if slashed && m >= WAD {
            return Err(Error::Check(format!("{op} was slashed but its magnitude is still {m}")));
        }
        if !slashed && m != WAD {
            return Err(Error::Check(format!("honest operator {op} lost magnitude: {m}")));
        }
    }
    Ok(())
}

/// One offence as the slasher's API lists it (`GET /v1/offences`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The slasher's id for it.
    pub id: i64,
    /// Its state (`pending`, `submitted`, `queued`, `vetoed`, `slashed`, …).
    pub state: String,
    /// The offender's BLS public key, as listed.
    pub pubkey: Option<String>,
    /// The height it is about.
    pub height: Option<u64>,
    /// One line for the live display: rollup, height, proofs, transaction.
    pub detail: String,
}

impl Listed {
    /// Whether the offender's BLS key is `pubkey` (hex, any case).
    pub fn is_by(&self, pubkey: &str) -> bool {
        self.pubkey.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(pubkey))
    }
}

/// The slasher's offences, best effort (empty while its API does not answer).
pub async fn slasher_offences(api: &str) -> Vec<Listed> {
    let Ok(r) = reqwest::get(format!("{api}/v1/offences")).await else { return Vec::new() };
    let Ok(list) = r.json::<Vec<serde_json::Value>>().await else { return Vec::new() };
    let text = |o: &serde_json::Value, at: &str| {
        o.pointer(at).and_then(serde_json::Value::as_str).map(str::to_owned)
    };
    list.iter()
        .filter_map(|o| {
            let id = o.get("id")?.as_i64()?;
            let state = o.get("state")?.as_str()?.to_owned();
            let height = text(o, "/offence/height");
            let tx = o.get("txHash").and_then(serde_json::Value::as_str);
            let detail = format!(
                " (rollup {}, height {}, {} proof(s){})",
                text(o, "/offence/rollupId").as_deref().unwrap_or("?"),
                height.as_deref().unwrap_or("?"),
                o.get("proofs").and_then(serde_json::Value::as_u64).unwrap_or(0),
                tx.map(|t| format!(", tx {}", short(&t))).unwrap_or_default()
            );
            Some(Listed {
                id,
                state,
                pubkey: text(o, "/offence/pubkey"),
                height: height.and_then(|h| h.parse().ok()),
                detail,
            })
        })
        .collect()
}

/// `0x1234…abcd`.
pub fn short(h: &impl std::fmt::Display) -> String {
    let s = h.to_string();
    match (s.get(..6), s.get(s.len().saturating_sub(4)..)) {
        (Some(a), Some(b)) if s.len() > 12 => format!("{a}…{b}"),
        _ => s,
    }
}

/// Whole tokens, one decimal.
pub fn tokens(weight: U256) -> String {
    let tenth = weight / U256::from(WAD / 10);
    let whole = tenth / U256::from(10u8);
    let frac = tenth % U256::from(10u8);
    format!("{whole}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(tokens(U256::from(WAD) * U256::from(400u64)), "400.0");
        assert_eq!(tokens(U256::from(WAD / 20) * U256::from(19u64)), "0.9");
        assert_eq!(short(&B256::repeat_byte(0xab)), "0xabab…abab");
        assert_eq!(short(&"0x12"), "0x12");
    }
}
