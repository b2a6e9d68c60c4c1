use axum::extract::State;
use padan_protocol::v1::{AlertsResponse, ApiError};

use crate::{
    AppState,
    auth::Admin,
    clock::{WIB, millis_to_datetime},
    dukcapil::Service,
    error::{ApiJson, AppError},
    store,
};

/// Open admin alerts (configuration faults, quota, outages).
#[utoipa::path(get, path = "/api/v1/admin/alerts", tag = "admin",
    responses((status = 200, body = AlertsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<AlertsResponse>, AppError> {
    let alerts = store::alerts::open(state.store().pool(), |ms| {
        let t = millis_to_datetime(ms).to_offset(WIB);
        format!("{} {:02}:{:02} WIB", t.date(), t.hour(), t.minute())
    })
    .await?;
    Ok(ApiJson(AlertsResponse { alerts, quota_remaining: state.dukcapil().quota(Service::Gateway).remaining() }))
}
