use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, Method, header, request::Parts},
};
use padan_protocol::v1::{CSRF_HEADER, OfficerInfo, Role};

use super::{same_token, token_hash};
use crate::{AppState, error::AppError, store};

pub const SESSION_COOKIE: &str = "padan_session";
/// Under HTTPS the `__Host-` prefix pins the cookie to this exact origin.
pub const SESSION_COOKIE_SECURE: &str = "__Host-padan_session";

/// Sessions are "touched" at most this often, so reads do not turn into a
/// database write per request.
const TOUCH_EVERY_MS: i64 = 15_000;

/// A signed-in officer. Extracting it checks the session (idle and absolute
/// expiry) and, for state-changing methods, the CSRF token: a handler that
/// takes an `Officer` is authenticated and CSRF-safe by construction.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: i64,
    pub info: OfficerInfo,
    pub token_hash: String,
    pub csrf_token: String,
}

impl Officer {
    /// Only roles that verify on BKN's behalf may query Dukcapil.
    pub fn ensure_may_verify(&self) -> Result<(), AppError> {
        if self.info.role.may_verify() { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Agreements, readers and alerts are administered by admins only.
    pub fn ensure_admin(&self) -> Result<(), AppError> {
        if self.info.role == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Admins and auditors (who monitor compliance) may read the agreements.
    pub fn ensure_may_read_agreements(&self) -> Result<(), AppError> {
        if matches!(self.info.role, Role::Admin | Role::Auditor) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

pub fn session_cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE || *name == SESSION_COOKIE_SECURE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_cookie_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(&token);
        let pool = state.store().pool();
        let (session, officer) =
            store::sessions::get_with_officer(pool, &hash).await?.ok_or(AppError::Unauthenticated)?;
        let now = state.clock().now_millis();
        let idle_ms = state.idle_timeout_ms();
        if now >= session.expires_at || now - session.last_seen_at >= idle_ms {
            store::sessions::delete(pool, &hash).await?;
            return Err(AppError::SessionExpired);
        }
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !same_token(sent, &session.csrf_token) {
                return Err(AppError::Csrf);
            }
        }
        if !officer.active {
            store::sessions::delete(pool, &hash).await?;
            return Err(AppError::Unauthenticated);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS {
            store::sessions::touch(pool, &hash, now).await?;
        }
        Ok(Officer { id: officer.id, info: officer.info, token_hash: hash, csrf_token: session.csrf_token })
    }
}
