//! The simulator over real TCP: verdicts, special codes, credentials,
//! quota and every fault-injection mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use padan_sim_dukcapil::{AccessHours, Faults, Person, SimConfig, SimHandle, spawn, special};
use serde_json::{Value, json};

mod common;

use common::{client, code, creds, entry, population, post, start, start_with};

const SEED: u64 = 1;

/// A request body with the default credentials, `NIK`, `TRESHOLD` and `extra`.
fn body(nik: &str, extra: Value) -> Value {
    let mut b = creds(json!({ "NIK": nik, "TRESHOLD": "80" }));
    if let (Some(b), Value::Object(e)) = (b.as_object_mut(), extra) {
        b.extend(e);
    }
    b
}

async fn call(sim: &SimHandle, body: &Value) -> Value {
    post(&sim.verify_url(), body).await
}

fn person() -> Person {
    population().sample(10, 1).next().unwrap().clone()
}

fn all_elements(p: &Person) -> Value {
    json!({
        "NO_KK": p.no_kk, "NAMA_LGKP": p.nama_lgkp, "JENIS_KLMIN": p.jenis_klmin_label(),
        "AGAMA": p.agama, "TMPT_LHR": p.tmpt_lhr, "TGL_LHR": p.tgl_lhr.dmy('-'),
        "STATUS_KAWIN": p.status_kawin, "STAT_HBKEL": p.stat_hbkel, "JENIS_PKRJN": p.jenis_pkrjn,
        "ALAMAT": p.alamat,
    })
}

#[tokio::test]
async fn all_elements_match() {
    let sim = start().await;
    let p = person();
    let v = call(&sim, &body(&p.nik, all_elements(&p))).await;
    let e = entry(&v);
    assert_eq!(e.len(), 11, "{e:?}");
    for k in ["NIK", "NO_KK", "JENIS_KLMIN", "AGAMA", "TGL_LHR", "STATUS_KAWIN", "STAT_HBKEL", "JENIS_PKRJN"] {
        assert_eq!(e[k], "Sesuai", "{k}");
    }
    for k in ["NAMA_LGKP", "TMPT_LHR", "ALAMAT"] {
        assert_eq!(e[k], "Sesuai (100)", "{k}");
    }
    assert!(e.get("RESPONSE_CODE").is_none());
    // The Spring-style envelope.
    assert_eq!(v["lastPage"], true);
    assert_eq!(v["firstPage"], true);
    assert_eq!(v["numberOfElements"], 1);
    assert_eq!(v["totalElements"], 1);
    assert_eq!(v["number"], 0);
    assert_eq!(v["size"], 1);
    assert!(v["sort"].is_null());
    assert_eq!(v["quotaLimiter"], SimConfig::default().daily_quota - 1);
}

#[tokio::test]
async fn mismatches_are_tidak_sesuai() {
    let sim = start().await;
    let p = person();
    let other_sex = if p.jenis_klmin_label() == "LAKI-LAKI" { "PEREMPUAN" } else { "LAKI-LAKI" };
    let v = call(
        &sim,
        &body(
            &p.nik,
            json!({ "NAMA_LGKP": "XAVERIUS QWERTY ZZZ", "TGL_LHR": "01-01-1900", "JENIS_KLMIN": other_sex,
                    "NO_KK": "3171010101100001", "ALAMAT": "JL. TIDAK ADA NO. 999999" }),
        ),
    )
    .await;
    let e = entry(&v);
    assert_eq!(e["TGL_LHR"], "Tidak Sesuai");
    assert_eq!(e["JENIS_KLMIN"], "Tidak Sesuai");
    assert_eq!(e["NO_KK"], "Tidak Sesuai");
    let name = e["NAMA_LGKP"].as_str().unwrap();
    assert!(name.starts_with("Tidak Sesuai ("), "{name}");
    assert!(e["ALAMAT"].as_str().unwrap().starts_with("Tidak Sesuai ("));
}

fn score(verdict: &str) -> u32 {
    let open = verdict.find('(').unwrap();
    verdict[open + 1..verdict.len() - 1].parse().unwrap()
}

