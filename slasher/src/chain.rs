//! Certificates from the chain: the verifier's `CheckpointCertified` events, with the
//! certificate itself (non-signers, aggregate signature) decoded from the calldata of the
//! transaction that recorded it.
//!
//! A recorded certificate is evidence against each of its signers that also signed another block
//! for the same `(rollup, height)`, even when the signer's individual signature of the certified
//! block never reached any feed (say, the certificate came from an aggregator this slasher does
//! not follow). The [`Ingestor`](crate::service::Ingestor) makes the comparison both ways: a
//! signature that arrives after the certificate, and a certificate that arrives after the
//! signature. The evidence is `CertificateConflict`: the recorded certificate and, as the
//! conflicting aggregate, the offender's own signature with every other member of the set at its
//! `l1Block` as a non-signer.
//!
//! Batch certificates (`BatchCertified`, `VIGIL_BATCH_V1`) the same way: the certificate
//! (header, non-signers, aggregate) is decoded from the calldata of `submitBatchCertificate`,
//! and the checkpoints it holds (the chain has only their root) are read from the aggregators
//! this slasher follows (`GET /v1/batches/{digest}`), accepted only if they build exactly the
//! recorded root. Each of them is then evidence against every signer of the batch that also
//! signed another block at its height ([`RecordedBatch`]).
//!
//! Scans resume from the durable cursor [`CHAIN_CURSOR`](crate::CHAIN_CURSOR) and always look
//! again at the last `reorg_depth` blocks; storing a certificate twice is a no-op.

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use tracing::{debug, warn};
use vigil_chain::{
    bindings::VigilVerifier,
    logs::{DEFAULT_MAX_LOG_RANGE, get_logs_chunked},
};
use vigil_client::VigilClient;
use vigil_crypto::{PublicKey, Signature};
use vigil_types::{
    Batch, BatchCertificate, BatchHeader, Certificate, Checkpoint, PublicKeyBytes, SignatureBytes,
    SigningDomain,
};

use crate::{RecordedCertificate, metrics};

/// Log target.
const TARGET: &str = "vigil::slasher::chain";

/// A batch certificate recorded by the verifier, with the checkpoints it holds (checked to build
/// its root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedBatch {
    /// The certificate, as recorded (from the transaction's calldata).
    pub certificate: BatchCertificate,
    /// Its checkpoints, in leaf order.
    pub batch: Batch,
    /// The transaction that recorded it.
    pub tx_hash: B256,
}

/// How long a recorded batch whose checkpoints no aggregator serves is asked for again.
pub const UNKNOWN_BATCH_RETRY: std::time::Duration = std::time::Duration::from_secs(3_600);
/// Most such batches remembered (the oldest are given up first).
const MAX_UNKNOWN_BATCHES: usize = 1_024;

/// A recorded batch waiting for an aggregator to serve its checkpoints.
#[derive(Clone, Debug)]
struct UnknownBatch {
    certificate: BatchCertificate,
    digest: B256,
    tx_hash: B256,
    since: std::time::Instant,
}

/// What one [`CertificateSource::scan`] found.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// Single certificates recorded.
    pub certificates: Vec<RecordedCertificate>,
    /// Batch certificates recorded, with their checkpoints.
    pub batches: Vec<RecordedBatch>,
    /// The last block looked at.
    pub scanned: u64,
}

/// Reads recorded certificates from the verifier.
#[derive(Clone, Debug)]
pub struct CertificateSource<P> {
    provider: P,
    domain: SigningDomain,
    /// Where the checkpoints of recorded batches are read (the aggregators followed).
    aggregators: Vec<VigilClient>,
    /// Recorded batches whose checkpoints no aggregator served yet: asked again on every scan
    /// for [`UNKNOWN_BATCH_RETRY`] (an aggregator outage does not lose them as evidence).
    unknown: std::sync::Arc<std::sync::Mutex<Vec<UnknownBatch>>>,
    /// Blocks looked at again on every scan (reorgs).
    pub reorg_depth: u64,
    /// Most blocks per `eth_getLogs` request (`[chain] max_log_range`).
    pub chunk: u64,
    /// Most chunks per scan (a long history is caught up over several scans); at least 1.
    pub max_chunks: u64,
}

