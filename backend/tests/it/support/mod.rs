//! `TestApp`: the real router served by the backend's own connection loop
//! (`web::server::serve`, with the configured timeouts and caps) on a real
//! TCP port, a real database (SQLite file, or a fresh PostgreSQL database
//! when `PADAN_TEST_POSTGRES_URL` is set) and the Dukcapil simulator over
//! real HTTP. The clock is manual.
//!
//! Built with [`TestApp::sqlite`], [`TestApp::postgres`] or
//! [`TestApp::on`], configured with the [`Builder`]'s methods, then
//! `.start()`ed. The app has one cookie-jar client of its own (a browser:
//! [`TestApp::sign_in`], [`TestApp::post`]); [`session`] adds any number of
//! officers signed in side by side.

// Test support: a failed set-up should panic loudly.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod process;
pub mod session;

use std::{
    path::PathBuf,
    sync::{Arc, OnceLock},
};

use figment::{Figment, providers::Serialized};
use padan_backend::{
    AppState, app,
    clock::ManualClock,
    config::Config,
    web::server::{ConnectionLimits, serve},
};
use padan_protocol::v1::Role;
use padan_protocol::validate::{Sex, parse_nik};
use padan_sim_dukcapil::{Population, SimConfig, SimHandle};
use serde_json::{Value, json};
use time::{OffsetDateTime, macros::datetime};

pub use session::{Session, session_cookie};

/// Every demo officer's password.
pub const PASSWORD: &str = "padan-demo-2026";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The demo officer who holds `role`.
pub fn demo_username(role: Role) -> &'static str {
    match role {
        Role::Officer => "petugas",
        Role::Supervisor => "supervisor",
        Role::Helpdesk => "helpdesk",
        Role::Admin => "admin",
        Role::Auditor => "auditor",
    }
}

/// One population for the whole test binary: generating it is the slow part.
pub fn population() -> Arc<Population> {
    static POP: OnceLock<Arc<Population>> = OnceLock::new();
    POP.get_or_init(|| Arc::new(Population::generate(7, 5_000))).clone()
}

/// The process's Prometheus recorder, installed once for the test binary
/// (a process has one recorder; every app with a management listener
/// shares it).
pub fn metrics_handle() -> padan_backend::web::telemetry::PrometheusHandle {
    static HANDLE: OnceLock<padan_backend::web::telemetry::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| padan_backend::web::telemetry::init_metrics().expect("metrics recorder")).clone()
}

/// A NIP consistent with the NIK's birth date and sex (TMT 20 years after birth).
pub fn nip_for(nik: &str, serial: usize) -> String {
    let n = parse_nik(nik).unwrap();
    let yy = u16::from(n.birth_date.year_2digit);
    let year = if yy > 26 { 1900 + yy } else { 2000 + yy };
    let sex = if n.sex == Sex::Female { 2 } else { 1 };
    format!("{year:04}{:02}{:02}{:04}03{sex}{:03}", n.birth_date.month, n.birth_date.day, year + 20, serial % 999 + 1)
}

/// How a [`TestApp`] is set up; `.start()` serves it.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.start()`"]
pub struct Builder {
    engine: Engine,
    demo: bool,
    extra: Value,
    spa_dir: Option<PathBuf>,
    clock: OffsetDateTime,
}

impl Builder {
    /// Settings merged over the defaults (objects key by key, anything else
    /// replaced); may be called more than once.
    pub fn with_config(mut self, extra: Value) -> Self {
        merge(&mut self.extra, &extra);
        self
    }

    /// Where the manual clock starts.
    pub fn with_clock(mut self, start: OffsetDateTime) -> Self {
        self.clock = start;
        self
    }

    /// Demo data (officers, agreements) on or off; on by default.
    pub fn demo(mut self, on: bool) -> Self {
        self.demo = on;
        self
    }

    /// The SPA's `dist` folder; none by default.
    pub fn spa_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spa_dir = Some(dir.into());
        self
    }

    /// `None` when PostgreSQL was asked for but is not available outside CI.
    pub async fn start(self) -> Option<TestApp> {
        TestApp::serve(self).await
    }

    /// Starts, then signs the app's own client in as the demo officer of `role`.
    pub async fn start_signed_in(self, role: Role) -> Option<TestApp> {
        let mut app = self.start().await?;
        let username = demo_username(role);
        let (status, body) = app.sign_in(username, PASSWORD).await;
        assert_eq!(status, 200, "sign in as {username}: {body}");
        Some(app)
    }
}

pub struct TestApp {
    pub base: String,
    /// The app's own client, with a cookie jar (one browser).
    pub http: reqwest::Client,
    pub sim: SimHandle,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    /// The CSRF token of the app's own client's session.
    pub csrf: Option<String>,
    pub db_path: Option<PathBuf>,
    /// The management listener (`/metrics`), when the configuration sets
    /// `server.management_listen` (on another free loopback port here).
    pub management_base: Option<String>,
    _dir: tempfile::TempDir,
    servers: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}

async fn postgres_url() -> Option<String> {
    let admin = match std::env::var("PADAN_TEST_POSTGRES_URL") {
        Ok(url) => url,
        Err(_) if std::env::var("CI").is_ok() => panic!("PADAN_TEST_POSTGRES_URL must be set in CI (cargo xtask test)"),
        Err(_) => return None,
    };
    sqlx::any::install_default_drivers();
    let name = format!("padan_test_{}", hex_id());
    let pool = sqlx::AnyPool::connect(&admin).await.expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create database");
    pool.close().await;
    let (prefix, _) = admin.rsplit_once('/').expect("URL with a database");
    Some(format!("{prefix}/{name}"))
}

