//! `padan-sim-dukcapil [--listen ADDR] [--seed N] [--persons N] [--canaries N] [--config FILE]`
//!
//! `--canaries N` appends N canary families (see `canary.rs`) for the
//! no-retention tests; `GET /_sim/canaries` lists them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use padan_sim_dukcapil::{Population, SimConfig, spawn_with_population};

const USAGE: &str =
    "usage: padan-sim-dukcapil [--listen 127.0.0.1:8001] [--seed N] [--persons N] [--canaries N] [--config FILE.json]";

fn parse_args() -> anyhow::Result<(SimConfig, usize)> {
    let mut args = std::env::args().skip(1);
    let mut config = SimConfig { listen: SocketAddr::from(([127, 0, 0, 1], 8001)), ..SimConfig::default() };
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut canaries = 0;
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), v.to_owned()),
            None => {
                let v = args.next().with_context(|| format!("{arg} needs a value\n{USAGE}"))?;
                (arg, v)
            }
        };
        if flag == "--config" {
            let text = std::fs::read_to_string(&value).with_context(|| format!("reading {value}"))?;
            config = serde_json::from_str(&text).with_context(|| format!("parsing {value}"))?;
        } else {
            overrides.push((flag, value));
        }
    }
    // Flags win over the file, whatever their order.
    for (flag, value) in overrides {
        match flag.as_str() {
            "--listen" => config.listen = value.parse().with_context(|| format!("bad --listen {value}"))?,
            "--seed" => config.seed = value.parse().with_context(|| format!("bad --seed {value}"))?,
            "--persons" => config.persons = value.parse().with_context(|| format!("bad --persons {value}"))?,
            "--canaries" => canaries = value.parse().with_context(|| format!("bad --canaries {value}"))?,
            _ => bail!("unknown argument {flag}\n{USAGE}"),
        }
    }
    Ok((config, canaries))
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
