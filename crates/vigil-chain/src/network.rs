//! Public networks by name: chain id, EigenLayer's published core proxies and strategies, and
//! the EigenLayer release EigenLayer says runs there. The files in `config/networks/` are
//! embedded at build time, so a binary needs no files to run with `--network hoodi`. Vigil's own
//! addresses are not here: they come from the deployment file a Vigil deployment writes
//! ([`crate::Deployment`]).

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{EigenLayerVersion, Error, Result};

/// The built-in networks: name and embedded file.
const NETWORKS: &[(&str, &str)] = &[
    ("mainnet", include_str!("../../../config/networks/mainnet.json")),
    ("hoodi", include_str!("../../../config/networks/hoodi.json")),
    ("sepolia", include_str!("../../../config/networks/sepolia.json")),
];

/// A public network Vigil knows by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Network {
    /// What `--network` takes: `mainnet`, `hoodi`, `sepolia`.
    pub name: String,
    /// The chain's EIP-155 id.
    pub chain_id: u64,
    /// The EigenLayer release EigenLayer's README gives for this network (`v1.12.0`,
    /// `v1.9.0-rc.0`); the chain itself is the authority ([`crate::detect_eigenlayer`]).
    pub eigenlayer_version: String,
    /// Where the addresses come from.
    pub source: String,
    /// EigenLayer's core proxies.
    pub eigenlayer: EigenLayerContracts,
    /// The strategies EigenLayer lists for this network, by the README's names.
    pub strategies: Vec<NamedStrategy>,
}

/// EigenLayer's core contracts on a public network (proxy addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EigenLayerContracts {
    /// AllocationManager: operator sets, allocations, slashing.
    pub allocation_manager: Address,
    /// DelegationManager: operators and their shares.
    pub delegation_manager: Address,
    /// StrategyManager: deposits.
    pub strategy_manager: Address,
    /// PermissionController: appointees.
    pub permission_controller: Address,
    /// AVSDirectory (pre-operator-set registration and AVS metadata).
    pub avs_directory: Address,
    /// EigenPodManager (native restaking).
    pub eigen_pod_manager: Address,
    /// RewardsCoordinator, where listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewards_coordinator: Option<Address>,
    /// ProtocolRegistry (v1.9.0+), where known; EigenLayer's README lists none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_registry: Option<Address>,
}

/// A strategy and the name EigenLayer lists it under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedStrategy {
    /// E.g. `WETH Strategy`, `StrategyBase (stETH)`, `Beacon Chain ETH`.
    pub name: String,
    /// The strategy (proxy) address.
    pub address: Address,
}

impl Network {
    /// The names of the built-in networks.
    pub fn names() -> Vec<&'static str> {
        NETWORKS.iter().map(|(name, _)| *name).collect()
    }

    /// Every built-in network.
    pub fn all() -> Result<Vec<Self>> {
        NETWORKS.iter().map(|(name, json)| parse(name, json)).collect()
    }

    /// The built-in network called `name` (case-insensitive); [`Error::UnknownNetwork`] lists the
    /// known ones.
    pub fn by_name(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        match NETWORKS.iter().find(|(known, _)| *known == wanted) {
            Some((known, json)) => parse(known, json),
            None => Err(Error::UnknownNetwork { name: name.to_owned(), known: Self::names() }),
        }
    }

    /// The built-in network with this chain id; [`Error::UnknownChainId`] lists the known ones.
    pub fn for_chain_id(chain_id: u64) -> Result<Self> {
        let all = Self::all()?;
        let known = all.iter().map(|n| format!("{} ({})", n.name, n.chain_id)).collect();
        all.into_iter()
            .find(|n| n.chain_id == chain_id)
            .ok_or(Error::UnknownChainId { chain_id, known })
    }

    /// The release [`Self::eigenlayer_version`] names, to compare with what the chain answers.
    pub fn expected_eigenlayer(&self) -> Option<EigenLayerVersion> {
        EigenLayerVersion::from_tag(&self.eigenlayer_version)
    }

    /// The strategy EigenLayer lists under `name`.
    pub fn strategy(&self, name: &str) -> Option<Address> {
        self.strategies.iter().find(|s| s.name == name).map(|s| s.address)
    }
}

