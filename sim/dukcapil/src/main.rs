//! `padan-sim-dukcapil [--listen ADDR] [--seed N] [--persons N] [--canaries N] [--config FILE]`
//!
//! `--canaries N` appends N canary families (see `canary.rs`) for the
//! no-retention tests; `GET /_sim/canaries` lists them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use padan_sim_dukcapil::{Population, SimConfig, spawn_with_population};

/// The Dukcapil simulator: the registry's web services over HTTP, on a
/// generated population.
#[derive(Debug, Parser)]
#[command(name = "padan-sim-dukcapil", version)]
struct Args {
    /// Where to listen [default: 127.0.0.1:8001, or the file's]
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Population seed [default: the file's or the built-in one]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Number of generated persons [default: the file's or the built-in one]
    #[arg(long, value_name = "N")]
    persons: Option<usize>,
    /// Canary families appended for the no-retention tests (`GET /_sim/canaries`)
    #[arg(long, value_name = "N", default_value_t = 0)]
    canaries: usize,
    /// Configuration (JSON, sim/dukcapil/sim.example.json); the flags above win over it
    #[arg(long, value_name = "FILE.json")]
    config: Option<String>,
}

fn parse_args() -> anyhow::Result<(SimConfig, usize)> {
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            serde_json::from_str(&text).with_context(|| format!("parsing {path}"))?
        }
        None => SimConfig { listen: SocketAddr::from(([127, 0, 0, 1], 8001)), ..SimConfig::default() },
    };
    // Flags win over the file, whatever their order.
    config.listen = args.listen.unwrap_or(config.listen);
    config.seed = args.seed.unwrap_or(config.seed);
    config.persons = args.persons.unwrap_or(config.persons);
    Ok((config, args.canaries))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (config, canaries) = parse_args()?;

    let started = Instant::now();
    let (seed, persons) = (config.seed, config.persons);
    let population = tokio::task::spawn_blocking(move || {
        let mut population = Population::generate(seed, persons);
        padan_sim_dukcapil::canary::add(&mut population, canaries);
        population
    })
    .await?;
    let generated_ms = started.elapsed().as_millis();
    tracing::info!(
        seed,
        persons = population.len(),
        families = population.family_count(),
        generated_ms,
        "population generated"
    );

    let handle = spawn_with_population(config, Arc::new(population)).await?;
    tracing::info!(listen = %handle.addr(), "Dukcapil simulator listening (CALL_VERIFY_BY_ELEMEN, CALL_NIK, CALL_KK, CALL_FOTO, CALL_FR, /_sim/*)");
    shutdown_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};

    use super::Args;

    #[test]
    fn help_lists_every_flag_and_unknown_flags_are_usage_errors() {
        Args::command().debug_assert();
        let help = Args::try_parse_from(["padan-sim-dukcapil", "--help"]).unwrap_err();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        for word in ["--listen", "--seed", "--persons", "--canaries", "--config"] {
            assert!(help.to_string().contains(word), "{word}: {help}");
        }
        let e = Args::try_parse_from(["padan-sim-dukcapil", "--bogus", "1"]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::UnknownArgument, 2));
        assert!(e.render().to_string().contains("Usage: padan-sim-dukcapil"), "{e}");
        let e = Args::try_parse_from(["padan-sim-dukcapil", "--listen", "nowhere"]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2));
    }

    #[test]
    fn the_harness_invocation_parses() {
        let a = Args::try_parse_from([
            "padan-sim-dukcapil",
            "--config",
            "sim.json",
            "--listen=127.0.0.1:9",
            "--seed",
            "7",
            "--persons",
            "100",
            "--canaries",
            "2",
        ])
        .unwrap();
        assert_eq!((a.config.as_deref(), a.seed, a.persons, a.canaries), (Some("sim.json"), Some(7), Some(100), 2));
        assert_eq!(a.listen.map(|l| l.port()), Some(9));
    }
}
