//! The Vigil operator node's logic, behind the thin `vigil-operator` binary.
//!
//! - [`config`]: `config/operator.toml`, every field documented, overridable from the
//!   environment (`VIGIL_OPERATOR_<SECTION>__<FIELD>`);
//! - [`keys`]: generating, importing and listing the operator's two keys — BLS in EIP-2335
//!   keystores, ECDSA in V3 keystores — with passwords only from a file or the environment;
//! - [`registration`]: every EigenLayer step an operator needs to join Vigil's operator set,
//!   each skipped when already done, with reverts turned into advice;
//! - [`status`]: what the chain says about this operator;
//! - [`doctor`]: every dependency checked before the node runs (`vigil-operator doctor`);
//! - [`watcher`], [`signer`], [`submit`], [`runner`]: the running node — batches checked against
//!   the operator's own L2 node, signed only after slashing protection commits, delivered to
//!   aggregators;
//! - [`api`] and [`metrics`]: the EigenLayer node API and Prometheus metrics.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Dependencies of the `vigil-operator` binary (`src/main.rs`), which shares this package's manifest.
use {alloy_primitives as _, clap as _, eyre as _};
pub mod api;
pub mod config;
pub mod doctor;
mod error;
pub mod keys;
pub mod metrics;
pub mod ranges;
pub mod registration;
pub mod rpc;
pub mod runner;
pub mod signer;
pub mod status;
pub mod submit;
pub mod watcher;

pub use config::OperatorConfig;
pub use error::{Error, Result};
