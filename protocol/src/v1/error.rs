use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. The SPA keys its messages and its
/// "what to do next" hints on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Body is not valid JSON or does not have the expected shape.
    InvalidRequest,
    /// One or more fields failed validation; see `fields`.
    ValidationFailed,
    /// No session, or the session has expired.
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    Forbidden,
    /// Missing or wrong CSRF token.
    CsrfRejected,
    /// Wrong username or password.
    InvalidCredentials,
    /// No longer sent: failed sign-ins slow the caller (`RateLimited`)
    /// instead of locking the account. Kept so the code is never reused.
    AccountLocked,
    /// No valid agreement grants this mechanism today.
    MechanismClosed,
    /// Dukcapil's daily quota is exhausted.
    QuotaExhausted,
    /// Dukcapil could not be reached or answered nonsense.
    UpstreamUnavailable,
    /// Dukcapil rejected BKN's configuration (credentials, IP, hours…).
    UpstreamRejected,
    NotFound,
    PayloadTooLarge,
    /// The request body did not arrive within the server's body timeout;
    /// the connection is closed.
    RequestTimeout,
    Internal,
    /// The page origin is not one the reader-agent is configured to accept.
    OriginNotAllowed,
    /// The KTP-el read is not proven genuine (SAM certificate, activation
    /// record or attestation signature): "kartu tidak asli".
    CardNotGenuine,
    /// The card data sent differ from what the SAM attested: "data kartu telah diubah".
    CardDataTampered,
    /// The reader/SAM is not registered, not activated, expired, for
    /// another office, or its agreement has ended.
    ReaderNotActivated,
    /// The read's nonce is unknown, expired, already used, or not this officer's.
    NonceInvalid,
    /// Too many sign-in attempts for this account or from this address;
    /// `Retry-After` says when to try again.
    RateLimited,
    /// The password was accepted but the second step (TOTP code, or enrolling
    /// an authenticator app) is not done yet.
    SecondFactorRequired,
    /// The authenticator code is wrong, expired or was already used.
    TotpInvalid,
    /// The request named a `Host` this server does not serve (421).
    HostNotServed,
}

/// A field-level validation problem, for inline display next to the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub message_en: String,
}

/// The body of every non-2xx answer from `/api/v1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    /// For the officer, in Bahasa Indonesia: what happened and what to do.
    pub message: String,
    pub message_en: String,
    /// Quote this to the helpdesk; it finds the log lines.
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}
