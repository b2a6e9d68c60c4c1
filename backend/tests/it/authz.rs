//! The authorization matrix: every route the router serves — read from the
//! router itself (`routes::route_table()`: the OpenAPI paths plus the
//! plain routes the router is built from) — against every role, a session
//! that has not finished its second factor, anonymous callers and the SIASN
//! service client. A route without a rule here fails the test: whoever adds
//! a route decides, explicitly, who may call it. Every state-changing route
//! behind a session is also checked to refuse a missing or wrong CSRF token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use padan_backend::store::seed::DEMO_SIASN_KEY;
use padan_protocol::v1::Role;
use padan_sim_dukcapil::special;
use serde_json::{Value, json};

use crate::support::{PASSWORD, Session, TestApp, demo_username};

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Siasn,
    /// The admin after the password, before the TOTP code.
    PendingSecondFactor,
    Officer,
    Supervisor,
    Helpdesk,
    Admin,
    Auditor,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Siasn,
    Caller::PendingSecondFactor,
    Caller::Officer,
    Caller::Supervisor,
    Caller::Helpdesk,
    Caller::Admin,
    Caller::Auditor,
];

impl Caller {
    /// The role of the officer calling (the pending one is an admin).
    fn role(self) -> Option<Role> {
        match self {
            Caller::Officer => Some(Role::Officer),
            Caller::Supervisor => Some(Role::Supervisor),
            Caller::Helpdesk => Some(Role::Helpdesk),
            Caller::Admin | Caller::PendingSecondFactor => Some(Role::Admin),
            Caller::Auditor => Some(Role::Auditor),
            Caller::Anonymous | Caller::Siasn => None,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// The SIASN service client (bearer key) only.
    Service,
    /// Any officer whose sign-in is complete.
    SignedIn,
    /// Any session, also one still owing its second factor.
    AnySession,
    /// Only these roles (complete sessions).
    Roles(&'static [Caller]),
}

const VERIFIERS: &[Caller] = &[Caller::Officer, Caller::Supervisor, Caller::Helpdesk];
const ADMIN: &[Caller] = &[Caller::Admin];
const AGREEMENT_READERS: &[Caller] = &[Caller::Admin, Caller::Auditor];
const AUDIT_READERS: &[Caller] = &[Caller::Admin, Caller::Auditor, Caller::Supervisor];

struct Rule {
    access: Access,
    /// A body that parses, so that the check under test is reached.
    body: Option<Value>,
    /// Ends the caller's session when allowed (sign-out, revoke-all).
    ends_session: bool,
}

fn rule(access: Access) -> Rule {
    Rule { access, body: None, ends_session: false }
}

fn with_body(access: Access, body: Value) -> Rule {
    Rule { access, body: Some(body), ends_session: false }
}

/// The rule table. Keys are "METHOD /path" exactly as the router has them.
fn rules() -> BTreeMap<&'static str, Rule> {
    let lookup = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" });
    let card = json!({ "nonce": "00", "purpose": "data_casn_asn", "read": {
        "card": { "uid": "00", "card_serial": "00", "files": [] },
        "attestation": { "algorithm": "x", "origin": "x", "nonce": "00", "canonical_sha256": "00",
                         "signature": "00", "sam_certificate": "00", "activation_record": "00" } } });
    BTreeMap::from([
        ("GET /healthz", rule(Access::Public)),
        ("GET /livez", rule(Access::Public)),
        ("GET /api/v1/openapi.json", rule(Access::Public)),
        ("POST /api/v1/session", with_body(Access::Public, json!({ "username": "x", "password": "y" }))),
        ("GET /api/v1/session", rule(Access::SignedIn)),
        ("DELETE /api/v1/session", Rule { access: Access::AnySession, body: None, ends_session: true }),
        ("POST /api/v1/session/revoke-all", Rule { access: Access::SignedIn, body: None, ends_session: true }),
        ("POST /api/v1/session/totp", with_body(Access::AnySession, json!({ "code": "000000" }))),
        ("GET /api/v1/account", rule(Access::SignedIn)),
        (
            "POST /api/v1/account/password",
            with_body(Access::SignedIn, json!({ "current_password": "salah", "new_password": "x" })),
        ),
        ("POST /api/v1/account/totp/enrolment", with_body(Access::SignedIn, json!({}))),
        ("POST /api/v1/account/notices/ack", with_body(Access::SignedIn, json!({ "up_to_id": 0 }))),
        ("POST /api/v1/account/totp/enrolment/confirm", with_body(Access::SignedIn, json!({ "code": "000000" }))),
        ("GET /api/v1/mechanisms", rule(Access::SignedIn)),
        ("POST /api/v1/verify/elements", with_body(Access::Roles(VERIFIERS), lookup.clone())),
        (
            "POST /api/v1/verify/face",
            with_body(
                Access::Roles(VERIFIERS),
                json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn",
                                                       "image_jpeg_base64": "AAAA" }),
            ),
        ),
        ("POST /api/v1/lookup/portal", with_body(Access::Roles(VERIFIERS), lookup.clone())),
        ("POST /api/v1/lookup/ikd", with_body(Access::Roles(VERIFIERS), lookup.clone())),
        ("POST /api/v1/card/ticket", rule(Access::Roles(VERIFIERS))),
        ("POST /api/v1/card/nonce", rule(Access::Roles(VERIFIERS))),
        ("POST /api/v1/card/verify", with_body(Access::Roles(VERIFIERS), card)),
        (
            "POST /api/v1/siasn/lookup",
            with_body(
                Access::Service,
                json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn",
                                               "siasn_user": "199003152015032001" }),
            ),
        ),
        ("GET /api/v1/admin/agreements", rule(Access::Roles(AGREEMENT_READERS))),
        (
            "POST /api/v1/admin/agreements",
            with_body(
                Access::Roles(ADMIN),
                json!({ "code": "authz", "title": "x", "numbers": "x",
                                                    "signed_on": "2026-01-01", "valid_until": "2026-01-02" }),
            ),
        ),
        ("GET /api/v1/admin/alerts", rule(Access::Roles(ADMIN))),
        ("POST /api/v1/admin/alerts/{id}/resolve", rule(Access::Roles(ADMIN))),
        ("GET /api/v1/admin/readers", rule(Access::Roles(ADMIN))),
        (
            "POST /api/v1/admin/readers",
            with_body(
                Access::Roles(ADMIN),
                json!({ "reader_serial": "x", "office_code": "PUSAT",
                                                    "activation_record": "00" }),
            ),
        ),
        ("GET /api/v1/admin/balikan", rule(Access::Roles(ADMIN))),
        ("POST /api/v1/admin/balikan/retry", with_body(Access::Roles(ADMIN), json!({ "ids": [] }))),
        // Officer accounts. The bodies parse but stop at validation (a bad
        // NIP; officer 1 is already an active `officer` with no second
        // factor), so the matrix does not change the accounts it signs in with.
        ("GET /api/v1/admin/officers", rule(Access::Roles(ADMIN))),
        (
            "POST /api/v1/admin/officers",
            with_body(
                Access::Roles(ADMIN),
                json!({ "username": "authz", "display_name": "x", "nip": "1", "role": "officer",
                        "office_code": "PUSAT", "password": "x" }),
            ),
        ),
        ("POST /api/v1/admin/officers/{id}/role", with_body(Access::Roles(ADMIN), json!({ "role": "officer" }))),
        ("POST /api/v1/admin/officers/{id}/active", with_body(Access::Roles(ADMIN), json!({ "active": true }))),
        ("POST /api/v1/admin/officers/{id}/reset-second-factor", rule(Access::Roles(ADMIN))),
        ("GET /api/v1/admin/registry/imports", rule(Access::Roles(ADMIN))),
        ("POST /api/v1/admin/registry/imports", rule(Access::Roles(ADMIN))),
        ("GET /api/v1/admin/registry/imports/{id}", rule(Access::Roles(ADMIN))),
        ("GET /api/v1/audit/records", rule(Access::Roles(AUDIT_READERS))),
        ("GET /api/v1/audit/records.csv", rule(Access::Roles(AUDIT_READERS))),
        ("GET /api/v1/audit/signals", rule(Access::Roles(AUDIT_READERS))),
    ])
}

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Past authentication and authorization (any status but a refusal).
    Through,
    /// 401 `unauthenticated`.
    Unauthenticated,
    /// 403 `forbidden` or `second_factor_required`.
    Refused,
}

