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
use crate::components::error_banner::{ErrorBanner, failure_view, loading};
use crate::components::form::{field_error, text_error};
use crate::components::mechanism::DemoTag;
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
    let auth = use_auth();
    let can_edit = move || auth.officer().is_some_and(|o| o.role == Role::Admin);
    let data = LocalResource::new(api::agreements);
    view! {
        <section class="page" aria-labelledby="agreements-title">
            <h1 id="agreements-title">{tr(i18n::AGREEMENTS_TITLE)}</h1>
            <p class="lead">{tr(i18n::AGREEMENTS_LEAD)}</p>
            <Suspense fallback=loading>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(response) => {
                                view! {
                                    <AgreementsTable response=response.clone() />
                                    {can_edit()
                                        .then(|| {
                                            view! {
                                                <AgreementForm
                                                    response=response
                                                    on_saved=move || data.refetch()
                                                />
                                            }
                                        })}
                                }
                                    .into_any()
                            }
                            Err(failure) => failure_view("agreements-error", failure),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn AgreementsTable(response: AgreementsResponse) -> impl IntoView {
    let i18n = use_i18n();
    let expanded = RwSignal::new(None::<i64>);
    let today = response.today.clone();
    view! {
        <p class="muted">{tr(i18n::TODAY)} ": " {move || i18n::format_date(&today, i18n.lang())}</p>
        <table id="agreements-table" class="result-table agreements-table">
            <caption class="visually-hidden">{tr(i18n::AGREEMENTS_TITLE)}</caption>
            <thead>
                <tr>
                    <th scope="col">{tr(i18n::COL_AGREEMENT)}</th>
                    <th scope="col">{tr(i18n::COL_VALIDITY)}</th>
                    <th scope="col">{tr(i18n::COL_STATE)}</th>
                    <th scope="col">{tr(i18n::COL_DAYS_LEFT)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{tr(i18n::DETAILS)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {response
                    .agreements
                    .into_iter()
                    .map(|a| view! { <AgreementRow agreement=a expanded=expanded /> })
                    .collect_view()}
            </tbody>
        </table>
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
        <table class="result-table grants-table">
            <caption>{tr(i18n::GRANTS)}</caption>
            <thead>
                <tr>
                    <th scope="col">{tr(i18n::COL_MECHANISM)}</th>
                    <th scope="col">{tr(i18n::COL_CLIENT)}</th>
                    <th scope="col">{tr(i18n::COL_CLAUSE)}</th>
                    <th scope="col">{tr(i18n::COL_ELEMENTS)}</th>
                </tr>
            </thead>
            <tbody>
                {agreement
                    .grants
                    .into_iter()
                    .map(|g| {
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
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

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
    Effect::new(move |_| {
        if matches!(&*outcome.read(), Some(Ok(_))) {
            on_saved();
        }
    });

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

    let text_field = move |id: &'static str,
                           field: &'static str,
                           label: Text,
                           kind: &'static str,
                           value: RwSignal<String>| {
        let error_id = format!("{id}-error");
        // The shared character rule as the admin types, then the backend's answer.
        let error = move || {
            value
                .with(|v| text_error(v, Lines::Single, i18n.lang()))
                .or_else(|| outcome.with(|o| field_error(o, field, i18n.lang())))
        };
        view! {
            <div class="field" class:field--error=move || error().is_some()>
                <label class="field__label" for=id>{tr(label)}</label>
                {move || error().map(|e| view! { <p id=error_id.clone() class="field__error" role="alert">{e}</p> })}
                <input
                    id=id
                    class="input"
                    type=kind
                    autocomplete="off"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </div>
        }
    };

    view! {
        <form id="agreement-form" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(i18n::AGREEMENT_FORM_TITLE)}</h2>
            <p class="field__hint">{tr(i18n::AGREEMENT_FORM_HINT)}</p>
            <div class="field">
                <label class="field__label" for="agreement-extends">{tr(i18n::EXTENDS_LABEL)}</label>
                {move || {
                    field_error(&outcome.get(), "extends", i18n.lang())
                        .map(|e| view! { <p id="agreement-extends-error" class="field__error" role="alert">{e}</p> })
                }}
                <select id="agreement-extends" class="select" on:change=move |ev| extends.set(event_target_value(&ev))>
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
            </div>
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
                                let clause_error_id = format!("{clause_id}-error");
                                let clause_error = move || clause.with(|v| text_error(v, Lines::Single, i18n.lang()));
                                view! {
                                    <fieldset class="fieldset grant-fieldset">
                                        <legend class="fieldset__legend">{tr(i18n::mechanism_label(m))}</legend>
                                        <div class="field" class:field--error=move || clause_error().is_some()>
                                            <label class="field__label" for=clause_id.clone()>{tr(i18n::COL_CLAUSE)}</label>
                                            {move || {
                                                clause_error()
                                                    .map(|e| {
                                                        view! {
                                                            <p id=clause_error_id.clone() class="field__error" role="alert">
                                                                {e}
                                                            </p>
                                                        }
                                                    })
                                            }}
                                            <input
                                                id=clause_id
                                                class="input"
                                                type="text"
                                                prop:value=move || clause.get()
                                                on:input=move |ev| clause.set(event_target_value(&ev))
                                            />
                                        </div>
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
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(view) => {
                            view! {
                                <div id="agreement-saved" class="alert alert--info" role="status">
                                    <p class="alert__title">{tr(i18n::AGREEMENT_SAVED)} " " {view.code}</p>
                                </div>
                            }
                                .into_any()
                        }
                        Err(failure) => failure_view("agreement-error", failure),
                    })
            }}
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
        <section class="page" aria-labelledby="alerts-title">
            <h1 id="alerts-title">{tr(i18n::ALERTS_TITLE)}</h1>
            <p class="lead">{tr(i18n::ALERTS_LEAD)}</p>
            {move || {
                resolved
                    .get()
                    .and_then(Result::err)
                    .filter(|f| !f.is_unauthenticated())
                    .map(|failure| view! { <ErrorBanner id="alerts-error" failure=failure /> })
            }}
            <Suspense fallback=loading>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(response) => {
                                let quota = response.quota_remaining;
                                view! {
                                    <p id="quota-remaining" class="agreement">
                                        {tr(i18n::QUOTA_REMAINING)}
                                        ": "
                                        <strong>
                                            {move || match quota {
                                                Some(q) => q.to_string(),
                                                None => i18n.t(i18n::UNKNOWN).to_owned(),
                                            }}
                                        </strong>
                                    </p>
                                    <AlertsTable alerts=response.alerts resolve=move |id| {
                                        resolve.dispatch(id);
                                    } />
                                }
                                    .into_any()
                            }
                            Err(failure) => failure_view("alerts-error", failure),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn AlertsTable(alerts: Vec<AdminAlert>, resolve: impl Fn(i64) + Copy + 'static) -> impl IntoView {
    let empty = alerts.is_empty();
    view! {
        <table id="alerts-table" class="result-table">
            <caption class="visually-hidden">{tr(i18n::ALERTS_TITLE)}</caption>
            <thead>
                <tr>
                    <th scope="col">{tr(i18n::COL_TIME)}</th>
                    <th scope="col">{tr(i18n::COL_KIND)}</th>
                    <th scope="col">{tr(i18n::COL_CODE)}</th>
                    <th scope="col">{tr(i18n::COL_MESSAGE)}</th>
                    <th scope="col">{tr(i18n::COL_COUNT)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{tr(i18n::RESOLVE)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="6" class="muted">{tr(i18n::NO_ALERTS)}</td>
                            </tr>
                        }
                    })}
                {alerts
                    .into_iter()
                    .map(|a| {
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
                    })
                    .collect_view()}
            </tbody>
        </table>
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
    let auth = use_auth();
    let can_edit = move || auth.officer().is_some_and(|o| o.role == Role::Admin);
    let data = LocalResource::new(api::readers);
    view! {
        <section class="page" aria-labelledby="readers-title">
            <h1 id="readers-title">{tr(i18n::READERS_TITLE)}</h1>
            <p class="lead">{tr(i18n::READERS_LEAD)}</p>
            <Suspense fallback=loading>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(readers) => view! { <ReadersTable readers=readers /> }.into_any(),
                            Err(failure) => failure_view("readers-error", failure),
                        })
                }}
            </Suspense>
            {move || can_edit().then(|| view! { <ReaderForm on_saved=move || data.refetch() /> })}
        </section>
    }
}

