//! Property test: the database decides exactly as an in-memory oracle of the rule does.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use vigil_slashing_protection::{Interchange, InterchangeCheckpoint, InterchangeKey};
use vigil_types::B256;

use crate::common::{Outcome, cp, domain, fresh, key, outcome};

#[derive(Clone, Debug)]
enum Op {
    /// Sign (key, domain, rollup, height) with content `content`, daCommitment seed `da`.
    Sign { key: u8, domain: u8, rollup: u64, height: u64, content: u8, da: u8 },
    /// Prune (domain, rollup) below `height`.
    Prune { domain: u8, rollup: u64, height: u64 },
    /// Import one record for (key, rollup) at `height` with `content`.
    Import { key: u8, rollup: u64, height: u64, content: u8 },
    /// Sign a batch with (key, domain) whose leaves are `(rollup, height, content)`.
    SignBatch { key: u8, domain: u8, leaves: Vec<(u64, u64, u8)> },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u8..3, 0u8..2, 0u64..2, 0u64..12, 0u8..3, any::<u8>())
            .prop_map(|(key, domain, rollup, height, content, da)| Op::Sign { key, domain, rollup, height, content, da }),
        1 => (0u8..2, 0u64..2, 0u64..12).prop_map(|(domain, rollup, height)| Op::Prune { domain, rollup, height }),
        1 => (0u8..2, 0u64..2, 0u64..12, 0u8..3)
            .prop_map(|(key, rollup, height, content)| Op::Import { key, rollup, height, content }),
        3 => (0u8..3, 0u8..2, proptest::collection::vec((0u64..2, 0u64..12, 0u8..3), 0..6))
            .prop_map(|(key, domain, leaves)| Op::SignBatch { key, domain, leaves }),
    ]
}

/// Block content `c`: three contents differing in blockHash, stateRoot or both.
fn content(c: u8) -> (B256, B256) {
    match c {
        0 => (B256::repeat_byte(1), B256::repeat_byte(1)),
        1 => (B256::repeat_byte(2), B256::repeat_byte(1)),
        _ => (B256::repeat_byte(1), B256::repeat_byte(2)),
    }
}

/// The rule, written as plainly as possible.
#[derive(Default)]
struct Oracle {
    registered: BTreeSet<u8>,
    records: BTreeMap<(u8, u8, u64, u64), BTreeSet<u8>>,
    imported: BTreeMap<(u8, u8, u64), u64>,
    pruned: BTreeMap<(u8, u8, u64), u64>,
}

impl Oracle {
    fn sign(&mut self, k: u8, d: u8, r: u64, h: u64, c: u8) -> Outcome {
        if !self.registered.contains(&k) {
            return Outcome::Unregistered;
        }
        let recorded = self.records.entry((k, d, r, h)).or_default();
        if recorded.iter().any(|&x| content(x) != content(c)) {
            return Outcome::Conflict;
        }
        if !recorded.is_empty() {
            return Outcome::SameBlock;
        }
        let mark = self.imported.get(&(k, d, r)).max(self.pruned.get(&(k, d, r)));
        if mark.is_some_and(|&m| h <= m) {
            return Outcome::BelowLowWater;
        }
        recorded.insert(c);
        Outcome::Valid
    }

    /// A batch: checked as a whole, then every leaf by [`Oracle::sign`] on a copy that is kept
    /// only if no leaf is refused. `Ok((inserted, same_block))`.
    fn sign_batch(
        &mut self,
        k: u8,
        d: u8,
        leaves: &[(u64, u64, u8)],
    ) -> Result<(usize, usize), Outcome> {
        if leaves.is_empty() {
            return Err(Outcome::EmptyBatch);
        }
        for (i, &(r, h, c)) in leaves.iter().enumerate() {
            if leaves[..i]
                .iter()
                .any(|&(rr, hh, cc)| (rr, hh) == (r, h) && content(cc) != content(c))
            {
                return Err(Outcome::SelfConflict);
            }
        }
        if !self.registered.contains(&k) {
            return Err(Outcome::Unregistered);
        }
        let saved = self.records.clone();
        let (mut inserted, mut same_block) = (0, 0);
        for &(r, h, c) in leaves {
            match self.sign(k, d, r, h, c) {
                Outcome::Valid => inserted += 1,
                Outcome::SameBlock => same_block += 1,
                refused => {
                    self.records = saved;
                    return Err(refused);
                }
            }
        }
        Ok((inserted, same_block))
    }

