use axum::extract::State;
use padan_protocol::v1::{ApiError, FaceMatchRequest, FaceMatchResponse};

use crate::{
    AppState,
    auth::Verifier,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Match a face photo against Dukcapil's record of a NIK (`CALL_FR`).
/// The photo is never stored.
#[utoipa::path(post, path = "/api/v1/verify/face", tag = "verify", request_body = FaceMatchRequest,
    responses(
        (status = 200, body = FaceMatchResponse),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError),
        (status = 502, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Verifier(officer): Verifier,
    ApiJson(req): ApiJson<FaceMatchRequest>,
) -> Result<ApiJson<FaceMatchResponse>, AppError> {
    services::face::face_match(&state, &officer, req, &request_id).await.map(ApiJson)
}
