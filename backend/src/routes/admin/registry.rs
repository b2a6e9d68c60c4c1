//! The ASN registry's imports.

use axum::{
    body::Body,
    extract::{Path, Query, State},
};
use padan_protocol::v1::{ApiError, RegistryImportReport, RegistryImportSummary};
use serde::Deserialize;

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::registry::{self, ImportRequest},
    web::RequestId,
};

/// The last 50 registry imports, newest first.
#[utoipa::path(get, path = "/api/v1/admin/registry/imports",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = Vec<RegistryImportSummary>), (status = 401, body = ApiError),
              (status = 403, body = ApiError)))]
pub async fn history(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<ApiJson<Vec<RegistryImportSummary>>, AppError> {
    registry::history(state.store()).await.map(ApiJson)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The uploaded file's name, for the history.
    pub file_name: Option<String>,
    /// Check only: report what would change, change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import the ASN registry from a SIASN-style CSV export (the request body,
/// `text/csv`). All or nothing: any invalid row rejects the whole file.
/// Audited.
#[utoipa::path(post, path = "/api/v1/admin/registry/imports",
    operation_id = "handler", tag = "admin", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = RegistryImportReport), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 413, body = ApiError)))]
pub async fn import(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Query(params): Query<ImportParams>,
    body: Body,
) -> Result<ApiJson<RegistryImportReport>, AppError> {
    if let Some(name) = &params.file_name {
        crate::text::query_text("file_name", name, padan_protocol::validate::Lines::Single)?;
    }
    let limit = state.config().balikan.import_max_mb as usize * 1024 * 1024;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| AppError::PayloadTooLarge)?;
    let req = ImportRequest {
        file_name: params
            .file_name
            .map_or_else(|| "unggahan.csv".into(), |n| crate::text::nfkc(n.trim()))
            .chars()
            .take(200)
            .collect(),
        by: officer.info.username.clone(),
        dry_run: params.dry_run,
    };
    let report = registry::import_and_join(&state, std::io::Cursor::new(bytes), &req).await?;
    let mut event = crate::audit::for_officer(&state, &officer, &request_id, "registry_import");
    event.outcome = if report.status == padan_protocol::v1::ImportStatus::Rejected { "rejected" } else { "ok" }.into();
    event.detail = Some(format!(
        "import {}; rows {}; inserted {}; updated {}; rejected {}{}",
        report.id,
        report.rows_total,
        report.inserted,
        report.updated,
        report.rejected,
        if req.dry_run { "; dry run" } else { "" }
    ));
    crate::audit::append(&state, &event).await?;
    Ok(ApiJson(report))
}

/// The validation report of one registry import.
#[utoipa::path(get, path = "/api/v1/admin/registry/imports/{id}",
    operation_id = "handler", tag = "admin",
    params(("id" = i64, Path, description = "Import id")),
    responses((status = 200, body = RegistryImportReport), (status = 401, body = ApiError),
              (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn report(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> Result<ApiJson<RegistryImportReport>, AppError> {
    registry::report(state.store(), id).await.map(ApiJson)
}
