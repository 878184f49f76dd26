//! Keyed token buckets: per operator key, per source address, per anything hashable.
//!
//! The map is bounded: when it is full, idle buckets (refilled to the burst, so
//! indistinguishable from a fresh one) are dropped; if it is still full, keys it does not track
//! share one overflow bucket, so a flood of made-up keys cannot grow memory nor throttle the
//! keys already tracked.
//!
//! Two ways to spend: [`RateLimiter::check`] takes a token before the work (a plain rate
//! limit); [`RateLimiter::peek`] then [`RateLimiter::charge`] refuses only a key whose budget
//! is spent and charges it only for what went wrong (a *failure budget*: a source is charged
//! for signatures that did not verify, never for the ones that did).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// How often a full map may be swept for idle buckets (a sweep is linear in its size).
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Self {
        Self { tokens: burst, last: now }
    }

    fn refill(&mut self, rate: f64, burst: f64, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = elapsed.mul_add(rate, self.tokens).min(burst);
        self.last = now;
    }

    /// Takes one token, or says how long until one is available.
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        self.refill(rate, burst, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(((1.0 - self.tokens) / rate).max(0.0)))
        }
    }

    fn is_idle(&self, rate: f64, burst: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        elapsed.mul_add(rate, self.tokens) >= burst
    }
}

#[derive(Debug)]
struct Buckets<K> {
    by_key: HashMap<K, Bucket>,
    overflow: Bucket,
    last_sweep: Instant,
}

/// Token buckets keyed by `K`: `rate` tokens per second, bursts of up to `burst`.
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: f64,
    burst: f64,
    max_keys: usize,
    buckets: Mutex<Buckets<K>>,
}

impl<K: Hash + Eq + Copy> RateLimiter<K> {
    /// A limiter of `rate` per second (at least 1) and bursts of `burst` (at least 1),
    /// tracking at most `max_keys` keys (at least 1).
    pub fn new(rate: u32, burst: u32, max_keys: usize) -> Self {
        let now = Instant::now();
        let burst = f64::from(burst.max(1));
        Self {
            rate: f64::from(rate.max(1)),
            burst,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                overflow: Bucket::full(burst, now),
                last_sweep: now,
            }),
        }
    }

    /// Takes a token for `key`, or returns how long to wait for one.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// Whether `key` has a token, without taking it (or how long until it has one).
    pub fn peek(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let (rate, burst) = (self.rate, self.burst);
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = &mut *guard;
        let tracked = buckets.by_key.len();
        let bucket = match buckets.by_key.get_mut(key) {
            Some(b) => b,
            None if tracked >= self.max_keys => &mut buckets.overflow,
            None => return Ok(()),
        };
        bucket.refill(rate, burst, now);
        if bucket.tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64(((1.0 - bucket.tokens) / rate).max(0.0)))
        }
    }

    /// Charges `key` one token, whether or not it has one (its budget then stays spent until
    /// it refills). Returns whether the budget is now spent.
    pub fn charge(&self, key: &K) -> bool {
        let _ = self.check(key);
        self.peek(key).is_err()
    }

    /// Gives back a token taken by [`RateLimiter::check`] (never above the burst): a
    /// *reserve-then-refund* budget holds one token per item in flight and keeps only those of
    /// items that failed, so a source with many honest items in flight is never charged and one
    /// with failures can have at most the burst in flight.
    pub fn refund(&self, key: &K) {
        let now = Instant::now();
        let (rate, burst) = (self.rate, self.burst);
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bucket) = guard.by_key.get_mut(key) {
            bucket.refill(rate, burst, now);
            bucket.tokens = (bucket.tokens + 1.0).min(burst);
        }
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let (rate, burst) = (self.rate, self.burst);
        // Buckets are plain numbers, valid whatever a panicking holder left: a poisoned lock
        // is usable.
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = &mut *guard;
        if let Some(bucket) = buckets.by_key.get_mut(key) {
            return bucket.take(rate, burst, now);
        }
        if buckets.by_key.len() >= self.max_keys
            && now.saturating_duration_since(buckets.last_sweep) >= SWEEP_INTERVAL
        {
            buckets.by_key.retain(|_, b| !b.is_idle(rate, burst, now));
            buckets.last_sweep = now;
        }
        if buckets.by_key.len() >= self.max_keys {
            return buckets.overflow.take(rate, burst, now);
        }
        let mut bucket = Bucket::full(burst, now);
        let taken = bucket.take(rate, burst, now);
        buckets.by_key.insert(*key, bucket);
        taken
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).by_key.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key(i: u8) -> [u8; 4] {
        [i; 4]
    }

    #[test]
    fn burst_then_refill() {
        let limiter = RateLimiter::new(10, 3, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(&key(1), t0).is_ok());
        }
        let wait = limiter.check_at(&key(1), t0).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100), "{wait:?}");
        // Another key has its own bucket.
        assert!(limiter.check_at(&key(2), t0).is_ok());
        // 100 ms at 10/s refills one token.
        let t1 = t0 + Duration::from_millis(100);
        assert!(limiter.check_at(&key(1), t1).is_ok());
        assert!(limiter.check_at(&key(1), t1).is_err());
    }

    #[test]
    fn map_is_bounded_and_idle_keys_are_evicted() {
        let limiter = RateLimiter::new(1, 1, 2);
        let t0 = Instant::now();
        assert!(limiter.check_at(&key(1), t0).is_ok());
        assert!(limiter.check_at(&key(2), t0).is_ok());
        // Full of busy keys: new keys share the overflow bucket.
        assert!(limiter.check_at(&key(3), t0).is_ok());
        assert!(limiter.check_at(&key(4), t0).is_err());
        assert_eq!(limiter.tracked(), 2);
        // Later the tracked keys are idle (refilled) and get evicted to make room.
        let t1 = t0 + Duration::from_secs(5);
        assert!(limiter.check_at(&key(5), t1).is_ok());
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn peek_does_not_spend_and_charge_does() {
        let limiter = RateLimiter::new(1, 2, 100);
        for _ in 0..10 {
            assert!(limiter.peek(&key(1)).is_ok(), "peeking spends nothing");
        }
        assert!(!limiter.charge(&key(1)), "one of two tokens left");
        assert!(limiter.charge(&key(1)), "spent");
        assert!(limiter.peek(&key(1)).is_err());
        assert!(limiter.peek(&key(2)).is_ok(), "another key is not charged");
    }

    #[test]
    fn refunded_tokens_come_back_up_to_the_burst() {
        let limiter = RateLimiter::new(1, 2, 100);
        assert!(limiter.check(&key(1)).is_ok());
        assert!(limiter.check(&key(1)).is_ok());
        assert!(limiter.check(&key(1)).is_err(), "both reserved");
        limiter.refund(&key(1));
        assert!(limiter.check(&key(1)).is_ok(), "a refunded token can be taken again");
        for _ in 0..5 {
            limiter.refund(&key(1));
        }
        assert!(limiter.check(&key(1)).is_ok());
        assert!(limiter.check(&key(1)).is_ok());
        assert!(limiter.check(&key(1)).is_err(), "refunds never lift it above the burst");
    }
}
