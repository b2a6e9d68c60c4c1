//! Importing BKN's ASN registry from a SIASN-style CSV export.
//!
//! All or nothing: rows are written inside one transaction as they stream
//! in, and the transaction commits only when every row was valid (a dry
//! run never commits). A failed import changes nothing but its own entry in
//! the import history. Re-imports update rows in place, keyed by NIK. After
//! a successful import the data-balikan outbox is joined again, so records
//! waiting for a NIP find it.

use std::{
    collections::{BTreeMap, HashSet},
    io::BufRead,
};

use padan_protocol::v1::{
    ImportStatus, ProblemCount, ProblemKind, RegistryImportReport, RegistryImportSummary, RowProblem,
};

use crate::{
    clock::{Clock, wib},
    error::AppError,
    services::registry_csv::{Columns, CsvReader, RegistryRow, check_row},
    store::{self, Store, registry::ImportRecord},
};

/// Rows written per statement.
const CHUNK: usize = 500;
/// Problems listed in a report (all are counted).
const LISTED_PROBLEMS: usize = 1_000;

/// Who imports what.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    pub by: String,
    pub dry_run: bool,
}

#[derive(Default)]
struct Tally {
    rows_total: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected_rows: HashSet<u64>,
    counts: BTreeMap<ProblemKind, u64>,
    listed: Vec<RowProblem>,
}

impl Tally {
    fn problem(&mut self, line: u64, kind: ProblemKind, message: String) {
        self.rejected_rows.insert(line);
        *self.counts.entry(kind).or_default() += 1;
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(RowProblem { line, kind, message });
        }
    }
}

/// Imports `input` into the registry. `Err` only for database or read
/// failures; invalid content yields a `rejected` report.
pub async fn import(
    store: &Store,
    clock: &dyn Clock,
    input: impl BufRead,
    req: &ImportRequest,
) -> Result<RegistryImportReport, AppError> {
    let started = clock.now_millis();
    let timer = std::time::Instant::now();
    let mut tally = Tally::default();
    // On the writer slot: the audit appender and the other writers queue
    // behind the import (seconds for a large file) instead of meeting its
    // lock in SQLite's busy handler, which gives up after 5 s.
    let mut tx = store.begin_write().await?;
    if store.engine() == store::Engine::Sqlite {
        // A 500,000-row transaction outgrows SQLite's default 2 MB page cache
        // and spills to the WAL page by page; 64 MB keeps it in memory
        // (connection-local, set back below).
        sqlx::query("PRAGMA cache_size = -65536").execute(&mut **tx).await?;
    }
    let mut record = ImportRecord {
        started_at: started,
        finished_at: started,
        by_username: req.by.clone(),
        file_name: req.file_name.clone(),
        status: "running".into(),
        report: "{}".into(),
        ..ImportRecord::default()
    };
    record.id = store::registry::insert_import(&mut **tx, &record).await?;
    let mut separator = ",";
    let read_error = |e: std::io::Error| AppError::InvalidRequest(format!("berkas tidak dapat dibaca: {e}"));
    match CsvReader::open(input).map_err(read_error)? {
        None => tally.problem(1, ProblemKind::MissingColumn, "berkas kosong".into()),
        Some((mut reader, header)) => {
            separator = match reader.separator() {
                b';' => ";",
                b'\t' => "tab",
                b'|' => "|",
                _ => ",",
            };
            match Columns::find(&header) {
                Err(missing) => tally.problem(
                    1,
                    ProblemKind::MissingColumn,
                    format!("kolom wajib tidak ada di header: {}", missing.join(", ")),
                ),
                Ok(columns) => {
                    let mut seen_nik: HashSet<u64> = HashSet::new();
                    let mut seen_nip: HashSet<u64> = HashSet::new();
                    let mut chunk: Vec<(u64, RegistryRow)> = Vec::with_capacity(CHUNK);
                    let mut fields = Vec::new();
                    while let Some((line, split)) = reader.next_record(&mut fields).map_err(read_error)? {
                        tally.rows_total += 1;
                        if let Err(why) = split {
                            tally.problem(line, ProblemKind::MalformedRow, why.into());
                            continue;
                        }
                        let row = match check_row(&columns, &fields) {
                            Ok(row) => row,
                            Err(problems) => {
                                for (kind, message) in problems {
                                    tally.problem(line, kind, message);
                                }
                                continue;
                            }
                        };
                        let mut duplicate = false;
                        if !seen_nik.insert(row.nik.parse().unwrap_or_default()) {
                            tally.problem(line, ProblemKind::DuplicateNik, "NIK muncul lebih dari sekali".into());
                            duplicate = true;
                        }
                        if !seen_nip.insert(row.nip.parse().unwrap_or_default()) {
                            tally.problem(line, ProblemKind::DuplicateNip, "NIP muncul lebih dari sekali".into());
                            duplicate = true;
                        }
                        // Once a row is bad nothing will be committed: only keep checking
                        // (a dry run keeps classifying, to report what would change).
                        if !duplicate && (tally.rejected_rows.is_empty() || req.dry_run) {
                            chunk.push((line, row));
                            if chunk.len() == CHUNK {
                                write_chunk(&mut tx, &mut chunk, &mut tally, record.id, started).await?;
                            }
                        }
                    }
                    if tally.rejected_rows.is_empty() || req.dry_run {
                        write_chunk(&mut tx, &mut chunk, &mut tally, record.id, started).await?;
                    }
                }
            }
        }
    }
    let status = if !tally.rejected_rows.is_empty() {
        ImportStatus::Rejected
    } else if req.dry_run {
        ImportStatus::Checked
    } else {
        ImportStatus::Applied
    };
    let mut report = RegistryImportReport {
        id: 0,
        status,
        file_name: req.file_name.clone(),
        by: req.by.clone(),
        at: wib(started),
        duration_ms: timer.elapsed().as_millis() as i64,
        separator: separator.into(),
        rows_total: tally.rows_total,
        inserted: tally.inserted,
        updated: tally.updated,
        unchanged: tally.unchanged,
        rejected: tally.rejected_rows.len() as u64,
        problem_counts: tally.counts.iter().map(|(kind, count)| ProblemCount { kind: *kind, count: *count }).collect(),
        problems: tally.listed,
        outbox_joined: 0,
    };
    if status == ImportStatus::Rejected {
        (report.inserted, report.updated, report.unchanged) = (0, 0, 0);
    }
    record.finished_at = clock.now_millis();
    record.status = status_str(status).into();
    record.rows_total = report.rows_total as i64;
    record.inserted = report.inserted as i64;
    record.updated = report.updated as i64;
    record.unchanged = report.unchanged as i64;
    record.rejected = report.rejected as i64;
    record.report = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    if store.engine() == store::Engine::Sqlite {
        sqlx::query("PRAGMA cache_size = -2000").execute(&mut **tx).await?;
    }
    if status == ImportStatus::Applied {
        report.id = record.id;
        record.report = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
        store::registry::finish_import(&mut tx, &record).await?;
        tx.commit().await?;
    } else {
        // Nothing of the content stays; a dry run reports what would happen.
        tx.rollback().await?;
        report.id = store::registry::insert_import(store.pool(), &record).await?;
    }
    Ok(report)
}

