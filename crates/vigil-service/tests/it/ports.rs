//! Every binary's default listen address against the ports a monitoring stack (and the Ethereum
//! nodes an operator runs beside Vigil) already use. The defaults are read from `config/*.toml`,
//! which each config crate's `sample_config_parses_to_defaults` test holds equal to the code's
//! defaults.

use std::{collections::BTreeMap, net::SocketAddr, ops::RangeInclusive, path::Path};

use figment::{
    Figment,
    providers::{Format, Toml},
};

/// Where a monitoring stack listens.
const MONITORING: &[(u16, &str)] = &[
    (3000, "Grafana"),
    (3100, "Loki"),
    (3200, "Tempo"),
    (4040, "Pyroscope"),
    (4317, "OTLP gRPC"),
    (4318, "OTLP HTTP"),
    (5601, "Kibana"),
    (8080, "cAdvisor"),
    (8086, "InfluxDB"),
    (8125, "StatsD"),
    (8428, "VictoriaMetrics"),
    (9009, "Mimir"),
    (9080, "Promtail"),
    (9090, "Prometheus"),
    (9091, "Pushgateway"),
    (9093, "Alertmanager"),
    (9094, "Alertmanager cluster"),
    (9095, "Loki gRPC"),
    (9100, "node_exporter"),
    (9115, "blackbox_exporter"),
    (9200, "Elasticsearch"),
    (9300, "Elasticsearch transport"),
    (9411, "Zipkin"),
    (9600, "Logstash"),
    (10901, "Thanos gRPC"),
    (10902, "Thanos HTTP"),
    (12345, "Grafana Alloy"),
    (14268, "Jaeger collector"),
    (16686, "Jaeger UI"),
];

/// Where the Ethereum nodes next to an operator listen.
const ETHEREUM: &[(u16, &str)] = &[
    (3500, "Prysm gateway"),
    (4000, "Prysm RPC"),
    (5051, "Teku beacon API"),
    (5052, "Lighthouse/Nimbus beacon API"),
    (5054, "Lighthouse metrics"),
    (5064, "validator client metrics"),
    (6060, "Geth metrics"),
    (7300, "op-node metrics"),
    (8008, "Teku/Nimbus metrics"),
    (8545, "execution JSON-RPC"),
    (8546, "execution WebSocket"),
    (8551, "Engine API"),
    (9000, "consensus p2p"),
    (9001, "reth metrics"),
    (9545, "op-node RPC"),
    (30303, "execution p2p"),
];

/// Prometheus's default-port registry hands this range to exporters, and it is full.
const EXPORTERS: RangeInclusive<u16> = 9100..=9999;

/// Every listen address a binary has: (binary, section, field).
const LISTEN: &[(&str, &str, &str)] = &[
    ("operator", "node", "api_address"),
    ("operator", "node", "metrics_address"),
    ("aggregator", "api", "address"),
    ("aggregator", "metrics", "address"),
    ("slasher", "api", "address"),
    ("slasher", "metrics", "address"),
];

fn sample(binary: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../config/{binary}.toml"));
    Figment::from(Toml::file(path)).extract().unwrap()
}

#[test]
fn default_listen_addresses_collide_with_nothing_well_known() {
    let mut taken: BTreeMap<u16, String> = BTreeMap::new();
    for (binary, section, field) in LISTEN {
        let what = format!("{binary} {section}.{field}");
        let address: SocketAddr = sample(binary)[section][field].as_str().unwrap().parse().unwrap();
        assert!(address.ip().is_loopback(), "{what} listens on loopback by default: {address}");
        let port = address.port();
        for (known, name) in MONITORING.iter().chain(ETHEREUM) {
            assert_ne!(port, *known, "{what} = {address} is {name}'s port");
        }
        assert!(!EXPORTERS.contains(&port), "{what} = {address}: 9100-9999 are exporters' ports");
        if let Some(other) = taken.insert(port, what.clone()) {
            panic!("{what} and {other} share port {port}");
        }
    }
    assert_eq!(taken.len(), LISTEN.len());
}

/// The slasher follows the aggregator at its default address out of the box.
#[test]
fn the_slasher_follows_the_default_aggregator() {
    let api = sample("aggregator")["api"]["address"].as_str().unwrap().to_owned();
    let feed = sample("slasher")["sources"]["aggregators"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(feed, format!("http://{api}"));
}
