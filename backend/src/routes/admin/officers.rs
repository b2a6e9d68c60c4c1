//! Officer accounts (admins): list, create, role, activation, second factor.

use axum::extract::{Path, State};
use padan_protocol::v1::{
    ApiError, ChangeRoleRequest, NewOfficerRequest, OfficerView, OfficersResponse, SetActiveRequest,
};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Officer accounts, with the offices and roles the forms offer (admins).
/// Never password hashes or second-factor secrets.
#[utoipa::path(get, path = "/api/v1/admin/officers",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = OfficersResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<OfficersResponse>, AppError> {
    services::officers::list(&state).await.map(ApiJson)
}

/// Create an officer account (admins): NIP checked, password policy applied,
/// office must exist. Audited (`officer_created`).
#[utoipa::path(post, path = "/api/v1/admin/officers",
    operation_id = "handler", tag = "admin", request_body = NewOfficerRequest,
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewOfficerRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::create(&state, &officer, req, &request_id).await.map(ApiJson)
}

/// Change an officer's role and/or office (admins; not one's own; never the
/// last active admin). Ends the officer's sessions. Audited (`role_change`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/role",
    operation_id = "handler", tag = "admin", request_body = ChangeRoleRequest,
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn change_role(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ChangeRoleRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::change_role(&state, &officer, id, req, &request_id).await.map(ApiJson)
}

/// Deactivate or reactivate an officer account (admins; not one's own; never
/// the last active admin). Deactivation ends the officer's sessions.
/// Audited (`officer_deactivated` / `officer_reactivated`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/active",
    operation_id = "handler", tag = "admin", request_body = SetActiveRequest,
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_active(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<SetActiveRequest>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::set_active(&state, &officer, id, req, &request_id).await.map(ApiJson)
}

/// Clear an officer's second factor (admins; not one's own): they enrol again
/// at the next sign-in. Ends the officer's sessions. Audited
/// (`second_factor_reset`).
#[utoipa::path(post, path = "/api/v1/admin/officers/{id}/reset-second-factor",
    operation_id = "handler", tag = "admin",
    params(("id" = i64, Path, description = "Officer id")),
    responses((status = 200, body = OfficerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    Path(id): Path<i64>,
) -> Result<ApiJson<OfficerView>, AppError> {
    services::officers::reset_second_factor(&state, &officer, id, &request_id).await.map(ApiJson)
}
