//! What the agreements open today.

use axum::extract::State;
use padan_protocol::v1::{ApiError, MechanismsResponse};

use crate::{AppState, auth::Officer, error::ApiJson, services};

/// Which mechanisms are open today for officers, with the granted elements.
#[utoipa::path(get, path = "/api/v1/mechanisms",
    operation_id = "handler", tag = "mechanisms",
    responses((status = 200, body = MechanismsResponse), (status = 401, body = ApiError)))]
pub async fn list(State(state): State<AppState>, _officer: Officer) -> ApiJson<MechanismsResponse> {
    ApiJson(services::mechanisms::list(&state))
}
