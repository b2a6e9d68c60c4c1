use axum::{extract::State, http::HeaderMap};
use padan_protocol::v1::{ApiError, NonceResponse};

use crate::{
    AppState,
    auth::Officer,
    error::{ApiJson, AppError},
    services,
};

/// A nonce for one `READ_CARD`: single use, short-lived (`card.nonce_seconds`),
/// bound to the officer and the page's `Origin`.
#[utoipa::path(post, path = "/api/v1/card/nonce", tag = "card",
    responses(
        (status = 200, body = NonceResponse),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, origin not allowed, or card reading not configured",
         body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    officer: Officer,
) -> Result<ApiJson<NonceResponse>, AppError> {
    services::card::nonce(&state, &officer, super::origin(&headers)).await.map(ApiJson)
}
