//! KTP-el reading through the local reader-agent.

use axum::{
    extract::State,
    http::{HeaderMap, header},
};
use padan_protocol::v1::{
    ApiError, CardVerifyRequest, CardVerifyResponse, NonceRequest, NonceResponse, TicketResponse,
};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// The request's `Origin` header, as the browser sent it.
pub(crate) fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// A ticket for the local reader-agent (`HELLO`): Ed25519-signed, single
/// use, ≤ 5 minutes, bound to the officer, their office and the page's
/// `Origin` (which must be one of `card.allowed_origins`). Audited.
#[utoipa::path(post, path = "/api/v1/card/ticket",
    operation_id = "handler", tag = "card",
    responses(
        (status = 200, body = TicketResponse),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, origin not allowed, or card reading not configured",
         body = ApiError)))]
pub async fn ticket(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
) -> Result<ApiJson<TicketResponse>, AppError> {
    services::card::ticket(&state, &officer, origin(&headers), &request_id).await.map(ApiJson)
}

/// A nonce for one `READ_CARD`: single use, short-lived (`card.nonce_seconds`),
/// bound to the officer, their office and the page's `Origin`, signed with
/// the ticket key and carrying the fields the read may return (the agent
/// refuses a read without one). Audited (`card_read_nonce`, with the
/// purpose) before it is returned.
#[utoipa::path(post, path = "/api/v1/card/nonce",
    operation_id = "handler", tag = "card", request_body = NonceRequest,
    responses(
        (status = 200, body = NonceResponse),
        (status = 400, description = "Unreadable request", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, origin not allowed, or card reading not configured",
         body = ApiError)))]
pub async fn nonce(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<NonceRequest>,
) -> Result<ApiJson<NonceResponse>, AppError> {
    services::card::nonce(&state, &officer, origin(&headers), req, &request_id).await.map(ApiJson)
}

/// Verify an attested KTP-el read (the agent's `READ_RESULT`): SAM
/// certificate, activation and registry (officer's office, within the
/// agreement), nonce (consumed), origin, attestation signature, and the card
/// data against the attested digests; then the card's NIK and data against
/// Dukcapil (`CALL_VERIFY_BY_ELEMEN`). Display only; nothing of the card is
/// stored. Every outcome is audited (`card_read`).
#[utoipa::path(post, path = "/api/v1/card/verify",
    operation_id = "handler", tag = "card", request_body = CardVerifyRequest,
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
pub async fn verify(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<CardVerifyRequest>,
) -> Result<ApiJson<CardVerifyResponse>, AppError> {
    services::card::verify(&state, &officer, origin(&headers), req, &request_id).await.map(ApiJson)
}
