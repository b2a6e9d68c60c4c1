//! `cargo xtask bench`: the figures in `docs/benchmarks.md`.
//!
//! Builds release binaries and the release SPA, starts the simulator (zero
//! added latency) and the backend on a throw-away SQLite file, signs in as
//! the demo officer, and measures over real HTTP on loopback:
//! - the SPA's transfer size (wasm + js + css, gzip -9);
//! - a bare route (`/livez`) as the ceiling of this machine and stack;
//! - the simulator alone, for the upstream's own latency;
//! - verify-by-elements through the backend: maximum throughput (closed
//!   loop);
//! - each officer mechanism at a fixed 200 requests/s (open loop), the
//!   simulator alone and then through the backend, in `--rounds N` rounds
//!   (default 5; the median is the figure), with the backend's own
//!   histograms (session check, Dukcapil call, audit append) per run and the
//!   longest pause the load generator itself saw;
//! - the circuit breaker while Dukcapil is down.
//!
//! `--quick` shortens every run (for a smoke check, not for the docs);
//! `--keep-spa` measures the `dist/` already built instead of rebuilding it;
//! `--latency` runs only the 200/s rounds.

use std::{net::SocketAddr, path::Path, process::Command, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use padan_testkit::servers::{DEMO_PASSWORD, DUKCAPIL_PASSWORD, DUKCAPIL_USER};
use padan_testkit::{Backend, Group, Output, Process, Simulator, free_addr, http_get};
use serde_json::{Value, json};

use crate::{
    header,
    load::{self, Conn, Report, Request},
    proc::run as run_cmd,
    spa::{self, Freshness},
    tools,
};

type Make = Arc<dyn Fn(usize) -> Request + Send + Sync>;

fn cycle(requests: Vec<Request>) -> Make {
    Arc::new(move |i: usize| requests[i % requests.len()].clone())
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() { T[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn gzip_size(path: &Path) -> anyhow::Result<usize> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().context("running gzip")?;
    anyhow::ensure!(out.status.success(), "gzip failed on {}", path.display());
    Ok(out.stdout.len())
}

/// (file, raw bytes, gzip bytes) of what a browser downloads for the SPA.
fn spa_sizes(dist: &Path) -> anyhow::Result<Vec<(String, usize, usize)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if [".wasm", ".js", ".css", ".html"].iter().any(|ext| name.ends_with(ext)) {
            out.push((name, std::fs::metadata(&path)?.len() as usize, gzip_size(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    format!("{cores} cores ({cpu}), {} GiB RAM", mem_kb / 1024 / 1024)
}

fn row(name: &str, r: &Report) -> String {
    format!(
        "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} |",
        r.rps(),
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        r.requests,
        r.errors
    )
}

/// What `cargo xtask bench` was asked for.
#[derive(Debug, clap::Args)]
pub(crate) struct Options {
    /// Short runs (2 s per step, one round): a smoke test of the benchmark, not figures
    #[arg(long)]
    quick: bool,
    /// Reuse the SPA in dist/ as it is (no rebuild)
    #[arg(long)]
    keep_spa: bool,
    /// Only the per-mechanism overhead at 200/s (the issue 3 figure).
    #[arg(long = "latency")]
    latency_only: bool,
    /// How many times each 200/s pair is measured; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = at_least_one)]
    rounds: usize,
    /// Only the audit figures: chain cost, `padan audit verify` speed
    #[arg(long)]
    audit: bool,
    /// Only the data-balikan figures: registry import, outbox drain
    #[arg(long)]
    balikan: bool,
}

fn at_least_one(n: &str) -> Result<usize, String> {
    n.parse().ok().filter(|n| *n >= 1).ok_or_else(|| "--rounds takes a number ≥ 1".to_owned())
}

/// The release simulator (100,000 persons, seed 2026, the demo account
/// with a quota no run exhausts), its config written into `work`; healthy
/// when this returns.
pub(crate) fn start_simulator(root: &Path, work: &Path) -> anyhow::Result<(Process, SocketAddr)> {
    let sim_addr = free_addr()?;
    let config = json!({
        "user_id": DUKCAPIL_USER, "password": DUKCAPIL_PASSWORD,
        "allowed_ips": ["127.0.0.1"], "daily_quota": 100_000_000u64,
    });
    let sim = Simulator::new(root.join("target/release/padan-sim-dukcapil"), sim_addr)
        .config(&work.join("sim.json"), &config)?
        .seed(2026)
        .persons(100_000)
        .start(Output::Null, Group::Own)?
        .with_grace(Duration::from_secs(10));
    Ok((sim, sim_addr))
}

/// The release backend in demo mode on a throw-away SQLite file in `work`,
/// quiet (`PADAN_LOG__FILTER` is the caller's to set).
pub(crate) fn release_backend(root: &Path, work: &Path, addr: SocketAddr, sim_addr: SocketAddr, db: &Path) -> Backend {
    Backend::new(root.join("target/release/padan"), work, addr)
        .spa_dir(&root.join("dist"))
        .sqlite(db)
        .dukcapil(&format!("http://{sim_addr}"))
}

/// The simulator and the backend (release builds) on a throw-away SQLite
/// file, stopped when dropped.
struct Rig {
    work: std::path::PathBuf,
    sim_addr: SocketAddr,
    addr: SocketAddr,
    /// The management listener: `/metrics` is served there only.
    management: SocketAddr,
    sim: Process,
    backend: Process,
}

impl Rig {
    fn start(root: &Path) -> anyhow::Result<Self> {
        let work = std::env::temp_dir().join(format!("padan-bench-{}", std::process::id()));
        std::fs::create_dir_all(&work)?;
        header("starting the simulator and the backend (release)");
        let (sim, sim_addr) = start_simulator(root, &work)?;
        let addr = free_addr()?;
        let management = free_addr()?;
        let backend = release_backend(root, &work, addr, sim_addr, &work.join("padan.db"))
            .management(management)
            .env("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE", root.join("sim/dukcapil/keys/fr-demo-public.pem"))
            .log_filter("warn")
            .start(Output::Null, Group::Own)?
            .with_grace(Duration::from_secs(10));
        Ok(Self { work, sim_addr, addr, management, sim, backend })
    }

    fn metrics(&self) -> anyhow::Result<String> {
        let r = Conn::open(self.management)?.send(&Request::get("/metrics"))?;
        anyhow::ensure!(r.status == 200, "GET /metrics: HTTP {}", r.status);
        Ok(String::from_utf8_lossy(&r.body).into_owned())
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.backend.stop();
        self.sim.stop();
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

/// The requests every run sends: real persons from the simulator, claimed
/// exactly as recorded; the same questions asked through the backend and
/// of the simulator directly.
struct Fixtures {
    backend_verify: Vec<Request>,
    direct_verify: Vec<Request>,
    backend_ikd: Vec<Request>,
    backend_portal: Vec<Request>,
    direct_nik: Vec<Request>,
    direct_kk: Vec<Request>,
    direct_foto: Vec<Request>,
    backend_face: Vec<Request>,
    direct_fr: Make,
    breaker_probe: Make,
}

/// Signs in as the demo officer `petugas`: (session cookie, CSRF token).
pub(crate) fn sign_in(addr: SocketAddr) -> anyhow::Result<(String, String)> {
    let mut conn = Conn::open(addr)?;
    let signed = conn
        .send(&Request::post_json("/api/v1/session", &json!({ "username": "petugas", "password": DEMO_PASSWORD })))?;
    anyhow::ensure!(signed.status == 200, "sign-in failed: HTTP {}", signed.status);
    let cookie = signed
        .headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .context("no session cookie")?
        .to_owned();
    let session: Value = serde_json::from_slice(&signed.body)?;
    let csrf = session["csrf_token"].as_str().context("no csrf token")?.to_owned();
    Ok((cookie, csrf))
}

/// `cargo build --release` of the backend and the simulator; with
/// `bench_tools` also `padan-bench-data` (the feature of that name), which
/// generates the audit trail and fills the outbox.
pub(crate) fn build_release(root: &Path, bench_tools: bool) -> anyhow::Result<()> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.args(["build", "--release", "-p", "padan-backend", "-p", "padan-sim-dukcapil"]).current_dir(root);
    if bench_tools {
        cargo.args(["--features", "padan-backend/bench-tools"]);
    }
    run_cmd(&mut cargo)
}

fn fixtures(rig: &Rig) -> anyhow::Result<Fixtures> {
    let (addr, sim_addr, work) = (rig.addr, rig.sim_addr, &rig.work);
    // Sign in once; every request reuses the session and its CSRF token.
    let (cookie, csrf) = sign_in(addr)?;

    let (status, body) = http_get(sim_addr, "/_sim/persons/sample?count=500&offset=1000")?;
    anyhow::ensure!(status == 200, "simulator fixtures: HTTP {status}");
    let persons: Vec<Value> = serde_json::from_str(&body)?;
    let authed = |r: Request| r.header("cookie", &cookie).header("x-csrf-token", &csrf);
    let with_creds = |mut b: Value| {
        b["USER_ID"] = json!(DUKCAPIL_USER);
        b["PASSWORD"] = json!(DUKCAPIL_PASSWORD);
        b["IP_USER"] = json!("127.0.0.1");
        b
    };
    let gateway = |method: &str| format!("/dukcapil/get_json/BKN/{method}");

    let mut f = Fixtures {
        backend_verify: Vec::new(),
        direct_verify: Vec::new(),
        backend_ikd: Vec::new(),
        backend_portal: Vec::new(),
        direct_nik: Vec::new(),
        direct_kk: Vec::new(),
        direct_foto: Vec::new(),
        backend_face: Vec::new(),
        direct_fr: cycle(Vec::new()),
        breaker_probe: cycle(Vec::new()),
    };
    for (i, p) in persons.iter().enumerate() {
        let claims = json!({ "NAMA_LGKP": p["NAMA_LGKP"], "JENIS_KLMIN": p["JENIS_KLMIN"], "TMPT_LHR": p["TMPT_LHR"],
            "TGL_LHR": p["TGL_LHR"], "AGAMA": p["AGAMA"], "STATUS_KAWIN": p["STATUS_KAWIN"], "ALAMAT": p["ALAMAT"] });
        f.backend_verify.push(authed(Request::post_json(
            "/api/v1/verify/elements",
            &json!({ "nik": p["NIK"], "purpose": "pelamar_casn", "elements": claims }),
        )));
        let mut upstream = claims.clone();
        upstream["NIK"] = p["NIK"].clone();
        upstream["TRESHOLD"] = json!("80");
        f.direct_verify.push(Request::post_json(&gateway("CALL_VERIFY_BY_ELEMEN"), &with_creds(upstream)));
        let lookup = json!({ "nik": p["NIK"], "purpose": "data_casn_asn", "reason": "Pengukuran kinerja (benchmark)" });
        f.backend_ikd.push(authed(Request::post_json("/api/v1/lookup/ikd", &lookup)));
        f.direct_nik.push(Request::post_json(&gateway("CALL_NIK"), &with_creds(json!({ "NIK": p["NIK"] }))));
        // The portal also fetches the photo, which the simulator draws on
        // first use and caches (512 faces): 100 persons, warmed up below.
        if i < 100 {
            f.backend_portal.push(authed(Request::post_json("/api/v1/lookup/portal", &lookup)));
            f.direct_kk.push(Request::post_json(&gateway("CALL_KK"), &with_creds(json!({ "NO_KK": p["NO_KK"] }))));
            f.direct_foto.push(Request::post_json(&gateway("CALL_FOTO"), &with_creds(json!({ "NIK": p["NIK"] }))));
        }
    }

    // Face match: 50 persons' own photos; the FR fields are RSA-encrypted
    // once per person with Dukcapil's (demo) public key, by openssl.
    let mut sim = Conn::open(sim_addr)?;
    let pem_path = work.join("fr-public.pem");
    std::fs::write(&pem_path, sim.send(&Request::get("/_sim/fr-public-key.pem"))?.body)?;
    let encrypt = |plain: &str| -> anyhow::Result<String> {
        let input = work.join("plain");
        std::fs::write(&input, plain)?;
        let out = Command::new("openssl")
            .args(["pkeyutl", "-encrypt", "-pubin", "-pkeyopt", "rsa_padding_mode:pkcs1", "-inkey"])
            .arg(&pem_path)
            .arg("-in")
            .arg(&input)
            .output()
            .context("running openssl")?;
        anyhow::ensure!(out.status.success(), "openssl failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(base64(&out.stdout))
    };
    let (user, password) = (encrypt(DUKCAPIL_USER)?, encrypt(DUKCAPIL_PASSWORD)?);
    let mut direct_face = Vec::new();
    for p in persons.iter().take(50) {
        let nik = p["NIK"].as_str().context("NIK")?;
        let jpeg = sim.send(&Request::get(&format!("/_sim/persons/{nik}/face.jpg")))?.body;
        let image = base64(&jpeg);
        f.backend_face.push(authed(Request::post_json(
            "/api/v1/verify/face",
            &json!({ "nik": nik, "purpose": "data_casn_asn", "image_jpeg_base64": image }),
        )));
        direct_face.push(json!({ "transactionSource": "BENCH", "nik": encrypt(nik)?, "user_id": user,
            "password": password, "threshold": 75, "image": image, "template": "", "type": "Face",
            "position": "F", "ip": "127.0.0.1" }));
    }
    let run_id = std::process::id();
    let transactions = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    f.direct_fr = Arc::new(move |i: usize| {
        let mut b = direct_face[i % direct_face.len()].clone();
        // Unique per call across rounds, as Dukcapil requires.
        let n = transactions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        b["transactionId"] = json!(format!("bench-{run_id}-{n}"));
        Request::post_json("/api/face-recognition/dukcapil/BKN/CALL_FR", &b)
    }) as Make;
    f.breaker_probe = cycle(
        persons
            .iter()
            .take(20)
            .map(|p| {
                authed(Request::post_json(
                    "/api/v1/verify/elements",
                    &json!({ "nik": p["NIK"], "purpose": "pelamar_casn" }),
                ))
            })
            .collect(),
    );
    Ok(f)
}

/// One mechanism's overhead measurement: the upstream calls it makes, each
/// measured alone against the simulator, then the same through the backend.
struct Mechanism {
    name: &'static str,
    route: &'static str,
    direct: Vec<Make>,
    backend: Make,
}

/// One round of one mechanism at 200/s.
struct Sample {
    upstream: Report,
    backend: Report,
    /// Share of CPU time the hypervisor took from this VM during the
    /// backend run (`steal` in /proc/stat), in percent.
    steal: f64,
    /// What the disks did during the backend run.
    disk: Disk,
}

/// Sums over the machine's disks (`/sys/block/*/stat`): MB read and
/// written, and the milliseconds requests spent waiting on them.
#[derive(Debug, Clone, Copy, Default)]
struct Disk {
    read_mb: f64,
    read_ms: f64,
    written_mb: f64,
    write_ms: f64,
}

impl Disk {
    fn now() -> Self {
        let mut d = Self::default();
        let Ok(entries) = std::fs::read_dir("/sys/block") else { return d };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("loop") || name.starts_with("ram") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let f: Vec<f64> = text.split_whitespace().filter_map(|n| n.parse().ok()).collect();
            if f.len() >= 8 {
                // Sectors are 512 bytes whatever the device's block size.
                d.read_mb += f[2] * 512.0 / 1e6;
                d.read_ms += f[3];
                d.written_mb += f[6] * 512.0 / 1e6;
                d.write_ms += f[7];
            }
        }
        d
    }

    fn since(self, before: Self) -> Self {
        Self {
            read_mb: self.read_mb - before.read_mb,
            read_ms: self.read_ms - before.read_ms,
            written_mb: self.written_mb - before.written_mb,
            write_ms: self.write_ms - before.write_ms,
        }
    }
}

impl Sample {
    fn added_p50(&self) -> f64 {
        self.backend.p50_ms - self.upstream.p50_ms
    }
    fn added_p99(&self) -> f64 {
        self.backend.p99_ms - self.upstream.p99_ms
    }
}

/// (total, steal) CPU ticks so far, from the first line of /proc/stat.
fn cpu_ticks() -> (u64, u64) {
    let line = std::fs::read_to_string("/proc/stat").ok().and_then(|s| s.lines().next().map(str::to_owned));
    let fields: Vec<u64> = line.unwrap_or_default().split_whitespace().skip(1).filter_map(|n| n.parse().ok()).collect();
    (fields.iter().take(8).sum(), fields.get(7).copied().unwrap_or(0))
}

/// Cumulative bucket counts of one Prometheus histogram, summed over the
/// series whose labels contain `labels` (empty: all series).
fn buckets(text: &str, name: &str, labels: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{");
    let mut out: Vec<(f64, f64)> = Vec::new();
    for line in text.lines().filter(|l| l.starts_with(&prefix) && l.contains(labels)) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let Some(le) = series.split("le=\"").nth(1).and_then(|r| r.split('"').next()) else { continue };
        let le = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(f64::NAN) };
        let count: f64 = value.parse().unwrap_or(0.0);
        match out.iter_mut().find(|(l, _)| *l == le) {
            Some(slot) => slot.1 += count,
            None => out.push((le, count)),
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The bucket bound under which `q` of the observations between two
/// scrapes fell, in ms ("≤ x"), and how many there were.
fn bucket_quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> Option<(f64, f64)> {
    let diff: Vec<(f64, f64)> =
        after.iter().map(|(le, n)| (*le, n - before.iter().find(|(l, _)| l == le).map_or(0.0, |(_, m)| *m))).collect();
    let total = diff.last()?.1;
    if total <= 0.0 {
        return None;
    }
    diff.iter().find(|(_, n)| *n >= q * total).map(|(le, _)| (le * 1000.0, total))
}

/// Server-side timings of one backend run, from the backend's own
/// histograms: where the time went, per request.
fn server_breakdown(before: &str, after: &str, m: &Mechanism) -> String {
    let parts = [
        ("request", "padan_http_request_duration_seconds", format!("route=\"{}\"", m.route)),
        ("session check", "padan_session_check_seconds", String::new()),
        ("Dukcapil call", "padan_upstream_duration_seconds", String::new()),
        ("audit append", "padan_audit_append_seconds", String::new()),
    ];
    parts
        .iter()
        .map(|(label, name, labels)| {
            let (b, a) = (buckets(before, name, labels), buckets(after, name, labels));
            match (bucket_quantile(&b, &a, 0.5), bucket_quantile(&b, &a, 0.99), bucket_quantile(&b, &a, 1.0)) {
                (Some((p50, _)), Some((p99, n)), Some((max, _))) => {
                    format!("{label} p50 ≤ {p50} ms, p99 ≤ {p99} ms, max ≤ {max} ms (n = {n})")
                }
                _ => format!("{label}: no observations"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Each mechanism at a fixed 200 requests/s, `rounds` times: the upstream
/// alone, then through the backend. Returns the samples per mechanism and
/// the server-side breakdown lines.
fn overhead(
    rig: &Rig,
    mechanisms: &[Mechanism],
    rounds: usize,
    run: Duration,
) -> anyhow::Result<(Vec<Vec<Sample>>, Vec<String>)> {
    let at_200 = |target: SocketAddr, make: &Make| load::open_loop(target, 200, run, 8, make.clone());
    let mut samples: Vec<Vec<Sample>> = mechanisms.iter().map(|_| Vec::new()).collect();
    let mut breakdown = Vec::new();
    for round in 1..=rounds {
        for (m, out) in mechanisms.iter().zip(samples.iter_mut()) {
            let parts = m.direct.iter().map(|d| at_200(rig.sim_addr, d)).collect::<anyhow::Result<Vec<_>>>()?;
            let upstream = Report::sum(&parts.iter().collect::<Vec<_>>());
            let before = rig.metrics()?;
            let (ticks, disk) = (cpu_ticks(), Disk::now());
            let backend = at_200(rig.addr, &m.backend)?;
            let (ticks_after, disk) = (cpu_ticks(), Disk::now().since(disk));
            let after = rig.metrics()?;
            let total = ticks_after.0.saturating_sub(ticks.0).max(1);
            let steal = 100.0 * ticks_after.1.saturating_sub(ticks.1) as f64 / total as f64;
            breakdown.push(format!("round {round}, {}: {}", m.name, server_breakdown(&before, &after, m)));
            out.push(Sample { upstream, backend, steal, disk });
        }
    }
    Ok((samples, breakdown))
}

pub(crate) fn run(mut opts: Options) -> anyhow::Result<()> {
    // Issue 4's figures (audit chain cost, `padan audit verify` speed) only.
    if opts.audit {
        return crate::bench_audit::run(opts.quick);
    }
    // Issue 6's figures (registry import, outbox drain) only.
    if opts.balikan {
        return crate::bench_balikan::run(opts.quick);
    }
    if opts.quick {
        opts.rounds = opts.rounds.min(1);
    }
    let secs = |full: u64| Duration::from_secs(if opts.quick { 2 } else { full });
    let root = crate::repo_root()?;

    header("tools and release builds");
    if !opts.keep_spa {
        let tool_path = tools::ensure_spa_tools()?;
        spa::build(&root, Freshness::IfChanged, &tool_path)?;
    }
    build_release(&root, false)?;

    let sizes = spa_sizes(&root.join("dist"))?;
    let transfer: usize = sizes.iter().filter(|(n, _, _)| !n.ends_with(".html")).map(|(_, _, gz)| gz).sum::<usize>();

    let rig = Rig::start(&root)?;
    let (addr, sim_addr) = (rig.addr, rig.sim_addr);
    let f = fixtures(&rig)?;

    header("measuring");
    // Warm-up: connection pools, SQLite pages, the simulator's face cache.
    load::closed_loop(addr, 8, Duration::from_secs(1), cycle(f.backend_verify.clone()))?;
    load::closed_loop(addr, 4, Duration::from_secs(3), cycle(f.backend_face.clone()))?;
    load::closed_loop(sim_addr, 4, Duration::from_secs(3), cycle(f.direct_foto.clone()))?;
    let mut rows = Vec::new();
    let mut wal_after_closed_loop = None;
    if !opts.latency_only {
        let livez = Arc::new(|_| Request::get("/livez")) as Make;
        rows.push((
            "`GET /livez` (ceiling), 16 connections, closed loop",
            load::closed_loop(addr, 16, secs(5), livez)?,
        ));
        rows.push((
            "simulator `CALL_VERIFY_BY_ELEMEN` alone, 16 connections, closed loop",
            load::closed_loop(sim_addr, 16, secs(5), cycle(f.direct_verify.clone()))?,
        ));
        rows.push((
            "verify through backend, 16 connections, closed loop",
            load::closed_loop(addr, 16, secs(10), cycle(f.backend_verify.clone()))?,
        ));
        // SQLite's write-ahead log right after the heaviest run: bounded by
        // the appender's checkpoints (it grew without bound before them).
        wal_after_closed_loop = Some(std::fs::metadata(rig.work.join("padan.db-wal")).map(|m| m.len()).unwrap_or(0));
        // The open-loop runs measure steady-state overhead: let the backend
        // finish the checkpoint work the closed-loop burst left behind
        // before measuring latency.
        std::thread::sleep(Duration::from_secs(if opts.quick { 1 } else { 5 }));
    }

    // Face match at 200/s too: the simulator decrypts the NIK (RSA-2048) on
    // every call but remembers the constant account ciphertexts and the
    // scores of probes it has seen (the same 50 photos, warmed up above), so
    // it is not saturated on two cores and both columns measure latency.
    // The portal makes three calls in a row (NIK, KK, FOTO): its upstream
    // time is the sum of the three, each measured alone.
    let mechanisms = [
        Mechanism {
            name: "verify_elements",
            route: "/api/v1/verify/elements",
            direct: vec![cycle(f.direct_verify.clone())],
            backend: cycle(f.backend_verify.clone()),
        },
        Mechanism {
            name: "ikd_lookup (CALL_NIK)",
            route: "/api/v1/lookup/ikd",
            direct: vec![cycle(f.direct_nik.clone())],
            backend: cycle(f.backend_ikd.clone()),
        },
        Mechanism {
            name: "face_match (CALL_FR)",
            route: "/api/v1/verify/face",
            direct: vec![f.direct_fr.clone()],
            backend: cycle(f.backend_face.clone()),
        },
        Mechanism {
            name: "portal_lookup (CALL_NIK + CALL_KK + CALL_FOTO)",
            route: "/api/v1/lookup/portal",
            direct: vec![cycle(f.direct_nik.clone()), cycle(f.direct_kk.clone()), cycle(f.direct_foto.clone())],
            backend: cycle(f.backend_portal.clone()),
        },
    ];
    let (samples, breakdown) = overhead(&rig, &mechanisms, opts.rounds, secs(10))?;

    if !opts.latency_only {
        // Breaker: Dukcapil answers HTTP 500; after five failures the
        // circuit opens and further calls fail fast, without reaching it.
        let mut control = Conn::open(sim_addr)?;
        let set = control.send(&Request::post_json("/_sim/faults", &json!({ "http_500": true })))?;
        anyhow::ensure!(set.status == 200, "setting faults: HTTP {}", set.status);
        let mut conn = Conn::open(addr)?;
        for i in 0..5 {
            conn.send(&(f.breaker_probe)(i))?;
        }
        let open = load::closed_loop_any_status(addr, 4, secs(3), f.breaker_probe.clone())?;
        control.send(&Request::post_json("/_sim/faults", &json!({})))?;
        rows.push(("verify while the circuit is open (fails fast), 4 connections, closed loop", open));
    }
    // Where an access's audit append spends its time, over the whole run.
    let appender: Vec<String> = rig
        .metrics()?
        .lines()
        .filter(|l| l.starts_with("padan_audit_") || l.starts_with("padan_sqlite_"))
        .filter(|l| {
            !l.starts_with("padan_audit_records_total")
                && (!l.contains("_bucket{")
                    || l.starts_with("padan_sqlite_checkpoint_seconds_bucket")
                    || l.starts_with("padan_audit_batch_seconds_bucket"))
        })
        .map(str::to_owned)
        .collect();
    drop(rig);

    let mut out = String::new();
    out.push_str(&format!("Machine: {}\n\n", machine()));
    out.push_str("SPA (release, `dist/`):\n\n| file | bytes | gzip -9 |\n|---|---:|---:|\n");
    for (name, raw, gz) in &sizes {
        out.push_str(&format!("| {name} | {raw} | {gz} |\n"));
    }
    out.push_str(&format!(
        "\nTransfer size (wasm + js + css, gzip): **{:.1} KB** ({transfer} bytes)\n\n",
        transfer as f64 / 1000.0
    ));
    if !rows.is_empty() {
        out.push_str(
            "| load | req/s | p50 ms | p99 ms | max ms | requests | errors |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for (name, r) in &rows {
            out.push_str(&row(name, r));
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\nAt 200 requests/s (open loop, 8 connections), {} round(s): the simulator alone, then through the \
         backend (audit on); added = backend − upstream:\n\n",
        opts.rounds
    ));
    out.push_str(
        "| mechanism | round | upstream p50 | upstream p99 | backend p50 | backend p99 | added p50 | added p99 | \
         steal % | stall ms (upstream / backend run) | disk MB read / written (ms waited) | errors |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (m, runs) in mechanisms.iter().zip(&samples) {
        for (i, s) in runs.iter().enumerate() {
            out.push_str(&format!(
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} / {:.1} | {:.1} / {:.1} ({:.0} / \
                 {:.0}) | {} |\n",
                m.name,
                i + 1,
                s.upstream.p50_ms,
                s.upstream.p99_ms,
                s.backend.p50_ms,
                s.backend.p99_ms,
                s.added_p50(),
                s.added_p99(),
                s.steal,
                s.upstream.stall_ms,
                s.backend.stall_ms,
                s.disk.read_mb,
                s.disk.written_mb,
                s.disk.read_ms,
                s.disk.write_ms,
                s.upstream.errors + s.backend.errors
            ));
        }
    }
    out.push_str(&format!(
        "\nMedian over the {} round(s):\n\n| mechanism | added p50 ms | added p99 ms | added p99, min–max |\n\
         |---|---:|---:|---|\n",
        opts.rounds
    ));
    for (m, runs) in mechanisms.iter().zip(&samples) {
        let p99s: Vec<f64> = runs.iter().map(Sample::added_p99).collect();
        let (lo, hi) = p99s.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {lo:.2}–{hi:.2} |\n",
            m.name,
            median(runs.iter().map(Sample::added_p50).collect()),
            median(p99s)
        ));
    }
    println!("\n{out}");
    if let Some(wal) = wal_after_closed_loop {
        println!("SQLite write-ahead log after the closed-loop verify run: {:.1} MB\n", wal as f64 / 1e6);
    }
    println!("Server side, per backend run at 200/s (bucket bounds from the backend's histograms):\n");
    for line in &breakdown {
        println!("    {line}");
    }
    println!("\nAudit appender and SQLite checkpoints over the whole run (sums and counts; seconds):\n");
    for line in &appender {
        println!("    {line}");
    }
    // The breaker run's "errors" are its fast 502s: that is the point of it.
    let errors: usize = rows.iter().filter(|(n, _)| !n.contains("circuit")).map(|(_, r)| r.errors).sum::<usize>()
        + samples.iter().flatten().map(|s| s.upstream.errors + s.backend.errors).sum::<usize>();
    if errors > 0 {
        bail!("{errors} requests failed during the benchmark");
    }
    Ok(())
}
