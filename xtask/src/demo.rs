//! `cargo xtask demo`: builds the SPA and the release binaries, runs the
//! Dukcapil simulator and the backend in demo mode, prints where to go and
//! how to sign in, and stops both cleanly on Ctrl-C, SIGTERM, or when
//! either of them dies.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::proc::{self, Daemon, interrupted};
use crate::spa::{self, Freshness};
use crate::{header, http, tools};

const SEED: &str = "2026";
const PERSONS: &str = "100000";
const DEMO_PASSWORD: &str = "padan-demo-2026";
const ACCOUNTS: &[(&str, &str)] = &[
    ("petugas", "officer"),
    ("supervisor", "supervisor"),
    ("helpdesk", "helpdesk"),
    ("admin", "admin"),
    ("auditor", "auditor"),
];
/// The simulator's documented special NIKs (sim/dukcapil/src/special.rs).
const SPECIAL_NIKS: &[(&str, &str)] = &[
    ("3171016708929904", "active, fixed person: DEWI KARTIKA SARI, PEREMPUAN, JAKARTA 27-08-1992, ISLAM"),
    ("3171011708459901", "deceased (response code 11)"),
    ("3273016605809902", "duplicate record (code 12)"),
    ("3578011203909903", "inactive record (code 14)"),
    ("3471015101859908", "cannot be processed (code 08)"),
    ("3171010101009999", "not found (code 13)"),
];

