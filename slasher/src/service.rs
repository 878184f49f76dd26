//! The slasher's ingest path: signed checkpoints from every source go through one
//! [`Ingestor`], which owns the [`Detector`] and writes evidence and cursors to the
//! [`EvidenceStore`] in one transaction per batch (the outbox rule).
//!
//! # Sources and cursors
//! Each source (an aggregator feed by its configured name, and `public` for the public
//! endpoint) has two cursors in the store:
//! - `<source>`: the last sequence number whose evidence is durably recorded;
//! - `<source>#window`: the sequence number after which every entry still in the index (at a
//!   height the index has not pruned) can be found again.
//!
//! After a restart each source is replayed from its window cursor: entries up to the detection
//! cursor rebuild the index (the evidence they produce again is already stored; recording is
//! idempotent per offence), later ones are new work. No conflict is missed: nothing after the
//! detection cursor was acknowledged, and nothing inside the window was dropped.
//!
//! # Bounded memory
//! For every rollup the index keeps `retain_heights` heights below the highest it has seen;
//! older heights are pruned and refused from then on.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tracing::{debug, error, info, warn};
use vigil_chain::operator_set::OperatorSetView;
use vigil_crypto::{PublicKey, Signature, verify};
use vigil_types::{
    BatchCertificate, Certificate, Evidence, InclusionProof, SignedCheckpoint, Statement,
};

use crate::{
    Detector, EvidenceStore, Ingested, RecordedCertificate, Result, chain::RecordedBatch, metrics,
    now_ms,
};

/// The public endpoint's source name.
pub const PUBLIC_SOURCE: &str = "public";

/// The chain's source name (certificates recorded by the verifier).
pub const CHAIN_SOURCE: &str = "chain";

/// Log target of the ingest path.
const TARGET: &str = "vigil::slasher::ingest";

/// The cursor naming the start of `source`'s index window.
pub fn window_cursor(source: &str) -> String {
    format!("{source}#window")
}

/// What ingesting one signed checkpoint led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestResult {
    /// What the detector made of it.
    Detected(Ingested),
    /// It proved an offence; this is the offence's id in the store and whether it was new.
    Offence {
        /// The store's offence id.
        offence_id: i64,
        /// First proof of this offence.
        new: bool,
    },
}

impl IngestResult {
    /// A short label (`new`, `duplicate`, `replaced`, `equivocation`, `invalid`,
    /// `below_pruned`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Detected(i) => label(i),
            Self::Offence { .. } => "equivocation",
        }
    }
}

fn label(i: &Ingested) -> &'static str {
    match i {
        Ingested::New => "new",
        Ingested::Duplicate => "duplicate",
        Ingested::Replaced => "replaced",
        Ingested::Equivocation(_) => "equivocation",
        Ingested::InvalidSignature => "invalid",
        Ingested::BelowPruned => "below_pruned",
    }
}

/// One checkpoint of a recorded batch certificate, with its inclusion proof.
#[derive(Clone, Debug)]
pub struct InBatch {
    /// The batch certificate.
    pub certificate: Arc<BatchCertificate>,
    /// The checkpoint.
    pub checkpoint: vigil_types::Checkpoint,
    /// Its leaf in the batch.
    pub proof: InclusionProof,
}

/// A recorded statement of a checkpoint by a set of signers: a certificate of it alone, or a
/// batch certificate that holds it.
#[derive(Clone, Debug)]
enum Held {
    Alone(Certificate),
    InBatch(InBatch),
}

impl Held {
    fn checkpoint(&self) -> &vigil_types::Checkpoint {
        match self {
            Self::Alone(c) => &c.checkpoint,
            Self::InBatch(b) => &b.checkpoint,
        }
    }
}

