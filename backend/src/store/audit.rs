//! The audit trail's tables: `audit_log` (the records, chained),
//! `audit_head` (the chain's tip, one row, the append lock) and
//! `audit_checkpoints` (signed statements about the chain).
//!
//! The hashing and the verification live in `crate::audit::chain`; this
//! module only moves rows.

use sqlx::{Any, AnyConnection, AnyPool, Row, any::AnyRow};

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

/// A stored record with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: i64,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub record: AuditRecord,
}

/// The chain's tip, read and locked by [`lock_head`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The seq the caller may use (already incremented, or current).
    pub seq: i64,
    pub hash: String,
    pub checkpoint_seq: i64,
    pub checkpoint_at: i64,
}

const COLUMNS: &str = "at, request_id, event, officer_id, username, office_code, role, client, mechanism, purpose, \
                       nik_token, outcome, verdicts, detail";

/// Takes the next seq: the UPDATE takes the write lock on the head row
/// first (on SQLite, the database write lock), so appends from every
/// connection and every backend instance queue here, and no transaction
/// ever upgrades from a read lock. `hash` is the previous record's.
///
/// The previous hash comes back in the same statement (a subquery on the
/// unique `seq` index), so an append touches the head once;
/// `audit_head.hash` is refreshed at each checkpoint only.
pub async fn next_seq(conn: &mut AnyConnection) -> Result<Head, sqlx::Error> {
    locked_head(conn, "seq + 1", 1).await
}

/// Locks the head without moving it (chaining old rows at start-up).
pub async fn lock_head(conn: &mut AnyConnection) -> Result<Head, sqlx::Error> {
    locked_head(conn, "seq", 0).await
}

async fn locked_head(conn: &mut AnyConnection, new_seq: &str, back: i64) -> Result<Head, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE audit_head SET seq = {new_seq} WHERE id = 1 RETURNING seq, \
         (SELECT l.hash FROM audit_log l WHERE l.seq = audit_head.seq - {back}), hash, checkpoint_seq, checkpoint_at"
    ))
    .fetch_one(&mut *conn)
    .await?;
    let seq: i64 = row.try_get(0)?;
    let found: Option<String> = row.try_get(1)?;
    let stored: String = row.try_get(2)?;
    let last = seq - back;
    let hash = match found {
        Some(h) => h,
        None if last == 0 => stored,
        // PostgreSQL: the subquery saw the snapshot taken before this
        // statement waited for the lock; a new statement sees the record
        // the previous holder committed.
        None => sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(last)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?
            .unwrap_or(stored),
    };
    Ok(Head { seq, hash, checkpoint_seq: row.try_get(3)?, checkpoint_at: row.try_get(4)? })
}

fn head_query(sql: &'static str) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(sql)
}

fn head_row(r: AnyRow) -> Result<Head, sqlx::Error> {
    Ok(Head { seq: r.try_get(0)?, hash: r.try_get(1)?, checkpoint_seq: r.try_get(2)?, checkpoint_at: r.try_get(3)? })
}

/// The head as it is, without locking.
pub async fn head(pool: &AnyPool) -> Result<Head, sqlx::Error> {
    head_in(&mut *pool.acquire().await?).await
}

pub async fn head_in(conn: &mut AnyConnection) -> Result<Head, sqlx::Error> {
    head_query("SELECT seq, hash, checkpoint_seq, checkpoint_at FROM audit_head WHERE id = 1")
        .try_map(head_row)
        .fetch_one(conn)
        .await
}

