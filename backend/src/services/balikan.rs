//! Data balikan: reporting every accessed NIK back to Dukcapil with its NIP,
//! status kepegawaian and kedudukan hukum (PKS 2024 Pasal 2(2)c, 3(1)b).
//!
//! Accesses enter the outbox with their audit record (`services::access`).
//! The worker here, one per instance, loops: claim a leased batch of due
//! records → POST it to the configured endpoint → settle each record.
//!
//! * `{"message":"Success"}` → delivered.
//! * HTTP 400 "Data sudah pernah dikirim" → delivered for a single record;
//!   for a batch, each record is sent alone at once (the receiver's answer
//!   does not say which one it already had).
//! * Another 4xx (the receiver refuses the content) → a batch is split into
//!   single records at once; a single record is parked with the reason.
//! * 401/403 → the credentials are wrong: retried later without counting
//!   an attempt, and an admin alert is raised.
//! * 5xx, timeouts, garbage → retried with exponential backoff and jitter;
//!   a record that failed `split_after` times is sent alone from then on
//!   (so a poison record cannot hold back its batch), and one failing
//!   `max_attempts` times in all is parked with the last reason.
//!
//! Scheduling decisions (what is due, leases, the horizon, the backlog
//! alert) read the injected clock; only the idle pause between cycles is
//! real time.

use std::time::Duration;

use padan_protocol::v1::{BalikanDashboard, ParkedRecord, RetryParkedResponse};
use rand::Rng;
use serde_json::{Value, json};

use crate::{
    AppState,
    clock::wib,
    error::AppError,
    store::{
        self,
        outbox::{self, Claimed, JoinResult},
    },
};

/// What one cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    pub claimed: usize,
    pub delivered: usize,
    pub already_sent: usize,
    pub retried: usize,
    pub parked: usize,
    pub requests: usize,
}

/// How the receiver answered one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Success,
    AlreadySent,
    Refused(String),
    Unauthorized(String),
    Failed(String),
}

/// The sending side of one instance.
#[derive(Debug, Clone)]
pub struct Sender {
    /// Identifies this instance's leases.
    pub owner: String,
    http: reqwest::Client,
    endpoint: String,
    token: String,
}

