//! Vigil's chain side: contract bindings (one module: Vigil's from the project's forge artifacts,
//! EigenLayer's by hand from its published interfaces), registration, operator-set reads and
//! release detection; with the `anvil` feature, the deployment of
//! EigenLayer's core (eigensdk's bytecode) used by the tests and the devnet.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
pub mod bindings;
mod eigenlayer;
mod error;
pub mod failover;
pub mod logs;
mod network;
pub mod operator_set;

mod provider;
mod registration;
mod tx;
mod version;
mod vigil;

pub use eigenlayer::{CoreParams, EigenLayerCore};
#[cfg(feature = "anvil")]
pub use eigenlayer::{EIGENLAYER_VERSION, deploy_core};
pub use error::{Error, Result};
pub use network::{EigenLayerContracts, NamedStrategy, Network};
pub use provider::{
    RedactUrls, RedactUrlsLayer, http_client, http_provider, redact_transport_error,
    signing_provider,
};
pub use registration::{
    Deposit, PendingAllocation, RegistrationPlan, RegistrationReport, Waiting, deregister_operator,
    pending_allocations, register_operator, seconds_until, wait_for_block,
};
pub use tx::send;
pub use version::{
    EigenLayerVersion, SlasherModel, detect_eigenlayer, detect_eigenlayer_with, log_eigenlayer,
};
pub use vigil::{
    DEFAULT_GOVERNANCE_DELAY, Deployment, SlashStatus, VigilContracts, VigilParams, WAD,
    checkpoint_for_slasher, checkpoint_sol, deploy_vigil, is_certified_in_batch, key_hash,
    non_signer_bytes, offence_id, registration_data,
};
