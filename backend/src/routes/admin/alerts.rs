//! Admin alerts.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use padan_protocol::v1::{AlertsResponse, ApiError};

use crate::{
    AppState,
    auth::Admin,
    clock,
    dukcapil::Service,
    error::{ApiJson, AppError},
    store,
    web::RequestId,
};

/// Open admin alerts (configuration faults, quota, outages).
#[utoipa::path(get, path = "/api/v1/admin/alerts",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = AlertsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<AlertsResponse>, AppError> {
    let alerts = store::alerts::open(state.store().pool(), clock::wib).await?;
    Ok(ApiJson(AlertsResponse { alerts, quota_remaining: state.dukcapil().quota(Service::Gateway).remaining() }))
}

/// Mark an alert as handled. Audited.
#[utoipa::path(post, path = "/api/v1/admin/alerts/{id}/resolve",
    operation_id = "handler", tag = "admin",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn resolve(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let now = state.clock().now_millis();
    if !store::alerts::resolve(state.store().pool(), id, &officer.info.username, now).await? {
        return Err(AppError::NotFound);
    }
    crate::audit::append_ok(&state, &officer, &request_id, "alert_resolved", format!("alert {id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}
