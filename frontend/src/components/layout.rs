//! The page frame: skip link, header (officer, language, sign-out), main
//! landmark and footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::i18n::{self, tr, use_i18n};
use crate::session::{Notice, use_auth};

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">{tr(i18n::SKIP_TO_CONTENT)}</a>
        <Header />
        <main id="main" class="main" tabindex="-1">
            <div class="container">
                <AccountNotices />
                {children()}
            </div>
        </main>
        <footer class="site-footer">
            <div class="container">
                <p>{tr(i18n::FOOTER_NOTICE)}</p>
            </div>
        </footer>
    }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();

    view! {
        <header class="site-header">
            <div class="container site-header__bar">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"P"</span>
                    <span class="brand__text">
                        <span class="brand__name">{tr(i18n::APP_NAME)}</span>
                        <span class="brand__tagline">{tr(i18n::APP_TAGLINE)}</span>
                    </span>
                </a>
                <div class="site-header__tools">
                    <OfficerBadge />
                    <button
                        id="lang-toggle"
                        type="button"
                        class="button button--ghost"
                        lang=move || i18n.lang().other().code()
                        title=tr(i18n::LANG_TOGGLE_HINT)
                        on:click=move |_| i18n.toggle()
                    >
                        {tr(i18n::LANG_TOGGLE)}
                    </button>
                    <Show when=move || auth.is_signed_in()>
                        <A href="/akun" attr:id="account-link" attr:class="button button--ghost">
                            {tr(ACCOUNT)}
                        </A>
                        <SignOutButton />
                    </Show>
                </div>
            </div>
            <Show when=move || auth.is_signed_in()>
                <nav class="site-nav" aria-label="Menu">
                    <div class="container">{move || auth.officer().map(|o| nav_items(o.role))}</div>
                </nav>
            </Show>
        </header>
    }
}

/// The pages a role may open.
fn nav_items(role: padan_protocol::v1::Role) -> impl IntoView {
    use padan_protocol::v1::Role;
    let items: &[(&str, i18n::Text)] = match role {
        Role::Officer | Role::Helpdesk => &[
            (crate::HOME, i18n::NAV_VERIFY_ELEMENTS),
            ("/verifikasi/wajah", i18n::NAV_FACE),
            ("/portal", i18n::NAV_PORTAL),
            ("/ikd", i18n::NAV_IKD),
            ("/ktp-el", i18n::NAV_CARD),
        ],
        Role::Supervisor => &[
            (crate::HOME, i18n::NAV_VERIFY_ELEMENTS),
            ("/verifikasi/wajah", i18n::NAV_FACE),
            ("/portal", i18n::NAV_PORTAL),
            ("/ikd", i18n::NAV_IKD),
            ("/ktp-el", i18n::NAV_CARD),
            (crate::AUDIT, i18n::NAV_AUDIT),
        ],
        Role::Admin => &[
            (crate::AGREEMENTS, i18n::NAV_AGREEMENTS),
            ("/admin/peringatan", i18n::NAV_ALERTS),
            (crate::READERS, i18n::NAV_READERS),
            (crate::pages::balikan::REGISTRY, crate::pages::balikan::NAV_REGISTRY),
            (crate::pages::balikan::BALIKAN, crate::pages::balikan::NAV_BALIKAN),
            (crate::pages::officers::OFFICERS, crate::pages::officers::NAV_OFFICERS),
            (crate::AUDIT, i18n::NAV_AUDIT),
        ],
        Role::Auditor => &[(crate::AGREEMENTS, i18n::NAV_AGREEMENTS), (crate::AUDIT, i18n::NAV_AUDIT)],
    };
    items.iter().map(|&(href, label)| view! { <A href=href>{tr(label)}</A> }).collect_view()
}

