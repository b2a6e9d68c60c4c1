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
use leptos_router::components::{Redirect, Route, Router, Routes};
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
                        <Route
                            path=path!("/verifikasi/elemen")
                            view=|| view! { <RequireSession><VerifyElements /></RequireSession> }
                        />
                        <Route
                            path=path!("/verifikasi/wajah")
                            view=|| view! { <RequireSession><FaceMatch /></RequireSession> }
                        />
                        <Route
                            path=path!("/portal")
                            view=|| view! { <RequireSession><PortalLookup /></RequireSession> }
                        />
                        <Route path=path!("/ikd") view=|| view! { <RequireSession><IkdLookup /></RequireSession> } />
                        <Route path=path!("/ktp-el") view=|| view! { <RequireSession><CardRead /></RequireSession> } />
                        <Route
                            path=path!("/admin/perjanjian")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_or_auditor>
                                            <Agreements />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/admin/peringatan")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_only>
                                            <Alerts />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/admin/registri-asn")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_only>
                                            <RegistryImport />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/admin/data-balikan")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_only>
                                            <Balikan />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/admin/petugas")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_only>
                                            <pages::officers::Officers />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/admin/pembaca")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=admin_only>
                                            <Readers />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/audit")
                            view=|| {
                                view! {
                                    <RequireSession>
                                        <RequireRole allow=audit_reader>
                                            <Audit />
                                        </RequireRole>
                                    </RequireSession>
                                }
                            }
                        />
                        <Route
                            path=path!("/akun")
                            view=|| view! { <RequireSession><pages::account::Account /></RequireSession> }
                        />
                        <Route path=path!("/") view=Home />
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

/// `/`: the signed-in officer's first page, else sign in.
#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    move || {
        let path = auth.officer().map_or(SIGN_IN, |o| home_for(o.role));
        view! { <Redirect path=path /> }
    }
}
