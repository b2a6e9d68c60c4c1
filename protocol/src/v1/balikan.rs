//! Data balikan (issue 6): the ASN registry import and the outbox dashboard.
//!
//! Reports carry line numbers and reasons, never the values of a row, so a
//! report can be shown and kept without copying the registry around.

use serde::{Deserialize, Serialize};

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Every row was valid; the registry now holds them.
    Applied,
    /// At least one row was invalid: nothing was changed.
    Rejected,
    /// A dry run: checked only, nothing changed.
    Checked,
}

/// What is wrong with a row of the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The header lacks a required column (the whole file is refused).
    MissingColumn,
    /// A required field is empty.
    MissingField,
    /// The row has a different number of fields than the header, or broken quoting.
    MalformedRow,
    MalformedNik,
    MalformedNip,
    /// An Excel-mangled number (`3.17101E+15`): its digits are lost.
    ScientificNotation,
    /// The NIK's birth date differs from the NIP's.
    NikNipBirthDate,
    /// The NIK's sex differs from the NIP's.
    NikNipSex,
    DuplicateNik,
    DuplicateNip,
    /// The NIP is already registered to another NIK.
    NipTaken,
    UnknownStatusKepegawaian,
    UnknownKedudukanHukum,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowProblem {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    pub kind: ProblemKind,
    /// Bahasa Indonesia, without the row's values.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemCount {
    pub kind: ProblemKind,
    pub count: u64,
}

/// The validation report of one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryImportReport {
    pub id: i64,
    pub status: ImportStatus,
    pub file_name: String,
    pub by: String,
    /// `YYYY-MM-DD HH:MM WIB`.
    pub at: String,
    pub duration_ms: i64,
    /// `,`, `;` or `tab`.
    pub separator: String,
    pub rows_total: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Every problem counted by kind.
    pub problem_counts: Vec<ProblemCount>,
    /// The first problems (at most 1,000), in file order.
    pub problems: Vec<RowProblem>,
    /// Outbox records that found their NIP thanks to this import.
    pub outbox_joined: u64,
}

/// One line of the import history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryImportSummary {
    pub id: i64,
    pub status: ImportStatus,
    pub file_name: String,
    pub by: String,
    pub at: String,
    pub rows_total: u64,
    pub rejected: u64,
}

/// Outbox records by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxCounts {
    /// No NIP in the ASN registry yet.
    pub waiting: i64,
    pub ready: i64,
    pub in_flight: i64,
    pub delivered: i64,
    /// Refused by the receiver or failing alone: needs an admin.
    pub parked: i64,
    /// Closed without delivery (no NIP within the horizon).
    pub closed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxGroup {
    /// An office code, or a `YYYY-MM-DD` (WIB) day.
    pub key: String,
    pub counts: OutboxCounts,
}

/// A record the worker gave up on, for an admin to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParkedRecord {
    pub id: i64,
    /// The NIK with its middle digits hidden.
    pub nik_masked: String,
    pub office_code: String,
    pub accessed_at: String,
    pub attempts: i64,
    /// The upstream's reason, as received.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BalikanDashboard {
    /// Whether this instance runs the sending worker (an endpoint is configured).
    pub worker_enabled: bool,
    pub counts: OutboxCounts,
    /// Age in minutes of the oldest record that is ready, in flight or parked.
    pub oldest_undelivered_minutes: Option<i64>,
    /// An admin alert is raised beyond this age.
    pub alert_after_hours: u32,
    pub horizon_days: u32,
    pub per_office: Vec<OutboxGroup>,
    /// The most recent 31 days with records, newest first.
    pub per_day: Vec<OutboxGroup>,
    /// At most 200, oldest first.
    pub parked: Vec<ParkedRecord>,
    pub registry_size: i64,
    pub last_import: Option<RegistryImportSummary>,
}

/// Sends parked records again. No ids: every parked record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetryParkedRequest {
    #[serde(default)]
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetryParkedResponse {
    pub retried: i64,
}
