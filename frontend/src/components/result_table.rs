//! Verification results: the person's status, one row per element, or a
//! "not found" panel. Everything here is population data: it is marked
//! `data-area` so the print stylesheet blanks it.

use leptos::prelude::*;
use padan_protocol::v1::{
    Element, ElementVerdict, NotFoundReason, PersonStatus, Verdict, VerifyElementsResponse, VerifyOutcome,
};

use crate::components::error_banner::RequestId;
use crate::components::table::{Caption, Col, DataTable};
use crate::i18n::{self, Text, tr, use_i18n};

#[component]
pub fn VerifyResultView(response: VerifyElementsResponse) -> impl IntoView {
    let VerifyElementsResponse { request_id, outcome, threshold, not_granted } = response;
    let body = match outcome {
        VerifyOutcome::Found { status, verdicts } => view! {
            <PersonStatusBanner status=status />
            <VerdictTable verdicts=verdicts threshold=threshold />
        }
        .into_any(),
        VerifyOutcome::NotFound { reason } => {
            view! { <NotFoundPanel id="verify-not-found" reason=reason /> }.into_any()
        }
    };
    view! {
        {body}
        <NotGranted elements=not_granted />
        <RequestId id=request_id />
    }
}

fn status_info(status: PersonStatus) -> (&'static str, Text, Text, &'static str) {
    match status {
        PersonStatus::Aktif => ("aktif", i18n::STATUS_AKTIF, i18n::STATUS_AKTIF_HINT, "status-banner--ok"),
        PersonStatus::Meninggal => {
            ("meninggal", i18n::STATUS_MENINGGAL, i18n::STATUS_MENINGGAL_HINT, "status-banner--critical")
        }
        PersonStatus::DataGanda => {
            ("data_ganda", i18n::STATUS_DATA_GANDA, i18n::STATUS_DATA_GANDA_HINT, "status-banner--critical")
        }
        PersonStatus::NonAktif => {
            ("non_aktif", i18n::STATUS_NON_AKTIF, i18n::STATUS_NON_AKTIF_HINT, "status-banner--warning")
        }
    }
}

#[component]
pub fn PersonStatusBanner(status: PersonStatus) -> impl IntoView {
    let (code, label, hint, modifier) = status_info(status);
    // Anything but "aktif" must not be missed: announce it as an alert.
    let role = if status == PersonStatus::Aktif { "status" } else { "alert" };
    view! {
        <div id="person-status" class=format!("status-banner {modifier}") data-status=code role=role>
            <p class="status-banner__title">
                {tr(i18n::STATUS_LABEL)}
                ": "
                <strong>{tr(label)}</strong>
            </p>
            <p class="status-banner__hint">{tr(hint)}</p>
        </div>
    }
}

const VERDICT_COLUMNS: &[Col] = &[Col::Text(i18n::COL_ELEMENT), Col::Text(i18n::COL_VERDICT)];

#[component]
fn VerdictTable(verdicts: Vec<ElementVerdict>, threshold: u8) -> impl IntoView {
    if verdicts.is_empty() {
        return view! { <p class="muted">{tr(i18n::NO_VERDICTS)}</p> }.into_any();
    }
    let has_fuzzy = verdicts.iter().any(|v| v.element.is_fuzzy() || v.similarity.is_some());
    view! {
        <DataTable
            caption=Caption::Hidden(i18n::RESULT_TITLE)
            columns=VERDICT_COLUMNS
            rows=verdicts
            row=|v| view! { <VerdictRow verdict=v /> }
        />
        {has_fuzzy
            .then(|| {
                view! {
                    <p class="threshold">
                        {tr(i18n::THRESHOLD)}
                        ": "
                        <strong>{format!("{threshold}%")}</strong>
                    </p>
                }
            })}
    }
    .into_any()
}

#[component]
fn VerdictRow(verdict: ElementVerdict) -> impl IntoView {
    let i18n = use_i18n();
    let element = verdict.element;
    let (code, text, badge) = match verdict.verdict {
        Verdict::Sesuai => ("sesuai", i18n::SESUAI, "badge badge--ok"),
        Verdict::TidakSesuai => ("tidak_sesuai", i18n::TIDAK_SESUAI, "badge badge--bad"),
    };
    view! {
        <tr data-element=element.wire_name() data-verdict=code>
            <th scope="row">{move || i18n.lang().pick(element.label_id(), element.label_en())}</th>
            <td>
                <span class=badge>
                    <span class="badge__icon" aria-hidden="true">
                        {if verdict.verdict == Verdict::Sesuai { "✓" } else { "✗" }}
                    </span>
                    {tr(text)}
                </span>
                {verdict.similarity.map(|s| view! { <span class="similarity">{format!(" ({s}%)")}</span> })}
            </td>
        </tr>
    }
}

#[component]
pub fn NotFoundPanel(id: &'static str, reason: NotFoundReason) -> impl IntoView {
    let (code, text) = match reason {
        NotFoundReason::NikTidakTerdaftar => ("nik_tidak_terdaftar", i18n::REASON_NOT_REGISTERED),
        NotFoundReason::FormatNikTidakSesuai => ("format_nik_tidak_sesuai", i18n::REASON_BAD_FORMAT),
        NotFoundReason::NikTidakDapatDiproses => ("nik_tidak_dapat_diproses", i18n::REASON_UNPROCESSABLE),
    };
    view! {
        <div id=id class="panel panel--warning" role="alert" data-reason=code>
            <h3 class="panel__title">{tr(i18n::NOT_FOUND_TITLE)}</h3>
            <p>{tr(text)}</p>
            <p class="muted">{tr(i18n::NOT_FOUND_HINT)}</p>
        </div>
    }
}

#[component]
fn NotGranted(elements: Vec<Element>) -> impl IntoView {
    let i18n = use_i18n();
    (!elements.is_empty()).then(|| {
        view! {
            <div class="note">
                <p>{tr(i18n::NOT_GRANTED)}</p>
                <ul>
                    {elements
                        .into_iter()
                        .map(|e| view! { <li>{move || i18n.lang().pick(e.label_id(), e.label_en())}</li> })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}
