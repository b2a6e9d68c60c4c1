//! Request ids: short enough to read over the phone to the helpdesk.

use axum::{
    extract::FromRequestParts,
    http::{Request, request::Parts},
};
use padan_protocol::v1::REQUEST_ID_HEADER;
use rand::RngCore;
use tower_http::request_id::{MakeRequestId, RequestId as TowerRequestId};

#[derive(Debug, Clone, Copy, Default)]
pub struct MakeShortId;

impl MakeRequestId for MakeShortId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<TowerRequestId> {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes).parse().ok().map(TowerRequestId::new)
    }
}

/// The current request's id, for handlers.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()))
    }
}

/// The tracing span of a request: method, route template, request id and,
/// once known, officer id and office — never the query string, never a body.
pub fn span_for<B>(request: &Request<B>) -> tracing::Span {
    let id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| super::redact::mask_numbers(&request.uri().path().chars().take(80).collect::<String>()));
    // officer_id and office are filled in by the `Officer` extractor.
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
        officer_id = tracing::field::Empty,
        office = tracing::field::Empty,
    )
}
