//! The cooperation agreements on record.

use axum::extract::State;
use padan_protocol::v1::{AgreementView, AgreementsResponse, ApiError, NewAgreementRequest};

use crate::{
    AppState,
    auth::{Admin, Officer},
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// The agreements on record with their state, grants and discrepancies.
#[utoipa::path(get, path = "/api/v1/admin/agreements",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = AgreementsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<AgreementsResponse>, AppError> {
    officer.ensure_may_read_agreements()?;
    Ok(ApiJson(services::agreements::list(&state)))
}

/// Record an extension or a new agreement (admins). Audited.
#[utoipa::path(post, path = "/api/v1/admin/agreements",
    operation_id = "handler", tag = "admin", request_body = NewAgreementRequest,
    responses((status = 200, body = AgreementView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewAgreementRequest>,
) -> Result<ApiJson<AgreementView>, AppError> {
    services::agreements::create(&state, &officer, req, &request_id).await.map(ApiJson)
}
