//! Officer account management (admins): list, create, change role or
//! office, deactivate / reactivate, reset the second factor. Every change is
//! an audited security event. Password hashes and TOTP secrets never leave
//! the backend.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Office, Role};

/// One officer account as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficerView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub nip: Option<String>,
    pub role: Role,
    pub office: Office,
    pub active: bool,
    /// Whether an authenticator app is enrolled (the secret itself is never shown).
    pub totp_enrolled: bool,
    /// Failed sign-ins in a row since the last accepted one. Accounts are
    /// never locked by failures (the throttle slows the caller instead);
    /// this tells the admin someone is trying.
    pub failed_sign_ins: i64,
    /// Last accepted password sign-in on record ("YYYY-MM-DD HH:MM WIB").
    pub last_sign_in: Option<String>,
}

/// `GET /api/v1/admin/officers`: the accounts, and what the forms offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficersResponse {
    pub officers: Vec<OfficerView>,
    /// Offices an officer may belong to.
    pub offices: Vec<Office>,
    pub roles: Vec<Role>,
}

/// `POST /api/v1/admin/officers`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOfficerRequest {
    /// 3–40 characters: a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    pub display_name: String,
    /// 18-digit NIP (PNS or PPPK), checked structurally.
    pub nip: String,
    pub role: Role,
    pub office_code: String,
    /// Initial password; the password policy applies.
    pub password: String,
}

impl fmt::Debug for NewOfficerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewOfficerRequest")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("office_code", &self.office_code)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/admin/officers/{id}/role`: a new role and/or office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub office_code: Option<String>,
}

/// `POST /api/v1/admin/officers/{id}/active`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetActiveRequest {
    pub active: bool,
}

/// Client-side mirror of the backend's username rule.
pub fn is_valid_username(username: &str) -> bool {
    (3..=40).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
        && username.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(is_valid_username("rina.k"));
        assert!(is_valid_username("petugas_2"));
        assert!(!is_valid_username("ab"));
        assert!(!is_valid_username("Rina"));
        assert!(!is_valid_username(".rina"));
        assert!(!is_valid_username("rina kusuma"));
        assert!(!is_valid_username(&"a".repeat(41)));
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let req = NewOfficerRequest {
            username: "rina".into(),
            display_name: "Rina".into(),
            nip: "199003152015032001".into(),
            role: Role::Officer,
            office_code: "PUSAT".into(),
            password: "rahasia-sekali-2026".into(),
        };
        assert!(!format!("{req:?}").contains("rahasia"));
    }
}
