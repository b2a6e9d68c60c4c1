use axum::extract::State;
use padan_protocol::v1::{ApiError, StartTotpEnrolmentRequest, TotpEnrolment};

use crate::{
    AppState,
    auth::{ClientAddress, PendingOfficer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Starts enrolling an authenticator app: a new secret, shown once, to be
/// confirmed with one code. Open to complete sessions and to sessions that
/// must enrol before anything else (admins, auditors). Replacing an
/// enrolled authenticator takes a code from it; a first enrolment outside
/// sign-in takes the password.
#[utoipa::path(post, path = "/api/v1/account/totp/enrolment", tag = "account",
    request_body = StartTotpEnrolmentRequest,
    responses((status = 200, body = TotpEnrolment), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, description = "The current code or the password is missing or wrong", body = ApiError),
              (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    PendingOfficer(officer): PendingOfficer,
    ApiJson(proof): ApiJson<StartTotpEnrolmentRequest>,
) -> Result<ApiJson<TotpEnrolment>, AppError> {
    Ok(ApiJson(service::start_totp_enrolment(&state, &officer, &proof, &request_id, &address).await?))
}