#[tokio::test]
async fn one_typo_in_the_name_is_a_fuzzy_near_miss() {
    let sim = start().await;
    let p = person();
    let mut typo: Vec<char> = p.nama_lgkp.chars().collect();
    typo[1] = if typo[1] == 'X' { 'Y' } else { 'X' };
    let typo: String = typo.into_iter().collect();

    let v = call(&sim, &body(&p.nik, json!({ "NAMA_LGKP": typo }))).await;
    let verdict = entry(&v)["NAMA_LGKP"].as_str().unwrap().to_owned();
    assert!(verdict.starts_with("Sesuai ("), "{verdict}");
    let s = score(&verdict);
    assert!((50..100).contains(&s), "{s}");

    // The verdict flips at TRESHOLD (sent as a number this time).
    let mut b = body(&p.nik, json!({ "NAMA_LGKP": typo }));
    b["TRESHOLD"] = json!(s + 1);
    let v = call(&sim, &b).await;
    assert_eq!(entry(&v)["NAMA_LGKP"], format!("Tidak Sesuai ({s})"));
    b["TRESHOLD"] = json!(s);
    let v = call(&sim, &b).await;
    assert_eq!(entry(&v)["NAMA_LGKP"], format!("Sesuai ({s})"));
}

#[tokio::test]
async fn dates_labels_and_lower_case_keys_are_tolerated() {
    let sim = start().await;
    let p = person();
    for date in [p.tgl_lhr.dmy('-'), p.tgl_lhr.iso(), p.tgl_lhr.dmy('.')] {
        let v = call(&sim, &body(&p.nik, json!({ "TGL_LHR": date }))).await;
        assert_eq!(entry(&v)["TGL_LHR"], "Sesuai", "{date}");
    }
    let c = SimConfig::default();
    let lower = json!({
        "user_id": c.user_id, "password": c.password, "ip_user": "127.0.0.1",
        "nik": p.nik, "treshold": 80,
        "agama": format!("  {}  ", p.agama.to_lowercase()),
        "stat_hbkel": p.stat_hbkel.to_lowercase(),
        "nama_lgkp": format!(" {}  ", p.nama_lgkp.to_lowercase().replace(' ', "   ")),
        "no_rt": p.no_rt,
    });
    let v = call(&sim, &lower).await;
    let e = entry(&v);
    assert_eq!(e["AGAMA"], "Sesuai");
    assert_eq!(e["STAT_HBKEL"], "Sesuai");
    assert_eq!(e["NAMA_LGKP"], "Sesuai (100)");
    assert_eq!(e["NO_RT"], "Sesuai");
}

#[tokio::test]
async fn found_but_deceased_duplicate_or_inactive_carry_verdicts_and_a_code() {
    let sim = start().await;
    for (nik, expected, text) in [
        (special::DECEASED, "11", "Data Ditemukan, Meninggal Dunia"),
        (special::DUPLICATE, "12", "Data Ditemukan, Data Ganda"),
        (special::INACTIVE, "14", "Data Ditemukan, Status Non Aktif silahkan hubungi Dinas Dukcapil"),
    ] {
        let p = sim.population().get(nik).unwrap().clone();
        let v = call(&sim, &body(nik, json!({ "NAMA_LGKP": p.nama_lgkp, "TGL_LHR": "01-01-1901" }))).await;
        assert_eq!(code(&v), Some(expected));
        let e = entry(&v);
        assert_eq!(e["RESPON"], text);
        assert_eq!(e["NIK"], "Sesuai");
        assert_eq!(e["NAMA_LGKP"], "Sesuai (100)");
        assert_eq!(e["TGL_LHR"], "Tidak Sesuai");
    }
}

