use axum::extract::State;
use padan_protocol::v1::{ApiError, MechanismsResponse};

use crate::{AppState, auth::Officer, error::ApiJson, policy, store::agreements::format_date};

/// Which mechanisms are open today for officers, with the granted elements.
#[utoipa::path(get, path = "/api/v1/mechanisms", tag = "mechanisms",
    responses((status = 200, body = MechanismsResponse), (status = 401, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, _officer: Officer) -> ApiJson<MechanismsResponse> {
    let today = state.clock().today();
    ApiJson(MechanismsResponse { today: format_date(today), mechanisms: policy::statuses(&state.agreements(), today) })
}
