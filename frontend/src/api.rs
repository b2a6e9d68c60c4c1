//! The one client for Padan's backend (`/api/v1`, same origin, cookie session).
//!
//! Everything the SPA asks the backend goes through [`send`], which owns the
//! cross-cutting rules so pages never repeat them:
//!
//! * **CSRF.** The session cookie is `HttpOnly`; the backend hands the CSRF
//!   token out in [`SessionInfo`]. This module keeps it (in memory only) and
//!   echoes it in `x-csrf-token` on every state-changing request.
//! * **Expired sessions.** A 401 on any call other than signing in or the
//!   start-up session probe runs the handler registered with
//!   [`on_session_expired`], which sends the officer back to the sign-in page.
//! * **Request ids.** Errors carry the backend's request id (from the body,
//!   else from `x-request-id`) so the officer can quote it to the helpdesk.
//! * **No caching.** Responses may hold population data: `cache: no-store`.
//! * **Abort on cleanup.** A request started under a reactive owner (a page,
//!   a resource) is aborted when that owner is cleaned up, e.g. on navigation.

use std::cell::RefCell;
use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::on_cleanup;
use padan_protocol::v1::{
    AgreementView, AgreementsResponse, AlertsResponse, ApiError, CSRF_HEADER, CardVerifyResponse, ErrorCode,
    FaceMatchRequest, FaceMatchResponse, LookupRequest, LookupResponse, MechanismsResponse, NewAgreementRequest,
    NewReaderRequest, NonceResponse, Purpose, REQUEST_ID_HEADER, ReaderView, SessionInfo, SignInRequest,
    TicketResponse, VerifyElementsRequest, VerifyElementsResponse,
};
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use web_sys::RequestCache;

const SESSION: &str = "/api/v1/session";
const MECHANISMS: &str = "/api/v1/mechanisms";
const VERIFY_ELEMENTS: &str = "/api/v1/verify/elements";
const VERIFY_FACE: &str = "/api/v1/verify/face";
const LOOKUP_PORTAL: &str = "/api/v1/lookup/portal";
const LOOKUP_IKD: &str = "/api/v1/lookup/ikd";
const AGREEMENTS: &str = "/api/v1/admin/agreements";
const ALERTS: &str = "/api/v1/admin/alerts";
const READERS: &str = "/api/v1/admin/readers";
const CARD_TICKET: &str = "/api/v1/card/ticket";
const CARD_NONCE: &str = "/api/v1/card/nonce";
const CARD_VERIFY: &str = "/api/v1/card/verify";

/// Why a call did not produce the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// The backend answered with its error body.
    Api { status: u16, error: ApiError },
    /// The backend answered, but not with a body we understand (a proxy
    /// error page, a truncated response…).
    Unexpected { status: u16, request_id: Option<String> },
    /// No answer at all: network down, server stopped, request aborted.
    Network,
}

impl ApiFailure {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiFailure::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiFailure::Api { error, .. } => Some(error.request_id.as_str()).filter(|id| !id.is_empty()),
            ApiFailure::Unexpected { request_id, .. } => request_id.as_deref(),
            ApiFailure::Network => None,
        }
    }

    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ApiFailure::Api { status: 401, .. } | ApiFailure::Unexpected { status: 401, .. })
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::Api { status, error } => write!(f, "HTTP {status}: {}", error.message_en),
            ApiFailure::Unexpected { status, .. } => write!(f, "HTTP {status}: unexpected response"),
            ApiFailure::Network => f.write_str("network error"),
        }
    }
}

impl std::error::Error for ApiFailure {}

type ApiResult<T> = Result<T, ApiFailure>;

thread_local! {
    /// The CSRF token of the current session; never persisted.
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static ON_SESSION_EXPIRED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Registers what to do when the backend says the session is gone.
pub fn on_session_expired(handler: impl Fn() + 'static) {
    ON_SESSION_EXPIRED.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
}

fn remember_session(session: &SessionInfo) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = Some(session.csrf_token.clone()));
}

