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
    /// When this session began (its sign-in), Unix ms.
    pub session_created_at: i64,
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

    /// Admins, auditors and supervisors (their own office) read the trail.
    pub fn ensure_may_read_audit(&self) -> Result<(), AppError> {
        crate::audit::query::office_scope(self).map(|_| ())
    }

    /// Admins and auditors (who monitor compliance) may read the agreements.
    pub fn ensure_may_read_agreements(&self) -> Result<(), AppError> {
        if matches!(self.info.role, Role::Admin | Role::Auditor) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// The session token the request carries, under the one cookie name this
/// server sets: `__Host-padan_session` under HTTPS (a cookie no other host
/// or path, nor plain HTTP, can set), `padan_session` otherwise. The other
/// name is ignored: under HTTPS a `padan_session` planted by a sibling host
/// or a plain-HTTP response must not choose the session. Two different
/// values under the accepted name are ambiguous and choose none.
pub fn session_cookie_token(headers: &HeaderMap, https: bool) -> Option<String> {
    let accepted = if https { SESSION_COOKIE_SECURE } else { SESSION_COOKIE };
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == accepted)
        .map(|(_, value)| value);
    let first = values.next()?;
    if values.any(|other| other != first) {
        return None;
    }
    Some(first.to_owned()).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
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
        let token =
            session_cookie_token(&parts.headers, state.config().server.https).ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(&token);
        let (session, officer) =
            store::sessions::get_with_officer_cached(state.store(), &hash).await?.ok_or(AppError::Unauthenticated)?;
        let now = state.clock().now_millis();
        let idle_ms = state.idle_timeout_ms();
        if now >= session.expires_at || now - session.last_seen_at >= idle_ms {
            store::sessions::delete(state.store(), &hash).await?;
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
            store::sessions::delete(state.store(), &hash).await?;
            return Err(AppError::Unauthenticated);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS {
            let _slot = state.store().write_slot().await;
            store::sessions::touch(state.store(), &hash, now).await?;
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
            session_created_at: session.created_at,
        }))
    }
}

/// Extractors that admit one kind of officer. Handlers take them *before*
/// the body or query, so a caller without the role is refused (403) before
/// anything of the request is parsed: the answer never tells them the
/// schema of what they may not send. The service keeps its own check too.
macro_rules! role_gate {
    ($(#[$doc:meta])* $name:ident, $check:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Officer);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let officer = Officer::from_request_parts(parts, state).await?;
                officer.$check()?;
                Ok(Self(officer))
            }
        }
    };
}

role_gate!(
    /// An officer whose role verifies on BKN's behalf (may query Dukcapil).
    Verifier,
    ensure_may_verify
);
role_gate!(
    /// An admin.
    Admin,
    ensure_admin
);
role_gate!(
    /// An officer who may read the audit trail (admins, auditors, supervisors).
    AuditReader,
    ensure_may_read_audit
);

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
