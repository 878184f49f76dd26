//! Where everything lives: one state directory, and the ports every process listens on.
//!
//! ```text
//! <dir>/manifest.json           what was provisioned (written last: its presence means "resumable")
//! <dir>/l1/state.json           L1 anvil state (dumped on exit, loaded on resume)
//! <dir>/l2/state.json           the first rollup's L2 anvil state
//! <dir>/deployments/31337.json  EigenLayer + Vigil addresses and the signing domain
//! <dir>/keys/                   devnet password file; aggregator, slasher, batcher keystores
//! <dir>/operators/op<i>/        operator.toml, keys/{bls,ecdsa}.json, data/protection.sqlite
//! <dir>/aggregator/             aggregator.toml, aggregator.sqlite
//! <dir>/slasher/                slasher.toml, slasher.sqlite
//! <dir>/prometheus/             prometheus.yml for this devnet's ports, rules.yml
//! <dir>/rollup.toml             the first rollup's chain file (superchain-registry TOML)
//! <dir>/batcher.json            the first rollup's batcher progress (channels posted to L1)
//! <dir>/rollup<k>/              rollup k ≥ 1 (`--rollups N`): state.json, rollup.toml, batcher.json
//! <dir>/logs/                   one log per process (appended to across restarts; anvils: stderr)
//! <dir>/run/<name>.pid          pid of each running service (rewritten on restart)
//! ```

use std::path::{Path, PathBuf};

/// Ports, each the default plus the devnet's port offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// L1 JSON-RPC (8545).
    pub l1: u16,
    /// The first rollup's L2 JSON-RPC (9545; rollup `k` listens on 9545 + k).
    pub l2: u16,
    /// Aggregator API (9100).
    pub aggregator_api: u16,
    /// Aggregator metrics (9101).
    pub aggregator_metrics: u16,
    /// Slasher API (9200).
    pub slasher_api: u16,
    /// Slasher metrics (9201).
    pub slasher_metrics: u16,
    /// First operator's node API (9300; operator `i` listens on 9300 + i).
    pub operator_api: u16,
    /// First operator's metrics (9400; operator `i` on 9400 + i).
    pub operator_metrics: u16,
}

impl Ports {
    /// The default ports shifted by `offset`.
    pub fn with_offset(offset: u16) -> Self {
        let at = |p: u16| p.saturating_add(offset);
        Self {
            l1: at(8545),
            l2: at(9545),
            aggregator_api: at(9100),
            aggregator_metrics: at(9101),
            slasher_api: at(9200),
            slasher_metrics: at(9201),
            operator_api: at(9300),
            operator_metrics: at(9400),
        }
    }

    /// Every port with what it is for, for `operators` operators and `rollups` rollups.
    pub fn all(&self, operators: usize, rollups: usize) -> Vec<(u16, String)> {
        let mut out = vec![(self.l1, "L1 RPC".to_owned()), (self.l2, "L2 RPC".to_owned())];
        for k in 1..rollups {
            out.push((self.l2_of(k), format!("rollup {k}'s L2 RPC")));
        }
        out.extend([
            (self.aggregator_api, "aggregator API".to_owned()),
            (self.aggregator_metrics, "aggregator metrics".to_owned()),
            (self.slasher_api, "slasher API".to_owned()),
            (self.slasher_metrics, "slasher metrics".to_owned()),
        ]);
        for i in 0..operators {
            out.push((self.operator_api(i), format!("{} node API", operator_name(i))));
            out.push((self.operator_metrics(i), format!("{} metrics", operator_name(i))));
        }
        out
    }

    /// Rollup `k`'s L2 JSON-RPC port (rollup 0 is [`Ports::l2`]).
    pub fn l2_of(&self, k: usize) -> u16 {
        self.l2.saturating_add(u16::try_from(k).unwrap_or(u16::MAX))
    }

    /// Operator `i`'s node API port.
    pub fn operator_api(&self, i: usize) -> u16 {
        self.operator_api.saturating_add(u16::try_from(i).unwrap_or(u16::MAX))
    }

    /// Operator `i`'s metrics port.
    pub fn operator_metrics(&self, i: usize) -> u16 {
        self.operator_metrics.saturating_add(u16::try_from(i).unwrap_or(u16::MAX))
    }
}