/// Drops the CSRF token (after sign-out or expiry).
pub fn forget_session() {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = None);
}

fn session_expired() {
    forget_session();
    ON_SESSION_EXPIRED.with(|h| {
        if let Some(handler) = h.borrow().as_ref() {
            handler();
        }
    });
}

/// How a request relates to the session rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GET: no CSRF header; 401 means the session expired.
    Read,
    /// POST/PUT/PATCH/DELETE: CSRF header; 401 means the session expired.
    Write,
    /// The start-up probe or the sign-in itself: 401 is an ordinary answer.
    Anonymous,
    /// A second-factor step (POST with the CSRF header): 401 means a wrong
    /// code, not an expired session.
    SecondFactor,
}

/// Sends a request and decodes a JSON answer (or `()` for 204).
async fn send<T: DeserializeOwned>(builder: RequestBuilder, kind: Kind, body: Option<String>) -> ApiResult<T> {
    let mut builder = builder.cache(RequestCache::NoStore).header("accept", "application/json");
    if matches!(kind, Kind::Write | Kind::SecondFactor) {
        if let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone()) {
            builder = builder.header(CSRF_HEADER, &token);
        }
    }

    // Abort the request if whoever started it goes away (navigation).
    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(web_sys::AbortController::signal);
    let controller = SendWrapper::new(controller);
    on_cleanup(move || {
        if let Some(controller) = controller.take() {
            controller.abort();
        }
    });
    let builder = builder.abort_signal(signal.as_ref());

    let request = match body {
        Some(json) => builder.header("content-type", "application/json").body(json),
        None => builder.build(),
    };
    let response = request.map_err(|_| ApiFailure::Network)?.send().await.map_err(|_| ApiFailure::Network)?;
    let result = decode(response).await;
    if kind != Kind::Anonymous
        && kind != Kind::SecondFactor
        && result.as_ref().is_err_and(ApiFailure::is_unauthenticated)
    {
        session_expired();
    }
    result
}

async fn decode<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    let status = response.status();
    let header_id = response.headers().get(REQUEST_ID_HEADER);
    let text = response.text().await.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        // 204 and other empty bodies decode as `null`, which `()` accepts.
        let text = if text.trim().is_empty() { "null" } else { text.as_str() };
        return serde_json::from_str(text).map_err(|_| ApiFailure::Unexpected { status, request_id: header_id });
    }
    match serde_json::from_str::<ApiError>(&text) {
        Ok(mut error) => {
            if error.request_id.is_empty() {
                error.request_id = header_id.unwrap_or_default();
            }
            Err(ApiFailure::Api { status, error })
        }
        Err(_) => Err(ApiFailure::Unexpected { status, request_id: header_id }),
    }
}

fn json_body<B: serde::Serialize>(body: &B) -> ApiResult<String> {
    serde_json::to_string(body).map_err(|_| ApiFailure::Network)
}

/// `GET /api/v1/session`: who is signed in, if anyone.
pub async fn current_session() -> ApiResult<SessionInfo> {
    let session: SessionInfo = send(Request::get(SESSION), Kind::Anonymous, None).await?;
    remember_session(&session);
    Ok(session)
}

/// `POST /api/v1/session`: sign in; the backend sets the session cookie.
pub async fn sign_in(request: SignInRequest) -> ApiResult<SessionInfo> {
    let body = json_body(&request)?;
    let session: SessionInfo = send(Request::post(SESSION), Kind::Anonymous, Some(body)).await?;
    remember_session(&session);
    Ok(session)
}

/// `DELETE /api/v1/session`: sign out. The token is forgotten either way.
pub async fn sign_out() -> ApiResult<()> {
    let result = send::<()>(Request::delete(SESSION), Kind::Write, None).await;
    forget_session();
    result
}

