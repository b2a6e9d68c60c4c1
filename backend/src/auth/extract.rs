use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, Method, header, request::Parts},
};
use padan_protocol::v1::{CSRF_HEADER, OfficerInfo, Role, SessionStage};

use super::{same_token, token_hash};
use crate::{AppState, error::AppError, store};

pub const SESSION_COOKIE: &str = "padan_session";
/// Under HTTPS the `__Host-` prefix pins the cookie to this exact origin.
pub const SESSION_COOKIE_SECURE: &str = "__Host-padan_session";

/// Sessions are "touched" at most this often, so reads do not turn into a
/// database write per request.
const TOUCH_EVERY_MS: i64 = 15_000;

/// A signed-in officer. Extracting it checks the session (idle and absolute
/// expiry), that sign-in is complete (second factor done), and, for
/// state-changing methods, the CSRF token: a handler that takes an `Officer`
/// is authenticated and CSRF-safe by construction.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: i64,
    pub info: OfficerInfo,
    pub token_hash: String,
    pub csrf_token: String,
    /// `complete` for an [`Officer`]; see [`PendingOfficer`].
    pub stage: SessionStage,
}

/// A session at any stage, also one that has passed the password but not
/// yet the second factor. Only the second-factor steps and sign-out take it.
#[derive(Debug, Clone)]
pub struct PendingOfficer(pub Officer);

pub fn stage_from_db(stage: &str) -> SessionStage {
    match stage {
        "totp_required" => SessionStage::TotpRequired,
        "totp_enrolment_required" => SessionStage::TotpEnrolmentRequired,
        _ => SessionStage::Complete,
    }
}

pub fn stage_to_db(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Complete => "complete",
        SessionStage::TotpRequired => "totp_required",
        SessionStage::TotpEnrolmentRequired => "totp_enrolment_required",
    }
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
        let PendingOfficer(officer) = PendingOfficer::from_request_parts(parts, state).await?;
        if officer.stage != SessionStage::Complete {
            return Err(AppError::SecondFactorRequired);
        }
        Ok(officer)
    }
}

impl FromRequestParts<AppState> for PendingOfficer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let started = std::time::Instant::now();
        let token = session_cookie_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(&token);
        let pool = state.store().pool();
        let (session, officer) = store::sessions::get_with_officer_cached(pool, state.store().session_cache(), &hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
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
            let _slot = state.store().write_slot().await;
            store::sessions::touch(pool, &hash, now).await?;
        }
        metrics::histogram!("padan_session_check_seconds").record(started.elapsed().as_secs_f64());
        // Who is acting, on the request's log span (ids and codes only).
        let span = tracing::Span::current();
        span.record("officer_id", officer.id);
        span.record("office", officer.info.office.code.as_str());
        Ok(PendingOfficer(Officer {
            id: officer.id,
            info: officer.info,
            token_hash: hash,
            csrf_token: session.csrf_token,
            stage: stage_from_db(&session.stage),
        }))
    }
}

/// The client's address: the TCP peer, or, behind a reverse proxy, what the
/// proxy wrote in `server.client_ip_header` (rightmost value: the one the
/// proxy itself appended). Empty when unknown.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let from_header = state.config().server.client_ip_header.as_deref().and_then(|name| {
            parts.headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).map(str::trim)
        });
        let address = match from_header {
            Some(a) if !a.is_empty() => a.chars().take(64).collect(),
            _ => parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        };
        Ok(Self(address))
    }
}