fn status_str(s: ImportStatus) -> &'static str {
    match s {
        ImportStatus::Applied => "applied",
        ImportStatus::Rejected => "rejected",
        ImportStatus::Checked => "checked",
    }
}

fn status_of(s: &str) -> ImportStatus {
    match s {
        "applied" => ImportStatus::Applied,
        "checked" => ImportStatus::Checked,
        _ => ImportStatus::Rejected,
    }
}

/// Classifies a chunk against what is stored and writes the new and changed rows.
async fn write_chunk(
    tx: &mut store::registry::Tx,
    chunk: &mut Vec<(u64, RegistryRow)>,
    tally: &mut Tally,
    import_id: i64,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    if chunk.is_empty() {
        return Ok(());
    }
    let niks: Vec<&str> = chunk.iter().map(|(_, r)| r.nik.as_str()).collect();
    let nips: Vec<&str> = chunk.iter().map(|(_, r)| r.nip.as_str()).collect();
    let (stored, owners) = store::registry::lookup(tx, &niks, &nips).await?;
    let mut write: Vec<&RegistryRow> = Vec::with_capacity(chunk.len());
    let mut taken = Vec::new();
    for (line, row) in chunk.iter() {
        if owners.get(&row.nip).is_some_and(|owner| owner != &row.nik) {
            taken.push(*line);
            continue;
        }
        match stored.get(&row.nik) {
            None => {
                tally.inserted += 1;
                write.push(row);
            }
            Some(s) if s.same_as(row) => tally.unchanged += 1,
            Some(_) => {
                tally.updated += 1;
                write.push(row);
            }
        }
    }
    for line in taken {
        tally.problem(line, ProblemKind::NipTaken, "NIP sudah terdaftar di registri untuk NIK lain".into());
    }
    if tally.rejected_rows.is_empty() {
        store::registry::upsert(tx, &write, import_id, now_ms).await?;
    }
    chunk.clear();
    Ok(())
}

pub async fn report(store: &Store, id: i64) -> Result<RegistryImportReport, AppError> {
    let record = store::registry::import(store.pool(), id).await?.ok_or(AppError::NotFound)?;
    let mut report: RegistryImportReport =
        serde_json::from_str(&record.report).map_err(|e| AppError::Internal(format!("import report {id}: {e}")))?;
    report.id = record.id;
    Ok(report)
}

