//! Admin alerts, deduplicated while open.

use padan_protocol::v1::AdminAlert;
use sqlx::{AnyPool, Row};

/// Raises an alert, or counts a recurrence of the same open one. On
/// SQLite it queues on the writer slot like every writer outside a request
/// transaction (`Store::write_slot`).
pub async fn raise(
    store: &super::Store,
    kind: &str,
    code: Option<&str>,
    message: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    raise_n(store, kind, code, message, now_ms, 1).await
}

/// [`raise`] for `count` occurrences at once (the last at `now_ms`).
pub async fn raise_n(
    store: &super::Store,
    kind: &str,
    code: Option<&str>,
    message: &str,
    now_ms: i64,
    count: i64,
) -> Result<(), sqlx::Error> {
    let code = code.unwrap_or("");
    let _slot = store.write_slot().await;
    let pool = store.pool();
    let updated = sqlx::query(
        "UPDATE admin_alerts SET count = count + $5, last_at = $1, message = $2 \
         WHERE kind = $3 AND code = $4 AND resolved_at IS NULL",
    )
    .bind(now_ms)
    .bind(message)
    .bind(kind)
    .bind(code)
    .bind(count)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO admin_alerts (at, last_at, kind, code, message, count) VALUES ($1, $1, $2, $3, $4, $5)",
        )
        .bind(now_ms)
        .bind(kind)
        .bind(code)
        .bind(message)
        .bind(count)
        .execute(pool)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AlertRecord {
    pub alert: AdminAlert,
    pub last_at: i64,
}

pub async fn open(pool: &AnyPool, format_time: impl Fn(i64) -> String) -> Result<Vec<AdminAlert>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, at, kind, code, message, count FROM admin_alerts WHERE resolved_at IS NULL ORDER BY last_at DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get(3)?;
            Ok(AdminAlert {
                id: r.try_get(0)?,
                at: format_time(r.try_get(1)?),
                kind: r.try_get(2)?,
                code: Some(code).filter(|c| !c.is_empty()),
                message: r.try_get(4)?,
                count: r.try_get(5)?,
            })
        })
        .collect()
}

pub async fn resolve(pool: &AnyPool, id: i64, by: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let r =
        sqlx::query("UPDATE admin_alerts SET resolved_at = $1, resolved_by = $2 WHERE id = $3 AND resolved_at IS NULL")
            .bind(now_ms)
            .bind(by)
            .bind(id)
            .execute(pool)
            .await?;
    Ok(r.rows_affected() == 1)
}
