//! `padan audit …`: verify the chain, export checkpoints, and (hidden, for
//! the benchmark) generate a synthetic trail. Reads `--config`/`PADAN_`
//! environment exactly like `padan serve`.
//!
//! ```text
//! padan audit verify [--config FILE] [--checkpoints FILE]
//! padan audit export-checkpoints [--config FILE] [--out FILE]
//! padan audit generate-test-trail --records N [--config FILE]
//! ```
//! `verify` exits 0 with `OK, N records, head <hash>`, 1 when it finds
//! tampering (and says what and where), 2 on usage or connection errors.

use std::{io::Write, path::PathBuf, time::Instant};

use anyhow::Context;

use super::{AuditRecord, chain, settings::AuditConfig};
use crate::{
    config::Config,
    store::{Engine, Store, audit::CheckpointRow},
};

const USAGE: &str = "usage: padan audit verify [--config FILE] [--checkpoints FILE]\n       \
                     padan audit export-checkpoints [--config FILE] [--out FILE]";

/// Runs `padan audit <args>`; returns the process exit code.
pub fn main(args: Vec<String>) -> i32 {
    let mut it = args.into_iter();
    let command = it.next().unwrap_or_default();
    let (mut config, mut checkpoints, mut out, mut records) = (None, None, None, None);
    while let Some(arg) = it.next() {
        let value = it.next();
        match (arg.as_str(), value) {
            ("--config", Some(v)) => config = Some(PathBuf::from(v)),
            ("--checkpoints", Some(v)) if command == "verify" => checkpoints = Some(PathBuf::from(v)),
            ("--out", Some(v)) if command == "export-checkpoints" => out = Some(PathBuf::from(v)),
            ("--records", Some(v)) if command == "generate-test-trail" => match v.parse::<u64>() {
                Ok(n) => records = Some(n),
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    let config = match Config::load(config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("padan audit: {e}");
            return 2;
        }
    };
    let result = runtime.block_on(async {
        let store = Store::connect(config.database.url.expose(), 2).await.context("cannot open the database")?;
        match command.as_str() {
            "verify" => verify(&store, config.database.url.expose(), &config.audit, checkpoints).await,
            "export-checkpoints" => export(&store, out).await,
            "generate-test-trail" => match records {
                Some(n) => generate(&store, &config, n).await,
                None => Ok(usage()),
            },
            _ => Ok(usage()),
        }
    });
    result.unwrap_or_else(|e| {
        eprintln!("padan audit: {e:#}");
        2
    })
}

fn usage() -> i32 {
    eprintln!("{USAGE}");
    2
}

async fn verify(store: &Store, url: &str, config: &AuditConfig, exported: Option<PathBuf>) -> anyhow::Result<i32> {
    let exported = match exported {
        Some(path) => read_checkpoints(&path)?,
        None => Vec::new(),
    };
    let trusted = config.trusted_keys();
    if trusted.is_empty() {
        anyhow::bail!("no trusted checkpoint key: set audit.signing_key (or audit.trusted_public_keys)");
    }
    let started = Instant::now();
    let report = match (store.engine(), chain::sqlite_path(url)) {
        (Engine::Sqlite, Some(path)) => {
            tokio::task::spawn_blocking(move || chain::verify_sqlite_file(&path, &trusted, &exported)).await??
        }
        _ => chain::verify(store.pool(), store.engine(), &trusted, &exported).await?,
    };
    let secs = started.elapsed().as_secs_f64();
    println!("{report}");
    let cpu = process_cpu_seconds();
    eprintln!(
        "checked {} records and {} checkpoints in {secs:.2} s ({:.0} records/s; {cpu:.2} s CPU, {:.0} records per CPU-second)",
        report.records,
        report.checkpoints,
        report.records as f64 / secs.max(1e-9),
        report.records as f64 / cpu.max(1e-9)
    );
    Ok(if report.tamper.is_none() { 0 } else { 1 })
}

/// User + system CPU time of this process so far (Linux; 0 elsewhere): on
/// a shared machine it says what verification costs, whatever else runs.
fn process_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces): utime is
            // the 12th, stime the 13th, in clock ticks (100 per second).
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn read_checkpoints(path: &std::path::Path) -> anyhow::Result<Vec<CheckpointRow>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).with_context(|| format!("{}:{}: not a checkpoint", path.display(), n + 1))
        })
        .collect()
}

async fn export(store: &Store, out: Option<PathBuf>) -> anyhow::Result<i32> {
    let checkpoints = crate::store::audit::checkpoints(store.pool()).await?;
    let mut text = String::new();
    for c in &checkpoints {
        text.push_str(&serde_json::to_string(c)?);
        text.push('\n');
    }
    match out {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} checkpoints written to {}", checkpoints.len(), path.display());
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(0)
}

/// Fills an empty trail with `n` synthetic records (benchmark only: it
/// refuses a database whose trail already holds anything).
async fn generate(store: &Store, config: &Config, n: u64) -> anyhow::Result<i32> {
    store.migrate().await?;
    if crate::store::audit::head(store.pool()).await?.seq != 0 {
        anyhow::bail!("generate-test-trail only fills an empty audit trail (this one is not): use a fresh database");
    }
    let key = config.nik_token_key();
    let policy = chain::CheckpointPolicy {
        every: config.audit.checkpoint_every as i64,
        every_ms: config.audit.checkpoint_minutes as i64 * 60_000,
        key: config.audit.signing_key.as_ref(),
    };
    let start_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let started = Instant::now();
    let mut done = 0u64;
    while done < n {
        let batch: Vec<AuditRecord> = (done..n.min(done + 10_000)).map(|i| synthetic(&key, i, start_ms)).collect();
        let mut tx = store.pool().begin().await?;
        chain::append_many(&mut tx, &batch, start_ms, policy).await?;
        tx.commit().await?;
        done += batch.len() as u64;
    }
    if store.engine() == Engine::Sqlite {
        // Fold the write-ahead log into the file, as the server's
        // checkpointer does over time, so readers do not consult it per page.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await?;
    }
    eprintln!("{n} records generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(0)
}

/// A plausible access record; the "NIK" is a counter, not a person.
fn synthetic(key: &[u8], i: u64, start_ms: i64) -> AuditRecord {
    const MECHANISMS: [&str; 3] = ["verify_elements", "portal_lookup", "face_match"];
    let officer = (i % 200) as i64;
    AuditRecord {
        at: start_ms - 1_000_000_000 + i as i64 * 100,
        request_id: format!("gen-{i:016x}"),
        event: "access".into(),
        officer_id: Some(officer + 1),
        username: Some(format!("petugas{officer:03}")),
        office_code: Some(format!("KANREG-{}", officer % 14)),
        role: Some("officer".into()),
        client: "spa".into(),
        mechanism: Some(MECHANISMS[(i % 3) as usize].into()),
        purpose: Some("data_casn_asn".into()),
        nik_token: Some(super::nik_token(key, &format!("9999{:012}", i % 500_000))),
        outcome: "ok".into(),
        verdicts: Some("NIK:S,NAMA_LGKP:S98,TGL_LHR:S".into()),
        detail: Some("agreement 1".into()),
    }
}
