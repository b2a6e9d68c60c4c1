//! The HTTP server: Dukcapil's method endpoint plus the `/_sim/*` controls.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Faults, SimConfig};
use crate::population::{Person, Population, RecordStatus};
use crate::special;
use crate::verify::{parse_threshold, value_text, verdicts};
use crate::wire::{self, ResponseCode};

/// The method path, relative to the server root.
pub const VERIFY_PATH: &str = "/dukcapil/get_json/{instansi}/CALL_VERIFY_BY_ELEMEN";

const MAX_BODY: usize = 1 << 20;
const WIB_OFFSET_SECS: u64 = 7 * 3600;

struct Quota {
    remaining: u64,
    day: u64,
}

struct Inner {
    config: SimConfig,
    population: Arc<Population>,
    faults: Mutex<Faults>,
    quota: Mutex<Quota>,
    shutdown: watch::Sender<bool>,
}

/// Shared server state: configuration, population, faults and quota.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("config", &self.inner.config)
            .field("population", &self.inner.population)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn wib_now() -> (u64, u8) {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) + WIB_OFFSET_SECS;
    (secs / 86_400, ((secs / 3600) % 24) as u8)
}

impl SimState {
    pub fn new(config: SimConfig, population: Arc<Population>) -> Self {
        let (shutdown, _) = watch::channel(false);
        let quota = Quota { remaining: config.daily_quota, day: wib_now().0 };
        let faults = config.faults.clone();
        Self {
            inner: Arc::new(Inner {
                config,
                population,
                faults: Mutex::new(faults),
                quota: Mutex::new(quota),
                shutdown,
            }),
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    pub fn population(&self) -> &Arc<Population> {
        &self.inner.population
    }

    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.inner.faults) = faults;
    }

    pub fn clear_faults(&self) {
        self.set_faults(Faults::default());
    }

    /// Remaining quota today (resets to `daily_quota` when the WIB day changes).
    pub fn quota_remaining(&self) -> u64 {
        let mut q = lock(&self.inner.quota);
        self.roll_day(&mut q);
        q.remaining
    }

    pub fn set_quota_remaining(&self, remaining: u64) {
        let mut q = lock(&self.inner.quota);
        self.roll_day(&mut q);
        q.remaining = remaining;
    }

    /// Tells hanging handlers and a spawned server to stop.
    pub fn signal_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    fn roll_day(&self, q: &mut Quota) {
        let today = wib_now().0;
        if q.day != today {
            q.day = today;
            q.remaining = self.inner.config.daily_quota;
        }
    }

    /// Takes one quota unit; `None` when exhausted.
    fn consume_quota(&self) -> Option<u64> {
        let mut q = lock(&self.inner.quota);
        self.roll_day(&mut q);
        q.remaining = q.remaining.checked_sub(1)?;
        Some(q.remaining)
    }

    /// The faults for this call; counts down `times` and clears when done.
    fn faults_for_call(&self) -> Faults {
        let mut f = lock(&self.inner.faults);
        let now = f.clone();
        if let Some(n) = f.times {
            if n <= 1 {
                *f = Faults::default();
            } else {
                f.times = Some(n - 1);
            }
            if n == 0 {
                return Faults::default();
            }
        }
        now
    }

    async fn wait_shutdown(&self) {
        let mut rx = self.inner.shutdown.subscribe();
        // An error means the sender is gone: treat it as shutdown too.
        let _ = rx.wait_for(|v| *v).await;
    }

