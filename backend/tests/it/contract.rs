//! Contract tests, client ↔ simulator over real HTTP: every mechanism
//! against every response code and every format variant Dukcapil's
//! integrators have seen, each mapped to what the officer (or the SIASN
//! application) gets back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::TestApp;
use base64::Engine as _;
use padan_protocol::v1::Role;
use padan_sim_dukcapil::{Faults, special};
use serde_json::{Value, json};

const SIASN_KEY: &str = "padan-demo-siasn-key-0000000000000000";

/// (path, body, bearer) for each gateway mechanism.
fn gateway_calls(nik: &str) -> Vec<(&'static str, Value, Option<&'static str>)> {
    vec![
        ("/api/v1/verify/elements", json!({ "nik": nik, "purpose": "data_casn_asn" }), None),
        ("/api/v1/lookup/ikd", json!({ "nik": nik, "purpose": "data_casn_asn" }), None),
        (
            "/api/v1/lookup/portal",
            json!({ "nik": nik, "purpose": "data_casn_asn", "reason": "Uji kontrak antarmuka Dukcapil" }),
            None,
        ),
        (
            "/api/v1/siasn/lookup",
            json!({ "nik": nik, "purpose": "data_casn_asn", "siasn_user": "kontrak" }),
            Some(SIASN_KEY),
        ),
    ]
}

both_engines!(every_gateway_code_for_every_mechanism, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    // Configuration faults: 502 upstream_rejected, generic to the caller.
    for code in ["03", "04", "06", "07", "09", "10", "16", "17"] {
        app.sim.set_faults(Faults { force_response_code: Some(code.into()), ..Faults::default() });
        for (path, body, bearer) in gateway_calls(special::ACTIVE) {
            let (status, v) = app.post_as(path, &body, bearer).await;
            assert_eq!((status, v["code"].as_str()), (502, Some("upstream_rejected")), "{code} on {path}: {v}");
        }
    }
    app.sim.clear_faults();
    // Verdicts about the person, and "not found", per mechanism.
    let person =
        [(special::DECEASED, "meninggal"), (special::DUPLICATE, "data_ganda"), (special::INACTIVE, "non_aktif")];
    let not_found = [
        (special::NOT_FOUND, "nik_tidak_terdaftar"),
        (special::BAD_FORMAT, "format_nik_tidak_sesuai"),
        (special::UNPROCESSABLE, "nik_tidak_dapat_diproses"),
    ];
    for (nik, status_word) in person {
        for (path, body, bearer) in gateway_calls(nik) {
            let (status, v) = app.post_as(path, &body, bearer).await;
            assert_eq!((status, &v["outcome"]["status"]), (200, &json!(status_word)), "{nik} on {path}: {v}");
        }
    }
    for (nik, reason) in not_found {
        for (path, body, bearer) in gateway_calls(nik) {
            let (status, v) = app.post_as(path, &body, bearer).await;
            assert_eq!((status, &v["outcome"]["reason"]), (200, &json!(reason)), "{nik} on {path}: {v}");
        }
    }
    // Code 05 last: it closes the gateway until midnight.
    app.sim.set_faults(Faults { force_response_code: Some("05".into()), ..Faults::default() });
    for (path, body, bearer) in gateway_calls(special::ACTIVE) {
        let (status, v) = app.post_as(path, &body, bearer).await;
        assert_eq!((status, v["code"].as_str()), (429, Some("quota_exhausted")), "05 on {path}: {v}");
    }
});

both_engines!(every_format_variant_for_every_mechanism, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let baseline: Vec<Value> = {
        let mut out = Vec::new();
        for (path, body, bearer) in gateway_calls(special::ACTIVE) {
            let (status, v) = app.post_as(path, &body, bearer).await;
            assert_eq!(status, 200, "{path}: {v}");
            out.push(v["outcome"].clone());
        }
        out
    };
    let variants = [
        json!({ "lowercase_keys": true }),
        json!({ "numbers_as_json": true }),
        json!({ "date_format": "yyyy-mm-dd" }),
        json!({ "date_format": "dd.mm.yyyy" }),
        json!({ "older_gateway": true }),
    ];
    for variant in variants {
        app.sim.set_faults(serde_json::from_value(variant.clone()).unwrap());
        for ((path, body, bearer), expected) in gateway_calls(special::ACTIVE).into_iter().zip(&baseline) {
            let (status, v) = app.post_as(path, &body, bearer).await;
            assert_eq!(status, 200, "{variant} on {path}: {v}");
            assert_eq!(&v["outcome"], expected, "{variant} changes what {path} returns");
        }
    }
});

both_engines!(every_face_recognition_code, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    let p = crate::support::population().get(special::ACTIVE).cloned().unwrap();
    let image = base64::engine::general_purpose::STANDARD.encode(padan_sim_dukcapil::face_jpeg(&p));
    let body = json!({ "nik": special::ACTIVE, "purpose": "data_casn_asn", "image_jpeg_base64": image });
    // (forced code, HTTP status, API code); at most four availability
    // failures in a row, so the circuit stays closed throughout.
    let cases: [(u16, u16, &str); 12] = [
        (5001, 502, "upstream_rejected"),
        (5003, 502, "upstream_rejected"),
        (5004, 502, "upstream_rejected"),
        (5005, 502, "upstream_rejected"),
        (5006, 502, "upstream_rejected"),
        (9002, 502, "upstream_rejected"),
        (5002, 502, "upstream_unavailable"),
        (6006, 422, "validation_failed"),
        (6015, 422, "validation_failed"),
        (5000, 502, "upstream_unavailable"),
        (6012, 502, "upstream_unavailable"),
        (6014, 502, "upstream_unavailable"),
    ];
    for (code, status, api) in cases {
        app.sim.set_faults(Faults { force_fr_error_code: Some(code), ..Faults::default() });
        let (got, v) = app.post_as("/api/v1/verify/face", &body, None).await;
        assert_eq!((got, v["code"].as_str()), (status, Some(api)), "FR {code}: {v}");
    }
    app.sim.clear_faults();
    let (status, v) = app.post_as("/api/v1/verify/face", &body, None).await;
    assert_eq!((status, &v["outcome"]["band"]), (200, &json!("cocok")), "{v}");
});
