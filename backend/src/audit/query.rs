//! The auditor and supervisor views: search, CSV export. Reading the
//! trail is itself audited (`audit_read`, `audit_export`), with the
//! searched NIK as its token.

use padan_protocol::{
    v1::{AuditEntry, AuditQuery, AuditRecordsResponse, Role},
    validate::{Lines, check_text, escape_invisible},
};
use time::{Date, macros::format_description};

use crate::{
    AppState,
    auth::Officer,
    clock::{WIB, millis_to_datetime},
    error::AppError,
    store::audit::{Filter, StoredRecord},
};

/// Most rows one CSV export holds.
pub const CSV_MAX_ROWS: i64 = 100_000;

/// Who may read the trail, and how much of it: admins and auditors all of
/// it, supervisors their own office. Everyone else: forbidden.
pub fn office_scope(officer: &Officer) -> Result<Option<String>, AppError> {
    match officer.info.role {
        Role::Admin | Role::Auditor => Ok(None),
        Role::Supervisor => Ok(Some(officer.info.office.code.clone())),
        _ => Err(AppError::Forbidden),
    }
}

fn parse_date(field: &str, s: &str) -> Result<Date, AppError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::InvalidRequest(format!("{field}: tanggal harus berformat YYYY-MM-DD")))
}

fn day_start_ms(d: Date) -> i64 {
    (d.midnight().assume_offset(WIB).unix_timestamp_nanos() / 1_000_000) as i64
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The store filter for a query, within `scope`.
pub fn filter(state: &AppState, q: &AuditQuery, scope: &Option<String>) -> Result<Filter, AppError> {
    for (param, value) in [
        ("officer", &q.officer),
        ("office", &q.office),
        ("mechanism", &q.mechanism),
        ("purpose", &q.purpose),
        ("outcome", &q.outcome),
        ("event", &q.event),
        ("nik", &q.nik),
        ("from", &q.from),
        ("to", &q.to),
        ("ids", &q.ids),
    ] {
        if let Some(v) = value {
            crate::text::query_text(param, v, Lines::Single)?;
        }
    }
    let nik_token = match non_empty(&q.nik) {
        Some(nik) if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) => {
            Some(super::nik_token(state.nik_key(), &nik))
        }
        Some(_) => return Err(AppError::InvalidRequest("nik: NIK harus 16 digit angka".into())),
        None => None,
    };
    let ids = match non_empty(&q.ids) {
        Some(list) => Some(
            list.split(',')
                .map(|s| s.trim().parse::<i64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| AppError::InvalidRequest("ids: daftar nomor rekaman dipisah koma".into()))?,
        ),
        None => None,
    };
    let office = match (scope, non_empty(&q.office)) {
        (Some(own), _) => Some(own.clone()),
        (None, office) => office,
    };
    Ok(Filter {
        // Usernames are compared NFKC, as at sign-in.
        officer: non_empty(&q.officer).map(|o| crate::text::nfkc(&o)),
        office,
        mechanism: non_empty(&q.mechanism),
        purpose: non_empty(&q.purpose),
        outcome: non_empty(&q.outcome),
        event: non_empty(&q.event),
        nik_token,
        from_ms: non_empty(&q.from).map(|d| parse_date("from", &d)).transpose()?.map(day_start_ms),
        to_ms: non_empty(&q.to).map(|d| parse_date("to", &d)).transpose()?.map(|d| day_start_ms(d) + 86_400_000),
        before_id: q.before_id,
        ids,
    })
}

pub fn format_at(ms: i64) -> String {
    let t = millis_to_datetime(ms).to_offset(WIB);
    format!("{} {:02}:{:02}:{:02} WIB", t.date(), t.hour(), t.minute(), t.second())
}

/// Text as shown: control and format characters in rows written before
/// the character check (or typed at sign-in) are escaped, never emitted raw
/// to the audit screen or the CSV export.
fn shown(s: String) -> String {
    if check_text(&s, Lines::Single).is_ok() { s } else { escape_invisible(&s).into_owned() }
}

