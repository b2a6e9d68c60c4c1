//! What today's agreements allow, shown the same way on every mechanism's
//! page: the form only when the mechanism is open (with the granted
//! elements), the reason when it is closed, the expiry banner and the DEMO
//! label. Nothing about element sets is decided here: the backend says.

use leptos::prelude::*;
use padan_protocol::v1::{AgreementRef, Mechanism, MechanismStatus};

use crate::api;
use crate::components::page::{Page, ResourceView};
use crate::i18n::{self, Text, tr, use_i18n};
use crate::session::use_auth;

/// Renders `form` with the mechanism's status when the officer's role may
/// use it and today's agreements open it.
#[component]
pub fn MechanismGate(
    mechanism: Mechanism,
    /// Id of the error banner when the mechanisms cannot be loaded.
    error_id: &'static str,
    form: fn(MechanismStatus) -> AnyView,
) -> impl IntoView {
    let auth = use_auth();
    let may_use = move || auth.officer().is_none_or(|o| o.role.may_verify());
    view! {
        <Show
            when=may_use
            fallback=|| {
                view! {
                    <div id="role-not-allowed" class="alert alert--warning" role="status">
                        <p class="alert__title">{tr(i18n::ROLE_CANNOT_VERIFY)}</p>
                    </div>
                }
            }
        >
            <Gate mechanism=mechanism error_id=error_id form=form />
        </Show>
    }
}

/// A mechanism's page: heading and lead, `children` (notes, if any), then
/// the [`MechanismGate`].
#[component]
pub fn MechanismPage(
    title_id: &'static str,
    title: Text,
    lead: Text,
    mechanism: Mechanism,
    /// Id of the error banner when the mechanisms cannot be loaded.
    error_id: &'static str,
    form: fn(MechanismStatus) -> AnyView,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Page title_id=title_id title=title lead=lead>
            {children.map(|c| c())}
            <MechanismGate mechanism=mechanism error_id=error_id form=form />
        </Page>
    }
}

#[component]
fn Gate(mechanism: Mechanism, error_id: &'static str, form: fn(MechanismStatus) -> AnyView) -> impl IntoView {
    let mechanisms = LocalResource::new(api::mechanisms);
    view! {
        <ResourceView resource=mechanisms error_id=error_id loading=i18n::MECHANISMS_LOADING let:response>
            {match response.mechanisms.into_iter().find(|m| m.mechanism == mechanism) {
                Some(status) if status.open => {
                    view! {
                        <AgreementInfo status=status.clone() />
                        {form(status)}
                    }
                        .into_any()
                }
                status => view! { <MechanismClosed mechanism=mechanism status=status /> }.into_any(),
            }}
        </ResourceView>
    }
}

#[component]
fn MechanismClosed(mechanism: Mechanism, status: Option<MechanismStatus>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = status.as_ref().and_then(|s| s.closed_reason.clone()).filter(|r| !r.trim().is_empty());
    let agreement = status.and_then(|s| s.agreement);
    let label = i18n::mechanism_label(mechanism);
    view! {
        <div id="mechanism-closed" class="panel panel--closed" role="alert">
            <h2 class="panel__title">{move || format!("{} {}", i18n.t(label), i18n.t(i18n::IS_CLOSED))}</h2>
            <p id="closed-reason">
                {match reason {
                    Some(reason) => reason.into_any(),
                    None => tr(i18n::MECHANISM_NOT_LISTED).into_any(),
                }}
            </p>
            <p class="muted">{tr(i18n::HINT_MECHANISM_CLOSED)}</p>
            {agreement.map(|a| view! { <AgreementLine agreement=a /> })}
        </div>
    }
}

/// The agreement behind the grant, the DEMO label and the expiry warning.
#[component]
fn AgreementInfo(status: MechanismStatus) -> impl IntoView {
    let i18n = use_i18n();
    let expires = status.expires_in_days;
    view! {
        {expires
            .map(|days| {
                view! {
                    <div id="agreement-expiry" class="alert alert--warning" role="status">
                        <p class="alert__title">
                            {move || {
                                if days <= 0 {
                                    i18n.t(i18n::EXPIRES_TODAY).to_owned()
                                } else {
                                    format!(
                                        "{} {days} {}.",
                                        i18n.t(i18n::EXPIRES_SOON_PREFIX),
                                        i18n.t(i18n::EXPIRES_SOON_DAYS),
                                    )
                                }
                            }}
                        </p>
                        <p class="alert__hint">{tr(i18n::EXPIRES_SOON_HINT)}</p>
                    </div>
                }
            })}
        {status.agreement.map(|a| view! { <AgreementLine agreement=a /> })}
    }
}

#[component]
fn AgreementLine(agreement: AgreementRef) -> impl IntoView {
    let i18n = use_i18n();
    let valid_until = agreement.valid_until.clone();
    view! {
        <p class="agreement">
            {agreement.demo.then(|| view! { <DemoTag id="demo-agreement" /> })}
            <span class="agreement__label">{tr(i18n::AGREEMENT)} ": "</span>
            <span class="agreement__title">{agreement.title}</span>
            " ("
            {agreement.numbers}
            ") · "
            {tr(i18n::VALID_UNTIL)}
            " "
            <time datetime=agreement.valid_until>{move || i18n::format_date(&valid_until, i18n.lang())}</time>
        </p>
    }
}

/// The visible "DEMO" label of a demonstration agreement.
#[component]
pub fn DemoTag(#[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    view! {
        <span id=id class="tag tag--demo">
            {tr(i18n::DEMO_AGREEMENT)}
        </span>
    }
}
