use axum::extract::State;
use padan_protocol::v1::{AgreementView, ApiError, NewAgreementRequest};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Record an extension or a new agreement (admins). Audited.
#[utoipa::path(post, path = "/api/v1/admin/agreements", tag = "admin", request_body = NewAgreementRequest,
    responses((status = 200, body = AgreementView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewAgreementRequest>,
) -> Result<ApiJson<AgreementView>, AppError> {
    services::agreements::create(&state, &officer, req, &request_id).await.map(ApiJson)
}
