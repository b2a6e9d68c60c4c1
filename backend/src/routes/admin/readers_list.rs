use axum::extract::State;
use padan_protocol::v1::{ApiError, ReaderView};

use crate::{
    AppState,
    auth::Officer,
    error::{ApiJson, AppError},
    services,
};

/// The KTP-el reader/SAM registry with each reader's state today: active,
/// not yet valid, expired, or deactivated (by an admin, or because no
/// agreement grants verification any more).
#[utoipa::path(get, path = "/api/v1/admin/readers", tag = "admin",
    responses((status = 200, body = Vec<ReaderView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, officer: Officer) -> Result<ApiJson<Vec<ReaderView>>, AppError> {
    services::card::readers(&state, &officer).await.map(ApiJson)
}
