//! Verification against Dukcapil.

use axum::extract::State;
use padan_protocol::v1::{
    ApiError, FaceMatchRequest, FaceMatchResponse, VerifyElementsRequest, VerifyElementsResponse,
};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Verify claimed values against Dukcapil (`CALL_VERIFY_BY_ELEMEN`).
/// Only elements the agreement grants are sent; the rest are listed in
/// `not_granted`. Audited before the answer is returned.
#[utoipa::path(post, path = "/api/v1/verify/elements",
    operation_id = "handler", tag = "verify", request_body = VerifyElementsRequest,
    responses(
        (status = 200, body = VerifyElementsResponse),
        (status = 400, description = "Unreadable request", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "Role not allowed, CSRF, or mechanism closed", body = ApiError),
        (status = 422, description = "Validation failed", body = ApiError),
        (status = 429, description = "Dukcapil quota exhausted", body = ApiError),
        (status = 502, description = "Dukcapil unavailable", body = ApiError)))]
pub async fn elements(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<VerifyElementsRequest>,
) -> Result<ApiJson<VerifyElementsResponse>, AppError> {
    services::verify::verify_elements(&state, &officer, req, &request_id).await.map(ApiJson)
}

/// Match a face photo against Dukcapil's record of a NIK (`CALL_FR`).
/// The photo is never stored.
#[utoipa::path(post, path = "/api/v1/verify/face",
    operation_id = "handler", tag = "verify", request_body = FaceMatchRequest,
    responses(
        (status = 200, body = FaceMatchResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError),
        (status = 502, body = ApiError)))]
pub async fn face(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<FaceMatchRequest>,
) -> Result<ApiJson<FaceMatchResponse>, AppError> {
    services::face::face_match(&state, &officer, req, &request_id).await.map(ApiJson)
}
