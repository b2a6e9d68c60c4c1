//! The NIK and purpose fields every mechanism's form starts with. Ids are
//! given by the page (`nik`, `face-nik`, …); the hint and the error get
//! `<id>-hint` and `<id>-error`.

use leptos::prelude::*;
use padan_protocol::v1::Purpose;
use padan_protocol::validate::parse_nik;

use crate::i18n::{self, Text, tr, use_i18n};

/// A NIK input checked with the shared validator as the officer types; the
/// error shows once something was typed, the field was left, or the form
/// was submitted.
#[component]
pub fn NikField(
    id: &'static str,
    value: RwSignal<String>,
    submitted: RwSignal<bool>,
    #[prop(default = i18n::NIK_LABEL)] label: Text,
) -> impl IntoView {
    let i18n = use_i18n();
    let touched = RwSignal::new(false);
    let error = Memo::new(move |_| {
        let shown = !value.with(|n| n.trim().is_empty()) || touched.get() || submitted.get();
        match parse_nik(&value.get()) {
            Err(e) if shown => Some(e),
            _ => None,
        }
    });
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let (h, e) = (hint_id.clone(), error_id.clone());
        move || if error.with(Option::is_some) { format!("{h} {e}") } else { h.clone() }
    };
    view! {
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(label)}</label>
            <p id=hint_id class="field__hint">{tr(i18n::NIK_HINT)}</p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p id=error_id.clone() class="field__error" role="alert">
                                {move || i18n.lang().pick(e.message_id(), e.message_en())}
                            </p>
                        }
                    })
            }}
            <input
                id=id
                name="nik"
                class="input input--nik"
                type="text"
                inputmode="numeric"
                maxlength="16"
                autocomplete="off"
                spellcheck="false"
                required
                autofocus
                aria-describedby=described
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| touched.set(true)
            />
        </div>
    }
}

/// The purpose of use (PKS 2024 Pasal 1), required.
#[component]
pub fn PurposeField(id: &'static str, value: RwSignal<String>, submitted: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Memo::new(move |_| submitted.get() && Purpose::parse(&value.get()).is_none());
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=move || error.get()>
            <label class="field__label" for=id>{tr(i18n::PURPOSE_LABEL)}</label>
            <p id=hint_id.clone() class="field__hint">{tr(i18n::PURPOSE_HINT)}</p>
            <Show when=move || error.get()>
                <p id=error_id.clone() class="field__error" role="alert">
                    {tr(i18n::PURPOSE_REQUIRED)}
                </p>
            </Show>
            <select
                id=id
                name="purpose"
                class="select"
                required
                aria-describedby=hint_id
                aria-invalid=move || error.get().to_string()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="" prop:selected=move || value.with(String::is_empty)>
                    {tr(i18n::PURPOSE_PLACEHOLDER)}
                </option>
                {Purpose::ALL
                    .into_iter()
                    .map(|p| {
                        view! {
                            <option value=p.as_str() prop:selected=move || value.with(|v| v == p.as_str())>
                                {move || i18n.lang().pick(p.label_id(), p.label_en())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