fn hex_id() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("{:x}{}{n}", t, std::process::id())
}

impl TestApp {
    /// An app on SQLite (always available).
    pub fn sqlite() -> Builder {
        Self::on(Engine::Sqlite)
    }

    /// An app on PostgreSQL (`PADAN_TEST_POSTGRES_URL`).
    pub fn postgres() -> Builder {
        Self::on(Engine::Postgres)
    }

    /// An app on `engine`, for the tests that run on both.
    pub fn on(engine: Engine) -> Builder {
        // 10:00 WIB on the day this was written: the real agreements have expired.
        Builder { engine, demo: true, extra: json!({}), spa_dir: None, clock: datetime!(2026-11-22 03:00 UTC) }
    }

    async fn serve(builder: Builder) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, db_path) = match builder.engine {
            Engine::Sqlite => {
                let path = dir.path().join("padan.db");
                (format!("sqlite://{}", path.display()), Some(path))
            }
            Engine::Postgres => (postgres_url().await?, None),
        };
        let sim_config =
            SimConfig { user_id: "BKN_TEST".into(), password: "sim-password".into(), ..SimConfig::default() };
        let sim = padan_sim_dukcapil::spawn_with_population(sim_config, population()).await.expect("simulator");
        let mut settings = json!({
            "demo": { "enabled": builder.demo },
            "database": { "url": db_url, "max_connections": 4 },
            "server": { "spa_dir": builder.spa_dir.unwrap_or_else(|| dir.path().join("no-dist")) },
            "dukcapil": {
                "base_url": sim.base_url(),
                "user_id": "BKN_TEST",
                "password": "sim-password",
                "ip_user": "127.0.0.1",
                "timeout_secs": 2,
                "fr_public_key": padan_sim_dukcapil::FR_PUBLIC_KEY_PEM,
                "breaker_cooldown_secs": 30,
            },
            // No second factor unless a test asks for it (security.rs,
            // authz.rs set `totp_required_roles`).
            "security": { "nik_token_key": "11".repeat(32), "totp_required_roles": [] },
            "audit": { "signing_key": "22".repeat(32) },
        });
        merge(&mut settings, &builder.extra);
        let config = Config::from_figment(Figment::from(Serialized::defaults(settings))).expect("valid config");
        let clock = ManualClock::new(builder.clock);
        let managed = config.server.management_listen.is_some();
        let limits = ConnectionLimits::from_config(&config.server);
        let state = AppState::build(config, clock.clone(), managed.then(metrics_handle)).await.expect("app state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut servers = vec![tokio::spawn(serve(listener, None, app(state.clone()), limits, std::future::pending()))];
        let mut management_base = None;
        if managed {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            management_base = Some(format!("http://{}", listener.local_addr().expect("addr")));
            let router = padan_backend::management_app(state.clone());
            servers.push(tokio::spawn(serve(listener, None, router, limits, std::future::pending())));
        }
        let http = reqwest::Client::builder().cookie_store(true).build().expect("client");
        Some(Self {
            base: format!("http://{addr}"),
            http,
            sim,
            clock,
            state,
            csrf: None,
            db_path,
            management_base,
            _dir: dir,
            servers,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs the app's own client in (its cookie jar keeps the session).
    pub async fn sign_in(&mut self, username: &str, password: &str) -> (u16, Value) {
        let (status, body) = session::sign_in_at(&self.http, &self.base, username, password).await;
        if status == 200 {
            self.csrf = body["csrf_token"].as_str().map(str::to_owned);
        }
        (status, body)
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(csrf) = &self.csrf {
            req = req.header("x-csrf-token", csrf);
        }
        req.send().await.expect("send")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("send")
    }

    pub async fn verify(&self, body: &Value) -> (u16, Value) {
        let r = self.post("/api/v1/verify/elements", body).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_as(&self, path: &str, body: &Value, bearer: Option<&str>) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(key) = bearer {
            req = req.header("authorization", format!("Bearer {key}"));
        } else if let Some(csrf) = &self.csrf {
            req = req.header("x-csrf-token", csrf);
        }
        session::answer(req.send().await.expect("send")).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        session::answer(self.get(path).await).await
    }

    /// Adds an active officer (display name = user name) with [`PASSWORD`]; its id.
    pub async fn add_officer(&self, username: &str, role: Role, office_code: &str) -> i64 {
        let hash = padan_backend::auth::password::hash(PASSWORD).expect("hash");
        let officer = padan_backend::store::officers::NewOfficer {
            username,
            display_name: username,
            nip: None,
            role,
            office_code,
            password_hash: &hash,
        };
        padan_backend::store::officers::insert(self.state.store().pool(), &officer, 0).await.expect("insert officer")
    }

    pub async fn audit(&self) -> Vec<padan_backend::store::audit::AuditRecord> {
        padan_backend::store::audit::recent(self.state.store().pool(), 1000).await.expect("audit")
    }
}

/// Generates one test per engine from an async body taking `Engine`.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::support::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::support::Engine::Postgres).await
            }
        }
    };
}