fn expect(access: Access, caller: Caller) -> Expect {
    use Caller as C;
    match (access, caller) {
        (Access::Public, _) => Expect::Through,
        (Access::Service, C::Siasn) => Expect::Through,
        (Access::Service, _) => Expect::Unauthenticated,
        (_, C::Anonymous | C::Siasn) => Expect::Unauthenticated,
        (Access::AnySession, _) => Expect::Through,
        (_, C::PendingSecondFactor) => Expect::Refused,
        (Access::SignedIn, _) => Expect::Through,
        (Access::Roles(roles), c) => {
            if roles.contains(&c) {
                Expect::Through
            } else {
                Expect::Refused
            }
        }
    }
}

/// Signs `caller` in (with the demo TOTP code for admins and auditors,
/// unless the caller is the pending one).
async fn sign_in(app: &TestApp, caller: Caller) -> Option<Session> {
    let role = caller.role()?;
    Some(if caller == Caller::PendingSecondFactor {
        app.password_step(demo_username(role), PASSWORD).await
    } else {
        app.signed_in(role).await
    })
}

fn concrete(path: &str) -> String {
    // Path parameters get a plausible id.
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

enum Csrf<'a> {
    Right,
    Missing,
    Wrong(&'a str),
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<&Value>,
    caller: Caller,
    session: Option<&Session>,
    csrf: Csrf<'_>,
) -> (u16, String) {
    let method = method.parse().unwrap();
    let path = concrete(path);
    let mut req = match session {
        Some(s) => s.request(method, &path),
        None => reqwest::Client::new().request(method, app.url(&path)),
    };
    if let Some(body) = body {
        req = req.json(body);
    }
    if caller == Caller::Siasn {
        req = req.header("authorization", format!("Bearer {DEMO_SIASN_KEY}"));
    }
    if let Some(s) = session {
        match csrf {
            Csrf::Right => req = req.header("x-csrf-token", &s.csrf),
            Csrf::Missing => {}
            Csrf::Wrong(t) => req = req.header("x-csrf-token", t),
        }
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let code = r.json::<Value>().await.ok().and_then(|v| v["code"].as_str().map(str::to_owned)).unwrap_or_default();
    (status, code)
}

fn classify(status: u16, code: &str) -> Expect {
    match (status, code) {
        (401, "unauthenticated") => Expect::Unauthenticated,
        (403, "forbidden" | "second_factor_required") => Expect::Refused,
        _ => Expect::Through,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_has_a_rule_and_every_rule_holds() {
    let app = TestApp::sqlite()
        .with_config(json!({ "security": { "totp_required_roles": ["admin", "auditor"],
                                           "sign_in_max_failures_per_account": 1000 } }))
        .start()
        .await
        .unwrap();
    let rules = rules();
    let table = padan_backend::routes::route_table();

    let missing: Vec<String> =
        table.iter().map(|(m, p)| format!("{m} {p}")).filter(|k| !rules.contains_key(k.as_str())).collect();
    assert!(
        missing.is_empty(),
        "routes without an authorization rule in backend/tests/it/authz.rs — declare who may call them:\n  {}",
        missing.join("\n  ")
    );
    let served: Vec<String> = table.iter().map(|(m, p)| format!("{m} {p}")).collect();
    let stale: Vec<&&str> = rules.keys().filter(|k| !served.iter().any(|s| s == *k)).collect();
    assert!(stale.is_empty(), "rules for routes the router does not serve: {stale:?}");

    let mut failures = Vec::new();
    let mut checked = 0;
    for caller in CALLERS {
        let mut session = sign_in(&app, caller).await;
        // Session-ending routes last, so one session serves the others.
        let mut order: Vec<_> = table.iter().collect();
        order.sort_by_key(|(m, p)| rules[format!("{m} {p}").as_str()].ends_session);
        for (method, path) in order {
            let key = format!("{method} {path}");
            let rule = &rules[key.as_str()];
            let want = expect(rule.access, caller);
            let (status, code) =
                call(&app, method, path, rule.body.as_ref(), caller, session.as_ref(), Csrf::Right).await;
            let got = classify(status, &code);
            checked += 1;
            if got != want {
                failures.push(format!("{key} as {caller:?}: want {want:?}, got {status} {code}"));
            }
            if rule.ends_session && got == Expect::Through && session.is_some() {
                session = sign_in(&app, caller).await;
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix violated:\n  {}", failures.join("\n  "));
    assert_eq!(checked, table.len() * CALLERS.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_route_refuses_a_missing_or_wrong_csrf_token() {
    let app = TestApp::sqlite().start().await.unwrap();
    let rules = rules();
    let mut checked = Vec::new();
    for (method, path) in padan_backend::routes::route_table() {
        if matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            continue;
        }
        let rule = &rules[format!("{method} {path}").as_str()];
        // A caller the rule lets through, with a session.
        let caller = match rule.access {
            Access::Public | Access::Service => continue,
            Access::SignedIn | Access::AnySession => Caller::Officer,
            Access::Roles(roles) => roles[0],
        };
        let session = sign_in(&app, caller).await.unwrap();
        for csrf in [Csrf::Missing, Csrf::Wrong(&"0".repeat(64)), Csrf::Wrong("")] {
            let (status, code) = call(&app, &method, &path, rule.body.as_ref(), caller, Some(&session), csrf).await;
            assert_eq!((status, code.as_str()), (403, "csrf_rejected"), "{method} {path}");
        }
        // Still alive and usable with the right token: the refusal was the token.
        let (status, code) = call(&app, "GET", "/api/v1/session", None, caller, Some(&session), Csrf::Right).await;
        assert_eq!(status, 200, "{method} {path}: {code}");
        checked.push(format!("{method} {path}"));
    }
    assert!(checked.len() >= 15, "{checked:?}");
    // Sign-in itself has no session to bind a token to: a foreign page's
    // Origin is refused instead (login CSRF).
    let r = app.sign_in_request("petugas", PASSWORD).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(r.status(), 403);
}
