//! An OP Stack rollup's parameters, read from a superchain-registry chain file.

use std::path::Path;

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{DaError, Result};

/// Channel timeout before Granite, in L1 blocks.
pub const CHANNEL_TIMEOUT_BEDROCK: u64 = 300;
/// Channel timeout from Granite on, in L1 blocks.
pub const CHANNEL_TIMEOUT_GRANITE: u64 = 50;
/// Most bytes a decompressed channel may hold (Fjord's `MAX_RLP_BYTES_PER_CHANNEL`).
pub const MAX_RLP_BYTES_PER_CHANNEL: usize = 100_000_000;

/// What the operator must know about an OP Stack rollup to find and decode its batches.
///
/// [`OpRollupConfig::from_superchain_toml`] reads the superchain registry's per-chain TOML
/// (`superchain/configs/<network>/<chain>.toml`) as published, so a real chain needs no
/// hand-copied numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpRollupConfig {
    /// The chain's name (for logs).
    pub name: String,
    /// The L2 chain id (the checkpoint's `rollupId`).
    pub chain_id: u64,
    /// The batch inbox on L1: batcher transactions are sent to it.
    pub batch_inbox: Address,
    /// The batcher: only transactions from it count. The registry file gives the genesis
    /// batcher; a chain whose batcher changed since (SystemConfig `batcherHash`) needs the
    /// current one set in the operator's config.
    pub batcher: Address,
    /// Seconds between L2 blocks.
    pub block_time: u64,
    /// Timestamp of the L2 genesis block.
    pub genesis_l2_time: u64,
    /// Number of the L2 genesis block.
    pub genesis_l2_number: u64,
    /// Granite's activation time (channel timeout 50 instead of 300), if scheduled.
    pub granite_time: Option<u64>,
    /// Holocene's activation time (strict frame order), if scheduled.
    pub holocene_time: Option<u64>,
}

#[derive(Deserialize)]
struct RegistryFile {
    name: Option<String>,
    chain_id: u64,
    batch_inbox_addr: Address,
    block_time: u64,
    #[serde(default)]
    hardforks: RegistryForks,
    genesis: RegistryGenesis,
}

#[derive(Deserialize, Default)]
struct RegistryForks {
    granite_time: Option<u64>,
    holocene_time: Option<u64>,
}

#[derive(Deserialize)]
struct RegistryGenesis {
    l2_time: u64,
    l2: RegistryBlock,
    system_config: RegistrySystemConfig,
}

#[derive(Deserialize)]
struct RegistryBlock {
    number: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistrySystemConfig {
    batcher_address: Address,
}

impl OpRollupConfig {
    /// A chain born at L2 block 0 with timestamp `genesis_l2_time`, with Granite and Holocene
    /// active from genesis: a devnet's or a test's rollup. Batches are sent by `batcher` to
    /// `batch_inbox`.
    pub fn devnet(
        name: impl Into<String>,
        chain_id: u64,
        batch_inbox: Address,
        batcher: Address,
        block_time: u64,
        genesis_l2_time: u64,
    ) -> Self {
        Self {
            name: name.into(),
            chain_id,
            batch_inbox,
            batcher,
            block_time,
            genesis_l2_time,
            genesis_l2_number: 0,
            granite_time: Some(0),
            holocene_time: Some(0),
        }
    }

    /// Parses a superchain-registry chain file (TOML). Unknown keys are ignored: the registry
    /// grows fields Vigil does not need.
    pub fn from_superchain_toml(text: &str) -> Result<Self> {
        let file: RegistryFile =
            toml::from_str(text).map_err(|e| DaError::Config(e.message().to_owned()))?;
        let config = Self {
            name: file.name.unwrap_or_else(|| format!("chain {}", file.chain_id)),
            chain_id: file.chain_id,
            batch_inbox: file.batch_inbox_addr,
            batcher: file.genesis.system_config.batcher_address,
            block_time: file.block_time,
            genesis_l2_time: file.genesis.l2_time,
            genesis_l2_number: file.genesis.l2.number,
            granite_time: file.hardforks.granite_time,
            holocene_time: file.hardforks.holocene_time,
        };
        config.validate()?;
        Ok(config)
    }

    /// Reads [`OpRollupConfig::from_superchain_toml`] from a file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DaError::Config(format!("{}: {e}", path.display())))?;
        Self::from_superchain_toml(&text)
            .map_err(|e| DaError::Config(format!("{}: {e}", path.display())))
    }

    /// Writes the registry's TOML shape (the devnet writes its rollup's file this way).
    pub fn to_superchain_toml(&self) -> String {
        let mut out = format!(
            "name = {name:?}\nchain_id = {chain_id}\nbatch_inbox_addr = \"{inbox}\"\n\
             block_time = {block_time}\n",
            name = self.name,
            chain_id = self.chain_id,
            inbox = self.batch_inbox,
            block_time = self.block_time,
        );
        out.push_str("\n[hardforks]\n");
        if let Some(t) = self.granite_time {
            out.push_str(&format!("  granite_time = {t}\n"));
        }
        if let Some(t) = self.holocene_time {
            out.push_str(&format!("  holocene_time = {t}\n"));
        }
        out.push_str(&format!(
            "\n[genesis]\n  l2_time = {}\n  [genesis.l2]\n    number = {}\n  \
             [genesis.system_config]\n    batcherAddress = \"{}\"\n",
            self.genesis_l2_time, self.genesis_l2_number, self.batcher
        ));
        out
    }

