//! `/verifikasi/elemen`: verify claimed data elements of one NIK.
//!
//! The form offers exactly the elements today's agreement grants (from
//! `GET /api/v1/mechanisms`), checks the NIK (and KK) with the shared
//! validators as the officer types, warns when the claimed birth date or sex
//! contradicts the NIK, and shows the per-element verdicts. All of it lives
//! in this page's signals and is gone when the officer leaves the page.

use leptos::prelude::*;
use padan_protocol::v1::{
    ClaimedElements, Element, Mechanism, MechanismStatus, VerifyElementsRequest, VerifyElementsResponse,
};
use padan_protocol::validate::{
    CivilDate, KkError, Lines, Mismatch, Sex, TextError, check_text, nik_agrees_with_claims, parse_kk, parse_nik,
};

use crate::api;
use crate::components::error_banner::ErrorBanner;
use crate::components::fields::{NikField, PurposeField, valid_nik_and_purpose};
use crate::components::form;
use crate::components::mechanism::MechanismPage;
use crate::components::result_table::VerifyResultView;
use crate::dom::focus;
use crate::i18n::{self, Lang, Text, tr, use_i18n};

#[component]
pub fn VerifyElements() -> impl IntoView {
    view! {
        <MechanismPage
            title_id="verify-title"
            title=i18n::VERIFY_TITLE
            lead=i18n::VERIFY_LEAD
            mechanism=Mechanism::VerifyElements
            error_id="verify-error"
            form=verify_form
        />
    }
}

fn verify_form(status: MechanismStatus) -> AnyView {
    let elements: Vec<Element> = status.elements.iter().copied().filter(|e| is_claimable(*e)).collect();
    view! { <VerifyForm elements=elements /> }.into_any()
}

/// Elements the officer can type a claimed value for. NIK has its own
/// field; photos, family lists and the like are not claims.
fn is_claimable(element: Element) -> bool {
    element != Element::Nik && ClaimedElements::default().get_mut(element).is_some()
}

/// One claimed-value input.
#[derive(Debug, Clone, Copy)]
struct Field {
    element: Element,
    value: RwSignal<String>,
}

impl Field {
    fn dom_id(self) -> String {
        format!("el-{}", self.element.wire_name())
    }

