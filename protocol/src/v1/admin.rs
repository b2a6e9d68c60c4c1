use serde::{Deserialize, Serialize};

use super::{Element, Mechanism};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    NotYetValid,
    Active,
    /// Ends within the warning window (90 days).
    Expiring,
    Expired,
    Terminated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub mechanism: Mechanism,
    /// `officer` or `siasn`.
    pub client: String,
    pub clause: String,
    pub elements: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementView {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub numbers: String,
    pub signed_on: String,
    pub valid_until: String,
    pub state: AgreementState,
    pub days_left: i64,
    pub demo: bool,
    pub grants: Vec<GrantView>,
    /// Clauses of this agreement that disagree; the narrower set is granted.
    pub discrepancies: Vec<String>,
    /// The agreement this one extends, if recorded as an extension.
    pub extends: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub mechanism: Mechanism,
    pub client: String,
    pub clause: String,
    pub elements: Vec<Element>,
}

/// A new agreement, or an extension (`extends` = the id it extends, whose
/// grants are copied when `grants` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAgreementRequest {
    pub code: String,
    pub title: String,
    pub numbers: String,
    /// ISO `yyyy-mm-dd`.
    pub signed_on: String,
    /// ISO `yyyy-mm-dd`, inclusive.
    pub valid_until: String,
    #[serde(default)]
    pub extends: Option<i64>,
    #[serde(default)]
    pub grants: Vec<NewGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementsResponse {
    pub today: String,
    pub agreements: Vec<AgreementView>,
    /// Every element an agreement may grant (for the admin form).
    pub known_elements: Vec<Element>,
}

/// Something an admin must look at: a configuration fault reported by
/// Dukcapil, quota running low, the circuit breaker opening…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminAlert {
    pub id: i64,
    /// ISO date-time, WIB.
    pub at: String,
    /// `upstream_config`, `quota_low`, `quota_exhausted`, `upstream_down`.
    pub kind: String,
    pub code: Option<String>,
    /// For the admin: what happened and what to check.
    pub message: String,
    /// How many times it recurred since first raised.
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertsResponse {
    pub alerts: Vec<AdminAlert>,
    /// Last `quotaLimiter` Dukcapil reported, if any.
    pub quota_remaining: Option<i64>,
}
