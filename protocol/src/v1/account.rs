//! The officer's own account: second factor (TOTP) and password.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How far sign-in has got. A session that is not `complete` may only finish
/// the second step (or enrol a second factor first); every other call is
/// refused with `second_factor_required`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    #[default]
    Complete,
    /// Password accepted; the 6-digit code from the authenticator app is next
    /// (`POST /api/v1/session/totp`).
    TotpRequired,
    /// Password accepted; this role must enrol an authenticator app before
    /// anything else (`POST /api/v1/account/totp/enrolment`, then `/confirm`).
    TotpEnrolmentRequired,
}

/// A 6-digit code from the officer's authenticator app.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCodeRequest {
    pub code: String,
}

impl fmt::Debug for TotpCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpCodeRequest { code: *** }")
    }
}

/// `POST /api/v1/account/totp/enrolment`: proof that the owner, not merely
/// someone holding their session, replaces the second factor. With an
/// authenticator enrolled, `current_code` (a code from it) is required;
/// without one, `password`. A session that must enrol during sign-in has
/// just given the password and needs neither.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartTotpEnrolmentRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for StartTotpEnrolmentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StartTotpEnrolmentRequest { *** }")
    }
}

/// What changed on the officer's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountNoticeKind {
    /// An authenticator app was enrolled where there was none.
    SecondFactorEnrolled,
    /// The authenticator app was replaced by another.
    SecondFactorReplaced,
    /// An admin removed the authenticator app (the officer enrols anew).
    SecondFactorReset,
    /// The password was changed.
    PasswordChanged,
}

/// A security change to the officer's own account, shown to them until
/// acknowledged: if it was not them, they call the admin at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountNotice {
    pub id: i64,
    pub kind: AccountNoticeKind,
    /// When, "YYYY-MM-DD HH:MM WIB".
    pub at: String,
    /// The client address the change came from (empty when unknown).
    pub address: String,
}

/// `POST /api/v1/account/notices/ack`: the owner has read the notices up
/// to and including `up_to_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeNoticesRequest {
    pub up_to_id: i64,
}

/// A new, not yet confirmed, authenticator secret: shown once, to be scanned
/// or typed into the app, then confirmed with one code.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// Base32 (RFC 4648, no padding), for typing into the app.
    pub secret: String,
    /// `otpauth://totp/…` for a QR code.
    pub otpauth_uri: String,
    pub digits: u32,
    pub period_secs: u32,
}

impl fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrolment { secret: *** }")
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePasswordRequest { *** }")
    }
}

/// `GET /api/v1/account`: what the officer's account has set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    pub totp_enrolled: bool,
    /// Whether this officer's role must use a second factor.
    pub totp_required: bool,
    /// Minimum password length the policy enforces.
    pub password_min_length: u32,
}

/// Client-side mirror of the backend's password length rule (the backend
/// also checks the breached/common list, the username and the NIP).
pub const PASSWORD_MIN_LENGTH: usize = 12;
pub const PASSWORD_MAX_LENGTH: usize = 128;

/// `true` when `code` looks like a TOTP code (6 ASCII digits).
pub fn is_totp_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}
