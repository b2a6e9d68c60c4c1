//! `padan`: the backend binary.
//!
//! ```text
//! padan [serve] [--config FILE]    run the server (default)
//! padan check-config [--config FILE]
//! padan openapi                    print the OpenAPI document
//! padan audit verify|export-checkpoints [--config FILE]   (docs/audit.md)
//! padan registry import FILE [--dry-run] [--config FILE]  (docs/data-balikan.md)
//! ```

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::{Parser, Subcommand};
use padan_backend::{
    AppState, app,
    clock::SystemClock,
    config::Config,
    management_app,
    web::{self, telemetry},
};

/// Padan: checks civil servants' identity data against Dukcapil's
/// population registry.
#[derive(Debug, Parser)]
#[command(name = "padan", version)]
struct Cli {
    /// Configuration file (TOML); `PADAN_` environment variables override it
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default)
    Serve,
    /// Check the configuration (and the TLS pair) without starting
    CheckConfig,
    /// Print the OpenAPI document
    Openapi,
    /// The audit trail: verify the chain, export checkpoints (docs/audit.md)
    #[command(subcommand)]
    Audit(padan_backend::audit::cli::Command),
    /// The SIASN registry (docs/data-balikan.md)
    #[command(subcommand)]
    Registry(RegistryCommand),
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Import a SIASN registry export, as the admin page does; exit 1 when rejected
    Import {
        /// The CSV export
        file: PathBuf,
        /// Check and report only; change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> anyhow::Result<()> {
    // Usage errors exit 2 with the usage; `--help`/`--version` exit 0.
    let cli = Cli::parse();
    let config_path = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Audit(command) => std::process::exit(padan_backend::audit::cli::main(command, config_path)),
        Command::Registry(RegistryCommand::Import { file, dry_run }) => {
            std::process::exit(padan_backend::services::registry::cli_main(file, dry_run, config_path))
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&padan_backend::routes::openapi())?);
            Ok(())
        }
        Command::CheckConfig => match Config::load(config_path.as_deref()) {
            // Never echo the configuration: it holds secrets.
            Ok(config) => {
                // The TLS pair must also load (errors name the key, never its contents).
                if let (Some(cert), Some(key)) = (&config.server.tls_cert, &config.server.tls_key) {
                    if let Err(e) = padan_backend::web::tls::server_config(cert, key.expose()) {
                        eprintln!("configuration is invalid:\n  - {e}");
                        std::process::exit(1)
                    }
                }
                println!("configuration OK");
                Ok(())
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1)
            }
        },
        Command::Serve => {
            let config = match Config::load(config_path.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("padan: refusing to start.\n{e}");
                    std::process::exit(1)
                }
            };
            tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(serve(config))
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init_logging(&config.log);
    if config.server.lock_memory {
        lock_memory();
    }
    let metrics = telemetry::init_metrics()?;
    if config.demo.enabled {
        tracing::warn!("DEMO MODE: demo accounts, a demonstration agreement and demo secrets are in use");
    }
    let listen = config.server.listen;
    let management = config.server.management_listen;
    let limits = padan_backend::web::server::ConnectionLimits::from_config(&config.server);
    let tls = match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(cert), Some(key)) => Some(padan_backend::web::tls::server_config(cert, key.expose())?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let state = AppState::build(config, Arc::new(SystemClock), Some(metrics)).await.context("start-up failed")?;
    padan_backend::services::balikan::spawn(state.clone()).context("data balikan worker")?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    // One signal stops both listeners.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopping = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let management = match management {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on server.management_listen = {address}"))?;
            tracing::info!(%address, "management listener (/metrics, /livez, /healthz) on plain HTTP");
            let serving = web::server::serve(listener, None, management_app(state.clone()), limits, stopping());
            Some(tokio::spawn(serving))
        }
        None => {
            tracing::info!("server.management_listen is not set: /metrics is not served");
            None
        }
    };
    tracing::info!(%listen, scheme, "padan listening");
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    web::server::serve(listener, tls, app(state), limits, stopping()).await?;
    if let Some(management) = management {
        management.await.context("management listener")??;
    }
    tracing::info!("padan stopped");
    Ok(())
}

