//! Who is signed in, as far as the SPA knows.
//!
//! The session itself is an `HttpOnly` cookie; the SPA only holds the
//! [`SessionInfo`] the backend returned (officer identity, CSRF token), in
//! memory, for the life of the tab.

use leptos::prelude::*;
use padan_protocol::v1::{OfficerInfo, SessionInfo};

use crate::api;
use crate::i18n::{self, Text};

/// A one-off message for the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SessionExpired,
    SignedOut,
}

impl Notice {
    pub fn text(self) -> Text {
        match self {
            Notice::SessionExpired => i18n::SESSION_EXPIRED,
            Notice::SignedOut => i18n::SIGNED_OUT,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Auth {
    /// `false` until the start-up probe of `GET /api/v1/session` answered.
    pub checked: RwSignal<bool>,
    pub session: RwSignal<Option<SessionInfo>>,
    pub notice: RwSignal<Option<Notice>>,
}

impl Auth {
    pub fn officer(self) -> Option<OfficerInfo> {
        self.session.with(|s| s.as_ref().map(|s| s.officer.clone()))
    }

    pub fn is_signed_in(self) -> bool {
        self.session.with(Option::is_some)
    }

    pub fn signed_in(self, session: SessionInfo) {
        self.notice.set(None);
        self.session.set(Some(session));
    }

    /// Drops the local view of the session; the route guard then shows the
    /// sign-in page.
    pub fn end(self, notice: Notice) {
        api::forget_session();
        self.session.set(None);
        self.notice.set(Some(notice));
    }
}

/// Creates the auth state, wires the api client's 401 handling to it and
/// probes the backend for an existing session.
pub fn provide_auth() -> Auth {
    let auth = Auth { checked: RwSignal::new(false), session: RwSignal::new(None), notice: RwSignal::new(None) };
    provide_context(auth);
    api::on_session_expired(move || {
        if auth.session.get_untracked().is_some() {
            auth.end(Notice::SessionExpired);
        }
    });
    leptos::task::spawn_local(async move {
        // Any failure (401, network) simply means: not signed in.
        if let Ok(session) = api::current_session().await {
            auth.session.set(Some(session));
        }
        auth.checked.set(true);
    });
    auth
}

pub fn use_auth() -> Auth {
    // `App` provides it before the router renders; see `provide_auth`.
    use_context::<Auth>().unwrap_or_else(provide_auth)
}
