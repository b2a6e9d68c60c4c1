//! The service API for the SIASN application.

use axum::extract::State;
use padan_protocol::v1::{ApiError, SiasnLookupRequest, SiasnLookupResponse};

use crate::{
    AppState,
    auth::ServiceClient,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// For the SIASN application only (API key as `Authorization: Bearer`):
/// the addendum's nine elements of a NIK. Closed while its agreement is.
#[utoipa::path(post, path = "/api/v1/siasn/lookup",
    operation_id = "handler", tag = "siasn", request_body = SiasnLookupRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, body = SiasnLookupResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError), (status = 502, body = ApiError)))]
pub async fn lookup(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    client: ServiceClient,
    ApiJson(req): ApiJson<SiasnLookupRequest>,
) -> Result<ApiJson<SiasnLookupResponse>, AppError> {
    services::lookup::siasn_lookup(&state, &client, req, &request_id).await.map(ApiJson)
}
