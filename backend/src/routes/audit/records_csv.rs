use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::header,
    response::IntoResponse,
};
use padan_protocol::v1::{ApiError, AuditQuery};

use crate::{AppState, auth::AuditReader, error::AppError, web::RequestId};

/// The matching audit records as CSV (at most 100 000). Audited.
#[utoipa::path(get, path = "/api/v1/audit/records.csv", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    AuditReader(officer): AuditReader,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<impl IntoResponse, AppError> {
    let q = super::query(q)?;
    let body = crate::audit::query::csv(&state, &officer, &request_id, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"padan-audit.csv\""),
        ],
        body,
    ))
}
