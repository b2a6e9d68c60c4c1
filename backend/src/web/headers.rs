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

/// The authority (`host[:port]`, lowercase, the scheme's default port
/// dropped) of an origin `scheme://host[:port]`.
fn origin_authority(origin: &str) -> Option<(String, String)> {
    let (scheme, rest) = origin.split_once("://")?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), normal_authority(rest, scheme)))
}

fn normal_authority(authority: &str, scheme: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    match authority.strip_suffix(default) {
        Some(bare) if !default.is_empty() => bare.to_owned(),
        _ => authority,
    }
}

/// The host part of an authority (`[::1]:8080` → `[::1]`, `a:1` → `a`).
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(host, _)| host)
}

fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "[::1]") || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The authority the request is addressed to: `Host`, or the URI's
/// (HTTP/2 `:authority`).
fn request_authority(request: &Request) -> Option<String> {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned);
    host.or_else(|| request.uri().authority().map(|a| a.as_str().to_owned())).filter(|h| !h.is_empty())
}

/// Whether `authority` (from `Host`) is one this server answers for:
/// one of `server.public_origins`, or, when none are configured, a
/// loopback host (the demo and tests).
fn host_served(state: &AppState, authority: &str) -> bool {
    let origins = &state.config().server.public_origins;
    if origins.is_empty() {
        return is_loopback_host(host_of(&authority.to_ascii_lowercase()));
    }
    origins.iter().filter_map(|o| origin_authority(o)).any(|(scheme, a)| normal_authority(authority, &scheme) == a)
}

/// Requests for a `Host` this server does not serve are refused (421)
/// before any route sees them: a DNS-rebinding page, or a name an attacker
/// pointed at BKN's address, gets nothing. Liveness and readiness probes
/// (which load balancers send to the bare address) are exempt.
pub async fn known_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/livez" || path == "/healthz" {
        return next.run(request).await;
    }
    match request_authority(&request) {
        Some(authority) if host_served(&state, &authority) => next.run(request).await,
        _ => AppError::MisdirectedHost.into_response(),
    }
}

/// State-changing requests must come from our own pages: a browser always
/// sends `Origin` on them, and it must be one of `server.public_origins`
/// (exactly: scheme, host and port), or, when none are configured, the
/// loopback host the request was sent to. Never the request's own `Host`
/// alone, which whoever sends the request chooses.
/// (Together with `SameSite=Strict` and the CSRF token, defence in depth.)
pub async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            let origin = origin.to_str().ok().and_then(origin_authority);
            let origins = &state.config().server.public_origins;
            let allowed = match origin {
                None => false,
                Some((scheme, authority)) if origins.is_empty() => {
                    let host = request_authority(&request).map(|h| normal_authority(&h, &scheme));
                    is_loopback_host(host_of(&authority)) && host.as_deref() == Some(authority.as_str())
                }
                Some(given) => origins.iter().filter_map(|o| origin_authority(o)).any(|o| o == given),
            };
            if !allowed {
                return AppError::Csrf.into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::{host_of, is_loopback_host, normal_authority, origin_authority};

    #[test]
    fn authorities_compare_without_default_ports_and_case() {
        assert_eq!(origin_authority("https://Padan.BKN.go.id"), Some(("https".into(), "padan.bkn.go.id".into())));
        assert_eq!(origin_authority("https://padan.bkn.go.id:443/"), Some(("https".into(), "padan.bkn.go.id".into())));
        assert_eq!(origin_authority("http://10.1.2.3:8080"), Some(("http".into(), "10.1.2.3:8080".into())));
        assert_eq!(origin_authority("https://a/b"), None);
        assert_eq!(origin_authority("null"), None);
        assert_eq!(normal_authority("padan.bkn.go.id:443", "https"), "padan.bkn.go.id");
        assert_eq!(normal_authority("padan.bkn.go.id:8443", "https"), "padan.bkn.go.id:8443");
        assert_eq!(host_of("[::1]:8080"), "[::1]");
        assert_eq!(host_of("127.0.0.1:8080"), "127.0.0.1");
        assert!(is_loopback_host("127.0.0.7") && is_loopback_host("localhost") && is_loopback_host("[::1]"));
        assert!(!is_loopback_host("127.0.0.1.evil.example") && !is_loopback_host("10.0.0.1"));
    }
}
