//! CALL_NIK, CALL_KK, CALL_FOTO, CALL_FR and the fixtures, over real TCP:
//! every response code path, every format variant and the new faults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use padan_sim_dukcapil::face::{decode_jpeg_rgb, encode_jpeg, face_jpeg};
use padan_sim_dukcapil::fr::encrypt_field;
use padan_sim_dukcapil::{AccessHours, DateFormat, FR_PUBLIC_KEY_PEM, Faults, Person, SimConfig, special};
use serde_json::{Value, json};

mod common;

use common::{client, code, creds, entry, population, post, start, start_with};

const SEED: u64 = 2;

/// A married person with a family of at least three.
fn family_person() -> Person {
    let pop = population();
    pop.sample(0, 3000)
        .find(|p| p.status_kawin == "KAWIN" && pop.family(&p.no_kk).unwrap().len() >= 3 && p.no_rt < 10)
        .unwrap()
        .clone()
}

/// Every field DUKCAPIL-WEB-SERVICE.md lists for CALL_NIK.
const CALL_NIK_FIELDS: [&str; 34] = [
    "NIK",
    "NO_KK",
    "NAMA_LGKP",
    "JENIS_KLMIN",
    "TMPT_LHR",
    "TGL_LHR",
    "AGAMA",
    "STATUS_KAWIN",
    "STAT_HBKEL",
    "PDDK_AKH",
    "JENIS_PKRJN",
    "GOL_DARAH",
    "NAMA_LGKP_IBU",
    "NAMA_LGKP_AYAH",
    "NO_AKTA_LHR",
    "ALAMAT",
    "NO_RT",
    "NO_RW",
    "DUSUN",
    "KODE_POS",
    "NO_PROP",
    "PROP_NAME",
    "NO_KAB",
    "KAB_NAME",
    "NO_KEC",
    "KEC_NAME",
    "NO_KEL",
    "KEL_NAME",
    "EKTP_STATUS",
    "TGL_KWN",
    "NO_AKTA_KWN",
    "TGL_CRAI",
    "NO_AKTA_CRAI",
    "PNYDNG_CCT",
];

#[tokio::test]
async fn call_nik_returns_the_full_record() {
    let sim = start().await;
    let p = family_person();
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": p.nik }))).await;
    let e = entry(&v);
    for f in CALL_NIK_FIELDS {
        assert!(e.contains_key(f), "{f}");
    }
    assert!(!e.contains_key("SIM_RECORD_STATUS") && !e.contains_key("RESPONSE_CODE"));
    assert_eq!(e["NIK"], p.nik.as_str());
    assert_eq!(e["NAMA_LGKP_IBU"], p.nama_lgkp_ibu.as_str());
    assert_eq!(e["TGL_LHR"], p.tgl_lhr.dmy('-').as_str());
    assert_eq!(e["NO_RT"], format!("{:03}", p.no_rt).as_str());
    assert!(!e["NO_AKTA_KWN"].as_str().unwrap().is_empty() && !e["TGL_KWN"].as_str().unwrap().is_empty());
    assert_eq!(v["numberOfElements"], 1);
    assert_eq!(v["quotaLimiter"], SimConfig::default().daily_quota - 1);

    // Lower-case request keys work too.
    let c = SimConfig::default();
    let lower = json!({ "user_id": c.user_id, "password": c.password, "ip_user": "127.0.0.1", "nik": p.nik });
    assert_eq!(entry(&post(&sim.nik_url(), &lower).await)["NIK"], p.nik.as_str());
}

#[tokio::test]
async fn call_nik_special_codes_come_with_the_record() {
    let sim = start().await;
    for (nik, want) in [(special::DECEASED, "11"), (special::DUPLICATE, "12"), (special::INACTIVE, "14")] {
        let v = post(&sim.nik_url(), &creds(json!({ "NIK": nik }))).await;
        assert_eq!(code(&v), Some(want));
        assert!(entry(&v)["RESPON"].as_str().unwrap().starts_with("Data Ditemukan"));
        assert_eq!(entry(&v)["NIK"], nik);
        assert!(entry(&v).contains_key("NAMA_LGKP_IBU"));
    }
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": special::ACTIVE }))).await;
    assert_eq!(code(&v), None);
    assert_eq!(entry(&v)["NAMA_LGKP"], "DEWI KARTIKA SARI");
}

