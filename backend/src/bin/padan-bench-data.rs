//! `padan-bench-data`: synthetic data for `cargo xtask bench`, and nothing
//! else. Built only with the `bench-tools` feature, which `cargo xtask bench
//! --audit|--balikan` enables and release builds do not: the production
//! `padan` binary offers none of this. Both commands refuse outside demo
//! mode and read `--config`/`PADAN_` environment exactly like `padan serve`.
//!
//! ```text
//! padan-bench-data audit-trail --records N [--config FILE]
//! padan-bench-data outbox --records N [--config FILE]
//! ```
//! `audit-trail` fills an empty audit trail with N synthetic records through
//! the real chain code (hashes, signed checkpoints), 10,000 per transaction;
//! `outbox` puts N synthetic ASN into the registry (the real import) and N
//! ready records into the data-balikan outbox. Exit 0 on success, 2 on usage,
//! configuration or database errors.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use padan_backend::{
    audit::{self, AuditRecord, chain},
    clock::{Clock, SystemClock, WIB, millis_to_datetime},
    config::Config,
    services::registry::{self, ImportRequest},
    store::{self, Engine, Store},
};
use padan_protocol::v1::ImportStatus;

const USAGE: &str = "usage: padan-bench-data audit-trail --records N [--config FILE]\n       \
                     padan-bench-data outbox --records N [--config FILE]";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Command {
    /// Fill an empty audit trail with N records (hashes, signed checkpoints)
    AuditTrail,
    /// Put N ASN into the registry and N ready records into the outbox
    Outbox,
}

/// Data for `cargo xtask bench` (demo mode only).
#[derive(Debug, Parser)]
#[command(name = "padan-bench-data", version)]
struct Args {
    /// What to generate
    #[arg(value_enum)]
    command: Command,
    /// How many records
    #[arg(long, value_name = "N")]
    records: u64,
    /// Configuration file (TOML), as for `padan serve`; `PADAN_` environment overrides it
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `None` on anything but one of the two commands with a record count.
#[cfg(test)]
fn parse(args: &[String]) -> Option<Args> {
    Args::try_parse_from(std::iter::once("padan-bench-data").chain(args.iter().map(String::as_str))).ok()
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        // `--help`, `--version`: on standard output, exit 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("{USAGE}\n\n{e}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(args.config.as_deref()) {
        Ok(c) if c.demo.enabled => c,
        Ok(_) => {
            eprintln!("padan-bench-data: writes synthetic records: demo mode only (demo.enabled = true)");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("padan-bench-data: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        let store = Store::connect(config.database.url.expose(), 2).await.context("cannot open the database")?;
        store.migrate().await?;
        match args.command {
            Command::AuditTrail => audit_trail(&store, &config, args.records).await,
            Command::Outbox => outbox(&store, &config, args.records).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("padan-bench-data: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Fills an empty trail with `n` synthetic records (it refuses a database
/// whose trail already holds anything).
async fn audit_trail(store: &Store, config: &Config, n: u64) -> anyhow::Result<()> {
    if store::audit::head(store.pool()).await?.seq != 0 {
        anyhow::bail!("audit-trail only fills an empty audit trail (this one is not): use a fresh database");
    }
    let key = config.nik_token_key();
    let policy = chain::CheckpointPolicy {
        every: config.audit.checkpoint_every as i64,
        every_ms: config.audit.checkpoint_minutes as i64 * 60_000,
        key: config.audit.signing_key.as_ref(),
    };
    let start_ms = SystemClock.now_millis();
    let started = Instant::now();
    let mut done = 0u64;
    while done < n {
        let batch: Vec<AuditRecord> =
            (done..n.min(done + 10_000)).map(|i| synthetic_access(&key, i, start_ms)).collect();
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
    Ok(())
}

/// A plausible access record; the "NIK" is a counter, not a person.
fn synthetic_access(key: &[u8], i: u64, start_ms: i64) -> AuditRecord {
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
        nik_token: Some(audit::nik_token(key, &format!("9999{:012}", i % 500_000))),
        outcome: "ok".into(),
        verdicts: Some("NIK:S,NAMA_LGKP:S98,TGL_LHR:S".into()),
        detail: Some("agreement 1".into()),
    }
}

/// Puts `n` synthetic ASN into the registry and `n` ready records into the
/// outbox (`cargo xtask bench --balikan` then drains them).
async fn outbox(store: &Store, config: &Config, n: u64) -> anyhow::Result<()> {
    let n = usize::try_from(n).context("--records is too large")?;
    let clock = SystemClock;
    let mut csv = String::from("NIK,NIP,NAMA,STATUS_KEPEGAWAIAN,KEDUDUKAN_HUKUM,INSTANSI\n");
    for i in 0..n {
        let (nik, nip) = registry::synthetic_row(i);
        csv.push_str(&format!("{nik},{nip},ASN {i},PNS,aktif,BKN\n"));
    }
    let req = ImportRequest { file_name: "bench.csv".into(), by: "bench".into(), dry_run: false };
    let report = registry::import(store, &clock, csv.as_bytes(), &req).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(report.status == ImportStatus::Applied, "synthetic registry rejected: {:?}", report.problems);
    let key = config.nik_token_key();
    let now = clock.now_millis();
    let day = millis_to_datetime(now).to_offset(WIB).date().to_string();
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(1_000) {
        let mut tx = store.pool().begin().await?;
        for &i in chunk {
            let (nik, _) = registry::synthetic_row(i);
            let token = audit::nik_token(&key, &nik);
            let entry = store::outbox::NewEntry {
                nik: &nik,
                nik_token: &token,
                audit_id: 0,
                mechanism: "bench",
                office_code: "BENCH",
                accessed_at: now,
                accessed_day: &day,
            };
            store::outbox::enqueue_in(&mut tx, &entry).await?;
        }
        tx.commit().await?;
    }
    println!("{n} synthetic records in the registry and the outbox");
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};

    use super::{Args, Command, parse};

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_the_two_commands_and_refuses_the_rest() {
        let a = parse(&args("audit-trail --records 10 --config x.toml")).unwrap();
        assert_eq!((a.command, a.records), (Command::AuditTrail, 10));
        assert_eq!(a.config.unwrap().to_str(), Some("x.toml"));
        let a = parse(&args("outbox --records 5")).unwrap();
        assert_eq!((a.command, a.records, a.config), (Command::Outbox, 5, None));
        for bad in ["", "serve", "outbox", "outbox --records", "outbox --records x", "outbox --records 5 --bogus 1"] {
            assert!(parse(&args(bad)).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn help_lists_the_commands_and_flags_and_unknown_flags_are_usage_errors() {
        Args::command().debug_assert();
        let help = Args::try_parse_from(["padan-bench-data", "--help"]).unwrap_err();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        for word in ["audit-trail", "outbox", "--records", "--config"] {
            assert!(help.to_string().contains(word), "{word}: {help}");
        }
        let e = Args::try_parse_from(["padan-bench-data", "outbox", "--records", "5", "--bogus"]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::UnknownArgument, 2));
        assert!(e.render().to_string().contains("Usage: padan-bench-data"), "{e}");
    }
}
