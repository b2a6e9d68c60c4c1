use axum::extract::State;
use padan_protocol::v1::{ApiError, SessionInfo};

use crate::{
    AppState,
    auth::{Officer, service},
    error::{ApiJson, AppError},
};

/// The signed-in officer, and the CSRF token to echo. A session that has
/// not finished its second factor is not "signed in" here (403).
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<SessionInfo>, AppError> {
    Ok(ApiJson(service::session_with_notices(&state, &officer).await?))
}
