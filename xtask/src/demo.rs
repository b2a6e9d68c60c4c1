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
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use padan_testkit::card::{self, AgentConfig, CardKeys, Pcscd, VPCD_PORT, VirtualCard};
use padan_testkit::servers::{DEMO_PASSWORD, demo_simulator_config};
use padan_testkit::{Backend, CallerEnv, Group, Output, Process, Simulator, exit_text, http_get};

use crate::proc::{self, interrupted};
use crate::spa::{self, Freshness};
use crate::{header, tools};

/// The simulator's default seed: the virtual KTP-el card's demo keys and the
/// backend's demo reader registration (SAM serial) are those of this seed,
/// and the card's person must be in the simulator's population.
const SEED: u64 = card::CARD_SEED;
const PERSONS: usize = 100_000;
/// The agent's default port, where the backend's default `card.agent_url` points.
const AGENT_PORT: u16 = 47_443;
/// The backend's management listener (`/metrics`), loopback only.
const MANAGEMENT_PORT: u16 = 9_464;
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
    let missing = card::missing_packages(true);
    if !missing.is_empty() {
        return Some(format!(
            "the emulated KTP-el reader needs {0}: `sudo apt-get install -y {0}`, then run the demo again",
            missing.join(" ")
        ));
    }
    if let Some(pid) = card::other_pcscd() {
        return Some(format!(
            "another pcscd (pid {pid}) owns /run/pcscd/pcscd.comm; stop it (e.g. `sudo systemctl stop pcscd.socket \
             pcscd`) for the demo's own pcscd with the virtual reader"
        ));
    }
    for (port, what) in [(VPCD_PORT, "vpcd"), (VPCD_PORT + 1, "vpcd"), (AGENT_PORT, "the reader-agent")] {
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            return Some(format!("port {port} ({what}) is already in use"));
        }
    }
    None
}

/// pcscd with the two vpcd slots, the virtual card + SAM, the agent.
/// Field order is drop order: the agent and the card stop before pcscd.
struct Reader {
    agent: Process,
    card: Process,
    pcscd: Pcscd,
    nik: String,
}

fn start_reader(
    root: &Path,
    state: &Path,
    addr: SocketAddr,
    sim_addr: SocketAddr,
    scenario: &str,
) -> anyhow::Result<Reader> {
    let pcscd = Pcscd::start(state, VPCD_PORT)?;
    let ktp_card = root.join("target/release/padan-ktp-card");
    let keys = CardKeys::for_seed(&ktp_card, SEED)?;
    let nik = active_nik(sim_addr)?;
    let card = VirtualCard {
        binary: ktp_card,
        seed: SEED,
        persons: PERSONS,
        nik: nik.clone(),
        scenario: scenario.to_owned(),
        canaries: 0,
        vpcd_port: VPCD_PORT,
        // A card pulled mid-read comes back (genuine) after 2 s: "coba lagi" works.
        reinsert_after_ms: Some(2000),
    }
    .start(Output::Inherit, Group::Own)?;

    let port = addr.port();
    let origins = vec![format!("http://{addr}"), format!("http://localhost:{port}")];
    let mut config = AgentConfig::demo(&keys, AGENT_PORT, origins)?;
    config.comment = Some("Written by `cargo xtask demo`: DEMO keys only.".to_owned());
    let agent = card::start_reader_agent(
        &root.join("target/release/padan-reader-agent"),
        &state.join("agent.toml"),
        &config,
        Output::Inherit,
        Group::Own,
    )?;
    Ok(Reader { agent, card, pcscd, nik })
}

/// The NIK of an active person of the simulator's population.
fn active_nik(sim_addr: SocketAddr) -> anyhow::Result<String> {
    let (status, body) = http_get(sim_addr, "/_sim/persons/sample?count=40")?;
    anyhow::ensure!(status == 200, "HTTP {status} for the persons sample");
    let persons: Vec<serde_json::Value> = serde_json::from_str(&body).context("parsing the sample")?;
    persons
        .iter()
        .find(|p| p["SIM_RECORD_STATUS"] == "ACTIVE")
        .and_then(|p| p["NIK"].as_str())
        .map(str::to_owned)
        .context("no active person in the simulator's sample")
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
    let mut sim = Simulator::new(root.join("target/release/padan-sim-dukcapil"), sim_addr)
        .config(&state.join("sim-demo.json"), &demo_simulator_config())?
        .seed(SEED)
        .persons(PERSONS)
        .timeout(Duration::from_secs(120))
        .start(Output::Inherit, Group::Own)?
        .with_grace(Duration::from_secs(10));
    // The data-balikan dashboard needs BKN's ASN registry; the demo still runs without it.
    if let Err(e) = crate::bench_balikan::demo_registry(&root, &state, sim_addr, &state.join("padan.db")) {
        eprintln!("warning: the demo ASN registry was not imported: {e:#}");
    }

    // `/metrics` is served on the management listener only (loopback).
    let management = SocketAddr::from(([127, 0, 0, 1], MANAGEMENT_PORT));
    header(&format!("backend on http://{addr} (metrics: http://{management}/metrics)"));
    // The backend takes every PADAN_* variable as configuration and rejects
    // unknown keys; the test suite's own (PADAN_TEST_*, PADAN_E2E_*) would
    // stop it, while a developer's PADAN_* tweaks are kept on purpose.
    let mut backend = Backend::new(root.join("target/release/padan"), &state, addr)
        .caller_env(CallerEnv::DropTestOnly)
        .management(management)
        .spa_dir(&root.join("dist"))
        .sqlite(&state.join("padan.db"))
        .dukcapil(&format!("http://{sim_addr}"))
        .env("PADAN_DUKCAPIL__FR_PUBLIC_KEY_FILE", root.join("sim/dukcapil/keys/fr-demo-public.pem"))
        .env("PADAN_LOG__FORMAT", "pretty")
        .start(Output::Inherit, Group::Own)?
        .with_grace(Duration::from_secs(10));

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
        let mut running: Vec<&mut Process> = vec![&mut sim, &mut backend];
        if let Some(r) = reader.as_mut() {
            running.extend([r.pcscd.process(), &mut r.card, &mut r.agent]);
        }
        for process in running {
            if let Some(status) = process.exited() {
                bail!("{} stopped unexpectedly ({}); shutting the demo down", process.name(), exit_text(status));
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    println!("\nstopping the demo…");
    if let Some(mut r) = reader.take() {
        r.agent.stop();
        r.card.stop();
        r.pcscd.process().stop();
    }
    // The backend first: it is the one talking to the simulator.
    backend.stop();
    sim.stop();
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
    let (status, body) = http_get(sim_addr, "/_sim/persons/sample?count=3")?;
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
