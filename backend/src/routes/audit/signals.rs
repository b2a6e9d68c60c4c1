use axum::extract::State;
use padan_protocol::v1::{ApiError, SignalsResponse};

use crate::{
    AppState,
    audit::{query::office_scope, signals},
    auth::Officer,
    clock::{WIB, millis_to_datetime},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Misuse signals over the configured window ending now, each with the
/// audit records behind it. Supervisors see their own office. Also raised
/// as admin alerts. Reading is audited.
#[utoipa::path(get, path = "/api/v1/audit/signals", tag = "audit",
    responses((status = 200, body = SignalsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    officer: Officer,
) -> Result<ApiJson<SignalsResponse>, AppError> {
    let scope = office_scope(&officer)?;
    let (found, from, to) = signals::scan(&state, scope.as_deref()).await?;
    signals::raise_alerts(&state, &found).await;
    let mut event = crate::audit::for_officer(&state, &officer, &request_id, "audit_signals_read");
    event.outcome = "ok".into();
    event.detail = Some(format!("{} signals", found.len()));
    crate::audit::append(&state, &event).await?;
    let fmt = |ms: i64| {
        let t = millis_to_datetime(ms).to_offset(WIB);
        format!("{} {:02}:{:02} WIB", t.date(), t.hour(), t.minute())
    };
    Ok(ApiJson(SignalsResponse { signals: found, from: fmt(from), to: fmt(to), office_scope: scope }))
}
