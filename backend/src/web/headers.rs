//! Security headers and same-origin enforcement.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{AppState, error::AppError};

/// Permissions-Policy of the SPA document: camera for this origin only.
pub const PERMISSIONS_DOCUMENT: &str = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), \
     serial=(), bluetooth=(), display-capture=(), fullscreen=(self), interest-cohort=()";
/// Permissions-Policy of everything else: nothing.
pub const PERMISSIONS_OTHER: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
     bluetooth=(), display-capture=(), fullscreen=(), interest-cohort=()";

pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, state.spa().csp().clone());
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    // The SPA is one document: the face-capture page (`/verifikasi/wajah`)
    // is a client-side route of it, so the camera cannot be granted to that
    // page alone without granting it to the document. The document gets
    // `camera=(self)` (never a third party, never a frame); every other
    // response (API, assets) gets `camera=()`. Only the face page calls
    // getUserMedia and it stops the track when the officer leaves it.
    let is_document =
        h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(if is_document { PERMISSIONS_DOCUMENT } else { PERMISSIONS_OTHER }),
    );
    if state.config().server.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    // API answers may carry population data: never cache them anywhere.
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    response
}

/// State-changing requests must come from our own pages: a browser always
/// sends `Origin` on them, and it must name the host it is talking to.
/// (Together with `SameSite=Strict` and the CSRF token, defence in depth.)
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest.trim_end_matches('/'))
                .unwrap_or_default();
            if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
                return AppError::Csrf.into_response();
            }
        }
    }
    next.run(request).await
}