    fn validate(&self) -> Result<()> {
        if self.block_time == 0 {
            return Err(DaError::Config("block_time must be at least 1 second".into()));
        }
        if self.batch_inbox == Address::ZERO || self.batcher == Address::ZERO {
            return Err(DaError::Config("batch inbox and batcher must be set".into()));
        }
        Ok(())
    }

    /// The channel timeout (in L1 blocks) in force at an L1 block with this timestamp.
    pub fn channel_timeout(&self, l1_timestamp: u64) -> u64 {
        match self.granite_time {
            Some(t) if l1_timestamp >= t => CHANNEL_TIMEOUT_GRANITE,
            _ => CHANNEL_TIMEOUT_BEDROCK,
        }
    }

    /// The L2 block number with this timestamp, or `None` if the timestamp is before genesis or
    /// not on a block boundary.
    pub fn block_number_at(&self, timestamp: u64) -> Option<u64> {
        let since = timestamp.checked_sub(self.genesis_l2_time)?;
        if since % self.block_time != 0 {
            return None;
        }
        (since / self.block_time).checked_add(self.genesis_l2_number)
    }

    /// The timestamp of L2 block `number`, if it is at or after genesis.
    pub fn timestamp_of(&self, number: u64) -> Option<u64> {
        number
            .checked_sub(self.genesis_l2_number)?
            .checked_mul(self.block_time)?
            .checked_add(self.genesis_l2_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(name: &str) -> OpRollupConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/realdata/rollup-configs")
            .join(name);
        OpRollupConfig::read(&path).unwrap()
    }

    #[test]
    fn reads_the_superchain_registry_files() {
        let op = registry("mainnet-op.toml");
        assert_eq!(op.chain_id, 10);
        assert_eq!(op.block_time, 2);
        assert_eq!(op.genesis_l2_time, 1_686_068_903);
        assert_eq!(op.genesis_l2_number, 105_235_063);
        assert_eq!(
            op.batch_inbox,
            "0xFF00000000000000000000000000000000000010".parse::<Address>().unwrap()
        );
        // The README's span batch: first block 117369690 has timestamp 1710338157.
        assert_eq!(op.block_number_at(1_710_338_157), Some(117_369_690));
        assert_eq!(op.timestamp_of(117_369_690), Some(1_710_338_157));
        assert_eq!(op.block_number_at(1_710_338_158), None, "off a block boundary");
        assert_eq!(op.block_number_at(1), None, "before genesis");
        assert_eq!(op.channel_timeout(1_726_070_400), CHANNEL_TIMEOUT_BEDROCK);
        assert_eq!(op.channel_timeout(1_726_070_401), CHANNEL_TIMEOUT_GRANITE);

        let uni = registry("mainnet-unichain.toml");
        assert_eq!((uni.chain_id, uni.block_time), (130, 1));
        let sepolia = registry("sepolia-op.toml");
        assert_eq!(sepolia.chain_id, 11_155_420);
        assert_eq!(sepolia.holocene_time, Some(1_732_633_200));
    }

    #[test]
    fn round_trips_through_its_own_toml() {
        let op = registry("sepolia-op.toml");
        assert_eq!(OpRollupConfig::from_superchain_toml(&op.to_superchain_toml()).unwrap(), op);
    }

    #[test]
    fn devnet_chain_starts_at_block_zero_with_every_fork() {
        let (inbox, batcher) = (Address::repeat_byte(0xfe), Address::repeat_byte(0xba));
        let devnet = OpRollupConfig::devnet("dev", 901, inbox, batcher, 2, 1_000);
        assert_eq!((devnet.chain_id, devnet.batch_inbox, devnet.batcher), (901, inbox, batcher));
        assert_eq!(devnet.timestamp_of(0), Some(1_000));
        assert_eq!(devnet.block_number_at(1_004), Some(2));
        assert_eq!(devnet.channel_timeout(0), CHANNEL_TIMEOUT_GRANITE);
        assert_eq!(devnet.holocene_time, Some(0));
        let toml = devnet.to_superchain_toml();
        assert_eq!(OpRollupConfig::from_superchain_toml(&toml).unwrap(), devnet);
    }

    #[test]
    fn refuses_unusable_files() {
        assert!(matches!(
            OpRollupConfig::from_superchain_toml("chain_id = 1"),
            Err(DaError::Config(_))
        ));
        let op = registry("sepolia-op.toml");
        let zero_time = op.to_superchain_toml().replace("block_time = 2", "block_time = 0");
        assert!(OpRollupConfig::from_superchain_toml(&zero_time).is_err());
    }
}
