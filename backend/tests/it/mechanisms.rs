//! Every mechanism under the agreements on record: portal, IKD, SIASN,
//! face match; the policy's grants and closures; resilience (breaker,
//! quota, configuration faults) and the admin pages' API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{PASSWORD, TestApp};
use base64::Engine as _;
use padan_protocol::v1::Role;
use padan_sim_dukcapil::{Faults, RecordStatus, special};
use serde_json::{Value, json};
use time::Duration;

const SIASN_KEY: &str = "padan-demo-siasn-key-0000000000000000";

/// A generated, active, married person (so every element has a value).
fn married_person(index: usize) -> padan_sim_dukcapil::Person {
    crate::support::population()
        .persons()
        .iter()
        .filter(|p| p.record_status == RecordStatus::Active && p.status_kawin == "KAWIN" && !p.no_akta_kwn.is_empty())
        .nth(index)
        .cloned()
        .expect("a married person")
}

fn values(body: &Value) -> Vec<(String, String)> {
    body["outcome"]["elements"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (e["element"].as_str().unwrap().to_owned(), e["value"].as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Values Dukcapil holds that no agreement grants: they must never appear.
fn ungranted_values(p: &padan_sim_dukcapil::Person) -> Vec<String> {
    [p.nama_lgkp_ibu.clone(), p.nama_lgkp_ayah.clone()].into_iter().filter(|v| v.len() > 3).collect()
}

both_engines!(portal_lookup_is_stripped_watermarked_and_needs_a_reason, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = married_person(0);
    let (status, body) =
        app.post_as("/api/v1/lookup/portal", &json!({ "nik": p.nik, "purpose": "data_casn_asn" }), None).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "reason");

    let req = json!({ "nik": p.nik, "purpose": "data_casn_asn", "reason": "Verifikasi berkas usul kenaikan pangkat" });
    let (status, body) = app.post_as("/api/v1/lookup/portal", &req, None).await;
    assert_eq!(status, 200, "{body}");
    let v = values(&body);
    let names: Vec<&str> = v.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        [
            "NO_KK",
            "NIK",
            "NAMA_LGKP",
            "JENIS_KLMIN",
            "AGAMA",
            "TMPT_LHR",
            "TGL_LHR",
            "STATUS_KAWIN",
            "JENIS_PKRJN",
            "STAT_HBKEL",
            "ALAMAT"
        ]
    );
    assert!(v.contains(&("NAMA_LGKP".into(), p.nama_lgkp.clone())), "{v:?}");
    assert!(v.contains(&("TGL_LHR".into(), p.tgl_lhr.iso())), "{v:?}");
    let family = body["outcome"]["family"].as_array().unwrap();
    assert!(family.iter().any(|m| m["nik"] == p.nik.as_str()), "the person is in their own KK");
    assert!(family.iter().all(|m| m.as_object().unwrap().len() == 3), "NIK, name, relation only");
    let photo = base64::engine::general_purpose::STANDARD
        .decode(body["outcome"]["photo_jpeg_base64"].as_str().unwrap())
        .unwrap();
    assert!(photo.starts_with(&[0xFF, 0xD8]));
    assert_eq!(body["watermark"]["officer"], "Rina Kusuma (petugas demo)");
    assert_eq!(body["display_seconds"], 120);
    let text = body.to_string();
    for leaked in ungranted_values(&p) {
        assert!(!text.contains(&leaked), "ungranted value leaked: {leaked}");
    }
    let audit = app.audit().await;
    let access = audit.iter().find(|r| r.mechanism.as_deref() == Some("portal_lookup")).unwrap();
    assert!(access.detail.as_deref().unwrap().contains("kenaikan pangkat"));
    assert_eq!(access.outcome, "ok");
});

