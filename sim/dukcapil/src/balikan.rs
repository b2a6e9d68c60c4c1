//! Dukcapil's data-balikan receiver ("store" call, see
//! `shared/design/DUKCAPIL-WEB-SERVICE.md`): `POST /databalikan/api/store`
//! with `Authorization: Bearer <token>` and a JSON array of
//! `{ id_lembaga, nama_lembaga, data: [ { NIK, param: [ { NIP, … } ] } ] }`.
//!
//! * `200 {"message":"Success"}` when every record is new;
//! * `400 {"message":"Data sudah pernah dikirim"}` when at least one record
//!   (same NIK and NIP) was received before — the new ones in the request
//!   are still kept, so a resend after a crash loses nothing;
//! * `400 {"message":"Format data tidak valid: …"}` for a malformed body
//!   (nothing kept); `401 {"message":"Unauthorized"}` for a wrong token.
//!
//! The ledger is idempotent by NIK+NIP and counts every repeat, so tests can
//! tell "delivered once" from "delivered and absorbed again". Controls:
//!
//! | path | |
//! |---|---|
//! | `GET /_sim/balikan/ledger[?entries=false]` | counters and every entry (or the counters only) |
//! | `DELETE /_sim/balikan/ledger` | empties it |
//! | `GET`/`POST`/`DELETE /_sim/balikan/faults` | [`BalikanFaults`], like `/_sim/faults` |

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::rng::Rng;

/// Where the receiver listens.
pub const BALIKAN_PATH: &str = "/databalikan/api/store";
/// The token accepted unless `SimConfig::balikan_token` says otherwise.
pub const DEFAULT_BALIKAN_TOKEN: &str = "demo-balikan-token";

/// Faults of the receiver only (the Dukcapil methods have `/_sim/faults`).
///
/// ```json
/// { "latency_ms": 0, "ack_latency_ms": 0, "error_rate_percent": 0, "fault_seed": 1, "http_500": false,
///   "garbage_body": false, "hang": false, "hang_ms": 120000,
///   "poison_niks": [], "poison_status": 500, "times": null }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BalikanFaults {
    /// Added to every call before anything else (after the body is read).
    pub latency_ms: u64,
    /// Added after the records are kept, before the answer: a client that
    /// dies meanwhile never learns they arrived (and sends them again).
    pub ack_latency_ms: u64,
    /// This share of calls (0–100) answers HTTP 500 without keeping anything.
    pub error_rate_percent: u8,
    /// Seeds the PRNG behind `error_rate_percent`; restarts when faults are set.
    pub fault_seed: u64,
    pub http_500: bool,
    /// HTTP 200 with a body that is not JSON (nothing kept).
    pub garbage_body: bool,
    /// Holds the call for `hang_ms` and then drops it (nothing kept).
    pub hang: bool,
    pub hang_ms: u64,
    /// A request holding one of these NIKs fails as a whole with
    /// `poison_status` (500: "the receiver crashes on it"; 4xx: refused).
    pub poison_niks: Vec<String>,
    pub poison_status: u16,
    /// Apply to the next `times` calls only, then clear.
    pub times: Option<u32>,
}

impl Default for BalikanFaults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            ack_latency_ms: 0,
            error_rate_percent: 0,
            fault_seed: 1,
            http_500: false,
            garbage_body: false,
            hang: false,
            hang_ms: 120_000,
            poison_niks: Vec::new(),
            poison_status: 500,
            times: None,
        }
    }
}

/// One ledger entry (NIK + NIP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub nik: String,
    pub nip: String,
    pub status_kepegawaian: String,
    pub kedudukan_hukum: String,
    pub id_lembaga: String,
    /// Times received (1 = once; more = repeats the receiver absorbed).
    pub received: u64,
}

/// `GET /_sim/balikan/ledger`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerView {
    /// Distinct NIK+NIP records kept.
    pub records: u64,
    /// Records received again after they were kept.
    pub duplicates: u64,
    /// Requests answered (any status).
    pub requests: u64,
    /// Requests that failed on purpose (faults, poison).
    pub faulted: u64,
    /// Requests refused for their shape or token.
    pub refused: u64,
    pub entries: Vec<LedgerEntry>,
}

#[derive(Default)]
struct Ledger {
    entries: HashMap<(String, String), LedgerEntry>,
    duplicates: u64,
    requests: u64,
    faulted: u64,
    refused: u64,
}

struct Inner {
    token: String,
    ledger: Mutex<Ledger>,
    faults: Mutex<(BalikanFaults, Rng)>,
}

/// The receiver's state. Cheap to clone.
#[derive(Clone)]
pub struct Receiver(Arc<Inner>);

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

/// A validated record of a request.
struct Item {
    nik: String,
    nip: String,
    status: String,
    kedudukan: String,
    id_lembaga: String,
}

fn digits(v: Option<&Value>, len: usize) -> Option<String> {
    let s = v?.as_str()?;
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_owned())
}

