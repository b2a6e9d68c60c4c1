//! `cargo xtask demo`: builds the SPA and the release binaries, runs the
//! Dukcapil simulator and the backend in demo mode, prints where to go and
//! how to sign in, and stops everything cleanly on Ctrl-C, SIGTERM, or when
//! one of them dies.
//!
//! When pcscd and vsmartcard's vpcd are installed (and no other pcscd
//! runs), the demo also plugs in a KTP-el reader: its own pcscd with the
//! two vpcd slots, the virtual card + SAM (`padan-ktp-card`, a person of the
//! simulator's population; `--card-scenario clone|tampered|removed-after-15|
//! sam-expired|…` for the failure modes) and the reader-agent on
//! `ws://127.0.0.1:47443/`, configured for the demo origin and the
//! backend's demo ticket key ("Baca KTP-el" as `petugas`, office KANREG-V).
//! Otherwise it says how to install them and runs without the reader.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::proc::{self, Daemon, interrupted};
use crate::spa::{self, Freshness};
use crate::{header, http, tools};

/// The simulator's default seed: the virtual KTP-el card's demo keys and the
/// backend's demo reader registration (SAM serial) are those of this seed,
/// and the card's person must be in the simulator's population.
const SEED: &str = "20240628";
const PERSONS: &str = "100000";
/// vsmartcard's vpcd driver for pcscd.
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// vpcd's default ports: the card slot, then the SAM slot.
const VPCD_PORT: u16 = 35_963;
/// The agent's default port, where the backend's default `card.agent_url` points.
const AGENT_PORT: u16 = 47_443;
/// The backend's management listener (`/metrics`), loopback only.
const MANAGEMENT_PORT: u16 = 9_464;
/// DEMO ONLY — public half of the backend's demo ticket key
/// (`DEMO_TICKET_PUBLIC_KEY` in backend/src/config.rs).
const DEMO_TICKET_PUBLIC_KEY: &str = "b7ca315459539aa3148293635d2890ebe7b7131d2ef70b37c6df4af240804177";
/// The demo reader's office (backend/src/config.rs `DEMO_READER_OFFICE`).
const DEMO_READER_OFFICE: &str = "KANREG-V";
const DEMO_PASSWORD: &str = "padan-demo-2026";
/// DEMO ONLY — the authenticator secret of the demo admin and auditor
/// (`auth::totp::DEMO_SECRET` in the backend; docs/security-operations.md).
const DEMO_TOTP_SECRET: &str = "PADANDEMOTOTPSECRETJANGANDIPAKAI";
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

const USAGE: &str = "usage: cargo xtask demo [--port 8080] [--sim-port 8001] [--card-scenario genuine|clone|tampered|\
removed-after-N|sam-absent|sam-not-activated|sam-expired|sam-locked|sam-deactivated]";

/// `cargo xtask demo`'s flags.
#[derive(Debug, clap::Args)]
pub(crate) struct Options {
    /// The backend's port (the SPA and the API)
    #[arg(long, value_name = "N", default_value_t = 8080)]
    port: u16,
    /// The Dukcapil simulator's port
    #[arg(long, value_name = "N", default_value_t = 8001)]
    sim_port: u16,
    /// The virtual card: genuine, clone, tampered, removed-after-N, sam-absent, sam-not-activated,
    /// sam-expired, sam-locked, sam-deactivated
    #[arg(long, value_name = "NAME", default_value = "genuine")]
    card_scenario: String,
}

/// Why the demo cannot plug in the emulated reader, if it cannot.
fn reader_unavailable() -> Option<String> {
    let missing: Vec<&str> = [
        ("pcscd", "/usr/sbin/pcscd"),
        ("vsmartcard-vpcd", VPCD_DRIVER),
        ("libpcsclite-dev", "/usr/include/PCSC/winscard.h"),
    ]
    .into_iter()
    .filter(|(_, path)| !Path::new(path).exists())
    .map(|(package, _)| package)
    .collect();
    if !missing.is_empty() {
        return Some(format!(
            "the emulated KTP-el reader needs {0}: `sudo apt-get install -y {0}`, then run the demo again",
            missing.join(" ")
        ));
    }
    if let Ok(pid) = std::fs::read_to_string("/run/pcscd/pcscd.pid") {
        let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap_or_default();
        if !status.is_empty() && !status.contains("State:\tZ") {
            return Some(format!(
                "another pcscd (pid {}) owns /run/pcscd/pcscd.comm; stop it (e.g. `sudo systemctl stop pcscd.socket \
                 pcscd`) for the demo's own pcscd with the virtual reader",
                pid.trim()
            ));
        }
    }
    for (port, what) in [(VPCD_PORT, "vpcd"), (VPCD_PORT + 1, "vpcd"), (AGENT_PORT, "the reader-agent")] {
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            return Some(format!("port {port} ({what}) is already in use"));
        }
    }
    None
}

