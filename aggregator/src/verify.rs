//! Signature verification at intake, in batches.
//!
//! Every submission is verified *before* it is stored, put on the feed or counted anywhere, so
//! nobody can store, feed or log a signature in an operator's name without its secret key.
//! To keep that cheap, jobs queue here and are verified together:
//!
//! - Signatures over the same checkpoint (all honest operators sign the same digest) are checked
//!   as one group with secret random scalars ([`vigil_crypto::verify_each_same_message`]): about
//!   one pairing check per group, and sound per signer, so one signature cannot pass on another's
//!   account. A failing group is split in halves until the bad signatures are found.
//! - A lone signature, or one from an *isolated* source (one that recently sent a signature that
//!   failed), is checked alone, so garbage never drags a group of honest signatures into a
//!   bisection more than once.
//!
//! At most one batch per core runs at a time, on blocking threads; while they run, new jobs
//! queue, so batches grow with load.

use std::{collections::HashMap, sync::Arc};

use alloy_primitives::B256;
use tokio::sync::{Semaphore, mpsc, oneshot};
use vigil_crypto::{PublicKey, Signature};

use crate::metrics;

/// Most jobs verified in one batch.
const MAX_BATCH: usize = 1_024;
/// Most jobs waiting; beyond it, submitters wait for room (back-pressure on the HTTP handlers).
const QUEUE: usize = 16_384;

struct Job {
    digest: B256,
    key: PublicKey,
    sig: Signature,
    isolated: bool,
    reply: oneshot::Sender<bool>,
}

/// The verification queue. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Verifier {
    tx: mpsc::Sender<Job>,
}

/// The verifier stopped (the runtime is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the signature verifier has stopped")]
pub struct VerifierStopped;

impl Verifier {
    /// Starts the verifier on the current runtime, using up to `parallelism` cores (at least 1).
    pub fn spawn(parallelism: usize) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(rx, parallelism.max(1)));
        Self { tx }
    }

    /// Whether `sig` is `key`'s signature of `digest`. `isolated` checks it alone, outside any
    /// group (for sources that recently sent bad signatures).
    pub async fn verify(
        &self,
        digest: B256,
        key: PublicKey,
        sig: Signature,
        isolated: bool,
    ) -> Result<bool, VerifierStopped> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { digest, key, sig, isolated, reply })
            .await
            .map_err(|_| VerifierStopped)?;
        answer.await.map_err(|_| VerifierStopped)
    }
}

async fn run(mut rx: mpsc::Receiver<Job>, parallelism: usize) {
    let cores = Arc::new(Semaphore::new(parallelism));
    while let Some(first) = rx.recv().await {
        // Wait for a free core first: meanwhile the queue fills and the batch grows.
        let Ok(permit) = Arc::clone(&cores).acquire_owned().await else { return };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        tokio::task::spawn_blocking(move || {
            let verdicts = check(&jobs);
            for (job, ok) in jobs.into_iter().zip(verdicts) {
                let _ = job.reply.send(ok);
            }
            drop(permit);
        });
    }
}

/// Verdicts for `jobs`, in order.
fn check(jobs: &[Job]) -> Vec<bool> {
    let mut verdicts = vec![false; jobs.len()];
    let mut groups: HashMap<B256, Vec<usize>> = HashMap::new();
    let (mut group_checks, mut single_checks) = (0, 0);
    for (i, job) in jobs.iter().enumerate() {
        if job.isolated {
            single_checks += 1;
            set(&mut verdicts, i, single(job));
        } else {
            groups.entry(job.digest).or_default().push(i);
        }
    }
    for (digest, members) in groups {
        bisect(jobs, digest, &members, &mut verdicts, &mut group_checks, &mut single_checks);
    }
    metrics::verify_batch(jobs.len(), group_checks, single_checks);
    verdicts
}

fn bisect(
    jobs: &[Job],
    digest: B256,
    members: &[usize],
    verdicts: &mut [bool],
    group_checks: &mut usize,
    single_checks: &mut usize,
) {
    match members {
        [] => {}
        [i] => {
            *single_checks += 1;
            let ok = jobs.get(*i).is_some_and(single);
            set(verdicts, *i, ok);
        }
        _ => {
            *group_checks += 1;
            let items: Vec<(PublicKey, Signature)> =
                members.iter().filter_map(|i| jobs.get(*i)).map(|j| (j.key, j.sig)).collect();
            if vigil_crypto::verify_each_same_message(digest.as_slice(), &items) {
                for i in members {
                    set(verdicts, *i, true);
                }
                return;
            }
            let (left, right) = members.split_at(members.len() / 2);
            bisect(jobs, digest, left, verdicts, group_checks, single_checks);
            bisect(jobs, digest, right, verdicts, group_checks, single_checks);
        }
    }
}

fn single(job: &Job) -> bool {
    vigil_crypto::verify(&job.key, job.digest.as_slice(), &job.sig).is_ok()
}

fn set(verdicts: &mut [bool], i: usize, ok: bool) {
    if let Some(v) = verdicts.get_mut(i) {
        *v = ok;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use vigil_crypto::SecretKey;

    fn job(sk: &SecretKey, digest: B256, signed: B256, isolated: bool) -> Job {
        let (reply, _) = oneshot::channel();
        Job { digest, key: sk.public_key(), sig: sk.sign(signed.as_slice()), isolated, reply }
    }

    #[test]
    fn groups_pass_together_and_bad_signatures_are_found() {
        let keys: Vec<_> = (1..=9u8).map(|i| SecretKey::from_ikm(&[i; 32]).unwrap()).collect();
        let (a, b) = (B256::repeat_byte(1), B256::repeat_byte(2));
        let mut jobs: Vec<Job> = keys.iter().map(|k| job(k, a, a, false)).collect();
        // Garbage in the honest group, a lone good signature, an isolated bad one.
        jobs[4] = job(&keys[4], a, b, false);
        jobs.push(job(&keys[0], b, b, false));
        jobs.push(job(&keys[1], b, a, true));
        let verdicts = check(&jobs);
        let mut expected = vec![true; 9];
        expected[4] = false;
        expected.extend([true, false]);
        assert_eq!(verdicts, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_submissions_get_their_own_verdicts() {
        let verifier = Verifier::spawn(2);
        let digest = B256::repeat_byte(7);
        let tasks: Vec<_> = (0..64u8)
            .map(|i| {
                let verifier = verifier.clone();
                tokio::spawn(async move {
                    let sk = SecretKey::from_ikm(&[i.saturating_add(1); 32]).unwrap();
                    // Every third signs another message.
                    let signed = if i % 3 == 0 { B256::ZERO } else { digest };
                    let ok = verifier
                        .verify(digest, sk.public_key(), sk.sign(signed.as_slice()), false)
                        .await
                        .unwrap();
                    (i, ok)
                })
            })
            .collect();
        for t in tasks {
            let (i, ok) = t.await.unwrap();
            assert_eq!(ok, i % 3 != 0, "submission {i}");
        }
    }
}
