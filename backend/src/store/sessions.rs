//! Server-side sessions with idle and absolute expiry.

use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub officer_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(
    pool: &AnyPool,
    token_hash: &str,
    officer_id: i64,
    csrf_token: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, officer_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash)
    .bind(officer_id)
    .bind(csrf_token)
    .bind(now_ms)
    .bind(expires_at)
    .execute(pool)
    .await
    .map(|_| ())
}

pub async fn get(pool: &AnyPool, token_hash: &str) -> Result<Option<SessionRecord>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT officer_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionRecord {
            officer_id: r.try_get(0)?,
            csrf_token: r.try_get(1)?,
            created_at: r.try_get(2)?,
            last_seen_at: r.try_get(3)?,
            expires_at: r.try_get(4)?,
        })
    })
    .transpose()
}

pub async fn touch(pool: &AnyPool, token_hash: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn delete(pool: &AnyPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|_| ())
}

/// Removes sessions that can no longer be used.
pub async fn purge_expired(pool: &AnyPool, now_ms: i64, idle_ms: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now_ms)
        .bind(now_ms - idle_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
