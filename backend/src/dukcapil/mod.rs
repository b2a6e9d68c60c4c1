//! The Dukcapil client: BKN's one access point to the population registry.
//!
//! Only this module speaks to Dukcapil (ARCHITECTURE invariant 3). It sends
//! only the elements the policy granted, and what comes back leaves it only
//! as typed values limited to the grant: fields outside every grant (mother's
//! name, blood type, divorce data…) are dropped here, before anything else
//! sees them. Response bodies are never logged; what is logged and counted
//! is the method and the response code.
//!
//! Resilience lives here too: per-mechanism timeouts, retries for look-ups
//! on transport errors only, a circuit breaker per service, and the daily
//! quota as Dukcapil reports it.

mod breaker;
mod face;
mod lookup;
mod quota;
mod verify;
mod wire;

use std::time::{Duration, Instant};

use padan_protocol::validate::CivilDate;
use serde_json::{Map, Value};

pub use breaker::{Breaker, Permit, State as BreakerState};
pub use face::{FaceReply, FaceResult};
pub use lookup::{LookupReply, LookupResult};
pub use quota::QuotaTracker;
pub use verify::{VerifyReply, VerifyResult};
pub use wire::{WireError, parse_envelope};

/// The response parsers on their own, without HTTP: what the client runs on
/// every answer, exposed for the fuzz targets in `fuzz/` (and tests).
pub mod parse {
    pub use super::face::interpret as face_response;
    pub use super::lookup::{family_members, interpret_gateway as gateway_response, interpret_record, photo, strip};
    pub use super::verify::interpret as verify_response;
    pub use super::wire::{Parsed, parse_verdict};
}

use crate::{
    clock::SharedClock,
    config::{DateFormat, DukcapilConfig},
};

/// Which Dukcapil service a call goes to: each has its own breaker and quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The web-service gateway (`/dukcapil/get_json/…`).
    Gateway,
    /// Face recognition (`CALL_FR`).
    Face,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Face => "face_recognition",
        }
    }
}

#[derive(Debug)]
pub struct DukcapilClient {
    http: reqwest::Client,
    config: DukcapilConfig,
    clock: SharedClock,
    gateway_breaker: Breaker,
    face_breaker: Breaker,
    pub gateway_quota: QuotaTracker,
    pub face_quota: QuotaTracker,
    fr: Option<face::FrCipher>,
}

/// Every response code in DUKCAPIL-WEB-SERVICE.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseCode {
    Found,
    LoginFailed,
    IpMismatch,
    QuotaExhausted,
    OutsideHours,
    IncompleteParams,
    NikUnprocessable,
    EmptyCredentials,
    IpNotRegistered,
    Deceased,
    Duplicate,
    NikNotFound,
    Inactive,
    NikFormat,
    InstitutionInactive,
    UserInactive,
}