/// pcscd with the two vpcd slots, the virtual card + SAM, the agent.
struct Reader {
    agent: Daemon,
    card: Daemon,
    pcscd: Daemon,
    nik: String,
}

fn start_reader(
    root: &Path,
    state: &Path,
    addr: SocketAddr,
    sim_addr: SocketAddr,
    scenario: &str,
) -> anyhow::Result<Reader> {
    let readers = state.join("pcscd-readers");
    std::fs::create_dir_all(&readers).with_context(|| format!("creating {}", readers.display()))?;
    std::fs::write(
        readers.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x{VPCD_PORT:X}\nLIBPATH {VPCD_DRIVER}\n\
             CHANNELID 0x{VPCD_PORT:X}\n"
        ),
    )?;
    let mut pcscd = Daemon::spawn(
        "pcscd",
        Command::new("pcscd")
            .args(["--foreground", "--config"])
            .arg(&readers)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    // vpcd listens once pcscd has loaded it (probed by binding, not by
    // connecting: a connection would be a card insertion).
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, VPCD_PORT + 1)).is_ok() {
        if let Some(status) = pcscd.exited() {
            bail!("pcscd stopped ({})", crate::proc::exit_text(status));
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "pcscd's vpcd slots did not open in time");
        std::thread::sleep(Duration::from_millis(100));
    }

    let ktp_card = root.join("target/release/padan-ktp-card");
    let keys = crate::proc::probe(Command::new(&ktp_card).args(["keys", "--seed", SEED]))
        .context("`padan-ktp-card keys` failed")?;
    let key = |name: &str| -> anyhow::Result<String> {
        keys.lines()
            .filter_map(|l| l.split_once(" = "))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            .with_context(|| format!("`padan-ktp-card keys` printed no {name}"))
    };
    let nik = active_nik(sim_addr)?;
    let card = Daemon::spawn(
        "the virtual KTP-el card",
        Command::new(&ktp_card)
            .args(["--seed", SEED, "--persons", PERSONS, "--nik", &nik, "--scenario", scenario])
            .args(["--card-port", &VPCD_PORT.to_string(), "--sam-port", &(VPCD_PORT + 1).to_string()])
            // A card pulled mid-read comes back (genuine) after 2 s: "coba lagi" works.
            .args(["--reinsert-after-ms", "2000"]),
    )?;

    let config = state.join("agent.toml");
    let port = addr.port();
    let text = format!(
        "# Written by `cargo xtask demo`: DEMO keys only.\nlisten_port = {AGENT_PORT}\n\
         allowed_origins = [\"http://{addr}\", \"http://localhost:{port}\"]\n\
         backend_ticket_public_key = \"{DEMO_TICKET_PUBLIC_KEY}\"\noffice = \"{DEMO_READER_OFFICE}\"\n\
         card_reader_patterns = [\"Virtual PCD 00 00\"]\nsam_reader_patterns = [\"Virtual PCD 00 01\"]\n\
         sam_pcid = \"{}\"\nsam_config_key = \"{}\"\nlog = \"info\"\n",
        key("sam_pcid")?,
        key("sam_config_key")?,
    );
    write_private(&config, &text)?;
    let agent = Daemon::spawn(
        "the reader-agent",
        Command::new(root.join("target/release/padan-reader-agent")).arg("run").arg("--config").arg(&config),
    )?;
    Ok(Reader { agent, card, pcscd, nik })
}

/// The NIK of an active person of the simulator's population.
fn active_nik(sim_addr: SocketAddr) -> anyhow::Result<String> {
    let (status, body) = http::get(sim_addr, "/_sim/persons/sample?count=40")?;
    anyhow::ensure!(status == 200, "HTTP {status} for the persons sample");
    let persons: Vec<serde_json::Value> = serde_json::from_str(&body).context("parsing the sample")?;
    persons
        .iter()
        .find(|p| p["SIM_RECORD_STATUS"] == "ACTIVE")
        .and_then(|p| p["NIK"].as_str())
        .map(str::to_owned)
        .context("no active person in the simulator's sample")
}

