//! The audit trail for auditors, supervisors (their office) and admins.

pub mod records;
pub mod records_csv;
pub mod signals;

use axum::extract::{Query, rejection::QueryRejection};
use padan_protocol::v1::AuditQuery;

use crate::error::AppError;

fn query(q: Result<Query<AuditQuery>, QueryRejection>) -> Result<AuditQuery, AppError> {
    q.map(|Query(q)| q).map_err(|e| AppError::InvalidRequest(format!("parameter tidak valid ({})", e.body_text())))
}
