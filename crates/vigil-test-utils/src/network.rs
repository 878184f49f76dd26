//! A local L1 for tests: anvil with EigenLayer's core and Vigil deployed, and `n` operators
//! funded, staked and registered through the real AllocationManager.

use std::io;

use crate::{Anvil, AnvilConfig};
use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    CoreParams, Deployment, RegistrationPlan, VigilParams, WAD, bindings::TestToken, deploy_core,
    deploy_vigil, register_operator, send, signing_provider,
};
use vigil_crypto::SecretKey;
use vigil_types::{Checkpoint, SignedCheckpoint};

use crate::DEV_KEY;

/// One registered operator.
#[derive(Debug)]
pub struct TestOperator {
    /// Its EigenLayer (ECDSA) account.
    pub signer: PrivateKeySigner,
    /// Its BLS key.
    pub bls: SecretKey,
    /// Stake it deposited and allocated (token base units).
    pub stake: U256,
}

impl TestOperator {
    /// The operator's address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }
}

/// anvil + EigenLayer core + Vigil + registered operators.
#[derive(Debug)]
pub struct TestNetwork {
    /// The chain (stopped on drop).
    pub anvil: Anvil,
    /// The deployer/owner account's provider (anvil dev account 0).
    pub owner: DynProvider,
    /// Every address.
    pub deployment: Deployment,
    /// The operators, in registration order; BLS keys come from ikm `[i + 1; 32]`.
    pub operators: Vec<TestOperator>,
}

/// Maps an error to an `io::Error` that says what failed.
pub(crate) fn other<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> io::Error {
    move |e| io::Error::other(format!("{what}: {e}"))
}

/// Gives `who` a balance of `ether` whole ether (×10^18 wei) on the anvil behind `provider`
/// (`anvil_setBalance`).
pub async fn set_balance(provider: &impl Provider, who: Address, ether: u64) -> io::Result<()> {
    provider
        .raw_request::<_, serde_json::Value>(
            "anvil_setBalance".into(),
            (who, U256::from(ether) * U256::from(WAD)),
        )
        .await
        .map(drop)
        .map_err(other("anvil_setBalance"))
}

/// Mines `blocks` blocks on the anvil behind `provider` ([`crate::anvil_mine`]).
pub async fn mine(provider: &impl Provider, blocks: u64) -> io::Result<()> {
    crate::anvil_mine(provider, blocks).await.map_err(other("anvil_mine"))
}

/// Registers `signer` through [`register_operator`] on anvil, mining past each wait (the
/// allocation configuration delay) instead of waiting for blocks.
pub async fn register_mining(
    anvil_url: alloy::transports::http::reqwest::Url,
    deployment: &Deployment,
    signer: &PrivateKeySigner,
    bls: &SecretKey,
    plan: &RegistrationPlan,
) -> io::Result<vigil_chain::RegistrationReport> {
    let p = signing_provider(anvil_url, signer.clone());
    let mut plan = plan.clone();
    for _ in 0..4 {
        let report = register_operator(&p, deployment, signer.address(), bls, &plan)
            .await
            .map_err(other("register operator"))?;
        match report.waiting {
            None => return Ok(report),
            Some(vigil_chain::Waiting::AllocationDelay { effect_block }) => {
                let head = p.get_block_number().await.map_err(other("block number"))?;
                let to = effect_block.unwrap_or(head + 1);
                mine(&p, to.saturating_sub(head).max(1)).await?;
                plan.deposit = None;
            }
        }
    }
    Err(io::Error::other("registration still waiting after mining"))
}

impl TestNetwork {
    /// Starts anvil, deploys everything and registers `stakes.len()` operators, operator `i`
    /// with `stakes[i]` whole tokens (×10^18) of stake.
    pub async fn start(stakes: &[u64]) -> io::Result<Self> {
        Self::start_with(AnvilConfig::default(), stakes).await
    }

