//! Nothing lost (ARCHITECTURE invariant 6, issue 6): the real `padan`
//! binary is SIGKILLed repeatedly while officers' accesses come in and
//! data-balikan batches are in flight to a slow receiver, then restarted.
//! At the end the receiver's ledger is compared with the audit trail:
//! every accessed NIK that has a NIP was delivered, nothing else was, no
//! access lacks its outbox row, and repeats happened only where the
//! receiver absorbed them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use padan_sim_dukcapil::{Population, RecordStatus, SimConfig};
use padan_testkit::{Group, Output, Process, free_addr, wait_http_ok};
use serde_json::{Value, json};
use sqlx::Row;

use crate::support::{PASSWORD, nip_for, session};

const KEY_HEX: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// `padan serve --config config`, once it answers on `/livez`.
fn start(config: &std::path::Path, addr: SocketAddr) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_padan"));
    cmd.args(["serve", "--config"]).arg(config);
    let mut backend = Process::spawn("padan", &mut cmd, Output::Null, Group::Same).expect("start padan");
    wait_http_ok(&mut backend, addr, "/livez", Duration::from_secs(30)).expect("padan did not start");
    backend
}

/// Signs the officer in (the client keeps the cookie); the CSRF token.
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let (status, body) = session::sign_in_at(http, base, "petugas", PASSWORD).await;
    assert_eq!(status, 200);
    body["csrf_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_batches_are_in_flight_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let population = Arc::new(Population::generate(11, 1_500));
    let sim_config = SimConfig { user_id: "BKN_TEST".into(), password: "sim-password".into(), ..SimConfig::default() };
    let sim = padan_sim_dukcapil::spawn_with_population(sim_config, population.clone()).await.unwrap();
    let sim_http = reqwest::Client::new();
    // A slow receiver that keeps records before it answers, so that SIGKILL
    // finds batches in flight whose acknowledgement never arrives.
    let r = sim_http
        .post(format!("{}/_sim/balikan/faults", sim.base_url()))
        .json(&json!({ "latency_ms": 20, "ack_latency_ms": 200 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let persons: Vec<_> =
        population.persons().iter().filter(|p| p.record_status == RecordStatus::Active).take(200).cloned().collect();
    // 160 have a NIP; 40 are applicants without one (they must wait, not be sent).
    let mut csv = String::from("NIK,NIP,NAMA,STATUS_KEPEGAWAIAN,KEDUDUKAN_HUKUM,INSTANSI\n");
    let mut nip_of = HashMap::new();
    for (i, p) in persons.iter().take(160).enumerate() {
        let nip = nip_for(&p.nik, i);
        csv.push_str(&format!("{},{nip},\"{}\",PNS,aktif,BKN\n", p.nik, p.nama_lgkp));
        nip_of.insert(p.nik.clone(), nip);
    }
    let csv_path = dir.path().join("asn.csv");
    std::fs::write(&csv_path, csv).unwrap();

    let addr = free_addr().unwrap();
    let base = format!("http://{addr}");
    let db = dir.path().join("padan.db");
    let config = dir.path().join("padan.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "{addr}"
spa_dir = "{spa}"
[database]
url = "sqlite://{db}"
[dukcapil]
base_url = "{sim}"
user_id = "BKN_TEST"
password = "sim-password"
timeout_secs = 5
[security]
nik_token_key = "{KEY_HEX}"
totp_required_roles = []
[demo]
enabled = true
[log]
filter = "error"
[balikan]
batch_size = 4
interval_ms = 50
timeout_secs = 2
lease_secs = 3
backoff_base_secs = 1
backoff_max_secs = 2
"#,
            spa = dir.path().join("no-dist").display(),
            db = db.display(),
            sim = sim.base_url(),
        ),
    )
    .unwrap();

    // The registry comes in through the operators' CLI (same code as the admin page).
    let out = Command::new(env!("CARGO_BIN_EXE_padan"))
        .args(["registry", "import"])
        .arg(&csv_path)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    let started = Instant::now();
    let mut kills = 0;
    for (round, chunk) in persons.chunks(40).enumerate() {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let mut backend = start(&config, addr);
        let csrf = sign_in(&http, &base).await;
        for p in chunk {
            let body = json!({ "nik": p.nik, "purpose": "data_casn_asn",
                               "elements": { "NAMA_LGKP": p.nama_lgkp, "TGL_LHR": p.tgl_lhr.iso() } });
            let r = http
                .post(format!("{base}/api/v1/verify/elements"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        // Let batches leave, then kill mid-flight (the receiver takes 220 ms).
        tokio::time::sleep(Duration::from_millis(150 + 90 * round as u64)).await;
        // SIGKILL: no shutdown hook runs.
        backend.kill();
        kills += 1;
    }

    // Restart and let the outbox drain (expired leases are taken over).
    let mut backend = start(&config, addr);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let l: Value =
            sim_http.get(format!("{}/_sim/balikan/ledger", sim.base_url())).send().await.unwrap().json().await.unwrap();
        if l["records"].as_u64() == Some(160) {
            break;
        }
        assert!(Instant::now() < deadline, "outbox did not drain: {}", l["records"]);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A little longer: the last answers must be settled before comparing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    backend.kill();

    let ledger: Value =
        sim_http.get(format!("{}/_sim/balikan/ledger", sim.base_url())).send().await.unwrap().json().await.unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let key = hex::decode(KEY_HEX).unwrap();
    let token = |nik: &str| padan_backend::audit::nik_token(&key, nik);

    // The audit trail: every access that reached a person's data.
    let accessed: HashSet<String> =
        sqlx::query("SELECT nik_token FROM audit_log WHERE event = 'access' AND outcome = 'ok'")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>(0).unwrap())
            .collect();
    assert_eq!(accessed.len(), 200, "every verification was audited");
    // No access without its outbox row.
    let outbox: Vec<(String, String, Option<String>)> = padan_backend::store::outbox::states(&pool).await.unwrap();
    let in_outbox: HashSet<String> = outbox.iter().map(|r| r.0.clone()).collect();
    assert_eq!(in_outbox, accessed, "every accessed NIK is in the outbox");
    // Every eligible NIK delivered, with its NIP; nothing else sent.
    let eligible: HashSet<String> = nip_of.keys().map(|n| token(n)).collect();
    let entries = ledger["entries"].as_array().unwrap();
    let delivered: HashSet<String> = entries.iter().map(|e| token(e["nik"].as_str().unwrap())).collect();
    assert_eq!(delivered, eligible, "the ledger holds exactly the accessed NIKs with a NIP");
    for e in entries {
        assert_eq!(e["nip"].as_str(), nip_of.get(e["nik"].as_str().unwrap()).map(String::as_str));
    }
    for (tok, state, _) in &outbox {
        let expected = if eligible.contains(tok) { "delivered" } else { "waiting" };
        assert_eq!(state, expected);
    }
    // Repeats only where the receiver absorbed them (a batch in flight at a kill).
    let repeated = entries.iter().filter(|e| e["received"].as_u64().unwrap() > 1).count();
    let absorbed = outbox.iter().filter(|r| r.2.as_deref() == Some("already_sent")).count();
    assert!(ledger["duplicates"].as_u64().unwrap() as usize >= repeated);
    assert!(repeated > 0, "a kill should have caught a batch whose acknowledgement was lost");
    // The batch in flight at each kill, and the new records sharing a batch with it on resend.
    assert!(repeated <= kills * 4 * 2, "at most the batches in flight at each kill: {repeated}");
    eprintln!(
        "{kills} SIGKILLs, {} s: {} delivered, {repeated} NIKs received more than once (absorbed; {absorbed} \
         settled as already sent), {} requests",
        started.elapsed().as_secs(),
        ledger["records"],
        ledger["requests"]
    );
}
