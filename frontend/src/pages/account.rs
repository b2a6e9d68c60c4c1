//! `/akun`: the officer's own account — change the password, enrol (or
//! replace) the authenticator app, sign out on every device.

use leptos::prelude::*;
use padan_protocol::v1::{
    ChangePasswordRequest, PASSWORD_MIN_LENGTH, StartTotpEnrolmentRequest, TotpEnrolment, is_totp_code,
};

use crate::api;
use crate::components::error_banner::{Problem, ProblemView};
use crate::components::form::TextField;
use crate::components::page::{Page, ResourceView};
use crate::dom::focus;
use crate::i18n::{Text, tr};
use crate::pages::sign_in::{ENROL_TITLE, EnrolmentKey, TOTP_CODE_FORMAT, TOTP_TITLE};
use crate::session::{Notice, use_auth};

const TITLE: Text = Text { id: "Akun saya", en: "My account" };
const PASSWORD_TITLE: Text = Text { id: "Ganti kata sandi", en: "Change password" };
const PASSWORD_HINT: Text = Text {
    id: "Minimal 12 karakter. Kalimat sandi yang mudah diingat lebih baik daripada kata yang rumit. Kata sandi \
         yang umum atau pernah bocor, nama pengguna dan NIP ditolak. Sesi di perangkat lain akan diakhiri.",
    en: "At least 12 characters. A memorable passphrase beats a complicated word. Common or breached passwords, \
         the username and the NIP are refused. Sessions on other devices will end.",
};
const CURRENT: Text = Text { id: "Kata sandi saat ini", en: "Current password" };
const NEW: Text = Text { id: "Kata sandi baru", en: "New password" };
const REPEAT: Text = Text { id: "Ulangi kata sandi baru", en: "Repeat the new password" };
const SAVE: Text = Text { id: "Simpan kata sandi", en: "Save password" };
const TOO_SHORT: Text =
    Text { id: "Kata sandi baru minimal 12 karakter.", en: "The new password needs 12 characters." };
const MISMATCH: Text = Text { id: "Kedua isian kata sandi baru tidak sama.", en: "The two new passwords differ." };
const CHANGED: Text = Text {
    id: "Kata sandi diganti. Sesi di perangkat lain telah diakhiri.",
    en: "Password changed. Sessions on other devices have ended.",
};
const TOTP_ON: Text = Text {
    id: "Aktif: kode aplikasi autentikator diminta setiap masuk.",
    en: "On: the authenticator code is asked at every sign-in.",
};
const TOTP_OFF: Text = Text { id: "Belum aktif.", en: "Not set up." };
const TOTP_REQUIRED: Text = Text { id: "Wajib untuk peran Anda.", en: "Required for your role." };
const TOTP_CODE: Text = Text { id: "Kode dari aplikasi", en: "Code from the app" };
const TOTP_CONFIRM: Text = Text { id: "Konfirmasi", en: "Confirm" };
const TOTP_DONE: Text = Text { id: "Aplikasi autentikator terdaftar.", en: "Authenticator app enrolled." };
const TOTP_REPLACE: Text = Text { id: "Ganti aplikasi autentikator", en: "Replace the authenticator app" };
const TOTP_CURRENT_CODE: Text =
    Text { id: "Kode dari aplikasi yang sekarang terdaftar", en: "Code from the app enrolled now" };
const TOTP_CURRENT_HINT: Text = Text {
    id: "Untuk mengganti aplikasi autentikator, buktikan dulu bahwa Anda memegang yang lama. Sesi di perangkat \
         lain akan diakhiri.",
    en: "To replace the authenticator app, first prove you hold the current one. Sessions on other devices will \
         end.",
};
const TOTP_PASSWORD: Text = Text { id: "Kata sandi Anda", en: "Your password" };
const EVERYWHERE_TITLE: Text = Text { id: "Keluar dari semua perangkat", en: "Sign out on every device" };
const EVERYWHERE_HINT: Text = Text {
    id: "Mengakhiri semua sesi akun ini, termasuk sesi ini. Gunakan bila Anda lupa keluar di komputer lain.",
    en: "Ends every session of this account, this one included. Use it if you forgot to sign out elsewhere.",
};

