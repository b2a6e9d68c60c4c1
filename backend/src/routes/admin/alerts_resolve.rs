use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use padan_protocol::v1::ApiError;

use crate::{AppState, auth::Admin, error::AppError, store, web::RequestId};

/// Mark an alert as handled. Audited.
#[utoipa::path(post, path = "/api/v1/admin/alerts/{id}/resolve", tag = "admin",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let now = state.clock().now_millis();
    if !store::alerts::resolve(state.store().pool(), id, &officer.info.username, now).await? {
        return Err(AppError::NotFound);
    }
    let mut event = crate::audit::for_officer(&state, &officer, &request_id, "alert_resolved");
    event.outcome = "ok".into();
    event.detail = Some(format!("alert {id}"));
    crate::audit::append(&state, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}
