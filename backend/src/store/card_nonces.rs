//! Single-use nonces for KTP-el reads (`POST /api/v1/card/nonce`).

use sqlx::{AnyPool, Row};

/// Nonces stay this long after expiry, then are purged.
const KEEP_EXPIRED_MS: i64 = 24 * 3_600_000;

pub async fn insert(
    pool: &AnyPool,
    nonce: &str,
    officer_id: i64,
    origin: &str,
    purpose: &str,
    now_ms: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM card_nonces WHERE expires_at < $1").bind(now_ms - KEEP_EXPIRED_MS).execute(pool).await?;
    sqlx::query(
        "INSERT INTO card_nonces (nonce, officer_id, origin, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(nonce)
    .bind(officer_id)
    .bind(origin)
    .bind(purpose)
    .bind(now_ms)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Consumes the nonce if it is this officer's, for this purpose, unused and
/// unexpired, in one atomic statement (two concurrent uses: exactly one
/// wins). Returns the origin it was issued to.
pub async fn consume(
    pool: &AnyPool,
    nonce: &str,
    officer_id: i64,
    purpose: &str,
    now_ms: i64,
) -> Result<Option<String>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE card_nonces SET used_at = $1 \
         WHERE nonce = $2 AND officer_id = $3 AND purpose = $4 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms)
    .bind(nonce)
    .bind(officer_id)
    .bind(purpose)
    .execute(pool)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT origin FROM card_nonces WHERE nonce = $1").bind(nonce).fetch_optional(pool).await?;
    row.map(|r| r.try_get(0)).transpose()
}