impl Sender {
    /// `None` when no endpoint is configured.
    pub fn new(state: &AppState) -> Result<Option<Self>, AppError> {
        let cfg = &state.config().balikan;
        let (Some(endpoint), Some(token)) = (&cfg.endpoint, &cfg.token) else { return Ok(None) };
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout())
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| AppError::Internal(format!("balikan HTTP client: {e}")))?;
        let mut id = [0u8; 6];
        rand::thread_rng().fill(&mut id);
        Ok(Some(Self {
            owner: format!("{}-{}", std::process::id(), hex::encode(id)),
            http,
            endpoint: endpoint.expose().to_owned(),
            token: token.expose().to_owned(),
        }))
    }

    async fn post(&self, state: &AppState, records: &[&Claimed]) -> Answer {
        let cfg = &state.config().balikan;
        let data: Vec<Value> = records
            .iter()
            .map(|r| {
                json!({
                    "NIK": r.nik,
                    "param": [{
                        "NIP": r.nip,
                        "STATUS_KEPEGAWAIAN": r.status_kepegawaian,
                        "KEDUDUKAN_HUKUM": r.kedudukan_hukum,
                    }]
                })
            })
            .collect();
        let body = json!([{ "id_lembaga": cfg.id_lembaga, "nama_lembaga": cfg.nama_lembaga, "data": data }]);
        let response = match self.http.post(&self.endpoint).bearer_auth(&self.token).json(&body).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Answer::Failed("batas waktu habis".into()),
            Err(e) if e.is_connect() => return Answer::Failed("tidak dapat terhubung".into()),
            Err(_) => return Answer::Failed("kesalahan jaringan".into()),
        };
        let status = response.status().as_u16();
        let text = match response.text().await {
            Ok(t) => t,
            Err(_) => return Answer::Failed(format!("HTTP {status}, jawaban terputus")),
        };
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned));
        match (status, message) {
            (200..=299, Some(m)) if m.eq_ignore_ascii_case("success") => Answer::Success,
            (200..=299, _) => Answer::Failed(format!("HTTP {status}, jawaban tidak dikenali")),
            (400, Some(m)) if m.to_lowercase().contains("sudah pernah dikirim") => Answer::AlreadySent,
            (401 | 403, m) => Answer::Unauthorized(format!("HTTP {status}: {}", m.unwrap_or_default())),
            (400..=499, Some(m)) => Answer::Refused(format!("HTTP {status}: {}", truncate(&m))),
            (400..=499, None) => Answer::Refused(format!("HTTP {status}")),
            (_, m) => {
                Answer::Failed(format!("HTTP {status}{}", m.map(|m| format!(": {}", truncate(&m))).unwrap_or_default()))
            }
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

/// The retry delay after `attempts` failures: base·2^(attempts−1), capped,
/// then drawn uniformly from 50–150 % of it (jitter spreads instances).
pub fn backoff_ms(state: &AppState, attempts: i64) -> i64 {
    let cfg = &state.config().balikan;
    let exp = attempts.clamp(1, 30) - 1;
    let base = (cfg.backoff_base_secs as i64 * 1000).saturating_mul(1i64 << exp.min(20));
    let capped = base.min(cfg.backoff_max_secs as i64 * 1000);
    let jitter = rand::thread_rng().gen_range(0..=capped.max(1));
    capped / 2 + jitter
}

/// One cycle: claim a batch and settle every record in it.
pub async fn run_cycle(state: &AppState, sender: &Sender) -> Result<Cycle, AppError> {
    let cfg = &state.config().balikan;
    let now = state.clock().now_millis();
    let lease_until = now + cfg.lease_secs as i64 * 1000;
    let claimed = outbox::claim(state.store(), &sender.owner, now, lease_until, i64::from(cfg.batch_size)).await?;
    let mut cycle = Cycle { claimed: claimed.len(), ..Cycle::default() };
    if claimed.is_empty() {
        return Ok(cycle);
    }
    let split_after = i64::from(cfg.split_after);
    let (fresh, suspects): (Vec<&Claimed>, Vec<&Claimed>) = claimed.iter().partition(|c| c.attempts < split_after);
    if !fresh.is_empty() {
        settle(state, sender, &fresh, &mut cycle).await?;
    }
    for one in suspects {
        settle(state, sender, &[one], &mut cycle).await?;
    }
    metrics::counter!("padan_balikan_delivered_total").increment((cycle.delivered + cycle.already_sent) as u64);
    Ok(cycle)
}

async fn settle(state: &AppState, sender: &Sender, group: &[&Claimed], cycle: &mut Cycle) -> Result<(), AppError> {
    let store = state.store();
    let ids: Vec<i64> = group.iter().map(|c| c.id).collect();
    cycle.requests += 1;
    let answer = sender.post(state, group).await;
    let now = state.clock().now_millis();
    match answer {
        Answer::Success => {
            outbox::delivered(store, &ids, "sent", now).await?;
            cycle.delivered += ids.len();
        }
        Answer::AlreadySent if group.len() == 1 => {
            outbox::delivered(store, &ids, "already_sent", now).await?;
            cycle.already_sent += 1;
        }
        Answer::Refused(reason) if group.len() == 1 => {
            outbox::park(store, &sender.owner, ids[0], &reason, now).await?;
            tracing::warn!(outbox_id = ids[0], %reason, "data balikan: record refused by the receiver, parked");
            cycle.parked += 1;
        }
        Answer::AlreadySent | Answer::Refused(_) => {
            // Which record? Ask one at a time.
            for one in group {
                Box::pin(settle(state, sender, &[*one], cycle)).await?;
            }
        }
        Answer::Unauthorized(reason) => {
            let next = now + backoff_ms(state, 1);
            outbox::retry_later(store, &sender.owner, &ids, false, next, &reason, now).await?;
            cycle.retried += ids.len();
            let msg = format!(
                "Penerima data balikan menolak kredensial ({reason}): periksa balikan.token dan balikan.endpoint."
            );
            if let Err(e) = store::alerts::raise(store, "balikan_auth", None, &msg, now).await {
                tracing::error!(error = %e, "could not record an admin alert");
            }
        }
        Answer::Failed(reason) => {
            let attempts = group.iter().map(|c| c.attempts).max().unwrap_or(0) + 1;
            if group.len() == 1 && attempts >= i64::from(state.config().balikan.max_attempts) {
                outbox::park(store, &sender.owner, ids[0], &reason, now).await?;
                tracing::warn!(outbox_id = ids[0], %reason, attempts, "data balikan: record keeps failing, parked");
                cycle.parked += 1;
            } else {
                let next = now + backoff_ms(state, attempts);
                outbox::retry_later(store, &sender.owner, &ids, true, next, &reason, now).await?;
                cycle.retried += ids.len();
            }
        }
    }
    Ok(())
}

/// The reason recorded on records closed after the horizon.
pub fn horizon_reason(days: u32) -> String {
    format!("NIK tidak ditemukan di registri ASN dalam {days} hari sejak diakses (tidak ada NIP untuk dilaporkan)")
}

/// Joins the outbox with the registry and closes what passed the horizon.
pub async fn join(state: &AppState) -> Result<JoinResult, AppError> {
    join_store(state.store(), state.clock().now_millis(), state.config().balikan.horizon_days).await
}

pub async fn join_store(store: &store::Store, now: i64, horizon_days: u32) -> Result<JoinResult, AppError> {
    let before = now - i64::from(horizon_days) * 86_400_000;
    Ok(outbox::join(store, now, before, &horizon_reason(horizon_days)).await?)
}

/// Raises the backlog alert when the oldest undelivered record is too old.
pub async fn check_backlog(state: &AppState) -> Result<Option<i64>, AppError> {
    let pool = state.store().pool();
    let now = state.clock().now_millis();
    let Some(oldest) = outbox::oldest_undelivered(pool).await? else { return Ok(None) };
    let age = now - oldest;
    let limit_h = state.config().balikan.alert_after_hours;
    if age > i64::from(limit_h) * 3_600_000 {
        let msg = format!(
            "Data balikan tertunda: catatan tertua belum terkirim sejak {} (lebih dari {limit_h} jam). Periksa \
             dasbor data balikan.",
            wib(oldest)
        );
        store::alerts::raise(state.store(), "balikan_backlog", None, &msg, now).await?;
    }
    Ok(Some(age))
}

/// Runs the worker until the runtime ends. Joins and checks the backlog
/// at start and every minute; otherwise sends as fast as records are due.
pub fn spawn(state: AppState) -> Result<Option<tokio::task::JoinHandle<()>>, AppError> {
    let Some(sender) = Sender::new(&state)? else {
        tracing::warn!("data balikan: balikan.endpoint is not set; accessed NIKs wait in the outbox");
        return Ok(None);
    };
    tracing::info!(owner = %sender.owner, "data balikan worker started");
    Ok(Some(tokio::spawn(async move {
        let idle = Duration::from_millis(state.config().balikan.interval_ms);
        let mut last_housekeeping: Option<std::time::Instant> = None;
        loop {
            if last_housekeeping.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                last_housekeeping = Some(std::time::Instant::now());
                if let Err(e) = join(&state).await {
                    tracing::error!(error = %e, "data balikan: join failed; will retry");
                }
                if let Err(e) = check_backlog(&state).await {
                    tracing::error!(error = %e, "data balikan: backlog check failed; will retry");
                }
            }
            match run_cycle(&state, &sender).await {
                Ok(c) if c.claimed >= state.config().balikan.batch_size as usize => {}
                Ok(_) => tokio::time::sleep(idle).await,
                Err(e) => {
                    tracing::error!(error = %e, "data balikan cycle failed; will retry");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    })))
}

/// `3171********0001`: enough for an admin to match a case, not a NIK.
pub fn mask(nik: &str) -> String {
    if nik.len() != 16 {
        return "****".into();
    }
    format!("{}********{}", &nik[..4], &nik[12..])
}

pub async fn dashboard(state: &AppState) -> Result<BalikanDashboard, AppError> {
    let pool = state.store().pool();
    let cfg = &state.config().balikan;
    let now = state.clock().now_millis();
    let last_import = store::registry::imports(pool, 1).await?.first().map(crate::services::registry::summary);
    Ok(BalikanDashboard {
        worker_enabled: cfg.endpoint.is_some(),
        counts: outbox::counts(pool).await?,
        oldest_undelivered_minutes: outbox::oldest_undelivered(pool).await?.map(|t| (now - t).max(0) / 60_000),
        alert_after_hours: cfg.alert_after_hours,
        horizon_days: cfg.horizon_days,
        per_office: outbox::grouped(pool, false, 200).await?,
        per_day: outbox::grouped(pool, true, 31).await?,
        parked: outbox::parked(pool, 200)
            .await?
            .into_iter()
            .map(|p| ParkedRecord {
                id: p.id,
                nik_masked: mask(&p.nik),
                office_code: p.office_code,
                accessed_at: wib(p.accessed_at),
                attempts: p.attempts,
                reason: p.reason,
            })
            .collect(),
        registry_size: store::registry::count(pool).await?,
        last_import,
    })
}

pub async fn retry_parked(state: &AppState, ids: &[i64]) -> Result<RetryParkedResponse, AppError> {
    let retried = outbox::retry_parked(state.store(), ids, state.clock().now_millis()).await?;
    Ok(RetryParkedResponse { retried: retried as i64 })
}

/// The outbox row an access will add, waiting for its audit record's id.
/// Service clients have no office: they count under their client kind
/// (`siasn`).
pub fn pending(state: &AppState, record: &crate::store::audit::AuditRecord, nik: &str) -> outbox::Pending {
    outbox::Pending {
        nik: nik.to_owned(),
        nik_token: match &record.nik_token {
            Some(t) => t.clone(),
            None => crate::audit::nik_token(state.nik_key(), nik),
        },
        mechanism: record.mechanism.clone().unwrap_or_else(|| "unknown".into()),
        office_code: record.office_code.clone().unwrap_or_else(|| record.client.to_uppercase()),
        accessed_at: record.at,
        accessed_day: crate::clock::millis_to_datetime(record.at).to_offset(crate::clock::WIB).date().to_string(),
    }
}

/// Puts an access into the outbox inside the caller's transaction, which
/// also holds its audit record (`audit_id`). The request path goes through
/// the audit appender instead ([`crate::audit::append_access`]).
pub async fn enqueue_in(
    state: &AppState,
    tx: &mut outbox::Tx,
    record: &crate::store::audit::AuditRecord,
    audit_id: i64,
    nik: &str,
) -> Result<bool, sqlx::Error> {
    outbox::enqueue_in(tx, &pending(state, record, nik).entry(audit_id)).await
}