both_engines!(ikd_lookup_returns_its_nine_elements, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = married_person(1);
    let (status, body) =
        app.post_as("/api/v1/lookup/ikd", &json!({ "nik": p.nik, "purpose": "pelamar_casn" }), None).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<String> = values(&body).into_iter().map(|(e, _)| e).collect();
    assert_eq!(
        names,
        ["NIK", "NAMA_LGKP", "JENIS_KLMIN", "TMPT_LHR", "TGL_LHR", "AGAMA", "STATUS_KAWIN", "JENIS_PKRJN", "ALAMAT"]
    );
    assert!(body["outcome"].get("family").is_none() && body["outcome"].get("photo_jpeg_base64").is_none());
    let (status, body) =
        app.post_as("/api/v1/lookup/ikd", &json!({ "nik": special::NOT_FOUND, "purpose": "pelamar_casn" }), None).await;
    assert_eq!((status, &body["outcome"]["kind"]), (200, &json!("not_found")));
    let (status, body) =
        app.post_as("/api/v1/lookup/ikd", &json!({ "nik": special::DECEASED, "purpose": "pelamar_casn" }), None).await;
    assert_eq!((status, &body["outcome"]["status"]), (200, &json!("meninggal")), "{body}");
});

both_engines!(lookups_survive_format_variants, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = married_person(2);
    let req = json!({ "nik": p.nik, "purpose": "pelamar_casn" });
    let (_, plain) = app.post_as("/api/v1/lookup/ikd", &req, None).await;
    for faults in [
        Faults { numbers_as_json: true, ..Faults::default() },
        Faults { lowercase_keys: true, ..Faults::default() },
        Faults { date_format: serde_json::from_value(json!("yyyy-mm-dd")).unwrap(), ..Faults::default() },
        Faults { date_format: serde_json::from_value(json!("dd.mm.yyyy")).unwrap(), ..Faults::default() },
    ] {
        app.sim.set_faults(faults.clone());
        let (status, body) = app.post_as("/api/v1/lookup/ikd", &req, None).await;
        assert_eq!(status, 200, "{faults:?}: {body}");
        assert_eq!(values(&body), values(&plain), "{faults:?}");
    }
});

both_engines!(siasn_is_a_service_api, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = married_person(3);
    let req = json!({ "nik": p.nik, "purpose": "data_casn_asn", "siasn_user": "operator.siasn.01" });
    // An officer's session is not a service credential.
    let (status, _) = app.post_as("/api/v1/siasn/lookup", &req, None).await;
    assert_eq!(status, 401);
    let (status, _) = app.post_as("/api/v1/siasn/lookup", &req, Some("wrong-key-wrong-key-wrong-key-wrong-key")).await;
    assert_eq!(status, 401);
    let (status, body) = app.post_as("/api/v1/siasn/lookup", &req, Some(SIASN_KEY)).await;
    assert_eq!(status, 200, "{body}");
    let v = values(&body);
    let names: Vec<&str> = v.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        ["NIK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "STATUS_KAWIN", "NO_AKTA_LHR", "NO_AKTA_KWN", "TGL_KWN"]
    );
    assert!(v.contains(&("NO_AKTA_KWN".into(), p.no_akta_kwn.clone())), "{v:?}");
    assert!(body["outcome"]["family"].as_array().is_some_and(|f| !f.is_empty()));
    let audit = app.audit().await;
    let r = audit.iter().find(|r| r.mechanism.as_deref() == Some("siasn_lookup")).unwrap();
    assert_eq!((r.client.as_str(), r.username.as_deref()), ("siasn", Some("siasn-demo")));
    assert!(r.detail.as_deref().unwrap().contains("operator.siasn.01"));
});

