//! Pieces of the admin forms: the backend's per-field 422 messages, and a
//! labelled input that shows its own.

use leptos::prelude::*;
use padan_protocol::validate::{Lines, check_text};

use crate::api::ApiFailure;
use crate::components::error_banner::failure_view;
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

/// The local character check of a single-line input, as the officer types.
pub fn local_error(value: RwSignal<String>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || value.with(|v| text_error(v, Lines::Single, i18n.lang())))
}

/// The local character check first, then the backend's 422 for the field.
pub fn local_or_backend(value: RwSignal<String>, backend: Signal<Option<String>>) -> Signal<Option<String>> {
    let local = local_error(value);
    Signal::derive(move || local.get().or_else(|| backend.get()))
}

/// The backend's 422 message for `field` in an action's last answer.
pub fn backend_error<T: Send + Sync + 'static>(
    outcome: MappedSignal<Option<Result<T, ApiFailure>>>,
    field: &'static str,
) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || outcome.with(|o| field_error(o, field, i18n.lang())))
}

/// Runs `saved` each time the action answers with a success.
pub fn on_success<T: Send + Sync + 'static>(
    outcome: MappedSignal<Option<Result<T, ApiFailure>>>,
    saved: impl Fn() + 'static,
) {
    Effect::new(move |_| {
        if matches!(&*outcome.read(), Some(Ok(_))) {
            saved();
        }
    });
}

/// An action's last answer: `done` and `name` of what was saved in
/// `<div id=saved_id>`, or the error banner `error_id`.
pub fn outcome_view<T: Clone + Send + Sync + 'static>(
    outcome: MappedSignal<Option<Result<T, ApiFailure>>>,
    saved_id: &'static str,
    error_id: &'static str,
    done: Text,
    name: fn(T) -> String,
) -> impl IntoView {
    move || {
        outcome.get().map(|result| match result {
            Ok(saved) => view! {
                <div id=saved_id class="alert alert--info" role="status">
                    <p class="alert__title">{tr(done)} " " {name(saved)}</p>
                </div>
            }
            .into_any(),
            Err(failure) => failure_view(error_id, failure),
        })
    }
}

/// What a field's control points at; see [`field`].
#[derive(Debug, Clone)]
pub struct Aria {
    hint_id: Option<String>,
    error_id: String,
    error: Signal<Option<String>>,
}

impl Aria {
    /// For `aria-describedby`: `<id>-hint` when the field has a hint, and
    /// `<id>-error` while its error shows.
    pub fn described_by(&self) -> impl Fn() -> Option<String> + Send + Sync + use<> {
        let Aria { hint_id, error_id, error } = self.clone();
        move || match (&hint_id, error.with(Option::is_some)) {
            (Some(h), true) => Some(format!("{h} {error_id}")),
            (Some(h), false) => Some(h.clone()),
            (None, true) => Some(error_id.clone()),
            (None, false) => None,
        }
    }

    /// For `aria-invalid`: whether the error shows.
    pub fn invalid(&self) -> impl Fn() -> &'static str + Copy + Send + Sync + use<> {
        let error = self.error;
        move || if error.with(Option::is_some) { "true" } else { "false" }
    }
}

/// A form field: the label, the hint (`<id>-hint`), the error while there
/// is one (`<id>-error`, announced), then the control `control` builds
/// with the [`Aria`] values that tie it to the hint and the error.
pub fn field<V: IntoView + 'static>(
    id: impl Into<String>,
    label: Text,
    hint: Option<Text>,
    error: Signal<Option<String>>,
    wide: bool,
    control: impl FnOnce(Aria) -> V,
) -> AnyView {
    let id = id.into();
    let aria = Aria { hint_id: hint.map(|_| format!("{id}-hint")), error_id: format!("{id}-error"), error };
    let control = control(aria.clone()).into_any();
    frame(id, label, hint, aria, wide, control)
}

/// The part of [`field`] that does not depend on the control's type.
fn frame(id: String, label: Text, hint: Option<Text>, aria: Aria, wide: bool, control: AnyView) -> AnyView {
    let Aria { hint_id, error_id, error } = aria;
    view! {
        <div class="field" class:field--wide=wide class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(label)}</label>
            {hint.zip(hint_id).map(|(text, hint_id)| view! { <p id=hint_id class="field__hint">{tr(text)}</p> })}
            {move || error.get().map(|e| view! { <p id=error_id.clone() class="field__error" role="alert">{e}</p> })}
            {control}
        </div>
    }
    .into_any()
}

/// A labelled text input (or, with `rows`, a textarea) bound to `value`;
/// `error` gives the message to show under the label (e.g. from
/// [`field_error`]).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: Text,
    value: RwSignal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<Text>,
    /// A `<textarea>` of this many rows instead of an `<input>`.
    #[prop(optional)]
    rows: Option<u8>,
) -> impl IntoView {
    field(id.clone(), label, hint, error, false, move |aria| match rows {
        None => view! {
            <input
                id=id
                class="input"
                type=input_type
                autocomplete=autocomplete
                spellcheck="false"
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
        .into_any(),
        Some(rows) => view! {
            <textarea
                id=id
                class="input textarea"
                rows=rows
                autocomplete=autocomplete
                spellcheck="false"
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
    })
}
