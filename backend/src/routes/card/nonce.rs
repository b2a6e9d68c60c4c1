use axum::{extract::State, http::HeaderMap};
use padan_protocol::v1::{ApiError, NonceRequest, NonceResponse};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// A nonce for one `READ_CARD`: single use, short-lived (`card.nonce_seconds`),
/// bound to the officer, their office and the page's `Origin`, signed with
/// the ticket key and carrying the fields the read may return (the agent
/// refuses a read without one). Audited (`card_read_nonce`, with the
/// purpose) before it is returned.
#[utoipa::path(post, path = "/api/v1/card/nonce", tag = "card", request_body = NonceRequest,
    responses(
        (status = 200, body = NonceResponse),
        (status = 400, description = "Unreadable request", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, origin not allowed, or card reading not configured",
         body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<NonceRequest>,
) -> Result<ApiJson<NonceResponse>, AppError> {
    services::card::nonce(&state, &officer, super::origin(&headers), req, &request_id).await.map(ApiJson)
}
