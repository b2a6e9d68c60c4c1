//! BKN's ASN registry (NIK → NIP, status kepegawaian, kedudukan hukum) and
//! the history of its imports. BKN's own data, not population data.

use std::collections::HashMap;

use sqlx::{AnyPool, Row};

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// A valid registry row, as an import checked it (`services::registry_csv`).
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryRow {
    pub nik: String,
    pub nip: String,
    pub nama: String,
    pub status_kepegawaian: &'static str,
    pub kedudukan_hukum: &'static str,
    pub instansi: String,
    pub office_code: String,
    pub source_updated: Option<String>,
}

/// Masks the identifiers: rows end up in error paths.
impl std::fmt::Debug for RegistryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryRow")
            .field("status_kepegawaian", &self.status_kepegawaian)
            .field("kedudukan_hukum", &self.kedudukan_hukum)
            .finish_non_exhaustive()
    }
}

/// What is stored for a NIK, for comparison during an import.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    pub nip: String,
    pub nama: String,
    pub status_kepegawaian: String,
    pub kedudukan_hukum: String,
    pub instansi: String,
    pub office_code: String,
    pub source_updated: Option<String>,
}

/// No identifiers in logs.
impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored").finish_non_exhaustive()
    }
}

impl Stored {
    pub fn same_as(&self, r: &RegistryRow) -> bool {
        self.nip == r.nip
            && self.nama == r.nama
            && self.status_kepegawaian == r.status_kepegawaian
            && self.kedudukan_hukum == r.kedudukan_hukum
            && self.instansi == r.instansi
            && self.office_code == r.office_code
            && self.source_updated == r.source_updated
    }
}

/// Parameters per statement stay small: sqlx looks each one up by name in
/// SQLite's parameter list, a linear scan, so a statement with P parameters
/// costs O(P²) (5,000 made a 500,000-row import CPU-bound).
const LOOKUP_CHUNK: usize = 100;
const UPSERT_ROWS: usize = 25;

fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// For a chunk of rows: what is stored under their NIKs, and who owns
/// their NIPs (NIP → NIK), in one query per 100 rows.
pub async fn lookup(
    tx: &mut Tx,
    niks: &[&str],
    nips: &[&str],
) -> Result<(HashMap<String, Stored>, HashMap<String, String>), sqlx::Error> {
    let (mut stored, mut owners) = (HashMap::new(), HashMap::new());
    for (niks, nips) in niks.chunks(LOOKUP_CHUNK).zip(nips.chunks(LOOKUP_CHUNK)) {
        let sql = format!(
            "SELECT nik, nip, nama, status_kepegawaian, kedudukan_hukum, instansi, office_code, source_updated \
             FROM asn_registry WHERE nik IN ({}) OR nip IN ({})",
            placeholders(1, niks.len()),
            placeholders(niks.len() + 1, nips.len())
        );
        let mut q = sqlx::query(&sql);
        for v in niks.iter().chain(nips) {
            q = q.bind(*v);
        }
        let wanted: std::collections::HashSet<&str> = niks.iter().copied().collect();
        for r in q.fetch_all(&mut **tx).await? {
            let nik: String = r.try_get(0)?;
            let nip: String = r.try_get(1)?;
            owners.insert(nip.clone(), nik.clone());
            if wanted.contains(nik.as_str()) {
                stored.insert(
                    nik,
                    Stored {
                        nip,
                        nama: r.try_get(2)?,
                        status_kepegawaian: r.try_get(3)?,
                        kedudukan_hukum: r.try_get(4)?,
                        instansi: r.try_get(5)?,
                        office_code: r.try_get(6)?,
                        source_updated: r.try_get(7)?,
                    },
                );
            }
        }
    }
    Ok((stored, owners))
}

/// Inserts or updates rows in place (keyed by NIK), a few per statement.
pub async fn upsert(tx: &mut Tx, rows: &[&RegistryRow], import_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(UPSERT_ROWS) {
        upsert_chunk(tx, chunk, import_id, now_ms).await?;
    }
    Ok(())
}

