//! Denied requests are security events: a middleware appends one record
//! (`event = denied`) for every request refused for want of permission
//! (role, CSRF, origin, second factor), with the officer when a session
//! identifies one. Policy refusals are already recorded by the access
//! itself (`services::access`), so they are not counted twice.

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use padan_protocol::v1::{ErrorCode, REQUEST_ID_HEADER};

use crate::{AppState, auth, error::PendingError, store};

pub async fn record_denied(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let request_id =
        request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let token = auth::session_cookie_token(request.headers(), state.config().server.https);
    let response = next.run(request).await;
    let Some(code) = response.extensions().get::<PendingError>().map(PendingError::code) else {
        return response;
    };
    if !matches!(
        code,
        ErrorCode::Forbidden | ErrorCode::CsrfRejected | ErrorCode::OriginNotAllowed | ErrorCode::SecondFactorRequired
    ) {
        return response;
    }
    let mut record = store::audit::AuditRecord {
        at: state.clock().now_millis(),
        request_id,
        event: "denied".into(),
        client: "spa".into(),
        outcome: "denied".into(),
        // The route template, never the concrete path.
        detail: Some(format!("{method} {} ({code:?})", route.as_deref().unwrap_or("unmatched"))),
        ..Default::default()
    };
    if let Some(token) = token {
        if let Ok(Some((_, officer))) =
            store::sessions::get_with_officer(state.store().pool(), &auth::token_hash(&token)).await
        {
            record.officer_id = Some(officer.id);
            record.username = Some(officer.info.username.clone());
            record.office_code = Some(officer.info.office.code.clone());
            record.role = Some(officer.info.role.as_str().to_owned());
        }
    }
    if let Err(e) = super::append(&state, &record).await {
        tracing::error!(error = %e, "could not audit a denied request");
    }
    response
}
