//! `/masuk`: username and password, then — for roles that must use one —
//! the code from an authenticator app (or enrolling one first).

use leptos::prelude::*;
use leptos_router::components::Redirect;
use padan_protocol::v1::{SessionStage, SignInRequest, TotpEnrolment, is_totp_code};

use crate::api;
use crate::components::error_banner::{Problem, ProblemView};
use crate::dom::focus;
use crate::i18n::{self, Text, tr, use_i18n};
use crate::session::use_auth;

pub(crate) const TOTP_TITLE: Text = Text { id: "Verifikasi dua langkah", en: "Two-step verification" };
const TOTP_LEAD: Text = Text {
    id: "Masukkan 6 digit kode yang tampil di aplikasi autentikator Anda.",
    en: "Enter the 6-digit code shown in your authenticator app.",
};
const TOTP_CODE: Text = Text { id: "Kode autentikator", en: "Authenticator code" };
pub(crate) const TOTP_CODE_FORMAT: Text = Text { id: "Kode terdiri dari 6 angka.", en: "The code has 6 digits." };
const TOTP_SUBMIT: Text = Text { id: "Verifikasi", en: "Verify" };
pub(crate) const ENROL_TITLE: Text = Text { id: "Daftarkan aplikasi autentikator", en: "Enrol an authenticator app" };
const ENROL_LEAD: Text = Text {
    id: "Peran Anda wajib memakai verifikasi dua langkah. Tambahkan akun baru di aplikasi autentikator \
         (mis. Google Authenticator, Microsoft Authenticator, FreeOTP) dengan kunci di bawah ini, lalu \
         masukkan kode yang tampil.",
    en: "Your role must use two-step verification. Add an account in your authenticator app (e.g. Google \
         Authenticator, Microsoft Authenticator, FreeOTP) with the key below, then enter the code it shows.",
};
const ENROL_KEY: Text = Text { id: "Kunci (ketik di aplikasi)", en: "Key (type it into the app)" };
const ENROL_URI: Text =
    Text { id: "Tautan otpauth (untuk pembuat kode QR)", en: "otpauth link (for a QR code generator)" };
const BACK: Text = Text { id: "Kembali", en: "Back" };

/// Where sign-in stands.
#[derive(Debug, Clone)]
enum Step {
    Password,
    /// The password was accepted; the code is next.
    Totp,
    /// The password was accepted; an authenticator must be enrolled first.
    Enrol(Option<TotpEnrolment>),
}

#[component]
pub fn SignIn() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || !auth.is_signed_in() fallback=|| view! { <Redirect path="/" /> }>
            <SignInForm />
        </Show>
    }
}

#[component]
fn SignInForm() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Problem>);
    let step = RwSignal::new(Step::Password);

    let sign_in = Action::new_local(move |request: &SignInRequest| {
        let request = request.clone();
        async move {
            match api::sign_in(request).await {
                Ok(session) => match session.stage {
                    SessionStage::Complete => auth.signed_in(session),
                    SessionStage::TotpRequired => {
                        password.set(String::new());
                        step.set(Step::Totp);
                        focus("totp-code");
                    }
                    SessionStage::TotpEnrolmentRequired => {
                        password.set(String::new());
                        step.set(Step::Enrol(None));
                        match api::start_totp_enrolment(Default::default()).await {
                            Ok(enrolment) => {
                                step.set(Step::Enrol(Some(enrolment)));
                                focus("totp-code");
                            }
                            Err(failure) => error.set(Some(Problem::Api(failure))),
                        }
                    }
                },
                Err(failure) => {
                    password.set(String::new());
                    error.set(Some(Problem::Api(failure)));
                    focus("password");
                }
            }
        }
    });
    let pending = sign_in.pending();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let user = username.get_untracked().trim().to_owned();
        let pass = password.get_untracked();
        if user.is_empty() || pass.is_empty() {
            error.set(Some(Problem::Local(i18n::CREDENTIALS_REQUIRED)));
            focus(if user.is_empty() { "username" } else { "password" });
            return;
        }
        error.set(None);
        sign_in.dispatch(SignInRequest { username: user, password: pass });
    };

    let password_form = move || {
        view! {
        <section class="page page--narrow" aria-labelledby="sign-in-title">
            <div class="card">
                <h1 id="sign-in-title">{tr(i18n::SIGN_IN_TITLE)}</h1>
                <p class="lead">{tr(i18n::SIGN_IN_LEAD)}</p>
                {move || {
                    auth.notice
                        .get()
                        .map(|notice| {
                            view! {
                                <div id="sign-in-notice" class="alert alert--info" role="status">
                                    <p class="alert__title">{tr(notice.text())}</p>
                                </div>
                            }
                        })
                }}
                {move || error.get().map(|e| view! { <ProblemView id="sign-in-error" problem=e /> })}
                <form class="form" on:submit=on_submit novalidate>
                    <div class="field">
                        <label class="field__label" for="username">{tr(i18n::USERNAME)}</label>
                        <input
                            id="username"
                            name="username"
                            class="input"
                            type="text"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            required
                            autofocus
                            prop:value=move || username.get()
                            on:input=move |ev| username.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label class="field__label" for="password">{tr(i18n::PASSWORD)}</label>
                        <input
                            id="password"
                            name="password"
                            class="input"
                            type="password"
                            autocomplete="current-password"
                            required
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))
                        />
                    </div>
                    <button id="sign-in" type="submit" class="button button--primary" disabled=move || pending.get()>
                        {move || if pending.get() { i18n.t(i18n::SIGNING_IN) } else { i18n.t(i18n::SIGN_IN) }}
                    </button>
                </form>
            </div>
        </section>
        }
    };

    view! {
        {move || match step.get() {
            Step::Password => password_form().into_any(),
            Step::Totp => view! { <SecondStep step=step enrolment=None /> }.into_any(),
            Step::Enrol(enrolment) => view! { <SecondStep step=step enrolment=enrolment /> }.into_any(),
        }}
    }
}

