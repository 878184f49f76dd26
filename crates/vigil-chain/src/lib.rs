//! Vigil's chain side: contract bindings (one module, from the project's forge artifacts and
//! eigensdk's EigenLayer bindings), a real anvil harness, and the deployment of EigenLayer's
//! core plus Vigil's contracts used by the tests and the devnet.

#[cfg(feature = "anvil")]
mod anvil;
pub mod bindings;
mod eigenlayer;
mod error;
mod network;
pub mod operator_set;

mod provider;
mod registration;
mod tx;
mod version;
mod vigil;

#[cfg(feature = "anvil")]
pub use anvil::{Anvil, AnvilConfig, HARDFORK, anvil_binary, anvil_mine};
pub use eigenlayer::{CoreParams, EIGENLAYER_VERSION, EigenLayerCore, deploy_core};
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
    DEFAULT_GOVERNANCE_DELAY, Deployment, VigilContracts, VigilParams, WAD, checkpoint_for_slasher,
    checkpoint_sol, deploy_vigil, key_hash, non_signer_bytes, registration_data,
};
