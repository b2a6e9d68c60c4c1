//! The audit trail: one append per access or security event.

use sqlx::{AnyPool, Row};

/// One audit record. `nik_token` is a keyed hash, never the NIK; `verdicts`
/// are codes (`NAMA_LGKP:S92`), never values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub request_id: String,
    pub event: String,
    pub officer_id: Option<i64>,
    pub username: Option<String>,
    pub office_code: Option<String>,
    pub role: Option<String>,
    pub client: String,
    pub mechanism: Option<String>,
    pub purpose: Option<String>,
    pub nik_token: Option<String>,
    pub outcome: String,
    pub verdicts: Option<String>,
    pub detail: Option<String>,
}

pub async fn append(pool: &AnyPool, r: &AuditRecord) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO audit_log (at, request_id, event, officer_id, username, office_code, role, client, \
         mechanism, purpose, nik_token, outcome, verdicts, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(r.at)
    .bind(&r.request_id)
    .bind(&r.event)
    .bind(r.officer_id)
    .bind(&r.username)
    .bind(&r.office_code)
    .bind(&r.role)
    .bind(&r.client)
    .bind(&r.mechanism)
    .bind(&r.purpose)
    .bind(&r.nik_token)
    .bind(&r.outcome)
    .bind(&r.verdicts)
    .bind(&r.detail)
    .fetch_one(pool)
    .await?;
    row.try_get(0)
}

/// The newest records first; for tests and the (coming) auditor views.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, request_id, event, officer_id, username, office_code, role, client, mechanism, purpose, \
         nik_token, outcome, verdicts, detail FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                at: r.try_get(0)?,
                request_id: r.try_get(1)?,
                event: r.try_get(2)?,
                officer_id: r.try_get(3)?,
                username: r.try_get(4)?,
                office_code: r.try_get(5)?,
                role: r.try_get(6)?,
                client: r.try_get(7)?,
                mechanism: r.try_get(8)?,
                purpose: r.try_get(9)?,
                nik_token: r.try_get(10)?,
                outcome: r.try_get(11)?,
                verdicts: r.try_get(12)?,
                detail: r.try_get(13)?,
            })
        })
        .collect()
}
