//! Security hardening (issue 4): session rotation and "sign out
//! everywhere", sign-in rate limits, the password policy, the TOTP second
//! factor, security headers, built-in TLS, log redaction with canaries, and
//! secrets that never print. Real HTTP, real database, injected clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use padan_backend::{auth::totp, config::Config, web::redact};
use padan_protocol::v1::Role;
use padan_sim_dukcapil::{Faults, special};
use serde_json::{Value, json};
use time::Duration;

use crate::support::{Builder, Engine, PASSWORD, Session, TestApp, process, session_cookie};

/// Admins and auditors sign in with a second factor.
fn with_totp(engine: Engine) -> Builder {
    TestApp::on(engine).with_config(json!({ "security": { "totp_required_roles": ["admin", "auditor"] } }))
}

/// A client without a cookie jar: every cookie is sent by hand.
fn bare() -> reqwest::Client {
    reqwest::Client::new()
}

async fn raw_sign_in(app: &TestApp, user: &str, password: &str, ip: Option<&str>) -> reqwest::Response {
    let mut req = app.sign_in_request(user, password);
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

both_engines!(sign_in_rotates_the_session_and_revoke_all_ends_every_device, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    // Fixation: a cookie planted before sign-in is replaced, and the session
    // it named (if any) ends.
    let first = app.signed_in(Role::Officer).await;
    let r = app
        .sign_in_request("petugas", PASSWORD)
        .header("cookie", format!("padan_session={}", first.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = session_cookie(&r).unwrap();
    assert_ne!(second, first.cookie, "a new session id on every sign-in");
    assert_eq!(get_with(&app, "/api/v1/session", &first.cookie).await, 401, "the old cookie is dead");
    assert_eq!(get_with(&app, "/api/v1/session", &second).await, 200);

    // Two devices, then "keluar dari semua perangkat" from one of them.
    let laptop = app.signed_in(Role::Officer).await;
    let desk = app.signed_in(Role::Officer).await;
    let other_officer = app.signed_in(Role::Supervisor).await;
    let no_csrf = laptop.request(reqwest::Method::POST, "/api/v1/session/revoke-all").send().await.unwrap();
    assert_eq!(no_csrf.status(), 403, "CSRF applies");
    let r = laptop.post("/api/v1/session/revoke-all", &json!({})).await;
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
    let options = TestApp::on(engine).with_config(json!({
        "server": { "client_ip_header": "x-forwarded-for" },
        "security": { "sign_in_max_failures_per_account": 3, "sign_in_max_delay_seconds": 600,
                      "sign_in_max_failures_per_address": 5, "sign_in_window_minutes": 15 },
    }));
    let Some(app) = options.start().await else { return };
    // Per account: three failures free, then each attempt waits 1 s, 2 s …
    // after the latest failure, from any address.
    for _ in 0..3 {
        assert_eq!(raw_sign_in(&app, "petugas", "salah-salah-salah", Some("10.0.0.1")).await.status(), 401);
    }
    let r = raw_sign_in(&app, "petugas", PASSWORD, Some("10.0.0.2")).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("Tunggu 1 detik"), "{body}");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(raw_sign_in(&app, "petugas", "salah-salah-salah", Some("10.0.0.1")).await.status(), 401);
    let r = raw_sign_in(&app, "petugas", PASSWORD, Some("10.0.0.2")).await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "2"), "doubled");
    // Unknown accounts are limited the same way (no enumeration by timing out).
    for _ in 0..3 {
        assert_eq!(raw_sign_in(&app, "tidak-ada", "x", Some("10.0.0.3")).await.status(), 401);
    }
    assert_eq!(raw_sign_in(&app, "tidak-ada", "x", Some("10.0.0.4")).await.status(), 429);
    app.clock.advance(Duration::seconds(2));
    assert_eq!(raw_sign_in(&app, "petugas", PASSWORD, Some("10.0.0.2")).await.status(), 200, "the wait passed");

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
    let Some(app) = TestApp::on(engine).start().await else { return };
    let me = app.signed_in(Role::Officer).await;
    let other_device = app.signed_in(Role::Officer).await;
    let change = |current: &str, new: &str| {
        let body = json!({ "current_password": current, "new_password": new });
        me.post_json("/api/v1/account/password", Some(body))
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
    let Some(app) = with_totp(engine).start().await else { return };
    let pending = app.password_step("admin", PASSWORD).await;
    assert_eq!(pending.body["stage"], "totp_required");
    // Nothing else works with the password alone.
    for path in ["/api/v1/session", "/api/v1/admin/alerts", "/api/v1/mechanisms", "/api/v1/account"] {
        assert_eq!(get_with(&app, path, &pending.cookie).await, 403, "{path}");
    }
    let r = pending.post("/api/v1/account/totp/enrolment", &json!({})).await;
    assert_eq!(r.status(), 403, "the password alone never replaces the factor");
    let r = pending.post("/api/v1/session/totp", &json!({ "code": "000000" })).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "totp_invalid");
    // CSRF applies to the second step too.
    let r = post_with(&app, "/api/v1/session/totp", &pending.cookie, "x", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 403);

    let r = pending.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 200);
    let full = session_cookie(&r).unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["stage"], "complete");
    assert_ne!(body["csrf_token"], pending.body["csrf_token"], "new CSRF token");
    assert_ne!(full, pending.cookie, "new session id after the second factor");
    assert_eq!(get_with(&app, "/api/v1/session", &pending.cookie).await, 401);
    assert_eq!(get_with(&app, "/api/v1/admin/alerts", &full).await, 200);

    // The same code does not work twice (replay), the next step's does.
    let again = app.password_step("admin", PASSWORD).await;
    let r = again.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 401, "replayed code");
    app.clock.advance(Duration::seconds(30));
    let r = again.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 200);
    // A pending session expires after 5 minutes.
    let late = app.password_step("auditor", PASSWORD).await;
    app.clock.advance(Duration::minutes(6));
    let r = late.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 401);
    // Officers (not in totp_required_roles, not enrolled) sign in in one step.
    assert_eq!(app.signed_in(Role::Officer).await.body["stage"], "complete");
    let events: Vec<_> = app.audit().await.into_iter().map(|r| (r.event, r.outcome)).collect();
    assert!(events.contains(&("sign_in".into(), "second_factor_pending".into())), "{events:?}");
    assert!(events.contains(&("sign_in_totp".into(), "wrong_code".into())), "{events:?}");
    assert!(events.contains(&("sign_in_totp".into(), "ok".into())), "{events:?}");
});