pub fn summary(r: &ImportRecord) -> RegistryImportSummary {
    RegistryImportSummary {
        id: r.id,
        status: status_of(&r.status),
        file_name: r.file_name.clone(),
        by: r.by_username.clone(),
        at: wib(r.started_at),
        rows_total: r.rows_total as u64,
        rejected: r.rejected as u64,
    }
}

pub async fn history(store: &Store) -> Result<Vec<RegistryImportSummary>, AppError> {
    Ok(store::registry::imports(store.pool(), 50).await?.iter().map(summary).collect())
}

/// Imports, then (when applied) joins the outbox so waiting records find
/// their NIP at once.
pub async fn import_and_join(
    state: &crate::AppState,
    input: impl BufRead,
    req: &ImportRequest,
) -> Result<RegistryImportReport, AppError> {
    let mut report = import(state.store(), state.clock().as_ref(), input, req).await?;
    if report.status == ImportStatus::Applied {
        report.outbox_joined = crate::services::balikan::join(state).await?.joined;
    }
    Ok(report)
}

/// `padan registry import FILE [--dry-run] [--config FILE]`: the same
/// import as the admin page, streaming from a file (for large exports and
/// for operators' scripts). Exit 0 when applied or checked, 1 when rejected,
/// 2 on usage (main.rs parses the command line) or start-up errors.
pub fn cli_main(file: std::path::PathBuf, dry_run: bool, config_path: Option<std::path::PathBuf>) -> i32 {
    let config = match crate::config::Config::load(config_path.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("padan: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("padan: {e}");
            return 2;
        }
    };
    let result: anyhow::Result<RegistryImportReport> = runtime.block_on(async {
        let input = std::io::BufReader::with_capacity(
            256 * 1024,
            std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?,
        );
        let store = Store::connect(config.database.url.expose(), 2).await?;
        store.migrate().await?;
        let clock = crate::clock::SystemClock;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let req = ImportRequest { file_name: name, by: "cli".into(), dry_run };
        let mut report = import(&store, &clock, input, &req).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if report.status == ImportStatus::Applied {
            let joined = crate::services::balikan::join_store(&store, clock.now_millis(), config.balikan.horizon_days)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            report.outbox_joined = joined.joined;
        }
        Ok(report)
    });
    match result {
        Ok(r) => {
            println!(
                "import {} {:?}: {} rows ({} new, {} updated, {} unchanged, {} rejected) in {} ms; separator {}; \
                 outbox joined {}",
                r.id,
                r.status,
                r.rows_total,
                r.inserted,
                r.updated,
                r.unchanged,
                r.rejected,
                r.duration_ms,
                r.separator,
                r.outbox_joined
            );
            for p in r.problems.iter().take(50) {
                println!("  baris {}: {:?}: {}", p.line, p.kind, p.message);
            }
            if r.status == ImportStatus::Rejected { 1 } else { 0 }
        }
        Err(e) => {
            eprintln!("padan: registry import failed: {e}");
            2
        }
    }
}

/// A synthetic registry row for benchmarks (`padan-bench-data outbox`):
/// unique NIK and NIP for every `i` below 1,168,000, consistent with each
/// other (birth date and sex). Not in release builds (`bench-tools`).
#[cfg(any(test, feature = "bench-tools"))]
pub fn synthetic_row(i: usize) -> (String, String) {
    let female = i % 2 == 1;
    let day_index = (i / 2) % 14_600;
    let serial = i / 29_200 + 1;
    let date = time::Date::from_calendar_date(1960, time::Month::January, 1)
        .unwrap_or(time::Date::MIN)
        .saturating_add(time::Duration::days(day_index as i64));
    let (y, m, d) = (date.year(), u8::from(date.month()), date.day());
    let nik_day = if female { d + 40 } else { d };
    let nik = format!("317101{nik_day:02}{m:02}{:02}{serial:04}", y % 100);
    let nip = format!("{y:04}{m:02}{d:02}{:04}03{}{serial:03}", y + 25, if female { 2 } else { 1 });
    (nik, nip)
}

#[cfg(test)]
mod tests {
    use padan_protocol::validate::{nik_agrees_with_nip, parse_nik, parse_nip};

    #[test]
    fn synthetic_rows_are_valid_and_unique() {
        let mut niks = std::collections::HashSet::new();
        let mut nips = std::collections::HashSet::new();
        for i in (0..600_000).step_by(7).chain([1, 29_199, 29_200, 599_999]) {
            let (nik, nip) = super::synthetic_row(i);
            let (a, b) = (parse_nik(&nik).unwrap(), parse_nip(&nip).unwrap());
            assert!(nik_agrees_with_nip(&a, &b).is_ok(), "{i}");
            assert!(niks.insert(nik) && nips.insert(nip), "{i}");
        }
    }
}
