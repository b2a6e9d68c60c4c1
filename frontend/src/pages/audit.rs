//! `/audit`: the audit trail for auditors, supervisors (their own office,
//! enforced by the backend) and admins: filters, the matching records, a
//! CSV download, and the misuse signals with the records behind each.
//!
//! A NIK typed as a filter is sent once to the backend (which turns it into
//! the keyed token) and never shown back; the CSV is fetched and handed to
//! the browser as a download, so no URL with a NIK lands in the history.

use leptos::prelude::*;
use padan_protocol::v1::{AuditEntry, MisuseSignal};
use padan_protocol::validate::{Lines, check_text};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::error_banner::failure_view;
use crate::components::form::{TextField, field, local_error};
use crate::components::page::{Page, ResourceView};
use crate::components::table::{Caption, Col, DataTable};
use crate::i18n::{Text, text as t, tr, use_i18n};

const TITLE: Text = t("Jejak Audit", "Audit trail");
const LEAD: Text = t(
    "Siapa mengakses data siapa, kapan, untuk apa, dan hasilnya. Membuka jejak ini juga tercatat.",
    "Who accessed whose data, when, why, and the outcome. Opening this trail is itself recorded.",
);
const OFFICER: Text = t("Petugas (nama pengguna)", "Officer (username)");
const OFFICE: Text = t("Kantor", "Office");
const MECHANISM: Text = t("Mekanisme", "Mechanism");
const PURPOSE: Text = t("Keperluan", "Purpose");
const OUTCOME: Text = t("Hasil", "Outcome");
const EVENT: Text = t("Peristiwa", "Event");
const NIK: Text = t("NIK (dicari melalui token, tidak ditampilkan)", "NIK (matched by token, never shown)");
const FROM: Text = t("Dari tanggal", "From");
const TO: Text = t("Sampai tanggal", "To");
const ANY: Text = t("Semua", "Any");
const SEARCH: Text = t("Tampilkan", "Show");
const CSV: Text = t("Unduh CSV", "Download CSV");
const OLDER: Text = t("Lebih lama", "Older");
const NONE: Text = t("Tidak ada rekaman yang cocok.", "No matching records.");
const SCOPE: Text = t("Hanya kantor Anda", "Your office only");
const TIME: Text = t("Waktu", "Time");
const NIK_TOKEN: Text = t("Token NIK", "NIK token");
const DETAIL: Text = t("Keterangan", "Detail");
const SIGNALS: Text = t("Sinyal penyalahgunaan", "Misuse signals");
const SIGNALS_NONE: Text = t("Tidak ada sinyal dalam periode ini.", "No signals in this period.");
const SHOW_RECORDS: Text = t("Lihat rekaman", "Show records");
const PERIOD: Text = t("Periode", "Period");

const MECHANISMS: [&str; 5] = ["verify_elements", "face_match", "portal_lookup", "ikd_lookup", "siasn_lookup"];
const PURPOSES: [&str; 5] = ["data_casn_asn", "pelamar_casn", "pelamar_jpt", "pejabat_non_asn", "pensiunan_asn"];
const OUTCOMES: [&str; 5] = ["ok", "denied", "upstream_error", "not_found", "locked"];

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

#[derive(Clone, Copy)]
struct Filters {
    officer: RwSignal<String>,
    office: RwSignal<String>,
    mechanism: RwSignal<String>,
    purpose: RwSignal<String>,
    outcome: RwSignal<String>,
    event: RwSignal<String>,
    nik: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl Filters {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Self {
            officer: s(),
            office: s(),
            mechanism: s(),
            purpose: s(),
            outcome: s(),
            event: s(),
            nik: s(),
            from: s(),
            to: s(),
        }
    }

    /// Whether a filter holds a character the backend refuses.
    fn has_bad_text(&self) -> bool {
        [
            self.officer,
            self.office,
            self.mechanism,
            self.purpose,
            self.outcome,
            self.event,
            self.nik,
            self.from,
            self.to,
        ]
        .iter()
        .any(|v| v.with_untracked(|v| check_text(v.trim(), Lines::Single).is_err()))
    }