impl ResponseCode {
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "01" => Self::Found,
            "03" => Self::LoginFailed,
            "04" => Self::IpMismatch,
            "05" => Self::QuotaExhausted,
            "06" => Self::OutsideHours,
            "07" => Self::IncompleteParams,
            "08" => Self::NikUnprocessable,
            "09" => Self::EmptyCredentials,
            "10" => Self::IpNotRegistered,
            "11" => Self::Deceased,
            "12" => Self::Duplicate,
            "13" => Self::NikNotFound,
            "14" => Self::Inactive,
            "15" => Self::NikFormat,
            "16" => Self::InstitutionInactive,
            "17" => Self::UserInactive,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Found => "01",
            Self::LoginFailed => "03",
            Self::IpMismatch => "04",
            Self::QuotaExhausted => "05",
            Self::OutsideHours => "06",
            Self::IncompleteParams => "07",
            Self::NikUnprocessable => "08",
            Self::EmptyCredentials => "09",
            Self::IpNotRegistered => "10",
            Self::Deceased => "11",
            Self::Duplicate => "12",
            Self::NikNotFound => "13",
            Self::Inactive => "14",
            Self::NikFormat => "15",
            Self::InstitutionInactive => "16",
            Self::UserInactive => "17",
        }
    }

    /// Older gateways send only `RESPON`; read the meaning from the text.
    pub fn from_text(text: &str) -> Option<Self> {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let rules: [(&str, Self); 10] = [
            ("meninggal", Self::Deceased),
            ("data ganda", Self::Duplicate),
            ("non aktif", Self::Inactive),
            ("tidak sesuai format", Self::NikFormat),
            ("tidak ditemukan", Self::NikNotFound),
            ("login gagal", Self::LoginFailed),
            ("kuota", Self::QuotaExhausted),
            ("ip address tidak sesuai", Self::IpMismatch),
            ("tidak terdaftar", Self::IpNotRegistered),
            ("data ditemukan", Self::Found),
        ];
        rules.into_iter().find(|(needle, _)| t.contains(needle)).map(|(_, c)| c)
    }

    /// Faults in BKN's own access configuration, for admins to fix.
    pub fn is_configuration_fault(self) -> bool {
        matches!(
            self,
            Self::LoginFailed
                | Self::IpMismatch
                | Self::OutsideHours
                | Self::IncompleteParams
                | Self::EmptyCredentials
                | Self::IpNotRegistered
                | Self::InstitutionInactive
                | Self::UserInactive
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DukcapilError {
    #[error("transport: {0}")]
    Transport(String),
    #[error("timed out")]
    Timeout,
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("rejected with code {} ({:?})", .0.code(), .0)]
    Rejected(ResponseCode),
    #[error("daily quota exhausted (code 05)")]
    QuotaExhausted,
    #[error("unknown response code {0}")]
    UnknownCode(String),
    #[error("circuit open: Dukcapil recently failed, failing fast")]
    CircuitOpen,
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    /// An error code of the face-recognition service.
    #[error("face recognition error {0}")]
    FrError(u32),
}

impl DukcapilError {
    /// Label for metrics.
    pub fn metric_code(&self) -> String {
        match self {
            Self::Transport(_) => "transport".into(),
            Self::Timeout => "timeout".into(),
            Self::HttpStatus(s) => format!("http_{s}"),
            Self::Malformed(_) => "malformed".into(),
            Self::Rejected(c) => c.code().into(),
            Self::QuotaExhausted => "05".into(),
            Self::UnknownCode(c) => format!("unknown_{c}"),
            Self::CircuitOpen => "circuit_open".into(),
            Self::NotConfigured(_) => "not_configured".into(),
            Self::FrError(c) => format!("fr_{c}"),
        }
    }

    /// Errors that say Dukcapil (or the way to it) is unwell, as opposed to
    /// answers about the request. They count towards opening the circuit.
    pub fn is_availability_failure(&self) -> bool {
        matches!(self, Self::Transport(_) | Self::Timeout | Self::HttpStatus(500..) | Self::Malformed(_))
            || matches!(self, Self::FrError(5000 | 6012 | 6014))
    }

    /// Faults in BKN's own access configuration, for admins to fix.
    pub fn is_configuration_fault(&self) -> bool {
        match self {
            Self::Rejected(code) => code.is_configuration_fault(),
            Self::FrError(code) => matches!(code, 5001 | 5003 | 5004 | 5005 | 5006 | 9002),
            Self::NotConfigured(_) => true,
            _ => false,
        }
    }
}

impl DukcapilClient {
    pub fn new(config: DukcapilConfig, clock: SharedClock) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(config.timeout_secs.min(10)))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("padan/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_bundle {
            let pem = std::fs::read(path)?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let fr = match &config.fr_public_key {
            Some(pem) => Some(face::FrCipher::new(face::parse_public_key(pem.expose())?, &config)?),
            None => None,
        };
        let cooldown = i64::try_from(config.breaker_cooldown_secs).unwrap_or(30) * 1000;
        Ok(Self {
            http: builder.build()?,
            gateway_breaker: Breaker::new("gateway", config.breaker_failures, cooldown),
            face_breaker: Breaker::new("face_recognition", config.breaker_failures, cooldown),
            gateway_quota: QuotaTracker::default(),
            face_quota: QuotaTracker::default(),
            fr,
            config,
            clock,
        })
    }

    pub fn config(&self) -> &DukcapilConfig {
        &self.config
    }

    pub fn threshold(&self) -> u8 {
        self.config.threshold
    }

    pub fn breaker(&self, service: Service) -> &Breaker {
        match service {
            Service::Gateway => &self.gateway_breaker,
            Service::Face => &self.face_breaker,
        }
    }

    pub fn quota(&self, service: Service) -> &QuotaTracker {
        match service {
            Service::Gateway => &self.gateway_quota,
            Service::Face => &self.face_quota,
        }
    }

    fn credentials(&self, body: &mut Map<String, Value>) {
        let secret = |s: &Option<crate::config::Secret>| s.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
        body.insert("USER_ID".into(), Value::String(secret(&self.config.user_id)));
        body.insert("PASSWORD".into(), Value::String(secret(&self.config.password)));
        body.insert("IP_USER".into(), Value::String(self.config.ip_user.clone()));
    }

    fn gateway_url(&self, method: &str) -> String {
        format!("{}/dukcapil/get_json/{}/{method}", self.config.base_url.trim_end_matches('/'), self.config.instansi)
    }

    fn format_date(&self, date: CivilDate) -> String {
        match self.config.date_format {
            DateFormat::DdMmYyyy => date.dmy('-'),
            DateFormat::DdMmYyyyDots => date.dmy('.'),
            DateFormat::YyyyMmDd => date.iso(),
        }
    }

    /// One POST with the service's guards: a spent quota or an open circuit
    /// fail fast without a call; `retries` extra attempts on transport
    /// errors only, with growing back-off.
    async fn post(
        &self,
        service: Service,
        url: String,
        body: &Value,
        timeout: Duration,
        retries: u32,
    ) -> Result<bytes::Bytes, DukcapilError> {
        if self.quota(service).exhausted_until(&self.clock).is_some() {
            return Err(DukcapilError::QuotaExhausted);
        }
        let breaker = self.breaker(service);
        if breaker.permit(&self.clock) == Permit::Refused {
            return Err(DukcapilError::CircuitOpen);
        }
        let mut attempt = 0;
        loop {
            let sent = self.http.post(&url).json(body).timeout(timeout).send().await;
            let result = match sent {
                Ok(response) if response.status().is_success() => response.bytes().await.map_err(transport_error),
                Ok(response) => Err(DukcapilError::HttpStatus(response.status().as_u16())),
                Err(e) => Err(transport_error(e)),
            };
            match result {
                Err(DukcapilError::Transport(_)) if attempt < retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * 4u64.pow(attempt - 1))).await;
                }
                other => break other,
            }
        }
    }

    /// Feeds the breaker, the quota tracker and the metrics from an
    /// interpreted outcome.
    fn observe<T>(
        &self,
        service: Service,
        mechanism: &'static str,
        started: Instant,
        outcome: &Result<T, DukcapilError>,
        code: impl Fn(&T) -> String,
        quota: impl Fn(&T) -> Option<i64>,
    ) {
        let breaker = self.breaker(service);
        let code = match outcome {
            Ok(reply) => {
                breaker.success();
                if let Some(q) = quota(reply) {
                    self.quota(service).observe(q);
                    metrics::gauge!("padan_upstream_quota_remaining", "service" => service.as_str()).set(q as f64);
                }
                code(reply)
            }
            Err(e) => {
                if e.is_availability_failure() {
                    breaker.failure(&self.clock);
                } else if !matches!(e, DukcapilError::CircuitOpen) {
                    // Dukcapil answered: it is up, even if it said no.
                    breaker.success();
                }
                if matches!(e, DukcapilError::QuotaExhausted) {
                    self.quota(service).exhausted(&self.clock);
                }
                e.metric_code()
            }
        };
        let elapsed = started.elapsed();
        metrics::counter!("padan_upstream_calls_total", "mechanism" => mechanism, "code" => code.clone()).increment(1);
        metrics::histogram!("padan_upstream_duration_seconds", "mechanism" => mechanism).record(elapsed.as_secs_f64());
        tracing::debug!(mechanism, code, elapsed_ms = elapsed.as_millis() as u64, "dukcapil call");
    }
}

