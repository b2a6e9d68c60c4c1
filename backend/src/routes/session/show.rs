use axum::extract::State;
use padan_protocol::v1::{ApiError, SessionInfo};

use crate::{AppState, auth::Officer, error::ApiJson};

/// The signed-in officer, and the CSRF token to echo.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, officer: Officer) -> ApiJson<SessionInfo> {
    ApiJson(SessionInfo {
        officer: officer.info,
        csrf_token: officer.csrf_token,
        idle_timeout_secs: (state.idle_timeout_ms() / 1000) as u64,
    })
}
