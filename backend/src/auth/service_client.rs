use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use super::{ClientAddress, throttle, token_hash};
use crate::{
    AppState,
    error::AppError,
    store::{self, audit::AuditRecord},
};

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

    /// A wrong or malformed key counts as a failed sign-in from the client
    /// address (the same per-address limit, shared by every instance), is
    /// audited, and past the limit the address is refused (429) before any
    /// key is looked up: keys cannot be guessed at network speed.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(ClientAddress(address)) = ClientAddress::from_request_parts(parts, state).await;
        throttle::check(state, "", &address).await?;
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| (32..=256).contains(&k.len()));
        let client = match key {
            Some(key) => store::service_clients::by_key_hash(state.store().pool(), &token_hash(key)).await?,
            None => None,
        };
        let Some(client) = client else {
            throttle::record_failure(state, "", &address).await?;
            let request_id = parts
                .headers
                .get(padan_protocol::v1::REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let record = AuditRecord {
                at: state.clock().now_millis(),
                request_id,
                event: "service_auth".into(),
                client: "service".into(),
                outcome: if key.is_some() { "wrong_key" } else { "no_key" }.into(),
                detail: Some(format!("from {address}")),
                ..AuditRecord::default()
            };
            crate::audit::append(state, &record).await?;
            return Err(AppError::Unauthenticated);
        };
        Ok(Self { id: client.id, name: client.name, kind: client.kind })
    }
}