fn parse(name: &'static str, json: &str) -> Result<Network> {
    let network: Network = serde_json::from_str(json)
        .map_err(|e| Error::NetworkFile { name, reason: e.to_string() })?;
    if network.name != name {
        return Err(Error::NetworkFile {
            name,
            reason: format!("names itself {:?}", network.name),
        });
    }
    Ok(network)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// EigenLayer's README tables as transcribed in `testdata/eigenlayer/deployments.json`.
    fn deployments() -> serde_json::Value {
        let text = include_str!("../../../testdata/eigenlayer/deployments.json");
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_network_file_parses_with_checksummed_addresses() {
        let all = Network::all().unwrap();
        assert_eq!(all.len(), 3);
        for (name, json) in NETWORKS {
            let network = Network::by_name(name).unwrap();
            assert!(
                network.expected_eigenlayer().is_some(),
                "{name}: {}",
                network.eigenlayer_version
            );
            // Every address in the file is written EIP-55 checksummed (a typo fails the checksum).
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let mut addresses = vec![];
            for (_, a) in value["eigenlayer"].as_object().unwrap() {
                addresses.push(a.as_str().unwrap().to_owned());
            }
            for s in value["strategies"].as_array().unwrap() {
                addresses.push(s["address"].as_str().unwrap().to_owned());
            }
            for a in addresses {
                Address::parse_checksummed(&a, None)
                    .unwrap_or_else(|e| panic!("{name}: {a} is not checksummed: {e}"));
            }
        }
    }

    #[test]
    fn addresses_match_eigenlayers_published_deployments() {
        let d = deployments();
        let addr = |v: &serde_json::Value| -> Address { v.as_str().unwrap().parse().unwrap() };
        for network in Network::all().unwrap() {
            let published = &d["networks"][network.name.as_str()];
            assert_eq!(published["chainId"].as_u64(), Some(network.chain_id), "{}", network.name);
            assert_eq!(published["version"].as_str(), Some(network.eigenlayer_version.as_str()));
            let matrix = d["versionMatrix"].as_array().unwrap();
            let row = matrix.iter().find(|r| r["network"] == network.name.as_str()).unwrap();
            assert_eq!(row["version"].as_str(), Some(network.eigenlayer_version.as_str()));

            let c = &published["contracts"];
            let core = network.eigenlayer;
            for (name, ours) in [
                ("AllocationManager", Some(core.allocation_manager)),
                ("DelegationManager", Some(core.delegation_manager)),
                ("StrategyManager", Some(core.strategy_manager)),
                ("PermissionController", Some(core.permission_controller)),
                ("AVSDirectory", Some(core.avs_directory)),
                ("EigenPodManager", Some(core.eigen_pod_manager)),
                ("RewardsCoordinator", core.rewards_coordinator),
            ] {
                assert_eq!(ours, c.get(name).map(addr), "{} {name}", network.name);
            }
            assert_eq!(core.protocol_registry, None, "the README lists no ProtocolRegistry");

            // Strategies: every strategy row of the README (not the factory, not the beacons).
            let sections = &published["sections"];
            let mut rows: HashMap<String, Address> = HashMap::new();
            for section in ["Strategies", "Strategies - Special"] {
                for r in sections[section].as_array().unwrap() {
                    let name = r["name"].as_str().unwrap();
                    let beacon = r["notes"].as_str().unwrap_or("").contains("Beacon:");
                    if name != "StrategyFactory" && !beacon {
                        rows.insert(name.to_owned(), addr(&r["proxy"]));
                    }
                }
            }
            assert_eq!(network.strategies.len(), rows.len(), "{}", network.name);
            for s in &network.strategies {
                assert_eq!(rows.get(&s.name), Some(&s.address), "{} {}", network.name, s.name);
            }
        }
    }

    #[test]
    fn lookups_by_name_and_chain_id() {
        assert_eq!(Network::by_name("hoodi").unwrap().chain_id, 560_048);
        assert_eq!(Network::by_name(" Mainnet ").unwrap().chain_id, 1);
        assert_eq!(Network::for_chain_id(11_155_111).unwrap().name, "sepolia");
        let hoodi = Network::by_name("hoodi").unwrap();
        assert_eq!(
            hoodi.expected_eigenlayer(),
            Some(EigenLayerVersion::V1_9Rc0 { version: Some("v1.9.0-rc.0".into()) })
        );
        assert_eq!(
            hoodi.strategy("WETH Strategy"),
            Some("0x24579aD4fe83aC53546E5c2D3dF5F85D6383420d".parse().unwrap())
        );
        let mainnet = Network::by_name("mainnet").unwrap();
        assert!(mainnet.expected_eigenlayer().unwrap().has_slasher_configuration_delay());
    }

    #[test]
    fn unknown_names_and_chain_ids_are_typed_errors_listing_the_known_ones() {
        match Network::by_name("holesky") {
            Err(Error::UnknownNetwork { name, known }) => {
                assert_eq!(name, "holesky");
                assert_eq!(known, ["mainnet", "hoodi", "sepolia"]);
            }
            other => panic!("{other:?}"),
        }
        let text = Network::by_name("holesky").unwrap_err().to_string();
        assert_eq!(text, "unknown network \"holesky\"; known networks: mainnet, hoodi, sepolia");
        match Network::for_chain_id(31_337) {
            Err(e @ Error::UnknownChainId { chain_id: 31_337, .. }) => {
                assert_eq!(
                    e.to_string(),
                    "no built-in network has chain id 31337; known networks: mainnet (1), \
                     hoodi (560048), sepolia (11155111)"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
