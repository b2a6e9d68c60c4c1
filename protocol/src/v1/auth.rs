use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

/// Masks the password so a request can be logged safely.
impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest").field("username", &self.username).field("password", &"***").finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Supervisor,
    Helpdesk,
    Admin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Officer, Role::Supervisor, Role::Helpdesk, Role::Admin, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Helpdesk => "helpdesk",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Role::Officer => "Petugas",
            Role::Supervisor => "Supervisor",
            Role::Helpdesk => "Helpdesk",
            Role::Admin => "Administrator",
            Role::Auditor => "Auditor",
        }
    }

    /// Roles that may query Dukcapil on behalf of BKN.
    pub fn may_verify(self) -> bool {
        matches!(self, Role::Officer | Role::Supervisor | Role::Helpdesk)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Office {
    /// `PUSAT` or `KANREG-I` … `KANREG-XIV`.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficerInfo {
    pub username: String,
    pub display_name: String,
    pub nip: Option<String>,
    pub role: Role,
    pub office: Office,
}

/// What the SPA learns about the signed-in officer. The session itself is an
/// `HttpOnly` cookie the SPA cannot read; the CSRF token is echoed in the
/// `x-csrf-token` header on every state-changing request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub officer: OfficerInfo,
    pub csrf_token: String,
    /// Seconds of inactivity after which the session ends.
    pub idle_timeout_secs: u64,
    /// `complete`, or which second-factor step comes next.
    #[serde(default)]
    pub stage: super::SessionStage,
    /// Security changes to this account the owner has not yet acknowledged
    /// (second factor replaced or reset, password changed): the SPA shows
    /// them until acknowledged (`POST /api/v1/account/notices/ack`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<super::AccountNotice>,
}
