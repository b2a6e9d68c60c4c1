//! `/admin/perjanjian` (agreements: admin and auditor, recording only for
//! admin), `/admin/peringatan` (alerts: admin) and `/admin/pembaca` (the
//! KTP-el reader/SAM registry: admin).

use leptos::prelude::*;
use padan_protocol::v1::{
    AdminAlert, AgreementState, AgreementView, AgreementsResponse, Element, Mechanism, NewAgreementRequest, NewGrant,
    NewReaderRequest, ReaderState, ReaderView, Role,
};
use padan_protocol::validate::{Lines, check_text};

use crate::api;
use crate::components::error_banner::failure_view;
use crate::components::form::{
    TextField, backend_error, field, local_error, local_or_backend, on_success, outcome_view,
};
use crate::components::mechanism::DemoTag;
use crate::components::page::{Page, ResourceView};
use crate::components::table::{Caption, Col, DataTable};
use crate::i18n::{self, Text, tr, use_i18n};
use crate::session::use_auth;

/// Renders its children only for the given roles; others see why not.
#[component]
pub fn RequireRole(allow: fn(Role) -> bool, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show
            when=move || auth.officer().is_some_and(|o| allow(o.role))
            fallback=|| {
                view! {
                    <section class="page">
                        <div id="forbidden" class="panel panel--closed" role="alert">
                            <h1 class="panel__title">{tr(i18n::FORBIDDEN_TITLE)}</h1>
                            <p>{tr(i18n::FORBIDDEN_LEAD)}</p>
                        </div>
                    </section>
                }
            }
        >
            {children()}
        </Show>
    }
}

/// Whether the signed-in officer is an admin: the others only read these pages.
fn is_admin() -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let auth = use_auth();
    move || auth.officer().is_some_and(|o| o.role == Role::Admin)
}

fn state_info(state: AgreementState) -> (&'static str, Text, &'static str) {
    match state {
        AgreementState::Active => ("active", i18n::STATE_ACTIVE, "badge badge--ok"),
        AgreementState::Expiring => ("expiring", i18n::STATE_EXPIRING, "badge badge--warn"),
        AgreementState::Expired => ("expired", i18n::STATE_EXPIRED, "badge badge--bad"),
        AgreementState::NotYetValid => ("not_yet_valid", i18n::STATE_NOT_YET_VALID, "badge"),
        AgreementState::Terminated => ("terminated", i18n::STATE_TERMINATED, "badge badge--bad"),
    }
}

#[component]
pub fn Agreements() -> impl IntoView {
    let can_edit = is_admin();
    let data = LocalResource::new(api::agreements);
    view! {
        <Page title_id="agreements-title" title=i18n::AGREEMENTS_TITLE lead=i18n::AGREEMENTS_LEAD>
            <ResourceView resource=data error_id="agreements-error" let:response>
                <AgreementsTable response=response.clone() />
                {can_edit().then(|| view! { <AgreementForm response=response on_saved=move || data.refetch() /> })}
            </ResourceView>
        </Page>
    }
}

const AGREEMENT_COLUMNS: &[Col] = &[
    Col::Text(i18n::COL_AGREEMENT),
    Col::Text(i18n::COL_VALIDITY),
    Col::Text(i18n::COL_STATE),
    Col::Text(i18n::COL_DAYS_LEFT),
    Col::Hidden(i18n::DETAILS),
];

#[component]
fn AgreementsTable(response: AgreementsResponse) -> impl IntoView {
    let i18n = use_i18n();
    let expanded = RwSignal::new(None::<i64>);
    let today = response.today.clone();
    view! {
        <p class="muted">{tr(i18n::TODAY)} ": " {move || i18n::format_date(&today, i18n.lang())}</p>
        <DataTable
            id="agreements-table"
            class="result-table agreements-table"
            caption=Caption::Hidden(i18n::AGREEMENTS_TITLE)
            columns=AGREEMENT_COLUMNS
            rows=response.agreements
            row=move |a| view! { <AgreementRow agreement=a expanded=expanded /> }
        />
    }
}