fn text(v: Option<&Value>) -> Option<String> {
    v?.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Checks the body's shape; `Err` says what is wrong.
fn parse(body: &[u8]) -> Result<Vec<Item>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "bukan JSON".to_owned())?;
    let groups = v.as_array().filter(|a| !a.is_empty()).ok_or("harus berupa array yang tidak kosong")?;
    let mut items = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let id_lembaga = text(group.get("id_lembaga")).ok_or(format!("[{g}].id_lembaga wajib diisi"))?;
        text(group.get("nama_lembaga")).ok_or(format!("[{g}].nama_lembaga wajib diisi"))?;
        let data = group.get("data").and_then(Value::as_array).filter(|a| !a.is_empty());
        let data = data.ok_or(format!("[{g}].data harus berupa array yang tidak kosong"))?;
        for (i, d) in data.iter().enumerate() {
            let nik = digits(d.get("NIK"), 16).ok_or(format!("[{g}].data[{i}].NIK harus 16 digit"))?;
            let params = d.get("param").and_then(Value::as_array).filter(|a| !a.is_empty());
            let param = params.and_then(|p| p.first()).ok_or(format!("[{g}].data[{i}].param wajib diisi"))?;
            let nip = digits(param.get("NIP"), 18).ok_or(format!("[{g}].data[{i}].param.NIP harus 18 digit"))?;
            let status = text(param.get("STATUS_KEPEGAWAIAN"))
                .ok_or(format!("[{g}].data[{i}].param.STATUS_KEPEGAWAIAN wajib diisi"))?;
            let kedudukan = text(param.get("KEDUDUKAN_HUKUM"))
                .ok_or(format!("[{g}].data[{i}].param.KEDUDUKAN_HUKUM wajib diisi"))?;
            items.push(Item { nik, nip, status, kedudukan, id_lembaga: id_lembaga.clone() });
        }
    }
    Ok(items)
}

impl Receiver {
    pub fn new(token: &str) -> Self {
        let faults = BalikanFaults::default();
        let rng = Rng::new(faults.fault_seed);
        Self(Arc::new(Inner {
            token: token.to_owned(),
            ledger: Mutex::new(Ledger::default()),
            faults: Mutex::new((faults, rng)),
        }))
    }

    pub fn ledger(&self) -> LedgerView {
        let l = lock(&self.0.ledger);
        let mut entries: Vec<LedgerEntry> = l.entries.values().cloned().collect();
        entries.sort_by(|a, b| (&a.nik, &a.nip).cmp(&(&b.nik, &b.nip)));
        LedgerView {
            records: entries.len() as u64,
            duplicates: l.duplicates,
            requests: l.requests,
            faulted: l.faulted,
            refused: l.refused,
            entries,
        }
    }

    pub fn clear_ledger(&self) {
        *lock(&self.0.ledger) = Ledger::default();
    }

    pub fn faults(&self) -> BalikanFaults {
        lock(&self.0.faults).0.clone()
    }

    pub fn set_faults(&self, faults: BalikanFaults) {
        let rng = Rng::new(faults.fault_seed);
        *lock(&self.0.faults) = (faults, rng);
    }

    /// This call's faults (counting down `times`) and its error-rate draw.
    fn faults_for_call(&self) -> (BalikanFaults, bool) {
        let mut f = lock(&self.0.faults);
        let now = f.0.clone();
        if let Some(n) = f.0.times {
            if n <= 1 {
                f.0 = BalikanFaults { fault_seed: f.0.fault_seed, ..BalikanFaults::default() };
            } else {
                f.0.times = Some(n - 1);
            }
            if n == 0 {
                return (BalikanFaults::default(), false);
            }
        }
        let fail = now.error_rate_percent > 0 && f.1.below(100) < u32::from(now.error_rate_percent);
        (now, fail)
    }

    /// Keeps new records; returns how many were repeats.
    fn keep(&self, items: Vec<Item>) -> u64 {
        let mut ledger = lock(&self.0.ledger);
        let mut repeats = 0;
        for item in items {
            match ledger.entries.get_mut(&(item.nik.clone(), item.nip.clone())) {
                Some(e) => {
                    e.received += 1;
                    repeats += 1;
                }
                None => {
                    let key = (item.nik.clone(), item.nip.clone());
                    ledger.entries.insert(
                        key,
                        LedgerEntry {
                            nik: item.nik,
                            nip: item.nip,
                            status_kepegawaian: item.status,
                            kedudukan_hukum: item.kedudukan,
                            id_lembaga: item.id_lembaga,
                            received: 1,
                        },
                    );
                }
            }
        }
        ledger.duplicates += repeats;
        repeats
    }

