use axum::extract::State;
use padan_protocol::v1::{ApiError, NewOfficerRequest, OfficerView};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Create an officer account (admins): NIP checked, password policy applied,
/// office must exist. Audited (`officer_created`).
#[utoipa::path(post, path = "/api/v1/admin/officers", tag = "admin", request_body = NewOfficerRequest,
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewOfficerRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::create(&state, &officer, req, &request_id).await.map(ApiJson)
}