/// `POST /api/v1/session/totp`: the second sign-in step.
pub async fn verify_totp(code: String) -> ApiResult<SessionInfo> {
    let body = json_body(&padan_protocol::v1::TotpCodeRequest { code })?;
    let session: SessionInfo = send(Request::post("/api/v1/session/totp"), Kind::SecondFactor, Some(body)).await?;
    remember_session(&session);
    Ok(session)
}

/// `POST /api/v1/session/revoke-all`: sign out on every device.
pub async fn sign_out_everywhere() -> ApiResult<()> {
    let result = send::<()>(Request::post("/api/v1/session/revoke-all"), Kind::Write, None).await;
    forget_session();
    result
}

/// `GET /api/v1/account`.
pub async fn account() -> ApiResult<padan_protocol::v1::AccountInfo> {
    send(Request::get("/api/v1/account"), Kind::Read, None).await
}

/// `POST /api/v1/account/password`.
pub async fn change_password(request: padan_protocol::v1::ChangePasswordRequest) -> ApiResult<()> {
    let body = json_body(&request)?;
    send(Request::post("/api/v1/account/password"), Kind::Write, Some(body)).await
}

/// `POST /api/v1/account/totp/enrolment`: a new authenticator secret.
pub async fn start_totp_enrolment(
    proof: padan_protocol::v1::StartTotpEnrolmentRequest,
) -> ApiResult<padan_protocol::v1::TotpEnrolment> {
    let body = json_body(&proof)?;
    send(Request::post("/api/v1/account/totp/enrolment"), Kind::SecondFactor, Some(body)).await
}

/// `POST /api/v1/account/notices/ack`: the officer has read the notices.
pub async fn acknowledge_notices(up_to_id: i64) -> ApiResult<()> {
    let body = json_body(&padan_protocol::v1::AcknowledgeNoticesRequest { up_to_id })?;
    send::<()>(Request::post("/api/v1/account/notices/ack"), Kind::Write, Some(body)).await
}

/// `POST /api/v1/account/totp/enrolment/confirm`.
pub async fn confirm_totp_enrolment(code: String) -> ApiResult<SessionInfo> {
    let body = json_body(&padan_protocol::v1::TotpCodeRequest { code })?;
    let session: SessionInfo =
        send(Request::post("/api/v1/account/totp/enrolment/confirm"), Kind::SecondFactor, Some(body)).await?;
    remember_session(&session);
    Ok(session)
}

/// `GET /api/v1/mechanisms`: what today's agreements allow this officer.
pub async fn mechanisms() -> ApiResult<MechanismsResponse> {
    send(Request::get(MECHANISMS), Kind::Read, None).await
}

/// `POST /api/v1/verify/elements`: per-element verdicts from Dukcapil.
pub async fn verify_elements(request: VerifyElementsRequest) -> ApiResult<VerifyElementsResponse> {
    let body = json_body(&request)?;
    send(Request::post(VERIFY_ELEMENTS), Kind::Write, Some(body)).await
}

/// `POST /api/v1/verify/face`: a similarity score for one photo.
pub async fn verify_face(request: FaceMatchRequest) -> ApiResult<FaceMatchResponse> {
    let body = json_body(&request)?;
    send(Request::post(VERIFY_FACE), Kind::Write, Some(body)).await
}

/// `POST /api/v1/lookup/portal` or `/ikd`: granted elements, display only.
pub async fn lookup(ikd: bool, request: LookupRequest) -> ApiResult<LookupResponse> {
    let body = json_body(&request)?;
    send(Request::post(if ikd { LOOKUP_IKD } else { LOOKUP_PORTAL }), Kind::Write, Some(body)).await
}

/// `GET /api/v1/admin/agreements` (admin, auditor).
pub async fn agreements() -> ApiResult<AgreementsResponse> {
    send(Request::get(AGREEMENTS), Kind::Read, None).await
}

