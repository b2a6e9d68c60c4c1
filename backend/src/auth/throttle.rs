//! Sign-in rate limits, per account name and per client address.
//!
//! Failures are counted in the database (`sign_in_failures`), not in
//! process memory, so the limits hold across several backend instances on
//! PostgreSQL and survive restarts. Subjects are stored as keyed hashes:
//! an account name typed by mistake (say, an NIK) never lands at rest.
//! The limit is checked before the password is verified, so a limited
//! caller costs no Argon2 work. Only failures count: an office behind one
//! NAT address signing in all morning is not throttled.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{AppState, error::AppError, store};

pub const ACCOUNT: &str = "account";
pub const ADDRESS: &str = "address";

fn subject(state: &AppState, scope: &str, value: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(state.nik_key()) else { return String::new() };
    mac.update(b"padan/sign-in-throttle/v1\0");
    mac.update(scope.as_bytes());
    mac.update(b"\0");
    mac.update(value.trim().to_lowercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn window_ms(state: &AppState) -> i64 {
    state.config().security.sign_in_window_minutes as i64 * 60_000
}

/// Refuses with 429 (and `Retry-After`) when either limit is reached.
pub async fn check(state: &AppState, account: &str, address: &str) -> Result<(), AppError> {
    let security = &state.config().security;
    let now = state.clock().now_millis();
    let since = now - window_ms(state);
    let pool = state.store().pool();
    let limits = [
        (ACCOUNT, account, security.sign_in_max_failures_per_account),
        (ADDRESS, address, security.sign_in_max_failures_per_address),
    ];
    for (scope, value, max) in limits {
        if value.is_empty() {
            continue;
        }
        let (count, oldest) =
            store::sessions::sign_in_failures_since(pool, scope, &subject(state, scope, value), since).await?;
        if count >= i64::from(max) {
            // The window frees up when the oldest failure in it ages out.
            let free_at = oldest.unwrap_or(now) + window_ms(state);
            let retry_after_secs = ((free_at - now).max(1000) as u64).div_ceil(1000);
            return Err(AppError::RateLimited { scope, retry_after_secs });
        }
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, account: &str, address: &str) -> Result<(), AppError> {
    let now = state.clock().now_millis();
    let pool = state.store().pool();
    for (scope, value) in [(ACCOUNT, account), (ADDRESS, address)] {
        if !value.is_empty() {
            store::sessions::record_sign_in_failure(pool, scope, &subject(state, scope, value), now).await?;
        }
    }
    // Keep the table small; cheap with the index on `at`.
    store::sessions::purge_sign_in_failures(pool, now - window_ms(state)).await?;
    Ok(())
}
