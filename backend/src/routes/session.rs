//! Signing in and out.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use padan_protocol::v1::{ApiError, SessionInfo, SignInRequest, TotpCodeRequest};

use crate::{
    AppState,
    auth::{
        ClientAddress, Officer, PendingOfficer, SESSION_COOKIE, SESSION_COOKIE_SECURE, service, session_cookie_token,
    },
    error::{ApiJson, AppError},
    web::RequestId,
};

/// `Set-Cookie` for a session token (or its removal when `token` is None).
pub(crate) fn cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let https = state.config().server.https;
    let name = if https { SESSION_COOKIE_SECURE } else { SESSION_COOKIE };
    let secure = if https { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!("{name}={t}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in officer, and the CSRF token to echo. A session that has
/// not finished its second factor is not "signed in" here (403).
#[utoipa::path(get, path = "/api/v1/session",
    operation_id = "handler", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn show(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<SessionInfo>, AppError> {
    Ok(ApiJson(service::session_with_notices(&state, &officer).await?))
}

/// Sign in. Sets the session cookie; a new session on every sign-in. When
/// `stage` is not `complete`, the second factor comes next.
#[utoipa::path(post, path = "/api/v1/session",
    operation_id = "handler", tag = "session", request_body = SignInRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError),
              (status = 429, description = "Too many failed attempts; see Retry-After", body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, AppError> {
    let previous = session_cookie_token(&headers, state.config().server.https);
    let signed_in = service::sign_in(&state, &req.username, &req.password, previous, &request_id, &address).await?;
    let cookie = cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)))
}

/// Sign out: ends the session on the server and clears the cookie (also a
/// session still waiting for its second factor).
#[utoipa::path(delete, path = "/api/v1/session",
    operation_id = "handler", tag = "session",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    PendingOfficer(officer): PendingOfficer,
) -> Result<impl IntoResponse, AppError> {
    service::sign_out(&state, &officer, &request_id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie(&state, None))]))
}

/// The second sign-in step: the 6-digit code from the authenticator app.
/// On success the session gets a new token (cookie) and CSRF token.
#[utoipa::path(post, path = "/api/v1/session/totp",
    operation_id = "handler", tag = "session", request_body = TotpCodeRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = ApiError),
              (status = 401, description = "Wrong, stale or reused code", body = ApiError),
              (status = 403, body = ApiError), (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn totp(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    PendingOfficer(officer): PendingOfficer,
    ApiJson(req): ApiJson<TotpCodeRequest>,
) -> Result<impl IntoResponse, AppError> {
    let signed_in = service::verify_totp(&state, &officer, &req.code, &request_id, &address).await?;
    let cookie = cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)))
}

/// "Keluar dari semua perangkat": ends every session of the signed-in
/// officer, on every device, this one included.
#[utoipa::path(post, path = "/api/v1/session/revoke-all",
    operation_id = "handler", tag = "session",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn revoke_all(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
) -> Result<impl IntoResponse, AppError> {
    service::sign_out_everywhere(&state, &officer, &request_id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie(&state, None))]))
}
