//! The HTTP server: Dukcapil's method endpoints (`CALL_VERIFY_BY_ELEMEN`,
//! `CALL_NIK`, `CALL_KK`, `CALL_FOTO`), face recognition (`CALL_FR`) and
//! the `/_sim/*` controls and fixtures.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Faults, SimConfig};
use crate::face::{self, FaceSignature};
use crate::fr::{self, FrErrorCode};
use crate::population::{Person, Population, RecordStatus, key16};
use crate::rng::Rng;
use crate::special;
use crate::verify::{parse_threshold, value_text, verdicts};
use crate::wire::{self, ResponseCode};

/// The method paths, relative to the server root.
pub const VERIFY_PATH: &str = "/dukcapil/get_json/{instansi}/CALL_VERIFY_BY_ELEMEN";
pub const NIK_PATH: &str = "/dukcapil/get_json/{instansi}/CALL_NIK";
pub const KK_PATH: &str = "/dukcapil/get_json/{instansi}/CALL_KK";
pub const FOTO_PATH: &str = "/dukcapil/get_json/{instansi}/CALL_FOTO";
/// Face recognition (a separate host at Dukcapil; the same listener here).
pub const FR_PATH: &str = "/api/face-recognition/dukcapil/{credential}/CALL_FR";

const MAX_BODY: usize = 1 << 20;
const MAX_FR_BODY: usize = 4 << 20;
/// Portraits (and their matcher signatures) kept in memory at most.
pub const FACE_CACHE_CAPACITY: usize = 512;
/// Frames a `face.y4m` may ask for at most.
pub const MAX_Y4M_FRAMES: usize = 250;

/// A Dukcapil method served under `/dukcapil/get_json/{instansi}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    VerifyByElemen,
    Nik,
    Kk,
    Foto,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Self::VerifyByElemen => "CALL_VERIFY_BY_ELEMEN",
            Self::Nik => "CALL_NIK",
            Self::Kk => "CALL_KK",
            Self::Foto => "CALL_FOTO",
        }
    }
}

/// One cached portrait, with the last few probes scored against it.
struct FaceEntry {
    jpeg: Arc<Vec<u8>>,
    signature: OnceLock<Option<FaceSignature>>,
    /// `(probe JPEG, score)`: the score is a pure function of the two
    /// images, so a probe seen before is answered without matching again.
    scored: Mutex<VecDeque<(Vec<u8>, f64)>>,
}

/// Probes remembered per portrait.
const SCORED_PER_FACE: usize = 4;

impl FaceEntry {
    fn new(jpeg: Vec<u8>) -> Self {
        Self { jpeg: Arc::new(jpeg), signature: OnceLock::new(), scored: Mutex::new(VecDeque::new()) }
    }

    fn remembered(&self, probe: &[u8]) -> Option<f64> {
        lock(&self.scored).iter().find(|(p, _)| p == probe).map(|(_, s)| *s)
    }

    fn remember(&self, probe: &[u8], score: f64) {
        let mut scored = lock(&self.scored);
        if scored.len() >= SCORED_PER_FACE {
            scored.pop_front();
        }
        scored.push_back((probe.to_vec(), score));
    }
}

/// Account fields (`user_id`, `password`) already decrypted, by
/// ciphertext: a client may send the same ciphertext on every call, and an
/// RSA-2048 decryption costs this simulator about 2 ms. Cleared when full.
#[derive(Default)]
struct DecryptedAccounts(HashMap<String, Option<String>>);

const DECRYPTED_ACCOUNTS_CAPACITY: usize = 64;

/// A bounded FIFO cache of portraits, keyed by NIK.
#[derive(Default)]
struct FaceCache {
    map: HashMap<String, Arc<FaceEntry>>,
    order: VecDeque<String>,
}

/// What the faults decide for one call.
struct CallFaults {
    faults: Faults,
    delay_ms: u64,
    fail_500: bool,
}
const WIB_OFFSET_SECS: u64 = 7 * 3600;

struct Quota {
    remaining: u64,
    day: u64,
}

