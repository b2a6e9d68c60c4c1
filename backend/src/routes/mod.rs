//! Thin handlers, one file per action: extract, call one service, map.
//!
//! The OpenAPI document is generated from these handlers' annotations and
//! served at `/api/v1/openapi.json`; a test snapshots it.

mod admin;
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
        (name = "mechanisms", description = "What the agreements open today"),
        (name = "verify", description = "Verification against Dukcapil"),
        (name = "lookup", description = "Look-ups (display only)"),
        (name = "siasn", description = "Service API for the SIASN application"),
        (name = "card", description = "KTP-el reading through the local reader-agent"),
        (name = "admin", description = "Agreements, alerts and the KTP-el reader registry"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::show::handler, session::create::handler, session::delete::handler))
        .routes(routes!(mechanisms::list::handler))
        .routes(routes!(verify::elements::handler))
        .routes(routes!(verify::face::handler))
        .routes(routes!(lookup::portal::handler))
        .routes(routes!(lookup::ikd::handler))
        .routes(routes!(siasn::lookup::handler))
        .routes(routes!(admin::agreements_list::handler, admin::agreements_create::handler))
        .routes(routes!(admin::alerts_list::handler))
        .routes(routes!(admin::alerts_resolve::handler))
        .routes(routes!(admin::readers_list::handler, admin::readers_create::handler))
        .routes(routes!(card::ticket::handler))
        .routes(routes!(card::nonce::handler))
        .routes(routes!(card::verify::handler))
        .routes(routes!(health::healthz))
        .routes(routes!(health::livez))
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

pub fn router() -> Router<AppState> {
    let (router, doc) = api().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router
        .route("/api/v1/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
        .route("/metrics", get(health::metrics))
        .route("/api/{*rest}", axum::routing::any(|| async { AppError::NotFound }))
        .fallback(spa)
}

async fn spa(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    state.spa().respond(&uri, &headers).into_response()
}