both_engines!(face_match_bands_and_bad_photos, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let pop = crate::support::population();
    let p = married_person(4);
    let other = married_person(5);
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let own = padan_sim_dukcapil::face_jpeg(&p);
    let (status, body) = app
        .post_as(
            "/api/v1/verify/face",
            &json!({ "nik": p.nik, "purpose": "data_casn_asn", "image_jpeg_base64": b64(&own) }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"]["kind"], "scored");
    assert_eq!(body["outcome"]["band"], "cocok", "{body}");
    assert!(body["outcome"]["score"].as_f64().unwrap() >= 95.0, "{body}");
    assert_eq!(body["threshold"], 75);

    let theirs = padan_sim_dukcapil::face_jpeg(&other);
    let (_, body) = app
        .post_as(
            "/api/v1/verify/face",
            &json!({ "nik": p.nik, "purpose": "data_casn_asn", "image_jpeg_base64": b64(&theirs) }),
            None,
        )
        .await;
    assert_eq!(body["outcome"]["band"], "tidak_cocok", "{body}");

    let (_, body) = app
        .post_as(
            "/api/v1/verify/face",
            &json!({ "nik": special::NOT_FOUND, "purpose": "data_casn_asn", "image_jpeg_base64": b64(&own) }),
            None,
        )
        .await;
    assert_eq!(body["outcome"]["kind"], "not_found", "{body}");

    for (image, why) in [(b64(b"not a jpeg at all"), "not JPEG"), ("%%%".to_owned(), "not base64")] {
        let (status, body) = app
            .post_as(
                "/api/v1/verify/face",
                &json!({ "nik": p.nik, "purpose": "data_casn_asn", "image_jpeg_base64": image }),
                None,
            )
            .await;
        assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("image_jpeg_base64")), "{why}: {body}");
    }
    let mut big = own.clone();
    big.splice(2..2, std::iter::repeat_n(0u8, 210 * 1024));
    let (status, _) = app
        .post_as(
            "/api/v1/verify/face",
            &json!({ "nik": p.nik, "purpose": "data_casn_asn", "image_jpeg_base64": b64(&big) }),
            None,
        )
        .await;
    assert_eq!(status, 422, "over Dukcapil's 200 KB limit");
    // The audit has the score, never the photo.
    let audit = format!("{:?}", app.audit().await);
    assert!(audit.contains("score:"), "{audit}");
    assert!(!audit.contains(&b64(&own)[..40]));
    let _ = pop;
});

both_engines!(breaker_fails_fast_then_recovers, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let body = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" });
    app.sim.set_faults(Faults { http_500: true, ..Faults::default() });
    for _ in 0..5 {
        assert_eq!(app.verify(&body).await.0, 502);
    }
    // Open: even with Dukcapil healthy again, calls fail fast for the cool-down.
    app.sim.clear_faults();
    let quota = app.sim.quota_remaining();
    let started = std::time::Instant::now();
    let (status, v) = app.verify(&body).await;
    assert_eq!((status, v["code"].as_str()), (502, Some("upstream_unavailable")));
    assert!(v["message"].as_str().unwrap().contains("Layanan Dukcapil sedang tidak tersedia"), "{v}");
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    assert_eq!(app.sim.quota_remaining(), quota, "nothing reached Dukcapil");
    // After the cool-down one probe goes through and closes the circuit.
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.verify(&body).await.0, 200);
    assert_eq!(app.verify(&body).await.0, 200);
    let alerts = padan_backend::store::alerts::open(app.state.store().pool(), |_| String::new()).await.unwrap();
    assert!(alerts.iter().any(|a| a.kind == "upstream_down"), "{alerts:?}");
});