/// Locks what is mapped now (code, libraries, stacks) and, as they are
/// first touched, every page mapped later (`server.lock_memory`).
fn lock_memory() {
    use rustix::mm::{MlockAllFlags, mlockall};
    let locked = mlockall(MlockAllFlags::CURRENT)
        .and_then(|()| mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE | MlockAllFlags::ONFAULT));
    match locked {
        Ok(()) => tracing::info!("memory locked in RAM (no swapping)"),
        Err(e) => tracing::warn!(
            error = %e,
            "could not lock memory in RAM: pages may be swapped out; grant CAP_IPC_LOCK or LimitMEMLOCK=infinity, \
             or set server.lock_memory = false"
        ),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, error::ErrorKind};

    use super::{Cli, Command, RegistryCommand};

    fn help(args: &[&str]) -> String {
        let e = Cli::try_parse_from(args).expect_err("--help is not a command to run");
        assert_eq!(e.kind(), ErrorKind::DisplayHelp);
        e.to_string()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_subcommand_and_flag() {
        let top = help(&["padan", "--help"]);
        for word in ["serve", "check-config", "openapi", "audit", "registry", "--config", "--version"] {
            assert!(top.contains(word), "padan --help lacks {word}: {top}");
        }
        let audit = help(&["padan", "audit", "--help"]);
        assert!(audit.contains("verify") && audit.contains("export-checkpoints"), "{audit}");
        let verify = help(&["padan", "audit", "verify", "--help"]);
        assert!(verify.contains("--checkpoints") && verify.contains("--config"), "{verify}");
        let export = help(&["padan", "audit", "export-checkpoints", "--help"]);
        assert!(export.contains("--out"), "{export}");
        let import = help(&["padan", "registry", "import", "--help"]);
        assert!(import.contains("--dry-run") && import.contains("<FILE>"), "{import}");
    }

    #[test]
    fn unknown_flags_are_usage_errors() {
        for args in [
            &["padan", "--bogus"][..],
            &["padan", "serve", "--bogus"],
            &["padan", "audit", "verify", "--out", "x"],
            &["padan", "audit", "export-checkpoints", "--checkpoints", "x"],
            &["padan", "registry", "import", "a.csv", "--bogus"],
            &["padan", "registry", "import"],
            &["padan", "audit"],
            &["padan", "nonsense"],
        ] {
            let e = Cli::try_parse_from(args).expect_err("accepted");
            assert_eq!(e.exit_code(), 2, "{args:?}");
            assert!(e.render().to_string().contains("Usage: padan"), "{args:?}: {e}");
        }
    }

    #[test]
    fn the_invocations_in_use_still_parse() {
        // No subcommand serves; --config goes before or after the subcommand.
        let cli = Cli::try_parse_from(["padan", "--config", "p.toml"]).unwrap();
        assert!(cli.command.is_none() && cli.config.is_some());
        let cli = Cli::try_parse_from(["padan", "serve", "--config", "p.toml"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)) && cli.config.is_some());
        let cli = Cli::try_parse_from(["padan", "--config=p.toml", "check-config"]).unwrap();
        assert!(matches!(cli.command, Some(Command::CheckConfig)) && cli.config.is_some());
        let cli =
            Cli::try_parse_from(["padan", "registry", "import", "r.csv", "--config", "p.toml", "--dry-run"]).unwrap();
        let Some(Command::Registry(RegistryCommand::Import { file, dry_run })) = cli.command else {
            panic!("not an import")
        };
        assert_eq!((file.to_str(), dry_run, cli.config.is_some()), (Some("r.csv"), true, true));
        let cli = Cli::try_parse_from(["padan", "audit", "verify", "--checkpoints", "c.jsonl"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Audit(padan_backend::audit::cli::Command::Verify { .. }))));
    }
}
