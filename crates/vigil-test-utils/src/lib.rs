//! Test scaffolding shared by Vigil crates: private PostgreSQL servers ([`postgres::PgServer`]),
//! local chains ([`TestNetwork`], [`OpL2`]), a capture aggregator ([`CaptureAggregator`]) and
//! well-known development keys, and the ways tests drive Vigil's services (waiting for a process
//! to be healthy, feeding an aggregator, asserting a preflight). A dev-dependency only; nothing
//! here belongs in a binary.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
pub mod aggregator;
pub mod anvil;
pub mod capture;
pub mod cli;
pub mod db;
pub mod network;
pub mod op;
pub mod postgres;
pub mod process;
pub mod prometheus;
pub mod proxy;
pub mod rng;

pub use capture::CaptureAggregator;
pub use db::{TestBackend, TestDb};
pub use network::{
    TestNetwork, TestOperator, domain_only_deployment, mine, named_checkpoint, register_mining,
    set_balance,
};
pub use op::OpL2;
pub use postgres::PgServer;
pub use proxy::StandardRpcProxy;
pub use rng::SplitMix64;

pub use anvil::{Anvil, AnvilConfig, DEV_KEY, HARDFORK, anvil_binary, anvil_mine, set_veto_config};