async fn upsert_chunk(tx: &mut Tx, rows: &[&RegistryRow], import_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    const COLS: usize = 10;
    let values: Vec<String> = (0..rows.len()).map(|i| format!("({})", placeholders(i * COLS + 1, COLS))).collect();
    let sql = format!(
        "INSERT INTO asn_registry (nik, nip, nama, status_kepegawaian, kedudukan_hukum, instansi, office_code, \
         source_updated, import_id, updated_at) VALUES {} ON CONFLICT (nik) DO UPDATE SET nip = excluded.nip, \
         nama = excluded.nama, status_kepegawaian = excluded.status_kepegawaian, \
         kedudukan_hukum = excluded.kedudukan_hukum, instansi = excluded.instansi, \
         office_code = excluded.office_code, source_updated = excluded.source_updated, \
         import_id = excluded.import_id, updated_at = excluded.updated_at",
        values.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for r in rows {
        q = q
            .bind(r.nik.as_str())
            .bind(r.nip.as_str())
            .bind(r.nama.as_str())
            .bind(r.status_kepegawaian)
            .bind(r.kedudukan_hukum)
            .bind(r.instansi.as_str())
            .bind(r.office_code.as_str())
            .bind(r.source_updated.as_deref())
            .bind(import_id)
            .bind(now_ms);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM asn_registry").fetch_one(pool).await?.try_get(0)
}

/// An import as recorded.
#[derive(Debug, Clone, Default)]
pub struct ImportRecord {
    pub id: i64,
    pub started_at: i64,
    pub finished_at: i64,
    pub by_username: String,
    pub file_name: String,
    pub status: String,
    pub rows_total: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub report: String,
}

const IMPORT_COLS: &str = "id, started_at, finished_at, by_username, file_name, status, rows_total, inserted, \
                           updated, unchanged, rejected, report";

fn import_from(r: &sqlx::any::AnyRow) -> Result<ImportRecord, sqlx::Error> {
    Ok(ImportRecord {
        id: r.try_get(0)?,
        started_at: r.try_get(1)?,
        finished_at: r.try_get(2)?,
        by_username: r.try_get(3)?,
        file_name: r.try_get(4)?,
        status: r.try_get(5)?,
        rows_total: r.try_get(6)?,
        inserted: r.try_get(7)?,
        updated: r.try_get(8)?,
        unchanged: r.try_get(9)?,
        rejected: r.try_get(10)?,
        report: r.try_get(11)?,
    })
}

/// Records an import (inside the import's transaction when it applies,
/// after the rollback when it does not). Returns its id.
pub async fn insert_import<'e, E>(exec: E, r: &ImportRecord) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let insert = sqlx::query(
        "INSERT INTO registry_imports (started_at, by_username, file_name, finished_at, status, rows_total, \
         inserted, updated, unchanged, rejected, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
    );
    let insert = insert.bind(r.started_at).bind(&r.by_username).bind(&r.file_name);
    bind_outcome(insert, r).fetch_one(exec).await?.try_get(0)
}

pub async fn finish_import(tx: &mut Tx, r: &ImportRecord) -> Result<(), sqlx::Error> {
    let update = sqlx::query(
        "UPDATE registry_imports SET finished_at = $1, status = $2, rows_total = $3, inserted = $4, updated = $5, \
         unchanged = $6, rejected = $7, report = $8 WHERE id = $9",
    );
    bind_outcome(update, r).bind(r.id).execute(&mut **tx).await?;
    Ok(())
}

/// Binds how an import ended, in this order: `finished_at`, `status`, the
/// row counts and the report.
fn bind_outcome<'q>(statement: super::Statement<'q>, r: &'q ImportRecord) -> super::Statement<'q> {
    statement
        .bind(r.finished_at)
        .bind(&r.status)
        .bind(r.rows_total)
        .bind(r.inserted)
        .bind(r.updated)
        .bind(r.unchanged)
        .bind(r.rejected)
        .bind(&r.report)
}

pub async fn import(pool: &AnyPool, id: i64) -> Result<Option<ImportRecord>, sqlx::Error> {
    let sql = format!("SELECT {IMPORT_COLS} FROM registry_imports WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(pool).await?.as_ref().map(import_from).transpose()
}

/// The newest imports first.
pub async fn imports(pool: &AnyPool, limit: i64) -> Result<Vec<ImportRecord>, sqlx::Error> {
    let sql = format!("SELECT {IMPORT_COLS} FROM registry_imports ORDER BY id DESC LIMIT $1");
    sqlx::query(&sql).bind(limit).fetch_all(pool).await?.iter().map(import_from).collect()
}
