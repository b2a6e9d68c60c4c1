//! Dukcapil's response codes and the Spring-style page envelope.

use serde_json::{Map, Value, json};

use crate::config::{DateFormat, Faults};
use crate::population::Person;

/// A `RESPONSE_CODE` Dukcapil can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    Found,
    LoginFailed,
    IpMismatch,
    QuotaExhausted,
    OutsideHours,
    IncompleteParams,
    CannotProcess,
    EmptyCredentials,
    IpNotRegistered,
    Deceased,
    Duplicate,
    NotFound,
    Inactive,
    BadFormat,
    InstitutionInactive,
    UserInactive,
}

impl ResponseCode {
    pub const ALL: [ResponseCode; 16] = [
        Self::Found,
        Self::LoginFailed,
        Self::IpMismatch,
        Self::QuotaExhausted,
        Self::OutsideHours,
        Self::IncompleteParams,
        Self::CannotProcess,
        Self::EmptyCredentials,
        Self::IpNotRegistered,
        Self::Deceased,
        Self::Duplicate,
        Self::NotFound,
        Self::Inactive,
        Self::BadFormat,
        Self::InstitutionInactive,
        Self::UserInactive,
    ];

    /// The two-digit code, e.g. `"13"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Found => "01",
            Self::LoginFailed => "03",
            Self::IpMismatch => "04",
            Self::QuotaExhausted => "05",
            Self::OutsideHours => "06",
            Self::IncompleteParams => "07",
            Self::CannotProcess => "08",
            Self::EmptyCredentials => "09",
            Self::IpNotRegistered => "10",
            Self::Deceased => "11",
            Self::Duplicate => "12",
            Self::NotFound => "13",
            Self::Inactive => "14",
            Self::BadFormat => "15",
            Self::InstitutionInactive => "16",
            Self::UserInactive => "17",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL.into_iter().find(|c| c.code() == code || c.code().trim_start_matches('0') == code)
    }

    /// The `RESPON` text current gateways send.
    pub fn respon(self) -> &'static str {
        match self {
            Self::Found => "Data Ditemukan",
            Self::LoginFailed => "Login Gagal",
            Self::IpMismatch => "IP Address Tidak Sesuai",
            Self::QuotaExhausted => "Kuota Akses Hari ini telah Habis",
            Self::OutsideHours => "Akses di luar jam yang diizinkan",
            Self::IncompleteParams => "Parameter tidak lengkap",
            Self::CannotProcess => "NIK tidak dapat diproses",
            Self::EmptyCredentials => "User ID atau Password tidak boleh kosong",
            Self::IpNotRegistered => "IP Client Tidak terdaftar",
            Self::Deceased => "Data Ditemukan, Meninggal Dunia",
            Self::Duplicate => "Data Ditemukan, Data Ganda",
            Self::NotFound => "Data Tidak Ditemukan, NIK tidak terdapat di database Kependudukan",
            Self::Inactive => "Data Ditemukan, Status Non Aktif silahkan hubungi Dinas Dukcapil",
            Self::BadFormat => "Data Tidak Ditemukan, NIK tidak sesuai format Dukcapil",
            Self::InstitutionInactive => "Instansi tidak aktif",
            Self::UserInactive => "User ID tidak aktif",
        }
    }

    /// The shorter text older gateways send (with no code beside it).
    pub fn old_respon(self) -> &'static str {
        match self {
            Self::NotFound | Self::BadFormat => "Data Tidak Ditemukan",
            other => other.respon(),
        }
    }
}

/// `content[0]` for an error: `RESPONSE_CODE` + `RESPON`.
pub fn error_entry(code: ResponseCode) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("RESPONSE_CODE".into(), Value::String(code.code().into()));
    m.insert("RESPON".into(), Value::String(code.respon().into()));
    m
}

/// The page envelope around several content entries (one page holding all).
pub fn envelope_many(entries: Vec<Map<String, Value>>, quota_remaining: u64) -> Value {
    let n = entries.len();
    json!({
        "content": entries.into_iter().map(Value::Object).collect::<Vec<_>>(),
        "lastPage": true,
        "numberOfElements": n,
        "sort": null,
        "totalElements": n,
        "firstPage": true,
        "number": 0,
        "size": n,
        "quotaLimiter": quota_remaining,
    })
}

/// Fields that gateways sometimes send as JSON numbers (`numbers_as_json`).
pub const NUMERIC_FIELDS: [&str; 9] =
    ["NIK", "NO_KK", "NO_RT", "NO_RW", "NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL", "KODE_POS"];

/// Date fields of a full record (`date_format`).
pub const DATE_FIELDS: [&str; 3] = ["TGL_LHR", "TGL_KWN", "TGL_CRAI"];

/// A `dd-mm-yyyy` text rewritten in `format` (anything else left alone).
pub fn reformat_date(dmy: &str, format: DateFormat) -> String {
    let parts: Vec<&str> = dmy.split('-').collect();
    match (format, parts.as_slice()) {
        (DateFormat::YyyyMmDd, [d, m, y]) => format!("{y}-{m}-{d}"),
        (DateFormat::DdMmYyyyDots, [d, m, y]) => format!("{d}.{m}.{y}"),
        _ => dmy.to_owned(),
    }
}

/// Applies the format variants (`numbers_as_json`, `date_format`) to an entry.
pub fn apply_format_variants(entry: &mut Map<String, Value>, faults: &Faults) {
    for key in DATE_FIELDS {
        if let Some(Value::String(d)) = entry.get_mut(key) {
            if !d.is_empty() {
                *d = reformat_date(d, faults.date_format);
            }
        }
    }
    if faults.numbers_as_json {
        for key in NUMERIC_FIELDS {
            if let Some(v) = entry.get_mut(key) {
                let n = v.as_str().filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
                if let Some(n) = n.and_then(|s| s.parse::<u64>().ok()) {
                    *v = Value::from(n);
                }
            }
        }
    }
}

/// The full `CALL_NIK` record of a person (every field Dukcapil sends,
/// no simulator-only field), with the format variants applied.
pub fn record_entry(person: &Person, faults: &Faults) -> Map<String, Value> {
    let mut entry = match serde_json::to_value(person) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    entry.remove("SIM_RECORD_STATUS");
    apply_format_variants(&mut entry, faults);
    entry
}

/// Rewrites an entry as an older gateway would: `RESPON` (short text)
/// only, no `RESPONSE_CODE`.
pub fn to_older_gateway(entry: &mut Map<String, Value>) {
    if let Some(code) = entry.remove("RESPONSE_CODE") {
        if let Some(c) = code.as_str().and_then(ResponseCode::from_code) {
            entry.insert("RESPON".into(), Value::String(c.old_respon().into()));
        }
    }
}

/// Lower-cases every key of an entry (the `lowercase_keys` variant).
pub fn lowercase_keys(entry: Map<String, Value>) -> Map<String, Value> {
    entry.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()
}
