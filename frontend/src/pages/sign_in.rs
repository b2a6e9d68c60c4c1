//! `/masuk`: username and password.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use padan_protocol::v1::SignInRequest;

use crate::api::{self, ApiFailure};
use crate::components::error_banner::ErrorBanner;
use crate::dom::focus;
use crate::i18n::{self, tr, use_i18n};
use crate::session::use_auth;

#[component]
pub fn SignIn() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || !auth.is_signed_in() fallback=|| view! { <Redirect path="/" /> }>
            <SignInForm />
        </Show>
    }
}

/// Why the last attempt failed.
#[derive(Debug, Clone, PartialEq)]
enum SignInError {
    MissingCredentials,
    Failed(ApiFailure),
}

#[component]
fn SignInForm() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<SignInError>);

    let sign_in = Action::new_local(move |request: &SignInRequest| {
        let request = request.clone();
        async move {
            match api::sign_in(request).await {
                Ok(session) => auth.signed_in(session),
                Err(failure) => {
                    password.set(String::new());
                    error.set(Some(SignInError::Failed(failure)));
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
            error.set(Some(SignInError::MissingCredentials));
            focus(if user.is_empty() { "username" } else { "password" });
            return;
        }
        error.set(None);
        sign_in.dispatch(SignInRequest { username: user, password: pass });
    };

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
                {move || error.get().map(|e| view! { <SignInErrorView error=e /> })}
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
}

#[component]
fn SignInErrorView(error: SignInError) -> impl IntoView {
    match error {
        SignInError::MissingCredentials => view! {
            <div id="sign-in-error" class="alert alert--error" role="alert">
                <p class="alert__title">{tr(i18n::CREDENTIALS_REQUIRED)}</p>
            </div>
        }
        .into_any(),
        SignInError::Failed(failure) => view! { <ErrorBanner id="sign-in-error" failure=failure /> }.into_any(),
    }
}
