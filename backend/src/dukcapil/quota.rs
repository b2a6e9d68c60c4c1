//! Dukcapil's daily quota, as its answers report it (`quotaLimiter`).
//!
//! When Dukcapil answers code 05 the quota is spent until midnight WIB: the
//! mechanisms behind it close until then instead of spending calls on
//! certain refusals.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, Time};

use crate::clock::{SharedClock, WIB};

const UNKNOWN: i64 = i64::MIN;

#[derive(Debug)]
pub struct QuotaTracker {
    remaining: AtomicI64,
    exhausted_until_ms: AtomicI64,
}

impl Default for QuotaTracker {
    fn default() -> Self {
        Self { remaining: AtomicI64::new(UNKNOWN), exhausted_until_ms: AtomicI64::new(0) }
    }
}

impl QuotaTracker {
    pub fn remaining(&self) -> Option<i64> {
        Some(self.remaining.load(Ordering::Relaxed)).filter(|r| *r != UNKNOWN)
    }

    /// Records a reported remainder; returns the previous one.
    pub fn observe(&self, remaining: i64) -> Option<i64> {
        Some(self.remaining.swap(remaining, Ordering::Relaxed)).filter(|r| *r != UNKNOWN)
    }

    pub fn exhausted(&self, clock: &SharedClock) {
        let now = clock.now().to_offset(WIB);
        let midnight = (now.date() + Duration::days(1)).with_time(Time::MIDNIGHT).assume_offset(WIB);
        let until = (midnight.unix_timestamp_nanos() / 1_000_000) as i64;
        self.exhausted_until_ms.store(until, Ordering::Relaxed);
        self.remaining.store(0, Ordering::Relaxed);
    }

    /// `Some(reset time in ms)` while the quota is known to be spent.
    pub fn exhausted_until(&self, clock: &SharedClock) -> Option<i64> {
        let until = self.exhausted_until_ms.load(Ordering::Relaxed);
        (clock.now_millis() < until).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn exhaustion_lasts_until_midnight_wib() {
        let manual = ManualClock::new(datetime!(2026-11-22 10:00 +7));
        let clock: SharedClock = manual.clone();
        let q = QuotaTracker::default();
        assert_eq!(q.remaining(), None);
        assert_eq!(q.observe(50), None);
        assert_eq!(q.observe(49), Some(50));
        q.exhausted(&clock);
        assert!(q.exhausted_until(&clock).is_some());
        manual.set(datetime!(2026-11-22 23:59 +7));
        assert!(q.exhausted_until(&clock).is_some());
        manual.set(datetime!(2026-11-23 00:00 +7));
        assert_eq!(q.exhausted_until(&clock), None);
    }
}
