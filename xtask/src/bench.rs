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
//! `--quick` shortens every run (for a smoke check, not for the docs);
//! `--keep-spa` measures the `dist/` already built instead of rebuilding it.

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
    // Issue 4's figures (audit chain cost, `padan audit verify` speed) only.
    if args.iter().any(|a| a == "--audit") {
        return crate::bench_audit::run(quick);
    }
    // Issue 6's figures (registry import, outbox drain) only.
    if args.iter().any(|a| a == "--balikan") {
        return crate::bench_balikan::run(quick);
    }
    // Measure the dist/ already built (e.g. while the frontend is mid-change).
    let keep_spa = args.iter().any(|a| a == "--keep-spa");
    if let Some(other) = args.iter().find(|a| *a != "--quick" && *a != "--keep-spa") {
        bail!("unknown argument {other:?} (usage: cargo xtask bench [--quick] [--keep-spa])");
    }
    let secs = |full: u64| Duration::from_secs(if quick { 2 } else { full });
    let root = crate::repo_root()?;

    header("tools and release builds");
    if !keep_spa {
        let tool_path = tools::ensure_spa_tools()?;
        spa::build(&root, Freshness::IfChanged, &tool_path)?;
    }
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
            .env("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE", root.join("sim/dukcapil/keys/fr-demo-public.pem"))
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
    let authed = |r: Request| r.header("cookie", &cookie).header("x-csrf-token", &csrf);
    let with_creds = |mut b: Value| {
        b["USER_ID"] = json!("BKN_DEMO");
        b["PASSWORD"] = json!("demo-dukcapil-password");
        b["IP_USER"] = json!("127.0.0.1");
        b
    };
    let gateway = |method: &str| format!("/dukcapil/get_json/BKN/{method}");

    let mut backend_verify = Vec::new();
    let mut direct_verify = Vec::new();
    let mut backend_ikd = Vec::new();
    let mut backend_portal = Vec::new();
    let mut direct_nik = Vec::new();
    let mut direct_kk = Vec::new();
    let mut direct_foto = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        let claims = json!({ "NAMA_LGKP": p["NAMA_LGKP"], "JENIS_KLMIN": p["JENIS_KLMIN"], "TMPT_LHR": p["TMPT_LHR"],
            "TGL_LHR": p["TGL_LHR"], "AGAMA": p["AGAMA"], "STATUS_KAWIN": p["STATUS_KAWIN"], "ALAMAT": p["ALAMAT"] });
        backend_verify.push(authed(Request::post_json(
            "/api/v1/verify/elements",
            &json!({ "nik": p["NIK"], "purpose": "pelamar_casn", "elements": claims }),
        )));
        let mut upstream = claims.clone();
        upstream["NIK"] = p["NIK"].clone();
        upstream["TRESHOLD"] = json!("80");
        direct_verify.push(Request::post_json(&gateway("CALL_VERIFY_BY_ELEMEN"), &with_creds(upstream)));
        let lookup = json!({ "nik": p["NIK"], "purpose": "data_casn_asn", "reason": "Pengukuran kinerja (benchmark)" });
        backend_ikd.push(authed(Request::post_json("/api/v1/lookup/ikd", &lookup)));
        direct_nik.push(Request::post_json(&gateway("CALL_NIK"), &with_creds(json!({ "NIK": p["NIK"] }))));
        // The portal also fetches the photo, which the simulator draws on
        // first use and caches (512 faces): 100 persons, warmed up below.
        if i < 100 {
            backend_portal.push(authed(Request::post_json("/api/v1/lookup/portal", &lookup)));
            direct_kk.push(Request::post_json(&gateway("CALL_KK"), &with_creds(json!({ "NO_KK": p["NO_KK"] }))));
            direct_foto.push(Request::post_json(&gateway("CALL_FOTO"), &with_creds(json!({ "NIK": p["NIK"] }))));
        }
    }

    // Face match: 50 persons' own photos; the FR fields are RSA-encrypted
    // once per person with Dukcapil's (demo) public key, by openssl.
    let mut fixtures = Conn::open(sim_addr)?;
    let pem_path = work.join("fr-public.pem");
    std::fs::write(&pem_path, fixtures.send(&Request::get("/_sim/fr-public-key.pem"))?.body)?;
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
    let (user, password) = (encrypt("BKN_DEMO")?, encrypt("demo-dukcapil-password")?);
    let mut backend_face = Vec::new();
    let mut direct_face = Vec::new();
    for p in persons.iter().take(50) {
        let nik = p["NIK"].as_str().context("NIK")?;
        let jpeg = fixtures.send(&Request::get(&format!("/_sim/persons/{nik}/face.jpg")))?.body;
        let image = base64(&jpeg);
        backend_face.push(authed(Request::post_json(
            "/api/v1/verify/face",
            &json!({ "nik": nik, "purpose": "data_casn_asn", "image_jpeg_base64": image }),
        )));
        direct_face.push(json!({ "transactionSource": "BENCH", "nik": encrypt(nik)?, "user_id": user,
            "password": password, "threshold": 75, "image": image, "template": "", "type": "Face",
            "position": "F", "ip": "127.0.0.1" }));
    }
    let run_id = std::process::id();
    let fr = Arc::new(move |i: usize| {
        let mut b = direct_face[i % direct_face.len()].clone();
        b["transactionId"] = json!(format!("bench-{run_id}-{i}"));
        Request::post_json("/api/face-recognition/dukcapil/BKN/CALL_FR", &b)
    }) as Make;
    let breaker_probe = cycle(
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

    header("measuring");
    // Warm-up: connection pools, SQLite pages, the simulator's face cache.
    load::closed_loop(addr, 8, Duration::from_secs(1), cycle(backend_verify.clone()))?;
    load::closed_loop(addr, 4, Duration::from_secs(3), cycle(backend_face.clone()))?;
    load::closed_loop(sim_addr, 4, Duration::from_secs(3), cycle(direct_foto.clone()))?;
    let livez = Arc::new(|_| Request::get("/livez")) as Make;
    let mut rows = vec![
        ("`GET /livez` (ceiling), 16 connections, closed loop", load::closed_loop(addr, 16, secs(5), livez)?),
        (
            "simulator `CALL_VERIFY_BY_ELEMEN` alone, 16 connections, closed loop",
            load::closed_loop(sim_addr, 16, secs(5), cycle(direct_verify.clone()))?,
        ),
        (
            "verify through backend, 16 connections, closed loop",
            load::closed_loop(addr, 16, secs(10), cycle(backend_verify.clone()))?,
        ),
    ];
    // SQLite's write-ahead log right after the heaviest run: bounded by the
    // appender's checkpoints (it grew without bound before them).
    let wal_after_closed_loop = std::fs::metadata(work.join("padan.db-wal")).map(|m| m.len()).unwrap_or(0);
    // The open-loop runs measure steady-state overhead: let the backend
    // finish the checkpoint work the closed-loop burst left behind (the
    // log it wrote at 4,800 accesses/s is copied into the database file in
    // the background) before measuring latency.
    std::thread::sleep(Duration::from_secs(if quick { 1 } else { 5 }));
    let at_200 = |target: SocketAddr, make: Make| load::open_loop(target, 200, secs(10), 8, make);
    // Face match at 200/s too: the simulator decrypts the NIK (RSA-2048) on
    // every call but remembers the constant account ciphertexts and the
    // scores of probes it has seen (the same 50 photos, warmed up above), so
    // it is not saturated on two cores and both columns measure latency.
    let mut pairs: Vec<(&str, Report, Report)> = vec![
        ("verify_elements", at_200(sim_addr, cycle(direct_verify))?, at_200(addr, cycle(backend_verify))?),
        ("ikd_lookup (CALL_NIK)", at_200(sim_addr, cycle(direct_nik.clone()))?, at_200(addr, cycle(backend_ikd))?),
        ("face_match (CALL_FR)", at_200(sim_addr, fr)?, at_200(addr, cycle(backend_face))?),
    ];
    // The portal makes three calls in a row (NIK, KK, FOTO): its upstream
    // time is the sum of the three, each measured alone.
    let nik = at_200(sim_addr, cycle(direct_nik))?;
    let kk = at_200(sim_addr, cycle(direct_kk))?;
    let foto = at_200(sim_addr, cycle(direct_foto))?;
    let portal = at_200(addr, cycle(backend_portal))?;
    pairs.push(("portal_lookup (CALL_NIK + CALL_KK + CALL_FOTO)", Report::sum(&[&nik, &kk, &foto]), portal));

    // Breaker: Dukcapil answers HTTP 500; after five failures the circuit
    // opens and further calls fail fast, without reaching Dukcapil.
    let mut control = Conn::open(sim_addr)?;
    let set = control.send(&Request::post_json("/_sim/faults", &json!({ "http_500": true })))?;
    anyhow::ensure!(set.status == 200, "setting faults: HTTP {}", set.status);
    let mut conn = Conn::open(addr)?;
    for i in 0..5 {
        conn.send(&breaker_probe(i))?;
    }
    let open = load::closed_loop_any_status(addr, 4, secs(3), breaker_probe)?;
    control.send(&Request::post_json("/_sim/faults", &json!({})))?;
    rows.push(("verify while the circuit is open (fails fast), 4 connections, closed loop", open));
    // Where an access's audit append spends its time, over the whole run.
    let metrics = conn.send(&Request::get("/metrics"))?;
    let appender: Vec<String> = String::from_utf8_lossy(&metrics.body)
        .lines()
        .filter(|l| l.starts_with("padan_audit_") || l.starts_with("padan_sqlite_"))
        .filter(|l| !l.starts_with("padan_audit_records_total") && !l.contains("_bucket{"))
        .map(str::to_owned)
        .collect();

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
    for (name, r) in &rows {
        out.push_str(&row(name, r));
        out.push('\n');
    }
    out.push_str(
        "\nAt 200 requests/s (open loop, 8 connections): the simulator alone, then through the backend (audit on):\n\n",
    );
    out.push_str(
        "| mechanism | upstream p50 | upstream p99 | backend p50 | backend p99 | added p50 | added p99 | errors |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (name, up, back) in &pairs {
        out.push_str(&format!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |\n",
            up.p50_ms,
            up.p99_ms,
            back.p50_ms,
            back.p99_ms,
            back.p50_ms - up.p50_ms,
            back.p99_ms - up.p99_ms,
            up.errors + back.errors
        ));
    }
    println!("\n{out}");
    println!("SQLite write-ahead log after the closed-loop verify run: {:.1} MB\n", wal_after_closed_loop as f64 / 1e6);
    println!("Audit appender and SQLite checkpoints over the whole run (sums and counts; seconds):\n");
    for line in &appender {
        println!("    {line}");
    }
    // The breaker run's "errors" are its fast 502s: that is the point of it.
    let errors: usize = rows.iter().filter(|(n, _)| !n.contains("circuit")).map(|(_, r)| r.errors).sum::<usize>()
        + pairs.iter().map(|(_, a, b)| a.errors + b.errors).sum::<usize>();
    if errors > 0 {
        bail!("{errors} requests failed during the benchmark");
    }
    Ok(())
}