#[component]
fn AgreementRow(agreement: AgreementView, expanded: RwSignal<Option<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = agreement.id;
    let (state, state_text, badge) = state_info(agreement.state);
    let is_open = move || expanded.get() == Some(id);
    let detail_id = format!("agreement-detail-{}", agreement.code);
    let (signed, until) = (agreement.signed_on.clone(), agreement.valid_until.clone());
    let days = agreement.days_left;
    let has_discrepancies = !agreement.discrepancies.is_empty();
    view! {
        <tr data-code=agreement.code.clone() data-state=state class:row--warning=has_discrepancies>
            <th scope="row">
                {agreement.demo.then(|| view! { <DemoTag /> })}
                <span class="agreement__title">{agreement.title.clone()}</span>
                <br />
                <span class="muted">{agreement.numbers.clone()} " · " <code>{agreement.code.clone()}</code></span>
            </th>
            <td>
                {move || i18n::format_date(&signed, i18n.lang())}
                " – "
                {move || i18n::format_date(&until, i18n.lang())}
            </td>
            <td>
                <span class=badge>{tr(state_text)}</span>
            </td>
            <td>{move || if days >= 0 { format!("{days} {}", i18n.t(i18n::EXPIRES_SOON_DAYS)) } else { "—".into() }}</td>
            <td>
                <button
                    type="button"
                    class="button button--ghost"
                    aria-expanded=move || is_open().to_string()
                    aria-controls=detail_id.clone()
                    on:click=move |_| expanded.update(|e| *e = if *e == Some(id) { None } else { Some(id) })
                >
                    {move || if is_open() { i18n.t(i18n::HIDE_DETAILS) } else { i18n.t(i18n::DETAILS) }}
                </button>
            </td>
        </tr>
        <Show when=is_open>
            <tr id=detail_id.clone() class="agreement-detail">
                <td colspan="5">
                    <AgreementDetail agreement=agreement.clone() />
                </td>
            </tr>
        </Show>
    }
}

#[component]
fn AgreementDetail(agreement: AgreementView) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {(!agreement.discrepancies.is_empty())
            .then(|| {
                view! {
                    <div class="alert alert--warning discrepancies" role="note">
                        <p class="alert__title">{tr(i18n::DISCREPANCIES)}</p>
                        <ul>{agreement.discrepancies.iter().map(|d| view! { <li>{d.clone()}</li> }).collect_view()}</ul>
                    </div>
                }
            })}
        <DataTable
            class="result-table grants-table"
            caption=Caption::Shown(i18n::GRANTS)
            columns=GRANT_COLUMNS
            rows=agreement.grants
            row=move |g| {
                let m = g.mechanism;
                let elements = g.elements.clone();
                view! {
                    <tr data-mechanism=m.as_str()>
                        <th scope="row">{tr(i18n::mechanism_label(m))}</th>
                        <td>{g.client}</td>
                        <td>{g.clause}</td>
                        <td>
                            {move || {
                                elements
                                    .iter()
                                    .map(|e| i18n.lang().pick(e.label_id(), e.label_en()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }}
                        </td>
                    </tr>
                }
            }
        />
    }
}

const GRANT_COLUMNS: &[Col] = &[
    Col::Text(i18n::COL_MECHANISM),
    Col::Text(i18n::COL_CLIENT),
    Col::Text(i18n::COL_CLAUSE),
    Col::Text(i18n::COL_ELEMENTS),
];