#[tokio::test]
async fn not_found_bad_format_and_unprocessable() {
    let sim = start().await;
    let cases = [
        (special::NOT_FOUND, "13"),
        ("3273012505950123", "13"),
        (special::BAD_FORMAT, "15"),
        ("99010101019000001", "15"),
        ("9901011708450001", "15"),
        ("31710117084500ab", "15"),
        (special::UNPROCESSABLE, "08"),
    ];
    for (nik, expected) in cases {
        let v = call(&sim, &body(nik, json!({ "NAMA_LGKP": "SIAPA SAJA" }))).await;
        assert_eq!(code(&v), Some(expected), "{nik}");
        assert_eq!(entry(&v).len(), 2, "only RESPONSE_CODE + RESPON");
    }
    let v = call(&sim, &body(special::NOT_FOUND, json!({}))).await;
    assert_eq!(entry(&v)["RESPON"], "Data Tidak Ditemukan, NIK tidak terdapat di database Kependudukan");
    let v = call(&sim, &body(special::BAD_FORMAT, json!({}))).await;
    assert_eq!(entry(&v)["RESPON"], "Data Tidak Ditemukan, NIK tidak sesuai format Dukcapil");
    // The fixed demo person is found and active.
    let v = call(&sim, &body(special::ACTIVE, json!({ "NAMA_LGKP": "Dewi Kartika Sari" }))).await;
    assert_eq!(entry(&v)["NAMA_LGKP"], "Sesuai (100)");
    assert_eq!(code(&v), None);
}

