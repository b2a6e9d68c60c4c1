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

/// The session and its officer in one round trip (every authenticated
/// request needs both).
pub async fn get_with_officer(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<Option<(SessionRecord, super::officers::OfficerRecord)>, sqlx::Error> {
    let sql = format!(
        "{}, s.csrf_token AS s_csrf, s.created_at AS s_created, s.last_seen_at AS s_seen, s.expires_at AS s_expires \
         FROM sessions s JOIN officers o ON o.id = s.officer_id JOIN offices f ON f.code = o.office_code \
         WHERE s.token_hash = $1",
        super::officers::SELECT.split(" FROM ").next().unwrap_or_default()
    );
    let row = sqlx::query(&sql).bind(token_hash).fetch_optional(pool).await?;
    row.map(|r| {
        let officer = super::officers::from_row(&r)?;
        let session = SessionRecord {
            officer_id: officer.id,
            csrf_token: r.try_get("s_csrf")?,
            created_at: r.try_get("s_created")?,
            last_seen_at: r.try_get("s_seen")?,
            expires_at: r.try_get("s_expires")?,
        };
        Ok((session, officer))
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
