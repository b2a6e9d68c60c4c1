//! `padan audit …`: verify the chain and export checkpoints. Reads
//! `--config`/`PADAN_` environment exactly like `padan serve`. (Synthetic
//! trails for the benchmark come from `padan-bench-data audit-trail`, which
//! release builds do not contain.)
//!
//! ```text
//! padan audit verify [--config FILE] [--checkpoints FILE]
//! padan audit export-checkpoints [--config FILE] [--out FILE]
//! ```
//! `verify` exits 0 with `OK, N records, head <hash>`, 1 when it finds
//! tampering (and says what and where), 2 on usage or connection errors.

use std::{io::Write, path::PathBuf, time::Instant};

use anyhow::Context;

use super::{chain, settings::AuditConfig};
use crate::{
    config::Config,
    store::{Engine, Store, audit::CheckpointRow},
};

/// `padan audit <command>` (parsed with the rest of `padan`'s command line
/// in main.rs; `--config` belongs to the whole command line).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Verify the hash chain and the signed checkpoints: exit 0 when intact, 1 on tampering
    Verify {
        /// Checkpoints exported earlier (JSON lines) to check the trail against
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
    /// Write the signed checkpoints as JSON lines (to keep off the server)
    ExportCheckpoints {
        /// Where to write them (standard output when absent)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs `padan audit <command>`; returns the process exit code.
pub fn main(command: Command, config: Option<PathBuf>) -> i32 {
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
        match command {
            Command::Verify { checkpoints } => {
                verify(&store, config.database.url.expose(), &config.audit, checkpoints).await
            }
            Command::ExportCheckpoints { out } => export(&store, out).await,
        }
    });
    result.unwrap_or_else(|e| {
        eprintln!("padan audit: {e:#}");
        2
    })
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
    let report = match (store.engine(), crate::store::sqlite_path(url)) {
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
