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

use clap::{Parser, Subcommand};
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

/// Padan's reader-agent: reads KTP-el cards for the officer's browser over
/// a loopback WebSocket.
#[derive(Debug, Parser)]
#[command(name = "padan-reader-agent", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (default: ~/.config/padan/agent.toml, %APPDATA%\Padan\agent.toml on Windows)
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Origin the read is for (default: the first of allowed_origins)
    #[arg(long, global = true, value_name = "O")]
    origin: Option<String>,
    /// The read's nonce (read-once)
    #[arg(long, global = true, value_name = "N", default_value = "read-once")]
    nonce: String,
    /// Fields to read, comma-separated: biodata, photo, signature (read-once)
    #[arg(long, global = true, value_name = "LIST", value_delimiter = ',', value_parser = card_field)]
    fields: Vec<CardField>,
    /// Number of full reads to time (bench)
    #[arg(long, global = true, value_name = "N", default_value_t = 20)]
    reads: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Command {
    /// Serve the WebSocket (the default)
    Run,
    /// Self-test; the checks as JSON on standard output
    Diagnose,
    /// One full read; the result as JSON on standard output
    ReadOnce,
    /// Timing of full reads (median ms)
    Bench,
}

fn card_field(name: &str) -> Result<CardField, String> {
    match name.trim() {
        "biodata" => Ok(CardField::Biodata),
        "photo" => Ok(CardField::Photo),
        "signature" => Ok(CardField::Signature),
        other => Err(format!("unknown field {other} (biodata, photo, signature)")),
    }
}

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
    // Usage errors exit 2 with the usage; `--help`/`--version` exit 0.
    let args = Args::parse();
    let command = args.command.unwrap_or(Command::Run);
    let config_path = args.config.clone().unwrap_or_else(default_config_path);
    let config = match Config::load(&config_path) {
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
    let origin = args.origin.clone().unwrap_or_else(|| config.allowed_origins[0].clone());
    match command {
        Command::ReadOnce => match one_read(&config, &patterns, &origin, &args.nonce, &args.fields) {
            Ok(r) => {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("{}", serde_json::json!({ "error": e.code, "detail": e.detail }));
                ExitCode::from(1)
            }
        },
        Command::Bench => {
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
        Command::Diagnose | Command::Run => {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot start runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            let diagnose = command == Command::Diagnose;
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
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};
    use padan_protocol::agent::v1::CardField;

    use super::{Args, Command};

    #[test]
    fn help_lists_every_subcommand_and_flag() {
        Args::command().debug_assert();
        let help = Args::try_parse_from(["padan-reader-agent", "--help"]).unwrap_err();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        for word in [
            "run",
            "diagnose",
            "read-once",
            "bench",
            "--config",
            "--origin",
            "--nonce",
            "--fields",
            "--reads",
            "--version",
        ] {
            assert!(help.to_string().contains(word), "{word}: {help}");
        }
    }

    #[test]
    fn unknown_flags_and_bad_values_are_usage_errors() {
        for args in [&["padan-reader-agent", "--bogus"][..], &["padan-reader-agent", "diagnose", "--bogus"]] {
            let e = Args::try_parse_from(args).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::UnknownArgument, 2), "{args:?}");
            assert!(e.render().to_string().contains("Usage: padan-reader-agent"), "{args:?}: {e}");
        }
        let e = Args::try_parse_from(["padan-reader-agent", "serve"]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::InvalidSubcommand, 2));
        assert!(e.render().to_string().contains("Usage: padan-reader-agent"), "{e}");
        for args in [
            &["padan-reader-agent", "read-once", "--fields", "biodata,fingerprint"][..],
            &["padan-reader-agent", "bench", "--reads", "many"],
        ] {
            let e = Args::try_parse_from(args).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2), "{args:?}: {e}");
        }
    }

    #[test]
    fn flags_go_before_or_after_the_subcommand() {
        let a = Args::try_parse_from(["padan-reader-agent", "--config", "a.toml"]).unwrap();
        assert_eq!((a.command, a.reads, a.nonce.as_str()), (None, 20, "read-once"));
        let a = Args::try_parse_from([
            "padan-reader-agent",
            "--config",
            "a.toml",
            "read-once",
            "--fields",
            "biodata, photo",
            "--fields=signature",
            "--origin",
            "https://padan.example",
        ])
        .unwrap();
        assert_eq!(a.command, Some(Command::ReadOnce));
        assert_eq!(a.fields, [CardField::Biodata, CardField::Photo, CardField::Signature]);
        assert_eq!((a.config.unwrap().to_str(), a.origin.as_deref()), (Some("a.toml"), Some("https://padan.example")));
        let a = Args::try_parse_from(["padan-reader-agent", "run", "--config", "b.toml"]).unwrap();
        assert_eq!((a.command, a.config.unwrap().to_str()), (Some(Command::Run), Some("b.toml")));
    }
}
