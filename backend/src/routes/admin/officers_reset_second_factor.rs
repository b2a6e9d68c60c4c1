use axum::extract::{Path, State};
use padan_protocol::v1::{ApiError, OfficerView};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Clear an officer's second factor (admins; not one's own): they enrol again
/// at the next sign-in. Ends the officer's sessions. Audited
/// (`second_factor_reset`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/reset-second-factor", tag = "admin",
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::reset_second_factor(&state, &officer, id, &request_id).await.map(ApiJson)
}
