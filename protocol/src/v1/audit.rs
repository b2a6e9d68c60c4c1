//! The audit views for auditors and supervisors (`/api/v1/audit/*`).
//!
//! A NIK may be given as a filter; the backend turns it into the keyed
//! token the trail stores and never sends the NIK back.

use serde::{Deserialize, Serialize};

/// Filters of `GET /api/v1/audit/records` (and `.csv`). Every filter is
/// optional; dates are `YYYY-MM-DD`, WIB, inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Officer username (or service client name).
    pub officer: Option<String>,
    /// Office code; supervisors always see their own office only.
    pub office: Option<String>,
    /// `verify_elements`, `face_match`, `portal_lookup`, …
    pub mechanism: Option<String>,
    pub purpose: Option<String>,
    /// `ok`, `denied`, `upstream_error`, `match`, …
    pub outcome: Option<String>,
    /// `access`, `sign_in`, `lockout`, `audit_read`, …
    pub event: Option<String>,
    /// A NIK (16 digits): matched through its keyed token.
    pub nik: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Paging: records older than this id.
    pub before_id: Option<i64>,
    /// Page size (default 100, at most 500).
    pub limit: Option<u32>,
    /// Comma-separated record ids (the records behind a misuse signal).
    pub ids: Option<String>,
}

/// One audit record as an auditor sees it. `nik_token` is the keyed token,
/// never a NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// Position in the hash chain.
    pub seq: Option<i64>,
    /// `YYYY-MM-DD HH:MM:SS WIB`.
    pub at: String,
    pub event: String,
    pub officer: Option<String>,
    pub office: Option<String>,
    pub role: Option<String>,
    /// `spa` or the service client kind (`siasn`).
    pub client: String,
    pub mechanism: Option<String>,
    pub purpose: Option<String>,
    pub nik_token: Option<String>,
    pub outcome: String,
    pub verdicts: Option<String>,
    pub detail: Option<String>,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecordsResponse {
    pub records: Vec<AuditEntry>,
    /// Pass as `before_id` for the next (older) page; absent on the last.
    pub next_before_id: Option<i64>,
    /// Set when the view is limited to one office (supervisors).
    pub office_scope: Option<String>,
}

/// A pattern in the trail that a supervisor or admin should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MisuseSignal {
    /// `volume`, `repeated_nik`, `outside_hours`, `no_follow_up`.
    pub kind: String,
    pub officer: String,
    pub office: String,
    /// What was seen, in Bahasa Indonesia.
    pub message: String,
    pub count: i64,
    /// The audit records behind it (at most 200).
    pub record_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignalsResponse {
    pub signals: Vec<MisuseSignal>,
    /// The period examined, `YYYY-MM-DD HH:MM WIB`.
    pub from: String,
    pub to: String,
    pub office_scope: Option<String>,
}