/// `POST /api/v1/admin/agreements` (admin): a new agreement or an extension.
pub async fn create_agreement(request: NewAgreementRequest) -> ApiResult<AgreementView> {
    let body = json_body(&request)?;
    send(Request::post(AGREEMENTS), Kind::Write, Some(body)).await
}

/// `GET /api/v1/admin/alerts` (admin).
pub async fn alerts() -> ApiResult<AlertsResponse> {
    send(Request::get(ALERTS), Kind::Read, None).await
}

/// `POST /api/v1/admin/alerts/{id}/resolve` (admin).
pub async fn resolve_alert(id: i64) -> ApiResult<()> {
    send(Request::post(&format!("{ALERTS}/{id}/resolve")), Kind::Write, Some("{}".to_owned())).await
}

/// `GET /api/v1/admin/readers` (admin): the KTP-el reader/SAM registry.
pub async fn readers() -> ApiResult<Vec<ReaderView>> {
    send(Request::get(READERS), Kind::Read, None).await
}

/// `POST /api/v1/admin/readers` (admin): registers a reader with its activation record.
pub async fn register_reader(request: NewReaderRequest) -> ApiResult<ReaderView> {
    let body = json_body(&request)?;
    send(Request::post(READERS), Kind::Write, Some(body)).await
}

/// `GET /api/v1/audit/records?{query}` (auditor, supervisor, admin).
pub async fn audit_records(query: &str) -> ApiResult<padan_protocol::v1::AuditRecordsResponse> {
    send(Request::get(&format!("/api/v1/audit/records?{query}")), Kind::Read, None).await
}

/// `GET /api/v1/audit/records.csv?{query}`: the CSV text, for a download.
pub async fn audit_csv(query: &str) -> ApiResult<String> {
    let response = Request::get(&format!("/api/v1/audit/records.csv?{query}"))
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return response.text().await.map_err(|_| ApiFailure::Network);
    }
    let result = decode::<String>(response).await;
    if result.as_ref().is_err_and(ApiFailure::is_unauthenticated) {
        session_expired();
    }
    result
}

/// `GET /api/v1/audit/signals` (auditor, supervisor, admin).
pub async fn audit_signals() -> ApiResult<padan_protocol::v1::SignalsResponse> {
    send(Request::get("/api/v1/audit/signals"), Kind::Read, None).await
}

/// `POST /api/v1/card/ticket`: a single-use ticket for the reader-agent's `HELLO`.
pub async fn card_ticket() -> ApiResult<TicketResponse> {
    send(Request::post(CARD_TICKET), Kind::Write, Some("{}".to_owned())).await
}

/// `POST /api/v1/card/nonce`: the single-use, backend-signed nonce of one
/// `READ_CARD` (audited with the purpose before it is returned).
pub async fn card_nonce(purpose: Purpose) -> ApiResult<NonceResponse> {
    let body = json_body(&padan_protocol::v1::NonceRequest { purpose })?;
    send(Request::post(CARD_NONCE), Kind::Write, Some(body)).await
}

/// `POST /api/v1/card/verify` (a `CardVerifyRequest`): the agent's attested
/// read, forwarded as the raw JSON the agent sent, checked by the backend and
/// matched against Dukcapil.
pub async fn card_verify(nonce: &str, purpose: Purpose, read: &RawValue) -> ApiResult<CardVerifyResponse> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        nonce: &'a str,
        purpose: Purpose,
        read: &'a RawValue,
    }
    let body = json_body(&Body { nonce, purpose, read })?;
    send(Request::post(CARD_VERIFY), Kind::Write, Some(body)).await
}

