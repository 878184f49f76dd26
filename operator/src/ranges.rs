//! Which checkpoints one batch (`VIGIL_BATCH_V1`) holds, derived by every honest operator alone.
//!
//! L1 is cut into fixed ranges of `E` blocks (`[k·E, (k+1)·E − 1]`; `E` is the deployment's
//! `batchL1Blocks`, the same for every operator). The batch of a range holds, for every rollup the
//! operator follows, every checkpoint it would sign alone (the same selection rule) whose
//! `l1Block` lies in the range, verified against the operator's own L2 node, in the pinned order.
//! Everything in it comes from L1 and the L2 chain, so honest operators that follow the same
//! rollups derive the same root without talking to each other.
//!
//! A range *closes* once every followed rollup has scanned past its last block **and** has no
//! channel decoded from inside it still waiting for the L2 node to trust it: only then is every
//! leaf known and verified. A range with no checkpoint at all closes into no batch.
//!
//! An L1 reorg of one rollup's batch transactions ([`RangeAssembler::rewind`]) drops that
//! rollup's checkpoints from the forked block on and reopens every range from there; they close
//! again, possibly into other roots, once the rollup has rescanned. Signing a re-derived root is
//! safe: the blocks are the same, only their `l1Block` moved (slashing protection's `SameBlock`).
//! Ranges are kept for `keep_ranges` after closing, so that a reorg inside the window can
//! rebuild them with the other rollups' checkpoints.

use std::collections::{BTreeMap, BTreeSet};

use vigil_types::{Batch, BatchError, Checkpoint};

/// The fixed L1 ranges: range `k` is `[k·size, (k+1)·size − 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1Ranges {
    size: u64,
}

impl L1Ranges {
    /// Ranges of `size` blocks; `None` for 0.
    pub const fn new(size: u64) -> Option<Self> {
        if size == 0 { None } else { Some(Self { size }) }
    }

    /// Blocks per range.
    pub const fn size(self) -> u64 {
        self.size
    }

    /// The range holding `l1_block`.
    pub const fn index_of(self, l1_block: u64) -> u64 {
        l1_block / self.size
    }

    /// Range `k`'s first and last block.
    pub const fn bounds(self, k: u64) -> (u64, u64) {
        let from = k.saturating_mul(self.size);
        (from, from.saturating_add(self.size - 1))
    }
}

/// What a followed rollup has told the assembler.
#[derive(Clone, Copy, Debug, Default)]
struct Progress {
    /// The next L1 block this rollup scans: everything below it was scanned.
    next_l1: u64,
    /// The earliest L1 block of a channel decoded but not yet trusted by the L2 node, if any.
    earliest_unverified: Option<u64>,
}

impl Progress {
    /// Every checkpoint of this rollup with `l1Block` below this is known and verified.
    fn settled_below(self) -> u64 {
        self.earliest_unverified.map_or(self.next_l1, |e| e.min(self.next_l1))
    }
}

/// A range that closed into a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedRange {
    /// The range's index.
    pub index: u64,
    /// Its batch.
    pub batch: Batch,
}

/// A checkpoint that does not fit the assembler.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RangeError {
    /// The checkpoint's rollup is not one the assembler follows.
    #[error("rollup {0} is not followed")]
    UnknownRollup(u64),
    /// Another block is already held at this `(rollupId, height)`: the caller's derivation
    /// disagrees with itself (a reorg that was not rewound first).
    #[error("rollup {rollup_id} height {height}: another block is already held")]
    Conflict {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
    },
    /// The range already closed and is outside what a rewind can reopen.
    #[error("rollup {rollup_id} height {height}: its range {range} already closed")]
    RangeClosed {
        /// The rollup.
        rollup_id: u64,
        /// The height.
        height: u64,
        /// The range.
        range: u64,
    },
    /// The batch could not be built (more leaves than a batch may hold).
    #[error(transparent)]
    Batch(#[from] BatchError),
}