    /// Authenticates, checks parameters and quota, and answers one call.
    fn process(&self, instansi: &str, peer: Option<IpAddr>, body: &[u8]) -> (Map<String, Value>, u64) {
        let cfg = &self.inner.config;
        let err = |code: ResponseCode| (wire::error_entry(code), self.quota_remaining());
        let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(body) else {
            return err(ResponseCode::IncompleteParams);
        };
        let req: Map<String, Value> = raw.into_iter().map(|(k, v)| (k.trim().to_ascii_uppercase(), v)).collect();
        let text = |k: &str| req.get(k).and_then(value_text).map(|s| s.trim().to_owned()).unwrap_or_default();
        let (user, password, ip) = (text("USER_ID"), text("PASSWORD"), text("IP_USER"));

        if user.is_empty() || password.is_empty() || ip.is_empty() {
            return err(ResponseCode::EmptyCredentials);
        }
        if !instansi.eq_ignore_ascii_case(&cfg.instansi) {
            return err(ResponseCode::InstitutionInactive);
        }
        if cfg.inactive_users.iter().any(|u| u == &user) {
            return err(ResponseCode::UserInactive);
        }
        if user != cfg.user_id || password != cfg.password {
            return err(ResponseCode::LoginFailed);
        }
        if !cfg.allowed_ips.iter().any(|a| a.trim() == ip) {
            return err(ResponseCode::IpNotRegistered);
        }
        if cfg.check_peer_ip && peer != ip.parse::<IpAddr>().ok() {
            return err(ResponseCode::IpMismatch);
        }
        if let Some(hours) = cfg.access_hours {
            if !hours.is_open(wib_now().1) {
                return err(ResponseCode::OutsideHours);
            }
        }
        let nik = text("NIK");
        let threshold = req.get("TRESHOLD").and_then(parse_threshold);
        let (false, Some(threshold)) = (nik.is_empty(), threshold) else {
            return err(ResponseCode::IncompleteParams);
        };
        let Some(remaining) = self.consume_quota() else {
            return (wire::error_entry(ResponseCode::QuotaExhausted), 0);
        };
        let err = |code: ResponseCode| (wire::error_entry(code), remaining);
        if !special::is_dukcapil_format(&nik) {
            return err(ResponseCode::BadFormat);
        }
        if nik == special::UNPROCESSABLE {
            return err(ResponseCode::CannotProcess);
        }
        let Some(person) = self.inner.population.get(&nik) else {
            return err(ResponseCode::NotFound);
        };
        let mut entry = verdicts(person, &req, threshold);
        let code = match person.record_status {
            RecordStatus::Active => None,
            RecordStatus::Deceased => Some(ResponseCode::Deceased),
            RecordStatus::Duplicate => Some(ResponseCode::Duplicate),
            RecordStatus::Inactive => Some(ResponseCode::Inactive),
        };
        if let Some(code) = code {
            entry.extend(wire::error_entry(code));
        }
        (entry, remaining)
    }
}

