//! The Dukcapil client: BKN's one access point to the population registry.
//!
//! Only this module speaks to Dukcapil (ARCHITECTURE invariant 3). It sends
//! only the elements the policy granted, and what comes back leaves it only
//! as typed verdicts. Response bodies are never logged: they are population
//! data. What is logged and counted is the method and the response code.

mod wire;

use std::time::Instant;

use padan_protocol::{
    v1::{Element, NotFoundReason, PersonStatus, Verdict},
    validate::{CivilDate, Nik},
};
use serde_json::{Map, Value};

use crate::config::{DateFormat, DukcapilConfig};

pub use wire::{WireError, parse_envelope};

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
        }
    }
}

/// What a verification returned, reduced to what BKN may keep and show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyResult {
    Found { status: PersonStatus, verdicts: Vec<(Element, Verdict, Option<u8>)> },
    NotFound(NotFoundReason),
}

#[derive(Debug)]
pub struct VerifyReply {
    pub result: VerifyResult,
    pub code: ResponseCode,
    pub quota_remaining: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct DukcapilClient {
    http: reqwest::Client,
    config: DukcapilConfig,
}

impl DukcapilClient {
    pub fn new(config: DukcapilConfig) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout().min(std::time::Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("padan/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_bundle {
            let pem = std::fs::read(path)?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(Self { http: builder.build()?, config })
    }

    fn credentials(&self, body: &mut Map<String, Value>) {
        let secret = |s: &Option<crate::config::Secret>| s.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
        body.insert("USER_ID".into(), Value::String(secret(&self.config.user_id)));
        body.insert("PASSWORD".into(), Value::String(secret(&self.config.password)));
        body.insert("IP_USER".into(), Value::String(self.config.ip_user.clone()));
    }

    fn url(&self, method: &str) -> String {
        format!("{}/dukcapil/get_json/{}/{method}", self.config.base_url.trim_end_matches('/'), self.config.instansi)
    }

    fn format_date(&self, date: CivilDate) -> String {
        match self.config.date_format {
            DateFormat::DdMmYyyy => date.dmy('-'),
            DateFormat::DdMmYyyyDots => date.dmy('.'),
            DateFormat::YyyyMmDd => date.iso(),
        }
    }

    pub fn threshold(&self) -> u8 {
        self.config.threshold
    }

    async fn post(&self, method: &'static str, body: &Map<String, Value>) -> Result<bytes::Bytes, DukcapilError> {
        let response = self.http.post(self.url(method)).json(body).send().await.map_err(|e| {
            if e.is_timeout() { DukcapilError::Timeout } else { DukcapilError::Transport(without_url(&e)) }
        })?;
        if !response.status().is_success() {
            return Err(DukcapilError::HttpStatus(response.status().as_u16()));
        }
        response.bytes().await.map_err(|e| {
            if e.is_timeout() { DukcapilError::Timeout } else { DukcapilError::Transport(without_url(&e)) }
        })
    }

    /// `CALL_VERIFY_BY_ELEMEN`. `claims` must already be limited to the
    /// granted elements; dates are ISO and re-written in the configured format.
    pub async fn verify_elements(&self, nik: &Nik, claims: &[(Element, String)]) -> Result<VerifyReply, DukcapilError> {
        const METHOD: &str = "CALL_VERIFY_BY_ELEMEN";
        let mut body = Map::new();
        body.insert("NIK".into(), Value::String(nik.as_str().to_owned()));
        for (element, value) in claims {
            let value = match element {
                Element::TglLhr => {
                    CivilDate::parse(value).map(|d| self.format_date(d)).unwrap_or_else(|| value.clone())
                }
                _ => value.clone(),
            };
            body.insert(element.wire_name().into(), Value::String(value));
        }
        body.insert("TRESHOLD".into(), Value::String(self.config.threshold.to_string()));
        self.credentials(&mut body);

        let started = Instant::now();
        let outcome = self.post(METHOD, &body).await.and_then(|bytes| {
            let sent: Vec<Element> = std::iter::once(Element::Nik).chain(claims.iter().map(|(e, _)| *e)).collect();
            interpret_verify(&bytes, &sent)
        });
        let code = match &outcome {
            Ok(reply) => reply.code.code().to_owned(),
            Err(e) => e.metric_code(),
        };
        metrics::counter!("padan_upstream_calls_total", "mechanism" => "verify_elements", "code" => code.clone())
            .increment(1);
        metrics::histogram!("padan_upstream_duration_seconds", "mechanism" => "verify_elements")
            .record(started.elapsed().as_secs_f64());
        if let Ok(reply) = &outcome {
            if let Some(q) = reply.quota_remaining {
                metrics::gauge!("padan_upstream_quota_remaining").set(q as f64);
            }
        }
        tracing::debug!(method = METHOD, code, elapsed_ms = started.elapsed().as_millis() as u64, "dukcapil call");
        outcome
    }
}

/// reqwest's errors print the URL; ours carries no personal data, but keep
/// the message to the cause so nothing from a query string ever leaks.
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "<dukcapil>");
    }
    msg
}