/// Every error code of the shared check order, for each new method.
#[tokio::test]
async fn error_codes_for_every_new_method() {
    let c = SimConfig::default();
    let sim = start().await;
    let p = family_person();
    for (url, key, good) in [
        (sim.nik_url(), "NIK", p.nik.clone()),
        (sim.kk_url(), "NO_KK", p.no_kk.clone()),
        (sim.foto_url(), "NIK", p.nik.clone()),
    ] {
        let cases: Vec<(Value, &str)> = vec![
            (json!({ "USER_ID": "", "PASSWORD": c.password, "IP_USER": "127.0.0.1", key: good }), "09"),
            (creds(json!({ "PASSWORD": "salah", key: good })), "03"),
            (creds(json!({ "IP_USER": "10.9.9.9", key: good })), "10"),
            (creds(json!({})), "07"),
            (creds(json!({ key: "12345" })), "15"),
            (creds(json!({ key: "3199011708459915" })), "15"),
            (creds(json!({ key: special::NOT_FOUND })), "13"),
        ];
        for (body, want) in cases {
            let v = post(&url, &body).await;
            assert_eq!(code(&v), Some(want), "{url} {body}");
        }
        // A body that is not JSON at all.
        let resp = client().post(&url).body("nik=1").send().await.unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(code(&v), Some("07"));
        // Unknown instansi.
        let other = url.replace("/BKN/", "/XYZ/");
        assert_eq!(code(&post(&other, &creds(json!({ key: good }))).await), Some("16"));
    }
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": special::UNPROCESSABLE }))).await;
    assert_eq!(code(&v), Some("08"));
    let v = post(&sim.foto_url(), &creds(json!({ "NIK": special::UNPROCESSABLE }))).await;
    assert_eq!(code(&v), Some("08"));

    // Quota exhausted: 05 and quotaLimiter 0, for each method.
    sim.set_quota_remaining(0);
    for (url, key, good) in [(sim.nik_url(), "NIK", &p.nik), (sim.kk_url(), "NO_KK", &p.no_kk)] {
        let v = post(&url, &creds(json!({ key: good }))).await;
        assert_eq!((code(&v), v["quotaLimiter"].as_u64()), (Some("05"), Some(0)));
    }
    let v = post(&sim.foto_url(), &creds(json!({ "NIK": p.nik }))).await;
    assert_eq!(code(&v), Some("05"));
}

#[tokio::test]
async fn configuration_codes_17_04_06_on_call_nik() {
    let p = family_person();
    let sim = start_with(SimConfig { inactive_users: vec!["BKN_PADAN".into()], ..Default::default() }).await;
    assert_eq!(code(&post(&sim.nik_url(), &creds(json!({ "NIK": p.nik }))).await), Some("17"));
    let sim = start_with(SimConfig {
        check_peer_ip: true,
        allowed_ips: vec!["127.0.0.1".into(), "10.1.1.1".into()],
        ..Default::default()
    })
    .await;
    let v = post(&sim.kk_url(), &creds(json!({ "NO_KK": p.no_kk, "IP_USER": "10.1.1.1" }))).await;
    assert_eq!(code(&v), Some("04"));
    let closed = AccessHours { start_hour: 3, end_hour: 3 };
    let sim = start_with(SimConfig { access_hours: Some(closed), ..Default::default() }).await;
    assert_eq!(code(&post(&sim.foto_url(), &creds(json!({ "NIK": p.nik }))).await), Some("06"));
}

