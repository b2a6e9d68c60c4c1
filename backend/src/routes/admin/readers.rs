//! The KTP-el reader/SAM registry.

use axum::extract::State;
use padan_protocol::v1::{ApiError, NewReaderRequest, ReaderView};

use crate::{
    AppState,
    auth::{Admin, Officer},
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// The KTP-el reader/SAM registry with each reader's state today: active,
/// not yet valid, expired, or deactivated (by an admin, or because no
/// agreement grants verification any more).
#[utoipa::path(get, path = "/api/v1/admin/readers",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = Vec<ReaderView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<Vec<ReaderView>>, AppError> {
    services::card::readers(&state, &officer).await.map(ApiJson)
}

/// Register a reader with the activation record Dukcapil issued for its SAM
/// (signature checked; never valid beyond the agreement's end). Audited.
#[utoipa::path(post, path = "/api/v1/admin/readers",
    operation_id = "handler", tag = "admin", request_body = NewReaderRequest,
    responses((status = 200, body = ReaderView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewReaderRequest>,
) -> Result<ApiJson<ReaderView>, AppError> {
    services::card::register(&state, &officer, req, &request_id).await.map(ApiJson)
}