pub async fn set_head(
    conn: &mut AnyConnection,
    seq: i64,
    hash: &str,
    checkpoint: Option<(i64, i64)>,
) -> Result<(), sqlx::Error> {
    match checkpoint {
        Some((cp_seq, cp_at)) => {
            sqlx::query(
                "UPDATE audit_head SET seq = $1, hash = $2, checkpoint_seq = $3, checkpoint_at = $4 WHERE id = 1",
            )
            .bind(seq)
            .bind(hash)
            .bind(cp_seq)
            .bind(cp_at)
            .execute(conn)
            .await?
        }
        None => {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(hash)
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

/// Inserts one record; shared with the SQLite appender
/// (`store::audit_sqlite`), which binds the same parameters in order.
pub(crate) const INSERT: &str = "INSERT INTO audit_log (at, request_id, event, officer_id, username, office_code, \
     role, client, mechanism, purpose, nik_token, outcome, verdicts, detail, seq, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

/// Inserts a record; `chain` is `(seq, prev_hash, hash)`, `None` when the
/// chain is switched off.
pub async fn insert(
    conn: &mut AnyConnection,
    r: &AuditRecord,
    chain: Option<(i64, &str, &str)>,
) -> Result<i64, sqlx::Error> {
    let (seq, prev, hash) = match chain {
        Some((s, p, h)) => (Some(s), Some(p), Some(h)),
        None => (None, None, None),
    };
    let row = sqlx::query(&format!("{INSERT} RETURNING id"))
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
        .bind(seq)
        .bind(prev)
        .bind(hash)
        .fetch_one(conn)
        .await?;
    row.try_get(0)
}

/// Chains a record written before the chain existed.
pub async fn set_chain(conn: &mut AnyConnection, id: i64, seq: i64, prev: &str, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
        .bind(seq)
        .bind(prev)
        .bind(hash)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A signed statement: the chain had `hash` at `seq`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointRow {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
    pub public_key: String,
    pub signature: String,
}

pub async fn insert_checkpoint(conn: &mut AnyConnection, c: &CheckpointRow) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature) VALUES ($1, $2, $3, $4, $5)")
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.at)
        .bind(&c.public_key)
        .bind(&c.signature)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn checkpoints(pool: &AnyPool) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    checkpoints_in(&mut *pool.acquire().await?).await
}

pub async fn checkpoints_in(conn: &mut AnyConnection) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    sqlx::query("SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq")
        .try_map(|r: AnyRow| {
            Ok(CheckpointRow {
                seq: r.try_get(0)?,
                hash: r.try_get(1)?,
                at: r.try_get(2)?,
                public_key: r.try_get(3)?,
                signature: r.try_get(4)?,
            })
        })
        .fetch_all(conn)
        .await
}

/// Ids of records outside the chain, oldest first.
pub async fn unchained_ids(conn: &mut AnyConnection, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query("SELECT id FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1")
        .bind(limit)
        .try_map(|r: AnyRow| r.try_get(0))
        .fetch_all(conn)
        .await
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredRecord>, sqlx::Error> {
    sqlx::query(&format!("SELECT id, seq, prev_hash, hash, {COLUMNS} FROM audit_log WHERE id = $1"))
        .bind(id)
        .try_map(|r: AnyRow| stored(&r))
        .fetch_optional(conn)
        .await
}

/// The SELECT that walks the chain in order (`fetch` it: it streams).
pub fn chain_walk_sql() -> String {
    format!("SELECT id, seq, prev_hash, hash, {COLUMNS} FROM audit_log WHERE seq IS NOT NULL ORDER BY seq, id")
}

/// The same rows in id order: a sequential scan, the fast first pass of a
/// SQLite verification (ids grow with seq unless someone moved records).
pub fn chain_walk_by_id_sql() -> String {
    format!("SELECT id, seq, prev_hash, hash, {COLUMNS} FROM audit_log WHERE seq IS NOT NULL ORDER BY id")
}

pub fn stored(r: &AnyRow) -> Result<StoredRecord, sqlx::Error> {
    Ok(StoredRecord {
        id: r.try_get(0)?,
        seq: r.try_get(1)?,
        prev_hash: r.try_get(2)?,
        hash: r.try_get(3)?,
        record: record_at(r, 4)?,
    })
}

fn record_at(r: &AnyRow, o: usize) -> Result<AuditRecord, sqlx::Error> {
    Ok(AuditRecord {
        at: r.try_get(o)?,
        request_id: r.try_get(o + 1)?,
        event: r.try_get(o + 2)?,
        officer_id: r.try_get(o + 3)?,
        username: r.try_get(o + 4)?,
        office_code: r.try_get(o + 5)?,
        role: r.try_get(o + 6)?,
        client: r.try_get(o + 7)?,
        mechanism: r.try_get(o + 8)?,
        purpose: r.try_get(o + 9)?,
        nik_token: r.try_get(o + 10)?,
        outcome: r.try_get(o + 11)?,
        verdicts: r.try_get(o + 12)?,
        detail: r.try_get(o + 13)?,
    })
}

/// The newest records first; for tests.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<AuditRecord>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .try_map(|r: AnyRow| record_at(&r, 0))
        .fetch_all(pool)
        .await
}

