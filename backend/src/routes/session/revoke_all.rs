use axum::{extract::State, http::StatusCode, http::header, response::IntoResponse};
use padan_protocol::v1::ApiError;

use crate::{
    AppState,
    auth::{Officer, service},
    error::AppError,
    web::RequestId,
};

/// "Keluar dari semua perangkat": ends every session of the signed-in
/// officer, on every device, this one included.
#[utoipa::path(post, path = "/api/v1/session/revoke-all", tag = "session",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
) -> Result<impl IntoResponse, AppError> {
    service::sign_out_everywhere(&state, &officer, &request_id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, super::cookie(&state, None))]))
}
