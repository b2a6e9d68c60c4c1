use axum::extract::State;
use padan_protocol::v1::{ApiError, RetryParkedRequest, RetryParkedResponse};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::balikan,
    web::RequestId,
};

/// Send parked data-balikan records again (all of them when `ids` is
/// empty). Audited.
#[utoipa::path(post, path = "/api/v1/admin/balikan/retry", tag = "admin", request_body = RetryParkedRequest,
    responses((status = 200, body = RetryParkedResponse), (status = 401, body = ApiError),
              (status = 403, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<RetryParkedRequest>,
) -> Result<ApiJson<RetryParkedResponse>, AppError> {
    if req.ids.len() > 1000 {
        return Err(AppError::InvalidRequest("paling banyak 1000 catatan sekaligus".into()));
    }
    let response = balikan::retry_parked(&state, &req.ids).await?;
    let mut event = crate::audit::for_officer(&state, &officer, &request_id, "balikan_retry");
    event.outcome = "ok".into();
    event.detail = Some(format!("{} parked records made due again", response.retried));
    crate::audit::append(&state, &event).await?;
    Ok(ApiJson(response))
}