both_engines!(auditors_without_a_factor_must_enrol_first, |engine| async move {
    let Some(app) = with_totp(engine).start().await else { return };
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
    let pending = app.password_step("auditor2", PASSWORD).await;
    assert_eq!(pending.body["stage"], "totp_enrolment_required");
    assert_eq!(get_with(&app, "/api/v1/admin/agreements", &pending.cookie).await, 403);
    let r = pending.post("/api/v1/account/totp/enrolment/confirm", &json!({"code": "123456"})).await;
    assert_eq!(r.status(), 400, "nothing to confirm yet");
    let r = pending.post("/api/v1/account/totp/enrolment", &json!({})).await;
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
    assert!(stored.starts_with("v2:") && !stored.contains(&secret_b32) && !stored.contains(&hex::encode(&secret)));

    let wrong = pending.post("/api/v1/account/totp/enrolment/confirm", &json!({"code": "999999"})).await;
    assert_eq!(wrong.status(), 401);
    let code = totp::code_at(&secret, app.state.clock().now_millis());
    let r = pending.post("/api/v1/account/totp/enrolment/confirm", &json!({ "code": code })).await;
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
    let next = app.password_step("auditor2", PASSWORD).await;
    assert_eq!(next.body["stage"], "totp_required");
    app.clock.advance(Duration::seconds(30));
    let code = totp::code_at(&secret, app.state.clock().now_millis());
    let r = next.post("/api/v1/session/totp", &json!({ "code": code })).await;
    assert_eq!(r.status(), 200);
});

#[tokio::test]
async fn security_headers_on_documents_and_api() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><html><head></head></html>").unwrap();
    let app = TestApp::sqlite().spa_dir(dist.path()).start().await.unwrap();
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // HTTPS needs the public origin on record (requests for other hosts are refused).
    let extra = json!({ "server": { "tls_cert": cert, "tls_key_file": dir.path().join("key.pem"),
                                    "public_origins": [format!("https://localhost:{port}")] } });
    let app = TestApp::sqlite().with_config(extra).start().await.unwrap();
    assert!(app.state.config().server.https, "TLS implies https");
    let config = app.state.config();
    let tls = padan_backend::web::tls::server_config(
        config.server.tls_cert.as_deref().unwrap(),
        config.server.tls_key.as_ref().unwrap().expose(),
    )
    .unwrap();
    let router = padan_backend::app(app.state.clone());
    let limits = padan_backend::web::server::ConnectionLimits::from_config(&config.server);
    let server =
        tokio::spawn(padan_backend::web::server::serve(listener, Some(tls), router, limits, std::future::pending()));

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
/// — and none reaches the written log (nor the audit trail). In a process
/// of its own: it sets the global subscriber and the panic hook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_canaries_never_reach_the_log() {
    if !process::alone("security::log_canaries_never_reach_the_log") {
        return;
    }
    const NIK: &str = special::ACTIVE;
    const KK: &str = "3171010101090042";
    const NAME: &str = "KANARI SUPRIYADI";
    let capture = Capture::default();
    let log = padan_backend::config::LogConfig {
        format: padan_backend::config::LogFormat::Json,
        filter: "debug,hyper=info,sqlx=warn,reqwest=info,h2=info".into(),
    };
    tracing::subscriber::set_global_default(padan_backend::web::telemetry::subscriber(&log, capture.clone())).unwrap();

    let Some(mut app) = TestApp::sqlite().start().await else { return };
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

