use axum::extract::State;
use padan_protocol::v1::{AccountInfo, ApiError, PASSWORD_MIN_LENGTH};

use crate::{
    AppState,
    auth::{Officer, service},
    error::{ApiJson, AppError},
};

/// What the officer's account has set up (second factor) and must follow.
#[utoipa::path(get, path = "/api/v1/account", tag = "account",
    responses((status = 200, body = AccountInfo), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<AccountInfo>, AppError> {
    Ok(ApiJson(AccountInfo {
        totp_enrolled: service::totp_enrolled(&state, &officer).await?,
        totp_required: service::totp_required_for(&state, &officer),
        password_min_length: PASSWORD_MIN_LENGTH as u32,
    }))
}
