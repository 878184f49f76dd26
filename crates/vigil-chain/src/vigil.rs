//! Vigil's contracts on top of an EigenLayer core: deployment, operator registration and the
//! calldata shapes the contracts take.

use std::path::Path;

use alloy::{
    primitives::{Address, B256, Bytes, U256, aliases::U96, keccak256},
    providers::Provider,
    sol_types::{SolCall, SolValue},
};
use serde::{Deserialize, Serialize};
use vigil_crypto::{PublicKey, SecretKey};
use vigil_types::{Checkpoint, SigningDomain, pop_message};

use crate::{
    EigenLayerCore, Error, Result,
    bindings::{
        EmptyContract, ProxyAdmin, TransparentUpgradeableProxy, VigilBatchRoots,
        VigilServiceManager, VigilSlasher, VigilVerifier, vigil_verifier,
    },
    tx::send,
};

/// WAD: 1e18, EigenLayer's unit for magnitudes and slashing fractions.
pub const WAD: u64 = 1_000_000_000_000_000_000;

/// How Vigil is deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VigilParams {
    /// Vigil's operator set id.
    pub operator_set_id: u32,
    /// Oldest `l1Block` (in blocks before the current one) a certificate may reference.
    pub max_certificate_age: u32,
    /// Fraction of the allocated stake slashed per offence, in WAD (5e16 = 5%).
    pub wads_to_slash: U256,
    /// Weight multiplier of the core's strategy, in WAD (1e18 = 1×).
    pub strategy_multiplier: U256,
    /// Veto committee (zero: no veto window).
    pub veto_committee: Address,
    /// Veto window in blocks (0: slash at once).
    pub veto_window: u32,
    /// AVS metadata URI.
    pub metadata_uri: String,
    /// Seconds between queueing a parameter change (thresholds, certificate age, slashing
    /// parameters, veto configuration, slasher appointee) and the earliest time it can apply. A
    /// devnet may use a short delay, but changes still go through the timelock.
    pub governance_delay: u64,
    /// Blocks per L1 range of a batch certificate (`VIGIL_BATCH_V1`): the batch of range `k`
    /// holds every checkpoint whose `l1Block` is in `[k·E, (k+1)·E − 1]`. Off-chain only (the
    /// verifier does not check it) but pinned here so that every operator cuts L1 the same way
    /// and their batch signatures aggregate. 1: at most one batch per L1 block.
    pub batch_l1_blocks: u64,
}

/// The governance delay of real networks: one day.
pub const DEFAULT_GOVERNANCE_DELAY: u64 = 86_400;

impl Default for VigilParams {
    fn default() -> Self {
        Self {
            operator_set_id: 0,
            max_certificate_age: 7200,
            wads_to_slash: U256::from(WAD / 20),
            strategy_multiplier: U256::from(WAD),
            veto_committee: Address::ZERO,
            veto_window: 0,
            metadata_uri: "https://vigil.invalid/metadata.json".to_owned(),
            governance_delay: DEFAULT_GOVERNANCE_DELAY,
            batch_l1_blocks: 1,
        }
    }
}

/// Addresses of a Vigil deployment. The three contracts are transparent proxies (their
/// addresses never change across upgrades) administered by `proxy_admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VigilContracts {
    /// The OpenZeppelin ProxyAdmin that upgrades the three proxies (zero in deployment files
    /// written before Vigil's contracts were upgradeable).
    #[serde(default)]
    pub proxy_admin: Address,
    /// The AVS: VigilServiceManager.
    pub service_manager: Address,
    /// VigilVerifier, which is also the AVSRegistrar and defines the signing domain.
    pub verifier: Address,
    /// VigilSlasher.
    pub slasher: Address,
    /// VigilBatchRoots: where batch roots are recorded and rollups check a checkpoint's
    /// inclusion in a certified batch (not a proxy; `VigilVerifier.batchRoots()` names it too).
    /// Zero in deployment files written before batch certificates.
    #[serde(default)]
    pub batch_roots: Address,
    /// Vigil's operator set id.
    pub operator_set_id: u32,
}

/// Everything deployed on one chain, as written to `config/deployments/<chain>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The chain id.
    pub chain_id: u64,
    /// EigenLayer's core.
    pub eigenlayer: EigenLayerCore,
    /// Vigil's contracts.
    pub vigil: VigilContracts,
    /// The parameters Vigil was deployed with.
    pub params: VigilParams,
}

impl Deployment {
    /// The signing domain every checkpoint signature of this deployment commits to.
    pub fn domain(&self) -> SigningDomain {
        SigningDomain {
            l1_chain_id: self.chain_id,
            verifier: self.vigil.verifier,
            operator_set_id: self.vigil.operator_set_id,
        }
    }