/// The one owner of the index. See the module docs.
#[derive(Debug)]
pub struct Ingestor {
    detector: Detector,
    store: EvidenceStore,
    retain_heights: u64,
    /// Per source: the lowest sequence number indexed at each `(rollup, height)`.
    windows: HashMap<String, HashMap<(u64, u64), u64>>,
    /// Per source: the detection cursor and the window cursor as last written.
    cursors: HashMap<String, (u64, u64)>,
    /// Highest height seen per rollup.
    max_height: HashMap<u64, u64>,
    /// Certificates the verifier recorded, by `(rollup, height)` (pruned with the index).
    certified: HashMap<(u64, u64), Certificate>,
    /// Checkpoints of batch certificates the verifier recorded, by `(rollup, height)` (pruned
    /// with the index; not kept across restarts).
    batched: HashMap<(u64, u64), InBatch>,
    /// The operator set, to tell a certificate's signers; `None`: certificates are not used.
    set: Option<Arc<OperatorSetView>>,
}

impl Ingestor {
    /// An empty index over `store`, keeping `retain_heights` heights per rollup.
    pub fn new(store: EvidenceStore, retain_heights: u64) -> Self {
        Self {
            detector: Detector::new(),
            store,
            retain_heights: retain_heights.max(1),
            windows: HashMap::new(),
            cursors: HashMap::new(),
            max_height: HashMap::new(),
            certified: HashMap::new(),
            batched: HashMap::new(),
            set: None,
        }
    }

    /// Compares signatures with certificates recorded on chain, reading signer sets from `set`.
    pub fn with_operator_set(mut self, set: Arc<OperatorSetView>) -> Self {
        self.set = Some(set);
        self
    }

    /// Loads the stored certificates into memory (after a restart). Returns how many.
    pub async fn load_certificates(&mut self) -> Result<usize> {
        let stored = self.store.certificates().await?;
        for rc in &stored {
            let cp = &rc.certificate.checkpoint;
            self.certified.insert((cp.rollup_id, cp.height), rc.certificate.clone());
            let max = self.max_height.entry(cp.rollup_id).or_insert(cp.height);
            *max = (*max).max(cp.height);
        }
        Ok(stored.len())
    }

    /// Ingests certificates recorded on chain up to L1 block `scanned`: each is compared with
    /// every indexed signature of another block at its height; the certificates, the evidence
    /// found and the chain cursor are stored in one transaction.
    pub async fn ingest_certificates(
        &mut self,
        certificates: &[RecordedCertificate],
        batches: &[RecordedBatch],
        scanned: u64,
    ) -> Result<usize> {
        let mut new = Vec::new();
        let mut candidates = Vec::new();
        for rb in batches {
            let certificate = Arc::new(rb.certificate.clone());
            for (index, cp) in rb.batch.checkpoints().iter().enumerate() {
                let key = (cp.rollup_id, cp.height);
                if cp.height < self.detector.floor(cp.rollup_id) || self.batched.contains_key(&key)
                {
                    continue;
                }
                let Some(proof) = rb.batch.proof(index) else { continue };
                let held = InBatch { certificate: certificate.clone(), checkpoint: *cp, proof };
                for signed in self.detector.conflicting(
                    &certificate.domain,
                    cp.rollup_id,
                    cp.height,
                    cp.block_hash,
                    cp.state_root,
                ) {
                    candidates.push((signed, Held::InBatch(held.clone())));
                }
                self.batched.insert(key, held);
                let max = self.max_height.entry(cp.rollup_id).or_insert(cp.height);
                *max = (*max).max(cp.height);
            }
        }
        for rc in certificates {
            let cp = rc.certificate.checkpoint;
            let key = (cp.rollup_id, cp.height);
            if cp.height < self.detector.floor(cp.rollup_id) || self.certified.contains_key(&key) {
                continue;
            }
            self.certified.insert(key, rc.certificate.clone());
            new.push(rc.clone());
            for signed in self.detector.conflicting(
                &rc.certificate.domain,
                cp.rollup_id,
                cp.height,
                cp.block_hash,
                cp.state_root,
            ) {
                candidates.push((signed, Held::Alone(rc.certificate.clone())));
            }
            let max = self.max_height.entry(cp.rollup_id).or_insert(cp.height);
            *max = (*max).max(cp.height);
        }
        let evidence: Vec<Evidence> =
            self.certificate_evidence(&candidates).await.into_iter().flatten().collect();
        for _ in &evidence {
            metrics::conflict(CHAIN_SOURCE);
        }
        let recorded =
            self.store.record_certificates_with_cursor(&new, &evidence, scanned, now_ms()).await?;
        let fresh = recorded.iter().filter(|r| r.new).count();
        metrics::recorded(u64::try_from(fresh).unwrap_or(u64::MAX));
        for r in recorded.iter().filter(|r| r.new) {
            warn!(target: TARGET, source = CHAIN_SOURCE, offence_id = r.offence_id, "a signer of a recorded certificate signed another block: evidence recorded");
        }
        if !new.is_empty() {
            debug!(target: TARGET, certificates = new.len(), scanned, "certificates recorded");
        }
        self.prune().await?;
        Ok(new.len())
    }

