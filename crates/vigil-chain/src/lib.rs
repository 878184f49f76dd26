//! Vigil's chain side: contract bindings (one module, from the project's forge artifacts and
//! eigensdk's EigenLayer bindings), a real anvil harness, and the deployment of EigenLayer's
//! core plus Vigil's contracts used by the tests and the devnet.

mod anvil;
pub mod bindings;
mod eigenlayer;
mod error;
pub mod operator_set;
mod provider;
mod tx;
mod vigil;

pub use anvil::{Anvil, AnvilConfig, HARDFORK, anvil_binary};
pub use eigenlayer::{CoreParams, EIGENLAYER_VERSION, EigenLayerCore, deploy_core};
pub use error::{Error, Result};
pub use provider::{
    RedactUrls, RedactUrlsLayer, http_client, http_provider, redact_transport_error,
    signing_provider,
};
pub use tx::send;
pub use vigil::{
    Deployment, RegistrationReport, VigilContracts, VigilParams, WAD, checkpoint_for_slasher,
    checkpoint_sol, deploy_vigil, deregister_operator, key_hash, mine, non_signer_bytes,
    register_operator, registration_data,
};