#[tokio::test]
async fn call_kk_returns_every_family_member() {
    let sim = start().await;
    let p = family_person();
    let fam = population().family(&p.no_kk).unwrap().to_vec();
    let v = post(&sim.kk_url(), &creds(json!({ "no_kk": p.no_kk }))).await;
    let content = v["content"].as_array().unwrap();
    assert_eq!(content.len(), fam.len());
    assert_eq!(v["numberOfElements"], fam.len());
    assert_eq!(v["totalElements"], fam.len());
    for (e, m) in content.iter().zip(&fam) {
        assert_eq!(e["NIK"], m.nik.as_str());
        assert_eq!(e["NO_KK"], p.no_kk.as_str());
        for f in CALL_NIK_FIELDS {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
    assert_eq!(content[0]["STAT_HBKEL"], "KEPALA KELUARGA");
    // The special records' families carry their code on the member.
    let d = population().get(special::DECEASED).unwrap().no_kk.clone();
    let v = post(&sim.kk_url(), &creds(json!({ "NO_KK": d }))).await;
    assert_eq!(code(&v), Some("11"));
}

#[tokio::test]
async fn call_foto_returns_the_portrait() {
    let sim = start().await;
    let p = family_person();
    let v = post(&sim.foto_url(), &creds(json!({ "NIK": p.nik }))).await;
    let e = entry(&v);
    assert_eq!(e["NIK"], p.nik.as_str());
    let jpeg = STANDARD.decode(e["FOTO"].as_str().unwrap()).unwrap();
    assert_eq!(jpeg, face_jpeg(&p));
    assert!(decode_jpeg_rgb(&jpeg).is_ok());
    assert_eq!(sim.state().cached_faces(), 1);
    let v = post(&sim.foto_url(), &creds(json!({ "NIK": special::INACTIVE }))).await;
    assert_eq!(code(&v), Some("14"));
    assert!(entry(&v).contains_key("FOTO"));
}

#[tokio::test]
async fn format_variants_numbers_dates_lowercase_older_gateway() {
    let sim = start().await;
    let p = family_person();
    let kwn = p.tgl_kwn.unwrap();
    for (fmt, lhr, tgl_kwn) in [
        (DateFormat::DdMmYyyy, p.tgl_lhr.dmy('-'), kwn.dmy('-')),
        (DateFormat::YyyyMmDd, p.tgl_lhr.iso(), kwn.iso()),
        (DateFormat::DdMmYyyyDots, p.tgl_lhr.dmy('.'), kwn.dmy('.')),
    ] {
        sim.set_faults(Faults { date_format: fmt, ..Default::default() });
        let v = post(&sim.nik_url(), &creds(json!({ "NIK": p.nik }))).await;
        assert_eq!(entry(&v)["TGL_LHR"], lhr.as_str(), "{fmt:?}");
        assert_eq!(entry(&v)["TGL_KWN"], tgl_kwn.as_str(), "{fmt:?}");
        assert_eq!(entry(&v)["TGL_CRAI"], "");
        let v = post(&sim.kk_url(), &creds(json!({ "NO_KK": p.no_kk }))).await;
        let member = v["content"].as_array().unwrap().iter().find(|e| e["NIK"] == p.nik.as_str()).unwrap();
        assert_eq!(member["TGL_LHR"], lhr.as_str());
    }

    // Also settable over HTTP with the documented spelling.
    let f: Value = client()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "numbers_as_json": true, "date_format": "yyyy-mm-dd" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(f["date_format"], "yyyy-mm-dd");
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": p.nik }))).await;
    let e = entry(&v);
    assert_eq!(e["NIK"].as_u64(), Some(p.nik.parse().unwrap()));
    assert_eq!(e["NO_KK"].as_u64(), Some(p.no_kk.parse().unwrap()));
    assert_eq!(e["NO_RT"].as_u64(), Some(u64::from(p.no_rt)), "leading zeros lost");
    assert_eq!(e["NO_KEC"].as_u64(), Some(u64::from(p.no_kec)));
    assert_eq!(e["NO_PROP"].as_u64(), Some(u64::from(p.no_prop)));
    assert!(e["NAMA_LGKP"].is_string() && e["TGL_LHR"] == p.tgl_lhr.iso().as_str());
    let v = post(&sim.kk_url(), &creds(json!({ "NO_KK": p.no_kk }))).await;
    assert!(v["content"].as_array().unwrap().iter().all(|e| e["NIK"].is_u64() && e["NO_RW"].is_u64()));
    let v = post(&sim.foto_url(), &creds(json!({ "NIK": p.nik }))).await;
    assert!(entry(&v)["NIK"].is_u64());

    sim.set_faults(Faults { lowercase_keys: true, ..Default::default() });
    let v = post(&sim.kk_url(), &creds(json!({ "NO_KK": p.no_kk }))).await;
    assert!(v["content"].as_array().unwrap().iter().all(|e| e.get("nik").is_some() && e.get("NIK").is_none()));
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": special::DECEASED }))).await;
    assert_eq!(entry(&v)["response_code"], "11");

    sim.set_faults(Faults { older_gateway: true, ..Default::default() });
    let v = post(&sim.nik_url(), &creds(json!({ "NIK": special::NOT_FOUND }))).await;
    assert_eq!(code(&v), None);
    assert_eq!(entry(&v)["RESPON"], "Data Tidak Ditemukan");

    sim.set_faults(Faults { force_response_code: Some("05".into()), ..Default::default() });
    for url in [sim.nik_url(), sim.kk_url(), sim.foto_url()] {
        assert_eq!(code(&post(&url, &creds(json!({ "NIK": p.nik, "NO_KK": p.no_kk }))).await), Some("05"));
    }
}

#[tokio::test]
async fn transport_faults_apply_to_every_method() {
    let sim = start().await;
    let p = family_person();
    let urls = [sim.verify_url(), sim.nik_url(), sim.kk_url(), sim.foto_url(), sim.fr_url()];
    let body = creds(json!({ "NIK": p.nik, "NO_KK": p.no_kk, "TRESHOLD": 80, "transactionId": "t" }));
    sim.set_faults(Faults { http_500: true, ..Default::default() });
    for url in &urls {
        assert_eq!(client().post(url).json(&body).send().await.unwrap().status(), 500, "{url}");
    }
    sim.set_faults(Faults { garbage_body: true, ..Default::default() });
    for url in &urls {
        let text = client().post(url).json(&body).send().await.unwrap().text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{url}");
    }
    sim.set_faults(Faults { truncated_json: true, ..Default::default() });
    for url in &urls {
        let text = client().post(url).json(&body).send().await.unwrap().text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err() && text.starts_with('{'), "{url}");
    }
    sim.set_faults(Faults { hang: true, hang_ms: 60_000, ..Default::default() });
    for url in &urls {
        let quick = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let err = quick.post(url).json(&body).send().await.unwrap_err();
        assert!(err.is_timeout(), "{url}");
    }
    sim.set_faults(Faults { latency_ms: 150, ..Default::default() });
    for url in &urls {
        let t = Instant::now();
        let _ = client().post(url).json(&body).send().await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(150), "{url}");
    }
}

