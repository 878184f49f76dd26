//! Signing behind slashing protection: no signature exists unless the database committed the
//! checkpoint first.

use vigil_crypto::SecretKey;
use vigil_slashing_protection::{BatchSafe, NotSafe, Safe, SlashingDatabase};
use vigil_types::{
    Batch, Checkpoint, PublicKeyBytes, SignedBatch, SignedCheckpoint, SigningDomain,
};

/// Signs checkpoints of one domain with one key, consulting the slashing-protection database
/// before every signature.
pub struct CheckpointSigner {
    key: SecretKey,
    pubkey: PublicKeyBytes,
    domain: SigningDomain,
    db: SlashingDatabase,
    compressed: bool,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("pubkey", &self.pubkey)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// A signer for `domain`; registers the key in `db` if it is new. Signatures travel
    /// uncompressed unless `compressed` (receivers skip a square root per signature).
    pub async fn new(
        key: SecretKey,
        domain: SigningDomain,
        db: SlashingDatabase,
        compressed: bool,
    ) -> vigil_slashing_protection::Result<Self> {
        let pubkey = key.public_key().to_wire();
        db.register_key(&pubkey).await?;
        Ok(Self { key, pubkey, domain, db, compressed })
    }

    /// Records `checkpoint` in the slashing-protection database (one exclusive transaction,
    /// committed) and only then signs it. A conflicting checkpoint comes back as `NotSafe` and
    /// is never signed.
    pub async fn sign(&self, checkpoint: &Checkpoint) -> Result<(Safe, SignedCheckpoint), NotSafe> {
        let safe = self.db.check_and_insert(&self.pubkey, &self.domain, checkpoint).await?;
        let signature = self.key.sign(checkpoint.digest(&self.domain).as_slice());
        Ok((
            safe,
            SignedCheckpoint {
                domain: self.domain,
                checkpoint: *checkpoint,
                pubkey: self.pubkey,
                signature: signature.to_wire(self.compressed),
            },
        ))
    }

    /// Records every checkpoint of `batch` in the slashing-protection database (all or nothing,
    /// one exclusive transaction, committed) and only then signs its header: signing a batch is
    /// signing each of its checkpoints. A batch with any conflicting leaf comes back as `NotSafe`
    /// (naming the leaf), is never signed, and leaves no record behind.
    pub async fn sign_batch(&self, batch: &Batch) -> Result<(BatchSafe, SignedBatch), NotSafe> {
        let safe =
            self.db.check_and_insert_batch(&self.pubkey, &self.domain, batch.checkpoints()).await?;
        let header = *batch.header();
        let signature = self.key.sign(header.digest(&self.domain).as_slice());
        Ok((
            safe,
            SignedBatch {
                domain: self.domain,
                header,
                pubkey: self.pubkey,
                signature: signature.to_wire(self.compressed),
            },
        ))
    }

    /// The signer's public key.
    pub fn pubkey(&self) -> &PublicKeyBytes {
        &self.pubkey
    }

    /// The protection database.
    pub fn database(&self) -> &SlashingDatabase {
        &self.db
    }
}
