//! The error policy, in one place.
//!
//! Handlers and services return [`AppError`]. Its `IntoResponse` picks the
//! status and the officer-facing message (Bahasa Indonesia first, English
//! second) and parks the body in a response extension; the
//! [`finalize_errors`] middleware then stamps the request id into the body
//! and logs server-side faults with their detail. So:
//! - 4xx bodies say precisely what was wrong with the request;
//! - 5xx bodies are generic; the detail goes to the log, keyed by request id;
//! - upstream configuration faults (Dukcapil rejected BKN's credentials, IP…)
//!   are shown to officers as "service unavailable" and logged for admins.
//!
//! Nothing here ever logs population data: details are codes and causes.

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use padan_protocol::v1::{ApiError, ErrorCode, FieldError, REQUEST_ID_HEADER};

use crate::dukcapil::DukcapilError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("not signed in")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("forbidden")]
    Forbidden,
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many sign-in attempts ({scope}); retry after {retry_after_secs} s")]
    RateLimited { scope: &'static str, retry_after_secs: u64 },
    #[error("second factor required")]
    SecondFactorRequired,
    #[error("totp code wrong, stale or reused")]
    TotpInvalid,
    #[error("mechanism closed: {0}")]
    MechanismClosed(String),
    #[error("origin not allowed for the reader-agent")]
    OriginNotAllowed,
    #[error("card read not genuine: {0}")]
    CardNotGenuine(&'static str),
    #[error("card data differ from the attested digests: {0}")]
    CardDataTampered(&'static str),
    #[error("reader not activated: {0}")]
    ReaderNotActivated(String),
    #[error("card nonce unknown, expired, used or not this officer's")]
    NonceInvalid,
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("host not served (not in server.public_origins)")]
    MisdirectedHost,
    #[error("request body not received within server.body_read_timeout_secs")]
    RequestTimeout,
    #[error("dukcapil: {0}")]
    Upstream(#[from] DukcapilError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, message_id: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message_id.into(),
            message_en: message_en.into(),
        }])
    }

    fn parts(&self) -> (StatusCode, ErrorCode, String, String) {
        use StatusCode as S;
        match self {
            Self::InvalidRequest(detail) => (
                S::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                format!("Permintaan tidak dapat dibaca: {detail}"),
                format!("The request could not be read: {detail}"),
            ),
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                "Periksa kembali isian yang ditandai.".into(),
                "Please check the highlighted fields.".into(),
            ),
            Self::Unauthenticated => (
                S::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "Silakan masuk terlebih dahulu.".into(),
                "Please sign in first.".into(),
            ),
            Self::SessionExpired => (
                S::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "Sesi berakhir, silakan masuk kembali.".into(),
                "Your session has ended; please sign in again.".into(),
            ),
            Self::Forbidden => (
                S::FORBIDDEN,
                ErrorCode::Forbidden,
                "Peran Anda tidak diizinkan melakukan tindakan ini.".into(),
                "Your role is not allowed to do this.".into(),
            ),
            Self::Csrf => (
                S::FORBIDDEN,
                ErrorCode::CsrfRejected,
                "Permintaan ditolak karena token keamanan tidak sah. Muat ulang halaman lalu coba lagi.".into(),
                "Request refused: missing or invalid security token. Reload the page and try again.".into(),
            ),
            Self::InvalidCredentials => (
                S::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "Nama pengguna atau kata sandi salah.".into(),
                "Wrong username or password.".into(),
            ),
            Self::RateLimited { retry_after_secs, .. } => {
                let secs = *retry_after_secs;
                let (wait_id, wait_en) = if secs < 120 {
                    (format!("{secs} detik"), format!("{secs} second(s)"))
                } else {
                    let minutes = secs.div_ceil(60);
                    (format!("{minutes} menit"), format!("{minutes} minute(s)"))
                };
                (
                    S::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    format!(
                        "Terlalu banyak percobaan yang gagal. Tunggu {wait_id} lalu coba lagi, atau hubungi admin."
                    ),
                    format!("Too many failed attempts. Wait {wait_en} and try again, or contact an admin."),
                )
            }
            Self::SecondFactorRequired => (
                S::FORBIDDEN,
                ErrorCode::SecondFactorRequired,
                "Selesaikan langkah kedua (kode aplikasi autentikator) sebelum melanjutkan.".into(),
                "Complete the second step (authenticator app code) first.".into(),
            ),
            Self::TotpInvalid => (
                S::UNAUTHORIZED,
                ErrorCode::TotpInvalid,
                "Kode autentikator salah, kedaluwarsa, atau sudah dipakai. Masukkan kode yang sedang tampil.".into(),
                "The authenticator code is wrong, expired or already used. Enter the code shown now.".into(),
            ),
            Self::MechanismClosed(reason) => (
                S::FORBIDDEN,
                ErrorCode::MechanismClosed,
                reason.clone(),
                "This mechanism is closed: no valid cooperation agreement grants it today.".into(),
            ),
            Self::OriginNotAllowed => (
                S::FORBIDDEN,
                ErrorCode::OriginNotAllowed,
                "Halaman ini tidak terdaftar untuk pembaca KTP-el. Buka Padan dari alamat resminya.".into(),
                "This page's origin is not registered for the KTP-el reader. Open Padan from its official address."
                    .into(),
            ),
            Self::CardNotGenuine(_) => (
                S::UNPROCESSABLE_ENTITY,
                ErrorCode::CardNotGenuine,
                "Kartu tidak asli: hasil pembacaan tidak dapat dibuktikan oleh SAM yang sah.".into(),
                "Card not genuine: the read could not be proven by a legitimate SAM.".into(),
            ),
            Self::CardDataTampered(_) => (
                S::UNPROCESSABLE_ENTITY,
                ErrorCode::CardDataTampered,
                "Data kartu telah diubah: data yang diterima tidak sama dengan yang dibaca dari chip.".into(),
                "Card data altered: the data received differ from what was read from the chip.".into(),
            ),
            Self::ReaderNotActivated(reason) => (
                S::FORBIDDEN,
                ErrorCode::ReaderNotActivated,
                reason.clone(),
                "This KTP-el reader/SAM is not registered and activated for your office.".into(),
            ),
            Self::NonceInvalid => (
                S::CONFLICT,
                ErrorCode::NonceInvalid,
                "Kode pembacaan sudah dipakai, kedaluwarsa, atau bukan milik Anda. Baca ulang kartu.".into(),
                "The read code was already used, has expired, or is not yours. Read the card again.".into(),
            ),
            Self::NotFound => (S::NOT_FOUND, ErrorCode::NotFound, "Tidak ditemukan.".into(), "Not found.".into()),
            Self::MisdirectedHost => (
                S::MISDIRECTED_REQUEST,
                ErrorCode::HostNotServed,
                "Alamat ini tidak dilayani Padan. Buka Padan dari alamat resminya.".into(),
                "This address is not served by Padan. Open Padan from its official address.".into(),
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "Data yang dikirim terlalu besar.".into(),
                "The request body is too large.".into(),
            ),
            Self::RequestTimeout => (
                S::REQUEST_TIMEOUT,
                ErrorCode::RequestTimeout,
                "Data permintaan terlalu lambat diterima; koneksi ditutup. Periksa jaringan lalu kirim ulang.".into(),
                "The request arrived too slowly; the connection is closed. Check the network and send it again.".into(),
            ),
            Self::Upstream(DukcapilError::QuotaExhausted) => (
                S::TOO_MANY_REQUESTS,
                ErrorCode::QuotaExhausted,
                "Kuota akses Dukcapil hari ini telah habis. Coba lagi besok atau hubungi admin.".into(),
                "Today's Dukcapil access quota is exhausted. Try again tomorrow or contact an admin.".into(),
            ),
            Self::Upstream(e) if e.is_configuration_fault() => (
                S::BAD_GATEWAY,
                ErrorCode::UpstreamRejected,
                "Layanan Dukcapil sedang tidak tersedia (konfigurasi akses ditolak). Admin sudah diberi tahu; \
                 sebutkan kode permintaan bila menghubungi helpdesk."
                    .into(),
                "The Dukcapil service is unavailable (access configuration rejected). Admins have been alerted.".into(),
            ),
            Self::Upstream(_) => (
                S::BAD_GATEWAY,
                ErrorCode::UpstreamUnavailable,
                "Layanan Dukcapil sedang tidak tersedia. Coba lagi beberapa saat lagi; sebutkan kode permintaan \
                 bila menghubungi helpdesk."
                    .into(),
                "The Dukcapil service is unavailable. Try again shortly; quote the request id to the helpdesk.".into(),
            ),
            Self::Database(_) | Self::Internal(_) => (
                S::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Terjadi kesalahan pada sistem. Sebutkan kode permintaan bila menghubungi helpdesk.".into(),
                "Something went wrong on our side. Quote the request id to the helpdesk.".into(),
            ),
        }
    }
}