#[tokio::test]
async fn latency_jitter_and_error_rate_are_deterministic() {
    let p = family_person();
    let body = creds(json!({ "NIK": p.nik }));
    let faults = Faults { error_rate_percent: 30, fault_seed: 42, ..Default::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = start().await;
        sim.set_faults(faults.clone());
        let mut pattern = Vec::new();
        for _ in 0..200 {
            pattern.push(client().post(sim.nik_url()).json(&body).send().await.unwrap().status() == 500);
        }
        runs.push(pattern);
    }
    assert_eq!(runs[0], runs[1], "the same seed gives the same failures");
    let failed = runs[0].iter().filter(|f| **f).count();
    assert!((35..=85).contains(&failed), "{failed} of 200 failed at 30 %");

    let sim = start().await;
    sim.set_faults(Faults { latency_ms: 50, latency_jitter_ms: 100, ..Default::default() });
    let mut times = Vec::new();
    for _ in 0..12 {
        let t = Instant::now();
        let _ = client().post(sim.nik_url()).json(&body).send().await.unwrap();
        times.push(t.elapsed());
    }
    assert!(times.iter().all(|t| *t >= Duration::from_millis(50)));
    let spread = times.iter().max().unwrap().saturating_sub(*times.iter().min().unwrap());
    assert!(spread >= Duration::from_millis(20), "jitter varies the delay: {times:?}");

    // Invalid settings are refused.
    for bad in [
        json!({ "error_rate_percent": 101 }),
        json!({ "force_fr_error_code": 1234 }),
        json!({ "date_format": "mm/dd/yyyy" }),
    ] {
        let resp = client().post(format!("{}/_sim/faults", sim.base_url())).json(&bad).send().await.unwrap();
        assert!(resp.status().is_client_error(), "{bad}");
    }
}

// ---------------------------------------------------------------- CALL_FR

fn fr_body(tid: &str, nik: &str, image: &[u8]) -> Value {
    let c = SimConfig::default();
    json!({
        "transactionId": tid, "transactionSource": "PADAN",
        "nik": encrypt_field(nik), "user_id": encrypt_field(&c.user_id), "password": encrypt_field(&c.password),
        "threshold": "75", "image": STANDARD.encode(image), "template": "", "type": "Face", "position": "F",
        "ip": "127.0.0.1",
    })
}

fn fr_code(v: &Value) -> u64 {
    v["error"]["errorCode"].as_u64().expect("errorCode")
}