/// Why a scan failed (it is retried).
#[derive(Debug, thiserror::Error)]
#[error("L1 RPC: {what}: {reason}")]
pub struct ScanError {
    /// What was being read.
    pub what: &'static str,
    /// The RPC's error.
    pub reason: String,
}

fn rpc<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> ScanError {
    move |e| ScanError { what, reason: e.to_string() }
}

impl<P: Provider> CertificateSource<P> {
    /// A source of the certificates recorded by `domain`'s verifier.
    pub fn new(provider: P, domain: SigningDomain) -> Self {
        Self {
            provider,
            domain,
            aggregators: Vec::new(),
            unknown: std::sync::Arc::default(),
            reorg_depth: 12,
            chunk: DEFAULT_MAX_LOG_RANGE,
            max_chunks: 16,
        }
    }

    /// Also reads batch certificates, their checkpoints from `aggregators` (the first that has
    /// them). Without any, batch certificates are not used.
    #[must_use]
    pub fn with_aggregators(mut self, aggregators: Vec<VigilClient>) -> Self {
        self.aggregators = aggregators;
        self
    }

    /// Certificates (single and batch) recorded after block `scanned` (minus the reorg depth)
    /// up to the head, or as far as one scan goes, and the last block looked at.
    pub async fn scan(&self, scanned: u64) -> Result<Scan, ScanError> {
        let head = self.provider.get_block_number().await.map_err(rpc("eth_blockNumber"))?;
        let from = scanned.saturating_add(1).saturating_sub(self.reorg_depth).min(head);
        let span = self.chunk.max(1).saturating_mul(self.max_chunks.max(1));
        let to = from.saturating_add(span.saturating_sub(1)).min(head);
        let filter = Filter::new()
            .address(self.domain.verifier)
            .event_signature(VigilVerifier::CheckpointCertified::SIGNATURE_HASH);
        let logs = get_logs_chunked(&self.provider, &filter, from, to, self.chunk)
            .await
            .map_err(rpc("eth_getLogs"))?;
        let mut out = Vec::new();
        for log in logs {
            let (Some(tx_hash), Some(block)) = (log.transaction_hash, log.block_number) else {
                continue;
            };
            let Ok(event) = VigilVerifier::CheckpointCertified::decode_log(&log.inner) else {
                continue;
            };
            match self.certificate(tx_hash, event.data.digest).await? {
                Some(certificate) => {
                    metrics::chain_certificate("recorded");
                    out.push(RecordedCertificate { certificate, tx_hash, block });
                }
                None => {
                    metrics::chain_certificate("undecodable");
                    warn!(target: TARGET, tx = %tx_hash, rollup = event.data.rollupId, height = event.data.height, "certificate recorded by a transaction whose calldata is not submitCertificate (called through a contract?): it cannot serve as evidence");
                }
            }
        }
        let batches = self.scan_batches(from, to).await?;
        metrics::chain_scanned(to);
        debug!(target: TARGET, scanned = to, certificates = out.len(), batches = batches.len(), "chain scanned");
        Ok(Scan { certificates: out, batches, scanned: to })
    }

