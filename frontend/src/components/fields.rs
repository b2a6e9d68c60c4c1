//! The NIK and purpose fields every mechanism's form starts with. Ids are
//! given by the page (`nik`, `face-nik`, …); the hint and the error get
//! `<id>-hint` and `<id>-error`.

use leptos::prelude::*;
use padan_protocol::v1::Purpose;
use padan_protocol::validate::parse_nik;

use crate::components::form::field;
use crate::dom::focus;
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
            Err(e) if shown => Some(i18n.lang().pick(e.message_id(), e.message_en())),
            _ => None,
        }
    });
    field(id, label, Some(i18n::NIK_HINT), error.into(), false, move |aria| {
        view! {
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
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| touched.set(true)
            />
        }
    })
}

/// The purpose of use (PKS 2024 Pasal 1), required.
#[component]
pub fn PurposeField(id: &'static str, value: RwSignal<String>, submitted: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || {
        (submitted.get() && Purpose::parse(&value.get()).is_none()).then(|| i18n.t(i18n::PURPOSE_REQUIRED).to_owned())
    });
    field(id, i18n::PURPOSE_LABEL, Some(i18n::PURPOSE_HINT), error, false, move |aria| {
        view! {
            <select
                id=id
                name="purpose"
                class="select"
                required
                aria-describedby=aria.described_by()
                aria-invalid=aria.invalid()
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
        }
    })
}

/// The NIK and the purpose a submitted form holds, once both are valid;
/// otherwise the focus moves to the first wrong one and this is `None`.
pub fn valid_nik_and_purpose(
    nik: RwSignal<String>,
    nik_id: &str,
    purpose: RwSignal<String>,
    purpose_id: &str,
) -> Option<(String, Purpose)> {
    let Ok(parsed) = parse_nik(&nik.get_untracked()) else {
        focus(nik_id);
        return None;
    };
    let Some(purpose) = Purpose::parse(&purpose.get_untracked()) else {
        focus(purpose_id);
        return None;
    };
    Some((parsed.as_str().to_owned(), purpose))
}
