use axum::extract::State;
use padan_protocol::v1::{ApiError, NewReaderRequest, ReaderView};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiJson, AppError},
    services,
    web::RequestId,
};

/// Register a reader with the activation record Dukcapil issued for its SAM
/// (signature checked; never valid beyond the agreement's end). Audited.
#[utoipa::path(post, path = "/api/v1/admin/readers", tag = "admin", request_body = NewReaderRequest,
    responses((status = 200, body = ReaderView), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 422, body = ApiError)))]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Admin(officer): Admin,
    ApiJson(req): ApiJson<NewReaderRequest>,
) -> Result<ApiJson<ReaderView>, AppError> {
    services::card::register(&state, &officer, req, &request_id).await.map(ApiJson)
}
