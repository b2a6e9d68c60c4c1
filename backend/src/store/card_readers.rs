//! The KTP-el reader/SAM registry.

use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderRecord {
    pub id: i64,
    /// Hex, 16 digits.
    pub sam_serial: String,
    pub reader_serial: String,
    pub office_code: String,
    /// Hex of the Dukcapil-signed activation record.
    pub activation_record: Option<String>,
    /// Unix milliseconds.
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    /// `active` or `deactivated`.
    pub status: String,
    pub registered_at: i64,
    pub registered_by: String,
}

#[derive(Debug, Clone, Copy)]
pub struct NewReader<'a> {
    pub sam_serial: &'a str,
    pub reader_serial: &'a str,
    pub office_code: &'a str,
    pub activation_record: Option<&'a str>,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    pub registered_by: &'a str,
}

const COLUMNS: &str = "id, sam_serial, reader_serial, office_code, activation_record, valid_from, valid_until, \
                       status, registered_at, registered_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<ReaderRecord, sqlx::Error> {
    Ok(ReaderRecord {
        id: r.try_get(0)?,
        sam_serial: r.try_get(1)?,
        reader_serial: r.try_get(2)?,
        office_code: r.try_get(3)?,
        activation_record: r.try_get(4)?,
        valid_from: r.try_get(5)?,
        valid_until: r.try_get(6)?,
        status: r.try_get(7)?,
        registered_at: r.try_get(8)?,
        registered_by: r.try_get(9)?,
    })
}

/// Registers a SAM, or replaces its reader, office and record (and re-activates it).
pub async fn upsert(pool: &AnyPool, r: &NewReader<'_>, now_ms: i64) -> Result<ReaderRecord, sqlx::Error> {
    let upsert = sqlx::query(
        "INSERT INTO card_readers (sam_serial, reader_serial, office_code, activation_record, valid_from, \
         valid_until, status, registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8) \
         ON CONFLICT (sam_serial) DO UPDATE SET reader_serial = $2, office_code = $3, activation_record = $4, \
         valid_from = $5, valid_until = $6, status = 'active', registered_at = $7, registered_by = $8",
    );
    bind_reader(upsert, r, now_ms).execute(pool).await?;
    by_sam(pool, r.sam_serial).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Registers a SAM only if it is not registered yet (demo start-up).
pub async fn insert_if_absent(pool: &AnyPool, r: &NewReader<'_>, now_ms: i64) -> Result<(), sqlx::Error> {
    let insert = sqlx::query(
        "INSERT INTO card_readers (sam_serial, reader_serial, office_code, activation_record, valid_from, \
         valid_until, status, registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8) \
         ON CONFLICT (sam_serial) DO NOTHING",
    );
    bind_reader(insert, r, now_ms).execute(pool).await.map(|_| ())
}

/// Binds a new reader as `$1`–`$8` of the `INSERT`s above.
fn bind_reader<'q>(statement: super::Statement<'q>, r: &NewReader<'q>, now_ms: i64) -> super::Statement<'q> {
    statement
        .bind(r.sam_serial)
        .bind(r.reader_serial)
        .bind(r.office_code)
        .bind(r.activation_record)
        .bind(r.valid_from)
        .bind(r.valid_until)
        .bind(now_ms)
        .bind(r.registered_by)
}

pub async fn by_sam(pool: &AnyPool, sam_serial: &str) -> Result<Option<ReaderRecord>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM card_readers WHERE sam_serial = $1"))
        .bind(sam_serial)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn all(pool: &AnyPool) -> Result<Vec<ReaderRecord>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM card_readers ORDER BY office_code, reader_serial"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Keeps the newest Dukcapil-signed record a SAM presented in a verified
/// read (a renewal, or the first one the demo reader sees).
pub async fn refresh_activation(
    pool: &AnyPool,
    id: i64,
    activation_record: &str,
    valid_from: i64,
    valid_until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE card_readers SET activation_record = $1, valid_from = $2, valid_until = $3 \
         WHERE id = $4 AND (valid_until IS NULL OR valid_until < $3)",
    )
    .bind(activation_record)
    .bind(valid_from)
    .bind(valid_until)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}