    /// A structural problem with what was typed, if any.
    fn problem(self) -> Option<FieldProblem> {
        let value = self.value.get();
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        // The backend's character rule, so the form says it before sending.
        if let Err(e) = check_text(value, Lines::Single) {
            return Some(FieldProblem::Text(e));
        }
        match self.element {
            Element::NoKk => parse_kk(value).err().map(FieldProblem::Kk),
            Element::TglLhr | Element::TglKwn => CivilDate::parse(value).is_none().then_some(FieldProblem::Date),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum FieldProblem {
    Kk(KkError),
    Date,
    /// A control or invisible format character.
    Text(TextError),
}

impl FieldProblem {
    fn message(&self, lang: Lang) -> String {
        match self {
            FieldProblem::Kk(e) => lang.pick(e.message_id(), e.message_en()),
            FieldProblem::Text(e) => lang.pick(e.message_id(), e.message_en()),
            FieldProblem::Date => lang.pick(i18n::DATE_INVALID.id, i18n::DATE_INVALID.en).to_owned(),
        }
    }
}

fn claimed_sex(value: &str) -> Option<Sex> {
    match value.trim() {
        "LAKI-LAKI" => Some(Sex::Male),
        "PEREMPUAN" => Some(Sex::Female),
        _ => None,
    }
}

#[component]
fn VerifyForm(elements: Vec<Element>) -> impl IntoView {
    let i18n = use_i18n();

    let nik = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let confirm = RwSignal::new(false);
    let fields: Vec<Field> =
        elements.into_iter().map(|element| Field { element, value: RwSignal::new(String::new()) }).collect();
    let fields = StoredValue::new(fields);
    let field_value =
        move |element: Element| fields.with_value(|fs| fs.iter().find(|f| f.element == element).map(|f| f.value.get()));

    let nik_result = Memo::new(move |_| parse_nik(&nik.get()).map(|_| ()));
    let mismatches = Memo::new(move |_| {
        let Ok(parsed) = parse_nik(&nik.get()) else { return Vec::new() };
        let birth = field_value(Element::TglLhr).and_then(|v| CivilDate::parse(&v));
        let sex = field_value(Element::JenisKlmin).and_then(|v| claimed_sex(&v));
        nik_agrees_with_claims(&parsed, birth, sex)
    });
    // A confirmation covers the mismatch the officer saw, not a later one.
    Effect::new(move |_| {
        if mismatches.with(Vec::is_empty) {
            confirm.set(false);
        }
    });

    let verify = Action::new_local(|request: &VerifyElementsRequest| api::verify_elements(request.clone()));
    let pending = verify.pending();
    let outcome = verify.value();

    let blocked = Memo::new(move |_| {
        if nik_result.with(Result::is_err) {
            Some(i18n::SUBMIT_BLOCKED_NIK)
        } else if !mismatches.with(Vec::is_empty) && !confirm.get() {
            Some(i18n::SUBMIT_BLOCKED_MISMATCH)
        } else {
            None
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if pending.get_untracked() {
            return;
        }
        let Some((parsed_nik, purpose)) = valid_nik_and_purpose(nik, "nik", purpose, "purpose") else {
            return;
        };
        if let Some(bad) = fields.with_value(|fs| fs.iter().copied().find(|f| f.problem().is_some())) {
            focus(&bad.dom_id());
            return;
        }
        let mismatch = !mismatches.get_untracked().is_empty();
        if mismatch && !confirm.get_untracked() {
            focus("confirm-mismatch");
            return;
        }
        let mut claims = ClaimedElements::default();
        fields.with_value(|fs| {
            for f in fs {
                let value = f.value.get_untracked().trim().to_owned();
                if let (false, Some(slot)) = (value.is_empty(), claims.get_mut(f.element)) {
                    *slot = Some(value);
                }
            }
        });
        verify.dispatch(VerifyElementsRequest {
            nik: parsed_nik,
            purpose,
            elements: claims,
            confirm_mismatch: mismatch,
        });
    };

    let reset = move |_| {
        nik.set(String::new());
        purpose.set(String::new());
        submitted.set(false);
        confirm.set(false);
        fields.with_value(|fs| fs.iter().for_each(|f| f.value.set(String::new())));
        verify.clear();
        focus("nik");
    };

    // Bring the answer to the officer's (and the screen reader's) attention.
    Effect::new(move |_| match &*outcome.read() {
        Some(Ok(_)) => focus("verify-result"),
        Some(Err(_)) => focus("verify-error"),
        None => {}
    });

    view! {
        <form
            class="form form--verify"
            autocomplete="off"
            novalidate
            on:submit=on_submit
            // Enter with a disabled submit button does nothing natively:
            // show why instead.
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" && blocked.with_untracked(Option::is_some) {
                    submitted.set(true);
                }
            }
        >
            <fieldset class="fieldset">
                <legend class="visually-hidden">{tr(i18n::VERIFY_TITLE)}</legend>
                <NikField id="nik" value=nik submitted=submitted />
                <PurposeField id="purpose" value=purpose submitted=submitted />
            </fieldset>

            <fieldset class="fieldset fieldset--claims data-area">
                <legend class="fieldset__legend">{tr(i18n::CLAIMED_ELEMENTS)}</legend>
                <p class="field__hint">{tr(i18n::CLAIMED_ELEMENTS_HINT)}</p>
                <div class="grid">
                    {fields.get_value().into_iter().map(|f| view! { <ElementInput field=f /> }).collect_view()}
                </div>
            </fieldset>

            <MismatchWarning mismatches=mismatches confirm=confirm />

            <div class="actions">
                <button
                    id="verify-submit"
                    type="submit"
                    class="button button--primary"
                    aria-describedby="verify-blocked"
                    disabled=move || blocked.with(Option::is_some) || pending.get()
                >
                    {move || if pending.get() { i18n.t(i18n::SUBMITTING_VERIFY) } else { i18n.t(i18n::SUBMIT_VERIFY) }}
                </button>
                <p id="verify-blocked" class="actions__note" aria-live="polite">
                    {move || blocked.get().map(|t: Text| i18n.t(t))}
                </p>
            </div>
        </form>

        {move || {
            outcome
                .get()
                .map(|result| match result {
                    Ok(response) => view! { <ResultSection response=response on_reset=reset /> }.into_any(),
                    Err(failure) if failure.is_unauthenticated() => ().into_any(),
                    Err(failure) => {
                        view! {
                            <ErrorBanner id="verify-error" failure=failure />
                            <ResetButton on_reset=reset />
                        }
                            .into_any()
                    }
                })
        }}
    }
}

#[component]
fn ResultSection(
    response: VerifyElementsResponse,
    on_reset: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let request_id = response.request_id.clone();
    view! {
        <section
            id="verify-result"
            class="result data-area"
            tabindex="-1"
            aria-labelledby="verify-result-title"
            data-request-id=request_id
        >
            <h2 id="verify-result-title">{tr(i18n::RESULT_TITLE)}</h2>
            <VerifyResultView response=response />
        </section>
        <ResetButton on_reset=on_reset />
    }
}

#[component]
fn ResetButton(on_reset: impl Fn(leptos::ev::MouseEvent) + 'static) -> impl IntoView {
    view! {
        <div class="actions">
            <button id="verify-reset" type="button" class="button button--secondary" on:click=on_reset>
                {tr(i18n::RESET)}
            </button>
        </div>
    }
}

/// One input per granted element: a `<select>` for coded elements, a date
/// picker for dates, text otherwise.
#[component]
fn ElementInput(field: Field) -> impl IntoView {
    let i18n = use_i18n();
    let element = field.element;
    let problem = Memo::new(move |_| field.problem());
    let error = Signal::derive(move || problem.with(|p| p.as_ref().map(|p| p.message(i18n.lang()))));
    let label = Text { id: element.label_id(), en: element.label_en() };
    let wide = matches!(element, Element::NamaLgkp | Element::Alamat);
    let set = move |ev: leptos::ev::Event| field.value.set(event_target_value(&ev));
    form::field(field.dom_id(), label, None, error, wide, move |aria| {
        if !element.choices().is_empty() {
            view! {
                <select
                    id=field.dom_id()
                    name=element.wire_name()
                    class="select"
                    aria-describedby=aria.described_by()
                    on:change=set
                >
                    <option value="" prop:selected=move || field.value.with(String::is_empty)>
                        {tr(i18n::CHOICE_PLACEHOLDER)}
                    </option>
                    {element
                        .choices()
                        .iter()
                        .map(|&choice| {
                            view! {
                                <option value=choice prop:selected=move || field.value.with(|v| v == choice)>
                                    {choice}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        } else {
            let (kind, inputmode, maxlength) = match element {
                Element::TglLhr | Element::TglKwn => ("date", None, None),
                Element::NoKk => ("text", Some("numeric"), Some("16")),
                _ => ("text", None, None),
            };
            view! {
                <input
                    id=field.dom_id()
                    name=element.wire_name()
                    class="input"
                    type=kind
                    inputmode=inputmode
                    maxlength=maxlength
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=aria.invalid()
                    aria-describedby=aria.described_by()
                    prop:value=move || field.value.get()
                    on:input=set
                />
            }
            .into_any()
        }
    })
}

/// Warns (does not block) when the claims contradict what the NIK encodes;
/// sending then needs an explicit confirmation.
#[component]
fn MismatchWarning(mismatches: Memo<Vec<Mismatch>>, confirm: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || !mismatches.with(Vec::is_empty)>
            <div id="mismatch-warning" class="alert alert--warning" role="alert">
                <p class="alert__title">{tr(i18n::MISMATCH_TITLE)}</p>
                <ul>
                    {move || {
                        mismatches
                            .get()
                            .into_iter()
                            .map(|m| {
                                let text = match m {
                                    Mismatch::BirthDate => i18n::MISMATCH_BIRTH_DATE,
                                    Mismatch::Sex => i18n::MISMATCH_SEX,
                                };
                                view! { <li>{tr(text)}</li> }
                            })
                            .collect_view()
                    }}
                </ul>
                <p class="alert__hint">{tr(i18n::MISMATCH_HINT)}</p>
                <div class="checkbox">
                    <input
                        id="confirm-mismatch"
                        type="checkbox"
                        class="checkbox__input"
                        prop:checked=move || confirm.get()
                        on:change=move |ev| confirm.set(event_target_checked(&ev))
                    />
                    <label class="checkbox__label" for="confirm-mismatch">
                        {tr(i18n::CONFIRM_MISMATCH)}
                    </label>
                </div>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nik_and_media_are_not_claim_fields() {
        assert!(!is_claimable(Element::Nik));
        assert!(!is_claimable(Element::Foto));
        assert!(!is_claimable(Element::AnggotaKeluarga));
        assert!(is_claimable(Element::NamaLgkp));
        assert!(is_claimable(Element::TglLhr));
    }

    #[test]
    fn sex_labels_map_to_nik_sex() {
        assert_eq!(claimed_sex("LAKI-LAKI"), Some(Sex::Male));
        assert_eq!(claimed_sex("PEREMPUAN"), Some(Sex::Female));
        assert_eq!(claimed_sex(""), None);
    }
}