    /// The batch certificates recorded in blocks `from..=to`, with their checkpoints.
    async fn scan_batches(&self, from: u64, to: u64) -> Result<Vec<RecordedBatch>, ScanError> {
        if self.aggregators.is_empty() {
            return Ok(Vec::new());
        }
        let filter = Filter::new()
            .address(self.domain.verifier)
            .event_signature(VigilVerifier::BatchCertified::SIGNATURE_HASH);
        let logs = get_logs_chunked(&self.provider, &filter, from, to, self.chunk)
            .await
            .map_err(rpc("eth_getLogs"))?;
        let mut out = Vec::new();
        // Those no aggregator served before: asked again (the list is taken while asking).
        let waiting = std::mem::take(&mut *self.unknown_batches());
        for u in waiting {
            match self.checkpoints(u.digest, &u.certificate.header).await {
                Some(batch) => {
                    metrics::chain_certificate("batch");
                    out.push(RecordedBatch {
                        certificate: u.certificate,
                        batch,
                        tx_hash: u.tx_hash,
                    });
                }
                None if u.since.elapsed() < UNKNOWN_BATCH_RETRY => self.remember_unknown(u),
                None => {
                    warn!(target: TARGET, digest = %u.digest, "no aggregator served this recorded batch's checkpoints for an hour: given up as evidence");
                }
            }
        }
        for log in logs {
            let Some(tx_hash) = log.transaction_hash else { continue };
            let Ok(event) = VigilVerifier::BatchCertified::decode_log(&log.inner) else {
                continue;
            };
            let digest = event.data.digest;
            let Some(certificate) = self.batch_certificate(tx_hash, digest).await? else {
                metrics::chain_certificate("undecodable");
                warn!(target: TARGET, tx = %tx_hash, root = %event.data.root, "batch recorded by a transaction whose calldata is not submitBatchCertificate: it cannot serve as evidence");
                continue;
            };
            match self.checkpoints(digest, &certificate.header).await {
                Some(batch) => {
                    metrics::chain_certificate("batch");
                    out.push(RecordedBatch { certificate, batch, tx_hash });
                }
                None => {
                    metrics::chain_certificate("batch_unknown");
                    warn!(target: TARGET, tx = %tx_hash, %digest, "no aggregator followed serves the checkpoints of this recorded batch yet: asking again on every scan");
                    let u = UnknownBatch {
                        certificate,
                        digest,
                        tx_hash,
                        since: std::time::Instant::now(),
                    };
                    self.remember_unknown(u);
                }
            }
        }
        Ok(out)
    }