    /// For each `(signature, certificate)` pair, the `CertificateConflict` evidence it proves,
    /// if any (aligned with `candidates`).
    async fn certificate_evidence(
        &self,
        candidates: &[(SignedCheckpoint, Held)],
    ) -> Vec<Option<Evidence>> {
        let mut out = Vec::with_capacity(candidates.len());
        for (signed, cert) in candidates {
            let mut attempt = 0u32;
            let mut found = None;
            loop {
                let checked = match cert {
                    Held::Alone(cert) => self.certificate_conflict(signed, cert).await,
                    Held::InBatch(held) => self.batch_conflict(signed, held).await,
                };
                match checked {
                    Ok(Some(e)) => {
                        metrics::certificate_check("evidence");
                        found = Some(e);
                    }
                    Ok(None) => {}
                    Err(err) if attempt < 2 => {
                        attempt = attempt.saturating_add(1);
                        warn!(target: TARGET, %err, attempt, "reading the operator set failed; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    Err(err) => {
                        metrics::certificate_check("error");
                        error!(target: TARGET, %err, rollup = signed.checkpoint.rollup_id, height = signed.checkpoint.height, recorded = ?cert.checkpoint().block_hash, "cannot compare a signature with a recorded certificate: skipped (double-sign detection still applies)");
                    }
                }
                break;
            }
            out.push(found);
        }
        out
    }

    /// Whether `signed` (another block than `cert`'s) proves its signer equivocated against
    /// `cert`: its signature is valid and its key is among `cert`'s signers and a member at its
    /// own `l1Block`. The conflicting aggregate is the signature alone, every other member of
    /// the set at its `l1Block` a non-signer.
    async fn certificate_conflict(
        &self,
        signed: &SignedCheckpoint,
        cert: &Certificate,
    ) -> std::result::Result<Option<Evidence>, vigil_chain::operator_set::SetError> {
        let Some(set) = &self.set else { return Ok(None) };
        if signed.domain != cert.domain
            || !signed.checkpoint.conflicts_with(&cert.checkpoint)
            || cert.non_signers.contains(&signed.pubkey)
        {
            metrics::certificate_check("not_a_signer");
            return Ok(None);
        }
        let valid =
            match (PublicKey::from_wire(&signed.pubkey), Signature::from_wire(&signed.signature)) {
                (Ok(pk), Ok(sig)) => verify(&pk, signed.digest().as_slice(), &sig).is_ok(),
                _ => false,
            };
        if !valid {
            metrics::certificate_check("invalid_signature");
            return Ok(None);
        }
        let recorded_set = set.at(cert.checkpoint.l1_block).await?;
        let own_set = set.at(signed.checkpoint.l1_block).await?;
        if recorded_set.member(&signed.pubkey).is_none() || own_set.member(&signed.pubkey).is_none()
        {
            metrics::certificate_check("not_a_signer");
            return Ok(None);
        }
        let non_signers = own_set
            .members
            .iter()
            .filter(|m| m.pubkey != signed.pubkey)
            .map(|m| m.pubkey)
            .collect();
        let evidence = Evidence::CertificateConflict {
            offender: signed.pubkey,
            recorded: cert.clone(),
            conflicting: Certificate {
                domain: signed.domain,
                checkpoint: signed.checkpoint,
                non_signers,
                aggregate_signature: signed.signature,
            },
        };
        Ok(evidence.offence().is_ok().then_some(evidence))
    }

    /// Whether `signed` (another block than `held`'s) proves its signer equivocated against
    /// the recorded batch: its signature is valid, and its key is a member of the set at the
    /// batch's `toL1Block` that is not among the batch's non-signers. The evidence is the
    /// batch certificate with the checkpoint's inclusion proof against the signature alone
    /// (`VigilSlasher.submitEquivocation`).
    async fn batch_conflict(
        &self,
        signed: &SignedCheckpoint,
        held: &InBatch,
    ) -> std::result::Result<Option<Evidence>, vigil_chain::operator_set::SetError> {
        let Some(set) = &self.set else { return Ok(None) };
        let cert = &held.certificate;
        if signed.domain != cert.domain
            || !signed.checkpoint.conflicts_with(&held.checkpoint)
            || cert.non_signers.contains(&signed.pubkey)
        {
            metrics::certificate_check("not_a_signer");
            return Ok(None);
        }
        let valid =
            match (PublicKey::from_wire(&signed.pubkey), Signature::from_wire(&signed.signature)) {
                (Ok(pk), Ok(sig)) => verify(&pk, signed.digest().as_slice(), &sig).is_ok(),
                _ => false,
            };
        if !valid {
            metrics::certificate_check("invalid_signature");
            return Ok(None);
        }
        if set.at(cert.header.to_l1_block).await?.member(&signed.pubkey).is_none() {
            metrics::certificate_check("not_a_signer");
            return Ok(None);
        }
        let evidence = Evidence::Equivocation {
            offender: signed.pubkey,
            first: Box::new(Statement::InBatchAggregate {
                certificate: (**cert).clone(),
                checkpoint: held.checkpoint,
                proof: held.proof.clone(),
            }),
            second: Box::new(Statement::Signed { signed: *signed }),
        };
        Ok(evidence.offence().is_ok().then_some(evidence))
    }

    /// Where to replay `source` from after a restart (its window cursor, 0 if none) and its
    /// detection cursor.
    pub async fn resume_point(&mut self, source: &str) -> Result<(u64, u64)> {
        let detected = self.store.cursor(source).await?.unwrap_or(0);
        let window = self.store.cursor(&window_cursor(source)).await?.unwrap_or(0).min(detected);
        self.cursors.insert(source.to_owned(), (detected, window));
        Ok((window, detected))
    }

    /// The index.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Ingests one batch of `(seq, signed checkpoint)` from `source`, in order: detects,
    /// records the evidence found and advances the source's cursor to the batch's last
    /// sequence number in one transaction, then prunes. On a store error nothing is recorded
    /// and the cursor stays: ingest the same batch again (the detector reports the same
    /// offences again).
    pub async fn ingest(
        &mut self,
        source: &str,
        batch: &[(u64, SignedCheckpoint)],
    ) -> Result<Vec<IngestResult>> {
        let Some(last_seq) = batch.iter().map(|(seq, _)| *seq).max() else {
            return Ok(Vec::new());
        };
        let mut results = Vec::with_capacity(batch.len());
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut evidence_at = Vec::new();
        let mut candidates = Vec::new();
        let window = self.windows.entry(source.to_owned()).or_default();
        for (seq, signed) in batch {
            let cp = &signed.checkpoint;
            let outcome = self.detector.ingest(signed);
            if !matches!(outcome, Ingested::InvalidSignature | Ingested::BelowPruned) {
                let key = (cp.rollup_id, cp.height);
                if let Some(cert) = self.certified.get(&key)
                    && cert.checkpoint.conflicts_with(cp)
                {
                    candidates.push((results.len(), (*signed, Held::Alone(cert.clone()))));
                }
                if let Some(held) = self.batched.get(&key)
                    && held.checkpoint.conflicts_with(cp)
                {
                    candidates.push((results.len(), (*signed, Held::InBatch(held.clone()))));
                }
            }
            metrics::signature(source, label(&outcome));
            match &outcome {
                Ingested::New => {
                    let at = window.entry((cp.rollup_id, cp.height)).or_insert(*seq);
                    *at = (*at).min(*seq);
                }
                Ingested::Replaced => {
                    window.entry((cp.rollup_id, cp.height)).or_insert(*seq);
                }
                Ingested::Equivocation(e) => {
                    metrics::conflict(source);
                    evidence_at.push(results.len());
                    evidence.push((**e).clone());
                }
                _ => {}
            }
            let max = self.max_height.entry(cp.rollup_id).or_insert(cp.height);
            *max = (*max).max(cp.height);
            results.push(IngestResult::Detected(outcome));
        }
        let pairs: Vec<_> = candidates.iter().map(|(_, pair)| pair.clone()).collect();
        let found = self.certificate_evidence(&pairs).await;
        for ((at, _), e) in candidates.iter().zip(found) {
            if let Some(e) = e {
                metrics::conflict(source);
                evidence_at.push(*at);
                evidence.push(e);
            }
        }
        let recorded =
            self.store.record_batch_with_cursor(&evidence, source, last_seq, now_ms()).await?;
        let mut new_offences = 0u64;
        for (at, rec) in evidence_at.into_iter().zip(recorded) {
            if rec.new {
                new_offences = new_offences.saturating_add(1);
                warn!(target: TARGET, source, offence_id = rec.offence_id, "equivocation detected: evidence recorded");
            } else {
                debug!(target: TARGET, source, offence_id = rec.offence_id, "further proof of a known offence");
            }
            if let Some(slot) = results.get_mut(at) {
                *slot = IngestResult::Offence { offence_id: rec.offence_id, new: rec.new };
            }
        }
        metrics::recorded(new_offences);
        metrics::feed_seq(source, last_seq);
        let cursors = self.cursors.entry(source.to_owned()).or_insert((0, 0));
        cursors.0 = cursors.0.max(last_seq);
        self.prune().await?;
        metrics::index_entries(self.detector.len());
        Ok(results)
    }

    /// Prunes every rollup to `retain_heights` below its highest height, and moves the window
    /// cursors past what left the index.
    async fn prune(&mut self) -> Result<()> {
        let mut pruned = false;
        for (rollup, max) in &self.max_height {
            let floor = max.saturating_sub(self.retain_heights);
            if floor > self.detector.floor(*rollup) {
                let dropped = self.detector.prune_below(*rollup, floor);
                for window in self.windows.values_mut() {
                    window.retain(|(r, h), _| r != rollup || *h >= floor);
                }
                self.batched.retain(|(r, h), _| r != rollup || *h >= floor);
                let before = self.certified.len();
                self.certified.retain(|(r, h), _| r != rollup || *h >= floor);
                if self.certified.len() != before {
                    self.store.prune_certificates(*rollup, floor).await?;
                }
                debug!(target: TARGET, rollup, floor, dropped, "index pruned");
                pruned = true;
            }
        }
        if !pruned {
            return Ok(());
        }
        for (source, (detected, window_after)) in &mut self.cursors {
            let lowest = self.windows.get(source).and_then(|w| w.values().min().copied());
            let new_window = lowest.map_or(*detected, |seq| seq.saturating_sub(1)).min(*detected);
            if new_window > *window_after {
                self.store.set_cursor(&window_cursor(source), new_window).await?;
                *window_after = new_window;
            }
        }
        Ok(())
    }

    /// Replays the public submissions after the public window (after a restart).
    pub async fn replay_public(&mut self) -> Result<u64> {
        let (mut after, _) = self.resume_point(PUBLIC_SOURCE).await?;
        let mut n = 0u64;
        loop {
            let page = self.store.public_after(after, 1_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            n = n.saturating_add(u64::try_from(page.len()).unwrap_or(u64::MAX));
            self.ingest(PUBLIC_SOURCE, &page).await?;
        }
        if n > 0 {
            info!(target: TARGET, entries = n, "public submissions replayed into the index");
        }
        Ok(n)
    }
}

/// Ingests `batch` from `source`, retrying on store errors (with backoff up to 5 s) until it
/// is recorded: a batch is never dropped.
pub async fn ingest_until_recorded(
    ingestor: &mut Ingestor,
    source: &str,
    batch: &[(u64, SignedCheckpoint)],
) -> Vec<IngestResult> {
    let mut backoff =
        vigil_service::outbox::Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        match ingestor.ingest(source, batch).await {
            Ok(results) => return results,
            Err(err) => {
                let wait = backoff.next_delay();
                warn!(target: TARGET, source, %err, retry_in_ms = wait.as_millis() as u64, "recording a batch failed; retrying");
                metrics::feed_trouble(source, "store");
                tokio::time::sleep(wait).await;
            }
        }
    }
}
