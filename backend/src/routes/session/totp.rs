use axum::{extract::State, http::header, response::IntoResponse};
use padan_protocol::v1::{ApiError, SessionInfo, TotpCodeRequest};

use crate::{
    AppState,
    auth::{ClientAddress, PendingOfficer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// The second sign-in step: the 6-digit code from the authenticator app.
/// On success the session gets a new token (cookie) and CSRF token.
#[utoipa::path(post, path = "/api/v1/session/totp", tag = "session", request_body = TotpCodeRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = ApiError),
              (status = 401, description = "Wrong, stale or reused code", body = ApiError),
              (status = 403, body = ApiError), (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    PendingOfficer(officer): PendingOfficer,
    ApiJson(req): ApiJson<TotpCodeRequest>,
) -> Result<impl IntoResponse, AppError> {
    let signed_in = service::verify_totp(&state, &officer, &req.code, &request_id, &address).await?;
    let cookie = super::cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)))
}
