//! Backend integration tests: the real router over real HTTP, a real
//! database (SQLite, and PostgreSQL under `cargo xtask test`), and the
//! Dukcapil simulator over real HTTP. Time moves only when a test says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{PASSWORD, TestApp};
use padan_protocol::v1::Role;
use padan_sim_dukcapil::{Faults, special};
use serde_json::{Value, json};
use time::Duration;

/// A generated, active person from the simulator's population, as the
/// claims an officer would type.
fn person_claims(index: usize) -> (String, Value) {
    let pop = crate::support::population();
    let p = pop
        .persons()
        .iter()
        .filter(|p| p.record_status == padan_sim_dukcapil::RecordStatus::Active)
        .nth(index)
        .expect("person");
    let claims = json!({
        "NO_KK": p.no_kk,
        "NAMA_LGKP": p.nama_lgkp,
        "JENIS_KLMIN": p.jenis_klmin_label(),
        "AGAMA": p.agama,
        "TMPT_LHR": p.tmpt_lhr,
        "TGL_LHR": p.tgl_lhr.iso(),
        "STATUS_KAWIN": p.status_kawin,
        "STAT_HBKEL": p.stat_hbkel,
        "ALAMAT": p.alamat,
    });
    (p.nik.clone(), claims)
}

fn verdicts(body: &Value) -> Vec<(String, String, Option<u64>)> {
    body["outcome"]["verdicts"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| {
                    (
                        x["element"].as_str().unwrap_or_default().to_owned(),
                        x["verdict"].as_str().unwrap_or_default().to_owned(),
                        x["similarity"].as_u64(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

both_engines!(sign_in_session_and_sign_out, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start().await else { return };
    assert_eq!(app.get("/api/v1/session").await.status(), 401);
    let (status, body) = app.sign_in("petugas", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["officer"]["role"], "officer");
    assert_eq!(body["officer"]["office"]["code"], "KANREG-V");
    let me: Value = app.get("/api/v1/session").await.json().await.unwrap();
    assert_eq!(me["officer"]["username"], "petugas");
    assert_eq!(me["csrf_token"], body["csrf_token"]);

    // Sign-out needs the CSRF token too.
    let no_csrf = app.http.delete(app.url("/api/v1/session")).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    let out = app
        .http
        .delete(app.url("/api/v1/session"))
        .header("x-csrf-token", app.csrf.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(app.get("/api/v1/session").await.status(), 401);
    let events: Vec<_> = app.audit().await.into_iter().map(|r| (r.event, r.outcome)).collect();
    assert!(events.contains(&("sign_in".into(), "ok".into())), "{events:?}");
    assert!(events.contains(&("sign_out".into(), "ok".into())), "{events:?}");
});

both_engines!(wrong_password_and_unknown_name_are_answered_alike, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start().await else { return };
    let (status, body) = app.sign_in("petugas", "salah").await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "invalid_credentials");
    assert!(!body["request_id"].as_str().unwrap().is_empty());
    let (status, unknown) = app.sign_in("tidak-ada", "salah").await;
    assert_eq!((status, &unknown["code"], &unknown["message"]), (401, &body["code"], &body["message"]));
    // Five failures do not keep the owner out (tests/security.rs has the rest).
    for _ in 0..4 {
        assert_eq!(app.sign_in("petugas", "salah").await.0, 401);
    }
    assert_eq!(app.sign_in("petugas", PASSWORD).await.0, 200);
    let events: Vec<_> = app.audit().await.into_iter().map(|r| (r.event, r.outcome)).collect();
    assert!(events.contains(&("sign_in".into(), "wrong_password".into())), "{events:?}");
    assert!(events.contains(&("sign_in".into(), "unknown_user".into())), "{events:?}");
});

both_engines!(session_idle_and_absolute_expiry, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/api/v1/session").await.status(), 200);
    app.clock.advance(Duration::minutes(16));
    let r = app.get("/api/v1/session").await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("Sesi berakhir"), "{body}");

    // Active all day long, the session still ends after 8 hours.
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    for _ in 0..47 {
        app.clock.advance(Duration::minutes(10));
        assert_eq!(app.get("/api/v1/session").await.status(), 200);
    }
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.get("/api/v1/session").await.status(), 401);
});

