pub mod nonce;
pub mod ticket;
pub mod verify;

use axum::http::{HeaderMap, header};

/// The request's `Origin` header, as the browser sent it.
pub(crate) fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}