both_engines!(configuration_faults_alert_admins_not_officers, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    app.sim.set_faults(Faults { force_response_code: Some("04".into()), ..Faults::default() });
    let (status, v) = app.verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" })).await;
    assert_eq!((status, v["code"].as_str()), (502, Some("upstream_rejected")));
    assert!(!v["message"].as_str().unwrap().contains("ip_user"), "officers get no configuration detail: {v}");
    app.sim.clear_faults();
    let (status, _) = app.get_json("/api/v1/admin/alerts").await;
    assert_eq!(status, 403, "officers do not read alerts");
    assert_eq!(app.sign_in("admin", PASSWORD).await.0, 200);
    let (status, alerts) = app.get_json("/api/v1/admin/alerts").await;
    assert_eq!(status, 200);
    let alert = alerts["alerts"].as_array().unwrap().iter().find(|a| a["code"] == "04").cloned().expect("alert 04");
    assert!(alert["message"].as_str().unwrap().contains("dukcapil.ip_user"), "{alert}");
    let id = alert["id"].as_i64().unwrap();
    let (status, _) = app.post_as(&format!("/api/v1/admin/alerts/{id}/resolve"), &json!({}), None).await;
    assert_eq!(status, 204);
    let (_, alerts) = app.get_json("/api/v1/admin/alerts").await;
    assert!(alerts["alerts"].as_array().unwrap().iter().all(|a| a["id"] != id));
    assert!(app.audit().await.iter().any(|r| r.event == "alert_resolved"));
});

both_engines!(admin_records_an_extension_that_reopens_mechanisms, |engine| async move {
    let Some(mut app) = TestApp::on(engine).demo(false).start().await else { return };
    app.add_officer("admin1", Role::Admin, "PUSAT").await;
    app.add_officer("rina", Role::Officer, "PUSAT").await;
    assert_eq!(app.sign_in("rina", PASSWORD).await.0, 200);
    assert_eq!(app.get_json("/api/v1/admin/agreements").await.0, 403, "officers do not administer agreements");
    let (_, m) = app.get_json("/api/v1/mechanisms").await;
    assert!(m["mechanisms"].as_array().unwrap().iter().all(|m| m["open"] == false), "{m}");

    assert_eq!(app.sign_in("admin1", PASSWORD).await.0, 200);
    let (status, list) = app.get_json("/api/v1/admin/agreements").await;
    assert_eq!(status, 200);
    let agreements = list["agreements"].as_array().unwrap();
    assert_eq!(agreements.len(), 2);
    assert!(agreements.iter().all(|a| a["state"] == "expired"));
    let addendum = agreements.iter().find(|a| a["code"] == "adendum-2023").unwrap();
    assert!(addendum["discrepancies"].to_string().contains("JENIS_PKRJN"), "{addendum}");
    let pks = agreements.iter().find(|a| a["code"] == "pks-2024").unwrap();

    let bad = json!({ "code": "pks-2024-ext", "title": "x", "numbers": "y", "signed_on": "2026-12-01", "valid_until": "2026-11-30", "extends": pks["id"] });
    let (status, body) = app.post_as("/api/v1/admin/agreements", &bad, None).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("valid_until")));

    // An extension signed 1 July 2026, ending in 60 days: grants copied, banner shown.
    let ext = json!({ "code": "pks-2024-ext", "title": "Perpanjangan PKS 2024", "numbers": "EXT/1",
                      "signed_on": "2026-07-01", "valid_until": "2027-01-21", "extends": pks["id"] });
    let (status, view) = app.post_as("/api/v1/admin/agreements", &ext, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "expiring");
    assert_eq!(view["grants"].as_array().unwrap().len(), pks["grants"].as_array().unwrap().len());
    assert!(app.audit().await.iter().any(|r| r.event == "agreement_change"));

    assert_eq!(app.sign_in("rina", PASSWORD).await.0, 200);
    let (_, m) = app.get_json("/api/v1/mechanisms").await;
    let verify = &m["mechanisms"][0];
    assert_eq!((verify["open"].as_bool(), verify["expires_in_days"].as_i64()), (Some(true), Some(60)), "{verify}");
    assert_eq!(verify["elements"].as_array().unwrap().len(), 10);
    assert_eq!(app.verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn" })).await.0, 200);

    // A narrower new agreement: elements outside it are not sent.
    assert_eq!(app.sign_in("admin1", PASSWORD).await.0, 200);
    let narrow = json!({ "code": "narrow", "title": "Sempit", "numbers": "N/1", "signed_on": "2026-11-01", "valid_until": "2028-01-01",
        "grants": [ { "mechanism": "verify_elements", "client": "officer", "clause": "1", "elements": ["NIK", "NAMA_LGKP"] } ] });
    let (status, _) = app.post_as("/api/v1/admin/agreements", &narrow, None).await;
    assert_eq!(status, 200);
    assert_eq!(app.sign_in("rina", PASSWORD).await.0, 200);
    let (_, m) = app.get_json("/api/v1/mechanisms").await;
    assert_eq!(m["mechanisms"][0]["elements"], json!(["NIK", "NAMA_LGKP"]), "the longest-lived valid agreement wins");
    let (status, body) =
        app.verify(&json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn", "elements": { "AGAMA": "ISLAM", "NAMA_LGKP": "DEWI KARTIKA SARI" } })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["not_granted"], json!(["AGAMA"]));
    assert_eq!(body["outcome"]["verdicts"].as_array().unwrap().len(), 2);
});