/// `POST /api/v1/admin/registry/imports` (admin): uploads a SIASN-style CSV
/// export as is (the browser streams the file; it is not read into the page).
pub async fn import_registry(
    file: web_sys::File,
    dry_run: bool,
) -> ApiResult<padan_protocol::v1::RegistryImportReport> {
    let name: String =
        file.name().chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(100).collect();
    let url = format!("/api/v1/admin/registry/imports?file_name={name}&dry_run={dry_run}");
    let mut builder = Request::post(&url)
        .cache(RequestCache::NoStore)
        .header("accept", "application/json")
        .header("content-type", "text/csv");
    if let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone()) {
        builder = builder.header(CSRF_HEADER, &token);
    }
    let request = builder.body(wasm_bindgen::JsValue::from(file)).map_err(|_| ApiFailure::Network)?;
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    let result = decode(response).await;
    if result.as_ref().is_err_and(ApiFailure::is_unauthenticated) {
        session_expired();
    }
    result
}

/// `GET /api/v1/admin/registry/imports` (admin): the import history.
pub async fn registry_imports() -> ApiResult<Vec<padan_protocol::v1::RegistryImportSummary>> {
    send(Request::get("/api/v1/admin/registry/imports"), Kind::Read, None).await
}

/// `GET /api/v1/admin/registry/imports/{id}` (admin): one import's report.
pub async fn registry_import(id: i64) -> ApiResult<padan_protocol::v1::RegistryImportReport> {
    send(Request::get(&format!("/api/v1/admin/registry/imports/{id}")), Kind::Read, None).await
}

/// `GET /api/v1/admin/balikan` (admin): the data-balikan outbox dashboard.
pub async fn balikan_dashboard() -> ApiResult<padan_protocol::v1::BalikanDashboard> {
    send(Request::get("/api/v1/admin/balikan"), Kind::Read, None).await
}

/// `POST /api/v1/admin/balikan/retry` (admin): parked records due again (all when `ids` is empty).
pub async fn balikan_retry(ids: Vec<i64>) -> ApiResult<padan_protocol::v1::RetryParkedResponse> {
    let body = json_body(&padan_protocol::v1::RetryParkedRequest { ids })?;
    send(Request::post("/api/v1/admin/balikan/retry"), Kind::Write, Some(body)).await
}

const OFFICERS: &str = "/api/v1/admin/officers";

/// `GET /api/v1/admin/officers` (admin): officer accounts, offices and roles.
pub async fn officers() -> ApiResult<padan_protocol::v1::OfficersResponse> {
    send(Request::get(OFFICERS), Kind::Read, None).await
}

/// `POST /api/v1/admin/officers` (admin): a new officer account.
pub async fn create_officer(
    request: padan_protocol::v1::NewOfficerRequest,
) -> ApiResult<padan_protocol::v1::OfficerView> {
    let body = json_body(&request)?;
    send(Request::post(OFFICERS), Kind::Write, Some(body)).await
}

/// `POST /api/v1/admin/officers/{id}/role` (admin): new role and/or office.
pub async fn change_officer_role(
    id: i64,
    request: padan_protocol::v1::ChangeRoleRequest,
) -> ApiResult<padan_protocol::v1::OfficerView> {
    let body = json_body(&request)?;
    send(Request::post(&format!("{OFFICERS}/{id}/role")), Kind::Write, Some(body)).await
}

/// `POST /api/v1/admin/officers/{id}/active` (admin): deactivate or reactivate.
pub async fn set_officer_active(id: i64, active: bool) -> ApiResult<padan_protocol::v1::OfficerView> {
    let body = json_body(&padan_protocol::v1::SetActiveRequest { active })?;
    send(Request::post(&format!("{OFFICERS}/{id}/active")), Kind::Write, Some(body)).await
}

/// `POST /api/v1/admin/officers/{id}/reset-second-factor` (admin).
pub async fn reset_officer_second_factor(id: i64) -> ApiResult<padan_protocol::v1::OfficerView> {
    send(Request::post(&format!("{OFFICERS}/{id}/reset-second-factor")), Kind::Write, Some("{}".to_owned())).await
}