both_engines!(failed_sign_ins_never_lock_the_owner_out_nor_tell_which_accounts_exist, |engine| async move {
    // The review's finding: five wrong passwords for a known name answered
    // 423 "Account locked … until", an unknown name 401 forever.
    let options = TestApp::on(engine).with_config(json!({ "server": { "client_ip_header": "x-forwarded-for" } }));
    let Some(app) = options.start().await else { return };
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = r.json().await.unwrap();
        (status, retry, body["code"].clone(), body["message"].clone())
    };
    // An attacker's 14 guesses at a known and at an unknown name, from one
    // address each: the same answers, in the same order.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..14 {
        known.push(answer(raw_sign_in(&app, "admin", "tebakan-salah", Some("10.6.6.6")).await).await);
        unknown.push(answer(raw_sign_in(&app, "admin-tidak-ada", "tebakan-salah", Some("10.6.6.7")).await).await);
    }
    assert_eq!(known, unknown, "known and unknown names are answered alike");
    assert!(known.iter().all(|(status, ..)| *status == 401 || *status == 429), "{known:?}");
    assert!(known.iter().all(|(status, ..)| *status != 423), "nothing locks: {known:?}");
    assert_eq!(known.iter().filter(|(status, ..)| *status == 401).count(), 10, "10 free, then slowed: {known:?}");
    // The owner, from their own PC, waits at most the delay: seconds, never
    // the quarter of an hour a lockout cost.
    let r = raw_sign_in(&app, "admin", PASSWORD, Some("10.1.1.1")).await;
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    app.clock.advance(Duration::seconds(wait));
    assert_eq!(raw_sign_in(&app, "admin", PASSWORD, Some("10.1.1.1")).await.status(), 200, "the owner gets in");
    // The audit trail and the admins know; the attacker does not.
    let audit = app.audit().await;
    assert_eq!(audit.iter().filter(|r| r.event == "sign_in" && r.outcome == "wrong_password").count(), 10);
    let slowed = audit.iter().find(|r| r.event == "sign_in_slowdown").expect("the slowdown is audited");
    assert_eq!(slowed.username.as_deref(), Some("admin"));
    assert!(audit.iter().all(|r| r.event != "lockout"));
    let alerts: Vec<(String, String)> =
        sqlx::query_as::<_, (String, String)>("SELECT kind, message FROM admin_alerts WHERE kind = 'security'")
            .fetch_all(app.state.store().pool())
            .await
            .unwrap();
    assert_eq!(alerts.len(), 1, "one alert, for the known account: {alerts:?}");
    assert!(alerts[0].1.contains("Akun admin") && alerts[0].1.contains("tidak dikunci"), "{alerts:?}");
});

/// `GET /api/v1/session` as the holder of `cookie`.
async fn session_json(app: &TestApp, cookie: &str) -> Value {
    let r = bare().get(app.url("/api/v1/session")).header("cookie", format!("padan_session={cookie}"));
    r.send().await.unwrap().json().await.unwrap()
}

/// Signs in with the password and then a code for `secret`.
async fn signed_with_code(app: &TestApp, user: &str, secret: &[u8]) -> Session {
    app.password_step(user, PASSWORD).await.second_factor(app, secret).await
}

