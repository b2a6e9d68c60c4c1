use axum::{extract::State, http::StatusCode, response::IntoResponse};

use crate::AppState;

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up, database reachable"), (status = 503, description = "Database unreachable")))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Liveness only: the process answers. No database, no upstream.
#[utoipa::path(get, path = "/livez", tag = "operations", responses((status = 200, description = "Process is up")))]
pub async fn livez() -> &'static str {
    "ok"
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.metrics() {
        Some(handle) => {
            ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
