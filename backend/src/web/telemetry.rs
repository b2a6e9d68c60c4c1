//! Logs and metrics set-up.
//!
//! Logs are structured (JSON by default); each request's span carries its
//! request id, method, route template and, once signed in, the officer id
//! and office. They never carry population data: handlers log codes and
//! outcomes, not values, bodies are never logged, and everything written
//! passes the redaction layer ([`super::redact`]) first. Panics are logged
//! through the same path instead of the default raw stderr hook.

pub use metrics_exporter_prometheus::PrometheusHandle;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, prelude::*};

use super::redact::Redacting;
use crate::config::{LogConfig, LogFormat};

/// The subscriber Padan logs through, writing to `writer` after redaction.
pub fn subscriber<W>(config: &LogConfig, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let writer = Redacting(writer);
    match config.format {
        LogFormat::Json => Box::new(
            registry.with(fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(writer)),
        ),
        LogFormat::Pretty => Box::new(registry.with(fmt::layer().compact().with_writer(writer))),
    }
}

pub fn init_logging(config: &LogConfig) {
    let _ = tracing::subscriber::set_global_default(subscriber(config, std::io::stdout));
    install_panic_hook();
}

/// Panic messages can quote anything (an index, a value): they go through
/// the log, and so through the redaction layer, never raw to stderr.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(%location, panic = %message, "panic");
    }));
}

/// Installs the global Prometheus recorder (once per process).
pub fn init_metrics() -> anyhow::Result<PrometheusHandle> {
    // Fine below 5 ms: the request-path budgets (e.g. 2 ms added per Dukcapil
    // call at p99) are read from these.
    let buckets = [
        0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
        2.5, 5.0, 10.0, 30.0, 60.0,
    ];
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)?
        .install_recorder()?)
}