/// Collects verified checkpoints by L1 range and closes ranges into batches.
#[derive(Debug)]
pub struct RangeAssembler {
    ranges: L1Ranges,
    keep_ranges: u64,
    progress: BTreeMap<u64, Progress>,
    /// Range index → its checkpoints, keyed by `(rollupId, height)`.
    held: BTreeMap<u64, BTreeMap<(u64, u64), Checkpoint>>,
    /// Ranges below this index are closed.
    closed_below: u64,
}

impl RangeAssembler {
    /// An assembler for `rollups`, each starting its scan at `start_l1`; closed ranges are kept
    /// `keep_ranges` ranges back for rewinds. Nothing below `start_l1` is batched, nor the range
    /// holding it unless `start_l1` is its first block: a node that starts mid-range did not scan
    /// all of it, and its root would not be the one other operators sign.
    pub fn new(
        ranges: L1Ranges,
        rollups: impl IntoIterator<Item = u64>,
        start_l1: u64,
        keep_ranges: u64,
    ) -> Self {
        let progress = rollups
            .into_iter()
            .map(|id| (id, Progress { next_l1: start_l1, earliest_unverified: None }))
            .collect();
        Self {
            ranges,
            keep_ranges,
            progress,
            held: BTreeMap::new(),
            closed_below: ranges
                .index_of(start_l1)
                .saturating_add(u64::from(!start_l1.is_multiple_of(ranges.size()))),
        }
    }

    /// The ranges.
    pub const fn ranges(&self) -> L1Ranges {
        self.ranges
    }

    /// Ranges below this index are closed.
    pub const fn closed_below(&self) -> u64 {
        self.closed_below
    }

    /// Rollup `rollup_id` scanned every L1 block below `next_l1`; its earliest channel still
    /// waiting for the L2 node (if any) was decoded from `earliest_unverified`.
    pub fn progress(&mut self, rollup_id: u64, next_l1: u64, earliest_unverified: Option<u64>) {
        if let Some(p) = self.progress.get_mut(&rollup_id) {
            *p = Progress { next_l1, earliest_unverified };
        }
    }

    /// Adds a checkpoint verified against the L2 node. The same block again is a no-op.
    pub fn add(&mut self, cp: Checkpoint) -> Result<(), RangeError> {
        if !self.progress.contains_key(&cp.rollup_id) {
            return Err(RangeError::UnknownRollup(cp.rollup_id));
        }
        let range = self.ranges.index_of(cp.l1_block);
        if range < self.closed_below {
            return Err(RangeError::RangeClosed {
                rollup_id: cp.rollup_id,
                height: cp.height,
                range,
            });
        }
        let leaves = self.held.entry(range).or_default();
        match leaves.get(&(cp.rollup_id, cp.height)) {
            Some(held) if held == &cp => Ok(()),
            Some(_) => Err(RangeError::Conflict { rollup_id: cp.rollup_id, height: cp.height }),
            None => {
                leaves.insert((cp.rollup_id, cp.height), cp);
                Ok(())
            }
        }
    }

    /// Closes every range that every followed rollup has settled, oldest first, returning the
    /// ranges that hold checkpoints as batches. Empty ranges close silently.
    pub fn close_ready(&mut self) -> Result<Vec<ClosedRange>, RangeError> {
        let settled = self.progress.values().map(|p| p.settled_below()).min().unwrap_or(0);
        let mut out = Vec::new();
        loop {
            let (_, to) = self.ranges.bounds(self.closed_below);
            if to >= settled {
                break;
            }
            let index = self.closed_below;
            if let Some(leaves) = self.held.get(&index).filter(|l| !l.is_empty()) {
                let (from, to) = self.ranges.bounds(index);
                let batch = Batch::new(leaves.values().copied().collect(), from, to)?;
                out.push(ClosedRange { index, batch });
            }
            self.closed_below += 1;
        }
        self.prune();
        Ok(out)
    }

