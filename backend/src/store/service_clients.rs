//! Applications calling Padan's service API (the SIASN application).

use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceClientRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

pub async fn by_key_hash(pool: &AnyPool, key_hash: &str) -> Result<Option<ServiceClientRecord>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, kind FROM service_clients WHERE key_hash = $1 AND active = 1")
        .bind(key_hash)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok(ServiceClientRecord { id: r.try_get(0)?, name: r.try_get(1)?, kind: r.try_get(2)? })).transpose()
}

pub async fn insert(pool: &AnyPool, name: &str, kind: &str, key_hash: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_clients (name, kind, key_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(kind)
    .bind(key_hash)
    .bind(now_ms)
    .execute(pool)
    .await
    .map(|_| ())
}
