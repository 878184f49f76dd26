//! A small client for rollup teams: read Vigil's certified checkpoints from an aggregator over
//! HTTP ([`VigilClient`]), and verify a certificate offline against the operator set
//! ([`verify_certificate`]) without trusting the aggregator; for a checkpoint certified inside
//! a batch (`VIGIL_BATCH_V1`), its inclusion proof and the batch certificate
//! ([`verify_checkpoint_in_batch`]).
//!
//! The operator set (each member's BLS key and stake weight at the checkpoint's `l1Block`) is
//! the caller's to supply: read it from the chain (Vigil's registrar and EigenLayer's
//! AllocationManager) or from a source you trust. The aggregator's own figures
//! ([`Submission::signed_weight`]) are informative only.
//!
//! ```no_run
//! # async fn run(operators: Vec<(vigil_client::PublicKey, alloy_primitives::U256)>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! let client = vigil_client::VigilClient::new("http://aggregator.example:8080")?;
//! if let Some(status) = client.certificate(10, 1_234).await? {
//!     let verified = vigil_client::verify_certificate(&status.certificate, &operators, 6_667)?;
//!     println!("certified by {} of {}", verified.signed_weight, verified.total_weight);
//! }
//! # Ok(())
//! # }
//! ```

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
mod client;
mod error;
pub mod types;
mod verify;

pub use client::VigilClient;
pub use error::{ClientError, Result, VerifyError};
pub use types::{
    BatchCheckpointStatus, BatchStatus, CertificateState, CertificateStatus, CheckpointStatus,
    FeedEvent, Health, Submission,
};
pub use verify::{
    VerifiedCertificate, verify_batch_certificate, verify_certificate, verify_checkpoint_in_batch,
};
pub use vigil_crypto::PublicKey;
pub use vigil_types::{
    Batch, BatchCertificate, BatchHeader, Certificate, Checkpoint, InclusionProof, SigningDomain,
};
