//! An OP Stack-shaped L2 for tests: anvil with OP Stack block timestamps (one block per second
//! from block 0), and the rollup config an operator reads for it.

use std::io;

use crate::{Anvil, AnvilConfig};
use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use vigil_chain::signing_provider;
use vigil_da::op::OpRollupConfig;

use crate::{DEV_KEY, network::other};

/// An L2 anvil whose block `n` has timestamp `genesis_time + n`, as an OP Stack chain with
/// one-second blocks.
#[derive(Debug)]
pub struct OpL2 {
    /// The chain (stopped on drop).
    pub anvil: Anvil,
    /// A provider signing as anvil's dev account 0 ([`DEV_KEY`]).
    pub provider: DynProvider,
    /// The timestamp of block 0: the rollup's `genesis_l2_time`.
    pub genesis_time: u64,
}

impl OpL2 {
    /// Starts anvil with chain id `chain_id` and `--slots-in-an-epoch` (1 makes `safe` and
    /// `finalized` follow the head), and fixes its timestamps one second apart from block 0
    /// (`anvil_setBlockTimestampInterval`, which also holds after `evm_revert`).
    pub async fn start(chain_id: u64, slots_in_an_epoch: Option<u64>) -> io::Result<Self> {
        let anvil = Anvil::start(AnvilConfig { chain_id, slots_in_an_epoch, ..Default::default() })
            .await
            .map_err(other("anvil"))?;
        let dev: PrivateKeySigner = DEV_KEY.parse().map_err(other("dev key"))?;
        let provider = signing_provider(anvil.url(), dev);
        provider
            .raw_request::<_, serde_json::Value>("anvil_setBlockTimestampInterval".into(), (1,))
            .await
            .map_err(other("anvil_setBlockTimestampInterval"))?;
        let genesis = provider
            .get_block_by_number(0.into())
            .await
            .map_err(other("genesis block"))?
            .ok_or_else(|| io::Error::other("L2 anvil has no block 0"))?;
        Ok(Self { anvil, provider, genesis_time: genesis.header.timestamp })
    }

    /// The rollup's config ([`OpRollupConfig::devnet`]): block 0 at [`OpL2::genesis_time`],
    /// one-second blocks, Granite and Holocene from genesis, batches sent by `batcher` to
    /// `batch_inbox`.
    pub fn rollup_config(
        &self,
        name: &str,
        batch_inbox: Address,
        batcher: Address,
    ) -> OpRollupConfig {
        OpRollupConfig::devnet(
            name,
            self.anvil.chain_id(),
            batch_inbox,
            batcher,
            1,
            self.genesis_time,
        )
    }
}