/// Builds the router: the Dukcapil method and the `/_sim/*` controls.
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` if
/// `check_peer_ip` is used (otherwise the peer is unknown and 04 is answered).
pub fn router(state: SimState) -> Router {
    Router::new()
        .route(VERIFY_PATH, post(call_verify))
        .route("/_sim/health", get(health))
        .route("/_sim/faults", get(get_faults).post(set_faults).delete(clear_faults))
        .route("/_sim/quota", get(get_quota).post(set_quota))
        .route("/_sim/persons/sample", get(sample))
        .with_state(state)
}

async fn call_verify(State(st): State<SimState>, Path(instansi): Path<String>, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let body = to_bytes(req.into_body(), MAX_BODY).await.unwrap_or_default();
    let faults = st.faults_for_call();

    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if faults.hang {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(faults.hang_ms)) => {}
            () = st.wait_shutdown() => {}
        }
    }
    if faults.http_500 {
        tracing::info!(status = 500, "CALL_VERIFY_BY_ELEMEN (fault: http_500)");
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }

    let forced = faults.force_response_code.as_deref().and_then(ResponseCode::from_code);
    let (mut entry, remaining) = match forced {
        Some(code) => (wire::error_entry(code), st.quota_remaining()),
        None => st.process(&instansi, peer, &body),
    };
    let code = entry.get("RESPONSE_CODE").and_then(Value::as_str).unwrap_or("01").to_owned();
    tracing::info!(response_code = %code, elements = entry.len(), "CALL_VERIFY_BY_ELEMEN");

    if faults.older_gateway {
        wire::to_older_gateway(&mut entry);
    }
    if faults.lowercase_keys {
        entry = wire::lowercase_keys(entry);
    }
    let mut json = wire::envelope(entry, remaining).to_string();
    if faults.garbage_body {
        json = "<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>".into();
    } else if faults.truncated_json {
        json.truncate(json.len() / 2);
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    status: &'static str,
    seed: u64,
    persons: usize,
    families: usize,
    quota_remaining: u64,
    faults_active: bool,
}

async fn health(State(st): State<SimState>) -> Json<Health> {
    let pop = st.population();
    Json(Health {
        status: "ok",
        seed: pop.seed(),
        persons: pop.len(),
        families: pop.family_count(),
        quota_remaining: st.quota_remaining(),
        faults_active: !st.faults().is_clear(),
    })
}

async fn get_faults(State(st): State<SimState>) -> Json<Faults> {
    Json(st.faults())
}

async fn set_faults(State(st): State<SimState>, Json(faults): Json<Faults>) -> Response {
    if let Some(code) = &faults.force_response_code {
        if ResponseCode::from_code(code).is_none() {
            let msg = format!("unknown response code {code:?}");
            return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": msg }))).into_response();
        }
    }
    tracing::info!(?faults, "faults set");
    st.set_faults(faults.clone());
    Json(faults).into_response()
}

async fn clear_faults(State(st): State<SimState>) -> Json<Faults> {
    st.clear_faults();
    tracing::info!("faults cleared");
    Json(Faults::default())
}

#[derive(Debug, Serialize, Deserialize)]
struct QuotaBody {
    remaining: u64,
}

async fn get_quota(State(st): State<SimState>) -> Json<QuotaBody> {
    Json(QuotaBody { remaining: st.quota_remaining() })
}

async fn set_quota(State(st): State<SimState>, Json(q): Json<QuotaBody>) -> Json<QuotaBody> {
    st.set_quota_remaining(q.remaining);
    Json(QuotaBody { remaining: st.quota_remaining() })
}

#[derive(Debug, Deserialize)]
struct SampleQuery {
    count: Option<usize>,
    offset: Option<usize>,
}

/// Test-only fixture endpoint: full records of active generated persons.
async fn sample(State(st): State<SimState>, Query(q): Query<SampleQuery>) -> Json<Vec<Person>> {
    let count = q.count.unwrap_or(10).min(1000);
    let offset = q.offset.unwrap_or(0);
    Json(st.population().sample(offset, count).cloned().collect())
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    state: SimState,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The bound address (the real port when `:0` was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full `CALL_VERIFY_BY_ELEMEN` URL for the configured instansi.
    pub fn verify_url(&self) -> String {
        format!("{}/dukcapil/get_json/{}/CALL_VERIFY_BY_ELEMEN", self.base_url(), self.state.config().instansi)
    }

    pub fn population(&self) -> &Arc<Population> {
        self.state.population()
    }

    pub fn state(&self) -> &SimState {
        &self.state
    }

    pub fn config(&self) -> &SimConfig {
        self.state.config()
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn quota_remaining(&self) -> u64 {
        self.state.quota_remaining()
    }

    pub fn set_quota_remaining(&self, remaining: u64) {
        self.state.set_quota_remaining(remaining);
    }

    /// Stops accepting, lets in-flight calls finish (hanging ones return at
    /// once) and waits for the server task.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.state.signal_shutdown();
        if let Some(task) = self.task.take() {
            task.await?;
        }
        Ok(())
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.state.signal_shutdown();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Generates the population from `config.seed` / `config.persons` and
/// starts the server on `config.listen` (default `127.0.0.1:0`).
pub async fn spawn(config: SimConfig) -> anyhow::Result<SimHandle> {
    let (seed, persons) = (config.seed, config.persons);
    let population = tokio::task::spawn_blocking(move || Population::generate(seed, persons)).await?;
    spawn_with_population(config, Arc::new(population)).await
}

/// Starts the server over an existing population (tests share one
/// population between many servers this way). `config.seed` and
/// `config.persons` are ignored.
pub async fn spawn_with_population(config: SimConfig, population: Arc<Population>) -> anyhow::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = SimState::new(config, population);
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let st = state.clone();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app).with_graceful_shutdown(async move { st.wait_shutdown().await }).await;
        if let Err(e) = result {
            tracing::error!(error = %e, "simulator server stopped with an error");
        }
    });
    Ok(SimHandle { addr, state, task: Some(task) })
}