both_engines!(replacing_the_second_factor_takes_the_current_code_and_tells_the_owner, |engine| async move {
    // The review's finding: a signed-in auditor started a new enrolment and
    // confirmed it without the current code or the password.
    let Some(app) = with_totp(engine).start().await else { return };
    let demo = totp::base32_decode(totp::DEMO_SECRET).unwrap();
    let laptop = signed_with_code(&app, "auditor", &demo).await;
    app.clock.advance(Duration::seconds(30));
    let borrowed = signed_with_code(&app, "auditor", &demo).await;
    app.clock.advance(Duration::seconds(30));
    let start = |proof: Value| {
        let borrowed = &borrowed;
        async move { borrowed.post("/api/v1/account/totp/enrolment", &proof).await }
    };
    // The session alone does not start a re-enrolment.
    let r = start(json!({})).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "current_code", "{body}");
    // Nor the password, nor a wrong code (audited, and throttled like sign-in).
    assert_eq!(start(json!({ "password": PASSWORD })).await.status(), 422);
    let r = start(json!({ "current_code": "000000" })).await;
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()["code"].clone()), (401, json!("totp_invalid")));
    let pending: Option<String> = sqlx::query_scalar("SELECT totp_pending FROM officers WHERE username = 'auditor'")
        .fetch_one(app.state.store().pool())
        .await
        .unwrap();
    assert!(pending.is_none(), "nothing was parked for a session without the code");
    // With a code from the current app it starts.
    let r = start(json!({ "current_code": totp::code_at(&demo, app.state.clock().now_millis()) })).await;
    assert_eq!(r.status(), 200);
    let fresh = totp::base32_decode(r.json::<Value>().await.unwrap()["secret"].as_str().unwrap()).unwrap();
    let r = borrowed
        .post(
            "/api/v1/account/totp/enrolment/confirm",
            &json!({ "code": totp::code_at(&fresh, app.state.clock().now_millis()) }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Like a password change, the officer's other sessions end.
    assert_eq!(get_with(&app, "/api/v1/session", &laptop.cookie).await, 401, "other sessions end");
    let same: Value = session_json(&app, &borrowed.cookie).await;
    assert!(same.get("notices").is_none(), "the session that made the change cannot see or dismiss it: {same}");
    let audit = app.audit().await;
    let started = audit.iter().find(|r| r.event == "totp_enrolment" && r.outcome == "started").unwrap();
    assert_eq!(started.detail.as_deref(), Some("re-enrolment, proven by the current code"));
    assert!(audit.iter().any(|r| r.event == "totp_enrolment" && r.outcome == "wrong_code"));
    let done = audit.iter().find(|r| r.event == "totp_enrolment" && r.outcome == "ok").unwrap();
    assert!(done.detail.as_deref().unwrap().starts_with("replaced the previous authenticator"), "{done:?}");

    // The owner's next sign-in tells them, until they acknowledge it.
    app.clock.advance(Duration::minutes(1));
    let owner = signed_with_code(&app, "auditor", &fresh).await;
    let notices = owner.body["notices"].as_array().expect("notices").clone();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["kind"], "second_factor_replaced");
    assert_eq!(notices[0]["address"], "127.0.0.1");
    let ack = json!({ "up_to_id": notices[0]["id"] });
    let r = owner.post("/api/v1/account/notices/ack", &ack).await;
    assert_eq!(r.status(), 204);
    let after: Value = session_json(&app, &owner.cookie).await;
    assert!(after.get("notices").is_none(), "{after}");
    assert!(app.audit().await.iter().any(|r| r.event == "account_notices_read"));

    // A first enrolment outside sign-in takes the password.
    let officer = app.signed_in(Role::Officer).await;
    let first = |proof: Value| {
        let officer = &officer;
        async move { officer.post("/api/v1/account/totp/enrolment", &proof).await }
    };
    let r = first(json!({})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["fields"][0]["field"], "password");
    assert_eq!(first(json!({ "password": "bukan-kata-sandinya" })).await.status(), 422);
    assert_eq!(first(json!({ "password": PASSWORD })).await.status(), 200);
});

/// A request to the app with an explicit `Host` (and `Origin`, `Cookie`).
async fn to_host(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    host: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = bare().request(method, app.url(path)).header("host", host);
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.json(&json!({ "username": "petugas", "password": PASSWORD })).send().await.unwrap()
}

/// The cookie a sign-in through `host` sets, under whichever name.
async fn sign_in_via(app: &TestApp, host: &str, user: &str) -> (String, String) {
    let r = app.sign_in_request(user, PASSWORD).header("host", host).send().await.unwrap();
    assert_eq!(r.status(), 200, "sign in as {user} via {host}");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (name, rest) = set.split_once('=').unwrap();
    (name.to_owned(), rest.split(';').next().unwrap().to_owned())
}

both_engines!(under_https_only_the_host_prefixed_session_cookie_counts, |engine| async move {
    // The review's finding: with both `padan_session` and
    // `__Host-padan_session` sent, the first won — so a cookie planted by a
    // sibling host or a plain-HTTP answer chose the session.
    let options = TestApp::on(engine)
        .with_config(json!({ "server": { "https": true, "public_origins": ["https://padan.test"] } }));
    let Some(app) = options.start().await else { return };
    let (name, victim) = sign_in_via(&app, "padan.test", "petugas").await;
    assert_eq!(name, "__Host-padan_session");
    let (_, planted) = sign_in_via(&app, "padan.test", "supervisor").await;
    let who = |cookie: String| {
        let app = &app;
        async move {
            let r = to_host(app, reqwest::Method::GET, "/api/v1/session", "padan.test", None, Some(&cookie)).await;
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap()["officer"]["username"].clone())
        }
    };
    let both = format!("padan_session={planted}; __Host-padan_session={victim}");
    assert_eq!(who(both).await, (200, json!("petugas")), "the planted cookie does not choose the session");
    assert_eq!(who(format!("padan_session={victim}")).await.0, 401, "the plain name is not accepted under HTTPS");
    let two = format!("__Host-padan_session={planted}; __Host-padan_session={victim}");
    assert_eq!(who(two).await.0, 401, "two different values are ambiguous");
    assert_eq!(who(format!("__Host-padan_session={victim}")).await, (200, json!("petugas")));
});

