use axum::extract::State;
use padan_protocol::v1::{ApiError, OfficersResponse};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
};

/// Officer accounts, with the offices and roles the forms offer (admins).
/// Never password hashes or second-factor secrets.
#[utoipa::path(get, path = "/api/v1/admin/officers", tag = "admin",
    responses((status = 200, body = OfficersResponse), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn handler(State(state): State<AppState>, _admin: Admin) -> Result<ApiJson<OfficersResponse>, AppError> {
    services::officers::list(&state).await.map(ApiJson)
}
