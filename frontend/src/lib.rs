//! Padan's officer-facing SPA (Leptos, client-side rendered, built by Trunk).
//!
//! `App` provides the language and session state, then routes:
//!
//! | path | page |
//! |---|---|
//! | `/masuk` | sign in |
//! | `/verifikasi/elemen` | verify by elements (officers) |
//! | `/verifikasi/wajah` | face match (officers) |
//! | `/portal` | population data portal, display only (officers) |
//! | `/ikd` | look-up of the NIK from the IKD app (officers) |
//! | `/ktp-el` | read a KTP-el through the local reader-agent (officers) |
//! | `/admin/perjanjian` | agreements (admin; auditor read-only) |
//! | `/admin/peringatan` | alerts (admin) |
//! | `/admin/pembaca` | KTP-el reader/SAM registry (admin) |
//! | `/admin/registri-asn` | ASN registry import and its report (admin) |
//! | `/admin/data-balikan` | data-balikan outbox dashboard (admin) |
//! | `/admin/petugas` | officer accounts: create, role/office, (de)activate, reset second factor (admin) |
//! | `/audit` | audit trail and misuse signals (auditor, admin; supervisor: own office) |
//! | `/akun` | own account: password, authenticator app, sign out everywhere (everyone) |
//! | `/` | redirects to the role's first page |
//! | anything else | not found |
//!
//! Population data lives only in the signals of the page that shows it and
//! is dropped with that page; nothing goes to browser storage.

pub mod agent;
pub mod api;
pub mod components;
mod dom;
pub mod i18n;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::Shell;
use crate::i18n::tr;
use crate::pages::admin::{Agreements, Alerts, Readers, RequireRole};
use crate::pages::audit::Audit;
use crate::pages::balikan::{Balikan, RegistryImport};
use crate::pages::card_read::CardRead;
use crate::pages::face_match::FaceMatch;
use crate::pages::lookup::{IkdLookup, PortalLookup};
use crate::pages::{not_found::NotFound, sign_in::SignIn, verify_elements::VerifyElements};
use crate::session::{provide_auth, use_auth};
use padan_protocol::v1::Role;

pub const HOME: &str = "/verifikasi/elemen";
pub const SIGN_IN: &str = "/masuk";
pub const AGREEMENTS: &str = "/admin/perjanjian";
pub const READERS: &str = "/admin/pembaca";
pub const AUDIT: &str = "/audit";

/// The first page of a role.
pub fn home_for(role: Role) -> &'static str {
    if role.may_verify() { HOME } else { AGREEMENTS }
}

fn anyone(_: Role) -> bool {
    true
}

fn admin_or_auditor(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Auditor)
}

fn audit_reader(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Auditor | Role::Supervisor)
}

fn admin_only(role: Role) -> bool {
    role == Role::Admin
}

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
                        // Everything else is for a signed-in officer of the group's roles.
                        <ParentRoute path=path!("") view=|| guard(anyone)>
                            <Route path=path!("/verifikasi/elemen") view=VerifyElements />
                            <Route path=path!("/verifikasi/wajah") view=FaceMatch />
                            <Route path=path!("/portal") view=PortalLookup />
                            <Route path=path!("/ikd") view=IkdLookup />
                            <Route path=path!("/ktp-el") view=CardRead />
                            <Route path=path!("/akun") view=pages::account::Account />
                        </ParentRoute>
                        <ParentRoute path=path!("") view=|| guard(admin_or_auditor)>
                            <Route path=path!("/admin/perjanjian") view=Agreements />
                        </ParentRoute>
                        <ParentRoute path=path!("") view=|| guard(audit_reader)>
                            <Route path=path!("/audit") view=Audit />
                        </ParentRoute>
                        <ParentRoute path=path!("") view=|| guard(admin_only)>
                            <Route path=path!("/admin/peringatan") view=Alerts />
                            <Route path=path!("/admin/registri-asn") view=RegistryImport />
                            <Route path=path!("/admin/data-balikan") view=Balikan />
                            <Route path=path!("/admin/petugas") view=pages::officers::Officers />
                            <Route path=path!("/admin/pembaca") view=Readers />
                        </ParentRoute>
                        <Route path=path!("/") view=Home />
                    </Routes>
                </Shell>
            </Router>
        </Show>
    }
}

/// A group's nested routes: the sign-in page unless an officer is signed
/// in (also the moment a session expires), then the page for the roles
/// `allow` lets in, and why not for the others.
fn guard(allow: fn(Role) -> bool) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.is_signed_in() fallback=|| view! { <Redirect path=SIGN_IN /> }>
            <RequireRole allow=allow>
                <Outlet />
            </RequireRole>
        </Show>
    }
}

/// `/`: the signed-in officer's first page, else sign in.
#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    move || {
        let path = auth.officer().map_or(SIGN_IN, |o| home_for(o.role));
        view! { <Redirect path=path /> }
    }
}