both_engines!(only_the_configured_hosts_and_origins_are_served, |engine| async move {
    // The review's finding: any Host was accepted, and the Origin check
    // compared with that Host — which the sender chooses.
    let Some(app) = TestApp::on(engine).start().await else { return };
    let local = app.base.trim_start_matches("http://").to_owned();
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    // Without public_origins: loopback hosts only.
    let r = to_host(&app, get.clone(), "/api/v1/session", "evil.example", None, None).await;
    assert_eq!(r.status(), 421);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "host_not_served");
    let r = to_host(&app, post.clone(), "/api/v1/session", "evil.example", Some("http://evil.example"), None).await;
    assert_eq!(r.status(), 421, "a rebinding page's write, Origin matching its Host, is refused");
    assert_eq!(to_host(&app, get.clone(), "/livez", "10.0.0.5:8080", None, None).await.status(), 200, "probes");
    let r = to_host(&app, post.clone(), "/api/v1/session", &local, Some(&app.base), None).await;
    assert_eq!(r.status(), 200, "the loopback page itself");

    // With public_origins: exactly those, scheme included.
    let options = TestApp::on(engine)
        .with_config(json!({ "server": { "public_origins": ["https://padan.test", "http://10.1.2.3:8080"] } }));
    let Some(app) = options.start().await else { return };
    let local = app.base.trim_start_matches("http://").to_owned();
    assert_eq!(to_host(&app, get.clone(), "/api/v1/openapi.json", &local, None, None).await.status(), 421);
    assert_eq!(to_host(&app, get.clone(), "/api/v1/openapi.json", "padan.test", None, None).await.status(), 200);
    assert_eq!(to_host(&app, get.clone(), "/api/v1/openapi.json", "padan.test:443", None, None).await.status(), 200);
    assert_eq!(to_host(&app, get.clone(), "/api/v1/openapi.json", "10.1.2.3:8080", None, None).await.status(), 200);
    assert_eq!(to_host(&app, get.clone(), "/api/v1/openapi.json", "10.1.2.3", None, None).await.status(), 421);
    let write = |origin: &'static str| to_host(&app, post.clone(), "/api/v1/session", "padan.test", Some(origin), None);
    assert_eq!(write("https://padan.test").await.status(), 200);
    assert_eq!(write("http://padan.test").await.status(), 403, "another scheme is another origin");
    assert_eq!(write("https://padan.test.evil.example").await.status(), 403);
    assert_eq!(write("null").await.status(), 403);
});

both_engines!(wrong_service_keys_are_throttled_and_audited, |engine| async move {
    let options = TestApp::on(engine).with_config(json!({
        "server": { "client_ip_header": "x-forwarded-for" },
        "security": { "sign_in_max_failures_per_address": 5 },
    }));
    let Some(app) = options.start().await else { return };
    let (nik, _) = (padan_sim_dukcapil::special::ACTIVE, ());
    let body = json!({ "nik": nik, "purpose": "data_casn_asn" });
    let call = |key: &str, ip: &str| {
        bare()
            .post(app.url("/api/v1/siasn/lookup"))
            .header("authorization", format!("Bearer {key}"))
            .header("x-forwarded-for", ip)
            .json(&body)
            .send()
    };
    let wrong = "x".repeat(40);
    for _ in 0..5 {
        assert_eq!(call(&wrong, "10.7.7.7").await.unwrap().status(), 401);
    }
    let r = call(&wrong, "10.7.7.7").await.unwrap();
    assert_eq!(r.status(), 429, "guessing keys is throttled per address");
    assert!(r.headers().contains_key("retry-after"));
    let key = padan_backend::store::seed::DEMO_SIASN_KEY;
    assert_eq!(call(key, "10.7.7.7").await.unwrap().status(), 429, "the address waits, whatever it sends");
    assert_ne!(call(key, "10.7.7.8").await.unwrap().status(), 429, "other addresses are served");
    let audit = app.audit().await;
    let refused = audit.iter().filter(|r| r.event == "service_auth" && r.outcome == "wrong_key").count();
    assert_eq!(refused, 5, "each wrong key is audited");
    assert!(audit.iter().all(|r| !format!("{r:?}").contains(&wrong)), "never the key itself");
});

