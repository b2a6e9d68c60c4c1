use axum::{extract::State, http::StatusCode};
use padan_protocol::v1::{ApiError, ChangePasswordRequest};

use crate::{
    AppState,
    auth::{ClientAddress, Officer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Changes the password: the current one is required, the new one must pass
/// the policy (length, not common or breached, not the username or NIP).
/// Every other session of the officer ends.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "account", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, description = "Wrong current password or policy not met", body = ApiError),
              (status = 429, body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    officer: Officer,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, AppError> {
    service::change_password(&state, &officer, &req.current_password, &req.new_password, &request_id, &address).await?;
    Ok(StatusCode::NO_CONTENT)
}
