//! Typed sessions: an officer signed in by hand (no cookie jar), holding
//! the session cookie, the CSRF token and, where the role needs one, a
//! completed second factor — so that several officers can act side by
//! side in one test.

use padan_backend::auth::totp;
use padan_protocol::v1::Role;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use time::Duration;

use super::{PASSWORD, TestApp, demo_username};

/// The `padan_session` cookie value a response sets (under either name).
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (name, rest) = c.split_once('=')?;
        name.ends_with("padan_session").then(|| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

/// The status and JSON body (`null` when there is none) of a response.
pub async fn answer(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `POST /api/v1/session` at `base` with `http` (which may keep the cookie).
pub async fn sign_in_at(http: &reqwest::Client, base: &str, username: &str, password: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("send");
    answer(r).await
}

/// One officer's session, held by hand.
#[derive(Debug, Clone)]
pub struct Session {
    base: String,
    http: reqwest::Client,
    pub username: String,
    /// The session cookie's value.
    pub cookie: String,
    pub csrf: String,
    /// The latest sign-in step's answer (`stage`, `csrf_token`, `notices` …).
    pub body: Value,
}

impl TestApp {
    /// A sign-in request with a client of its own (no cookie jar), for the
    /// tests that add headers (Origin, Host, a forwarded address).
    pub fn sign_in_request(&self, username: &str, password: &str) -> RequestBuilder {
        reqwest::Client::new()
            .post(self.url("/api/v1/session"))
            .json(&json!({ "username": username, "password": password }))
    }

    /// The password step alone: the session may still owe its second
    /// factor (`body["stage"]`). The refusal's status and body otherwise.
    pub async fn try_password_step(&self, username: &str, password: &str) -> Result<Session, (u16, Value)> {
        let r = self.sign_in_request(username, password).send().await.expect("send");
        if r.status() != 200 {
            return Err(answer(r).await);
        }
        Ok(Session::from_answer(&self.base, username, r).await)
    }

    /// The password step, which must succeed.
    pub async fn password_step(&self, username: &str, password: &str) -> Session {
        self.try_password_step(username, password).await.unwrap_or_else(|e| panic!("sign in as {username}: {e:?}"))
    }

    /// A whole sign-in: the password, then — when the role needs it — the
    /// demo authenticator's code at a fresh 30-second step (each code works
    /// once).
    pub async fn sign_in_as(&self, username: &str, password: &str) -> Result<Session, (u16, Value)> {
        let session = self.try_password_step(username, password).await?;
        if session.stage() != "totp_required" {
            return Ok(session);
        }
        self.clock.advance(Duration::seconds(30));
        let secret = totp::base32_decode(totp::DEMO_SECRET).expect("demo secret");
        Ok(session.second_factor(self, &secret).await)
    }

    /// The demo officer of `role`, signed in completely.
    pub async fn signed_in(&self, role: Role) -> Session {
        let username = demo_username(role);
        self.sign_in_as(username, PASSWORD).await.unwrap_or_else(|e| panic!("sign in as {username}: {e:?}"))
    }
}

impl Session {
    async fn from_answer(base: &str, username: &str, r: Response) -> Self {
        let cookie = session_cookie(&r).expect("a session cookie");
        let body: Value = r.json().await.expect("a JSON answer");
        let csrf = body["csrf_token"].as_str().expect("a CSRF token").to_owned();
        Self { base: base.to_owned(), http: reqwest::Client::new(), username: username.to_owned(), cookie, csrf, body }
    }

    /// The sign-in stage reached (`complete` when the answer names none).
    pub fn stage(&self) -> &str {
        self.body["stage"].as_str().unwrap_or("complete")
    }

    /// The second step with the code of `secret` now; it must succeed. The
    /// session id and CSRF token rotate.
    pub async fn second_factor(self, app: &TestApp, secret: &[u8]) -> Session {
        assert_eq!(self.body["stage"], "totp_required", "{}", self.username);
        let code = totp::code_at(secret, app.state.clock().now_millis());
        let r = self.post("/api/v1/session/totp", &json!({ "code": code })).await;
        assert_eq!(r.status(), 200, "second factor for {}", self.username);
        Self::from_answer(&self.base, &self.username, r).await
    }

    /// A request carrying the session cookie (and no CSRF token).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", format!("padan_session={}", self.cookie))
    }

    /// A request carrying the session cookie and the CSRF token.
    pub fn writing(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).header("x-csrf-token", &self.csrf)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("send")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        answer(self.get(path).await).await
    }

    /// A POST with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.writing(Method::POST, path).json(body).send().await.expect("send")
    }

    /// A POST with a JSON body, or none; the status and JSON answer.
    pub async fn post_json(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.writing(Method::POST, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        answer(req.send().await.expect("send")).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.writing(Method::DELETE, path).send().await.expect("send")
    }
}
