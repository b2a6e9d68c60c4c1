//! Padan's officer-facing SPA (Leptos, client-side rendered, built by Trunk).
//!
//! `App` provides the language and session state, then routes:
//!
//! | path | page |
//! |---|---|
//! | `/masuk` | sign in |
//! | `/verifikasi/elemen` | verify by elements (needs a session) |
//! | `/` | redirects to `/verifikasi/elemen` |
//! | anything else | not found |
//!
//! Population data lives only in the signals of the page that shows it and
//! is dropped with that page; nothing goes to browser storage.

pub mod api;
pub mod components;
mod dom;
pub mod i18n;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::Shell;
use crate::i18n::tr;
use crate::pages::{not_found::NotFound, sign_in::SignIn, verify_elements::VerifyElements};
use crate::session::{provide_auth, use_auth};

pub const HOME: &str = "/verifikasi/elemen";
pub const SIGN_IN: &str = "/masuk";

#[component]
pub fn App() -> impl IntoView {
    i18n::provide_i18n();
    let auth = provide_auth();

    view! {
        <Show
            when=move || auth.checked.get()
            fallback=move || view! { <p class="boot" role="status">{tr(i18n::LOADING)}</p> }
        >
            <Router>
                <Shell>
                    <Routes fallback=NotFound>
                        <Route path=path!("/masuk") view=SignIn />
                        <Route
                            path=path!("/verifikasi/elemen")
                            view=|| view! { <RequireSession><VerifyElements /></RequireSession> }
                        />
                        <Route path=path!("/") view=|| view! { <Redirect path=HOME /> } />
                    </Routes>
                </Shell>
            </Router>
        </Show>
    }
}

/// Renders its children only for a signed-in officer; otherwise (including
/// the moment a session expires) goes to the sign-in page.
#[component]
fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.is_signed_in() fallback=|| view! { <Redirect path=SIGN_IN /> }>
            {children()}
        </Show>
    }
}
