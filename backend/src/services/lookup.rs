//! Portal, IKD and SIASN look-ups: a NIK in, the granted elements out.

use padan_protocol::{
    v1::{LookupOutcome, LookupRequest, LookupResponse, Mechanism, SiasnLookupRequest, SiasnLookupResponse},
    validate::{Lines, parse_nik},
};

use crate::{
    AppState,
    auth::{Officer, ServiceClient},
    dukcapil::{LookupReply, LookupResult, Service},
    error::AppError,
    services::access::{Access, Caller},
};

/// Shortest and longest reason text accepted for a portal look-up.
const REASON_CHARS: std::ops::RangeInclusive<usize> = 10..=500;

fn outcome(reply: LookupReply) -> LookupOutcome {
    match reply.result {
        LookupResult::Found { status, elements, family, photo_jpeg_base64 } => {
            LookupOutcome::Found { status, elements, family, photo_jpeg_base64 }
        }
        LookupResult::NotFound(reason) => LookupOutcome::NotFound { reason },
    }
}

fn describe(reply: &LookupReply) -> (&'static str, String) {
    match &reply.result {
        LookupResult::Found { elements, .. } => ("ok", format!("{} {} elements", reply.code.code(), elements.len())),
        LookupResult::NotFound(_) => ("not_found", reply.code.code().to_owned()),
    }
}

/// `portal_lookup` (display only, a reason is required) or `ikd_lookup`.
pub async fn officer_lookup(
    state: &AppState,
    officer: &Officer,
    mechanism: Mechanism,
    req: LookupRequest,
    request_id: &str,
) -> Result<LookupResponse, AppError> {
    officer.ensure_may_verify()?;
    let nik = parse_nik(&req.nik).map_err(|e| AppError::field("nik", e.message_id(), e.message_en()))?;
    let reason = req.reason.as_deref().map(str::trim).unwrap_or_default();
    if mechanism == Mechanism::PortalLookup && !REASON_CHARS.contains(&reason.chars().count()) {
        return Err(AppError::field(
            "reason",
            "Alasan akses wajib diisi (10–500 karakter).",
            "A reason for the access is required (10–500 characters).",
        ));
    }
    // A textarea: line feeds are allowed, and folded to spaces in the one-line record.
    crate::text::free_text("reason", reason, Lines::Multi)?;
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let caller = Caller::Officer(officer);
    let mut access = Access::begin(state, caller, request_id, mechanism, req.purpose);
    access.nik(state, nik.as_str());
    if !reason.is_empty() {
        // The officer's own words, kept for the auditor; never population data.
        access.record.detail = Some(format!("reason: {reason}"));
    }
    let grant = access.grant(state, caller).await?;
    if !reason.is_empty() {
        access.record.detail = Some(format!("agreement {}; reason: {reason}", grant.agreement.id));
    }
    let upstream = state.dukcapil().lookup(&nik, &grant.elements, mechanism.as_str()).await;
    let reply = access.finish(state, Service::Gateway, upstream, describe).await?;
    Ok(LookupResponse {
        request_id: request_id.to_owned(),
        outcome: outcome(reply),
        watermark: crate::services::access::watermark(state, officer, request_id),
        display_seconds: state.config().server.display_seconds,
    })
}

/// `siasn_lookup`, for the SIASN application only.
pub async fn siasn_lookup(
    state: &AppState,
    client: &ServiceClient,
    req: SiasnLookupRequest,
    request_id: &str,
) -> Result<SiasnLookupResponse, AppError> {
    if client.kind != "siasn" {
        return Err(AppError::Forbidden);
    }
    let nik = parse_nik(&req.nik).map_err(|e| AppError::field("nik", e.message_id(), e.message_en()))?;
    let user = req.siasn_user.trim();
    if user.is_empty() || user.chars().count() > 100 {
        return Err(AppError::field("siasn_user", "Pengguna SIASN wajib diisi.", "The SIASN user is required."));
    }
    crate::text::free_text("siasn_user", user, Lines::Single)?;
    let caller = Caller::Service(client);
    let mut access = Access::begin(state, caller, request_id, Mechanism::SiasnLookup, req.purpose);
    access.nik(state, nik.as_str());
    let grant = access.grant(state, caller).await?;
    access.record.detail = Some(format!("agreement {}; siasn_user: {user}", grant.agreement.id));
    let upstream = state.dukcapil().lookup(&nik, &grant.elements, Mechanism::SiasnLookup.as_str()).await;
    let reply = access.finish(state, Service::Gateway, upstream, describe).await?;
    Ok(SiasnLookupResponse { request_id: request_id.to_owned(), outcome: outcome(reply) })
}
