//! Test scaffolding shared by Vigil crates: private PostgreSQL servers ([`postgres::PgServer`])
//! and well-known development keys. A dev-dependency only; nothing here belongs in a binary.

pub mod db;
pub mod network;
pub mod postgres;

pub use db::{TestBackend, TestDb};
pub use network::{TestNetwork, TestOperator, domain_only_deployment};
pub use postgres::PgServer;

/// Private key of anvil's first dev account (`0xf39F…2266`), funded on every anvil chain.
///
/// Public knowledge: use it only against local devnets and tests.
pub const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