/// Officer name, role and office, from the session.
#[component]
fn OfficerBadge() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    move || {
        auth.officer().map(|officer| {
            let role = officer.role;
            view! {
                <div class="officer">
                    <span class="visually-hidden">{tr(i18n::SIGNED_IN_AS)}</span>
                    <span id="officer-name" class="officer__name">{officer.display_name}</span>
                    <span class="officer__meta">
                        <span id="officer-role">{move || i18n::role_label(role, i18n.lang())}</span>
                        " · "
                        <span id="officer-office" title=officer.office.code>{officer.office.name}</span>
                    </span>
                </div>
            }
        })
    }
}

const ACCOUNT: i18n::Text = i18n::Text { id: "Akun", en: "Account" };

#[component]
fn SignOutButton() -> impl IntoView {
    let auth = use_auth();
    let sign_out = Action::new_local(move |_: &()| async move {
        // Whatever the backend says, this tab forgets the session: a failed
        // DELETE leaves only a cookie that expires on its own.
        let _ = api::sign_out().await;
        auth.end(Notice::SignedOut);
    });
    view! {
        <button
            id="sign-out"
            type="button"
            class="button button--secondary"
            disabled=move || sign_out.pending().get()
            on:click=move |_| {
                sign_out.dispatch(());
            }
        >
            {tr(i18n::SIGN_OUT)}
        </button>
    }
}

const NOTICES_TITLE: i18n::Text =
    i18n::Text { id: "Perubahan keamanan pada akun Anda", en: "Security changes to your account" };
const NOTICES_HINT: i18n::Text = i18n::Text {
    id: "Jika bukan Anda yang melakukannya, segera hubungi admin dan ganti kata sandi.",
    en: "If this was not you, call an admin at once and change your password.",
};
const NOTICES_ACK: i18n::Text = i18n::Text { id: "Saya mengerti", en: "Understood" };
const FROM_ADDRESS: i18n::Text = i18n::Text { id: "dari alamat", en: "from address" };

fn notice_text(kind: padan_protocol::v1::AccountNoticeKind) -> i18n::Text {
    use padan_protocol::v1::AccountNoticeKind as K;
    match kind {
        K::SecondFactorEnrolled => {
            i18n::Text { id: "Aplikasi autentikator didaftarkan", en: "An authenticator app was enrolled" }
        }
        K::SecondFactorReplaced => {
            i18n::Text { id: "Aplikasi autentikator diganti", en: "The authenticator app was replaced" }
        }
        K::SecondFactorReset => i18n::Text { id: "Admin mereset faktor kedua", en: "An admin reset the second factor" },
        K::PasswordChanged => i18n::Text { id: "Kata sandi diganti", en: "The password was changed" },
    }
}

/// Security changes to the officer's own account made before this
/// session began, until the officer acknowledges them.
#[component]
fn AccountNotices() -> impl IntoView {
    let auth = use_auth();
    let notices = move || auth.session.with(|s| s.as_ref().map(|s| s.notices.clone()).unwrap_or_default());
    let acknowledge = Action::new_local(move |up_to: &i64| {
        let up_to = *up_to;
        async move {
            if api::acknowledge_notices(up_to).await.is_ok() {
                auth.session.update(|s| {
                    if let Some(s) = s {
                        s.notices.retain(|n| n.id > up_to);
                    }
                });
            }
        }
    });
    move || {
        let list = notices();
        let up_to = list.iter().map(|n| n.id).max()?;
        Some(view! {
            <div id="account-notices" class="alert alert--warning" role="alert">
                <p class="alert__title">{tr(NOTICES_TITLE)}</p>
                <ul>
                    {list
                        .into_iter()
                        .map(|n| {
                            let address = (!n.address.is_empty()).then(|| n.address.clone());
                            view! {
                                <li data-notice=n.id>
                                    {tr(notice_text(n.kind))} " · " {n.at.clone()}
                                    {address.map(|a| view! { " · " {tr(FROM_ADDRESS)} " " <code>{a}</code> })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <p>{tr(NOTICES_HINT)}</p>
                <button
                    id="notices-ack"
                    type="button"
                    class="button button--secondary"
                    disabled=move || acknowledge.pending().get()
                    on:click=move |_| {
                        acknowledge.dispatch(up_to);
                    }
                >
                    {tr(NOTICES_ACK)}
                </button>
            </div>
        })
    }
}