struct Inner {
    config: SimConfig,
    population: Arc<Population>,
    faults: Mutex<Faults>,
    fault_rng: Mutex<Rng>,
    quota: Mutex<Quota>,
    faces: Mutex<FaceCache>,
    accounts: Mutex<DecryptedAccounts>,
    fr_transactions: Mutex<HashSet<String>>,
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
        let fault_rng = Rng::new(faults.fault_seed);
        Self {
            inner: Arc::new(Inner {
                config,
                population,
                faults: Mutex::new(faults),
                fault_rng: Mutex::new(fault_rng),
                quota: Mutex::new(quota),
                faces: Mutex::new(FaceCache::default()),
                accounts: Mutex::new(DecryptedAccounts::default()),
                fr_transactions: Mutex::new(HashSet::new()),
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

    /// Replaces the faults and restarts their PRNG from `fault_seed`.
    pub fn set_faults(&self, faults: Faults) {
        let mut f = lock(&self.inner.faults);
        *lock(&self.inner.fault_rng) = Rng::new(faults.fault_seed);
        *f = faults;
    }

    /// `person`'s portrait JPEG, generated on first use and cached (at most
    /// [`FACE_CACHE_CAPACITY`] portraits, oldest evicted first).
    pub fn face_jpeg(&self, person: &Person) -> Arc<Vec<u8>> {
        self.face_entry(person).jpeg.clone()
    }

    fn face_entry(&self, person: &Person) -> Arc<FaceEntry> {
        if let Some(e) = lock(&self.inner.faces).map.get(&person.nik) {
            return e.clone();
        }
        // Generated outside the lock; a racing duplicate is harmless.
        let entry = Arc::new(FaceEntry::new(face::face_jpeg(person)));
        let mut cache = lock(&self.inner.faces);
        if let Some(e) = cache.map.get(&person.nik) {
            return e.clone();
        }
        while cache.order.len() >= FACE_CACHE_CAPACITY {
            if let Some(old) = cache.order.pop_front() {
                cache.map.remove(&old);
            }
        }
        cache.order.push_back(person.nik.clone());
        cache.map.insert(person.nik.clone(), entry.clone());
        entry
    }

    /// Decrypts an account field, remembering the answer by ciphertext.
    fn decrypt_account_field(&self, ciphertext: &str) -> Option<String> {
        if let Some(known) = lock(&self.inner.accounts).0.get(ciphertext) {
            return known.clone();
        }
        let plain = fr::decrypt_field(ciphertext);
        let mut accounts = lock(&self.inner.accounts);
        if accounts.0.len() >= DECRYPTED_ACCOUNTS_CAPACITY {
            accounts.0.clear();
        }
        accounts.0.insert(ciphertext.to_owned(), plain.clone());
        plain
    }

    /// Portraits currently cached.
    pub fn cached_faces(&self) -> usize {
        lock(&self.inner.faces).map.len()
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
    /// Draws this call's jitter and error-rate decision from the fault PRNG.
    fn faults_for_call(&self) -> CallFaults {
        let mut f = lock(&self.inner.faults);
        let mut now = f.clone();
        if let Some(n) = f.times {
            if n <= 1 {
                *f = Faults { fault_seed: f.fault_seed, ..Faults::default() };
            } else {
                f.times = Some(n - 1);
            }
            if n == 0 {
                now = Faults::default();
            }
        }
        let mut rng = lock(&self.inner.fault_rng);
        let jitter = match now.latency_jitter_ms {
            0 => 0,
            j => rng.next_u64() % (j + 1),
        };
        let fail_500 = now.error_rate_percent > 0 && rng.below(100) < u32::from(now.error_rate_percent);
        CallFaults { delay_ms: now.latency_ms + jitter, fail_500, faults: now }
    }

    /// Delay, hang and HTTP 500 faults; `Some` when the call ends here.
    async fn pre_faults(&self, cf: &CallFaults, method: &str) -> Option<Response> {
        if cf.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(cf.delay_ms)).await;
        }
        if cf.faults.hang {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(cf.faults.hang_ms)) => {}
                () = self.wait_shutdown() => {}
            }
        }
        if cf.faults.http_500 || cf.fail_500 {
            let why = if cf.faults.http_500 { "http_500" } else { "error_rate_percent" };
            tracing::info!(status = 500, method, fault = why, "fault: HTTP 500");
            return Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response());
        }
        None
    }

    async fn wait_shutdown(&self) {
        let mut rx = self.inner.shutdown.subscribe();
        // An error means the sender is gone: treat it as shutdown too.
        let _ = rx.wait_for(|v| *v).await;
    }

    /// Authenticates, checks parameters and quota, and answers one call
    /// with its `content` entries and the quota left.
    fn process(
        &self,
        method: Method,
        instansi: &str,
        peer: Option<IpAddr>,
        body: &[u8],
        faults: &Faults,
    ) -> (Vec<Map<String, Value>>, u64) {
        let cfg = &self.inner.config;
        let err = |code: ResponseCode| (vec![wire::error_entry(code)], self.quota_remaining());
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
        let key = if method == Method::Kk { text("NO_KK") } else { text("NIK") };
        let threshold = match method {
            Method::VerifyByElemen => req.get("TRESHOLD").and_then(parse_threshold),
            _ => Some(0.0),
        };
        let (false, Some(threshold)) = (key.is_empty(), threshold) else {
            return err(ResponseCode::IncompleteParams);
        };
        let Some(remaining) = self.consume_quota() else {
            return (vec![wire::error_entry(ResponseCode::QuotaExhausted)], 0);
        };
        let err = |code: ResponseCode| (vec![wire::error_entry(code)], remaining);
        if method == Method::Kk {
            let valid = padan_protocol::validate::parse_kk(&key).is_ok() && special::is_dukcapil_format(&key);
            if !valid {
                return err(ResponseCode::BadFormat);
            }
            let Some(family) = self.inner.population.family(&key) else {
                return err(ResponseCode::NotFound);
            };
            let entries = family
                .iter()
                .map(|p| {
                    let mut e = wire::record_entry(p, faults);
                    add_status_code(&mut e, p);
                    e
                })
                .collect();
            return (entries, remaining);
        }
        if !special::is_dukcapil_format(&key) {
            return err(ResponseCode::BadFormat);
        }
        if key == special::UNPROCESSABLE {
            return err(ResponseCode::CannotProcess);
        }
        let Some(person) = self.inner.population.get(&key) else {
            return err(ResponseCode::NotFound);
        };
        let mut entry = match method {
            Method::VerifyByElemen => verdicts(person, &req, threshold),
            Method::Nik | Method::Kk => wire::record_entry(person, faults),
            Method::Foto => {
                let mut e = Map::new();
                e.insert("NIK".into(), Value::String(person.nik.clone()));
                e.insert("FOTO".into(), Value::String(STANDARD.encode(self.face_jpeg(person).as_slice())));
                wire::apply_format_variants(&mut e, faults);
                e
            }
        };
        add_status_code(&mut entry, person);
        (vec![entry], remaining)
    }

    /// Answers one `CALL_FR`: the code, the score, the caller's
    /// `transactionId` and the quota left.
    fn process_fr(&self, credential: &str, peer: Option<IpAddr>, body: &[u8]) -> (FrErrorCode, f64, String, u64) {
        let cfg = &self.inner.config;
        let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(body) else {
            return (FrErrorCode::InvalidParameter, 0.0, String::new(), self.quota_remaining());
        };
        let req: Map<String, Value> = raw.into_iter().map(|(k, v)| (k.trim().to_ascii_lowercase(), v)).collect();
        let text = |k: &str| req.get(k).and_then(value_text).map(|s| s.trim().to_owned()).unwrap_or_default();
        let tid = text("transactionid");
        let err = |code: FrErrorCode| (code, 0.0, tid.clone(), self.quota_remaining());
        if tid.is_empty() || !lock(&self.inner.fr_transactions).insert(tid.clone()) {
            return err(FrErrorCode::InvalidParameter);
        }
        if !credential.eq_ignore_ascii_case(&cfg.fr_credential) {
            return err(FrErrorCode::AccountNotFound);
        }
        let required =
            ["transactionsource", "nik", "user_id", "password", "threshold", "image", "type", "position", "ip"];
        if required.iter().any(|k| text(k).is_empty()) {
            return err(FrErrorCode::InvalidParameter);
        }
        let (Some(nik), Some(user), Some(password)) = (
            fr::decrypt_field(&text("nik")),
            self.decrypt_account_field(&text("user_id")),
            self.decrypt_account_field(&text("password")),
        ) else {
            return err(FrErrorCode::DecryptionFailed);
        };
        if user != cfg.user_id || cfg.inactive_users.iter().any(|u| u == &user) {
            return err(FrErrorCode::AccountNotFound);
        }
        if password != cfg.password {
            return err(FrErrorCode::WrongPassword);
        }
        let ip = text("ip");
        let peer_ok = !cfg.check_peer_ip || peer == ip.parse::<IpAddr>().ok();
        if !cfg.allowed_ips.iter().any(|a| a.trim() == ip) || !peer_ok {
            return err(FrErrorCode::IpNotAllowed);
        }
        let Some(threshold) = req.get("threshold").and_then(parse_threshold) else {
            return err(FrErrorCode::InvalidThreshold);
        };
        if !text("type").eq_ignore_ascii_case("Face") || !text("position").eq_ignore_ascii_case("F") {
            return err(FrErrorCode::InvalidParameter);
        }
        let Some(remaining) = self.consume_quota() else {
            return (FrErrorCode::RateLimit, 0.0, tid, 0);
        };
        let err = |code: FrErrorCode| (code, 0.0, tid.clone(), remaining);
        let image = text("image");
        let image = image.split_once("base64,").map_or(image.as_str(), |(_, b)| b);
        let image: String = image.chars().filter(|c| !c.is_whitespace()).collect();
        let Ok(jpeg) = STANDARD.decode(image) else {
            return err(FrErrorCode::InvalidDataFormat);
        };
        if jpeg.len() > fr::MAX_IMAGE_BYTES {
            return err(FrErrorCode::CannotProcessImage);
        }
        let found = special::is_dukcapil_format(&nik) && nik != special::UNPROCESSABLE;
        let entry = self.inner.population.get(&nik).filter(|_| found).map(|person| self.face_entry(person));
        // Only decodable probes are remembered, so the order of the checks
        // below (image first, then NIK) is kept.
        let score = match entry.as_ref().and_then(|e| e.remembered(&jpeg)) {
            Some(score) => score,
            None => {
                let Ok(probe) = FaceSignature::from_jpeg(&jpeg) else {
                    return err(FrErrorCode::CannotProcessImage);
                };
                let Some(entry) = entry else {
                    return err(FrErrorCode::NikNotFound);
                };
                let reference = entry.signature.get_or_init(|| FaceSignature::from_jpeg(&entry.jpeg).ok());
                let Some(reference) = reference else {
                    return err(FrErrorCode::CannotProcessImage);
                };
                let score = reference.score(&probe);
                entry.remember(&jpeg, score);
                score
            }
        };
        let code = if score >= threshold { FrErrorCode::Match } else { FrErrorCode::NoMatch };
        (code, score, tid, remaining)
    }
}