#[component]
fn ReadersTable(readers: Vec<ReaderView>) -> impl IntoView {
    let empty = readers.is_empty();
    view! {
        <table id="readers-table" class="result-table">
            <caption class="visually-hidden">{tr(i18n::READERS_TITLE)}</caption>
            <thead>
                <tr>
                    <th scope="col">{tr(i18n::COL_READER_SERIAL)}</th>
                    <th scope="col">{tr(i18n::COL_SAM_SERIAL)}</th>
                    <th scope="col">{tr(i18n::COL_OFFICE)}</th>
                    <th scope="col">{tr(i18n::COL_ACTIVATION_UNTIL)}</th>
                    <th scope="col">{tr(i18n::COL_STATE)}</th>
                    <th scope="col">{tr(i18n::COL_REASON)}</th>
                </tr>
            </thead>
            <tbody>
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="6" class="muted">{tr(i18n::NO_READERS)}</td>
                            </tr>
                        }
                    })}
                {readers
                    .into_iter()
                    .map(|r| {
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
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ReaderForm(on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let reader_serial = RwSignal::new(String::new());
    let office_code = RwSignal::new(String::new());
    let activation_record = RwSignal::new(String::new());

    let save = Action::new_local(|request: &NewReaderRequest| api::register_reader(request.clone()));
    let pending = save.pending();
    let outcome = save.value();
    Effect::new(move |_| {
        if matches!(&*outcome.read(), Some(Ok(_))) {
            on_saved();
        }
    });

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

    let field = move |id: &'static str, field: &'static str, label: Text, value: RwSignal<String>, multiline: bool| {
        let error_id = format!("{id}-error");
        let error = move || outcome.with(|o| field_error(o, field, i18n.lang()));
        view! {
            <div class="field" class:field--error=move || error().is_some()>
                <label class="field__label" for=id>{tr(label)}</label>
                {move || error().map(|e| view! { <p id=error_id.clone() class="field__error" role="alert">{e}</p> })}
                {if multiline {
                    view! {
                        <textarea
                            id=id
                            class="input textarea"
                            rows="4"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))
                        ></textarea>
                    }
                        .into_any()
                } else {
                    view! {
                        <input
                            id=id
                            class="input"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))
                        />
                    }
                        .into_any()
                }}
            </div>
        }
    };

    view! {
        <form id="reader-form" class="form card" novalidate on:submit=on_submit>
            <h2>{tr(i18n::READER_FORM_TITLE)}</h2>
            <p class="field__hint">{tr(i18n::READER_FORM_HINT)}</p>
            <div class="grid">
                {field("reader-reader-serial", "reader_serial", i18n::COL_READER_SERIAL, reader_serial, false)}
                {field("reader-office-code", "office_code", i18n::OFFICE_CODE, office_code, false)}
            </div>
            {field("reader-activation-record", "activation_record", i18n::ACTIVATION_RECORD, activation_record, true)}
            <div class="actions">
                <button id="reader-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                    {tr(i18n::REGISTER_READER)}
                </button>
            </div>
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(view) => {
                            view! {
                                <div id="reader-saved" class="alert alert--info" role="status">
                                    <p class="alert__title">{tr(i18n::READER_SAVED)} " " {view.reader_serial}</p>
                                </div>
                            }
                                .into_any()
                        }
                        Err(failure) => failure_view("reader-error", failure),
                    })
            }}
        </form>
    }
}
