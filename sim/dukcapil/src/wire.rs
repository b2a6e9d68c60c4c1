//! Dukcapil's response codes and the Spring-style page envelope.

use serde_json::{Map, Value, json};

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

/// The page envelope around one content entry.
pub fn envelope(entry: Map<String, Value>, quota_remaining: u64) -> Value {
    json!({
        "content": [Value::Object(entry)],
        "lastPage": true,
        "numberOfElements": 1,
        "sort": null,
        "totalElements": 1,
        "firstPage": true,
        "number": 0,
        "size": 1,
        "quotaLimiter": quota_remaining,
    })
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
