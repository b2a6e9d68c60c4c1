//! Verify by elements (`CALL_VERIFY_BY_ELEMEN`) under the agreements.

use padan_protocol::{
    v1::{
        Element, ElementVerdict, FieldError, Mechanism, Verdict, VerifyElementsRequest, VerifyElementsResponse,
        VerifyOutcome,
    },
    validate::{CivilDate, Lines, Mismatch, Sex, check_text, nik_agrees_with_claims, parse_kk, parse_nik},
};

use crate::{
    AppState,
    auth::Officer,
    dukcapil::{Service, VerifyReply, VerifyResult},
    error::AppError,
    services::access::{Access, Caller},
};

/// Longest claimed value accepted (Dukcapil's own fields are shorter).
const MAX_VALUE_LEN: usize = 200;

fn field_error(element: Element, id: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError { field: element.wire_name().to_owned(), message: id.into(), message_en: en.into() }
}

fn normalise_label(s: &str) -> String {
    crate::text::name_key(s)
}

/// Checks each claimed value's shape; returns the normalised claims.
fn validate_claims(req: &VerifyElementsRequest) -> Result<Vec<(Element, String)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut claims = Vec::new();
    for (element, value) in req.elements.given() {
        if value.chars().count() > MAX_VALUE_LEN {
            errors.push(field_error(
                element,
                format!("Isian terlalu panjang (maksimal {MAX_VALUE_LEN} karakter)."),
                format!("Too long (at most {MAX_VALUE_LEN} characters)."),
            ));
            continue;
        }
        if let Err(e) = check_text(value.trim(), Lines::Single) {
            errors.push(field_error(element, e.message_id(), e.message_en()));
            continue;
        }
        // Compared by Dukcapil (and against the SIAK labels here) after NFKC:
        // a fullwidth or compatibility form is the same name.
        let value = crate::text::nfkc(value);
        let value = value.as_str();
        let value = match element {
            Element::NoKk => match parse_kk(value) {
                Ok(kk) => kk.as_str().to_owned(),
                Err(e) => {
                    errors.push(field_error(element, e.message_id(), e.message_en()));
                    continue;
                }
            },
            Element::TglLhr => match CivilDate::parse(value) {
                Some(d) => d.iso(),
                None => {
                    errors.push(field_error(
                        element,
                        "Tanggal lahir tidak valid (format tttt-bb-hh).",
                        "Invalid date of birth (format yyyy-mm-dd).",
                    ));
                    continue;
                }
            },
            e if !e.choices().is_empty() => {
                let label = normalise_label(value);
                if !e.choices().contains(&label.as_str()) {
                    errors.push(field_error(
                        element,
                        format!("Pilihan tidak dikenal untuk {}.", e.label_id()),
                        format!("Unknown choice for {}.", e.label_en()),
                    ));
                    continue;
                }
                label
            }
            _ => value.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        claims.push((element, value));
    }
    if errors.is_empty() { Ok(claims) } else { Err(errors) }
}

pub async fn verify_elements(
    state: &AppState,
    officer: &Officer,
    req: VerifyElementsRequest,
    request_id: &str,
) -> Result<VerifyElementsResponse, AppError> {
    officer.ensure_may_verify()?;
    let nik = parse_nik(&req.nik).map_err(|e| AppError::field("nik", e.message_id(), e.message_en()))?;
    let claims = validate_claims(&req).map_err(AppError::Validation)?;

    // Cheap check that saves quota: the NIK encodes birth date and sex.
    if !req.confirm_mismatch {
        let birth = claims.iter().find(|(e, _)| *e == Element::TglLhr).and_then(|(_, v)| CivilDate::parse(v));
        let sex = claims
            .iter()
            .find(|(e, _)| *e == Element::JenisKlmin)
            .map(|(_, v)| if v == "PEREMPUAN" { Sex::Female } else { Sex::Male });
        let mismatches = nik_agrees_with_claims(&nik, birth, sex);
        if !mismatches.is_empty() {
            return Err(AppError::Validation(
                mismatches
                    .into_iter()
                    .map(|m| match m {
                        Mismatch::BirthDate => field_error(
                            Element::TglLhr,
                            "Tanggal lahir tidak cocok dengan yang terkandung dalam NIK. Periksa kembali, atau \
                             konfirmasi untuk tetap mengirim.",
                            "Date of birth disagrees with the NIK. Check it, or confirm to send anyway.",
                        ),
                        Mismatch::Sex => field_error(
                            Element::JenisKlmin,
                            "Jenis kelamin tidak cocok dengan NIK. Periksa kembali, atau konfirmasi untuk tetap \
                             mengirim.",
                            "Sex disagrees with the NIK. Check it, or confirm to send anyway.",
                        ),
                    })
                    .collect(),
            ));
        }
    }

    let caller = Caller::Officer(officer);
    let mut access = Access::begin(state, caller, request_id, Mechanism::VerifyElements, req.purpose);
    access.nik(state, nik.as_str());
    let grant = access.grant(state, caller).await?;
    let (granted, not_granted): (Vec<_>, Vec<_>) = claims.into_iter().partition(|(e, _)| grant.elements.contains(e));
    let not_granted: Vec<Element> = not_granted.into_iter().map(|(e, _)| e).collect();

    let upstream = state.dukcapil().verify_elements(&nik, &granted).await;
    let reply = access.finish(state, Service::Gateway, upstream, audited).await?;
    Ok(VerifyElementsResponse {
        request_id: request_id.to_owned(),
        outcome: outcome(reply.result),
        threshold: state.dukcapil().threshold(),
        not_granted,
    })
}

/// How an element verification is audited: its outcome and verdict codes.
pub(crate) fn audited(reply: &VerifyReply) -> (&'static str, String) {
    let outcome = match reply.result {
        VerifyResult::Found { .. } => "ok",
        VerifyResult::NotFound(_) => "not_found",
    };
    (outcome, verdict_codes(reply.code.code(), &reply.result))
}

/// Dukcapil's answer as the protocol carries it.
pub(crate) fn outcome(result: VerifyResult) -> VerifyOutcome {
    match result {
        VerifyResult::Found { status, verdicts } => VerifyOutcome::Found {
            status,
            verdicts: verdicts
                .into_iter()
                .map(|(element, verdict, similarity)| ElementVerdict { element, verdict, similarity })
                .collect(),
        },
        VerifyResult::NotFound(reason) => VerifyOutcome::NotFound { reason },
    }
}

/// Compact verdict codes for the audit trail: `01 NIK:S NAMA_LGKP:S92 TGL_LHR:T`.
pub(crate) fn verdict_codes(code: &str, result: &VerifyResult) -> String {
    let mut out = code.to_owned();
    if let VerifyResult::Found { verdicts, .. } = result {
        for (element, verdict, similarity) in verdicts {
            out.push(' ');
            out.push_str(element.wire_name());
            out.push(':');
            out.push(if *verdict == Verdict::Sesuai { 'S' } else { 'T' });
            if let Some(s) = similarity {
                out.push_str(&s.to_string());
            }
        }
    }
    out
}
