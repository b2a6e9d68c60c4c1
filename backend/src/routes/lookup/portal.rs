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
#[utoipa::path(post, path = "/api/v1/lookup/portal", tag = "lookup", request_body = LookupRequest,
    responses(
        (status = 200, body = LookupResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError), (status = 502, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<LookupRequest>,
) -> Result<ApiJson<LookupResponse>, AppError> {
    services::lookup::officer_lookup(&state, &officer, Mechanism::PortalLookup, req, &request_id).await.map(ApiJson)
}