    fn unknown_batches(&self) -> std::sync::MutexGuard<'_, Vec<UnknownBatch>> {
        self.unknown.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers a recorded batch to ask for again (once per digest; the oldest given up when
    /// too many wait).
    fn remember_unknown(&self, u: UnknownBatch) {
        let mut unknown = self.unknown_batches();
        if unknown.iter().any(|w| w.digest == u.digest) {
            return;
        }
        if unknown.len() >= MAX_UNKNOWN_BATCHES {
            unknown.remove(0);
        }
        unknown.push(u);
    }

    /// The batch certificate in `tx`'s calldata, if it is a direct `submitBatchCertificate`
    /// whose header has the event's `digest`.
    async fn batch_certificate(
        &self,
        tx: B256,
        digest: B256,
    ) -> Result<Option<BatchCertificate>, ScanError> {
        let Some(t) = self
            .provider
            .get_transaction_by_hash(tx)
            .await
            .map_err(rpc("eth_getTransactionByHash"))?
        else {
            return Ok(None);
        };
        let input = alloy::consensus::Transaction::input(t.inner.inner());
        Ok(decode_submit_batch_certificate(self.domain, input)
            .filter(|c| c.header.digest(&self.domain) == digest))
    }

    /// The checkpoints of the batch `header` signs, from the first aggregator that serves
    /// them and whose checkpoints build exactly `header`.
    async fn checkpoints(&self, digest: B256, header: &BatchHeader) -> Option<Batch> {
        for client in &self.aggregators {
            match client.batch(digest).await {
                Ok(Some(status)) => match status.batch() {
                    Ok(batch) if batch.header() == header => return Some(batch),
                    _ => {
                        warn!(target: TARGET, %digest, "an aggregator served checkpoints that do not build the recorded batch root: ignored");
                    }
                },
                Ok(None) => {}
                Err(err) => {
                    warn!(target: TARGET, %digest, %err, "cannot read a recorded batch's checkpoints from an aggregator");
                }
            }
        }
        None
    }

    /// The certificate in `tx`'s calldata, if it is a direct `submitCertificate` whose
    /// checkpoint has the event's `digest`.
    async fn certificate(&self, tx: B256, digest: B256) -> Result<Option<Certificate>, ScanError> {
        let Some(t) = self
            .provider
            .get_transaction_by_hash(tx)
            .await
            .map_err(rpc("eth_getTransactionByHash"))?
        else {
            return Ok(None);
        };
        let input = alloy::consensus::Transaction::input(t.inner.inner());
        Ok(decode_submit_certificate(self.domain, input)
            .filter(|c| c.checkpoint.digest(&self.domain) == digest))
    }
}

/// The certificate in `submitCertificate` calldata, in `vigil-types` form.
pub fn decode_submit_certificate(domain: SigningDomain, input: &[u8]) -> Option<Certificate> {
    let call = VigilVerifier::submitCertificateCall::abi_decode(input).ok()?;
    let cert = call.cert;
    let cp = cert.checkpoint;
    let checkpoint = Checkpoint {
        rollup_id: cp.rollupId,
        height: cp.height,
        block_hash: cp.blockHash,
        state_root: cp.stateRoot,
        da_commitment: cp.daCommitment,
        l1_block: cp.l1Block,
    };
    let (non_signers, aggregate_signature) =
        decode_signers(cert.nonSignerPubkeys.as_ref(), cert.signature.as_ref())?;
    Some(Certificate { domain, checkpoint, non_signers, aggregate_signature })
}

/// The batch certificate in `submitBatchCertificate` calldata, in `vigil-types` form.
pub fn decode_submit_batch_certificate(
    domain: SigningDomain,
    input: &[u8],
) -> Option<BatchCertificate> {
    let call = VigilVerifier::submitBatchCertificateCall::abi_decode(input).ok()?;
    let cert = call.cert;
    let h = cert.header;
    let header = BatchHeader {
        root: h.root,
        leaf_count: h.leafCount,
        from_l1_block: h.fromL1Block,
        to_l1_block: h.toL1Block,
    };
    let (non_signers, aggregate_signature) =
        decode_signers(cert.nonSignerPubkeys.as_ref(), cert.signature.as_ref())?;
    Some(BatchCertificate { domain, header, non_signers, aggregate_signature })
}

/// Non-signer keys (EIP-2537, concatenated) and an aggregate signature (EIP-2537) as the
/// verifier takes them, in wire form; `None` if any does not decode.
fn decode_signers(keys: &[u8], signature: &[u8]) -> Option<(Vec<PublicKeyBytes>, SignatureBytes)> {
    if !keys.len().is_multiple_of(vigil_crypto::G2_EIP2537_LEN) {
        return None;
    }
    let non_signers = keys
        .chunks_exact(vigil_crypto::G2_EIP2537_LEN)
        .map(|chunk| {
            let raw: &[u8; vigil_crypto::G2_EIP2537_LEN] = chunk.try_into().ok()?;
            PublicKey::from_eip2537(raw).ok().map(|k| k.to_wire())
        })
        .collect::<Option<Vec<_>>>()?;
    let raw: &[u8; vigil_crypto::G1_EIP2537_LEN] = signature.try_into().ok()?;
    let signature = Signature::from_eip2537(raw).ok()?;
    Some((non_signers, signature.to_wire(false)))
}

/// The verifier's address, for logs.
pub fn verifier(domain: &SigningDomain) -> Address {
    domain.verifier
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use alloy::primitives::Bytes;
    use vigil_chain::{checkpoint_sol, non_signer_bytes};
    use vigil_crypto::{SecretKey, aggregate_signatures};

    use super::*;

    #[test]
    fn submit_certificate_calldata_round_trips_and_garbage_is_none() {
        let domain = SigningDomain {
            l1_chain_id: 31_337,
            verifier: Address::repeat_byte(7),
            operator_set_id: 0,
        };
        let keys: Vec<SecretKey> =
            (1..=4u8).map(|i| SecretKey::from_ikm(&[i; 32]).unwrap()).collect();
        let cp = Checkpoint {
            rollup_id: 9,
            height: 12,
            block_hash: B256::repeat_byte(1),
            state_root: B256::repeat_byte(2),
            da_commitment: B256::repeat_byte(3),
            l1_block: 40,
        };
        let digest = cp.digest(&domain);
        let sigs: Vec<_> = keys[..3].iter().map(|k| k.sign(digest.as_slice())).collect();
        let agg = aggregate_signatures(&sigs).unwrap();
        let call = VigilVerifier::submitCertificateCall {
            cert: VigilVerifier::Certificate {
                checkpoint: checkpoint_sol(&cp),
                nonSignerPubkeys: non_signer_bytes(&[keys[3].public_key()]),
                signature: Bytes::from(agg.to_eip2537().to_vec()),
            },
        };
        let input = call.abi_encode();
        let cert = decode_submit_certificate(domain, &input).unwrap();
        assert_eq!(cert.checkpoint, cp);
        assert_eq!(cert.non_signers, vec![keys[3].public_key().to_wire()]);
        assert_eq!(cert.aggregate_signature, agg.to_wire(false));
        assert_eq!(cert.domain, domain);

        // Not submitCertificate, truncated, or a key that is not on the curve: none.
        assert!(decode_submit_certificate(domain, &input[..input.len() - 32]).is_none());
        assert!(decode_submit_certificate(domain, &[0u8; 4]).is_none());
        let mut bad = call.clone();
        bad.cert.nonSignerPubkeys = Bytes::from(vec![0x11; vigil_crypto::G2_EIP2537_LEN]);
        assert!(decode_submit_certificate(domain, &bad.abi_encode()).is_none());
        let mut short = call;
        short.cert.nonSignerPubkeys = Bytes::from(vec![0; 100]);
        assert!(decode_submit_certificate(domain, &short.abi_encode()).is_none());
    }

    #[test]
    fn submit_batch_certificate_calldata_round_trips_and_garbage_is_none() {
        let domain = SigningDomain {
            l1_chain_id: 31_337,
            verifier: Address::repeat_byte(7),
            operator_set_id: 0,
        };
        let keys: Vec<SecretKey> =
            (1..=4u8).map(|i| SecretKey::from_ikm(&[i; 32]).unwrap()).collect();
        let header = BatchHeader {
            root: B256::repeat_byte(9),
            leaf_count: 5,
            from_l1_block: 40,
            to_l1_block: 41,
        };
        let digest = header.digest(&domain);
        let sigs: Vec<_> = keys[..3].iter().map(|k| k.sign(digest.as_slice())).collect();
        let agg = aggregate_signatures(&sigs).unwrap();
        let call = VigilVerifier::submitBatchCertificateCall {
            cert: VigilVerifier::BatchCertificate {
                header: VigilVerifier::BatchHeader {
                    root: header.root,
                    leafCount: header.leaf_count,
                    fromL1Block: header.from_l1_block,
                    toL1Block: header.to_l1_block,
                },
                nonSignerPubkeys: non_signer_bytes(&[keys[3].public_key()]),
                signature: Bytes::from(agg.to_eip2537().to_vec()),
            },
        };
        let input = call.abi_encode();
        let cert = decode_submit_batch_certificate(domain, &input).unwrap();
        assert_eq!(cert.header, header);
        assert_eq!(cert.non_signers, vec![keys[3].public_key().to_wire()]);
        assert_eq!(cert.aggregate_signature, agg.to_wire(false));
        assert_eq!(cert.domain, domain);
        // A single certificate's calldata, truncated calldata or a bad signature: none.
        assert!(decode_submit_batch_certificate(domain, &input[..input.len() - 32]).is_none());
        assert!(decode_submit_batch_certificate(domain, &[0u8; 4]).is_none());
        let mut bad = call;
        bad.cert.signature = Bytes::from(vec![0x11; vigil_crypto::G1_EIP2537_LEN]);
        assert!(decode_submit_batch_certificate(domain, &bad.abi_encode()).is_none());
    }
}
