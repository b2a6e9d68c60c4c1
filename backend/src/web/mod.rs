//! The HTTP envelope around the routes: request ids, tracing, metrics,
//! security headers, error finalisation, body limits, and the SPA; and
//! the connection loop that serves it ([`server`]).

pub mod headers;
pub mod redact;
pub mod request_id;
pub mod server;
pub mod spa;
pub mod telemetry;
pub mod tls;

use std::time::Instant;

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::HeaderName,
    middleware::{self, Next},
    response::Response,
};
use padan_protocol::v1::REQUEST_ID_HEADER;
use tower_http::{
    request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{AppState, error::finalize_errors};

pub use request_id::RequestId;

pub fn layers(router: Router<AppState>, state: AppState) -> Router<AppState> {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let max_body = state.config().server.max_body_bytes;
    router
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), server::limit_request_bodies))
        .layer(middleware::from_fn_with_state(state.clone(), headers::same_origin_writes))
        .layer(middleware::from_fn_with_state(state.clone(), headers::known_host))
        .layer(middleware::from_fn_with_state(state.clone(), crate::audit::denied::record_denied))
        .layer(middleware::from_fn(finalize_errors))
        .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(middleware::from_fn(track_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_id::span_for)
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO))
                // `error::finalize_errors` logs failures once, with what
                // admins need; the response line above has the status.
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, request_id::MakeShortId))
}

/// Per-route request counts and latency, labelled by the route template
/// (never the concrete path, which could carry an identifier).
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| {
            if request.uri().path().starts_with("/api/") { "unmatched".into() } else { "spa".into() }
        });
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("padan_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("padan_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
