//! Security hardening (issue 4): session rotation and "sign out
//! everywhere", sign-in rate limits, the password policy, the TOTP second
//! factor, security headers, built-in TLS, log redaction with canaries, and
//! secrets that never print. Real HTTP, real database, injected clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use padan_backend::{auth::totp, config::Config, web::redact};
use padan_sim_dukcapil::{Faults, special};
use serde_json::{Value, json};
use support::{Engine, Options, PASSWORD, TestApp};
use time::Duration;

fn with(extra: Value) -> Options {
    Options { extra, ..Options::default() }
}

fn totp_options() -> Options {
    with(json!({ "security": { "totp_required_roles": ["admin", "auditor"] } }))
}

/// The `padan_session` cookie value a response sets.
fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (name, rest) = c.split_once('=')?;
        name.ends_with("padan_session").then(|| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

/// A client without a cookie jar: every cookie is sent by hand.
fn bare() -> reqwest::Client {
    reqwest::Client::new()
}

async fn raw_sign_in(app: &TestApp, user: &str, password: &str, ip: Option<&str>) -> reqwest::Response {
    let mut req = bare().post(app.url("/api/v1/session")).json(&json!({ "username": user, "password": password }));
    if let Some(ip) = ip {
        req = req.header("x-forwarded-for", format!("203.0.113.250, {ip}"));
    }
    req.send().await.unwrap()
}

async fn get_with(app: &TestApp, path: &str, cookie: &str) -> u16 {
    bare()
        .get(app.url(path))
        .header("cookie", format!("padan_session={cookie}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn post_with(app: &TestApp, path: &str, cookie: &str, csrf: &str, body: &Value) -> reqwest::Response {
    bare()
        .post(app.url(path))
        .header("cookie", format!("padan_session={cookie}"))
        .header("x-csrf-token", csrf)
        .json(body)
        .send()
        .await
        .unwrap()
}

struct Signed {
    cookie: String,
    csrf: String,
    body: Value,
}

async fn signed(app: &TestApp, user: &str, password: &str) -> Signed {
    let r = raw_sign_in(app, user, password, None).await;
    assert_eq!(r.status(), 200, "sign in as {user}");
    let cookie = session_cookie(&r).unwrap();
    let body: Value = r.json().await.unwrap();
    Signed { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned(), body }
}

both_engines!(sign_in_rotates_the_session_and_revoke_all_ends_every_device, |engine| async move {
    let Some(app) = TestApp::start(engine, Options::default()).await else { return };
    // Fixation: a cookie planted before sign-in is replaced, and the session
    // it named (if any) ends.
    let first = signed(&app, "petugas", PASSWORD).await;
    let r = bare()
        .post(app.url("/api/v1/session"))
        .header("cookie", format!("padan_session={}", first.cookie))
        .json(&json!({ "username": "petugas", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = session_cookie(&r).unwrap();
    assert_ne!(second, first.cookie, "a new session id on every sign-in");
    assert_eq!(get_with(&app, "/api/v1/session", &first.cookie).await, 401, "the old cookie is dead");
    assert_eq!(get_with(&app, "/api/v1/session", &second).await, 200);

    // Two devices, then "keluar dari semua perangkat" from one of them.
    let laptop = signed(&app, "petugas", PASSWORD).await;
    let desk = signed(&app, "petugas", PASSWORD).await;
    let other_officer = signed(&app, "supervisor", PASSWORD).await;
    let no_csrf = bare()
        .post(app.url("/api/v1/session/revoke-all"))
        .header("cookie", format!("padan_session={}", laptop.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403, "CSRF applies");
    let r = post_with(&app, "/api/v1/session/revoke-all", &laptop.cookie, &laptop.csrf, &json!({})).await;
    assert_eq!(r.status(), 204);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    for cookie in [&laptop.cookie, &desk.cookie, &second] {
        assert_eq!(get_with(&app, "/api/v1/session", cookie).await, 401);
    }
    assert_eq!(get_with(&app, "/api/v1/session", &other_officer.cookie).await, 200, "only this officer's sessions");
    let audit = app.audit().await;
    let revoked = audit.iter().find(|r| r.event == "sign_out_everywhere").expect("audited");
    assert_eq!(revoked.detail.as_deref(), Some("3 session(s) ended"));
});

both_engines!(sign_in_is_rate_limited_per_account_and_per_address, |engine| async move {
    let options = with(json!({
        "server": { "client_ip_header": "x-forwarded-for" },
        "security": { "lockout_attempts": 100, "sign_in_max_failures_per_account": 3,
                      "sign_in_max_failures_per_address": 5, "sign_in_window_minutes": 15 },
    }));
    let Some(app) = TestApp::start(engine, options).await else { return };
    // Per account: three failures, then even the right password waits.
    for _ in 0..3 {
        assert_eq!(raw_sign_in(&app, "petugas", "salah-salah-salah", Some("10.0.0.1")).await.status(), 401);
    }
    app.clock.advance(Duration::minutes(5));
    let r = raw_sign_in(&app, "petugas", PASSWORD, Some("10.0.0.2")).await;
    assert_eq!(r.status(), 429);
    // The oldest failure ages out of the 15-minute window in 10 minutes.
    assert_eq!(r.headers()["retry-after"], "600");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("Tunggu 10 menit"), "{body}");
    // Unknown accounts are limited the same way (no enumeration by timing out).
    for _ in 0..3 {
        assert_eq!(raw_sign_in(&app, "tidak-ada", "x", Some("10.0.0.3")).await.status(), 401);
    }
    assert_eq!(raw_sign_in(&app, "tidak-ada", "x", Some("10.0.0.4")).await.status(), 429);
    app.clock.advance(Duration::minutes(10));
    assert_eq!(raw_sign_in(&app, "petugas", PASSWORD, Some("10.0.0.2")).await.status(), 200, "window passed");

    // Per address: five failures across accounts from one address.
    for user in ["a1", "a2", "a3", "a4", "a5"] {
        assert_eq!(raw_sign_in(&app, user, "x", Some("10.9.9.9")).await.status(), 401);
    }
    let r = raw_sign_in(&app, "supervisor", PASSWORD, Some("10.9.9.9")).await;
    assert_eq!(r.status(), 429, "the address is limited");
    assert_eq!(raw_sign_in(&app, "supervisor", PASSWORD, Some("10.9.9.8")).await.status(), 200, "others are not");
    // The limit lives in the database (shared by instances), under keyed
    // hashes: the account names typed are not stored.
    let rows: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sign_in_failures")
        .fetch_one(app.state.store().pool())
        .await
        .unwrap();
    assert!(rows >= 5);
    let subjects: Vec<String> = sqlx::query_scalar::<_, String>("SELECT subject FROM sign_in_failures")
        .fetch_all(app.state.store().pool())
        .await
        .unwrap();
    assert!(subjects.iter().all(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())), "{subjects:?}");
    assert!(app.audit().await.iter().any(|r| r.outcome == "rate_limited"));
});

both_engines!(password_policy_applies_when_changing_it, |engine| async move {
    let Some(app) = TestApp::start(engine, Options::default()).await else { return };
    let me = signed(&app, "petugas", PASSWORD).await;
    let other_device = signed(&app, "petugas", PASSWORD).await;
    let change = |current: &str, new: &str| {
        let body = json!({ "current_password": current, "new_password": new });
        let (cookie, csrf) = (me.cookie.clone(), me.csrf.clone());
        let app = &app;
        async move {
            let r = post_with(app, "/api/v1/account/password", &cookie, &csrf, &body).await;
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let cases = [
        ("salah-sekali-ini", "kuda-lari-di-pantai-parangtritis", "current_password", "saat ini salah"),
        (PASSWORD, "pendek", "new_password", "minimal 12"),
        (PASSWORD, "Bismillah2025", "new_password", "terlalu umum"),
        (PASSWORD, "password12345", "new_password", "terlalu umum"),
        (PASSWORD, "petugas-kanreg-lima", "new_password", "nama pengguna"),
        (PASSWORD, "nip199003152015032001", "new_password", "NIP"),
        (PASSWORD, PASSWORD, "new_password", "berbeda"),
    ];
    for (current, new, field, message) in cases {
        let (status, body) = change(current, new).await;
        assert_eq!(status, 422, "{new}: {body}");
        assert_eq!(body["fields"][0]["field"], field, "{new}: {body}");
        assert!(body["fields"][0]["message"].as_str().unwrap().contains(message), "{new}: {body}");
    }
    let (status, body) = change(PASSWORD, "kuda-lari-di-pantai-parangtritis").await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(get_with(&app, "/api/v1/session", &me.cookie).await, 200, "this session stays");
    assert_eq!(get_with(&app, "/api/v1/session", &other_device.cookie).await, 401, "others end");
    assert_eq!(raw_sign_in(&app, "petugas", PASSWORD, None).await.status(), 401);
    assert_eq!(raw_sign_in(&app, "petugas", "kuda-lari-di-pantai-parangtritis", None).await.status(), 200);
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.event == "password_change" && r.outcome == "ok"));
    assert!(audit.iter().all(|r| !format!("{r:?}").contains("parangtritis")), "no password in the trail");
});

fn demo_code(app: &TestApp) -> String {
    let secret = totp::base32_decode(totp::DEMO_SECRET).unwrap();
    totp::code_at(&secret, app.state.clock().now_millis())
}

both_engines!(admins_sign_in_with_a_second_factor, |engine| async move {
    let Some(app) = TestApp::start(engine, totp_options()).await else { return };
    let pending = signed(&app, "admin", PASSWORD).await;
    assert_eq!(pending.body["stage"], "totp_required");
    // Nothing else works with the password alone.
    for path in ["/api/v1/session", "/api/v1/admin/alerts", "/api/v1/mechanisms", "/api/v1/account"] {
        assert_eq!(get_with(&app, path, &pending.cookie).await, 403, "{path}");
    }
    let r = post_with(&app, "/api/v1/account/totp/enrolment", &pending.cookie, &pending.csrf, &json!({})).await;
    assert_eq!(r.status(), 403, "the password alone never replaces the factor");
    let r = post_with(&app, "/api/v1/session/totp", &pending.cookie, &pending.csrf, &json!({ "code": "000000" })).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "totp_invalid");
    // CSRF applies to the second step too.
    let r = post_with(&app, "/api/v1/session/totp", &pending.cookie, "x", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 403);

    let r =
        post_with(&app, "/api/v1/session/totp", &pending.cookie, &pending.csrf, &json!({ "code": demo_code(&app) }))
            .await;
    assert_eq!(r.status(), 200);
    let full = session_cookie(&r).unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["stage"], "complete");
    assert_ne!(body["csrf_token"], pending.body["csrf_token"], "new CSRF token");
    assert_ne!(full, pending.cookie, "new session id after the second factor");
    assert_eq!(get_with(&app, "/api/v1/session", &pending.cookie).await, 401);
    assert_eq!(get_with(&app, "/api/v1/admin/alerts", &full).await, 200);

    // The same code does not work twice (replay), the next step's does.
    let again = signed(&app, "admin", PASSWORD).await;
    let r =
        post_with(&app, "/api/v1/session/totp", &again.cookie, &again.csrf, &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 401, "replayed code");
    app.clock.advance(Duration::seconds(30));
    let r =
        post_with(&app, "/api/v1/session/totp", &again.cookie, &again.csrf, &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 200);
    // A pending session expires after 5 minutes.
    let late = signed(&app, "auditor", PASSWORD).await;
    app.clock.advance(Duration::minutes(6));
    let r =
        post_with(&app, "/api/v1/session/totp", &late.cookie, &late.csrf, &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 401);
    // Officers (not in totp_required_roles, not enrolled) sign in in one step.
    assert_eq!(signed(&app, "petugas", PASSWORD).await.body["stage"], "complete");
    let events: Vec<_> = app.audit().await.into_iter().map(|r| (r.event, r.outcome)).collect();
    assert!(events.contains(&("sign_in".into(), "second_factor_pending".into())), "{events:?}");
    assert!(events.contains(&("sign_in_totp".into(), "wrong_code".into())), "{events:?}");
    assert!(events.contains(&("sign_in_totp".into(), "ok".into())), "{events:?}");
});

both_engines!(auditors_without_a_factor_must_enrol_first, |engine| async move {
    let Some(app) = TestApp::start(engine, totp_options()).await else { return };
    let hash = padan_backend::auth::password::hash(PASSWORD).unwrap();
    let new = padan_backend::store::officers::NewOfficer {
        username: "auditor2",
        display_name: "Auditor Baru",
        nip: None,
        role: padan_protocol::v1::Role::Auditor,
        office_code: "PUSAT",
        password_hash: &hash,
    };
    let id = padan_backend::store::officers::insert(app.state.store().pool(), &new, 0).await.unwrap();
    let pending = signed(&app, "auditor2", PASSWORD).await;
    assert_eq!(pending.body["stage"], "totp_enrolment_required");
    assert_eq!(get_with(&app, "/api/v1/admin/agreements", &pending.cookie).await, 403);
    let r = post_with(
        &app,
        "/api/v1/account/totp/enrolment/confirm",
        &pending.cookie,
        &pending.csrf,
        &json!({"code": "123456"}),
    )
    .await;
    assert_eq!(r.status(), 400, "nothing to confirm yet");
    let r = post_with(&app, "/api/v1/account/totp/enrolment", &pending.cookie, &pending.csrf, &json!({})).await;
    assert_eq!(r.status(), 200);
    let enrolment: Value = r.json().await.unwrap();
    let secret_b32 = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Padan%20BKN:auditor2?secret="));
    let secret = totp::base32_decode(&secret_b32).unwrap();
    assert_eq!(secret.len(), 20);
    // Stored sealed: neither the base32 nor the raw secret is in the row.
    let stored: Option<String> = sqlx::query_scalar("SELECT totp_pending FROM officers WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.store().pool())
        .await
        .unwrap();
    let stored = stored.unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains(&secret_b32) && !stored.contains(&hex::encode(&secret)));

    let wrong = post_with(
        &app,
        "/api/v1/account/totp/enrolment/confirm",
        &pending.cookie,
        &pending.csrf,
        &json!({"code": "999999"}),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let code = totp::code_at(&secret, app.state.clock().now_millis());
    let r = post_with(
        &app,
        "/api/v1/account/totp/enrolment/confirm",
        &pending.cookie,
        &pending.csrf,
        &json!({ "code": code }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let full = session_cookie(&r).unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["stage"], "complete");
    assert_eq!(get_with(&app, "/api/v1/admin/agreements", &full).await, 200);
    assert_eq!(get_with(&app, "/api/v1/admin/agreements", &pending.cookie).await, 401, "rotated");
    let account: Value = bare()
        .get(app.url("/api/v1/account"))
        .header("cookie", format!("padan_session={full}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["totp_enrolled"], true);
    assert_eq!(account["totp_required"], true);
    // Next sign-in asks for the code of the new app.
    let next = signed(&app, "auditor2", PASSWORD).await;
    assert_eq!(next.body["stage"], "totp_required");
    app.clock.advance(Duration::seconds(30));
    let code = totp::code_at(&secret, app.state.clock().now_millis());
    let r = post_with(&app, "/api/v1/session/totp", &next.cookie, &next.csrf, &json!({ "code": code })).await;
    assert_eq!(r.status(), 200);
});

#[tokio::test]
async fn security_headers_on_documents_and_api() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><html><head></head></html>").unwrap();
    let options = Options { spa_dir: Some(dist.path().to_owned()), ..Options::default() };
    let app = TestApp::start(Engine::Sqlite, options).await.unwrap();
    let doc = app.get("/verifikasi/wajah").await;
    let api = app.get("/api/v1/session").await;
    for r in [&doc, &api] {
        let h = r.headers();
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    }
    let pp = doc.headers()["permissions-policy"].to_str().unwrap();
    assert!(pp.starts_with("camera=(self),") && pp.contains("microphone=()") && pp.contains("geolocation=()"), "{pp}");
    let pp = api.headers()["permissions-policy"].to_str().unwrap();
    assert!(pp.starts_with("camera=(),"), "{pp}");
}

/// A self-signed certificate for `localhost`/127.0.0.1, made with the
/// `openssl` command at test time; `None` when it is not installed.
fn self_signed(dir: &std::path::Path) -> Option<(String, String)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| (std::fs::read_to_string(cert).unwrap(), std::fs::read_to_string(key).unwrap()))
}

#[tokio::test]
async fn the_backend_serves_tls_itself_with_hsts_and_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path()) else {
        assert!(std::env::var("CI").is_err(), "openssl is needed in CI for the TLS test");
        eprintln!("openssl not installed: TLS test skipped");
        return;
    };
    std::fs::write(dir.path().join("key.pem"), &key).unwrap();
    let extra = json!({ "server": { "tls_cert": cert, "tls_key_file": dir.path().join("key.pem") } });
    let app = TestApp::start(Engine::Sqlite, with(extra)).await.unwrap();
    assert!(app.state.config().server.https, "TLS implies https");
    let config = app.state.config();
    let tls = padan_backend::web::tls::server_config(
        config.server.tls_cert.as_deref().unwrap(),
        config.server.tls_key.as_ref().unwrap().expose(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = padan_backend::app(app.state.clone());
    let server = tokio::spawn(padan_backend::web::tls::serve(listener, Some(tls), router, std::future::pending()));

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).unwrap())
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let r = client.get(format!("{base}/livez")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    let r = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "username": "petugas", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-padan_session=") && cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/livez")).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    // An untrusting client refuses the self-signed certificate.
    assert!(reqwest::Client::new().get(format!("{base}/livez")).send().await.is_err());
    server.abort();
}

/// Captured log output.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Canary NIK/KK/name strings go through every log path — request spans of
/// unmatched paths, refused requests, sign-in with an NIK as the user name,
/// verification and upstream failures, a careless `tracing` call, a panic
/// — and none reaches the written log (nor the audit trail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_canaries_never_reach_the_log() {
    const NIK: &str = special::ACTIVE;
    const KK: &str = "3171010101090042";
    const NAME: &str = "KANARI SUPRIYADI";
    let capture = Capture::default();
    let log = padan_backend::config::LogConfig {
        format: padan_backend::config::LogFormat::Json,
        filter: "debug,hyper=info,sqlx=warn,reqwest=info,h2=info".into(),
    };
    tracing::subscriber::set_global_default(padan_backend::web::telemetry::subscriber(&log, capture.clone())).unwrap();

    let Some(mut app) = TestApp::start(Engine::Sqlite, Options::default()).await else { return };
    // Unmatched paths (their span carries the path) and a query string.
    app.get(&format!("/api/v1/nik/{NIK}?kk={KK}")).await;
    app.get(&format!("/warga/{NIK}")).await;
    // An NIK typed as the user name.
    assert_eq!(app.sign_in(NIK, "x").await.0, 401);
    assert_eq!(app.sign_in("petugas", PASSWORD).await.0, 200);
    // Refused and accepted verification, then upstream failures.
    let claims = json!({ "nik": NIK, "purpose": "data_casn_asn", "elements": { "NAMA_LGKP": NAME, "NO_KK": KK } });
    let bad = app.post("/api/v1/verify/elements", &json!({ "nik": NIK, "purpose": "x", "nama": NAME })).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(app.verify(&claims).await.0, 200);
    for faults in [
        Faults { http_500: true, ..Faults::default() },
        Faults { garbage_body: true, ..Faults::default() },
        Faults { force_response_code: Some("03".into()), ..Faults::default() },
    ] {
        app.sim.set_faults(faults);
        assert_eq!(app.verify(&claims).await.0, 502);
    }
    app.sim.clear_faults();
    // A careless log line with personal fields and values in the message.
    // (Personal values inside Debug output or a JSON body are dropped by
    // key; a bare name in prose cannot be recognised, and none is written.)
    let person = json!({ "NIK": NIK, "NAMA_LGKP": NAME, "ALAMAT": "JL. KANARI 1" });
    tracing::warn!(nama = NAME, nik = NIK, alamat = "JL. KANARI 1", "careless: {NIK} {KK} {person}");
    tracing::debug!("careless debug: {:?}", ("nama_lgkp", NAME).1.len());
    tracing::error!(detail = %format!("upstream said {person}"), "careless upstream text");
    tracing::info!(no_kk = KK, "plain number {}", KK.parse::<u64>().unwrap());
    // A panic, logged through the hook.
    let previous = std::panic::take_hook();
    padan_backend::web::telemetry::install_panic_hook();
    let _ = std::panic::catch_unwind(|| panic!("unexpected answer for {NIK}: {person}"));
    std::panic::set_hook(previous);

    let written = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let parts: Vec<&str> = NAME.split(' ').collect();
    for canary in [NIK, KK, parts[0], parts[1], "JL. KANARI", &NIK[..12]] {
        assert!(!written.contains(canary), "canary {canary:?} reached the log:\n{written}");
    }
    // The log is not empty: the paths above were logged, redacted.
    assert!(written.contains("\"request_id\""), "{written}");
    assert!(written.contains(redact::MASK), "{written}");
    assert!(written.contains("careless") && written.contains("\"panic\""), "{written}");
    assert!(written.contains("request refused"), "{written}");
    // Officer id and office are on the request spans once signed in.
    assert!(written.contains("\"office\":\"KANREG-V\""), "{written}");
    // Nor does an NIK typed as a user name reach the audit trail.
    for r in app.audit().await {
        let row = format!("{r:?}");
        assert!(!row.contains(NIK) && !row.contains(NAME), "{row}");
    }
}