    /// An L1 reorg forked rollup `rollup_id`'s view at `fork_l1`: its checkpoints from there on
    /// are dropped, its scan restarts there, and every range from `fork_l1`'s on reopens (within
    /// the kept window). Returns the first reopened range, if any closed range reopened.
    pub fn rewind(&mut self, rollup_id: u64, fork_l1: u64) -> Option<u64> {
        let p = self.progress.get_mut(&rollup_id)?;
        p.next_l1 = p.next_l1.min(fork_l1);
        let first = self.ranges.index_of(fork_l1);
        for (_, leaves) in self.held.range_mut(first..) {
            leaves.retain(|(rollup, _), cp| *rollup != rollup_id || cp.l1_block < fork_l1);
        }
        let oldest_kept = self.held.keys().next().copied().unwrap_or(self.closed_below);
        let reopen = first.max(oldest_kept.min(self.closed_below));
        if reopen < self.closed_below {
            self.closed_below = reopen;
            Some(reopen)
        } else {
            None
        }
    }

    /// Ranges held (open, or closed and kept).
    pub fn held_ranges(&self) -> BTreeSet<u64> {
        self.held.keys().copied().collect()
    }

    fn prune(&mut self) {
        let keep_from = self.closed_below.saturating_sub(self.keep_ranges);
        self.held = self.held.split_off(&keep_from);
    }
}

#[cfg(test)]
mod tests {
    use vigil_types::B256;

    use super::*;

    fn cp(rollup_id: u64, height: u64, l1_block: u64) -> Checkpoint {
        Checkpoint {
            rollup_id,
            height,
            block_hash: B256::with_last_byte(height as u8),
            state_root: B256::with_last_byte(rollup_id as u8),
            da_commitment: B256::ZERO,
            l1_block,
        }
    }

    fn heights(batch: &Batch) -> Vec<(u64, u64)> {
        batch.checkpoints().iter().map(|c| (c.rollup_id, c.height)).collect()
    }

    #[test]
    fn ranges_are_fixed_and_zero_is_refused() {
        assert!(L1Ranges::new(0).is_none());
        let r = L1Ranges::new(4).unwrap();
        assert_eq!(r.index_of(0), 0);
        assert_eq!(r.index_of(7), 1);
        assert_eq!(r.bounds(1), (4, 7));
        let one = L1Ranges::new(1).unwrap();
        assert_eq!(one.bounds(9), (9, 9));
    }

    #[test]
    fn a_range_closes_only_when_every_rollup_has_settled_it() {
        let mut a = RangeAssembler::new(L1Ranges::new(4).unwrap(), [1, 2], 100, 8);
        a.add(cp(1, 10, 101)).unwrap();
        a.add(cp(2, 50, 103)).unwrap();
        a.progress(1, 110, None);
        // Rollup 2 has not scanned past 103 yet.
        a.progress(2, 103, None);
        assert!(a.close_ready().unwrap().is_empty());
        // Rollup 2 scanned past the range, but a channel decoded at 102 waits for its L2 node.
        a.progress(2, 110, Some(102));
        assert!(a.close_ready().unwrap().is_empty());
        a.add(cp(2, 49, 102)).unwrap();
        a.progress(2, 110, None);
        let closed = a.close_ready().unwrap();
        assert_eq!(closed.len(), 1, "range 25 only: 26 holds nothing, 27 is not settled");
        assert_eq!(closed[0].index, 25);
        assert_eq!(heights(&closed[0].batch), vec![(1, 10), (2, 49), (2, 50)]);
        let h = closed[0].batch.header();
        assert_eq!((h.from_l1_block, h.to_l1_block, h.leaf_count), (100, 103, 3));
        assert_eq!(a.closed_below(), 27, "the empty range 26 closed silently");
        // A checkpoint for a closed range is refused, never silently dropped.
        assert_eq!(
            a.add(cp(1, 11, 103)),
            Err(RangeError::RangeClosed { rollup_id: 1, height: 11, range: 25 })
        );
    }

