//! `/portal` (Portal Data Kependudukan) and `/ikd` (the NIK from the
//! citizen's IKD app): the granted elements of one NIK, display only.
//!
//! The answer lives in this page's action and nowhere else: a watermark
//! with the officer's name, NIP, office, time and request id lies across
//! it; it cannot be selected, dragged or printed (print stylesheet); it is
//! dropped after the backend's `display_seconds` without keyboard or mouse
//! activity, on "Tutup", and when the officer leaves the page.

use std::time::Duration;

use leptos::prelude::*;
use padan_protocol::v1::{
    ElementValue, FamilyMember, LookupOutcome, LookupRequest, LookupResponse, Mechanism, MechanismStatus, Watermark,
};
use padan_protocol::validate::{Lines, check_text};

use crate::api;
use crate::components::error_banner::{RequestId, failure_view};
use crate::components::fields::{NikField, PurposeField, valid_nik_and_purpose};
use crate::components::form::{field, text_error};
use crate::components::mechanism::MechanismPage;
use crate::components::result_table::{NotFoundPanel, PersonStatusBanner};
use crate::components::table::{Caption, Col, DataTable};
use crate::dom::focus;
use crate::i18n::{self, tr, use_i18n};

const REASON_MIN: usize = 10;
const REASON_MAX: usize = 500;

#[component]
pub fn PortalLookup() -> impl IntoView {
    view! {
        <MechanismPage
            title_id="portal-title"
            title=i18n::PORTAL_TITLE
            lead=i18n::PORTAL_LEAD
            mechanism=Mechanism::PortalLookup
            error_id="portal-error"
            form=|status| view! { <LookupForm ikd=false status=status /> }.into_any()
        />
    }
}

#[component]
pub fn IkdLookup() -> impl IntoView {
    view! {
        <MechanismPage
            title_id="ikd-title"
            title=i18n::IKD_TITLE
            lead=i18n::IKD_LEAD
            mechanism=Mechanism::IkdLookup
            error_id="ikd-error"
            form=|status| view! { <LookupForm ikd=true status=status /> }.into_any()
        >
            <div id="ikd-qr-note" class="note" role="note">
                <p>{tr(i18n::IKD_QR_NOTE)}</p>
            </div>
        </MechanismPage>
    }
}