    /// Writes the deployment as JSON.
    pub fn write(&self, path: &Path) -> Result<()> {
        let err = |reason: String| Error::DeploymentFile { path: path.to_owned(), reason };
        let json = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        std::fs::write(path, json + "\n").map_err(|e| err(e.to_string()))
    }

    /// Reads a deployment JSON file. A file for a public network may name it instead of listing
    /// EigenLayer's addresses: `"network": "hoodi"` and `"strategy": "<name or address>"` (the
    /// strategy Vigil's set counts) fill in `eigenlayer` from the embedded network file
    /// ([`crate::Network`]); only Vigil's own addresses, which a deployment writes, are needed.
    pub fn read(path: &Path) -> Result<Self> {
        let err = |reason: String| Error::DeploymentFile { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        if let Some(name) = json.get("network").and_then(|n| n.as_str()).map(str::to_owned) {
            let network = crate::Network::by_name(&name)?;
            let eigenlayer = network_core(&network, &json).map_err(&err)?;
            let object = json.as_object_mut().ok_or_else(|| err("not a JSON object".into()))?;
            if object.contains_key("eigenlayer") {
                return Err(err("name either \"network\" or \"eigenlayer\", not both".into()));
            }
            match object.get("chainId").and_then(serde_json::Value::as_u64) {
                Some(id) if id != network.chain_id => {
                    return Err(err(format!(
                        "chainId {id} is not {name}'s ({})",
                        network.chain_id
                    )));
                }
                Some(_) => {}
                None => {
                    object.insert("chainId".into(), network.chain_id.into());
                }
            }
            object.remove("network");
            object.remove("strategy");
            object.insert(
                "eigenlayer".into(),
                serde_json::to_value(eigenlayer).map_err(|e| err(e.to_string()))?,
            );
            object.entry("params").or_insert_with(|| serde_json::json!({}));
        }
        serde_json::from_value(json).map_err(|e| err(e.to_string()))
    }
}

/// EigenLayer's core on a public network, as a deployment names it: the network's proxies and the
/// strategy the file's `"strategy"` names (by the network file's name or by address). Fields that
/// exist only on a local chain (owner, proxy admin, pauser registry, token) are zero.
fn network_core(
    network: &crate::Network,
    json: &serde_json::Value,
) -> std::result::Result<EigenLayerCore, String> {
    let wanted = json
        .get("strategy")
        .and_then(serde_json::Value::as_str)
        .ok_or("a deployment naming a network must name its \"strategy\" (a name or an address)")?;
    let strategy = match wanted.parse::<Address>() {
        Ok(address) => address,
        Err(_) => network.strategy(wanted).ok_or_else(|| {
            let known: Vec<&str> = network.strategies.iter().map(|s| s.name.as_str()).collect();
            format!("{} lists no strategy {wanted:?}; known: {}", network.name, known.join(", "))
        })?,
    };
    let c = &network.eigenlayer;
    Ok(EigenLayerCore {
        owner: Address::ZERO,
        proxy_admin: Address::ZERO,
        pauser_registry: Address::ZERO,
        permission_controller: c.permission_controller,
        allocation_manager: c.allocation_manager,
        delegation_manager: c.delegation_manager,
        strategy_manager: c.strategy_manager,
        avs_directory: c.avs_directory,
        eigen_pod_manager: c.eigen_pod_manager,
        token: Address::ZERO,
        strategy,
        params: crate::CoreParams::default(),
    })
}

/// Deploys Vigil on `core` and wires it into EigenLayer: a ProxyAdmin and three transparent
/// proxies (service manager, verifier, slasher), each implementation initialized through its
/// proxy, then metadata, operator set, registrar and the slasher's permission to call
/// `slashOperator` (given at the service manager's initialization). `provider` signs as the
/// owner, which owns the ProxyAdmin and the three contracts.
pub async fn deploy_vigil<P: Provider + Clone>(
    provider: &P,
    core: &EigenLayerCore,
    params: &VigilParams,
) -> Result<Deployment> {
    let owner = core.owner;
    let err = |what: &'static str| move |e| Error::call(what, e);
    let proxy_admin =
        ProxyAdmin::deploy(provider.clone()).await.map_err(err("deploy Vigil's ProxyAdmin"))?;
    let empty =
        EmptyContract::deploy(provider.clone()).await.map_err(err("deploy EmptyContract"))?;
    // Proxies first: every address is known before the implementations that name them.
    let mut proxies = [Address::ZERO; 3];
    for (slot, what) in proxies.iter_mut().zip([
        "deploy VigilServiceManager proxy",
        "deploy VigilVerifier proxy",
        "deploy VigilSlasher proxy",
    ]) {
        let proxy = TransparentUpgradeableProxy::deploy(
            provider.clone(),
            *empty.address(),
            *proxy_admin.address(),
            Bytes::new(),
        )
        .await
        .map_err(err(what))?;
        *slot = *proxy.address();
    }
    let [service_manager, verifier_proxy, slasher_proxy] = proxies;

    let sm_impl = VigilServiceManager::deploy(
        provider.clone(),
        core.allocation_manager,
        core.permission_controller,
    )
    .await
    .map_err(err("deploy VigilServiceManager"))?;
    let init = VigilServiceManager::initializeCall {
        owner_: owner,
        slasher_: slasher_proxy,
        governanceDelay_: params.governance_delay,
    };
    send(
        "initialize VigilServiceManager",
        proxy_admin.upgradeAndCall(service_manager, *sm_impl.address(), init.abi_encode().into()),
    )
    .await?;
    let sm = VigilServiceManager::new(service_manager, provider.clone());

    let verifier_impl = VigilVerifier::deploy(
        provider.clone(),
        core.allocation_manager,
        service_manager,
        params.operator_set_id,
    )
    .await
    .map_err(err("deploy VigilVerifier"))?;
    let init = VigilVerifier::initializeCall {
        owner_: owner,
        maxCertificateAge_: params.max_certificate_age,
        governanceDelay_: params.governance_delay,
    };
    send(
        "initialize VigilVerifier",
        proxy_admin.upgradeAndCall(
            verifier_proxy,
            *verifier_impl.address(),
            init.abi_encode().into(),
        ),
    )
    .await?;
    let verifier = VigilVerifier::new(verifier_proxy, provider.clone());
    let multiplier = U96::saturating_from(params.strategy_multiplier);
    send(
        "set strategies",
        verifier.setStrategies(vec![vigil_verifier::VigilRegistrar::StrategyParams {
            strategy: core.strategy,
            multiplier,
        }]),
    )
    .await?;
    let batch_roots = VigilBatchRoots::deploy(provider.clone(), verifier_proxy)
        .await
        .map_err(err("deploy VigilBatchRoots"))?;
    send("attach VigilBatchRoots", verifier.attachBatchRoots(*batch_roots.address())).await?;

    // The slasher's implementation reads its immutables from the (now initialized) verifier.
    let slasher_impl = VigilSlasher::deploy(provider.clone(), verifier_proxy)
        .await
        .map_err(err("deploy VigilSlasher"))?;
    let init = VigilSlasher::initializeCall {
        owner_: owner,
        strategies_: vec![core.strategy],
        wadsToSlash_: vec![params.wads_to_slash],
        vetoCommittee_: params.veto_committee,
        vetoWindow_: params.veto_window,
        governanceDelay_: params.governance_delay,
    };
    send(
        "initialize VigilSlasher",
        proxy_admin.upgradeAndCall(
            slasher_proxy,
            *slasher_impl.address(),
            init.abi_encode().into(),
        ),
    )
    .await?;

    send("update AVS metadata", sm.updateAVSMetadataURI(params.metadata_uri.clone())).await?;
    // EigenLayer v1.9+ names a set's only slasher when the set is created; before v1.9 the
    // slasher is the PermissionController appointee the service manager installed at
    // initialisation.
    let version = crate::detect_eigenlayer(provider, core.allocation_manager).await?;
    tracing::info!(target: "vigil::deploy", eigenlayer = %version, "creating Vigil's operator set");
    match version.slasher_model() {
        crate::SlasherModel::PerOperatorSet => {
            send(
                "create operator set with its slasher",
                sm.createOperatorSetWithSlasher(
                    params.operator_set_id,
                    vec![core.strategy],
                    slasher_proxy,
                ),
            )
            .await?;
        }
        crate::SlasherModel::PermissionControllerAppointee => {
            send(
                "create operator set",
                sm.createOperatorSet(params.operator_set_id, vec![core.strategy]),
            )
            .await?;
        }
    }
    send("set AVS registrar", sm.setAVSRegistrar(verifier_proxy)).await?;
    let chain_id = provider.get_chain_id().await.map_err(|e| Error::call("chain id", e))?;
    Ok(Deployment {
        chain_id,
        eigenlayer: *core,
        vigil: VigilContracts {
            proxy_admin: *proxy_admin.address(),
            service_manager,
            verifier: verifier_proxy,
            slasher: slasher_proxy,
            batch_roots: *batch_roots.address(),
            operator_set_id: params.operator_set_id,
        },
        params: params.clone(),
    })
}

/// The registration data the registrar takes: the G2 key (EIP-2537, 256 bytes) followed by the
/// proof of possession (EIP-2537 G1, 128 bytes) over [`pop_message`] bound to `operator`.
pub fn registration_data(
    sk: &SecretKey,
    l1_chain_id: u64,
    registrar: Address,
    operator: Address,
) -> Bytes {
    let pubkey = sk.public_key().to_eip2537();
    let message = pop_message(l1_chain_id, registrar, operator, &pubkey);
    let mut data = Vec::with_capacity(384);
    data.extend_from_slice(&pubkey);
    data.extend_from_slice(&sk.sign_pop(message.as_slice()).to_eip2537());
    data.into()
}

/// `keccak256` of a key's EIP-2537 encoding: how the contracts name a key.
pub fn key_hash(pk: &PublicKey) -> alloy::primitives::B256 {
    keccak256(pk.to_eip2537())
}

/// Non-signer keys as the verifier takes them: EIP-2537 encodings, sorted by key hash,
/// concatenated.
pub fn non_signer_bytes(non_signers: &[PublicKey]) -> Bytes {
    let mut keys: Vec<_> = non_signers.iter().map(|pk| (key_hash(pk), pk.to_eip2537())).collect();
    keys.sort_by_key(|(hash, _)| *hash);
    keys.into_iter().flat_map(|(_, k)| k).collect::<Vec<u8>>().into()
}

/// A checkpoint as the verifier's `Checkpoint` struct.
pub fn checkpoint_sol(cp: &Checkpoint) -> VigilVerifier::Checkpoint {
    VigilVerifier::Checkpoint {
        rollupId: cp.rollup_id,
        height: cp.height,
        blockHash: cp.block_hash,
        stateRoot: cp.state_root,
        daCommitment: cp.da_commitment,
        l1Block: cp.l1_block,
    }
}

/// `IVigilBatchCheckpoints.isCertifiedInBatch` of the roots contract at `roots`: whether `cp`
/// is certified through the recorded batch `root`, by `proof` (at the checkpoint's rollup's
/// threshold).
pub async fn is_certified_in_batch<P: Provider>(
    provider: P,
    roots: Address,
    cp: &Checkpoint,
    root: B256,
    proof: &vigil_types::InclusionProof,
) -> std::result::Result<bool, alloy::contract::Error> {
    VigilBatchRoots::new(roots, provider)
        .isCertifiedInBatch(
            VigilBatchRoots::Checkpoint {
                rollupId: cp.rollup_id,
                height: cp.height,
                blockHash: cp.block_hash,
                stateRoot: cp.state_root,
                daCommitment: cp.da_commitment,
                l1Block: cp.l1_block,
            },
            root,
            VigilBatchRoots::InclusionProof {
                index: proof.index,
                siblings: proof.siblings.clone(),
            },
        )
        .call()
        .await
}

/// Where one offence's slash stands in the slasher contract (`slashes(offenceId).status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlashStatus {
    /// Nothing recorded for the offence, or recorded and slashed at once (no window).
    None,
    /// Queued behind the veto window.
    Queued,
    /// Vetoed by the committee.
    Vetoed,
    /// Executed after the window.
    Executed,
}

impl SlashStatus {
    /// The contract's `SlashStatus` value.
    pub const fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Queued,
            2 => Self::Vetoed,
            3 => Self::Executed,
            _ => Self::None,
        }
    }
}

impl std::fmt::Display for SlashStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Queued => "queued",
            Self::Vetoed => "vetoed",
            Self::Executed => "executed",
        })
    }
}

/// The slasher contract's id of an offence, `keccak256(abi.encode(operator, rollupId, height))`:
/// what it records a slash under, and what a veto names.
pub fn offence_id(operator: Address, rollup_id: u64, height: u64) -> B256 {
    keccak256((operator, rollup_id, height).abi_encode())
}

/// A checkpoint as the slasher's `Checkpoint` struct (the same Solidity type; alloy generates one
/// Rust type per contract).
pub fn checkpoint_for_slasher(cp: &Checkpoint) -> VigilSlasher::Checkpoint {
    let c = checkpoint_sol(cp);
    VigilSlasher::Checkpoint {
        rollupId: c.rollupId,
        height: c.height,
        blockHash: c.blockHash,
        stateRoot: c.stateRoot,
        daCommitment: c.daCommitment,
        l1Block: c.l1Block,
    }
}