/// Adds `RESPONSE_CODE` 11/12/14 beside the data of a non-active record.
fn add_status_code(entry: &mut Map<String, Value>, person: &Person) {
    let code = match person.record_status {
        RecordStatus::Active => None,
        RecordStatus::Deceased => Some(ResponseCode::Deceased),
        RecordStatus::Duplicate => Some(ResponseCode::Duplicate),
        RecordStatus::Inactive => Some(ResponseCode::Inactive),
    };
    if let Some(code) = code {
        entry.extend(wire::error_entry(code));
    }
}

/// Builds the router: the Dukcapil methods, `CALL_FR` and the `/_sim/*`
/// controls and fixtures.
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` if
/// `check_peer_ip` is used (otherwise the peer is unknown and 04 is answered).
pub fn router(state: SimState) -> Router {
    let balikan = crate::balikan::router(crate::balikan::Receiver::new(&state.config().balikan_token));
    Router::new()
        .route(VERIFY_PATH, post(call_verify))
        .route(NIK_PATH, post(call_nik))
        .route(KK_PATH, post(call_kk))
        .route(FOTO_PATH, post(call_foto))
        .route(FR_PATH, post(call_fr))
        .route("/_sim/health", get(health))
        .route("/_sim/faults", get(get_faults).post(set_faults).delete(clear_faults))
        .route("/_sim/quota", get(get_quota).post(set_quota))
        .route("/_sim/fr-public-key.pem", get(fr_public_key))
        .route("/_sim/canaries", get(canaries))
        .route("/_sim/persons/sample", get(sample))
        .route("/_sim/persons/{nik}", get(person_detail))
        .route("/_sim/persons/{nik}/face.jpg", get(face_jpg))
        .route("/_sim/persons/{nik}/face.y4m", get(face_y4m))
        .with_state(state)
        .merge(balikan)
}

async fn call_verify(st: State<SimState>, instansi: Path<String>, req: Request) -> Response {
    dukcapil_call(st, instansi, req, Method::VerifyByElemen).await
}

async fn call_nik(st: State<SimState>, instansi: Path<String>, req: Request) -> Response {
    dukcapil_call(st, instansi, req, Method::Nik).await
}

async fn call_kk(st: State<SimState>, instansi: Path<String>, req: Request) -> Response {
    dukcapil_call(st, instansi, req, Method::Kk).await
}

async fn call_foto(st: State<SimState>, instansi: Path<String>, req: Request) -> Response {
    dukcapil_call(st, instansi, req, Method::Foto).await
}

fn json_response(json: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The body faults that rewrite an otherwise good JSON answer.
fn body_faults(mut json: String, faults: &Faults) -> String {
    if faults.garbage_body {
        json = "<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>".into();
    } else if faults.truncated_json {
        json.truncate(json.len() / 2);
    }
    json
}

async fn dukcapil_call(
    State(st): State<SimState>,
    Path(instansi): Path<String>,
    req: Request,
    method: Method,
) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let body = to_bytes(req.into_body(), MAX_BODY).await.unwrap_or_default();
    let cf = st.faults_for_call();
    if let Some(resp) = st.pre_faults(&cf, method.name()).await {
        return resp;
    }
    let faults = cf.faults;

    let forced = faults.force_response_code.as_deref().and_then(ResponseCode::from_code);
    let (mut entries, remaining) = match forced {
        Some(code) => (vec![wire::error_entry(code)], st.quota_remaining()),
        None => {
            let (st2, f2) = (st.clone(), faults.clone());
            let work = move || st2.process(method, &instansi, peer, &body, &f2);
            match tokio::task::spawn_blocking(work).await {
                Ok(r) => r,
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
    };
    let code = entries.first().and_then(|e| e.get("RESPONSE_CODE")).and_then(Value::as_str).unwrap_or("01");
    tracing::info!(method = method.name(), response_code = %code, entries = entries.len(), "Dukcapil call");

    for entry in &mut entries {
        if faults.older_gateway {
            wire::to_older_gateway(entry);
        }
        if faults.lowercase_keys {
            *entry = wire::lowercase_keys(std::mem::take(entry));
        }
    }
    json_response(body_faults(wire::envelope_many(entries, remaining).to_string(), &faults))
}

async fn call_fr(State(st): State<SimState>, Path(credential): Path<String>, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let body = to_bytes(req.into_body(), MAX_FR_BODY).await.unwrap_or_default();
    let cf = st.faults_for_call();
    if let Some(resp) = st.pre_faults(&cf, "CALL_FR").await {
        return resp;
    }
    let faults = cf.faults;
    let started = Instant::now();
    let (code, score, tid, remaining) = match faults.force_fr_error_code.and_then(FrErrorCode::from_code) {
        Some(code) => {
            let tid = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("transactionId").and_then(value_text))
                .unwrap_or_default();
            (code, 0.0, tid, st.quota_remaining())
        }
        None => {
            let st2 = st.clone();
            match tokio::task::spawn_blocking(move || st2.process_fr(&credential, peer, &body)).await {
                Ok(r) => r,
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(error_code = code.code(), elapsed_ms, "CALL_FR");
    json_response(body_faults(fr::response(code, score, remaining, &tid).to_string(), &faults))
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
    if let Some(code) = faults.force_fr_error_code {
        if FrErrorCode::from_code(code).is_none() {
            let msg = format!("unknown CALL_FR error code {code}");
            return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": msg }))).into_response();
        }
    }
    if faults.error_rate_percent > 100 {
        let msg = "error_rate_percent must be 0-100";
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": msg }))).into_response();
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

/// Test-only fixture: the canary persons (`--canaries N`) with their markers.
async fn canaries(State(st): State<SimState>) -> Json<Vec<crate::canary::CanaryView>> {
    Json(st.population().persons().iter().filter_map(crate::canary::view).collect())
}

async fn fr_public_key() -> Response {
    ([(header::CONTENT_TYPE, "application/x-pem-file")], fr::FR_PUBLIC_KEY_PEM).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": "no such person" }))).into_response()
}

fn find_person<'a>(st: &'a SimState, nik: &str) -> Option<&'a Person> {
    key16(nik)?;
    st.population().get(nik)
}

/// Test-only fixture: a person's full record and family.
async fn person_detail(State(st): State<SimState>, Path(nik): Path<String>) -> Response {
    let Some(p) = find_person(&st, &nik) else {
        return not_found();
    };
    let family = st.population().family(&p.no_kk).unwrap_or_default();
    Json(serde_json::json!({ "person": p, "family": family })).into_response()
}

/// Test-only fixture: a person's portrait JPEG.
async fn face_jpg(State(st): State<SimState>, Path(nik): Path<String>) -> Response {
    let Some(p) = find_person(&st, &nik).cloned() else {
        return not_found();
    };
    let st2 = st.clone();
    match tokio::task::spawn_blocking(move || st2.face_jpeg(&p)).await {
        Ok(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg.as_ref().clone()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct Y4mQuery {
    frames: Option<usize>,
}

/// Test-only fixture: a Y4M video of a person's portrait.
async fn face_y4m(State(st): State<SimState>, Path(nik): Path<String>, Query(q): Query<Y4mQuery>) -> Response {
    let Some(p) = find_person(&st, &nik).cloned() else {
        return not_found();
    };
    let frames = q.frames.unwrap_or(25).clamp(1, MAX_Y4M_FRAMES);
    match tokio::task::spawn_blocking(move || face::face_y4m(&p, frames)).await {
        Ok(video) => ([(header::CONTENT_TYPE, "video/x-yuv4mpeg")], video).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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

    /// The full URL of a Dukcapil method for the configured instansi.
    pub fn method_url(&self, method: Method) -> String {
        format!("{}/dukcapil/get_json/{}/{}", self.base_url(), self.state.config().instansi, method.name())
    }

    /// The full `CALL_NIK` URL.
    pub fn nik_url(&self) -> String {
        self.method_url(Method::Nik)
    }

    /// The full `CALL_KK` URL.
    pub fn kk_url(&self) -> String {
        self.method_url(Method::Kk)
    }

    /// The full `CALL_FOTO` URL.
    pub fn foto_url(&self) -> String {
        self.method_url(Method::Foto)
    }

    /// The full `CALL_FR` URL for the configured `fr_credential`.
    pub fn fr_url(&self) -> String {
        format!("{}/api/face-recognition/dukcapil/{}/CALL_FR", self.base_url(), self.state.config().fr_credential)
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
        // Answers leave at once (no Nagle delay), as from a tuned server.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
            let _ = tcp.set_nodelay(true);
        });
        let result = axum::serve(listener, app).with_graceful_shutdown(async move { st.wait_shutdown().await }).await;
        if let Err(e) = result {
            tracing::error!(error = %e, "simulator server stopped with an error");
        }
    });
    Ok(SimHandle { addr, state, task: Some(task) })
}