    async fn store(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        lock(&self.0.ledger).requests += 1;
        let (faults, fail) = self.faults_for_call();
        if faults.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
        }
        let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if bearer.and_then(|b| b.strip_prefix("Bearer ")) != Some(self.0.token.as_str()) {
            lock(&self.0.ledger).refused += 1;
            return message(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
        if faults.hang {
            tokio::time::sleep(Duration::from_millis(faults.hang_ms)).await;
            lock(&self.0.ledger).faulted += 1;
            return message(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout");
        }
        if faults.http_500 || fail {
            lock(&self.0.ledger).faulted += 1;
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
        }
        if faults.garbage_body {
            lock(&self.0.ledger).faulted += 1;
            return (StatusCode::OK, "<html><body>Service Unavailable</body></html>").into_response();
        }
        let items = match parse(body) {
            Ok(items) => items,
            Err(why) => {
                lock(&self.0.ledger).refused += 1;
                return message(StatusCode::BAD_REQUEST, &format!("Format data tidak valid: {why}"));
            }
        };
        let poison: HashSet<&str> = faults.poison_niks.iter().map(String::as_str).collect();
        if items.iter().any(|i| poison.contains(i.nik.as_str())) {
            lock(&self.0.ledger).faulted += 1;
            let status = StatusCode::from_u16(faults.poison_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return message(status, "Data tidak dapat diproses");
        }
        let repeats = self.keep(items);
        if faults.ack_latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.ack_latency_ms)).await;
        }
        if repeats > 0 {
            message(StatusCode::BAD_REQUEST, "Data sudah pernah dikirim")
        } else {
            message(StatusCode::OK, "Success")
        }
    }
}

/// The receiver's routes, ready to merge into the simulator's router.
pub fn router(receiver: Receiver) -> Router {
    Router::new()
        .route(BALIKAN_PATH, post(store))
        .route("/_sim/balikan/ledger", get(ledger).delete(clear_ledger))
        .route("/_sim/balikan/faults", get(get_faults).post(set_faults).delete(clear_faults))
        .with_state(receiver)
}

async fn store(State(r): State<Receiver>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    r.store(&headers, &body).await
}

#[derive(Debug, Deserialize)]
struct LedgerQuery {
    /// `false`: the counters only (large ledgers).
    entries: Option<bool>,
}

async fn ledger(State(r): State<Receiver>, Query(q): Query<LedgerQuery>) -> Json<LedgerView> {
    if q.entries == Some(false) {
        let l = lock(&r.0.ledger);
        return Json(LedgerView {
            records: l.entries.len() as u64,
            duplicates: l.duplicates,
            requests: l.requests,
            faulted: l.faulted,
            refused: l.refused,
            entries: Vec::new(),
        });
    }
    Json(r.ledger())
}

async fn clear_ledger(State(r): State<Receiver>) -> StatusCode {
    r.clear_ledger();
    StatusCode::NO_CONTENT
}

async fn get_faults(State(r): State<Receiver>) -> Json<BalikanFaults> {
    Json(r.faults())
}

async fn set_faults(State(r): State<Receiver>, Json(faults): Json<BalikanFaults>) -> Response {
    if faults.error_rate_percent > 100 {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "error_rate_percent must be 0-100" }))).into_response();
    }
    if StatusCode::from_u16(faults.poison_status).is_err() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "poison_status must be an HTTP status" })))
            .into_response();
    }
    tracing::info!(?faults, "balikan faults set");
    r.set_faults(faults.clone());
    Json(faults).into_response()
}

async fn clear_faults(State(r): State<Receiver>) -> Json<BalikanFaults> {
    r.set_faults(BalikanFaults::default());
    Json(BalikanFaults::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(niks: &[&str]) -> Vec<u8> {
        let data: Vec<Value> = niks
            .iter()
            .map(|n| {
                json!({ "NIK": n, "param": [{ "NIP": "199208272015032001", "STATUS_KEPEGAWAIAN": "PNS",
                                                   "KEDUDUKAN_HUKUM": "aktif" }] })
            })
            .collect();
        serde_json::to_vec(&json!([{ "id_lembaga": "BKN", "nama_lembaga": "BKN", "data": data }])).unwrap()
    }

    fn auth() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer t".parse().unwrap());
        h
    }

    #[tokio::test]
    async fn idempotent_by_nik_and_nip_with_token_and_shape_checks() {
        let r = Receiver::new("t");
        assert_eq!(r.store(&auth(), &body(&["3171016708920001"])).await.status(), 200);
        let again = r.store(&auth(), &body(&["3171016708920001", "3171016708920002"])).await;
        assert_eq!(again.status(), 400);
        let l = r.ledger();
        assert_eq!((l.records, l.duplicates), (2, 1), "the new record of a mixed batch is kept");
        assert_eq!(r.store(&HeaderMap::new(), &body(&["3171016708920003"])).await.status(), 401);
        assert_eq!(r.store(&auth(), b"[{\"id_lembaga\":\"BKN\"}]").await.status(), 400);
        assert_eq!(r.ledger().records, 2);
        r.set_faults(BalikanFaults { poison_niks: vec!["3171016708920009".into()], ..BalikanFaults::default() });
        assert_eq!(r.store(&auth(), &body(&["3171016708920008", "3171016708920009"])).await.status(), 500);
        assert_eq!(r.store(&auth(), &body(&["3171016708920008"])).await.status(), 200);
        r.set_faults(BalikanFaults { http_500: true, times: Some(1), ..BalikanFaults::default() });
        assert_eq!(r.store(&auth(), &body(&["3171016708920007"])).await.status(), 500);
        assert_eq!(r.store(&auth(), &body(&["3171016708920007"])).await.status(), 200);
    }
}