    /// As [`TestNetwork::start`] on an anvil started with `config` (say, one that prunes old
    /// state with `prune_history`).
    pub async fn start_with(config: AnvilConfig, stakes: &[u64]) -> io::Result<Self> {
        let anvil = Anvil::start(config).await.map_err(other("anvil"))?;
        let owner_signer: PrivateKeySigner = DEV_KEY.parse().map_err(other("dev key"))?;
        let owner = signing_provider(anvil.url(), owner_signer.clone());
        let core = deploy_core(&owner, owner_signer.address(), CoreParams::default())
            .await
            .map_err(other("deploy core"))?;
        let deployment = deploy_vigil(&owner, &core, &VigilParams::default())
            .await
            .map_err(other("deploy vigil"))?;
        let token = TestToken::new(core.token, owner.clone());
        let mut operators = Vec::new();
        for (i, whole) in stakes.iter().enumerate() {
            let stake = U256::from(*whole) * U256::from(WAD);
            let signer = PrivateKeySigner::random();
            set_balance(&owner, signer.address(), 10).await?;
            send("fund operator", token.transfer(signer.address(), stake))
                .await
                .map_err(other("token transfer"))?;
            let ikm = [u8::try_from(i + 1).unwrap_or(u8::MAX); 32];
            let bls = SecretKey::from_ikm(&ikm).map_err(other("bls key"))?;
            let plan = RegistrationPlan {
                deposit: Some(vigil_chain::Deposit { strategy: core.strategy, amount: stake }),
                magnitude: WAD,
                metadata_uri: String::new(),
            };
            register_mining(anvil.url(), &deployment, &signer, &bls, &plan).await?;
            operators.push(TestOperator { signer, bls, stake });
        }
        mine(&owner, 1).await?;
        Ok(Self { anvil, owner, deployment, operators })
    }

    /// A provider signing with a fresh funded account (for a submitter or a slasher).
    pub async fn funded_account(&self) -> io::Result<(PrivateKeySigner, DynProvider)> {
        let signer = PrivateKeySigner::random();
        set_balance(&self.owner, signer.address(), 100).await?;
        Ok((signer.clone(), signing_provider(self.anvil.url(), signer)))
    }

    /// An L1 block the verifier accepts as a certificate's `l1Block`: strictly before the
    /// latest (calls execute at the latest block number).
    pub async fn l1_block(&self) -> io::Result<u64> {
        let head = self.owner.get_block_number().await.map_err(other("block number"))?;
        Ok(head.saturating_sub(1))
    }

    /// `checkpoint` signed by operator `i` in this deployment's domain (uncompressed signature).
    ///
    /// # Panics
    ///
    /// When there is no operator `i`.
    #[allow(clippy::indexing_slicing)]
    pub fn sign(&self, i: usize, checkpoint: &Checkpoint) -> SignedCheckpoint {
        let domain = self.deployment.domain();
        let key = &self.operators[i].bls;
        SignedCheckpoint {
            domain,
            checkpoint: *checkpoint,
            pubkey: key.public_key().to_wire(),
            signature: key.sign(checkpoint.digest(&domain).as_slice()).to_wire(false),
        }
    }
}

/// A checkpoint of `rollup_id` at `height` whose block hash and state root hash `block-{name}`
/// and `state-{name}` (different names: conflicting blocks), with DA commitment `0xdada…` and
/// L1 block `l1_block`.
pub fn named_checkpoint(rollup_id: u64, height: u64, name: &str, l1_block: u64) -> Checkpoint {
    Checkpoint {
        rollup_id,
        height,
        block_hash: keccak256(format!("block-{name}")),
        state_root: keccak256(format!("state-{name}")),
        da_commitment: B256::repeat_byte(0xda),
        l1_block,
    }
}

/// A deployment file's worth of addresses for tests that need only the signing domain (the
/// operator's run loop calls no contract to sign): chain 31337, verifier `verifier`, every other
/// address zero.
pub fn domain_only_deployment(verifier: Address) -> Deployment {
    let zero = Address::ZERO;
    Deployment {
        chain_id: 31337,
        eigenlayer: vigil_chain::EigenLayerCore {
            owner: zero,
            proxy_admin: zero,
            pauser_registry: zero,
            permission_controller: zero,
            allocation_manager: zero,
            delegation_manager: zero,
            strategy_manager: zero,
            avs_directory: zero,
            eigen_pod_manager: zero,
            token: zero,
            strategy: zero,
            params: CoreParams::default(),
        },
        vigil: vigil_chain::VigilContracts {
            service_manager: zero,
            verifier,
            slasher: zero,
            proxy_admin: zero,
            batch_roots: zero,
            operator_set_id: 0,
        },
        params: VigilParams::default(),
    }
}