    #[test]
    fn a_start_mid_range_skips_that_range() {
        let mut a = RangeAssembler::new(L1Ranges::new(4).unwrap(), [1], 102, 8);
        assert_eq!(
            a.add(cp(1, 1, 103)),
            Err(RangeError::RangeClosed { rollup_id: 1, height: 1, range: 25 })
        );
        a.add(cp(1, 2, 104)).unwrap();
        a.progress(1, 108, None);
        let closed = a.close_ready().unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].index, 26);
    }

    #[test]
    fn two_operators_derive_the_same_root_whatever_the_order() {
        let cps = [cp(1, 10, 100), cp(2, 7, 101), cp(1, 11, 102), cp(3, 1, 100)];
        let mut a = RangeAssembler::new(L1Ranges::new(4).unwrap(), [1, 2, 3], 100, 8);
        let mut b = RangeAssembler::new(L1Ranges::new(4).unwrap(), [3, 2, 1], 100, 8);
        for c in cps {
            a.add(c).unwrap();
        }
        for c in cps.iter().rev() {
            b.add(*c).unwrap();
        }
        for r in [1, 2, 3] {
            a.progress(r, 104, None);
            b.progress(r, 104, None);
        }
        let (ra, rb) = (a.close_ready().unwrap(), b.close_ready().unwrap());
        assert_eq!(ra, rb);
        assert_eq!(ra[0].batch.header().leaf_count, 4);
    }

    #[test]
    fn conflicts_and_unknown_rollups_are_refused_and_repeats_are_idempotent() {
        let mut a = RangeAssembler::new(L1Ranges::new(1).unwrap(), [1], 0, 8);
        a.add(cp(1, 5, 3)).unwrap();
        a.add(cp(1, 5, 3)).unwrap();
        let mut other = cp(1, 5, 3);
        other.block_hash = B256::repeat_byte(9);
        assert_eq!(a.add(other), Err(RangeError::Conflict { rollup_id: 1, height: 5 }));
        assert_eq!(a.add(cp(2, 5, 3)), Err(RangeError::UnknownRollup(2)));
        a.progress(1, 4, None);
        let closed = a.close_ready().unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].batch.header().leaf_count, 1);
    }

    #[test]
    fn a_reorg_reopens_the_ranges_and_rebuilds_them_with_the_other_rollups() {
        let mut a = RangeAssembler::new(L1Ranges::new(2).unwrap(), [1, 2], 100, 16);
        a.add(cp(1, 10, 100)).unwrap();
        a.add(cp(2, 20, 101)).unwrap();
        a.add(cp(1, 11, 102)).unwrap();
        a.progress(1, 104, None);
        a.progress(2, 104, None);
        let first = a.close_ready().unwrap();
        assert_eq!(first.len(), 2);
        let old_root = first[1].batch.header().root;

        // Rollup 1's batch transaction at 102 is reorged out and lands again at 103.
        assert_eq!(a.rewind(1, 102), Some(51));
        assert_eq!(a.closed_below(), 51);
        assert!(a.close_ready().unwrap().is_empty(), "rollup 1 must rescan from 102");
        let moved = cp(1, 11, 103);
        a.add(moved).unwrap();
        a.progress(1, 104, None);
        let again = a.close_ready().unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].index, 51);
        assert_eq!(again[0].batch.checkpoints(), &[moved]);
        assert_ne!(again[0].batch.header().root, old_root, "the moved leaf: another root");

        // Rollup 2's checkpoint in range 50 survived rollup 1's rewind at 102.
        assert_eq!(a.rewind(1, 100), Some(50));
        a.add(cp(1, 10, 100)).unwrap();
        a.add(moved).unwrap();
        a.progress(1, 104, None);
        let rebuilt = a.close_ready().unwrap();
        assert_eq!(heights(&rebuilt[0].batch), vec![(1, 10), (2, 20)]);
        assert_eq!(rebuilt[0].batch, first[0].batch, "the same range, the same root");
    }

    #[test]
    fn closed_ranges_are_kept_only_for_the_window() {
        let mut a = RangeAssembler::new(L1Ranges::new(1).unwrap(), [1], 0, 4);
        for h in 0..100 {
            a.add(cp(1, h, h)).unwrap();
        }
        a.progress(1, 100, None);
        assert_eq!(a.close_ready().unwrap().len(), 100);
        assert_eq!(a.held_ranges(), (96..100).collect());
        // A rewind past the window reopens only what is kept.
        assert_eq!(a.rewind(1, 10), Some(96));
    }
}
