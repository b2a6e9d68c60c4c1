//! Thin handlers, one file per resource: extract, call one service, map.
//!
//! The OpenAPI document is generated from these handlers' annotations and
//! served at `/api/v1/openapi.json`; a test snapshots it.

mod account;
mod admin;
mod audit;
mod card;
mod health;
mod lookup;
mod mechanisms;
mod session;
mod siasn;
mod verify;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
    routing::get,
};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::AppError};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Padan API",
        version = "1",
        description = "Backend-for-frontend of Padan: BKN's single access point to Dukcapil's population \
                       registry. Session cookie + `x-csrf-token` header on state-changing requests. \
                       Responses are `Cache-Control: no-store`."
    ),
    tags(
        (name = "session", description = "Sign in and out"),
        (name = "account", description = "The officer's own password and second factor"),
        (name = "mechanisms", description = "What the agreements open today"),
        (name = "verify", description = "Verification against Dukcapil"),
        (name = "lookup", description = "Look-ups (display only)"),
        (name = "siasn", description = "Service API for the SIASN application"),
        (name = "card", description = "KTP-el reading through the local reader-agent"),
        (name = "admin", description = "Agreements, alerts, the KTP-el reader registry, the ASN registry, data balikan and officer accounts"),
        (name = "audit", description = "The audit trail and misuse signals (auditors, supervisors, admins)"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::show, session::create, session::delete))
        .routes(routes!(session::totp))
        .routes(routes!(session::revoke_all))
        .routes(routes!(account::show))
        .routes(routes!(account::password))
        .routes(routes!(account::totp_start))
        .routes(routes!(account::totp_confirm))
        .routes(routes!(account::notices_ack))
        .routes(routes!(mechanisms::list))
        .routes(routes!(verify::elements))
        .routes(routes!(verify::face))
        .routes(routes!(lookup::portal))
        .routes(routes!(lookup::ikd))
        .routes(routes!(siasn::lookup))
        .routes(routes!(admin::agreements::list, admin::agreements::create))
        .routes(routes!(admin::alerts::list))
        .routes(routes!(admin::alerts::resolve))
        .routes(routes!(admin::readers::list, admin::readers::create))
        .routes(routes!(admin::registry::history, admin::registry::import))
        .routes(routes!(admin::registry::report))
        .routes(routes!(admin::balikan::dashboard))
        .routes(routes!(admin::balikan::retry))
        .routes(routes!(admin::officers::list, admin::officers::create))
        .routes(routes!(admin::officers::change_role))
        .routes(routes!(admin::officers::set_active))
        .routes(routes!(admin::officers::reset_second_factor))
        .routes(routes!(audit::records))
        .routes(routes!(audit::records_csv))
        .routes(routes!(audit::signals))
        .routes(routes!(card::ticket))
        .routes(routes!(card::nonce))
        .routes(routes!(card::verify))
        .routes(routes!(health::healthz))
        .routes(routes!(health::livez))
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// Routes outside the OpenAPI document. The router registers exactly these
/// (see [`router`]), and the authorization-matrix test reads them with the
/// OpenAPI paths through [`route_table`]: a route cannot exist unlisted.
/// `/metrics` is not among them: it is served on the management listener
/// only ([`management_router`], `server.management_listen`).
pub const PLAIN_ROUTES: [(&str, &str); 1] = [("GET", "/api/v1/openapi.json")];

/// The largest body a route accepts. Every route takes
/// `server.max_body_bytes`, except those whose handler reads a larger body
/// itself; a declared `Content-Length` above this is refused before
/// reading (`web::server::limit_request_bodies`).
pub fn body_limit(matched_path: Option<&str>, config: &crate::config::Config) -> usize {
    match matched_path {
        Some("/api/v1/admin/registry/imports") => {
            usize::try_from(config.balikan.import_max_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
        }
        _ => config.server.max_body_bytes,
    }
}

/// The management listener's routes: the Prometheus metrics (remaining
/// Dukcapil quota, denied requests, per-route activity: not for every
/// address on the network) and the health checks, which stay public on
/// the officers' listener too.
pub fn management_router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(health::metrics))
        .route("/livez", get(health::livez))
        .route("/healthz", get(health::healthz))
}

/// Every (method, path) the router serves, besides the JSON 404 under
/// `/api/` and the SPA fallback.
pub fn route_table() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in &openapi().paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("HEAD", &item.head),
            ("OPTIONS", &item.options),
            ("TRACE", &item.trace),
        ];
        out.extend(ops.into_iter().filter(|(_, op)| op.is_some()).map(|(m, _)| (m.to_owned(), path.clone())));
    }
    out.extend(PLAIN_ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())));
    out
}

pub fn router() -> Router<AppState> {
    let (mut router, doc) = api().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    for (_, path) in PLAIN_ROUTES {
        router = match path {
            "/api/v1/openapi.json" => {
                let doc = doc.clone();
                router.route(path, get(move || async move { Json(doc.as_ref().clone()) }))
            }
            _ => router,
        };
    }
    router.route("/api/{*rest}", axum::routing::any(|| async { AppError::NotFound })).fallback(spa)
}

async fn spa(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    state.spa().respond(&uri, &headers).into_response()
}