both_engines!(csrf_is_required_on_state_changes, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let (nik, claims) = person_claims(0);
    let body = json!({ "nik": nik, "purpose": "data_casn_asn", "elements": claims });
    let missing = app.http.post(app.url("/api/v1/verify/elements")).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = app
        .http
        .post(app.url("/api/v1/verify/elements"))
        .header("x-csrf-token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let v: Value = wrong.json().await.unwrap();
    assert_eq!(v["code"], "csrf_rejected");
    // A foreign page's request carries its Origin: refused even with the token.
    let foreign = app
        .http
        .post(app.url("/api/v1/verify/elements"))
        .header("x-csrf-token", app.csrf.clone().unwrap())
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(app.audit().await.iter().all(|r| r.event != "access"), "nothing reached Dukcapil");
});

both_engines!(roles_that_do_not_verify_are_refused, |engine| async move {
    for (user, role) in [("admin", Role::Admin), ("auditor", Role::Auditor)] {
        let Some(app) = TestApp::on(engine).start_signed_in(role).await else { return };
        let (nik, claims) = person_claims(0);
        let (status, body) = app.verify(&json!({ "nik": nik, "purpose": "data_casn_asn", "elements": claims })).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{user}");
    }
});

both_engines!(verify_match_mismatch_and_fuzzy, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let (nik, claims) = person_claims(3);
    let (status, body) = app.verify(&json!({ "nik": nik, "purpose": "pelamar_casn", "elements": claims })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"]["kind"], "found");
    assert_eq!(body["outcome"]["status"], "aktif");
    let v = verdicts(&body);
    assert_eq!(v.len(), 10, "NIK + 9 claimed elements: {v:?}");
    assert!(v.iter().all(|(_, verdict, _)| verdict == "sesuai"), "{v:?}");
    assert_eq!(body["threshold"], 80);

    // Mismatch: another birthplace.
    let mut wrong = claims.clone();
    wrong["TMPT_LHR"] = json!("MERAUKE SELATAN JAUH");
    let (_, body) = app.verify(&json!({ "nik": nik, "purpose": "pelamar_casn", "elements": wrong })).await;
    let v = verdicts(&body);
    let tmpt = v.iter().find(|(e, _, _)| e == "TMPT_LHR").unwrap();
    assert_eq!(tmpt.1, "tidak_sesuai", "{v:?}");

    // Fuzzy near-miss: one letter off in the name is still "sesuai", below 100.
    let mut typo = claims.clone();
    let name = claims["NAMA_LGKP"].as_str().unwrap();
    let mut chars: Vec<char> = name.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'E' } else { 'A' };
    typo["NAMA_LGKP"] = json!(chars.into_iter().collect::<String>());
    let (_, body) = app.verify(&json!({ "nik": nik, "purpose": "pelamar_casn", "elements": typo })).await;
    let v = verdicts(&body);
    let nama = v.iter().find(|(e, _, _)| e == "NAMA_LGKP").unwrap();
    assert_eq!(nama.1, "sesuai", "{v:?}");
    assert!(nama.2.unwrap() < 100 && nama.2.unwrap() >= 80, "{nama:?}");

    // Every access was audited with a keyed token, never the NIK itself.
    let audit = app.audit().await;
    let access: Vec<_> = audit.iter().filter(|r| r.event == "access").collect();
    assert_eq!(access.len(), 3);
    for r in &access {
        assert_eq!(r.outcome, "ok");
        assert_eq!(r.purpose.as_deref(), Some("pelamar_casn"));
        assert_eq!(r.office_code.as_deref(), Some("KANREG-V"));
        let token = r.nik_token.as_deref().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, nik);
        assert!(r.verdicts.as_deref().unwrap().starts_with("01 NIK:S"), "{:?}", r.verdicts);
        let row = format!("{r:?}");
        assert!(!row.contains(&nik) && !row.contains(name), "audit row holds population data: {row}");
    }
});