/// A client may encrypt `user_id` and `password` once and send the same
/// ciphertexts on every call (Padan does); the simulator remembers
/// decryptions and scores, and a remembered answer equals a fresh one.
#[tokio::test]
async fn call_fr_repeated_ciphertexts_and_probes_answer_as_fresh_ones() {
    let sim = start().await;
    let url = sim.fr_url();
    let pop = population();
    let mut persons = pop.sample(21, 2);
    let (p, q) = (persons.next().unwrap().clone(), persons.next().unwrap().clone());
    let (photo, other) = (face_jpeg(&p), face_jpeg(&q));
    let first = fr_body("REP-0", &p.nik, &photo);
    let mut scores = Vec::new();
    for (i, (nik, image)) in
        [(&p.nik, &photo), (&p.nik, &photo), (&p.nik, &other), (&p.nik, &other)].into_iter().enumerate()
    {
        let mut b = fr_body(&format!("REP-{}", i + 1), nik, image);
        b["user_id"] = first["user_id"].clone();
        b["password"] = first["password"].clone();
        let v = post(&url, &b).await;
        scores.push((fr_code(&v), v["matchScore"].as_f64().unwrap()));
    }
    assert_eq!(scores[0], scores[1], "the remembered score is the computed one");
    assert_eq!(scores[2], scores[3]);
    assert_eq!(scores[0].0, 6018);
    assert_eq!(scores[2].0, 6019);
    // A remembered probe does not leak across persons: q's own photo
    // against q still matches, p's remembered probe against q does not.
    let v = post(&url, &fr_body("REP-5", &q.nik, &other)).await;
    assert_eq!(fr_code(&v), 6018);
    let v = post(&url, &fr_body("REP-6", &q.nik, &photo)).await;
    assert_eq!(fr_code(&v), 6019);
    // A remembered wrong password stays wrong.
    let mut wrong = fr_body("REP-7", &p.nik, &photo);
    wrong["password"] = json!(encrypt_field("salah"));
    assert_eq!(fr_code(&post(&url, &wrong).await), 9002);
    let password = wrong["password"].clone();
    let mut again = fr_body("REP-8", &p.nik, &photo);
    again["password"] = password;
    assert_eq!(fr_code(&post(&url, &again).await), 9002);
    // An undecodable probe is never remembered: still 6015 for a known NIK.
    assert_eq!(fr_code(&post(&url, &fr_body("REP-9", &p.nik, b"GIF89a not a jpeg")).await), 6015);
    assert_eq!(fr_code(&post(&url, &fr_body("REP-10", &p.nik, b"GIF89a not a jpeg")).await), 6015);
}