struct Options {
    port: u16,
    sim_port: u16,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options { port: 8080, sim_port: 8001 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) => (f, v.to_owned()),
            None => (arg.as_str(), args.next().with_context(|| format!("{arg} needs a value"))?.clone()),
        };
        let port: u16 = value.parse().with_context(|| format!("{flag}: {value:?} is not a port number"))?;
        match flag {
            "--port" => options.port = port,
            "--sim-port" => options.sim_port = port,
            _ => bail!("unknown argument {flag}\nusage: cargo xtask demo [--port 8080] [--sim-port 8001]"),
        }
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let options = parse(args)?;
    let root = crate::repo_root()?;
    // Installed first so Ctrl-C during the build stops xtask's children too.
    let stop = crate::proc::interrupt_flag()?;

    header("tools");
    let tool_path = tools::ensure_spa_tools()?;
    spa::build(&root, Freshness::IfChanged, &tool_path)?;
    header("release binaries: padan, padan-sim-dukcapil");
    proc::run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "-p", "padan-backend", "-p", "padan-sim-dukcapil"])
            .current_dir(&root),
    )?;
    if interrupted(&stop) {
        return Ok(());
    }

    let state = root.join(".padan");
    std::fs::create_dir_all(&state).with_context(|| format!("creating {}", state.display()))?;
    let sim_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.sim_port));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    ensure_free(sim_addr, "--sim-port")?;
    ensure_free(addr, "--port")?;

    header(&format!("Dukcapil simulator on http://{sim_addr} ({PERSONS} synthetic persons)"));
    let sim_config = state.join("sim-demo.json");
    // The credentials the backend uses in demo mode (backend/src/config.rs).
    let config = serde_json::json!({
        "instansi": "BKN",
        "user_id": "BKN_DEMO",
        "password": "demo-dukcapil-password",
        "allowed_ips": ["127.0.0.1"],
    });
    std::fs::write(&sim_config, serde_json::to_vec_pretty(&config)?)
        .with_context(|| format!("writing {}", sim_config.display()))?;
    let mut sim = Daemon::spawn(
        "the simulator",
        Command::new(root.join("target/release/padan-sim-dukcapil")).arg("--config").arg(&sim_config).args([
            "--listen",
            &sim_addr.to_string(),
            "--seed",
            SEED,
            "--persons",
            PERSONS,
        ]),
    )?;
    http::wait_healthy(&mut sim, sim_addr, "/_sim/health", Duration::from_secs(120))?;

    header(&format!("backend on http://{addr}"));
    let mut backend_cmd = Command::new(root.join("target/release/padan"));
    // The backend takes every PADAN_* variable as configuration and rejects
    // unknown keys; the test suite's own (PADAN_TEST_*, PADAN_E2E_*) would
    // stop it, while a developer's PADAN_* tweaks are kept on purpose.
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("PADAN_TEST_") || key_text.starts_with("PADAN_E2E_") {
            backend_cmd.env_remove(&key);
        }
    }
    let mut backend = Daemon::spawn(
        "the backend",
        backend_cmd
            .arg("serve")
            .current_dir(&state)
            .env("PADAN_DEMO__ENABLED", "true")
            .env("PADAN_SERVER__LISTEN", addr.to_string())
            .env("PADAN_SERVER__SPA_DIR", root.join("dist"))
            .env("PADAN_DATABASE__URL", format!("sqlite://{}", state.join("padan.db").display()))
            .env("PADAN_DUKCAPIL__BASE_URL", format!("http://{sim_addr}"))
            .env("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE", root.join("sim/dukcapil/keys/fr-demo-public.pem"))
            .env("PADAN_LOG__FORMAT", "pretty"),
    )?;
    http::wait_healthy(&mut backend, addr, "/healthz", Duration::from_secs(60))?;

    print_welcome(addr, sim_addr);

    while !interrupted(&stop) {
        for daemon in [&mut sim, &mut backend] {
            if let Some(status) = daemon.exited() {
                bail!(
                    "{} stopped unexpectedly ({}); shutting the demo down",
                    daemon.name(),
                    crate::proc::exit_text(status)
                );
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    println!("\nstopping the demo…");
    // The backend first: it is the one talking to the simulator.
    backend.stop(Duration::from_secs(10));
    sim.stop(Duration::from_secs(10));
    Ok(())
}

fn ensure_free(addr: SocketAddr, flag: &str) -> anyhow::Result<()> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .with_context(|| format!("{addr} is already in use: stop what runs there or pick another {flag}"))
}

fn print_welcome(addr: SocketAddr, sim_addr: SocketAddr) {
    println!();
    println!("Padan demo is running: open http://{addr}/  (Ctrl-C stops it)");
    println!();
    println!("Demo accounts (password {DEMO_PASSWORD}):");
    for (user, role) in ACCOUNTS {
        println!("  {user:<12} {role}");
    }
    println!();
    println!("Synthetic persons from the simulator to try (Verifikasi → elemen):");
    match sample_persons(sim_addr) {
        Ok(persons) => {
            for (nik, name) in persons {
                println!("  {nik}  {name}");
            }
        }
        Err(e) => println!("  (could not fetch samples: {e:#})"),
    }
    println!("Special NIKs with fixed answers:");
    for (nik, what) in SPECIAL_NIKS {
        println!("  {nik}  {what}");
    }
    println!();
    println!("The SIASN service API (POST /api/v1/siasn/lookup) answers the demo key:");
    println!("  Authorization: Bearer padan-demo-siasn-key-0000000000000000");
    println!("Everything runs under a DEMONSTRATION agreement; the two real agreements have expired.");
    println!();
}

/// NIK and name of a few generated persons (synthetic data, demo console only).
fn sample_persons(sim_addr: SocketAddr) -> anyhow::Result<Vec<(String, String)>> {
    let (status, body) = http::get(sim_addr, "/_sim/persons/sample?count=3")?;
    anyhow::ensure!(status == 200, "HTTP {status}");
    let persons: Vec<serde_json::Value> = serde_json::from_str(&body).context("parsing the sample")?;
    Ok(persons
        .iter()
        .map(|p| {
            let text = |key: &str| p.get(key).and_then(serde_json::Value::as_str).unwrap_or("?").to_owned();
            (text("NIK"), text("NAMA_LGKP"))
        })
        .collect())
}
