//! `cargo xtask bench`: the figures in `docs/benchmarks.md`.
//!
//! Builds release binaries and the release SPA, starts the simulator (zero
//! added latency) and the backend on a throw-away SQLite file, signs in as
//! the demo officer, and measures over real HTTP on loopback:
//! - the SPA's transfer size (wasm + js + css, gzip -9);
//! - a bare route (`/livez`) as the ceiling of this machine and stack;
//! - the simulator alone, for the upstream's own latency;
//! - verify-by-elements through the backend: maximum throughput (closed
//!   loop) and latency at a fixed 200 requests/s (open loop).
//!
//! `--quick` shortens every run (for a smoke check, not for the docs).

use std::{
    net::{Ipv4Addr, SocketAddr, TcpListener},
    path::Path,
    process::{Command, Stdio},
    sync::Arc,
    time::Duration,
};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::{
    header, http,
    load::{self, Conn, Report, Request},
    proc::{Daemon, run as run_cmd},
    spa::{self, Freshness},
    tools,
};

const DEMO_PASSWORD: &str = "padan-demo-2026";

fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?)
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

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(other) = args.iter().find(|a| *a != "--quick") {
        bail!("unknown argument {other:?} (usage: cargo xtask bench [--quick])");
    }
    let secs = |full: u64| Duration::from_secs(if quick { 2 } else { full });
    let root = crate::repo_root()?;

    header("tools and release builds");
    let tool_path = tools::ensure_spa_tools()?;
    spa::build(&root, Freshness::IfChanged, &tool_path)?;
    run_cmd(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "-p", "padan-backend", "-p", "padan-sim-dukcapil"])
            .current_dir(&root),
    )?;

    let sizes = spa_sizes(&root.join("dist"))?;
    let transfer: usize = sizes.iter().filter(|(n, _, _)| !n.ends_with(".html")).map(|(_, _, gz)| gz).sum::<usize>();

    let work = std::env::temp_dir().join(format!("padan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let sim_addr = free_port()?;
    let addr = free_port()?;
    let sim_config = work.join("sim.json");
    std::fs::write(
        &sim_config,
        serde_json::to_vec(&json!({
            "user_id": "BKN_DEMO", "password": "demo-dukcapil-password",
            "allowed_ips": ["127.0.0.1"], "daily_quota": 100_000_000u64,
        }))?,
    )?;
    header("starting the simulator and the backend (release)");
    let mut sim = Daemon::spawn(
        "the simulator",
        Command::new(root.join("target/release/padan-sim-dukcapil"))
            .arg("--config")
            .arg(&sim_config)
            .args(["--listen", &sim_addr.to_string(), "--seed", "2026", "--persons", "100000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    http::wait_healthy(&mut sim, sim_addr, "/_sim/health", Duration::from_secs(60))?;
    let mut backend = Daemon::spawn(
        "the backend",
        Command::new(root.join("target/release/padan"))
            .arg("serve")
            .current_dir(&work)
            .env("PADAN_DEMO__ENABLED", "true")
            .env("PADAN_SERVER__LISTEN", addr.to_string())
            .env("PADAN_SERVER__SPA_DIR", root.join("dist"))
            .env("PADAN_DATABASE__URL", format!("sqlite://{}", work.join("padan.db").display()))
            .env("PADAN_DUKCAPIL__BASE_URL", format!("http://{sim_addr}"))
            .env("PADAN_LOG__FILTER", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    http::wait_healthy(&mut backend, addr, "/healthz", Duration::from_secs(60))?;

    // Sign in once; every request reuses the session and its CSRF token.
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

    // Real persons from the simulator, claimed exactly as recorded.
    let (status, body) = http::get(sim_addr, "/_sim/persons/sample?count=500&offset=1000")?;
    anyhow::ensure!(status == 200, "simulator fixtures: HTTP {status}");
    let persons: Vec<Value> = serde_json::from_str(&body)?;
    let bodies: Vec<Value> = persons
        .iter()
        .map(|p| {
            json!({ "nik": p["NIK"], "purpose": "pelamar_casn", "elements": {
                "NAMA_LGKP": p["NAMA_LGKP"], "JENIS_KLMIN": p["JENIS_KLMIN"], "TMPT_LHR": p["TMPT_LHR"],
                "TGL_LHR": p["TGL_LHR"], "AGAMA": p["AGAMA"], "STATUS_KAWIN": p["STATUS_KAWIN"],
                "ALAMAT": p["ALAMAT"] } })
        })
        .collect();
    let verify_requests: Arc<Vec<Request>> = Arc::new(
        bodies
            .iter()
            .map(|b| {
                Request::post_json("/api/v1/verify/elements", b).header("cookie", &cookie).header("x-csrf-token", &csrf)
            })
            .collect(),
    );
    let upstream_requests: Arc<Vec<Request>> = Arc::new(
        persons
            .iter()
            .map(|p| {
                let mut b = json!({ "NIK": p["NIK"], "NAMA_LGKP": p["NAMA_LGKP"], "TGL_LHR": p["TGL_LHR"],
                    "TRESHOLD": "80", "USER_ID": "BKN_DEMO", "PASSWORD": "demo-dukcapil-password", "IP_USER": "127.0.0.1" });
                b["AGAMA"] = p["AGAMA"].clone();
                Request::post_json("/dukcapil/get_json/BKN/CALL_VERIFY_BY_ELEMEN", &b)
            })
            .collect(),
    );
    let verify = {
        let r = Arc::clone(&verify_requests);
        Arc::new(move |i: usize| r[i % r.len()].clone()) as Arc<dyn Fn(usize) -> Request + Send + Sync>
    };
    let upstream = {
        let r = Arc::clone(&upstream_requests);
        Arc::new(move |i: usize| r[i % r.len()].clone()) as Arc<dyn Fn(usize) -> Request + Send + Sync>
    };
    let livez = Arc::new(|_| Request::get("/livez")) as Arc<dyn Fn(usize) -> Request + Send + Sync>;

    header("measuring");
    // Warm-up: connection pools, SQLite pages, allocator.
    load::closed_loop(addr, 8, Duration::from_secs(1), Arc::clone(&verify))?;
    let ceiling = load::closed_loop(addr, 16, secs(5), livez)?;
    let sim_alone = load::closed_loop(sim_addr, 16, secs(5), Arc::clone(&upstream))?;
    let verify_max = load::closed_loop(addr, 16, secs(10), Arc::clone(&verify))?;
    let sim_200 = load::open_loop(sim_addr, 200, secs(10), 8, upstream)?;
    let verify_200 = load::open_loop(addr, 200, secs(10), 8, verify)?;

    backend.stop(Duration::from_secs(10));
    sim.stop(Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&work);

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
    out.push_str(
        "| load | req/s | p50 ms | p99 ms | max ms | requests | errors |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    out.push_str(&row("`GET /livez` (ceiling), 16 connections, closed loop", &ceiling));
    out.push('\n');
    out.push_str(&row("simulator alone, 16 connections, closed loop", &sim_alone));
    out.push('\n');
    out.push_str(&row("verify through backend, 16 connections, closed loop", &verify_max));
    out.push('\n');
    out.push_str(&row("simulator alone at 200 req/s, open loop", &sim_200));
    out.push('\n');
    out.push_str(&row("verify through backend at 200 req/s, open loop", &verify_200));
    out.push('\n');
    println!("\n{out}");
    let total_errors = ceiling.errors + sim_alone.errors + verify_max.errors + sim_200.errors + verify_200.errors;
    if total_errors > 0 {
        bail!("{total_errors} requests failed during the benchmark");
    }
    Ok(())
}
