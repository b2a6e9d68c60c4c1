use axum::{extract::State, http::HeaderMap};
use padan_protocol::v1::{ApiError, TicketResponse};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// A ticket for the local reader-agent (`HELLO`): Ed25519-signed, single
/// use, ≤ 5 minutes, bound to the officer, their office and the page's
/// `Origin` (which must be one of `card.allowed_origins`). Audited.
#[utoipa::path(post, path = "/api/v1/card/ticket", tag = "card",
    responses(
        (status = 200, body = TicketResponse),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, origin not allowed, or card reading not configured",
         body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
) -> Result<ApiJson<TicketResponse>, AppError> {
    services::card::ticket(&state, &officer, super::origin(&headers), &request_id).await.map(ApiJson)
}
