//! Officers' look-ups (display only).

use axum::extract::State;
use padan_protocol::v1::{ApiError, LookupRequest, LookupResponse, Mechanism};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Portal look-up: the granted elements of a NIK, for display only.
/// A reason is required besides the purpose.
#[utoipa::path(post, path = "/api/v1/lookup/portal",
    operation_id = "handler", tag = "lookup", request_body = LookupRequest,
    responses(
        (status = 200, body = LookupResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError), (status = 502, body = ApiError)))]
pub async fn portal(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<LookupRequest>,
) -> Result<ApiJson<LookupResponse>, AppError> {
    services::lookup::officer_lookup(&state, &officer, Mechanism::PortalLookup, req, &request_id).await.map(ApiJson)
}

/// IKD look-up: the NIK an officer read from the citizen's digital ID (IKD) app.
/// Returns the granted elements.
#[utoipa::path(post, path = "/api/v1/lookup/ikd",
    operation_id = "handler", tag = "lookup", request_body = LookupRequest,
    responses(
        (status = 200, body = LookupResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError), (status = 502, body = ApiError)))]
pub async fn ikd(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<LookupRequest>,
) -> Result<ApiJson<LookupResponse>, AppError> {
    services::lookup::officer_lookup(&state, &officer, Mechanism::IkdLookup, req, &request_id).await.map(ApiJson)
}
