//! Pieces of the admin forms: the backend's per-field 422 messages, and a
//! labelled input that shows its own.

use leptos::prelude::*;
use padan_protocol::validate::{Lines, check_text};

use crate::api::ApiFailure;
use crate::i18n::{self, Text, tr, use_i18n};

/// The 422 message for one field, in the officer's language.
pub fn field_error<T>(outcome: &Option<Result<T, ApiFailure>>, field: &str, lang: i18n::Lang) -> Option<String> {
    match outcome {
        Some(Err(ApiFailure::Api { error, .. })) => {
            error.fields.iter().find(|f| f.field == field).map(|f| lang.pick(&f.message, &f.message_en).clone())
        }
        _ => None,
    }
}

/// The shared character rule for free text ([`check_text`]): the message
/// the backend would give, shown as the officer types, before sending.
pub fn text_error(value: &str, lines: Lines, lang: i18n::Lang) -> Option<String> {
    check_text(value.trim(), lines).err().map(|e| lang.pick(e.message_id(), e.message_en()))
}

/// The local character check first, then the backend's 422 for the field.
pub fn local_or_backend(value: RwSignal<String>, backend: Signal<Option<String>>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || value.with(|v| text_error(v, Lines::Single, i18n.lang())).or_else(|| backend.get()))
}

/// A labelled text input bound to `value`; `error` gives the message to
/// show under the label (e.g. from [`field_error`]). The error element is
/// `<id>-error`.
#[component]
pub fn TextField(
    id: &'static str,
    label: Text,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<Text>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(label)}</label>
            {hint.map(|h| view! { <p class="field__hint">{move || i18n.t(h)}</p> })}
            {move || error.get().map(|e| view! { <p id=error_id.clone() class="field__error" role="alert">{e}</p> })}
            <input
                id=id
                class="input"
                type=input_type
                autocomplete=autocomplete
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
}