#[tokio::test]
async fn credential_and_configuration_faults() {
    let sim = start_with(SimConfig {
        inactive_users: vec!["OLD_USER".into()],
        allowed_ips: vec!["127.0.0.1".into(), "10.1.2.3".into()],
        ..SimConfig::default()
    })
    .await;
    let nik = person().nik;
    let quota_before = sim.quota_remaining();

    let mut b = body(&nik, json!({}));
    b["PASSWORD"] = json!("salah");
    assert_eq!(code(&call(&sim, &b).await), Some("03"));
    assert_eq!(entry(&call(&sim, &b).await)["RESPON"], "Login Gagal");

    let mut b = body(&nik, json!({}));
    b["PASSWORD"] = json!("  ");
    assert_eq!(code(&call(&sim, &b).await), Some("09"));
    let mut b = body(&nik, json!({}));
    b.as_object_mut().unwrap().remove("USER_ID");
    assert_eq!(code(&call(&sim, &b).await), Some("09"));

    let mut b = body(&nik, json!({}));
    b["IP_USER"] = json!("192.168.7.7");
    let v = call(&sim, &b).await;
    assert_eq!(code(&v), Some("10"));
    assert_eq!(entry(&v)["RESPON"], "IP Client Tidak terdaftar");

    let mut b = body(&nik, json!({}));
    b["USER_ID"] = json!("OLD_USER");
    assert_eq!(code(&call(&sim, &b).await), Some("17"));

    let url = sim.verify_url().replace("/BKN/", "/LAIN/");
    let v: Value = client().post(url).json(&body(&nik, json!({}))).send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), Some("16"));

    let mut b = body(&nik, json!({}));
    b.as_object_mut().unwrap().remove("TRESHOLD");
    assert_eq!(code(&call(&sim, &b).await), Some("07"));
    let mut b = body(&nik, json!({}));
    b["TRESHOLD"] = json!("delapan puluh");
    assert_eq!(code(&call(&sim, &b).await), Some("07"));
    let mut b = body(&nik, json!({}));
    b.as_object_mut().unwrap().remove("NIK");
    assert_eq!(code(&call(&sim, &b).await), Some("07"));
    let v: Value = client().post(sim.verify_url()).body("not json").send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), Some("07"));

    // None of these cost quota.
    assert_eq!(sim.quota_remaining(), quota_before);

    // Registered, but not the address the call came from: 04 (when checked).
    assert_eq!(code(&call(&sim, &body(&nik, json!({}))).await), None);
    let strict = start_with(SimConfig {
        check_peer_ip: true,
        allowed_ips: vec!["127.0.0.1".into(), "10.1.2.3".into()],
        ..SimConfig::default()
    })
    .await;
    let mut b = body(&nik, json!({}));
    b["IP_USER"] = json!("10.1.2.3");
    let v = call(&strict, &b).await;
    assert_eq!(code(&v), Some("04"));
    assert_eq!(entry(&v)["RESPON"], "IP Address Tidak Sesuai");
    assert_eq!(code(&call(&strict, &body(&nik, json!({}))).await), None);

    let closed = start_with(SimConfig {
        access_hours: Some(AccessHours { start_hour: 0, end_hour: 0 }),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(code(&call(&closed, &body(&nik, json!({}))).await), Some("06"));
}

#[tokio::test]
async fn quota_counts_down_and_runs_out() {
    let sim = start_with(SimConfig { daily_quota: 2, ..SimConfig::default() }).await;
    let nik = person().nik;
    let v = call(&sim, &body(&nik, json!({}))).await;
    assert_eq!(v["quotaLimiter"], 1);
    let v = call(&sim, &body(special::NOT_FOUND, json!({}))).await;
    assert_eq!(code(&v), Some("13"));
    assert_eq!(v["quotaLimiter"], 0);
    let v = call(&sim, &body(&nik, json!({}))).await;
    assert_eq!(code(&v), Some("05"));
    assert_eq!(entry(&v)["RESPON"], "Kuota Akses Hari ini telah Habis");
    assert_eq!(v["quotaLimiter"], 0);

    // The control endpoint refills it.
    let r =
        client().post(format!("{}/_sim/quota", sim.base_url())).json(&json!({"remaining": 5})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v = call(&sim, &body(&nik, json!({}))).await;
    assert_eq!(v["quotaLimiter"], 4);
}

async fn set_faults(sim: &SimHandle, faults: Value) -> reqwest::Response {
    client().post(format!("{}/_sim/faults", sim.base_url())).json(&faults).send().await.unwrap()
}

#[tokio::test]
async fn fault_control_endpoint_round_trips() {
    let sim = start().await;
    let r = set_faults(&sim, json!({ "latency_ms": 5, "older_gateway": true })).await;
    assert_eq!(r.status(), 200);
    let got: Faults =
        client().get(format!("{}/_sim/faults", sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(got, Faults { latency_ms: 5, older_gateway: true, ..Faults::default() });
    assert_eq!(sim.faults(), got);
    let r = set_faults(&sim, json!({ "force_response_code": "99" })).await;
    assert_eq!(r.status(), 400);
    let r = set_faults(&sim, json!({ "no_such_fault": true })).await;
    assert!(r.status().is_client_error());
    let r = client().delete(format!("{}/_sim/faults", sim.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sim.faults(), Faults::default());
}

#[tokio::test]
async fn fault_latency() {
    let sim = start().await;
    set_faults(&sim, json!({ "latency_ms": 300 })).await;
    let t = Instant::now();
    let v = call(&sim, &body(&person().nik, json!({}))).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(entry(&v)["NIK"], "Sesuai");
}

#[tokio::test]
async fn fault_forced_response_code() {
    let sim = start().await;
    set_faults(&sim, json!({ "force_response_code": "05" })).await;
    let v = call(&sim, &body(&person().nik, json!({}))).await;
    assert_eq!(code(&v), Some("05"));
    set_faults(&sim, json!({ "force_response_code": "13" })).await;
    let v = call(&sim, &body(&person().nik, json!({}))).await;
    assert_eq!(code(&v), Some("13"));
}

#[tokio::test]
async fn fault_http_500() {
    let sim = start().await;
    set_faults(&sim, json!({ "http_500": true })).await;
    let r = client().post(sim.verify_url()).json(&body(&person().nik, json!({}))).send().await.unwrap();
    assert_eq!(r.status(), 500);
}

#[tokio::test]
async fn fault_garbage_body() {
    let sim = start().await;
    set_faults(&sim, json!({ "garbage_body": true })).await;
    let r = client().post(sim.verify_url()).json(&body(&person().nik, json!({}))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn fault_truncated_json() {
    let sim = start().await;
    let nik = person().nik;
    let full = client().post(sim.verify_url()).json(&body(&nik, json!({}))).send().await.unwrap().text().await.unwrap();
    set_faults(&sim, json!({ "truncated_json": true })).await;
    let r = client().post(sim.verify_url()).json(&body(&nik, json!({}))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert!(!text.is_empty() && text.len() < full.len());
    assert!(text.starts_with("{\"content\""));
}

#[tokio::test]
async fn fault_hang_outlasts_the_client_timeout_and_shutdown_still_works() {
    let sim = start().await;
    set_faults(&sim, json!({ "hang": true, "hang_ms": 30_000 })).await;
    let short = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let t = Instant::now();
    let err = short.post(sim.verify_url()).json(&body(&person().nik, json!({}))).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    // A hanging call does not hold up shutdown.
    let pending = {
        let url = sim.verify_url();
        let b = body(&person().nik, json!({}));
        tokio::spawn(async move { client().post(url).json(&b).send().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sim.shutdown()).await.unwrap().unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    let _ = pending.await;
}

#[tokio::test]
async fn fault_lowercase_keys() {
    let sim = start().await;
    set_faults(&sim, json!({ "lowercase_keys": true })).await;
    let p = person();
    let v = call(&sim, &body(&p.nik, json!({ "NAMA_LGKP": p.nama_lgkp }))).await;
    let e = entry(&v);
    assert_eq!(e["nik"], "Sesuai");
    assert_eq!(e["nama_lgkp"], "Sesuai (100)");
    let v = call(&sim, &body(special::NOT_FOUND, json!({}))).await;
    assert_eq!(entry(&v)["response_code"], "13");
    assert!(entry(&v).get("RESPONSE_CODE").is_none());
    // The envelope keeps its own (Spring) names.
    assert!(v.get("quotaLimiter").is_some());
}

#[tokio::test]
async fn fault_older_gateway_sends_respon_only() {
    let sim = start().await;
    set_faults(&sim, json!({ "older_gateway": true })).await;
    let v = call(&sim, &body(special::NOT_FOUND, json!({}))).await;
    let e = entry(&v);
    assert!(e.get("RESPONSE_CODE").is_none());
    assert_eq!(e["RESPON"], "Data Tidak Ditemukan");
    let mut b = body(&person().nik, json!({}));
    b["PASSWORD"] = json!("salah");
    assert_eq!(entry(&call(&sim, &b).await)["RESPON"], "Login Gagal");
    let v = call(&sim, &body(special::DECEASED, json!({}))).await;
    assert_eq!(entry(&v)["NIK"], "Sesuai");
    assert_eq!(entry(&v)["RESPON"], "Data Ditemukan, Meninggal Dunia");
}

#[tokio::test]
async fn faults_can_be_limited_to_the_next_calls() {
    let sim = start().await;
    set_faults(&sim, json!({ "http_500": true, "times": 2 })).await;
    let b = body(&person().nik, json!({}));
    for _ in 0..2 {
        assert_eq!(client().post(sim.verify_url()).json(&b).send().await.unwrap().status(), 500);
    }
    assert_eq!(code(&call(&sim, &b).await), None);
    assert_eq!(sim.faults(), Faults::default());
}

#[tokio::test]
async fn faults_set_through_the_handle() {
    let sim = start().await;
    sim.set_faults(Faults { force_response_code: Some("12".into()), ..Faults::default() });
    assert_eq!(code(&call(&sim, &body(&person().nik, json!({}))).await), Some("12"));
    sim.clear_faults();
    assert_eq!(code(&call(&sim, &body(&person().nik, json!({}))).await), None);
}

#[tokio::test]
async fn health_and_fixture_sample() {
    let sim = start().await;
    let h: Value = client().get(format!("{}/_sim/health", sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["persons"], population().len());
    let url = format!("{}/_sim/persons/sample?count=5&offset=2", sim.base_url());
    let sample: Vec<Value> = client().get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(sample.len(), 5);
    let pop = population();
    let expected: Vec<&Person> = pop.sample(2, 5).collect();
    for (got, want) in sample.iter().zip(expected) {
        assert_eq!(got["NIK"], want.nik);
        assert_eq!(got["NAMA_LGKP"], want.nama_lgkp);
        assert_eq!(got["SIM_RECORD_STATUS"], "ACTIVE");
    }
}

#[tokio::test]
async fn spawn_generates_from_config_and_binds_a_free_port() {
    let sim = spawn(SimConfig { seed: 5, persons: 500, ..SimConfig::default() }).await.unwrap();
    assert_ne!(sim.addr().port(), 0);
    assert_eq!(sim.population().len(), 500 + special::COUNT);
    let p = sim.population().sample(0, 1).next().unwrap().clone();
    let v = call(&sim, &body(&p.nik, json!({ "TGL_LHR": p.tgl_lhr.dmy('-') }))).await;
    assert_eq!(entry(&v)["TGL_LHR"], "Sesuai");
    sim.shutdown().await.unwrap();
}
