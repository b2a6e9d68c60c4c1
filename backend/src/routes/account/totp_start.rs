use axum::extract::State;
use padan_protocol::v1::{ApiError, TotpEnrolment};

use crate::{
    AppState,
    auth::{PendingOfficer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Starts enrolling an authenticator app: a new secret, shown once, to be
/// confirmed with one code. Open to complete sessions and to sessions that
/// must enrol before anything else (admins, auditors).
#[utoipa::path(post, path = "/api/v1/account/totp/enrolment", tag = "account",
    responses((status = 200, body = TotpEnrolment), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    PendingOfficer(officer): PendingOfficer,
) -> Result<ApiJson<TotpEnrolment>, AppError> {
    Ok(ApiJson(service::start_totp_enrolment(&state, &officer, &request_id).await?))
}