fn entry(s: StoredRecord) -> AuditEntry {
    let r = s.record;
    AuditEntry {
        id: s.id,
        seq: s.seq,
        at: format_at(r.at),
        event: shown(r.event),
        officer: r.username.map(shown),
        office: r.office_code.map(shown),
        role: r.role.map(shown),
        client: shown(r.client),
        mechanism: r.mechanism.map(shown),
        purpose: r.purpose.map(shown),
        nik_token: r.nik_token,
        outcome: shown(r.outcome),
        verdicts: r.verdicts.map(shown),
        detail: r.detail.map(shown),
        request_id: shown(r.request_id),
    }
}

/// What was asked, for the `audit_read` record: the filters, never the NIK
/// (its token goes in the record's `nik_token`).
fn describe(f: &Filter) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("officer", &f.officer),
        ("office", &f.office),
        ("mechanism", &f.mechanism),
        ("purpose", &f.purpose),
        ("outcome", &f.outcome),
        ("event", &f.event),
    ] {
        if let Some(v) = value {
            parts.push(format!("{name}={}", v.chars().take(64).collect::<String>()));
        }
    }
    if f.nik_token.is_some() {
        parts.push("nik=<token>".into());
    }
    if let Some(v) = f.from_ms {
        parts.push(format!("from={}", format_at(v)));
    }
    if let Some(v) = f.to_ms {
        parts.push(format!("to={}", format_at(v)));
    }
    if let Some(ids) = &f.ids {
        parts.push(format!("ids={}", ids.len()));
    }
    // A NIK typed into the wrong box must not reach the trail either.
    if parts.is_empty() { "all".into() } else { crate::web::redact::mask_numbers(&parts.join(" ")) }
}

async fn record_read(
    state: &AppState,
    officer: &Officer,
    request_id: &str,
    event: &str,
    f: &Filter,
    rows: usize,
) -> Result<(), AppError> {
    let mut r = super::for_officer(state, officer, request_id, event);
    r.outcome = "ok".into();
    r.nik_token = f.nik_token.clone();
    r.detail = Some(format!("{} ({rows} records)", describe(f)));
    super::append(state, &r).await?;
    Ok(())
}

/// One page of matching records, newest first. Audited.
pub async fn records(
    state: &AppState,
    officer: &Officer,
    request_id: &str,
    q: &AuditQuery,
) -> Result<AuditRecordsResponse, AppError> {
    let scope = office_scope(officer)?;
    let f = filter(state, q, &scope)?;
    let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 500));
    let mut rows = crate::store::audit::search(state.store().pool(), &f, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before_id = if more { rows.last().map(|r| r.id) } else { None };
    record_read(state, officer, request_id, "audit_read", &f, rows.len()).await?;
    Ok(AuditRecordsResponse { records: rows.into_iter().map(entry).collect(), next_before_id, office_scope: scope })
}

/// Matching records as CSV (at most [`CSV_MAX_ROWS`]). Audited.
pub async fn csv(state: &AppState, officer: &Officer, request_id: &str, q: &AuditQuery) -> Result<String, AppError> {
    let scope = office_scope(officer)?;
    let f = filter(state, q, &scope)?;
    let rows = crate::store::audit::search(state.store().pool(), &f, CSV_MAX_ROWS).await?;
    record_read(state, officer, request_id, "audit_export", &f, rows.len()).await?;
    let mut out = String::from(
        "id,seq,waktu,peristiwa,petugas,kantor,peran,klien,mekanisme,keperluan,token_nik,hasil,kode_verifikasi,keterangan,request_id\r\n",
    );
    for s in rows {
        let e = entry(s);
        let fields = [
            e.id.to_string(),
            e.seq.map(|s| s.to_string()).unwrap_or_default(),
            e.at,
            e.event,
            e.officer.unwrap_or_default(),
            e.office.unwrap_or_default(),
            e.role.unwrap_or_default(),
            e.client,
            e.mechanism.unwrap_or_default(),
            e.purpose.unwrap_or_default(),
            e.nik_token.unwrap_or_default(),
            e.outcome,
            e.verdicts.unwrap_or_default(),
            e.detail.unwrap_or_default(),
            e.request_id,
        ];
        let line: Vec<String> = fields.iter().map(|v| csv_field(v)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// RFC 4180 quoting, and a leading `'` on anything a spreadsheet would
/// run as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\r', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(super::csv_field("plain"), "plain");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
