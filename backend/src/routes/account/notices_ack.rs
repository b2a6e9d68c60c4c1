use axum::{extract::State, http::StatusCode};
use padan_protocol::v1::{AcknowledgeNoticesRequest, ApiError};

use crate::{
    AppState,
    auth::{Officer, service},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// The officer has read the security notices about their account (shown
/// from `GET /api/v1/session`) up to `up_to_id`.
#[utoipa::path(post, path = "/api/v1/account/notices/ack", tag = "account",
    request_body = AcknowledgeNoticesRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
    ApiJson(req): ApiJson<AcknowledgeNoticesRequest>,
) -> Result<StatusCode, AppError> {
    service::acknowledge_notices(&state, &officer, req.up_to_id, &request_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