both_engines!(verify_special_records, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let cases = [
        (special::NOT_FOUND, "not_found", "nik_tidak_terdaftar"),
        (special::BAD_FORMAT, "not_found", "format_nik_tidak_sesuai"),
        (special::UNPROCESSABLE, "not_found", "nik_tidak_dapat_diproses"),
        (special::DECEASED, "found", "meninggal"),
        (special::DUPLICATE, "found", "data_ganda"),
        (special::INACTIVE, "found", "non_aktif"),
        (special::ACTIVE, "found", "aktif"),
    ];
    for (nik, kind, detail) in cases {
        let (status, body) = app.verify(&json!({ "nik": nik, "purpose": "data_casn_asn" })).await;
        assert_eq!(status, 200, "{nik}: {body}");
        assert_eq!(body["outcome"]["kind"], kind, "{nik}: {body}");
        let got = if kind == "found" { &body["outcome"]["status"] } else { &body["outcome"]["reason"] };
        assert_eq!(got, detail, "{nik}: {body}");
    }
});

both_engines!(bad_input_is_refused_precisely_and_never_sent, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let quota_before = app.sim.quota_remaining();
    let send_raw = |body: &'static str| {
        app.http
            .post(app.url("/api/v1/verify/elements"))
            .header("x-csrf-token", app.csrf.clone().unwrap())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = send_raw("{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "invalid_request");
    let r = send_raw(r#"{"nik":"3171016708929904","purpose":"data_casn_asn","extra":1}"#).await.unwrap();
    assert_eq!(r.status(), 400, "unknown fields are refused");
    let r = send_raw(r#"{"nik":"3171016708929904","purpose":"jalan_jalan"}"#).await.unwrap();
    assert_eq!(r.status(), 400, "unknown purpose");

    let (status, body) = app.verify(&json!({ "nik": "317101670892990", "purpose": "data_casn_asn" })).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["field"], "nik");
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("16 digit"), "{body}");

    let (status, body) = app
        .verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn",
                          "elements": { "AGAMA": "PASTAFARIAN", "TGL_LHR": "31-02-1992" } }))
        .await;
    assert_eq!(status, 422);
    let fields: Vec<_> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["AGAMA", "TGL_LHR"], "{body}");

    // The NIK says 27-08-1992, female: a contradicting claim is flagged first…
    let claim = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn",
                        "elements": { "TGL_LHR": "1992-08-28", "JENIS_KLMIN": "LAKI-LAKI" } });
    let (status, body) = app.verify(&claim).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"].as_array().unwrap().len(), 2);
    assert_eq!(app.sim.quota_remaining(), quota_before, "nothing was sent to Dukcapil");
    assert!(app.audit().await.iter().all(|r| r.event != "access"), "nothing partial was recorded");
    // …and sent when the officer confirms.
    let mut confirmed = claim.clone();
    confirmed["confirm_mismatch"] = json!(true);
    let (status, body) = app.verify(&confirmed).await;
    assert_eq!(status, 200, "{body}");
    assert!(verdicts(&body).iter().any(|(e, v, _)| e == "TGL_LHR" && v == "tidak_sesuai"));

    let huge = "A".repeat(600_000);
    let (status, _) = app
        .verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn",
                                          "elements": { "NAMA_LGKP": huge } }))
        .await;
    assert_eq!(status, 413);
});

