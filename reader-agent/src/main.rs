//! `padan-reader-agent`: the daemon, plus operator sub-commands.
//!
//! ```text
//! padan-reader-agent [run] [--config PATH]          serve the WebSocket (default)
//! padan-reader-agent diagnose [--config PATH]       self-test, JSON on stdout
//! padan-reader-agent read-once [--config PATH] [--origin O] [--nonce N] [--fields biodata,photo]
//!                                                    one full read, result JSON on stdout
//! padan-reader-agent bench [--config PATH] [--reads N]   timing of full reads (median ms)
//! ```
//! The default configuration path is `$XDG_CONFIG_HOME/padan/agent.toml`
//! (`~/.config/padan/agent.toml`), or `%APPDATA%\Padan\agent.toml` on Windows.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use padan_protocol::agent::v1::{CardField, ReaderRole};
use padan_reader_agent::clock::{Clock, SystemClock};
use padan_reader_agent::config::Config;
use padan_reader_agent::pcsc_backend::{Patterns, PcscDevices, PcscTransport};
use padan_reader_agent::profile::{self, ReadRequest};

fn default_config_path() -> PathBuf {
    if cfg!(windows) {
        let base = std::env::var_os("APPDATA").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        return base.join("Padan").join("agent.toml");
    }
    let base = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")).unwrap_or_else(|| PathBuf::from("."))
    });
    base.join("padan").join("agent.toml")
}

struct Args {
    command: String,
    config: PathBuf,
    origin: String,
    nonce: String,
    fields: Vec<CardField>,
    reads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        command: "run".into(),
        config: default_config_path(),
        origin: String::new(),
        nonce: "read-once".into(),
        fields: Vec::new(),
        reads: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "run" | "diagnose" | "read-once" | "bench" => a.command = arg.clone(),
            "--config" => a.config = PathBuf::from(val()?),
            "--origin" => a.origin = val()?,
            "--nonce" => a.nonce = val()?,
            "--reads" => a.reads = val()?.parse().map_err(|_| "--reads: not a number".to_string())?,
            "--fields" => {
                for f in val()?.split(',') {
                    a.fields.push(match f.trim() {
                        "biodata" => CardField::Biodata,
                        "photo" => CardField::Photo,
                        "signature" => CardField::Signature,
                        other => return Err(format!("--fields: unknown field {other}")),
                    });
                }
            }
            "-V" | "--version" => {
                println!("padan-reader-agent {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            "-h" | "--help" => return Err(HELP.into()),
            other => return Err(format!("unknown argument {other}\n{HELP}")),
        }
    }
    Ok(a)
}

const HELP: &str = "usage: padan-reader-agent [run|diagnose|read-once|bench] [--config PATH] \
[--origin O] [--nonce N] [--fields biodata,photo,signature] [--reads N]";

fn one_read(
    config: &Config,
    patterns: &Patterns,
    origin: &str,
    nonce: &str,
    fields: &[CardField],
) -> Result<padan_protocol::agent::v1::CardReadResult, profile::ReadError> {
    use padan_protocol::agent::v1::AgentErrorCode;
    let mut sam = PcscTransport::connect(patterns, ReaderRole::Sam)
        .map_err(|e| profile::ReadError::new(AgentErrorCode::NoSam, e.to_string()))?;
    let mut card = PcscTransport::connect(patterns, ReaderRole::Card)
        .map_err(|e| profile::ReadError::new(AgentErrorCode::NoCard, e.to_string()))?;
    let req = ReadRequest { origin, nonce, fields, now: SystemClock.now(), credentials: &config.sam };
    profile::read_card(&mut card, &mut sam, &req, &mut |_, _| {}, &AtomicBool::new(false))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("padan-reader-agent: refusing to start: {e}");
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PADAN_AGENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let patterns = Patterns { card: config.card_reader_patterns.clone(), sam: config.sam_reader_patterns.clone() };
    let origin = if args.origin.is_empty() { config.allowed_origins[0].clone() } else { args.origin.clone() };
    match args.command.as_str() {
        "read-once" => match one_read(&config, &patterns, &origin, &args.nonce, &args.fields) {
            Ok(r) => {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("{}", serde_json::json!({ "error": e.code, "detail": e.detail }));
                ExitCode::from(1)
            }
        },
        "bench" => {
            let mut times = Vec::with_capacity(args.reads);
            for i in 0..args.reads {
                let t = Instant::now();
                if let Err(e) = one_read(
                    &config,
                    &patterns,
                    &origin,
                    &format!("bench-{i}"),
                    &[CardField::Biodata, CardField::Photo],
                ) {
                    eprintln!("read {i} failed: {e}");
                    return ExitCode::from(1);
                }
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
            println!(
                "{}",
                serde_json::json!({ "reads": times.len(), "median_ms": median, "min_ms": times.first(), "max_ms": times.last() })
            );
            ExitCode::SUCCESS
        }
        "diagnose" | "run" => {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot start runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            let diagnose = args.command == "diagnose";
            rt.block_on(async move {
                let devices = match PcscDevices::start(patterns) {
                    Ok(d) => Arc::new(d),
                    Err(e) => {
                        eprintln!("cannot start the PC/SC monitor: {e}");
                        return ExitCode::from(1);
                    }
                };
                let mut cfg = config;
                if diagnose {
                    cfg.listen_port = 0;
                }
                let running = match padan_reader_agent::server::start(cfg, devices, Arc::new(SystemClock)).await {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("cannot listen on loopback: {e}");
                        return ExitCode::from(1);
                    }
                };
                if diagnose {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    let agent = running.agent.clone();
                    let checks =
                        tokio::task::spawn_blocking(move || agent.diagnose(false, &origin)).await.unwrap_or_default();
                    println!("{}", serde_json::to_string_pretty(&checks).unwrap_or_default());
                    return if checks.iter().all(|c| c.ok) { ExitCode::SUCCESS } else { ExitCode::from(1) };
                }
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
                ExitCode::SUCCESS
            })
        }
        _ => ExitCode::from(2),
    }
}
