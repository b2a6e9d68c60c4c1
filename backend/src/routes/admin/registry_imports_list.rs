use axum::extract::State;
use padan_protocol::v1::{ApiError, RegistryImportSummary};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::registry,
};

/// The last 50 registry imports, newest first.
#[utoipa::path(get, path = "/api/v1/admin/registry/imports", tag = "admin",
    responses((status = 200, body = Vec<RegistryImportSummary>), (status = 401, body = ApiError),
              (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<ApiJson<Vec<RegistryImportSummary>>, AppError> {
    registry::history(state.store()).await.map(ApiJson)
}
