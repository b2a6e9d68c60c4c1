//! The audit trail for auditors, supervisors (their office) and admins.

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::header,
    response::IntoResponse,
};
use padan_protocol::v1::{ApiError, AuditQuery, AuditRecordsResponse, SignalsResponse};

use crate::{
    AppState,
    audit::{query::office_scope, signals},
    auth::{AuditReader, Officer},
    clock,
    error::{ApiJson, AppError},
    web::RequestId,
};

fn query(q: Result<Query<AuditQuery>, QueryRejection>) -> Result<AuditQuery, AppError> {
    q.map(|Query(q)| q).map_err(|e| AppError::InvalidRequest(format!("parameter tidak valid ({})", e.body_text())))
}

/// Search the audit trail, newest first. Supervisors see their own office
/// only. Reading is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/records",
    operation_id = "handler", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditRecordsResponse), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn records(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    AuditReader(officer): AuditReader,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<ApiJson<AuditRecordsResponse>, AppError> {
    let q = query(q)?;
    Ok(ApiJson(crate::audit::query::records(&state, &officer, &request_id, &q).await?))
}

/// The matching audit records as CSV (at most 100 000). Audited.
#[utoipa::path(get, path = "/api/v1/audit/records.csv",
    operation_id = "handler", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn records_csv(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    AuditReader(officer): AuditReader,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<impl IntoResponse, AppError> {
    let q = query(q)?;
    let body = crate::audit::query::csv(&state, &officer, &request_id, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"padan-audit.csv\""),
        ],
        body,
    ))
}

/// Misuse signals over the configured window ending now, each with the
/// audit records behind it. Supervisors see their own office. Also raised
/// as admin alerts. Reading is audited.
#[utoipa::path(get, path = "/api/v1/audit/signals",
    operation_id = "handler", tag = "audit",
    responses((status = 200, body = SignalsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn signals(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
) -> Result<ApiJson<SignalsResponse>, AppError> {
    let scope = office_scope(&officer)?;
    let (found, from, to) = signals::scan(&state, scope.as_deref()).await?;
    signals::raise_alerts(&state, &found).await;
    let detail = format!("{} signals", found.len());
    crate::audit::append_ok(&state, &officer, &request_id, "audit_signals_read", detail).await?;
    Ok(ApiJson(SignalsResponse { signals: found, from: clock::wib(from), to: clock::wib(to), office_scope: scope }))
}