fn transport_error(e: reqwest::Error) -> DukcapilError {
    if e.is_timeout() { DukcapilError::Timeout } else { DukcapilError::Transport(without_url(&e)) }
}

/// reqwest's errors print the URL; keep the message to the cause so that
/// nothing from a path ever reaches a log.
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "<dukcapil>");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_codes_round_trip() {
        for n in 1..=17 {
            let code = format!("{n:02}");
            if let Some(rc) = ResponseCode::from_code(&code) {
                assert_eq!(rc.code(), code);
            }
        }
        assert_eq!(ResponseCode::from_code("02"), None);
    }

    #[test]
    fn older_gateway_texts() {
        let cases = [
            ("Data Tidak Ditemukan", ResponseCode::NikNotFound),
            ("LOGIN GAGAL", ResponseCode::LoginFailed),
            ("Kuota Akses Hari ini telah Habis", ResponseCode::QuotaExhausted),
            ("IP Client Tidak terdaftar", ResponseCode::IpNotRegistered),
            ("Data Ditemukan, Meninggal Dunia", ResponseCode::Deceased),
            ("Data Ditemukan, Status Non Aktif silahkan hubungi Dinas Dukcapil", ResponseCode::Inactive),
            ("Data Tidak Ditemukan, NIK tidak sesuai format Dukcapil", ResponseCode::NikFormat),
        ];
        for (text, code) in cases {
            assert_eq!(ResponseCode::from_text(text), Some(code), "{text}");
        }
    }
}
