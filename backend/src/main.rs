//! `padan`: the backend binary.
//!
//! ```text
//! padan serve [--config FILE]      run the server (default)
//! padan check-config [--config FILE]
//! padan openapi                    print the OpenAPI document
//! padan audit verify|export-checkpoints [--config FILE]   (docs/audit.md)
//! padan registry import FILE [--dry-run] [--config FILE]  (docs/data-balikan.md)
//! ```

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use padan_backend::{
    AppState, app,
    clock::SystemClock,
    config::Config,
    management_app,
    web::{self, telemetry},
};

fn usage() -> ! {
    eprintln!("usage: padan [serve|check-config|openapi] [--config FILE]");
    std::process::exit(2)
}

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("audit") {
        std::process::exit(padan_backend::audit::cli::main(std::env::args().skip(2).collect()));
    }
    if std::env::args().nth(1).as_deref() == Some("registry") {
        std::process::exit(padan_backend::services::registry::cli_main(std::env::args().skip(2).collect()));
    }
    let mut args = std::env::args().skip(1);
    let mut command = None;
    let mut config_path: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config_path = Some(args.next().map(PathBuf::from).unwrap_or_else(|| usage())),
            "-h" | "--help" => usage(),
            c if command.is_none() && !c.starts_with('-') => command = Some(c.to_owned()),
            _ => usage(),
        }
    }
    match command.as_deref().unwrap_or("serve") {
        "openapi" => {
            println!("{}", serde_json::to_string_pretty(&padan_backend::routes::openapi())?);
            Ok(())
        }
        "check-config" => match Config::load(config_path.as_deref()) {
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
        "serve" => {
            let config = match Config::load(config_path.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("padan: refusing to start.\n{e}");
                    std::process::exit(1)
                }
            };
            tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(serve(config))
        }
        _ => usage(),
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
