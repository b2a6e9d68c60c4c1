//! A circuit breaker per Dukcapil service (web-service gateway, face
//! recognition). While Dukcapil is down, officers get an immediate "service
//! unavailable" instead of waiting out a timeout each, and Dukcapil is not
//! hammered; after a cool-down one probe goes through, and its success
//! closes the circuit again. Time comes from the injected clock.

use std::sync::Mutex;

use crate::clock::SharedClock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed {
        failures: u32,
    },
    Open {
        until_ms: i64,
    },
    /// One probe is in flight; others still fail fast.
    HalfOpen,
}

#[derive(Debug)]
pub struct Breaker {
    name: &'static str,
    threshold: u32,
    cooldown_ms: i64,
    state: Mutex<State>,
}

/// What the caller must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    Go,
    /// Fail fast.
    Refused,
}

impl Breaker {
    pub fn new(name: &'static str, threshold: u32, cooldown_ms: i64) -> Self {
        Self { name, threshold: threshold.max(1), cooldown_ms, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn state(&self) -> State {
        *self.lock()
    }

    pub fn permit(&self, clock: &SharedClock) -> Permit {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Permit::Go,
            State::Open { until_ms } if clock.now_millis() >= until_ms => {
                *state = State::HalfOpen;
                Permit::Go
            }
            State::Open { .. } | State::HalfOpen => Permit::Refused,
        }
    }

    pub fn success(&self) {
        let mut state = self.lock();
        if *state != (State::Closed { failures: 0 }) {
            if !matches!(*state, State::Closed { .. }) {
                tracing::info!(service = self.name, "Dukcapil circuit closed again");
                metrics::gauge!("padan_upstream_circuit_open", "service" => self.name).set(0.0);
            }
            *state = State::Closed { failures: 0 };
        }
    }

    /// Records an availability failure; returns true when this opened the circuit.
    pub fn failure(&self, clock: &SharedClock) -> bool {
        let mut state = self.lock();
        let open = State::Open { until_ms: clock.now_millis() + self.cooldown_ms };
        match *state {
            State::Closed { failures } if failures + 1 >= self.threshold => {
                *state = open;
            }
            State::Closed { failures } => {
                *state = State::Closed { failures: failures + 1 };
                return false;
            }
            State::HalfOpen | State::Open { .. } => *state = open,
        }
        tracing::warn!(service = self.name, cooldown_ms = self.cooldown_ms, "Dukcapil circuit opened");
        metrics::gauge!("padan_upstream_circuit_open", "service" => self.name).set(1.0);
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::{Duration, macros::datetime};

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn opens_after_threshold_probes_after_cooldown_and_recovers() {
        let manual = ManualClock::new(datetime!(2026-11-22 03:00 UTC));
        let clock: SharedClock = manual.clone();
        let b = Breaker::new("test", 3, 30_000);
        assert!(!b.failure(&clock));
        assert!(!b.failure(&clock));
        assert_eq!(b.permit(&clock), Permit::Go);
        assert!(b.failure(&clock), "third failure opens");
        assert_eq!(b.permit(&clock), Permit::Refused);
        manual.advance(Duration::seconds(29));
        assert_eq!(b.permit(&clock), Permit::Refused);
        manual.advance(Duration::seconds(1));
        assert_eq!(b.permit(&clock), Permit::Go, "one probe after the cool-down");
        assert_eq!(b.permit(&clock), Permit::Refused, "only one probe at a time");
        assert!(b.failure(&clock), "failed probe re-opens");
        manual.advance(Duration::seconds(30));
        assert_eq!(b.permit(&clock), Permit::Go);
        b.success();
        assert_eq!(b.state(), State::Closed { failures: 0 });
        let _ = Arc::clone(&manual);
    }

    #[test]
    fn a_success_resets_the_count() {
        let clock: SharedClock = ManualClock::new(datetime!(2026-11-22 03:00 UTC));
        let b = Breaker::new("test", 2, 1000);
        b.failure(&clock);
        b.success();
        assert!(!b.failure(&clock));
    }
}
