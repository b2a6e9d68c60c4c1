use axum::extract::{Path, State};
use padan_protocol::v1::{ApiError, RegistryImportReport};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::registry,
};

/// The validation report of one registry import.
#[utoipa::path(get, path = "/api/v1/admin/registry/imports/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Import id")),
    responses((status = 200, body = RegistryImportReport), (status = 401, body = ApiError),
              (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> Result<ApiJson<RegistryImportReport>, AppError> {
    registry::report(state.store(), id).await.map(ApiJson)
}
