use axum::{extract::State, http::HeaderMap};
use padan_protocol::v1::{ApiError, CardVerifyRequest, CardVerifyResponse};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Verify an attested KTP-el read (the agent's `READ_RESULT`): SAM
/// certificate, activation and registry (officer's office, within the
/// agreement), nonce (consumed), origin, attestation signature, and the card
/// data against the attested digests; then the card's NIK and data against
/// Dukcapil (`CALL_VERIFY_BY_ELEMEN`). Display only; nothing of the card is
/// stored. Every outcome is audited (`card_read`).
#[utoipa::path(post, path = "/api/v1/card/verify", tag = "card", request_body = CardVerifyRequest,
    responses(
        (status = 200, body = CardVerifyResponse),
        (status = 400, description = "Unreadable request", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "Role, CSRF, origin, reader not registered/activated for this office, or \
                                      mechanism closed", body = ApiError),
        (status = 409, description = "Nonce unknown, expired, already used or not this officer's", body = ApiError),
        (status = 422, description = "Card not genuine, or card data differ from what the SAM attested",
         body = ApiError),
        (status = 429, description = "Dukcapil quota exhausted", body = ApiError),
        (status = 502, description = "Dukcapil unavailable", body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<CardVerifyRequest>,
) -> Result<ApiJson<CardVerifyResponse>, AppError> {
    services::card::verify(&state, &officer, super::origin(&headers), req, &request_id).await.map(ApiJson)
}