both_engines!(siasn_closes_with_its_agreement, |engine| async move {
    let Some(app) = TestApp::on(engine).demo(false).start().await else { return };
    let key_hash = padan_backend::auth::token_hash(SIASN_KEY);
    padan_backend::store::service_clients::insert(app.state.store().pool(), "siasn", "siasn", &key_hash, 0)
        .await
        .unwrap();
    let req = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn", "siasn_user": "op" });
    let (status, body) = app.post_as("/api/v1/siasn/lookup", &req, Some(SIASN_KEY)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("mechanism_closed")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("29 Februari 2024"), "{body}");
});

// Issue 14, finding 5: a portal reason with NUL, ESC or a right-to-left
// override is refused on its field before anything is sent or recorded;
// so is a SIASN user name with control characters.
both_engines!(reasons_refuse_control_and_format_characters, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = married_person(0);
    let quota = app.sim.quota_remaining();
    for (reason, code_point) in [
        ("Verifikasi berkas\u{0} kenaikan pangkat", "U+0000"),
        ("Verifikasi berkas \u{1b}[31mkenaikan pangkat", "U+001B"),
        ("Verifikasi berkas \u{202E}takgnap nakiakek", "U+202E"),
        ("Verifikasi berkas kenaikan\r\npangkat", "U+000D"),
        ("Verifikasi berkas \u{2066}kenaikan pangkat\u{2069}", "U+2066"),
    ] {
        let req = json!({ "nik": p.nik, "purpose": "data_casn_asn", "reason": reason });
        let (status, body) = app.post_as("/api/v1/lookup/portal", &req, None).await;
        assert_eq!(status, 422, "{reason:?}: {body}");
        assert_eq!(body["fields"][0]["field"], "reason", "{body}");
        assert!(body["fields"][0]["message"].as_str().unwrap().contains(code_point), "{body}");
        assert!(body["fields"][0]["message_en"].as_str().unwrap().contains("not allowed"), "{body}");
    }
    assert_eq!(app.sim.quota_remaining(), quota, "nothing was sent to Dukcapil");
    assert!(app.audit().await.iter().all(|r| r.event != "access"), "nothing was recorded");

    // A reason on two lines is fine; the record keeps it on one.
    let req = json!({ "nik": p.nik, "purpose": "data_casn_asn",
                      "reason": "Verifikasi berkas\nusul kenaikan pangkat" });
    let (status, body) = app.post_as("/api/v1/lookup/portal", &req, None).await;
    assert_eq!(status, 200, "{body}");
    let audit = app.audit().await;
    let access = audit.iter().find(|r| r.event == "access").unwrap();
    assert!(
        access.detail.as_deref().unwrap().ends_with("reason: Verifikasi berkas usul kenaikan pangkat"),
        "{:?}",
        access.detail
    );

    let req = json!({ "nik": p.nik, "purpose": "data_casn_asn", "siasn_user": "operator\u{1b}[2J.siasn" });
    let (status, body) = app.post_as("/api/v1/siasn/lookup", &req, Some(SIASN_KEY)).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("siasn_user")), "{body}");
});
