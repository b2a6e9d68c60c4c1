//! Sign-in and sign-out.

use padan_protocol::v1::SessionInfo;
use time::Duration;

use super::{password, random_token, token_hash};
use crate::{
    AppState,
    clock::{WIB, millis_to_datetime},
    error::AppError,
    store::{self, audit::AuditRecord},
};

/// A PHC string for a password nobody has, verified when the username is
/// unknown so that both paths take the same time.
pub fn dummy_hash() -> String {
    password::hash(&random_token()).unwrap_or_default()
}

#[derive(Debug)]
pub struct SignedIn {
    pub session: SessionInfo,
    /// The cookie value; only its hash is stored.
    pub token: String,
}

fn security_event(state: &AppState, request_id: &str, event: &str, username: &str, outcome: &str) -> AuditRecord {
    AuditRecord {
        at: state.clock().now_millis(),
        request_id: request_id.to_owned(),
        event: event.to_owned(),
        username: Some(username.chars().take(64).collect()),
        client: "spa".to_owned(),
        outcome: outcome.to_owned(),
        ..AuditRecord::default()
    }
}

pub async fn sign_in(
    state: &AppState,
    username: &str,
    password_given: &str,
    previous_token: Option<String>,
    request_id: &str,
) -> Result<SignedIn, AppError> {
    let pool = state.store().pool();
    let username = username.trim();
    let now = state.clock().now_millis();
    let Some(officer) = store::officers::by_username(pool, username).await?.filter(|o| o.active) else {
        password::verify_async(password_given.to_owned(), state.dummy_hash().to_owned()).await;
        crate::audit::append(state, &security_event(state, request_id, "sign_in", username, "unknown_user")).await?;
        return Err(AppError::InvalidCredentials);
    };
    let mut event = security_event(state, request_id, "sign_in", username, "ok");
    event.officer_id = Some(officer.id);
    event.office_code = Some(officer.info.office.code.clone());
    event.role = Some(officer.info.role.as_str().to_owned());

    if let Some(until) = officer.locked_until.filter(|u| *u > now) {
        event.outcome = "locked".into();
        crate::audit::append(state, &event).await?;
        return Err(AppError::AccountLocked { until: hhmm(until) });
    }
    if !password::verify_async(password_given.to_owned(), officer.password_hash.clone()).await {
        let security = &state.config().security;
        let attempts = officer.failed_attempts + 1;
        if attempts >= i64::from(security.lockout_attempts) {
            let until = now + Duration::minutes(security.lockout_minutes as i64).whole_milliseconds() as i64;
            store::officers::record_failure(pool, officer.id, Some(until)).await?;
            event.event = "lockout".into();
            event.outcome = "locked".into();
            event.detail = Some(format!("{attempts} failed sign-ins in a row"));
            crate::audit::append(state, &event).await?;
            return Err(AppError::AccountLocked { until: hhmm(until) });
        }
        store::officers::record_failure(pool, officer.id, None).await?;
        event.outcome = "wrong_password".into();
        crate::audit::append(state, &event).await?;
        return Err(AppError::InvalidCredentials);
    }

    store::officers::record_success(pool, officer.id).await?;
    // A new session on every sign-in (no fixation); the old one, if any, ends.
    if let Some(old) = previous_token {
        store::sessions::delete(pool, &token_hash(&old)).await?;
    }
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now + state.absolute_timeout_ms();
    store::sessions::insert(pool, &token_hash(&token), officer.id, &csrf_token, now, expires_at).await?;
    crate::audit::append(state, &event).await?;
    Ok(SignedIn {
        session: SessionInfo {
            officer: officer.info,
            csrf_token,
            idle_timeout_secs: (state.idle_timeout_ms() / 1000) as u64,
        },
        token,
    })
}

pub async fn sign_out(state: &AppState, officer: &crate::auth::Officer, request_id: &str) -> Result<(), AppError> {
    store::sessions::delete(state.store().pool(), &officer.token_hash).await?;
    let mut event = crate::audit::for_officer(state, officer, request_id, "sign_out");
    event.outcome = "ok".into();
    crate::audit::append(state, &event).await?;
    Ok(())
}

fn hhmm(ms: i64) -> String {
    let t = millis_to_datetime(ms).to_offset(WIB);
    format!("{:02}.{:02} WIB", t.hour(), t.minute())
}