fn interpret_verify(body: &[u8], sent: &[Element]) -> Result<VerifyReply, DukcapilError> {
    let parsed = parse_envelope(body).map_err(|e| DukcapilError::Malformed(e.to_string()))?;
    if let Some(code) = parsed.unknown_code {
        return Err(DukcapilError::UnknownCode(code));
    }
    let has_verdicts = sent.iter().any(|e| parsed.fields.contains_key(e.wire_name()));
    let code = match parsed.code {
        Some(code) => code,
        None if has_verdicts => ResponseCode::Found,
        None => return Err(DukcapilError::Malformed("neither a response code nor verdicts".into())),
    };
    let status = match code {
        ResponseCode::Found => PersonStatus::Aktif,
        ResponseCode::Deceased => PersonStatus::Meninggal,
        ResponseCode::Duplicate => PersonStatus::DataGanda,
        ResponseCode::Inactive => PersonStatus::NonAktif,
        ResponseCode::NikNotFound => return Ok(not_found(NotFoundReason::NikTidakTerdaftar, code, &parsed)),
        ResponseCode::NikFormat => return Ok(not_found(NotFoundReason::FormatNikTidakSesuai, code, &parsed)),
        ResponseCode::NikUnprocessable => return Ok(not_found(NotFoundReason::NikTidakDapatDiproses, code, &parsed)),
        ResponseCode::QuotaExhausted => return Err(DukcapilError::QuotaExhausted),
        other => return Err(DukcapilError::Rejected(other)),
    };
    // Found, deceased, duplicate and inactive may come without verdicts on
    // some gateways; a verdict that is present must be readable.
    let verdicts = if has_verdicts || code == ResponseCode::Found {
        wire::verdicts(&parsed.fields, sent).map_err(DukcapilError::Malformed)?
    } else {
        Vec::new()
    };
    Ok(VerifyReply { result: VerifyResult::Found { status, verdicts }, code, quota_remaining: parsed.quota_remaining })
}

fn not_found(reason: NotFoundReason, code: ResponseCode, parsed: &wire::Parsed) -> VerifyReply {
    VerifyReply { result: VerifyResult::NotFound(reason), code, quota_remaining: parsed.quota_remaining }
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

    #[test]
    fn interprets_found_with_verdicts() {
        let body =
            br#"{"content":[{"NIK":"Sesuai","NAMA_LGKP":"Sesuai (92)","TGL_LHR":"Tidak Sesuai"}],"quotaLimiter":10}"#;
        let reply = interpret_verify(body, &[Element::Nik, Element::NamaLgkp, Element::TglLhr]).unwrap();
        assert_eq!(reply.quota_remaining, Some(10));
        let VerifyResult::Found { status, verdicts } = reply.result else { panic!("not found") };
        assert_eq!(status, PersonStatus::Aktif);
        assert_eq!(verdicts[1], (Element::NamaLgkp, Verdict::Sesuai, Some(92)));
        assert_eq!(verdicts[2], (Element::TglLhr, Verdict::TidakSesuai, None));
    }

    #[test]
    fn missing_verdict_is_malformed() {
        let body = br#"{"content":[{"NIK":"Sesuai"}]}"#;
        assert!(matches!(interpret_verify(body, &[Element::Nik, Element::Agama]), Err(DukcapilError::Malformed(_))));
    }

    #[test]
    fn codes_become_outcomes() {
        let nf = interpret_verify(br#"{"content":[{"RESPONSE_CODE":"13"}]}"#, &[Element::Nik]).unwrap();
        assert_eq!(nf.result, VerifyResult::NotFound(NotFoundReason::NikTidakTerdaftar));
        assert!(matches!(
            interpret_verify(br#"{"content":[{"RESPONSE_CODE":"05"}]}"#, &[Element::Nik]),
            Err(DukcapilError::QuotaExhausted)
        ));
        assert!(matches!(
            interpret_verify(br#"{"content":[{"RESPONSE_CODE":"10"}]}"#, &[Element::Nik]),
            Err(DukcapilError::Rejected(ResponseCode::IpNotRegistered))
        ));
        let dead =
            interpret_verify(br#"{"content":[{"RESPONSE_CODE":"11","NIK":"Sesuai"}]}"#, &[Element::Nik]).unwrap();
        assert!(matches!(dead.result, VerifyResult::Found { status: PersonStatus::Meninggal, .. }));
    }
}