#[test]
fn secrets_never_print() {
    let settings = json!({
        "dukcapil": { "user_id": "CANARY-USER", "password": "CANARY-DUKCAPIL-PW",
                      "fr_public_key": "-----BEGIN PUBLIC KEY-----CANARY-FR" },
        "database": { "url": "postgres://padan:CANARY-DB-PW@db/padan" },
        "security": { "nik_token_key": "c0ffee".repeat(11) },
        "audit": { "signing_key": "5e".repeat(32) },
        "card": { "ticket_signing_key": "1a7c459a7e136cc05602ad28bbcd47bada0f9024426dc656d84107601bd231f4",
                  "sam_ca_public_key": padan_backend::config::DEMO_SAM_CA_PUBLIC_KEY,
                  "activation_public_key": padan_backend::config::DEMO_ACTIVATION_PUBLIC_KEY },
    });
    let config =
        Config::from_figment(figment::Figment::from(figment::providers::Serialized::defaults(settings))).unwrap();
    let printed = format!("{config:?} {config:#?}");
    for secret in
        ["CANARY-DUKCAPIL-PW", "CANARY-USER", "CANARY-DB-PW", "c0ffeec0ffee", "1a7c459a7e13", "CANARY-FR", "5e5e5e5e"]
    {
        assert!(!printed.contains(secret), "{secret} printed");
    }
    assert!(printed.contains("[redacted]"));

    // `padan check-config`, good and bad, never echoes a secret.
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, "CANARY-FILE-PW\n").unwrap();
    for (threshold, ok) in [("80", true), ("120", false)] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_padan"))
            .arg("check-config")
            .current_dir(dir.path())
            .env("PADAN_DUKCAPIL__USER_ID", "CANARY-USER")
            .env("PADAN_DUKCAPIL__PASSWORD_FILE", &pw_file)
            .env("PADAN_DUKCAPIL__THRESHOLD", threshold)
            .env("PADAN_DATABASE__URL", "postgres://padan:CANARY-DB-PW@db/padan")
            .env("PADAN_SECURITY__NIK_TOKEN_KEY", "c0ffee".repeat(11))
            .env("PADAN_AUDIT__SIGNING_KEY", "5e".repeat(32))
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.success(), ok, "{text}");
        for secret in ["CANARY-USER", "CANARY-FILE-PW", "CANARY-DB-PW", "c0ffeec0ffee", "5e5e5e5e"] {
            assert!(!text.contains(secret), "check-config printed {secret}: {text}");
        }
    }
}