    fn prune(&mut self, d: u8, r: u64, below: u64) {
        let Some(mark) = below.checked_sub(1) else { return };
        let keys: BTreeSet<u8> = self
            .records
            .iter()
            .filter(|((_, dd, rr, _), v)| *dd == d && *rr == r && !v.is_empty())
            .map(|((k, ..), _)| *k)
            .chain(
                self.pruned
                    .keys()
                    .chain(self.imported.keys())
                    .filter(|(_, dd, rr)| *dd == d && *rr == r)
                    .map(|(k, ..)| *k),
            )
            .collect();
        for k in keys {
            let max = self
                .records
                .iter()
                .filter(|((kk, dd, rr, _), v)| *kk == k && *dd == d && *rr == r && !v.is_empty())
                .map(|((.., h), _)| *h)
                .max();
            self.records.retain(|(kk, dd, rr, h), _| {
                !(*kk == k && *dd == d && *rr == r && *h < below && Some(*h) < max)
            });
            let p = self.pruned.entry((k, d, r)).or_insert(mark);
            *p = (*p).max(mark);
        }
    }

    fn import(&mut self, k: u8, r: u64, h: u64, c: u8) {
        // Imports go to domain 0.
        self.registered.insert(k);
        self.records.entry((k, 0, r, h)).or_default().insert(c);
        let m = self.imported.entry((k, 0, r)).or_insert(h);
        *m = (*m).min(h);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn database_matches_oracle(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let (_dir, _path, db) = fresh().await;
            let mut oracle = Oracle::default();
            // Keys 0 and 1 are registered, key 2 is not (until an import registers it).
            for k in [0u8, 1] {
                db.register_key(&key(k)).await.unwrap();
                oracle.registered.insert(k);
            }
            for (i, op) in ops.iter().enumerate() {
                match *op {
                    Op::Sign { key: k, domain: d, rollup, height, content: c, da } => {
                        let (block_hash, state_root) = content(c);
                        let mut checkpoint = cp(rollup, height, block_hash, state_root);
                        checkpoint.da_commitment = B256::repeat_byte(da);
                        checkpoint.l1_block = u64::from(da);
                        let got = outcome(&db.check_and_insert(&key(k), &domain(d), &checkpoint).await);
                        let want = oracle.sign(k, d, rollup, height, c);
                        assert_eq!(got, want, "op {i}: {op:?}");
                    }
                    Op::SignBatch { key: k, domain: d, ref leaves } => {
                        let checkpoints: Vec<_> = leaves
                            .iter()
                            .map(|&(rollup, height, c)| {
                                let (block_hash, state_root) = content(c);
                                cp(rollup, height, block_hash, state_root)
                            })
                            .collect();
                        let got = match db.check_and_insert_batch(&key(k), &domain(d), &checkpoints).await {
                            Ok(safe) => Ok((safe.inserted, safe.same_block)),
                            Err(e) => Err(outcome(&Err(e))),
                        };
                        let want = oracle.sign_batch(k, d, leaves);
                        assert_eq!(got, want, "op {i}: {op:?}");
                    }
                    Op::Prune { domain: d, rollup, height } => {
                        db.prune_below(&domain(d), rollup, height).await.unwrap();
                        oracle.prune(d, rollup, height);
                    }
                    Op::Import { key: k, rollup, height, content: c } => {
                        let (block_hash, state_root) = content(c);
                        let mut interchange = Interchange::new(domain(0));
                        interchange.data.push(InterchangeKey {
                            pubkey: key(k),
                            signed_checkpoints: vec![InterchangeCheckpoint { rollup_id: rollup, height, block_hash, state_root }],
                        });
                        db.import_interchange(&interchange, &domain(0)).await.unwrap();
                        oracle.import(k, rollup, height, c);
                    }
                }
            }
            // The low-water marks agree.
            for (k, d, r) in every_key_domain_rollup() {
                let got = db.low_water_mark(&key(k), &domain(d), r).await.unwrap();
                let want = oracle.imported.get(&(k, d, r)).max(oracle.pruned.get(&(k, d, r))).copied();
                assert_eq!(got, want, "low-water mark of key {k} domain {d} rollup {r}");
            }
            // Finally, the whole history agrees.
            for d in 0..2u8 {
                let export = db.export_interchange(&domain(d)).await.unwrap();
                let mut got = BTreeSet::new();
                for entry in &export.data {
                    let k = entry.pubkey.0[0];
                    for c in &entry.signed_checkpoints {
                        got.insert((k, c.rollup_id, c.height, c.block_hash, c.state_root));
                    }
                }
                let want: BTreeSet<_> = oracle
                    .records
                    .iter()
                    .filter(|((_, dd, ..), _)| *dd == d)
                    .flat_map(|((k, _, r, h), cs)| cs.iter().map(move |&c| (*k, *r, *h, content(c).0, content(c).1)))
                    .collect();
                assert_eq!(got, want, "records of domain {d}");
            }
        });
    }
}

fn every_key_domain_rollup() -> impl Iterator<Item = (u8, u8, u64)> {
    (0u8..3).flat_map(|k| (0u8..2).flat_map(move |d| (0u64..2).map(move |r| (k, d, r))))
}
