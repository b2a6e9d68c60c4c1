//! Notices to an account's owner about security changes to their account
//! (second factor replaced or reset, password changed), shown until they
//! acknowledge them.

use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub address: String,
}

pub async fn insert(pool: &AnyPool, officer_id: i64, at: i64, kind: &str, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO account_notices (officer_id, at, kind, address) VALUES ($1, $2, $3, $4)")
        .bind(officer_id)
        .bind(at)
        .bind(kind)
        .bind(address)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The owner's unacknowledged notices of changes made before `before_ms`,
/// oldest first (at most 20).
pub async fn pending(pool: &AnyPool, officer_id: i64, before_ms: i64) -> Result<Vec<NoticeRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, at, kind, address FROM account_notices \
         WHERE officer_id = $1 AND acknowledged_at IS NULL AND at < $2 ORDER BY id LIMIT 20",
    )
    .bind(officer_id)
    .bind(before_ms)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok(NoticeRow { id: r.try_get(0)?, at: r.try_get(1)?, kind: r.try_get(2)?, address: r.try_get(3)? }))
        .collect()
}

/// Acknowledges the owner's notices up to `up_to_id` of changes made
/// before `before_ms`; how many.
pub async fn acknowledge(
    pool: &AnyPool,
    officer_id: i64,
    up_to_id: i64,
    before_ms: i64,
    now_ms: i64,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "UPDATE account_notices SET acknowledged_at = $1 \
         WHERE officer_id = $2 AND id <= $3 AND at < $4 AND acknowledged_at IS NULL",
    )
    .bind(now_ms)
    .bind(officer_id)
    .bind(up_to_id)
    .bind(before_ms)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
}
