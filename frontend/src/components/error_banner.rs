//! One way to show a failed call: what happened, what to do, and the request
//! id to quote to the helpdesk.

use leptos::prelude::*;
use padan_protocol::v1::{Element, ErrorCode, FieldError};

use crate::api::ApiFailure;
use crate::i18n::{self, Lang, Text, tr, use_i18n};

/// What happened, in the officer's language.
pub fn headline(failure: &ApiFailure, lang: Lang) -> String {
    match failure {
        ApiFailure::Network => lang.pick(i18n::ERR_NETWORK.id, i18n::ERR_NETWORK.en).to_owned(),
        ApiFailure::Unexpected { status, .. } => {
            format!("{} (HTTP {status})", lang.pick(i18n::ERR_UNEXPECTED.id, i18n::ERR_UNEXPECTED.en))
        }
        ApiFailure::Api { error, .. } => match error.code {
            ErrorCode::InvalidCredentials => {
                lang.pick(i18n::INVALID_CREDENTIALS.id, i18n::INVALID_CREDENTIALS.en).into()
            }
            _ => {
                let message = lang.pick(&error.message, &error.message_en);
                let message = if message.trim().is_empty() { &error.message } else { message };
                if message.trim().is_empty() {
                    lang.pick(i18n::ERR_UNEXPECTED.id, i18n::ERR_UNEXPECTED.en).into()
                } else {
                    message.clone()
                }
            }
        },
    }
}

/// What to do next.
pub fn next_step(failure: &ApiFailure, lang: Lang) -> Option<String> {
    let pick = |t: Text| Some(lang.pick(t.id, t.en).to_owned());
    match failure {
        ApiFailure::Network => pick(i18n::HINT_NETWORK),
        ApiFailure::Unexpected { .. } => pick(i18n::HINT_HELPDESK),
        ApiFailure::Api { error, .. } => match error.code {
            ErrorCode::InvalidCredentials => None,
            // The message itself says how long to wait.
            ErrorCode::RateLimited => None,
            ErrorCode::QuotaExhausted => pick(i18n::HINT_QUOTA),
            ErrorCode::UpstreamUnavailable => pick(i18n::HINT_UPSTREAM_UNAVAILABLE),
            ErrorCode::UpstreamRejected => pick(i18n::HINT_UPSTREAM_REJECTED),
            ErrorCode::MechanismClosed => pick(i18n::HINT_MECHANISM_CLOSED),
            ErrorCode::ValidationFailed | ErrorCode::InvalidRequest => pick(i18n::HINT_VALIDATION),
            ErrorCode::Forbidden => pick(i18n::HINT_FORBIDDEN),
            ErrorCode::CsrfRejected => pick(i18n::HINT_CSRF),
            ErrorCode::Unauthenticated => pick(i18n::SESSION_EXPIRED),
            // NotFound, PayloadTooLarge, Internal and codes of other
            // surfaces (the KTP-el reader) the message itself explains.
            _ => pick(i18n::HINT_HELPDESK),
        },
    }
}

/// A field name from the backend, as the officer knows it from the form.
fn field_label(field: &str, lang: Lang) -> String {
    match field {
        "nik" | "NIK" => "NIK".into(),
        "purpose" => lang.pick(i18n::PURPOSE_LABEL.id, i18n::PURPOSE_LABEL.en).into(),
        // Officer accounts (`/admin/petugas`).
        "username" => lang.pick("Nama pengguna", "Username").into(),
        "display_name" => lang.pick("Nama lengkap", "Full name").into(),
        "nip" => "NIP".into(),
        "role" => lang.pick("Peran", "Role").into(),
        "office_code" => lang.pick("Kantor", "Office").into(),
        "password" => lang.pick("Kata sandi", "Password").into(),
        "active" => "Status".into(),
        "id" => lang.pick("Akun", "Account").into(),
        other => {
            let wire = other.rsplit('.').next().unwrap_or(other);
            Element::from_wire_name(wire)
                .map_or_else(|| other.to_owned(), |e| lang.pick(e.label_id(), e.label_en()).into())
        }
    }
}

/// How a page shows a failed request: nothing when the session has ended
/// (a 401 already sent the officer to the sign-in page), else the banner.
pub fn failure_view(id: impl Into<String>, failure: ApiFailure) -> AnyView {
    if failure.is_unauthenticated() {
        ().into_any()
    } else {
        view! { <ErrorBanner id=id.into() failure=failure /> }.into_any()
    }
}

/// An error panel. `id` is the stable hook for tests (`verify-error`,
/// `sign-in-error`, …).
#[component]
pub fn ErrorBanner(#[prop(into)] id: String, failure: ApiFailure) -> impl IntoView {
    let i18n = use_i18n();
    let request_id = failure.request_id().map(str::to_owned);
    let fields: Vec<FieldError> = match &failure {
        ApiFailure::Api { error, .. } => error.fields.clone(),
        _ => Vec::new(),
    };
    // The stable wire code (`quota_exhausted`, …), for tests and support.
    let code = failure.code().and_then(|c| serde_json::to_value(c).ok()).and_then(|v| v.as_str().map(str::to_owned));
    let failure_for_title = failure.clone();

    view! {
        <div id=id class="alert alert--error" role="alert" data-code=code>
            <p class="alert__title">{move || headline(&failure_for_title, i18n.lang())}</p>
            {move || next_step(&failure, i18n.lang()).map(|hint| view! { <p class="alert__hint">{hint}</p> })}
            {(!fields.is_empty())
                .then(|| {
                    view! {
                        <ul class="alert__fields">
                            {fields
                                .into_iter()
                                .map(|f| {
                                    let label = f.field.clone();
                                    view! {
                                        <li data-field=f.field.clone()>
                                            <strong>{move || field_label(&label, i18n.lang())}</strong>
                                            ": "
                                            {move || i18n.lang().pick(f.message.clone(), f.message_en.clone())}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {request_id.map(|rid| view! { <RequestId id=rid /> })}
        </div>
    }
}

/// What went wrong with a form: found before sending, or the backend's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Local(Text),
    Api(ApiFailure),
}

/// An error panel for a [`Problem`]; `id` as for [`ErrorBanner`].
#[component]
pub fn ProblemView(#[prop(into)] id: String, problem: Problem) -> impl IntoView {
    match problem {
        Problem::Local(text) => view! {
            <div id=id class="alert alert--error" role="alert">
                <p class="alert__title">{tr(text)}</p>
            </div>
        }
        .into_any(),
        Problem::Api(failure) => view! { <ErrorBanner id=id failure=failure /> }.into_any(),
    }
}

/// "Kode permintaan: …", selectable so it can be copied.
#[component]
pub fn RequestId(#[prop(into)] id: String) -> impl IntoView {
    view! {
        <p class="request-id">
            {tr(i18n::REQUEST_ID)}
            ": "
            <code class="request-id__value">{id}</code>
        </p>
    }
}