impl PendingError {
    /// For middleware that reacts to errors (the audit of denied requests).
    pub(crate) fn code(&self) -> ErrorCode {
        self.body.code
    }
}

/// The body waiting for its request id; see [`finalize_errors`].
#[derive(Debug, Clone)]
pub(crate) struct PendingError {
    body: ApiError,
    /// For the log only; never sent.
    detail: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, message_en) = self.parts();
        let fields = match &self {
            Self::Validation(f) => f.clone(),
            _ => Vec::new(),
        };
        let body = ApiError { code, message, message_en, request_id: String::new(), fields };
        let mut response = status.into_response();
        if let Self::RateLimited { retry_after_secs, .. } = &self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response.extensions_mut().insert(PendingError { body, detail: self.to_string() });
        response
    }
}

/// Stamps the request id into error bodies and logs what admins must see.
pub async fn finalize_errors(request: Request, next: Next) -> Response {
    let request_id =
        request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut response = next.run(request).await;
    let Some(mut pending) = response.extensions_mut().remove::<PendingError>() else {
        return response;
    };
    let status = response.status();
    if pending.body.code == ErrorCode::UpstreamUnavailable {
        // Dukcapil is down or slow: not a fault of Padan, and while the
        // circuit is open every request says so. The request id still
        // reaches the log, for the helpdesk.
        tracing::warn!(request_id, status = status.as_u16(), detail = %pending.detail, "Dukcapil unavailable");
    } else if status.is_server_error() {
        tracing::error!(request_id, status = status.as_u16(), detail = %pending.detail, "request failed");
    } else if pending.body.code == ErrorCode::UpstreamRejected {
        tracing::error!(request_id, detail = %pending.detail, "Dukcapil rejected BKN's access configuration");
    } else {
        tracing::info!(request_id, status = status.as_u16(), code = ?pending.body.code, "request refused");
    }
    pending.body.request_id = request_id;
    let json = serde_json::to_vec(&pending.body).unwrap_or_default();
    let mut out = Response::new(axum::body::Body::from(json));
    *out.status_mut() = status;
    *out.headers_mut() = std::mem::take(response.headers_mut());
    out.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out.headers_mut().remove(header::CONTENT_LENGTH);
    out
}

/// JSON extractor whose rejection is an [`AppError`] with a precise message.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection as R;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(R::MissingJsonContentType(_)) => {
                Err(AppError::InvalidRequest("Content-Type harus application/json".into()))
            }
            Err(R::BytesRejection(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::PayloadTooLarge),
            Err(R::JsonSyntaxError(e)) => {
                Err(AppError::InvalidRequest(format!("JSON tidak valid ({})", e.body_text())))
            }
            Err(R::JsonDataError(e)) => {
                Err(AppError::InvalidRequest(format!("isian tidak sesuai ({})", e.body_text())))
            }
            Err(e) => Err(AppError::InvalidRequest(e.body_text())),
        }
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
