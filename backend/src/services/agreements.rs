//! Admin view of the agreements on record, and recording new ones.

use padan_protocol::{
    v1::{AgreementState, AgreementView, AgreementsResponse, Element, GrantView, Mechanism, NewAgreementRequest},
    validate::Lines,
};
use time::Date;

use crate::{
    AppState,
    auth::Officer,
    error::AppError,
    policy::{self, Client, Decision, EXPIRY_WARNING_DAYS},
    store::{
        self,
        agreements::{AgreementRecord, GrantRecord, format_date, parse_date},
    },
};

fn state_of(a: &AgreementRecord, today: Date) -> (AgreementState, i64) {
    let days_left = (a.valid_until - today).whole_days();
    let state = if a.status != "active" {
        AgreementState::Terminated
    } else if today < a.signed_on {
        AgreementState::NotYetValid
    } else if days_left < 0 {
        AgreementState::Expired
    } else if days_left <= EXPIRY_WARNING_DAYS {
        AgreementState::Expiring
    } else {
        AgreementState::Active
    };
    (state, days_left)
}

/// Discrepancies between clauses, evaluated as of the agreement's own term.
fn discrepancies(a: &AgreementRecord) -> Vec<String> {
    let mut out = Vec::new();
    let one = std::slice::from_ref(a);
    for mechanism in Mechanism::ALL {
        for client in [Client::Officer, Client::Siasn] {
            if let Decision::Open(g) = policy::decide(one, a.signed_on, client, mechanism) {
                out.extend(g.discrepancies.into_iter().map(|d| format!("{}: {d}", mechanism.label_id())));
            }
        }
    }
    out
}

pub fn view(a: &AgreementRecord, today: Date) -> AgreementView {
    let (state, days_left) = state_of(a, today);
    AgreementView {
        id: a.id,
        code: a.code.clone(),
        title: a.title.clone(),
        numbers: a.numbers.clone(),
        signed_on: format_date(a.signed_on),
        valid_until: format_date(a.valid_until),
        state,
        days_left,
        demo: a.demo,
        grants: a
            .grants
            .iter()
            .map(|g| GrantView {
                mechanism: g.mechanism,
                client: g.client.clone(),
                clause: g.clause.clone(),
                elements: g.elements.clone(),
            })
            .collect(),
        discrepancies: discrepancies(a),
        extends: a.extends,
    }
}

pub fn list(state: &AppState) -> AgreementsResponse {
    let today = state.clock().today();
    AgreementsResponse {
        today: format_date(today),
        agreements: state.agreements().iter().map(|a| view(a, today)).collect(),
        known_elements: Element::ALL.to_vec(),
    }
}

fn bad(field: &str, id: &str, en: &str) -> AppError {
    AppError::field(field, id, en)
}

/// Records a new agreement or an extension; audited; the policy sees it at once.
pub async fn create(
    state: &AppState,
    officer: &Officer,
    req: NewAgreementRequest,
    request_id: &str,
) -> Result<AgreementView, AppError> {
    let code = req.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad(
            "code",
            "Kode: huruf kecil, angka dan tanda hubung (maks. 40).",
            "Code: a-z, 0-9 and '-' (max 40).",
        ));
    }
    if req.title.trim().is_empty() || req.numbers.trim().is_empty() {
        return Err(bad("title", "Judul dan nomor perjanjian wajib diisi.", "Title and numbers are required."));
    }
    crate::text::free_text("title", req.title.trim(), Lines::Single)?;
    crate::text::free_text("numbers", req.numbers.trim(), Lines::Single)?;
    for g in &req.grants {
        crate::text::free_text("grants", g.clause.trim(), Lines::Single)?;
        crate::text::free_text("grants", g.client.trim(), Lines::Single)?;
    }
    let signed_on =
        parse_date(req.signed_on.trim()).map_err(|_| bad("signed_on", "Tanggal tidak valid.", "Invalid date."))?;
    let valid_until =
        parse_date(req.valid_until.trim()).map_err(|_| bad("valid_until", "Tanggal tidak valid.", "Invalid date."))?;
    if valid_until < signed_on {
        return Err(bad(
            "valid_until",
            "Berlaku sampai harus setelah tanggal penandatanganan.",
            "Valid-until must not precede the signing date.",
        ));
    }
    let agreements = state.agreements();
    let mut grants: Vec<GrantRecord> = req
        .grants
        .iter()
        .map(|g| GrantRecord {
            mechanism: g.mechanism,
            client: g.client.trim().to_owned(),
            clause: crate::text::nfkc(g.clause.trim()),
            elements: g.elements.clone(),
        })
        .collect();
    if let Some(base) = req.extends {
        let Some(base) = agreements.iter().find(|a| a.id == base) else {
            return Err(bad(
                "extends",
                "Perjanjian yang diperpanjang tidak ditemukan.",
                "Agreement to extend not found.",
            ));
        };
        if grants.is_empty() {
            grants = base.grants.clone();
        }
    }
    if grants.is_empty() {
        return Err(bad("grants", "Minimal satu hak akses harus dicatat.", "At least one grant is required."));
    }
    for g in &grants {
        let client_ok = match g.mechanism {
            Mechanism::SiasnLookup => g.client == "siasn",
            _ => g.client == "officer",
        };
        if !client_ok {
            return Err(bad(
                "grants",
                "Klien tidak sesuai mekanisme (SIASN hanya untuk siasn).",
                "Client does not fit the mechanism.",
            ));
        }
        if g.elements.is_empty() || g.clause.is_empty() {
            return Err(bad(
                "grants",
                "Setiap hak akses butuh pasal dan elemen.",
                "Every grant needs a clause and elements.",
            ));
        }
    }
    let record = AgreementRecord {
        id: 0,
        code: code.to_owned(),
        title: crate::text::nfkc(req.title.trim()),
        numbers: crate::text::nfkc(req.numbers.trim()),
        signed_on,
        valid_until,
        status: "active".into(),
        demo: false,
        extends: req.extends,
        grants,
    };
    if agreements.iter().any(|a| a.code == record.code) {
        return Err(bad("code", "Kode perjanjian sudah dipakai.", "That agreement code is taken."));
    }
    let pool = state.store().pool();
    let id = store::agreements::insert(pool, &record, state.clock().now_millis()).await?;
    let detail = format!(
        "recorded agreement {id} ({}) valid {} to {}{}",
        record.code,
        format_date(signed_on),
        format_date(valid_until),
        record.extends.map(|e| format!(", extends {e}")).unwrap_or_default()
    );
    crate::audit::append_ok(state, officer, request_id, "agreement_change", detail).await?;
    state.reload_agreements().await?;
    let saved = state.agreements().iter().find(|a| a.id == id).cloned().ok_or(AppError::NotFound)?;
    Ok(view(&saved, state.clock().today()))
}