    fn query(&self) -> String {
        [
            ("officer", self.officer),
            ("office", self.office),
            ("mechanism", self.mechanism),
            ("purpose", self.purpose),
            ("outcome", self.outcome),
            ("event", self.event),
            ("nik", self.nik),
            ("from", self.from),
            ("to", self.to),
        ]
        .iter()
        .filter_map(|(k, v)| {
            let v = v.get_untracked();
            let v = v.trim();
            (!v.is_empty()).then(|| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Hands `csv` to the browser as a file download.
fn download(csv: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(csv));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence(&parts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(a) = document.create_element("a") {
            let _ = a.set_attribute("href", &url);
            let _ = a.set_attribute("download", "padan-audit.csv");
            if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
                a.click();
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[component]
pub fn Audit() -> impl IntoView {
    let filters = Filters::new();
    // The query last asked for, and the page within it.
    let query = RwSignal::new(String::new());
    let before = RwSignal::new(None::<i64>);
    let records = LocalResource::new(move || {
        let mut q = query.get();
        if let Some(id) = before.get() {
            q.push_str(&format!("&before_id={id}"));
        }
        async move { api::audit_records(&q).await }
    });
    let signals = LocalResource::new(api::audit_signals);
    let csv = Action::new_local(|q: &String| {
        let q = q.clone();
        async move { api::audit_csv(&q).await.map(|text| download(&text)) }
    });
    let search = move || {
        if filters.has_bad_text() {
            return;
        }
        before.set(None);
        query.set(filters.query());
    };
    let show_ids = move |ids: Vec<i64>| {
        before.set(None);
        query.set(format!("ids={}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")));
    };

    view! {
        <Page title_id="audit-title" title=TITLE lead=LEAD>
            <SignalsPanel signals=signals show_ids=show_ids />
            <form
                id="audit-filters"
                class="form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    search();
                }
            >
                <div class="grid">
                    <TextFilter id="audit-officer" label=OFFICER value=filters.officer />
                    <TextFilter id="audit-office" label=OFFICE value=filters.office />
                    <ChoiceFilter id="audit-mechanism" label=MECHANISM value=filters.mechanism options=&MECHANISMS />
                    <ChoiceFilter id="audit-purpose" label=PURPOSE value=filters.purpose options=&PURPOSES />
                    <ChoiceFilter id="audit-outcome" label=OUTCOME value=filters.outcome options=&OUTCOMES />
                    <TextFilter id="audit-event" label=EVENT value=filters.event />
                    <TextFilter id="audit-nik" label=NIK value=filters.nik input_type="text" />
                    <TextFilter id="audit-from" label=FROM value=filters.from input_type="date" />
                    <TextFilter id="audit-to" label=TO value=filters.to input_type="date" />
                </div>
                <div class="actions">
                    <button id="audit-search" type="submit" class="button button--primary">{tr(SEARCH)}</button>
                    <button
                        id="audit-csv"
                        type="button"
                        class="button"
                        disabled=move || csv.pending().get()
                        on:click=move |_| {
                            if !filters.has_bad_text() {
                                csv.dispatch(filters.query());
                            }
                        }
                    >
                        {tr(CSV)}
                    </button>
                </div>
            </form>
            {move || csv.value().get().and_then(Result::err).map(|failure| failure_view("audit-csv-error", failure))}
            <ResourceView resource=records error_id="audit-error" let:page>
                {page
                    .office_scope
                    .map(|office| {
                        view! {
                            <p id="audit-scope" class="agreement">
                                {tr(SCOPE)} ": " <strong>{office}</strong>
                            </p>
                        }
                    })}
                <RecordsTable records=page.records />
                {page
                    .next_before_id
                    .map(|id| {
                        view! {
                            <div class="actions">
                                <button id="audit-older" type="button" class="button" on:click=move |_| before.set(Some(id))>
                                    {tr(OLDER)}
                                </button>
                            </div>
                        }
                    })}
            </ResourceView>
        </Page>
    }
}

/// A free-text filter, checked with the backend's character rule as the auditor types.
#[component]
fn TextFilter(
    id: &'static str,
    label: Text,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
) -> impl IntoView {
    view! { <TextField id=id label=label value=value error=local_error(value) input_type=input_type /> }
}

#[component]
fn ChoiceFilter(
    id: &'static str,
    label: Text,
    value: RwSignal<String>,
    options: &'static [&'static str],
) -> impl IntoView {
    field(id, label, None, Signal::default(), false, move |aria| {
        view! {
            <select
                id=id
                class="select"
                aria-describedby=aria.described_by()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{tr(ANY)}</option>
                {options.iter().map(|o| view! { <option value=*o>{*o}</option> }).collect_view()}
            </select>
        }
    })
}

const RECORD_COLUMNS: &[Col] = &[
    Col::Fixed("#"),
    Col::Text(TIME),
    Col::Text(EVENT),
    Col::Text(OFFICER),
    Col::Text(OFFICE),
    Col::Text(MECHANISM),
    Col::Text(PURPOSE),
    Col::Text(NIK_TOKEN),
    Col::Text(OUTCOME),
    Col::Text(DETAIL),
];

#[component]
fn RecordsTable(records: Vec<AuditEntry>) -> impl IntoView {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    view! {
        <DataTable
            id="audit-table"
            caption=Caption::Hidden(TITLE)
            columns=RECORD_COLUMNS
            empty=NONE
            rows=records
            row=move |r| {
                let token = r.nik_token.map(|t| format!("{}…", t.chars().take(12).collect::<String>()));
                let detail = match (r.verdicts, r.detail) {
                    (Some(v), Some(d)) => format!("{v} · {d}"),
                    (v, d) => v.or(d).unwrap_or_else(|| "–".into()),
                };
                view! {
                    <tr class="audit-row">
                        <td>{r.seq.map(|s| s.to_string()).unwrap_or_else(|| "–".into())}</td>
                        <td>{r.at}</td>
                        <td>{r.event}</td>
                        <td>{opt(r.officer)}</td>
                        <td>{opt(r.office)}</td>
                        <td>{opt(r.mechanism)}</td>
                        <td>{opt(r.purpose)}</td>
                        <td><code>{opt(token)}</code></td>
                        <td>{r.outcome}</td>
                        <td>{detail} " · " <small>{r.request_id}</small></td>
                    </tr>
                }
            }
        />
    }
}

#[component]
fn SignalsPanel(
    signals: LocalResource<Result<padan_protocol::v1::SignalsResponse, api::ApiFailure>>,
    show_ids: impl Fn(Vec<i64>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section id="audit-signals" class="panel" aria-labelledby="audit-signals-title">
            <h2 id="audit-signals-title" class="panel__title">{tr(SIGNALS)}</h2>
            <ResourceView resource=signals error_id="audit-signals-error" let:response>
                {
                    let list: Vec<MisuseSignal> = response.signals;
                    view! {
                        <p class="field__hint">
                            {tr(PERIOD)} ": " {response.from} " – " {response.to}
                        </p>
                        {list.is_empty().then(|| view! { <p id="audit-signals-none">{tr(SIGNALS_NONE)}</p> })}
                        <ul class="signal-list">
                            {list
                                .into_iter()
                                .map(|s| {
                                    let ids = s.record_ids.clone();
                                    let kind = s.kind.clone();
                                    view! {
                                        <li class="signal" data-kind=kind>
                                            <strong>{s.kind}</strong>
                                            " · "
                                            {s.office}
                                            " · "
                                            {s.message}
                                            " "
                                            <button
                                                type="button"
                                                class="button button--small"
                                                on:click=move |_| show_ids(ids.clone())
                                            >
                                                {move || i18n.t(SHOW_RECORDS)}
                                                " ("
                                                {s.count}
                                                ")"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                }
            </ResourceView>
        </section>
    }
}
