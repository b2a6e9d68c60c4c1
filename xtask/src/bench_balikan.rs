//! `cargo xtask bench --balikan`: the issue-6 figures in `docs/benchmarks.md`,
//! and the demo's ASN registry.
//!
//! - Registry import: a generated 500,000-row SIASN-style CSV through the
//!   real `padan registry import` (the same code as the admin page), wall
//!   time and peak RSS from `/usr/bin/time -v`; then the same file again
//!   (an incremental re-import where nothing changed).
//! - Outbox drain: `padan-bench-data outbox --records N` (a bench-only
//!   binary, built here with the `bench-tools` feature and absent from
//!   release builds) fills the registry and the outbox with N ready
//!   records, then `padan serve` starts its worker
//!   against the simulator's receiver (zero added latency) and the ledger
//!   is polled until it holds all N.

use std::{
    io::Write,
    net::SocketAddr,
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use padan_testkit::{Backend, CallerEnv, Group, Output, Simulator, exit_text, free_addr, http_get};
use serde_json::Value;

use crate::{header, proc::run as run_cmd};

/// The synthetic row `i` (mirrors `services::registry::synthetic_row`, which
/// `padan-bench-data outbox` uses).
fn synthetic_row(i: usize) -> (String, String) {
    let female = i % 2 == 1;
    let day_index = (i / 2) % 14_600;
    let serial = i / 29_200 + 1;
    let (y, m, d) = civil_from_days(days_from_civil(1960, 1, 1) + day_index as i64);
    let nik_day = if female { d + 40 } else { d };
    let nik = format!("317101{nik_day:02}{m:02}{:02}{serial:04}", y % 100);
    let nip = format!("{y:04}{m:02}{d:02}{:04}03{}{serial:03}", y + 25, if female { 2 } else { 1 });
    (nik, nip)
}

// Howard Hinnant's civil-date algorithms (xtask has no date crate).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A SIASN-style export: `;`, a BOM, quoted names, as real exports come.
fn write_csv(path: &Path, rows: usize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"\xEF\xBB\xBFNIP;NIK;NAMA;STATUS_KEPEGAWAIAN;KEDUDUKAN_HUKUM;INSTANSI;KANREG;TGL_UPDATE\r\n")?;
    const KEDUDUKAN: [&str; 5] = ["Aktif", "Aktif", "Aktif", "Tugas Belajar", "CLTN"];
    for i in 0..rows {
        let (nik, nip) = synthetic_row(i);
        write!(
            out,
            "{nip};{nik};\"PEGAWAI NOMOR {i}, S.Kom\";{};{};Badan Kepegawaian Negara;KANREG-{};2026-10-01\r\n",
            if i % 10 == 0 { "PPPK" } else { "PNS" },
            KEDUDUKAN[i % KEDUDUKAN.len()],
            i % 14 + 1
        )?;
    }
    out.flush()?;
    Ok(())
}

fn padan(root: &Path, work: &Path, db: &Path) -> Command {
    release_binary(root, work, db, "padan")
}

/// `target/release/<binary>` on the database `db`, in demo mode, with no
/// `PADAN_` setting of the caller's.
fn release_binary(root: &Path, work: &Path, db: &Path, binary: &str) -> Command {
    let mut c = Command::new(root.join("target/release").join(binary));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PADAN_") {
            c.env_remove(&key);
        }
    }
    c.current_dir(work)
        .env("PADAN_DEMO__ENABLED", "true")
        .env("PADAN_DATABASE__URL", format!("sqlite://{}", db.display()))
        .env("PADAN_LOG__FILTER", "error");
    c
}

/// Runs `cmd` under `/usr/bin/time -v`: (wall seconds, peak RSS in MB, stdout).
fn timed(cmd: &Command) -> anyhow::Result<(f64, f64, String)> {
    let mut t = Command::new("/usr/bin/time");
    t.arg("-v").arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        t.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => t.env(k, v),
            None => t.env_remove(k),
        };
    }
    let out = t.output().context("running /usr/bin/time (apt-get install time)")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    anyhow::ensure!(out.status.success(), "{stdout}\n{stderr}");
    let field = |name: &str| stderr.lines().find_map(|l| l.trim().strip_prefix(name).map(str::trim).map(str::to_owned));
    let rss_kb: f64 = field("Maximum resident set size (kbytes):").context("no RSS in time -v")?.parse()?;
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):").context("no wall time in time -v")?;
    let secs = wall.split(':').fold(0.0, |acc, part| acc * 60.0 + part.parse::<f64>().unwrap_or(0.0));
    Ok((secs, rss_kb / 1024.0, stdout))
}

