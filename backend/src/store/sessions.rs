//! Server-side sessions with idle and absolute expiry.

use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub officer_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// `complete`, `totp_required` or `totp_enrolment_required`.
    pub stage: String,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub officer_id: i64,
    pub csrf_token: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
    pub stage: &'a str,
}

pub async fn insert(pool: &AnyPool, s: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, officer_id, csrf_token, created_at, last_seen_at, expires_at, stage) \
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(s.token_hash)
    .bind(s.officer_id)
    .bind(s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(s.stage)
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
        "{}, s.csrf_token AS s_csrf, s.created_at AS s_created, s.last_seen_at AS s_seen, s.expires_at AS s_expires, s.stage AS s_stage \
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
            stage: r.try_get("s_stage")?,
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

/// Ends every session of an officer ("keluar dari semua perangkat"), or
/// every one but `keep` (after a password change). Returns how many ended.
pub async fn delete_all_for_officer(pool: &AnyPool, officer_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE officer_id = $1 AND token_hash <> $2")
        .bind(officer_id)
        .bind(keep.unwrap_or(""))
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}

/// Live sessions of an officer (for the account page and tests).
pub async fn count_for_officer(pool: &AnyPool, officer_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM sessions WHERE officer_id = $1")
        .bind(officer_id)
        .fetch_one(pool)
        .await?
        .try_get(0)
}

/// Sign-in throttling: failed attempts per `scope` (`account`, `address`)
/// and keyed-hash `subject`, shared by every instance through the database.
pub async fn record_sign_in_failure(
    pool: &AnyPool,
    scope: &str,
    subject: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_failures (scope, subject, at) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(subject)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Failures since `since_ms`: how many, and the oldest one's time.
pub async fn sign_in_failures_since(
    pool: &AnyPool,
    scope: &str,
    subject: &str,
    since_ms: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    let row =
        sqlx::query("SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE scope = $1 AND subject = $2 AND at > $3")
            .bind(scope)
            .bind(subject)
            .bind(since_ms)
            .fetch_one(pool)
            .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Forgets failures older than the window.
pub async fn purge_sign_in_failures(pool: &AnyPool, before_ms: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
        .bind(before_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}

/// Moves a session to another stage under a new token (the old token stops
/// working): used when the second factor completes.
pub async fn rotate(
    pool: &AnyPool,
    old_hash: &str,
    new_hash: &str,
    csrf_token: &str,
    stage: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET token_hash = $2, csrf_token = $3, stage = $4, last_seen_at = $5, expires_at = $6 \
         WHERE token_hash = $1",
    )
    .bind(old_hash)
    .bind(new_hash)
    .bind(csrf_token)
    .bind(stage)
    .bind(now_ms)
    .bind(expires_at)
    .execute(pool)
    .await
    .map(|r| r.rows_affected() == 1)
}
