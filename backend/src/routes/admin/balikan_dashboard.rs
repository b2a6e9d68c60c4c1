use axum::extract::State;
use padan_protocol::v1::{ApiError, BalikanDashboard};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services::balikan,
};

/// The data-balikan outbox: records by state, per office and per day, the
/// oldest undelivered age and the parked records.
#[utoipa::path(get, path = "/api/v1/admin/balikan", tag = "admin",
    responses((status = 200, body = BalikanDashboard), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<BalikanDashboard>, AppError> {
    balikan::dashboard(&state).await.map(ApiJson)
}
