use axum::extract::State;
use padan_protocol::v1::{AgreementsResponse, ApiError};

use crate::{
    AppState,
    auth::Officer,
    error::{ApiJson, AppError},
    services,
};

/// The agreements on record with their state, grants and discrepancies.
#[utoipa::path(get, path = "/api/v1/admin/agreements", tag = "admin",
    responses((status = 200, body = AgreementsResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<AgreementsResponse>, AppError> {
    officer.ensure_may_read_agreements()?;
    Ok(ApiJson(services::agreements::list(&state)))
}