pub fn run(quick: bool) -> anyhow::Result<()> {
    let root = crate::repo_root()?;
    header("release builds");
    crate::bench::build_release(&root, true)?;
    let work = std::env::temp_dir().join(format!("padan-bench-balikan-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let result = measure(&root, &work, quick);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn measure(root: &Path, work: &Path, quick: bool) -> anyhow::Result<()> {
    let rows = if quick { 50_000 } else { 500_000 };
    header(&format!("registry import: {rows} rows"));
    let csv = work.join("siasn.csv");
    write_csv(&csv, rows)?;
    let size_mb = std::fs::metadata(&csv)?.len() as f64 / 1e6;
    let db = work.join("registry.db");
    let mut import = padan(root, work, &db);
    import.args(["registry", "import"]).arg(&csv);
    let (first_s, first_rss, out) = timed(&import)?;
    print!("{out}");
    let (again_s, again_rss, out) = timed(&import)?;
    print!("{out}");
    println!(
        "registry import, {rows} rows ({size_mb:.1} MB CSV): first {first_s:.1} s, peak RSS {first_rss:.0} MB; \
         re-import (all unchanged) {again_s:.1} s, peak RSS {again_rss:.0} MB"
    );

    let n = if quick { 5_000 } else { 50_000 };
    header(&format!("outbox drain: {n} records to the simulator's receiver"));
    let db = work.join("drain.db");
    run_cmd(release_binary(root, work, &db, "padan-bench-data").args(["outbox", "--records", &n.to_string()]))?;
    let sim_addr = free_addr()?;
    let mut sim = Simulator::new(root.join("target/release/padan-sim-dukcapil"), sim_addr)
        .persons(1000)
        .env("RUST_LOG", "error")
        .start(Output::Null, Group::Own)?;
    let addr = free_addr()?;
    let started = Instant::now();
    let backend = Backend::new(root.join("target/release/padan"), work, addr)
        .caller_env(CallerEnv::DropAll)
        .sqlite(&db)
        .log_filter("error")
        .spa_dir(&work.join("no-dist"))
        .dukcapil(&format!("http://{sim_addr}"));
    // Not waited on: the drain clock runs from the start.
    let mut backend = padan_testkit::Process::spawn("the backend", &mut backend.command(), Output::Null, Group::Own)?;
    let ledger = |sim_addr| -> anyhow::Result<(u64, u64, u64)> {
        let (status, body) = http_get(sim_addr, "/_sim/balikan/ledger?entries=false")?;
        anyhow::ensure!(status == 200, "ledger: HTTP {status}");
        let v: Value = serde_json::from_str(&body)?;
        let get = |k: &str| v[k].as_u64().unwrap_or(0);
        Ok((get("records"), get("duplicates"), get("requests")))
    };
    let mut first: Option<(Instant, u64)> = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    let (done, dups, requests) = loop {
        if let Some(status) = backend.exited() {
            bail!("the backend exited ({})", exit_text(status));
        }
        let (records, dups, requests) = ledger(sim_addr)?;
        if records > 0 && first.is_none() {
            first = Some((Instant::now(), records));
        }
        if records >= n as u64 {
            break (Instant::now(), dups, requests);
        }
        anyhow::ensure!(Instant::now() < deadline, "drain stalled at {records}/{n}");
        std::thread::sleep(Duration::from_millis(20));
    };
    backend.stop();
    sim.stop();
    let (t0, r0) = first.context("nothing was delivered")?;
    let steady = (n as u64 - r0) as f64 / done.duration_since(t0).as_secs_f64().max(1e-3);
    let overall = n as f64 / done.duration_since(started).as_secs_f64();
    println!(
        "outbox drain, {n} records, batch 200 (default): {steady:.0} NIK/s from the first delivery, {overall:.0} NIK/s \
         including backend start-up; {requests} requests, {dups} duplicates"
    );
    Ok(())
}

/// The demo's ASN registry: 4 of every 5 persons of the simulator's sample
/// (plus the fixed demo person) get a NIP, so the data-balikan dashboard
/// shows delivered records and applicants waiting for a NIP.
pub(crate) fn demo_registry(root: &Path, state: &Path, sim_addr: SocketAddr, db: &Path) -> anyhow::Result<()> {
    let (status, body) = http_get(sim_addr, "/_sim/persons/sample?count=500")?;
    anyhow::ensure!(status == 200, "HTTP {status} for the persons sample");
    let persons: Vec<Value> = serde_json::from_str(&body).context("parsing the sample")?;
    let mut csv = String::from("NIK;NIP;NAMA;STATUS_KEPEGAWAIAN;KEDUDUKAN_HUKUM;INSTANSI;KANREG\n");
    let mut rows = vec![("3171016708929904".to_owned(), "DEWI KARTIKA SARI".to_owned())];
    for (i, p) in persons.iter().enumerate() {
        if i % 5 == 4 {
            continue;
        }
        let (Some(nik), Some(nama)) = (p["NIK"].as_str(), p["NAMA_LGKP"].as_str()) else { continue };
        rows.push((nik.to_owned(), nama.to_owned()));
    }
    for (i, (nik, nama)) in rows.iter().enumerate() {
        if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let num = |r: std::ops::Range<usize>| nik[r].parse::<u32>().unwrap_or(0);
        let (dd, mm, yy) = (num(6..8), num(8..10), num(10..12));
        let (day, sex) = if dd > 40 { (dd - 40, 2) } else { (dd, 1) };
        let year = if yy > 26 { 1900 + yy } else { 2000 + yy };
        let nip = format!("{year:04}{mm:02}{day:02}{:04}03{sex}{:03}", year + 22, i % 999 + 1);
        let status = ["PNS", "PNS", "CPNS", "PPPK"][i % 4];
        let kedudukan = ["Aktif", "Aktif", "Aktif", "Tugas Belajar", "MPP"][i % 5];
        csv.push_str(&format!("{nik};{nip};\"{nama}\";{status};{kedudukan};Badan Kepegawaian Negara;KANREG-V\n"));
    }
    let path = state.join("demo-asn.csv");
    std::fs::write(&path, csv)?;
    let mut cmd = padan(root, state, db);
    cmd.args(["registry", "import"]).arg(&path).env("PADAN_LOG__FILTER", "warn");
    let out = cmd.output().context("running padan registry import")?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "demo registry import failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("demo ASN registry: {}", text.lines().next().unwrap_or_default());
    Ok(())
}