/// The code from the authenticator app: to finish sign-in, or to confirm a
/// new enrolment (then `enrolment` holds the key to show).
#[component]
fn SecondStep(step: RwSignal<Step>, enrolment: Option<TotpEnrolment>) -> impl IntoView {
    let auth = use_auth();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Problem>);
    let enrolling = enrolment.is_some() || matches!(step.get_untracked(), Step::Enrol(..));
    let submit = Action::new_local(move |value: &String| {
        let value = value.clone();
        async move {
            let result =
                if enrolling { api::confirm_totp_enrolment(value).await } else { api::verify_totp(value).await };
            match result {
                Ok(session) => auth.signed_in(session),
                Err(failure) => {
                    code.set(String::new());
                    error.set(Some(Problem::Api(failure)));
                    focus("totp-code");
                }
            }
        }
    });
    let pending = submit.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value: String = code.get_untracked().chars().filter(|c| !c.is_whitespace()).collect();
        if !is_totp_code(&value) {
            error.set(Some(Problem::Local(TOTP_CODE_FORMAT)));
            focus("totp-code");
            return;
        }
        error.set(None);
        submit.dispatch(value);
    };
    let back = move |_| {
        // Ends the half-finished session on the server too.
        leptos::task::spawn_local(async move {
            let _ = api::sign_out().await;
        });
        step.set(Step::Password);
    };
    view! {
        <section class="page page--narrow" aria-labelledby="totp-title">
            <div class="card">
                <h1 id="totp-title">{tr(if enrolling { ENROL_TITLE } else { TOTP_TITLE })}</h1>
                <p class="lead">{tr(if enrolling { ENROL_LEAD } else { TOTP_LEAD })}</p>
                {enrolment.map(|e| view! { <EnrolmentKey enrolment=e /> })}
                {move || error.get().map(|e| view! { <ProblemView id="sign-in-error" problem=e /> })}
                <form class="form" on:submit=on_submit novalidate>
                    <div class="field">
                        <label class="field__label" for="totp-code">{tr(TOTP_CODE)}</label>
                        <input
                            id="totp-code"
                            name="totp-code"
                            class="input"
                            type="text"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            maxlength="7"
                            required
                            autofocus
                            prop:value=move || code.get()
                            on:input=move |ev| code.set(event_target_value(&ev))
                        />
                    </div>
                    <button id="totp-submit" type="submit" class="button button--primary" disabled=move || pending.get()>
                        {tr(TOTP_SUBMIT)}
                    </button>
                    " "
                    <button id="totp-back" type="button" class="button button--ghost" on:click=back>
                        {tr(BACK)}
                    </button>
                </form>
            </div>
        </section>
    }
}

/// The key of a new authenticator enrolment, to type into the app, and its
/// `otpauth:` link.
#[component]
pub(crate) fn EnrolmentKey(enrolment: TotpEnrolment) -> impl IntoView {
    view! {
        <div class="field">
            <span class="field__label">{tr(ENROL_KEY)}</span>
            <code id="totp-secret" class="secret">{enrolment.secret}</code>
        </div>
        <details class="field">
            <summary>{tr(ENROL_URI)}</summary>
            <code id="totp-uri" class="secret">{enrolment.otpauth_uri}</code>
        </details>
    }
}
