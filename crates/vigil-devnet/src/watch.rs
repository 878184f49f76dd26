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

/// A certificate recorded by the verifier.
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
}

impl ChainWatch {
    /// A watcher of `rollups`' certificates and of slashes, from block 0.
    pub fn new(l1: DynProvider, deployment: Deployment, rollups: Vec<u64>) -> Self {
        Self { l1, deployment, rollups, next_block: 0 }
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
            });
        }
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
        if !watch
            .is_certified(rollup_id, channel.last, block.header.hash, block.header.state_root)
            .await?
        {
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
