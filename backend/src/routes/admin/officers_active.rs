use axum::extract::{Path, State};
use padan_protocol::v1::{ApiError, OfficerView, SetActiveRequest};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Deactivate or reactivate an officer account (admins; not one's own; never
/// the last active admin). Deactivation ends the officer's sessions.
/// Audited (`officer_deactivated` / `officer_reactivated`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/active", tag = "admin", request_body = SetActiveRequest,
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<SetActiveRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::set_active(&state, &officer, id, req, &request_id).await.map(ApiJson)
}
