use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::IntoResponse,
};
use padan_protocol::v1::{ApiError, SessionInfo, SignInRequest};

use crate::{
    AppState,
    auth::{ClientAddress, service, session_cookie_token},
    error::{ApiJson, AppError},
    web::RequestId,
};

/// Sign in. Sets the session cookie; a new session on every sign-in. When
/// `stage` is not `complete`, the second factor comes next.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ApiError),
              (status = 429, description = "Too many failed attempts; see Retry-After", body = ApiError)))]
#[tracing::instrument(skip_all)]
pub async fn handler(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, AppError> {
    let previous = session_cookie_token(&headers, state.config().server.https);
    let signed_in = service::sign_in(&state, &req.username, &req.password, previous, &request_id, &address).await?;
    let cookie = super::cookie(&state, Some(&signed_in.token));
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(signed_in.session)))
}
