pub mod create;
pub mod delete;
pub mod revoke_all;
pub mod show;
pub mod totp;

use axum::http::HeaderValue;

use crate::{
    AppState,
    auth::{SESSION_COOKIE, SESSION_COOKIE_SECURE},
};

/// `Set-Cookie` for a session token (or its removal when `token` is None).
pub(crate) fn cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let https = state.config().server.https;
    let name = if https { SESSION_COOKIE_SECURE } else { SESSION_COOKIE };
    let secure = if https { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!("{name}={t}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}