fn reason_ok(reason: &str) -> bool {
    (REASON_MIN..=REASON_MAX).contains(&reason.trim().chars().count())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
fn LookupForm(ikd: bool, status: MechanismStatus) -> impl IntoView {
    let i18n = use_i18n();
    let prefix: &'static str = if ikd { "ikd" } else { "portal" };
    let ids = move |suffix: &str| format!("{prefix}-{suffix}");
    let nik = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let cleared = RwSignal::new(false);
    // The shared character rule runs as the officer types; the length rule on submit.
    let reason_chars = Memo::new(move |_| reason.with(|r| text_error(r, Lines::Multi, i18n.lang())));
    let reason_error = Memo::new(move |_| {
        !ikd && (reason_chars.with(Option::is_some) || submitted.get() && !reason.with(|r| reason_ok(r)))
    });

    let lookup = Action::new_local(move |request: &LookupRequest| api::lookup(ikd, request.clone()));
    let pending = lookup.pending();
    let outcome = lookup.value();

    // Idle clear: any keyboard or mouse activity on the page restarts the clock.
    let last_activity = StoredValue::new(now_ms());
    let listeners: Vec<_> = ["keydown", "mousedown", "mousemove", "wheel", "touchstart", "scroll"]
        .into_iter()
        .map(|name| window_event_listener_untyped(name, move |_| last_activity.set_value(now_ms())))
        .collect();
    let interval = set_interval_with_handle(
        move || {
            let limit = outcome.with_untracked(|o| match o {
                Some(Ok(r)) => Some(f64::from(r.display_seconds.max(1)) * 1000.0),
                _ => None,
            });
            if let Some(limit) = limit {
                if now_ms() - last_activity.get_value() >= limit {
                    lookup.clear();
                    cleared.set(true);
                }
            }
        },
        Duration::from_millis(500),
    )
    .ok();
    let teardown = send_wrapper::SendWrapper::new((listeners, interval));
    on_cleanup(move || {
        let (listeners, interval) = teardown.take();
        listeners.into_iter().for_each(|l| l.remove());
        if let Some(i) = interval {
            i.clear();
        }
    });
    Effect::new(move |_| {
        if let Some(result) = &*outcome.read() {
            last_activity.set_value(now_ms());
            focus(&format!("{prefix}-{}", if result.is_ok() { "result" } else { "error" }));
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if pending.get_untracked() {
            return;
        }
        let Some((parsed_nik, purpose)) =
            valid_nik_and_purpose(nik, &format!("{prefix}-nik"), purpose, &format!("{prefix}-purpose"))
        else {
            return;
        };
        let reason = reason.get_untracked().trim().to_owned();
        if !ikd && (!reason_ok(&reason) || check_text(&reason, Lines::Multi).is_err()) {
            focus("portal-reason");
            return;
        }
        cleared.set(false);
        lookup.clear();
        lookup.dispatch(LookupRequest { nik: parsed_nik, purpose, reason: (!ikd).then_some(reason) });
    };
    let close = move || {
        lookup.clear();
        focus(&format!("{prefix}-nik"));
    };
    let granted = status.elements.len();

    view! {
        <form class="form" autocomplete="off" novalidate on:submit=on_submit>
            <fieldset class="fieldset">
                <legend class="visually-hidden">{tr(if ikd { i18n::IKD_TITLE } else { i18n::PORTAL_TITLE })}</legend>
                <NikField
                    id=if ikd { "ikd-nik" } else { "portal-nik" }
                    value=nik
                    submitted=submitted
                    label=if ikd { i18n::IKD_NIK_LABEL } else { i18n::NIK_LABEL }
                />
                <PurposeField id=if ikd { "ikd-purpose" } else { "portal-purpose" } value=purpose submitted=submitted />
                {(!ikd).then(|| reason_field(reason, reason_error, reason_chars))}
            </fieldset>
            <p class="muted">{move || format!("{} {granted}", i18n.t(i18n::GRANTED_COUNT))}</p>
            <div class="actions">
                <button id=ids("submit") type="submit" class="button button--primary" disabled=move || pending.get()>
                    {move || if pending.get() { i18n.t(i18n::SUBMITTING_LOOKUP) } else { i18n.t(i18n::SUBMIT_LOOKUP) }}
                </button>
            </div>
        </form>

        <Show when=move || cleared.get()>
            <div id=ids("cleared") class="alert alert--info" role="status">
                <p class="alert__title">{tr(i18n::DATA_CLEARED)}</p>
            </div>
        </Show>
        {move || {
            outcome
                .get()
                .map(|result| match result {
                    Ok(response) => view! { <LookupDisplay prefix=prefix response=response on_close=close /> }.into_any(),
                    Err(failure) => failure_view(ids("error"), failure),
                })
        }}
    }
}

/// The portal's reason for access: the length rule on submit, the shared
/// character rule as the officer types.
fn reason_field(reason: RwSignal<String>, shown: Memo<bool>, chars: Memo<Option<String>>) -> AnyView {
    let i18n = use_i18n();
    let error = Signal::derive(move || {
        shown.get().then(|| chars.get().unwrap_or_else(|| i18n.t(i18n::REASON_INVALID).to_owned()))
    });
    field("portal-reason", i18n::REASON_LABEL, Some(i18n::REASON_HINT), error, true, move |aria| {
        view! {
            <textarea
                id="portal-reason"
                name="reason"
                class="input textarea"
                rows="3"
                minlength="10"
                maxlength="500"
                required
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            ></textarea>
        }
    })
}

/// The answer: display only, watermarked.
#[component]
fn LookupDisplay(prefix: &'static str, response: LookupResponse, on_close: impl Fn() + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let LookupResponse { request_id, outcome, watermark, display_seconds } = response;
    let rid = request_id.clone();
    let body = match outcome {
        LookupOutcome::Found { status, elements, family, photo_jpeg_base64 } => view! {
            <PersonStatusBanner status=status />
            <div class="lookup">
                {photo_jpeg_base64
                    .map(|photo| {
                        view! {
                            <img
                                id=format!("{prefix}-photo")
                                class="lookup__photo"
                                src=format!("data:image/jpeg;base64,{photo}")
                                alt=move || i18n.t(i18n::PHOTO_ALT)
                                draggable="false"
                            />
                        }
                    })}
                <ElementList elements=elements />
            </div>
            {family.map(|members| view! { <FamilyTable id=format!("{prefix}-family") members=members /> })}
        }
        .into_any(),
        LookupOutcome::NotFound { reason } => {
            view! { <NotFoundPanel id="lookup-not-found" reason=reason /> }.into_any()
        }
    };
    view! {
        <section
            id=format!("{prefix}-result")
            class="result display-only"
            tabindex="-1"
            aria-labelledby="lookup-result-title"
            data-request-id=rid
            on:contextmenu=|ev| ev.prevent_default()
            on:dragstart=|ev| ev.prevent_default()
            on:copy=|ev| ev.prevent_default()
            on:cut=|ev| ev.prevent_default()
        >
            <WatermarkOverlay id=format!("{prefix}-watermark") watermark=watermark />
            <h2 id="lookup-result-title">{tr(i18n::LOOKUP_RESULT_TITLE)}</h2>
            {body}
            <RequestId id=request_id />
            <p class="muted display-note">
                {move || format!("{} {display_seconds} {}", i18n.t(i18n::DISPLAY_NOTE), i18n.t(i18n::SECONDS))}
            </p>
        </section>
        <div class="actions">
            <button id=format!("{prefix}-close") type="button" class="button button--secondary" on:click=move |_| on_close()>
                {tr(i18n::CLOSE)}
            </button>
        </div>
    }
}

/// Who looked and when, repeated across displayed population data.
#[component]
pub fn WatermarkOverlay(id: String, watermark: Watermark) -> impl IntoView {
    let Watermark { officer, nip, office, at, request_id } = watermark;
    let nip = nip.map(|n| format!(" · NIP {n}")).unwrap_or_default();
    let line = format!("{officer}{nip} · {office} · {at} · {request_id}");
    view! {
        <div id=id class="watermark" aria-hidden="true">
            {(0..24).map(|_| view! { <span class="watermark__item">{line.clone()}</span> }).collect_view()}
        </div>
    }
}

#[component]
fn ElementList(elements: Vec<ElementValue>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <dl class="lookup__data">
            {elements
                .into_iter()
                .map(|ElementValue { element, value }| {
                    view! {
                        <div class="lookup__row" data-element=element.wire_name()>
                            <dt>{move || i18n.lang().pick(element.label_id(), element.label_en())}</dt>
                            <dd>{value}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}

const FAMILY_COLUMNS: &[Col] = &[Col::Fixed("NIK"), Col::Text(i18n::COL_NAME), Col::Text(i18n::COL_RELATION)];

#[component]
fn FamilyTable(id: String, members: Vec<FamilyMember>) -> impl IntoView {
    view! {
        <DataTable
            id=id
            class="result-table family-table"
            caption=Caption::Shown(i18n::FAMILY_TITLE)
            columns=FAMILY_COLUMNS
            rows=members
            row=|m| {
                view! {
                    <tr>
                        <td>{m.nik}</td>
                        <td>{m.nama_lgkp}</td>
                        <td>{m.stat_hbkel}</td>
                    </tr>
                }
            }
        />
    }
}