#[tokio::test]
async fn call_fr_scores_and_every_error_code() {
    let sim = start().await;
    let url = sim.fr_url();
    let pop = population();
    let mut persons = pop.sample(20, 2);
    let (p, q) = (persons.next().unwrap().clone(), persons.next().unwrap().clone());
    let photo = face_jpeg(&p);
    let mut n = 0;
    let mut tid = || {
        n += 1;
        format!("TRX-{n}")
    };

    // Same photo: 6018 with a high score; quotaLimiter counts down.
    let t = Instant::now();
    let v = post(&url, &fr_body(&tid(), &p.nik, &photo)).await;
    eprintln!("CALL_FR round trip (debug build, 3 RSA decryptions + scoring) {:?}", t.elapsed());
    assert_eq!(fr_code(&v), 6018, "{v}");
    assert!(v["matchScore"].as_f64().unwrap() >= 95.0);
    assert_eq!(v["transactionId"], "TRX-1");
    assert_eq!(v["quotaLimiter"], SimConfig::default().daily_quota - 1);
    // A lightly altered photo (re-encoded at quality 70, 10 % darker): still a match.
    let (rgb, w, h) = decode_jpeg_rgb(&photo).unwrap();
    let darker: Vec<u8> = rgb.iter().map(|v| (f32::from(*v) * 0.9) as u8).collect();
    let v = post(&url, &fr_body(&tid(), &p.nik, &encode_jpeg(&darker, w as u16, h as u16, 70))).await;
    assert_eq!(fr_code(&v), 6018);
    assert!(v["matchScore"].as_f64().unwrap() >= 85.0);
    // Someone else's photo: 6019, low score.
    let v = post(&url, &fr_body(&tid(), &p.nik, &face_jpeg(&q))).await;
    assert_eq!(fr_code(&v), 6019, "{v}");
    assert!(v["matchScore"].as_f64().unwrap() <= 40.0);

    // Data errors.
    assert_eq!(fr_code(&post(&url, &fr_body(&tid(), special::NOT_FOUND, &photo)).await), 6020);
    assert_eq!(fr_code(&post(&url, &fr_body(&tid(), special::BAD_FORMAT, &photo)).await), 6020);
    let big = [&photo[..], &vec![0u8; 210 * 1024]].concat();
    assert_eq!(fr_code(&post(&url, &fr_body(&tid(), &p.nik, &big)).await), 6015);
    assert_eq!(fr_code(&post(&url, &fr_body(&tid(), &p.nik, b"GIF89a not a jpeg")).await), 6015);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["image"] = json!("%%% not base64 %%%");
    assert_eq!(fr_code(&post(&url, &b).await), 6006);

    // Request errors.
    let mut b = fr_body("TRX-1", &p.nik, &photo);
    assert_eq!(fr_code(&post(&url, &b).await), 5004, "a repeated transactionId");
    b["transactionId"] = json!(tid());
    b["type"] = json!("Finger");
    assert_eq!(fr_code(&post(&url, &b).await), 5004);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b.as_object_mut().unwrap().remove("ip");
    assert_eq!(fr_code(&post(&url, &b).await), 5004);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["threshold"] = json!(150);
    assert_eq!(fr_code(&post(&url, &b).await), 5005);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["nik"] = json!(STANDARD.encode(p.nik.as_bytes()));
    assert_eq!(fr_code(&post(&url, &b).await), 5006, "plain text is not decryptable");
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["password"] = json!(encrypt_field("salah"));
    assert_eq!(fr_code(&post(&url, &b).await), 9002);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["user_id"] = json!(encrypt_field("SIAPA"));
    assert_eq!(fr_code(&post(&url, &b).await), 5001);
    let other = url.replace("/dukcapil/BKN/", "/dukcapil/LAIN/");
    assert_eq!(fr_code(&post(&other, &fr_body(&tid(), &p.nik, &photo)).await), 5001);
    let mut b = fr_body(&tid(), &p.nik, &photo);
    b["ip"] = json!("10.9.9.9");
    assert_eq!(fr_code(&post(&url, &b).await), 5003);
    let resp = client().post(&url).body("not json").send().await.unwrap();
    assert_eq!(fr_code(&resp.json::<Value>().await.unwrap()), 5004);

    // Quota exhausted: 5002.
    sim.set_quota_remaining(0);
    let v = post(&url, &fr_body(&tid(), &p.nik, &photo)).await;
    assert_eq!((fr_code(&v), v["quotaLimiter"].as_u64()), (5002, Some(0)));
    sim.set_quota_remaining(10);

    // Forced codes (busy and others).
    for forced in [5000u16, 6012, 6014, 5002] {
        sim.set_faults(Faults { force_fr_error_code: Some(forced), ..Default::default() });
        let v = post(&url, &fr_body(&tid(), &p.nik, &photo)).await;
        assert_eq!(fr_code(&v), u64::from(forced));
        assert!(v["error"]["message"].is_string());
    }
    sim.clear_faults();
}

#[tokio::test]
async fn fixtures_persons_faces_video_and_key() {
    let sim = start().await;
    let p = family_person();
    let base = sim.base_url();
    let v: Value = client().get(format!("{base}/_sim/persons/{}", p.nik)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["person"]["NIK"], p.nik.as_str());
    assert_eq!(v["family"].as_array().unwrap().len(), population().family(&p.no_kk).unwrap().len());
    let resp = client().get(format!("{base}/_sim/persons/{}", special::NOT_FOUND)).send().await.unwrap();
    assert_eq!(resp.status(), 404);

    let resp = client().get(format!("{base}/_sim/persons/{}/face.jpg", p.nik)).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), face_jpeg(&p));

    let resp = client().get(format!("{base}/_sim/persons/{}/face.y4m?frames=3", p.nik)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let video = resp.bytes().await.unwrap();
    let header = b"YUV4MPEG2 W240 H320 F25:1 Ip A1:1 C420jpeg\n";
    assert!(video.starts_with(header));
    let frame = 6 + 240 * 320 + 2 * 120 * 160;
    assert_eq!(video.len(), header.len() + 3 * frame);
    assert_eq!(&video[header.len()..header.len() + 6], b"FRAME\n");
    let resp = client().get(format!("{base}/_sim/persons/{}/face.y4m", special::NOT_FOUND)).send().await.unwrap();
    assert_eq!(resp.status(), 404);

    let pem = client().get(format!("{base}/_sim/fr-public-key.pem")).send().await.unwrap().text().await.unwrap();
    assert_eq!(pem, FR_PUBLIC_KEY_PEM);
    assert!(pem.contains("BEGIN PUBLIC KEY"));
}