/// Paths inside the state directory.
#[derive(Clone, Debug)]
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    /// The layout of `dir` (made absolute, so configs written into it stay valid anywhere).
    pub fn new(dir: &Path) -> Self {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Self { dir }
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What was provisioned.
    pub fn manifest(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    /// L1 anvil's state file.
    pub fn l1_state(&self) -> PathBuf {
        self.dir.join("l1/state.json")
    }

    /// The first rollup's L2 anvil state file.
    pub fn l2_state(&self) -> PathBuf {
        self.l2_state_of(0)
    }

    /// Rollup `k`'s L2 anvil state file (`--rollups N`; the first rollup's where it always was).
    pub fn l2_state_of(&self, k: usize) -> PathBuf {
        match k {
            0 => self.dir.join("l2/state.json"),
            k => self.rollup_dir(k).join("state.json"),
        }
    }

    /// Rollup `k`'s folder (k ≥ 1; the first rollup's files are at the top, as before
    /// `--rollups`).
    fn rollup_dir(&self, k: usize) -> PathBuf {
        self.dir.join(format!("rollup{k}"))
    }

    /// The deployment file.
    pub fn deployment(&self) -> PathBuf {
        self.dir.join("deployments/31337.json")
    }

    /// The devnet's keystore password (one for every devnet keystore; a devnet, not mainnet).
    pub fn password(&self) -> PathBuf {
        self.dir.join("keys/password")
    }

    /// A service account's V3 keystore (`aggregator`, `slasher`, `batcher` (`batcher<k>` for
    /// rollup k ≥ 1), and `committee` with a veto window).
    pub fn account_keystore(&self, name: &str) -> PathBuf {
        self.dir.join(format!("keys/{name}.json"))
    }

    /// Operator `i`'s folder.
    pub fn operator_dir(&self, i: usize) -> PathBuf {
        self.dir.join(format!("operators/op{i}"))
    }

    /// Operator `i`'s config.
    pub fn operator_config(&self, i: usize) -> PathBuf {
        self.operator_dir(i).join("operator.toml")
    }

    /// The aggregator's folder.
    pub fn aggregator_dir(&self) -> PathBuf {
        self.dir.join("aggregator")
    }

    /// The slasher's folder.
    pub fn slasher_dir(&self) -> PathBuf {
        self.dir.join("slasher")
    }

    /// Prometheus config for this devnet.
    pub fn prometheus_dir(&self) -> PathBuf {
        self.dir.join("prometheus")
    }

    /// The first rollup's batcher progress.
    pub fn batcher_state(&self) -> PathBuf {
        self.batcher_state_of(0)
    }

    /// Rollup `k`'s batcher progress.
    pub fn batcher_state_of(&self, k: usize) -> PathBuf {
        match k {
            0 => self.dir.join("batcher.json"),
            k => self.rollup_dir(k).join("batcher.json"),
        }
    }

    /// The first rollup's chain file (superchain-registry TOML), which operators read.
    pub fn rollup_config(&self) -> PathBuf {
        self.rollup_config_of(0)
    }

    /// Rollup `k`'s chain file.
    pub fn rollup_config_of(&self, k: usize) -> PathBuf {
        match k {
            0 => self.dir.join("rollup.toml"),
            k => self.rollup_dir(k).join("rollup.toml"),
        }
    }

    /// Rollup `k`'s L2 anvil log name (for [`Layout::log`]).
    pub fn l2_log_name(k: usize) -> String {
        match k {
            0 => "l2-anvil".to_owned(),
            k => format!("l2-anvil-rollup{k}"),
        }
    }

    /// A process's log.
    pub fn log(&self, name: &str) -> PathBuf {
        self.dir.join(format!("logs/{name}.log"))
    }

    /// Where each running service's pid is, as `<name>.pid` (rewritten when it is restarted,
    /// removed when the devnet stops).
    pub fn pid_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// The pid file of the service named `name` (`aggregator`, `slasher`, `op0`, …).
    pub fn pid_file(&self, name: &str) -> PathBuf {
        self.pid_dir().join(format!("{name}.pid"))
    }
}

/// The name of operator `i` in logs, metrics labels and the display.
pub fn operator_name(i: usize) -> String {
    format!("op{i}")
}