both_engines!(upstream_faults_become_clear_errors, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let body = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn", "elements": { "AGAMA": "ISLAM" } });
    let cases: [(Faults, u16, &str); 5] = [
        (Faults { force_response_code: Some("03".into()), ..Faults::default() }, 502, "upstream_rejected"),
        (Faults { force_response_code: Some("10".into()), ..Faults::default() }, 502, "upstream_rejected"),
        (Faults { http_500: true, ..Faults::default() }, 502, "upstream_unavailable"),
        (Faults { garbage_body: true, ..Faults::default() }, 502, "upstream_unavailable"),
        (Faults { truncated_json: true, ..Faults::default() }, 502, "upstream_unavailable"),
    ];
    for (faults, status, code) in cases {
        app.sim.set_faults(faults.clone());
        let (got, v) = app.verify(&body).await;
        assert_eq!((got, v["code"].as_str()), (status, Some(code)), "{faults:?}: {v}");
        assert!(!v["message"].as_str().unwrap().contains("panic"), "{v}");
        assert!(!v["request_id"].as_str().unwrap().is_empty());
    }
    // Older gateways and lower-case keys still parse.
    app.sim.set_faults(Faults { lowercase_keys: true, ..Faults::default() });
    let (status, v) = app.verify(&body).await;
    assert_eq!(status, 200, "{v}");
    app.sim.set_faults(Faults { older_gateway: true, ..Faults::default() });
    let (status, v) = app.verify(&json!({ "nik": special::NOT_FOUND, "purpose": "data_casn_asn" })).await;
    assert_eq!((status, &v["outcome"]["reason"]), (200, &json!("nik_tidak_terdaftar")), "{v}");
    // A hanging Dukcapil times out (client timeout is 2 s in tests).
    app.sim.set_faults(Faults { hang: true, hang_ms: 10_000, ..Faults::default() });
    let (status, v) = app.verify(&body).await;
    assert_eq!((status, v["code"].as_str()), (502, Some("upstream_unavailable")), "{v}");
    app.sim.clear_faults();
    // Each failed access is still on record, once.
    let errors = app.audit().await.into_iter().filter(|r| r.outcome == "upstream_error").count();
    assert_eq!(errors, 6);
});

both_engines!(quota_runs_out, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    app.sim.set_quota_remaining(1);
    let body = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" });
    assert_eq!(app.verify(&body).await.0, 200);
    let (status, v) = app.verify(&body).await;
    assert_eq!((status, v["code"].as_str()), (429, Some("quota_exhausted")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("Kuota"), "{v}");
    // Code 05 closes the gateway's mechanisms until midnight WIB: no more
    // calls are spent on certain refusals, and officers see why.
    app.sim.set_quota_remaining(100);
    let (status, _) = app.verify(&body).await;
    assert_eq!(status, 429);
    assert_eq!(app.sim.quota_remaining(), 100, "failed fast, nothing sent");
    let m: Value = app.get("/api/v1/mechanisms").await.json().await.unwrap();
    let verify = &m["mechanisms"][0];
    assert_eq!(verify["open"], false);
    assert!(verify["closed_reason"].as_str().unwrap().contains("pukul 00.00 WIB"), "{verify}");
    // Admins were told.
    let alerts = padan_backend::store::alerts::open(app.state.store().pool(), |_| String::new()).await.unwrap();
    assert!(alerts.iter().any(|a| a.kind == "quota_exhausted"), "{alerts:?}");
    // After midnight WIB (17:00 UTC) the mechanism reopens.
    app.clock.set(time::macros::datetime!(2026-11-22 17:00 UTC));
    assert_eq!(app.sign_in("petugas", PASSWORD).await.0, 200);
    assert_eq!(app.verify(&body).await.0, 200);
    assert!(app.audit().await.iter().any(|r| r.verdicts.as_deref() == Some("05")));
});

both_engines!(real_agreements_have_expired_today, |engine| async move {
    let Some(mut app) = TestApp::on(engine).demo(false).start().await else { return };
    // Without the demo there are no demo accounts: create one officer.
    let hash = padan_backend::auth::password::hash(PASSWORD).unwrap();
    let officer = padan_backend::store::officers::NewOfficer {
        username: "rina",
        display_name: "Rina",
        nip: None,
        role: padan_protocol::v1::Role::Officer,
        office_code: "PUSAT",
        password_hash: &hash,
    };
    padan_backend::store::officers::insert(app.state.store().pool(), &officer, 0).await.unwrap();
    assert_eq!(app.sign_in("rina", PASSWORD).await.0, 200);
    let m: Value = app.get("/api/v1/mechanisms").await.json().await.unwrap();
    assert_eq!(m["today"], "2026-11-22");
    let verify = &m["mechanisms"][0];
    assert_eq!(verify["mechanism"], "verify_elements");
    assert_eq!(verify["open"], false);
    assert!(verify["closed_reason"].as_str().unwrap().contains("berakhir pada 30 Juni 2026"), "{verify}");
    let (status, v) = app.verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" })).await;
    assert_eq!((status, v["code"].as_str()), (403, Some("mechanism_closed")), "{v}");
    assert!(app.audit().await.iter().any(|r| r.event == "access" && r.outcome == "denied"));

    // Back when PKS 2024 was in force, it opens, with its 10 elements and a
    // warning in the last 90 days.
    app.clock.set(time::macros::datetime!(2026-05-01 03:00 UTC));
    assert_eq!(app.sign_in("rina", PASSWORD).await.0, 200);
    let m: Value = app.get("/api/v1/mechanisms").await.json().await.unwrap();
    let verify = &m["mechanisms"][0];
    assert_eq!(verify["open"], true);
    assert_eq!(verify["elements"].as_array().unwrap().len(), 10);
    assert_eq!(verify["expires_in_days"], 60);
    assert_eq!(verify["agreement"]["demo"], false);
    let (status, _) = app.verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" })).await;
    assert_eq!(status, 200);
});

