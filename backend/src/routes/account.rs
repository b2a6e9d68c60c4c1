//! The signed-in officer's own account: password and second factor.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use padan_protocol::v1::{
    AccountInfo, AcknowledgeNoticesRequest, ApiError, ChangePasswordRequest, PASSWORD_MIN_LENGTH, SessionInfo,
    StartTotpEnrolmentRequest, TotpCodeRequest, TotpEnrolment,
};

use crate::{
    AppState,
    auth::{ClientAddress, Officer, PendingOfficer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// What the officer's account has set up (second factor) and must follow.
#[utoipa::path(get, path = "/api/v1/account",
    operation_id = "handler", tag = "account",
    responses((status = 200, body = AccountInfo), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn show(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<AccountInfo>, AppError> {
    Ok(ApiJson(AccountInfo {
        totp_enrolled: service::totp_enrolled(&state, &officer).await?,
        totp_required: service::totp_required_for(&state, &officer),
        password_min_length: PASSWORD_MIN_LENGTH as u32,
    }))
}

/// Changes the password: the current one is required, the new one must pass
/// the policy (length, not common or breached, not the username or NIP).
/// Every other session of the officer ends.
#[utoipa::path(post, path = "/api/v1/account/password",
    operation_id = "handler", tag = "account", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, description = "Wrong current password or policy not met", body = ApiError),
              (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn password(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    officer: Officer,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, AppError> {
    service::change_password(&state, &officer, &req.current_password, &req.new_password, &request_id, &address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts enrolling an authenticator app: a new secret, shown once, to be
/// confirmed with one code. Open to complete sessions and to sessions that
/// must enrol before anything else (admins, auditors). Replacing an
/// enrolled authenticator takes a code from it; a first enrolment outside
/// sign-in takes the password.
#[utoipa::path(post, path = "/api/v1/account/totp/enrolment",
    operation_id = "handler", tag = "account",
    request_body = StartTotpEnrolmentRequest,
    responses((status = 200, body = TotpEnrolment), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, description = "The current code or the password is missing or wrong", body = ApiError),
              (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn totp_start(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    PendingOfficer(officer): PendingOfficer,
    ApiJson(proof): ApiJson<StartTotpEnrolmentRequest>,
) -> Result<ApiJson<TotpEnrolment>, AppError> {
    Ok(ApiJson(service::start_totp_enrolment(&state, &officer, &proof, &request_id, &address).await?))
}

/// Confirms the enrolment with one code from the app. A session that had to
/// enrol first becomes complete, under a new token (cookie).
#[utoipa::path(post, path = "/api/v1/account/totp/enrolment/confirm",
    operation_id = "handler", tag = "account", request_body = TotpCodeRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = ApiError), (status = 401, body = ApiError),
              (status = 403, body = ApiError), (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn totp_confirm(
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
    let cookie = super::session::cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)).into_response())
}

/// The officer has read the security notices about their account (shown
/// from `GET /api/v1/session`) up to `up_to_id`.
#[utoipa::path(post, path = "/api/v1/account/notices/ack",
    operation_id = "handler", tag = "account",
    request_body = AcknowledgeNoticesRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn notices_ack(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
    ApiJson(req): ApiJson<AcknowledgeNoticesRequest>,
) -> Result<StatusCode, AppError> {
    service::acknowledge_notices(&state, &officer, req.up_to_id, &request_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