#[component]
pub fn Account() -> impl IntoView {
    view! {
        <Page title_id="account-title" title=TITLE narrow=true>
            <ChangePassword />
            <SecondFactor />
            <SignOutEverywhere />
        </Page>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(false);
    let save = Action::new_local(move |request: &ChangePasswordRequest| {
        let request = request.clone();
        async move {
            match api::change_password(request).await {
                Ok(()) => {
                    for s in [current, new, repeat] {
                        s.set(String::new());
                    }
                    done.set(true);
                }
                Err(failure) => problem.set(Some(Problem::Api(failure))),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let (c, n, r) = (current.get_untracked(), new.get_untracked(), repeat.get_untracked());
        let local = if n.chars().count() < PASSWORD_MIN_LENGTH {
            Some(TOO_SHORT)
        } else if n != r {
            Some(MISMATCH)
        } else {
            None
        };
        if let Some(text) = local {
            problem.set(Some(Problem::Local(text)));
            focus("new-password");
            return;
        }
        problem.set(None);
        save.dispatch(ChangePasswordRequest { current_password: c, new_password: n });
    };
    let field = |id: &'static str, label: Text, value: RwSignal<String>, autocomplete: &'static str| {
        view! { <TextField id=id label=label value=value input_type="password" autocomplete=autocomplete /> }
    };
    view! {
        <div class="card">
            <h2>{tr(PASSWORD_TITLE)}</h2>
            <p class="hint">{tr(PASSWORD_HINT)}</p>
            {move || problem.get().map(|p| view! { <ProblemView id="password-error" problem=p /> })}
            <Show when=move || done.get()>
                <div id="password-changed" class="alert alert--info" role="status">
                    <p class="alert__title">{tr(CHANGED)}</p>
                </div>
            </Show>
            <form class="form" on:submit=on_submit novalidate>
                {field("current-password", CURRENT, current, "current-password")}
                {field("new-password", NEW, new, "new-password")}
                {field("repeat-password", REPEAT, repeat, "new-password")}
                <button id="password-save" type="submit" class="button button--primary" disabled=move || save.pending().get()>
                    {tr(SAVE)}
                </button>
            </form>
        </div>
    }
}

#[component]
fn SecondFactor() -> impl IntoView {
    let account = LocalResource::new(api::account);
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let code = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(false);
    let proof = RwSignal::new(String::new());
    let start = Action::new_local(move |request: &StartTotpEnrolmentRequest| {
        let request = request.clone();
        async move {
            done.set(false);
            proof.set(String::new());
            match api::start_totp_enrolment(request).await {
                Ok(e) => {
                    enrolment.set(Some(e));
                    problem.set(None);
                    focus("enrol-code");
                }
                Err(failure) => problem.set(Some(Problem::Api(failure))),
            }
        }
    });
    let enrolled = move || account.get().and_then(|r| r.ok()).is_some_and(|info| info.totp_enrolled);
    let on_start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let given = proof.get_untracked();
        let request = if enrolled() {
            let code: String = given.chars().filter(|c| !c.is_whitespace()).collect();
            if !is_totp_code(&code) {
                problem.set(Some(Problem::Local(TOTP_CODE_FORMAT)));
                focus("totp-proof");
                return;
            }
            StartTotpEnrolmentRequest { current_code: Some(code), password: None }
        } else {
            StartTotpEnrolmentRequest { current_code: None, password: Some(given) }
        };
        problem.set(None);
        start.dispatch(request);
    };
    let confirm = Action::new_local(move |value: &String| {
        let value = value.clone();
        async move {
            match api::confirm_totp_enrolment(value).await {
                Ok(_) => {
                    enrolment.set(None);
                    code.set(String::new());
                    done.set(true);
                    account.refetch();
                }
                Err(failure) => {
                    code.set(String::new());
                    problem.set(Some(Problem::Api(failure)));
                }
            }
        }
    });
    let on_confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value: String = code.get_untracked().chars().filter(|c| !c.is_whitespace()).collect();
        if !is_totp_code(&value) {
            problem.set(Some(Problem::Local(TOTP_CODE_FORMAT)));
            return;
        }
        problem.set(None);
        confirm.dispatch(value);
    };
    view! {
        <div class="card">
            <h2>{tr(TOTP_TITLE)}</h2>
            <ResourceView resource=account error_id="account-error" let:info>
                <p id="totp-status" data-enrolled=info.totp_enrolled.to_string()>
                    {tr(if info.totp_enrolled { TOTP_ON } else { TOTP_OFF })}
                    " "
                    {info.totp_required.then(|| tr(TOTP_REQUIRED))}
                </p>
            </ResourceView>
            {move || problem.get().map(|p| view! { <ProblemView id="totp-error" problem=p /> })}
            <Show when=move || done.get()>
                <div id="totp-enrolled" class="alert alert--info" role="status">
                    <p class="alert__title">{tr(TOTP_DONE)}</p>
                </div>
            </Show>
            {move || match enrolment.get() {
                None => view! {
                    <form class="form" on:submit=on_start novalidate>
                        <div class="field">
                            <label class="field__label" for="totp-proof">
                                {move || tr(if enrolled() { TOTP_CURRENT_CODE } else { TOTP_PASSWORD })}
                            </label>
                            <Show when=enrolled>
                                <p id="totp-proof-hint" class="hint">{tr(TOTP_CURRENT_HINT)}</p>
                            </Show>
                            <input
                                id="totp-proof"
                                class="input"
                                type=move || if enrolled() { "text" } else { "password" }
                                inputmode=move || if enrolled() { "numeric" } else { "text" }
                                autocomplete=move || if enrolled() { "one-time-code" } else { "current-password" }
                                aria-describedby=move || enrolled().then_some("totp-proof-hint")
                                prop:value=move || proof.get()
                                on:input=move |ev| proof.set(event_target_value(&ev))
                            />
                        </div>
                        <button
                            id="totp-start"
                            type="submit"
                            class="button button--secondary"
                            disabled=move || start.pending().get()
                        >
                            {move || tr(if enrolled() { TOTP_REPLACE } else { ENROL_TITLE })}
                        </button>
                    </form>
                }
                .into_any(),
                Some(e) => view! {
                    <EnrolmentKey enrolment=e />
                    <form class="form" on:submit=on_confirm novalidate>
                        <div class="field">
                            <label class="field__label" for="enrol-code">{tr(TOTP_CODE)}</label>
                            <input
                                id="enrol-code"
                                class="input"
                                type="text"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                maxlength="7"
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                            />
                        </div>
                        <button id="totp-confirm" type="submit" class="button button--primary">{tr(TOTP_CONFIRM)}</button>
                    </form>
                }
                .into_any(),
            }}
        </div>
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let auth = use_auth();
    let action = Action::new_local(move |_: &()| async move {
        // This session ends too: whatever the answer, forget it here.
        let _ = api::sign_out_everywhere().await;
        auth.end(Notice::SignedOut);
    });
    view! {
        <div class="card">
            <h2>{tr(EVERYWHERE_TITLE)}</h2>
            <p class="hint">{tr(EVERYWHERE_HINT)}</p>
            <button
                id="sign-out-everywhere"
                type="button"
                class="button button--secondary"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    action.dispatch(());
                }
            >
                {tr(EVERYWHERE_TITLE)}
            </button>
        </div>
    }
}