/// What an auditor or supervisor asked for. `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub officer: Option<String>,
    pub office: Option<String>,
    pub mechanism: Option<String>,
    pub purpose: Option<String>,
    pub outcome: Option<String>,
    pub event: Option<String>,
    pub nik_token: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only records with an id below this (paging backwards).
    pub before_id: Option<i64>,
    /// Only these ids (the records behind a signal).
    pub ids: Option<Vec<i64>>,
}

/// Matching records, newest first, at most `limit`.
pub async fn search(pool: &AnyPool, f: &Filter, limit: i64) -> Result<Vec<StoredRecord>, sqlx::Error> {
    let mut sql = format!("SELECT id, seq, prev_hash, hash, {COLUMNS} FROM audit_log WHERE 1 = 1");
    let mut n = 0;
    let mut clause = |sql: &mut String, column: &str, op: &str| {
        n += 1;
        sql.push_str(&format!(" AND {column} {op} ${n}"));
    };
    let texts = [
        ("username", &f.officer),
        ("office_code", &f.office),
        ("mechanism", &f.mechanism),
        ("purpose", &f.purpose),
        ("outcome", &f.outcome),
        ("event", &f.event),
        ("nik_token", &f.nik_token),
    ];
    for (column, value) in &texts {
        if value.is_some() {
            clause(&mut sql, column, "=");
        }
    }
    for (column, op, value) in [("at", ">=", f.from_ms), ("at", "<", f.to_ms), ("id", "<", f.before_id)] {
        if value.is_some() {
            clause(&mut sql, column, op);
        }
    }
    if let Some(ids) = &f.ids {
        // Integers only, so inlining them is safe; an empty list matches nothing.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sql.push_str(&format!(" AND id IN ({})", if list.is_empty() { "NULL".to_owned() } else { list }));
    }
    n += 1;
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${n}"));
    let mut q = sqlx::query(&sql);
    for (_, value) in texts {
        if let Some(v) = value {
            q = q.bind(v.clone());
        }
    }
    for v in [f.from_ms, f.to_ms, f.before_id].into_iter().flatten() {
        q = q.bind(v);
    }
    q.bind(limit).try_map(|r: AnyRow| stored(&r)).fetch_all(pool).await
}

/// One access as the misuse signals see it.
#[derive(Debug, Clone)]
pub struct AccessRow {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub office_code: String,
    pub mechanism: String,
    pub nik_token: Option<String>,
}

/// Accesses by officers (SPA) in `[from, to)`, oldest first.
pub async fn officer_accesses(pool: &AnyPool, from_ms: i64, to_ms: i64) -> Result<Vec<AccessRow>, sqlx::Error> {
    sqlx::query(
        "SELECT id, at, username, office_code, mechanism, nik_token FROM audit_log \
         WHERE event = 'access' AND client = 'spa' AND at >= $1 AND at < $2 \
         AND username IS NOT NULL AND office_code IS NOT NULL AND mechanism IS NOT NULL ORDER BY at, id",
    )
    .bind(from_ms)
    .bind(to_ms)
    .try_map(|r: AnyRow| {
        Ok(AccessRow {
            id: r.try_get(0)?,
            at: r.try_get(1)?,
            username: r.try_get(2)?,
            office_code: r.try_get(3)?,
            mechanism: r.try_get(4)?,
            nik_token: r.try_get(5)?,
        })
    })
    .fetch_all(pool)
    .await
}

/// Accesses per officer in `[from, to)`.
pub async fn access_counts(pool: &AnyPool, from_ms: i64, to_ms: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT username, COUNT(*) FROM audit_log WHERE event = 'access' AND client = 'spa' \
         AND at >= $1 AND at < $2 AND username IS NOT NULL GROUP BY username",
    )
    .bind(from_ms)
    .bind(to_ms)
    .try_map(|r: AnyRow| Ok((r.try_get(0)?, r.try_get(1)?)))
    .fetch_all(pool)
    .await
}
