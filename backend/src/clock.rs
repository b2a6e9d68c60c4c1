//! The one source of "now". Agreement validity, session expiry, lockouts
//! and quotas all read it, so tests can move time instead of sleeping.

use std::sync::{Arc, Mutex};

use time::{Date, Duration, OffsetDateTime, UtcOffset};

pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Today's date in Western Indonesia Time (UTC+7), the agreements' frame
    /// of reference: an agreement "valid until 30 June" is valid all that day
    /// in Jakarta.
    fn today(&self) -> Date {
        self.now().to_offset(WIB).date()
    }

    fn now_millis(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

pub const WIB: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. For tests and benchmarks.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A Unix-ms instant as officers read it: `YYYY-MM-DD HH:MM WIB`.
pub fn wib(ms: i64) -> String {
    let t = millis_to_datetime(ms).to_offset(WIB);
    format!("{} {:02}:{:02} WIB", t.date(), t.hour(), t.minute())
}

pub fn millis_to_datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
