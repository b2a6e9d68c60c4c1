use axum::extract::{Query, State, rejection::QueryRejection};
use padan_protocol::v1::{ApiError, AuditQuery, AuditRecordsResponse};

use crate::{
    AppState,
    auth::AuditReader,
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Search the audit trail, newest first. Supervisors see their own office
/// only. Reading is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/records", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditRecordsResponse), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    AuditReader(officer): AuditReader,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<ApiJson<AuditRecordsResponse>, AppError> {
    let q = super::query(q)?;
    Ok(ApiJson(crate::audit::query::records(&state, &officer, &request_id, &q).await?))
}
