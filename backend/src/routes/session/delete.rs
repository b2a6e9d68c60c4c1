use axum::{extract::State, http::StatusCode, http::header, response::IntoResponse};
use padan_protocol::v1::ApiError;

use crate::{
    AppState,
    auth::{PendingOfficer, service},
    error::AppError,
    web::RequestId,
};

/// Sign out: ends the session on the server and clears the cookie (also a
/// session still waiting for its second factor).
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    PendingOfficer(officer): PendingOfficer,
) -> Result<impl IntoResponse, AppError> {
    service::sign_out(&state, &officer, &request_id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, super::cookie(&state, None))]))
}
