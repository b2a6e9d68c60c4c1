use axum::extract::{Path, State};
use padan_protocol::v1::{ApiError, ChangeRoleRequest, OfficerView};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Change an officer's role and/or office (admins; not one's own; never the
/// last active admin). Ends the officer's sessions. Audited (`role_change`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/role", tag = "admin", request_body = ChangeRoleRequest,
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ChangeRoleRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::change_role(&state, &officer, id, req, &request_id).await.map(ApiJson)
}
