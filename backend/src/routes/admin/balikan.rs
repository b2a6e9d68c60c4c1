//! The data-balikan outbox.

use axum::extract::State;
use padan_protocol::v1::{ApiError, BalikanDashboard, RetryParkedRequest, RetryParkedResponse};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::balikan,
    web::RequestId,
};

/// The data-balikan outbox: records by state, per office and per day, the
/// oldest undelivered age and the parked records.
#[utoipa::path(get, path = "/api/v1/admin/balikan",
    operation_id = "handler", tag = "admin",
    responses((status = 200, body = BalikanDashboard), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn dashboard(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<BalikanDashboard>, AppError> {
    balikan::dashboard(&state).await.map(ApiJson)
}

/// Send parked data-balikan records again (all of them when `ids` is
/// empty). Audited.
#[utoipa::path(post, path = "/api/v1/admin/balikan/retry",
    operation_id = "handler", tag = "admin", request_body = RetryParkedRequest,
    responses((status = 200, body = RetryParkedResponse), (status = 401, body = ApiError),
              (status = 403, body = ApiError)))]
pub async fn retry(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<RetryParkedRequest>,
) -> Result<ApiJson<RetryParkedResponse>, AppError> {
    if req.ids.len() > 1000 {
        return Err(AppError::InvalidRequest("paling banyak 1000 catatan sekaligus".into()));
    }
    let response = balikan::retry_parked(&state, &req.ids).await?;
    let detail = format!("{} parked records made due again", response.retried);
    crate::audit::append_ok(&state, &officer, &request_id, "balikan_retry", detail).await?;
    Ok(ApiJson(response))
}
