use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use padan_protocol::v1::{ApiError, SessionInfo, TotpCodeRequest};

use crate::{
    AppState,
    auth::{ClientAddress, PendingOfficer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Confirms the enrolment with one code from the app. A session that had to
/// enrol first becomes complete, under a new token (cookie).
#[utoipa::path(post, path = "/api/v1/account/totp/enrolment/confirm", tag = "account", request_body = TotpCodeRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = ApiError), (status = 401, body = ApiError),
              (status = 403, body = ApiError), (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    PendingOfficer(officer): PendingOfficer,
    ApiJson(req): ApiJson<TotpCodeRequest>,
) -> Result<Response, AppError> {
    let signed_in = service::confirm_totp_enrolment(&state, &officer, &req.code, &request_id, &address).await?;
    if signed_in.token.is_empty() {
        return Ok(ApiJson(signed_in.session).into_response());
    }
    let cookie = super::super::session::cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)).into_response())
}