#[tokio::test]
async fn headers_spa_and_openapi_snapshot() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><html><head><script type=\"module\">import init from '/app-0123456789abcdef.js';init();</script></head></html>",
    )
    .unwrap();
    std::fs::write(dist.path().join("app-0123456789abcdef.js"), "export default function init() {}".repeat(40))
        .unwrap();
    let app = TestApp::sqlite().spa_dir(dist.path()).start().await.unwrap();

    // Client routes get index.html, never cached; the CSP pins its inline script.
    let r = app.get("/verifikasi/elemen").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("'sha256-") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    // Hashed assets are immutable and served compressed.
    let r = app.http.get(app.url("/app-0123456789abcdef.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(app.get("/missing-0123456789abcdef.js").await.status(), 404);
    // API answers are never stored; unknown API paths are JSON 404s.
    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(app.get("/healthz").await.status(), 200);

    // The OpenAPI document is generated from the handlers; drift shows here.
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() || !path.exists() && std::env::var("CI").is_err() {
        std::fs::write(&path, &pretty).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot exists (run with UPDATE_SNAPSHOTS=1)");
    assert_eq!(pretty, expected, "OpenAPI changed: review, then re-run with UPDATE_SNAPSHOTS=1");
    for path in ["/api/v1/session", "/api/v1/mechanisms", "/api/v1/verify/elements", "/healthz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}

// Issue 14, finding 5: claims typed in compatibility forms (fullwidth
// letters, ideographic spaces) are compared after NFKC, so they match
// their plain forms; control and format characters are refused per field
// before anything is sent.
both_engines!(claims_are_compared_after_nfkc_and_refuse_control_characters, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let (nik, claims) = person_claims(3);
    let fullwidth = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                ' ' => '\u{3000}',
                '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap(),
                c => c,
            })
            .collect()
    };
    let mut wide = claims.clone();
    for key in ["NAMA_LGKP", "JENIS_KLMIN", "TMPT_LHR", "AGAMA"] {
        wide[key] = json!(fullwidth(claims[key].as_str().unwrap()));
    }
    assert_ne!(wide["NAMA_LGKP"], claims["NAMA_LGKP"]);
    let (status, body) = app.verify(&json!({ "nik": nik, "purpose": "pelamar_casn", "elements": wide })).await;
    assert_eq!(status, 200, "{body}");
    let v = verdicts(&body);
    assert!(v.iter().all(|(_, verdict, _)| verdict == "sesuai"), "{v:?}");
    let nama = v.iter().find(|(e, _, _)| e == "NAMA_LGKP").unwrap();
    assert_eq!(nama.2, Some(100), "the fullwidth name is the same name: {nama:?}");

    let quota = app.sim.quota_remaining();
    let bad = json!({ "nik": nik, "purpose": "pelamar_casn",
                      "elements": { "NAMA_LGKP": "RINA\u{0}KUSUMA", "ALAMAT": "JL. MAWAR \u{202E}12", "TMPT_LHR": "ME\tDAN" } });
    let (status, body) = app.verify(&bad).await;
    assert_eq!(status, 422, "{body}");
    let mut fields: Vec<_> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["ALAMAT", "NAMA_LGKP", "TMPT_LHR"], "{body}");
    assert_eq!(app.sim.quota_remaining(), quota, "nothing was sent to Dukcapil");
});
