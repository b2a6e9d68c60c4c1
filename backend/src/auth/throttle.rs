//! Sign-in rate limits, per account name and per client address.
//!
//! Failures never lock an account: five requests from anyone must not keep
//! its owner out, and an answer that differs for known names tells which
//! accounts exist. Instead repeated failures slow whoever makes them:
//! - per **account name** (known or not, answered alike): after
//!   `sign_in_max_failures_per_account` failures in the window, each further
//!   attempt must wait twice as long after the latest failure as the one
//!   before (1 s, 2 s, 4 s …), at most `sign_in_max_delay_seconds`. The owner
//!   waits seconds, never a quarter of an hour; a guesser gets a few dozen
//!   tries per window instead of thousands.
//! - per **client address**: `sign_in_max_failures_per_address` failures in
//!   the window, then nothing more from that address until the oldest ages
//!   out. A guesser cannot keep an account slowed from one address for long.
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

use crate::{
    AppState,
    error::AppError,
    store::{self, sessions::Failures},
};

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

/// How long an account name must rest after its latest failure, given
/// `count` failures in the window: nothing up to the free allowance, then
/// 1 s, doubling with each further failure, capped.
pub fn account_delay_ms(count: i64, free: u32, max_delay_secs: u64) -> i64 {
    let over = count - i64::from(free);
    if over < 0 {
        return 0;
    }
    let doubled = 1_000_i64.saturating_mul(1_i64 << over.min(30));
    doubled.min(max_delay_secs.saturating_mul(1000) as i64)
}

async fn failures(state: &AppState, scope: &str, value: &str) -> Result<Failures, AppError> {
    let since = state.clock().now_millis() - window_ms(state);
    Ok(store::sessions::sign_in_failures_since(state.store().pool(), scope, &subject(state, scope, value), since)
        .await?)
}

/// Failures of an account name within the window (for the admin alert).
pub async fn account_failures(state: &AppState, account: &str) -> Result<i64, AppError> {
    Ok(failures(state, ACCOUNT, account).await?.count)
}

/// Refuses with 429 (and `Retry-After`) while either limit holds.
pub async fn check(state: &AppState, account: &str, address: &str) -> Result<(), AppError> {
    let security = &state.config().security;
    let now = state.clock().now_millis();
    let retry = |free_at: i64| ((free_at - now).max(1000) as u64).div_ceil(1000);
    if !address.is_empty() {
        let f = failures(state, ADDRESS, address).await?;
        if f.count >= i64::from(security.sign_in_max_failures_per_address) {
            // The window frees up when the oldest failure in it ages out.
            let free_at = f.oldest_ms.unwrap_or(now) + window_ms(state);
            return Err(AppError::RateLimited { scope: ADDRESS, retry_after_secs: retry(free_at) });
        }
    }
    if !account.is_empty() {
        let f = failures(state, ACCOUNT, account).await?;
        let delay =
            account_delay_ms(f.count, security.sign_in_max_failures_per_account, security.sign_in_max_delay_seconds);
        let free_at = f.latest_ms.unwrap_or(now) + delay;
        if delay > 0 && now < free_at {
            return Err(AppError::RateLimited { scope: ACCOUNT, retry_after_secs: retry(free_at) });
        }
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, account: &str, address: &str) -> Result<(), AppError> {
    let now = state.clock().now_millis();
    let pool = state.store().pool();
    {
        let _slot = state.store().write_slot().await;
        for (scope, value) in [(ACCOUNT, account), (ADDRESS, address)] {
            if !value.is_empty() {
                store::sessions::record_sign_in_failure(pool, scope, &subject(state, scope, value), now).await?;
            }
        }
        // Keep the table small; cheap with the index on `at`.
        store::sessions::purge_sign_in_failures(pool, now - window_ms(state)).await?;
    }
    if !address.is_empty() {
        let f = failures(state, ADDRESS, address).await?;
        if f.count == i64::from(state.config().security.sign_in_max_failures_per_address) {
            let message = format!(
                "Alamat {address}: {} kali gagal masuk dalam {} menit; masuk dari alamat ini ditahan sementara. \
                 Periksa apakah ada upaya menebak kata sandi.",
                f.count,
                state.config().security.sign_in_window_minutes
            );
            raise_alert(state, &format!("sign_in_address:{address}"), &message).await;
        }
    }
    Ok(())
}

/// Sign-in alerts go to the admins' alert list (kind `security`),
/// deduplicated by `code` while unresolved.
pub async fn raise_alert(state: &AppState, code: &str, message: &str) {
    let now = state.clock().now_millis();
    if let Err(e) = store::alerts::raise(state.store(), "security", Some(code), message, now).await {
        tracing::error!(error = %e, "could not raise a sign-in alert");
    }
}

#[cfg(test)]
mod tests {
    use super::account_delay_ms;

    #[test]
    fn the_delay_doubles_after_the_free_failures_and_is_capped() {
        let delays: Vec<i64> = (0..=18).map(|n| account_delay_ms(n, 10, 60)).collect();
        assert_eq!(&delays[..10], &[0; 10]);
        assert_eq!(&delays[10..], &[1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
        assert_eq!(account_delay_ms(i64::MAX, 10, 60), 60_000);
        assert_eq!(account_delay_ms(3, 0, 0), 0, "a zero cap means no slowdown");
    }
}