#[component]
fn AgreementForm(response: AgreementsResponse, on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let numbers = RwSignal::new(String::new());
    let signed_on = RwSignal::new(String::new());
    let valid_until = RwSignal::new(String::new());
    let extends = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<(Mechanism, Element)>::new());
    let clauses = StoredValue::new(Mechanism::ALL.map(|_| RwSignal::new(String::new())));
    let known = response.known_elements.clone();

    let save = Action::new_local(|request: &NewAgreementRequest| api::create_agreement(request.clone()));
    let pending = save.pending();
    let outcome = save.value();
    on_success(outcome, on_saved);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let texts = [code, title, numbers].into_iter().chain(clauses.with_value(|c| c.to_vec()));
        if texts.into_iter().any(|t| t.with_untracked(|v| check_text(v.trim(), Lines::Single).is_err())) {
            return;
        }
        let extends = extends.get_untracked().parse::<i64>().ok();
        let grants = if extends.is_some() {
            Vec::new()
        } else {
            let chosen = chosen.get_untracked();
            Mechanism::ALL
                .iter()
                .enumerate()
                .filter_map(|(i, &m)| {
                    let elements: Vec<Element> = chosen.iter().filter(|(cm, _)| *cm == m).map(|(_, e)| *e).collect();
                    (!elements.is_empty()).then(|| NewGrant {
                        mechanism: m,
                        client: if m == Mechanism::SiasnLookup { "siasn" } else { "officer" }.to_owned(),
                        clause: clauses.with_value(|c| c[i].get_untracked()),
                        elements,
                    })
                })
                .collect()
        };
        save.dispatch(NewAgreementRequest {
            code: code.get_untracked(),
            title: title.get_untracked(),
            numbers: numbers.get_untracked(),
            signed_on: signed_on.get_untracked(),
            valid_until: valid_until.get_untracked(),
            extends,
            grants,
        });
    };

    // The shared character rule as the admin types, then the backend's answer.
    let text_field =
        move |id: &'static str, field: &'static str, label: Text, input_type: &'static str, value: RwSignal<String>| {
            let error = local_or_backend(value, backend_error(outcome, field));
            view! { <TextField id=id label=label value=value error=error input_type=input_type /> }
        };

    view! {
        <form id="agreement-form" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(i18n::AGREEMENT_FORM_TITLE)}</h2>
            <p class="field__hint">{tr(i18n::AGREEMENT_FORM_HINT)}</p>
            {field(
                "agreement-extends",
                i18n::EXTENDS_LABEL,
                None,
                backend_error(outcome, "extends"),
                false,
                move |aria| {
                    view! {
                        <select
                            id="agreement-extends"
                            class="select"
                            aria-describedby=aria.described_by()
                            on:change=move |ev| extends.set(event_target_value(&ev))
                        >
                            <option value="" prop:selected=move || extends.with(String::is_empty)>
                                {tr(i18n::NEW_AGREEMENT)}
                            </option>
                            {response
                                .agreements
                                .iter()
                                .map(|a| {
                                    let value = a.id.to_string();
                                    let v2 = value.clone();
                                    view! {
                                        <option value=value prop:selected=move || extends.with(|e| *e == v2)>
                                            {format!("{} — {}", a.code, a.title)}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
                },
            )}
            <div class="grid">
                {text_field("agreement-code", "code", i18n::AGREEMENT_CODE, "text", code)}
                {text_field("agreement-numbers", "numbers", i18n::AGREEMENT_NUMBERS, "text", numbers)}
            </div>
            {text_field("agreement-title", "title", i18n::AGREEMENT_TITLE_LABEL, "text", title)}
            <div class="grid">
                {text_field("agreement-signed-on", "signed_on", i18n::SIGNED_ON, "date", signed_on)}
                {text_field("agreement-valid-until", "valid_until", i18n::VALID_UNTIL_LABEL, "date", valid_until)}
            </div>
            <Show
                when=move || extends.with(String::is_empty)
                fallback=|| view! { <p class="note">{tr(i18n::GRANTS_COPIED)}</p> }
            >
                {
                    let known = known.clone();
                    move || {
                        Mechanism::ALL
                            .iter()
                            .enumerate()
                            .map(|(i, &m)| {
                                let clause = clauses.with_value(|c| c[i]);
                                let clause_id = format!("grant-{}-clause", m.as_str());
                                view! {
                                    <fieldset class="fieldset grant-fieldset">
                                        <legend class="fieldset__legend">{tr(i18n::mechanism_label(m))}</legend>
                                        <TextField id=clause_id label=i18n::COL_CLAUSE value=clause error=local_error(clause) />
                                        <div class="checks">
                                            {known
                                                .iter()
                                                .map(|&e| {
                                                    let id = format!("grant-{}-{}", m.as_str(), e.wire_name());
                                                    view! {
                                                        <div class="checkbox">
                                                            <input
                                                                id=id.clone()
                                                                type="checkbox"
                                                                class="checkbox__input"
                                                                prop:checked=move || chosen.with(|c| c.contains(&(m, e)))
                                                                on:change=move |ev| {
                                                                    let on = event_target_checked(&ev);
                                                                    chosen
                                                                        .update(|c| {
                                                                            c.retain(|x| *x != (m, e));
                                                                            if on {
                                                                                c.push((m, e));
                                                                            }
                                                                        });
                                                                }
                                                            />
                                                            <label class="checkbox__label" for=id>
                                                                {move || i18n.lang().pick(e.label_id(), e.label_en())}
                                                            </label>
                                                        </div>
                                                    }
                                                })
                                                .collect_view()}
                                        </div>
                                    </fieldset>
                                }
                            })
                            .collect_view()
                    }
                }
            </Show>
            <div class="actions">
                <button id="agreement-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                    {tr(i18n::SAVE_AGREEMENT)}
                </button>
            </div>
            {outcome_view(outcome, "agreement-saved", "agreement-error", i18n::AGREEMENT_SAVED, |a| a.code)}
        </form>
    }
}

#[component]
pub fn Alerts() -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(api::alerts);
    let resolve = Action::new_local(|id: &i64| api::resolve_alert(*id));
    let resolved = resolve.value();
    Effect::new(move |_| {
        if resolved.read().is_some() {
            data.refetch();
        }
    });
    view! {
        <Page title_id="alerts-title" title=i18n::ALERTS_TITLE lead=i18n::ALERTS_LEAD>
            {move || resolved.get().and_then(Result::err).map(|failure| failure_view("alerts-error", failure))}
            <ResourceView resource=data error_id="alerts-error" let:response>
                <p id="quota-remaining" class="agreement">
                    {tr(i18n::QUOTA_REMAINING)}
                    ": "
                    <strong>
                        {move || match response.quota_remaining {
                            Some(q) => q.to_string(),
                            None => i18n.t(i18n::UNKNOWN).to_owned(),
                        }}
                    </strong>
                </p>
                <AlertsTable
                    alerts=response.alerts
                    resolve=move |id| {
                        resolve.dispatch(id);
                    }
                />
            </ResourceView>
        </Page>
    }
}

const ALERT_COLUMNS: &[Col] = &[
    Col::Text(i18n::COL_TIME),
    Col::Text(i18n::COL_KIND),
    Col::Text(i18n::COL_CODE),
    Col::Text(i18n::COL_MESSAGE),
    Col::Text(i18n::COL_COUNT),
    Col::Hidden(i18n::RESOLVE),
];

#[component]
fn AlertsTable(alerts: Vec<AdminAlert>, resolve: impl Fn(i64) + Copy + 'static) -> impl IntoView {
    view! {
        <DataTable
            id="alerts-table"
            caption=Caption::Hidden(i18n::ALERTS_TITLE)
            columns=ALERT_COLUMNS
            empty=i18n::NO_ALERTS
            rows=alerts
            row=move |a| {
                let id = a.id;
                let kind = a.kind.clone();
                view! {
                    <tr data-alert=id data-kind=kind>
                        <td>{a.at}</td>
                        <td>{a.kind}</td>
                        <td>{a.code.unwrap_or_default()}</td>
                        <td>{a.message}</td>
                        <td>{a.count}</td>
                        <td>
                            <button
                                type="button"
                                class="button button--secondary"
                                data-resolve=id
                                on:click=move |_| resolve(id)
                            >
                                {tr(i18n::RESOLVE)}
                            </button>
                        </td>
                    </tr>
                }
            }
        />
    }
}

fn reader_state_info(state: ReaderState) -> (&'static str, Text, &'static str) {
    match state {
        ReaderState::Active => ("active", i18n::READER_ACTIVE, "badge badge--ok"),
        ReaderState::NotYetValid => ("not_yet_valid", i18n::STATE_NOT_YET_VALID, "badge"),
        ReaderState::Expired => ("expired", i18n::STATE_EXPIRED, "badge badge--bad"),
        ReaderState::Deactivated => ("deactivated", i18n::READER_DEACTIVATED, "badge badge--bad"),
    }
}

#[component]
pub fn Readers() -> impl IntoView {
    let can_edit = is_admin();
    let data = LocalResource::new(api::readers);
    view! {
        <Page title_id="readers-title" title=i18n::READERS_TITLE lead=i18n::READERS_LEAD>
            <ResourceView resource=data error_id="readers-error" let:readers>
                <ReadersTable readers=readers />
            </ResourceView>
            {move || can_edit().then(|| view! { <ReaderForm on_saved=move || data.refetch() /> })}
        </Page>
    }
}

const READER_COLUMNS: &[Col] = &[
    Col::Text(i18n::COL_READER_SERIAL),
    Col::Text(i18n::COL_SAM_SERIAL),
    Col::Text(i18n::COL_OFFICE),
    Col::Text(i18n::COL_ACTIVATION_UNTIL),
    Col::Text(i18n::COL_STATE),
    Col::Text(i18n::COL_REASON),
];

#[component]
fn ReadersTable(readers: Vec<ReaderView>) -> impl IntoView {
    view! {
        <DataTable
            id="readers-table"
            caption=Caption::Hidden(i18n::READERS_TITLE)
            columns=READER_COLUMNS
            empty=i18n::NO_READERS
            rows=readers
            row=|r| {
                let (state, state_text, badge) = reader_state_info(r.state);
                let serial = r.reader_serial.clone();
                view! {
                    <tr data-reader=serial data-state=state>
                        <th scope="row">
                            <code>{r.reader_serial}</code>
                        </th>
                        <td>
                            <code>{r.sam_serial}</code>
                        </td>
                        <td>{r.office_code}</td>
                        <td>
                            {match r.valid_until {
                                Some(until) => until.into_any(),
                                None => view! { <span class="muted">{tr(i18n::UNKNOWN)}</span> }.into_any(),
                            }}
                        </td>
                        <td>
                            <span class=badge>{tr(state_text)}</span>
                        </td>
                        // The backend words the reason in Bahasa Indonesia only.
                        <td lang="id">{r.reason.unwrap_or_default()}</td>
                    </tr>
                }
            }
        />
    }
}

#[component]
fn ReaderForm(on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let reader_serial = RwSignal::new(String::new());
    let office_code = RwSignal::new(String::new());
    let activation_record = RwSignal::new(String::new());

    let save = Action::new_local(|request: &NewReaderRequest| api::register_reader(request.clone()));
    let pending = save.pending();
    let outcome = save.value();
    on_success(outcome, on_saved);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        save.dispatch(NewReaderRequest {
            reader_serial: reader_serial.get_untracked(),
            office_code: office_code.get_untracked(),
            activation_record: activation_record.get_untracked(),
        });
    };

    let field = move |id: &'static str, field: &'static str, label: Text, value: RwSignal<String>, rows: Option<u8>| {
        let error = backend_error(outcome, field);
        match rows {
            Some(rows) => view! { <TextField id=id label=label value=value error=error rows=rows /> }.into_any(),
            None => view! { <TextField id=id label=label value=value error=error /> }.into_any(),
        }
    };

    view! {
        <form id="reader-form" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(i18n::READER_FORM_TITLE)}</h2>
            <p class="field__hint">{tr(i18n::READER_FORM_HINT)}</p>
            <div class="grid">
                {field("reader-reader-serial", "reader_serial", i18n::COL_READER_SERIAL, reader_serial, None)}
                {field("reader-office-code", "office_code", i18n::OFFICE_CODE, office_code, None)}
            </div>
            {field("reader-activation-record", "activation_record", i18n::ACTIVATION_RECORD, activation_record, Some(4))}
            <div class="actions">
                <button id="reader-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                    {tr(i18n::REGISTER_READER)}
                </button>
            </div>
            {outcome_view(outcome, "reader-saved", "reader-error", i18n::READER_SAVED, |r| r.reader_serial)}
        </form>
    }
}
