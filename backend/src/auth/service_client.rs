use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use super::token_hash;
use crate::{AppState, error::AppError, store};

/// An application calling the service API (`Authorization: Bearer <key>`).
/// Service clients never use cookies, so CSRF does not apply to them.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    pub id: i64,
    pub name: String,
    /// `siasn`.
    pub kind: String,
}

impl FromRequestParts<AppState> for ServiceClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| (32..=256).contains(&k.len()))
            .ok_or(AppError::Unauthenticated)?;
        let client = store::service_clients::by_key_hash(state.store().pool(), &token_hash(key))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Self { id: client.id, name: client.name, kind: client.kind })
    }
}
