//! Padan's backend-for-frontend.
//!
//! Layout: `routes/` holds thin HTTP handlers (one file per action);
//! `services/` what a request means; `policy` what the agreements grant;
//! `dukcapil/` the one client of Dukcapil; `store/` persistence; `auth/`
//! officers and sessions; `audit` the trail; `web` headers, static SPA
//! serving and telemetry. `app()` assembles them.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod dukcapil;
pub mod error;
pub mod policy;
pub mod routes;
pub mod services;
pub mod store;
pub mod text;
pub mod web;

use std::sync::{Arc, RwLock};

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::{clock::SharedClock, config::Config, dukcapil::DukcapilClient, store::Store};
use store::agreements::AgreementRecord;

/// Shared state behind every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    store: Store,
    clock: SharedClock,
    dukcapil: DukcapilClient,
    nik_key: Vec<u8>,
    dummy_hash: String,
    agreements: RwLock<Arc<Vec<AgreementRecord>>>,
    spa: web::spa::Spa,
    metrics: Option<PrometheusHandle>,
    card_keys: Option<config::CardKeys>,
    audit: audit::appender::Appender,
    recurrences: services::alerts::Recurrences,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Connects, migrates, seeds reference data and loads the SPA.
    pub async fn build(config: Config, clock: SharedClock, metrics: Option<PrometheusHandle>) -> anyhow::Result<Self> {
        let store = Store::connect(config.database.url.expose(), config.database.max_connections).await?;
        store.migrate().await?;
        audit::on_start(&store, &config.audit).await?;
        store.spawn_checkpointer(
            std::time::Duration::from_millis(500),
            config.database.keep_cached_mib.saturating_mul(1024 * 1024),
        );
        let now = clock.now_millis();
        store::seed::offices(store.pool()).await?;
        store::seed::agreements(store.pool(), now).await?;
        if config.demo.enabled {
            seed_demo(&store, &config, clock.today(), now).await?;
            services::card::seed_demo_reader(store.pool(), now).await?;
        }
        let card_keys = config.card.keys().map_err(|p| anyhow::anyhow!("card configuration: {}", p.join("; ")))?;
        let agreements = store::agreements::all(store.pool()).await?;
        let dukcapil = DukcapilClient::new(config.dukcapil.clone(), clock.clone())?;
        let spa = web::spa::Spa::load(&config.server.spa_dir)?;
        let dummy_hash = tokio::task::spawn_blocking(auth::service::dummy_hash).await?;
        let audit = audit::appender::Appender::start(&store, &config.audit, clock.clone())?;
        let state = Self(Arc::new(Inner {
            nik_key: config.nik_token_key(),
            config,
            store,
            clock,
            dukcapil,
            dummy_hash,
            agreements: RwLock::new(Arc::new(agreements)),
            spa,
            metrics,
            card_keys,
            audit,
            recurrences: services::alerts::Recurrences::default(),
        }));
        audit::signals::spawn(&state);
        services::alerts::spawn_flusher(&state);
        Ok(state)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }
    pub fn store(&self) -> &Store {
        &self.0.store
    }
    pub fn clock(&self) -> &SharedClock {
        &self.0.clock
    }
    /// The audit trail's appender (group commit).
    pub fn audit(&self) -> &audit::appender::Appender {
        &self.0.audit
    }
    /// Admin-alert recurrences counted in memory (`services::alerts`).
    pub fn recurrences(&self) -> &services::alerts::Recurrences {
        &self.0.recurrences
    }
    pub fn dukcapil(&self) -> &DukcapilClient {
        &self.0.dukcapil
    }
    pub fn nik_key(&self) -> &[u8] {
        &self.0.nik_key
    }
    pub fn dummy_hash(&self) -> &str {
        &self.0.dummy_hash
    }
    pub fn spa(&self) -> &web::spa::Spa {
        &self.0.spa
    }
    /// The KTP-el keys, when card reading is configured.
    pub fn card_keys(&self) -> Option<&config::CardKeys> {
        self.0.card_keys.as_ref()
    }
    pub fn metrics(&self) -> Option<&PrometheusHandle> {
        self.0.metrics.as_ref()
    }
    pub fn agreements(&self) -> Arc<Vec<AgreementRecord>> {
        self.0.agreements.read().map(|a| Arc::clone(&a)).unwrap_or_else(|e| Arc::clone(&e.into_inner()))
    }
    /// Re-reads the agreements after an admin changed them.
    pub async fn reload_agreements(&self) -> Result<(), sqlx::Error> {
        let fresh = Arc::new(store::agreements::all(self.store().pool()).await?);
        match self.0.agreements.write() {
            Ok(mut a) => *a = fresh,
            Err(e) => *e.into_inner() = fresh,
        }
        Ok(())
    }
    pub fn idle_timeout_ms(&self) -> i64 {
        self.config().security.session_idle_minutes as i64 * 60_000
    }
    pub fn absolute_timeout_ms(&self) -> i64 {
        self.config().security.session_absolute_hours as i64 * 3_600_000
    }
}

async fn seed_demo(store: &Store, config: &Config, today: time::Date, now: i64) -> anyhow::Result<()> {
    store::agreements::insert_if_absent(store.pool(), &store::seed::demo_agreement(today), now).await?;
    let hash = tokio::task::spawn_blocking(|| auth::password::hash(store::seed::DEMO_PASSWORD))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing demo password: {e}"))?;
    let siasn_key = auth::token_hash(store::seed::DEMO_SIASN_KEY);
    store::service_clients::insert(store.pool(), "siasn-demo", "siasn", &siasn_key, now).await?;
    for (username, display_name, role, office_code, nip) in store::seed::DEMO_ACCOUNTS {
        let existing = store::officers::by_username(store.pool(), username).await?;
        let (id, enrolled) = match existing {
            Some(officer) => (officer.id, officer.totp_secret.is_some()),
            None => {
                let officer = store::officers::NewOfficer {
                    username,
                    display_name,
                    nip,
                    role,
                    office_code,
                    password_hash: &hash,
                };
                (store::officers::insert(store.pool(), &officer, now).await?, false)
            }
        };
        // Roles that must use a second factor are enrolled with the
        // documented demo authenticator secret (auth::totp::DEMO_SECRET),
        // also in a demo database from before second factors existed.
        if !enrolled && config.security.totp_required_roles.contains(&role) {
            let secret = auth::totp::base32_decode(auth::totp::DEMO_SECRET).unwrap_or_default();
            let sealed = auth::totp::seal(&config.nik_token_key(), id, &secret)?;
            store::officers::set_totp_pending(store, id, &sealed).await?;
            store::officers::confirm_totp(store, id, &sealed, 0).await?;
        }
    }
    Ok(())
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    web::layers(routes::router(), state.clone()).with_state(state)
}

/// The management listener's application (`server.management_listen`):
/// `/metrics`, `/livez`, `/healthz`.
pub fn management_app(state: AppState) -> Router {
    routes::management_router().with_state(state)
}