both_engines!(the_role_is_checked_before_the_body_is_read, |engine| async move {
    // The review's finding: a caller without the role got the body's schema
    // in a 400 ("missing field …") before the role check's 403.
    let Some(auditor) = TestApp::on(engine).start_signed_in(Role::Auditor).await else { return };
    for (path, body) in [
        ("/api/v1/verify/elements", json!({})),
        ("/api/v1/verify/face", json!({ "nik": 1 })),
        ("/api/v1/lookup/portal", json!([])),
        ("/api/v1/admin/officers", json!({ "bogus": true })),
        ("/api/v1/admin/agreements", json!({})),
    ] {
        let r = auditor.post(path, &body).await;
        assert_eq!(r.status(), 403, "{path}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["code"], "forbidden", "{path}: {answer}");
        let text = answer.to_string();
        assert!(!text.contains("field") && !text.contains("missing"), "{path} tells the schema: {text}");
    }
    let Some(officer) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let r = officer.get("/api/v1/audit/records?from=bukan-tanggal").await;
    assert_eq!(r.status(), 403, "the audit query is not parsed for an officer");
});

// ---- Issue 14, finding 1: slow clients are cut off; finding 4: /metrics
// only on the management listener. Real sockets, short configured
// timeouts; the pacing below is the slow client's, not a wait for time.

/// What a raw client saw before the server closed its connection.
struct Seen {
    /// From the first byte sent until the server closed the connection.
    open_for: std::time::Duration,
    /// Everything the server answered.
    answer: String,
    closed: bool,
    /// When the connection ended (or the client gave up).
    ended: std::time::Instant,
}

/// Sends `head` (which may be partial), then one byte of `trickle` every
/// 300 ms, reading whatever the server answers, until it closes the
/// connection or `give_up` has passed.
async fn trickle(stream: tokio::net::TcpStream, head: String, trickle: u8, give_up: std::time::Duration) -> Seen {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let (mut read, mut write) = stream.into_split();
    let _ = write.write_all(head.as_bytes()).await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let mut writing = true;
    while started.elapsed() < give_up {
        if writing && write.write_all(&[trickle]).await.is_err() {
            writing = false;
        }
        match tokio::time::timeout(std::time::Duration::from_millis(300), read.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                let answer = String::from_utf8_lossy(&answer).into_owned();
                let ended = std::time::Instant::now();
                return Seen { open_for: ended - started, answer, closed: true, ended };
            }
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let ended = std::time::Instant::now();
    Seen { open_for: ended - started, answer: String::from_utf8_lossy(&answer).into_owned(), closed: false, ended }
}

async fn connect(app: &TestApp) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(host(app)).await.unwrap()
}

/// The `Host` the server answers to (its own address).
fn host(app: &TestApp) -> &str {
    app.base.trim_start_matches("http://")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_bodies_are_cut_off_while_others_are_served() {
    let extra = json!({ "server": { "header_read_timeout_secs": 2, "body_read_timeout_secs": 3,
                                    "max_connections_per_address": 0 } });
    let app = TestApp::sqlite().with_config(extra).start().await.unwrap();
    let host = host(&app);
    let give_up = std::time::Duration::from_secs(10);
    let mut headers = Vec::new();
    let mut bodies = Vec::new();
    // 50 slow connections, as in the review: 25 in headers, 25 in bodies.
    for _ in 0..25 {
        // Headers that never end: one more header byte every 300 ms.
        let stream = connect(&app).await;
        headers.push(tokio::spawn(trickle(
            stream,
            format!("POST /api/v1/session HTTP/1.1\r\nhost: {host}\r\nx-slow: "),
            b'a',
            give_up,
        )));
        // Complete headers, then a body of 100 bytes at one byte every 300 ms.
        let head = format!(
            "POST /api/v1/session HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
                     content-length: 100\r\n\r\n"
        );
        let stream = connect(&app).await;
        bodies.push(tokio::spawn(trickle(stream, head, b' ', give_up)));
    }
    // Other clients are served while the slow ones are held.
    for _ in 0..5 {
        assert_eq!(app.get("/livez").await.status(), 200);
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    let served = std::time::Instant::now();

    for h in headers {
        let seen = h.await.unwrap();
        assert!(served < seen.ended, "others were served while the slow clients were held");
        assert!(seen.closed, "a trickled header stayed open for {:?}", seen.open_for);
        assert!(seen.open_for < std::time::Duration::from_secs(5), "header cut off late: {:?}", seen.open_for);
        assert!(!seen.answer.contains(" 200 "), "{}", seen.answer);
    }
    for h in bodies {
        let seen = h.await.unwrap();
        assert!(served < seen.ended, "others were served while the slow clients were held");
        assert!(seen.closed, "a trickled body stayed open for {:?}", seen.open_for);
        assert!(seen.open_for < std::time::Duration::from_secs(6), "body cut off late: {:?}", seen.open_for);
        assert!(seen.answer.starts_with("HTTP/1.1 408"), "a late body is answered 408: {}", seen.answer);
        assert!(seen.answer.contains("\"code\":\"request_timeout\""), "{}", seen.answer);
        assert!(seen.answer.to_ascii_lowercase().contains("connection: close"), "{}", seen.answer);
    }

    // A kept-alive connection idle after its answer is closed as well.
    let mut stream = connect(&app).await;
    tokio::io::AsyncWriteExt::write_all(&mut stream, format!("GET /livez HTTP/1.1\r\nhost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(give_up, tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer)).await;
    assert!(read.is_ok(), "an idle kept-alive connection stayed open for {:?}", started.elapsed());
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "idle connection closed late: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_body_above_the_limit_is_refused_before_it_is_read() {
    let extra = json!({ "server": { "max_body_bytes": 4096 } });
    let mut app = TestApp::sqlite().with_config(extra).start().await.unwrap();
    let host = host(&app).to_owned();
    // 100 MiB declared, 2 bytes sent: answered at once, not waited for.
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
                 content-length: 104857600\r\n\r\n{{\""
    );
    let seen = trickle(connect(&app).await, head, b' ', std::time::Duration::from_secs(10)).await;
    assert!(seen.answer.starts_with("HTTP/1.1 413"), "{}", seen.answer);
    assert!(seen.answer.contains("\"code\":\"payload_too_large\""), "{}", seen.answer);
    assert!(seen.closed && seen.open_for < std::time::Duration::from_secs(2), "{:?}", seen.open_for);
    // Also under a path the router does not know.
    let head = format!("PUT /nowhere HTTP/1.1\r\nhost: {host}\r\ncontent-length: 104857600\r\n\r\nab");
    let seen = trickle(connect(&app).await, head, b' ', std::time::Duration::from_secs(10)).await;
    assert!(seen.answer.starts_with("HTTP/1.1 413") && seen.closed, "{}", seen.answer);

    // The registry import reads larger bodies itself (balikan.import_max_mb):
    // a CSV above server.max_body_bytes still reaches it.
    let (status, body) = app.sign_in("admin", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let csv = format!("NIP;NIK;NAMA\n{}", "1;2;3\n".repeat(2000));
    assert!(csv.len() > 4096);
    let r = app
        .http
        .post(app.url("/api/v1/admin/registry/imports?file_name=asn.csv&dry_run=true"))
        .header("content-type", "text/csv")
        .header("x-csrf-token", app.csrf.clone().unwrap_or_default())
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 413, "the registry import has its own limit");
    assert!(r.status().is_success() || r.status() == 400 || r.status() == 422, "{}", r.status());
    let _ = &mut app;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_above_the_per_address_cap_are_closed_while_others_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let extra = json!({ "server": { "max_connections_per_address": 4, "header_read_timeout_secs": 60 } });
    let app = TestApp::sqlite().with_config(extra).start().await.unwrap();
    let port = app.base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let host = host(&app);
    // Four idle connections from 127.0.0.1: the cap.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(&app).await);
    }
    // A request on each proves the server has accepted (and counted) them.
    for stream in &mut held {
        stream.write_all(format!("GET /livez HTTP/1.1\r\nhost: {host}\r\n\r\n").as_bytes()).await.unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }
    // The fifth from the same address is closed unanswered, at once.
    let seen = trickle(
        connect(&app).await,
        format!("GET /livez HTTP/1.1\r\nhost: {host}\r\n\r\n"),
        b'\n',
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(seen.closed && seen.answer.is_empty(), "over the cap: {:?} {}", seen.open_for, seen.answer);
    assert!(seen.open_for < std::time::Duration::from_secs(2), "{:?}", seen.open_for);
    // Another address is served meanwhile.
    let other = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
    let r = other.get(format!("http://127.0.0.1:{port}/livez")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A closed connection gives its place back.
    drop(held.pop());
    let mut served = false;
    for _ in 0..50 {
        let mut stream = connect(&app).await;
        let _ = stream
            .write_all(format!("GET /livez HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n").as_bytes())
            .await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), stream.read_to_end(&mut answer)).await;
        if String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200") {
            served = true;
            break;
        }
        // The server notices the closed connection on its own time.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "a freed place is usable again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_on_the_management_listener_only() {
    let extra = json!({ "server": { "management_listen": "127.0.0.1:0" } });
    let app = TestApp::sqlite().with_config(extra).start().await.unwrap();
    assert!(app.state.metrics().is_some(), "the app has metrics to serve");
    // The officers' listener: health checks public, /metrics like any unknown path.
    assert_eq!(app.get("/livez").await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
    // (the SPA's page, as for any client-side path; no Prometheus text).
    let unknown = app.get("/tidak-ada").await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), unknown.status());
    assert_eq!(r.headers()["content-type"], unknown.headers()["content-type"]);
    let text = r.text().await.unwrap();
    assert_eq!(text, unknown.text().await.unwrap());
    assert!(!text.contains("padan_http_requests_total"), "no metrics on the public listener");
    // The management listener serves them (and the health checks).
    let management = app.management_base.clone().expect("management listener");
    let r = reqwest::get(format!("{management}/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert!(text.contains("padan_http_requests_total"), "{text}");
    assert_eq!(reqwest::get(format!("{management}/livez")).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(format!("{management}/healthz")).await.unwrap().status(), 200);
    // Without server.management_listen there is none.
    let plain = TestApp::sqlite().start().await.unwrap();
    assert!(plain.management_base.is_none() && plain.state.metrics().is_none());
    assert!(!plain.get("/metrics").await.text().await.unwrap().contains("padan_http_requests_total"));
}

/// A secret sealed the `v1:` way, as before issue 15 (XOR with an
/// HMAC-SHA256 keystream, a 16-byte HMAC tag over officer, nonce and
/// ciphertext): rows from an installation that predates AEAD sealing.
fn sealed_the_old_way(server_key: &[u8], officer_id: i64, secret: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let hmac = |key: &[u8], parts: &[&[u8]]| {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
        parts.iter().for_each(|p| mac.update(p));
        mac.finalize().into_bytes()
    };
    let key = hmac(server_key, &[b"padan/totp-seal/v1"]);
    let nonce: [u8; 16] = rand::random();
    let mut ciphertext = secret.to_vec();
    for (block, chunk) in ciphertext.chunks_mut(32).enumerate() {
        let stream = hmac(&key, &[b"ks", &nonce, &(block as u64).to_be_bytes()]);
        chunk.iter_mut().zip(stream).for_each(|(b, k)| *b ^= k);
    }
    let tag = hmac(&key, &[b"tag", &officer_id.to_be_bytes(), &nonce, &ciphertext]);
    format!("v1:{}{}{}", hex::encode(nonce), hex::encode(&ciphertext), hex::encode(&tag[..16]))
}

/// The officer's id and sealed `(totp_secret, totp_pending)`.
async fn sealed_row(app: &TestApp, user: &str) -> (i64, Option<String>, Option<String>) {
    sqlx::query_as("SELECT id, totp_secret, totp_pending FROM officers WHERE username = $1")
        .bind(user)
        .fetch_one(app.state.store().pool())
        .await
        .unwrap()
}

async fn plant(app: &TestApp, user: &str, secret: Option<&str>, pending: Option<&str>) {
    sqlx::query("UPDATE officers SET totp_secret = $2, totp_pending = $3 WHERE username = $1")
        .bind(user)
        .bind(secret)
        .bind(pending)
        .execute(app.state.store().pool())
        .await
        .unwrap();
}

both_engines!(secrets_sealed_the_old_way_are_sealed_again_on_first_use, |engine| async move {
    let Some(app) = with_totp(engine).start().await else { return };
    let key = app.state.nik_key();
    let demo = totp::base32_decode(totp::DEMO_SECRET).unwrap();
    let (admin, seeded, _) = sealed_row(&app, "admin").await;
    assert!(seeded.unwrap().starts_with("v2:"), "new enrolments are sealed the new way");

    // Enrolled the old way: the password step opens it (and seals it anew),
    // and so does the code step, which is where sign-in needs the secret.
    let old = sealed_the_old_way(key, admin, &demo);
    plant(&app, "admin", Some(&old), None).await;
    let pending = app.password_step("admin", PASSWORD).await;
    assert_eq!(pending.body["stage"], "totp_required", "the old value opens");
    assert!(sealed_row(&app, "admin").await.1.unwrap().starts_with("v2:"), "sealed anew at the password step");
    let old = sealed_the_old_way(key, admin, &demo);
    plant(&app, "admin", Some(&old), None).await;
    let r = pending.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 200, "sign-in with a code works");
    let stored = sealed_row(&app, "admin").await.1.unwrap();
    assert!(stored.starts_with("v2:") && stored != old, "{stored}");
    assert_eq!(totp::open(key, admin, &stored).unwrap(), demo, "the same secret, sealed the new way");
    app.clock.advance(Duration::seconds(30));
    let again = app.password_step("admin", PASSWORD).await;
    let r = again.post("/api/v1/session/totp", &json!({ "code": demo_code(&app) })).await;
    assert_eq!(r.status(), 200, "and the next sign-in with it");

    // A value that does not open (sealed for another officer) is left as it
    // is: the officer enrols again, as after a key rotation.
    let foreign = sealed_the_old_way(key, admin, &demo);
    plant(&app, "auditor", Some(&foreign), None).await;
    assert_eq!(app.password_step("auditor", PASSWORD).await.body["stage"], "totp_enrolment_required");
    assert_eq!(sealed_row(&app, "auditor").await.1.as_deref(), Some(foreign.as_str()), "not sealed anew");

    // A pending enrolment sealed the old way: confirming opens it, seals it
    // anew, and the new factor is stored the new way.
    let officer = app.signed_in(Role::Officer).await;
    let (petugas, _, _) = sealed_row(&app, "petugas").await;
    let fresh = totp::new_secret();
    let old_pending = sealed_the_old_way(key, petugas, &fresh);
    plant(&app, "petugas", None, Some(&old_pending)).await;
    let confirm = |code: String| {
        let officer = &officer;
        async move {
            let body = json!({ "code": code });
            officer.post("/api/v1/account/totp/enrolment/confirm", &body).await
        }
    };
    assert_eq!(confirm("000000".into()).await.status(), 401);
    let (_, none, parked) = sealed_row(&app, "petugas").await;
    let parked = parked.unwrap();
    assert!(none.is_none() && parked.starts_with("v2:"), "the pending value is sealed anew: {parked}");
    assert_eq!(totp::open(key, petugas, &parked).unwrap(), fresh);
    assert_eq!(confirm(totp::code_at(&fresh, app.state.clock().now_millis())).await.status(), 200);
    let (_, enrolled, pending) = sealed_row(&app, "petugas").await;
    let enrolled = enrolled.unwrap();
    assert!(pending.is_none() && enrolled.starts_with("v2:"), "{enrolled}");
    assert_eq!(totp::open(key, petugas, &enrolled).unwrap(), fresh);
    app.clock.advance(Duration::seconds(30));
    signed_with_code(&app, "petugas", &fresh).await;
});