/// The agent refuses a configuration others may write: 0600.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    // An older file keeps its mode: tighten it too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

pub(crate) fn run(options: Options) -> anyhow::Result<()> {
    let root = crate::repo_root()?;
    // Installed first so Ctrl-C during the build stops xtask's children too.
    let stop = crate::proc::interrupt_flag()?;

    header("tools");
    let tool_path = tools::ensure_spa_tools()?;
    spa::build(&root, Freshness::IfChanged, &tool_path)?;
    let no_reader = reader_unavailable();
    let mut packages = vec!["-p", "padan-backend", "-p", "padan-sim-dukcapil"];
    if no_reader.is_none() {
        packages.extend(["-p", "padan-sim-ktp-card", "-p", "padan-reader-agent"]);
    }
    header(&format!(
        "release binaries: {}",
        packages.iter().filter(|p| **p != "-p").copied().collect::<Vec<_>>().join(", ")
    ));
    proc::run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release"])
            .args(&packages)
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
    // The data-balikan dashboard needs BKN's ASN registry; the demo still runs without it.
    if let Err(e) = crate::bench_balikan::demo_registry(&root, &state, sim_addr, &state.join("padan.db")) {
        eprintln!("warning: the demo ASN registry was not imported: {e:#}");
    }

    // `/metrics` is served on the management listener only (loopback).
    let management = SocketAddr::from(([127, 0, 0, 1], MANAGEMENT_PORT));
    header(&format!("backend on http://{addr} (metrics: http://{management}/metrics)"));
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
            .env("PADAN_SERVER__MANAGEMENT_LISTEN", management.to_string())
            .env("PADAN_SERVER__SPA_DIR", root.join("dist"))
            .env("PADAN_DATABASE__URL", format!("sqlite://{}", state.join("padan.db").display()))
            .env("PADAN_DUKCAPIL__BASE_URL", format!("http://{sim_addr}"))
            .env("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE", root.join("sim/dukcapil/keys/fr-demo-public.pem"))
            .env("PADAN_LOG__FORMAT", "pretty"),
    )?;
    http::wait_healthy(&mut backend, addr, "/healthz", Duration::from_secs(60))?;

    let mut reader = match &no_reader {
        Some(_) => None,
        None => {
            header(&format!(
                "KTP-el reader: pcscd + vpcd, the virtual card ({}), the reader-agent",
                options.card_scenario
            ));
            Some(start_reader(&root, &state, addr, sim_addr, &options.card_scenario)?)
        }
    };

    print_welcome(addr, sim_addr);
    match (&reader, &no_reader) {
        (Some(r), _) => {
            println!(
                "KTP-el reading (Baca KTP-el, as petugas): a virtual reader with a {} card for NIK {},",
                options.card_scenario, r.nik
            );
            println!("  the reader-agent on ws://127.0.0.1:{AGENT_PORT}/ (config .padan/agent.toml).");
            println!("  Other cards: {USAGE}");
        }
        (None, Some(why)) => {
            println!("KTP-el reading is not part of this run: {why}.");
            println!("  Everything else works; \"Baca KTP-el\" shows how to install the reader-agent.");
        }
        (None, None) => {}
    }
    println!();

    while !interrupted(&stop) {
        if let Some(r) = reader.as_mut() {
            for daemon in [&mut r.pcscd, &mut r.card, &mut r.agent] {
                if let Some(status) = daemon.exited() {
                    bail!(
                        "{} stopped unexpectedly ({}); shutting the demo down",
                        daemon.name(),
                        crate::proc::exit_text(status)
                    );
                }
            }
        }
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
    if let Some(mut r) = reader.take() {
        r.agent.stop(Duration::from_secs(5));
        r.card.stop(Duration::from_secs(5));
        r.pcscd.stop(Duration::from_secs(5));
    }
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
    println!(
        "  admin and auditor also ask for an authenticator code: add the DEMO key {DEMO_TOTP_SECRET} to an \
         authenticator app (or run: oathtool --totp -b {DEMO_TOTP_SECRET})"
    );
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
