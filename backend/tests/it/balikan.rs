//! Data balikan (issue 6): the ASN registry import and its report, every
//! mechanism feeding the outbox in the audit record's transaction, and the
//! worker against the simulator's receiver (backoff, isolation of a poison
//! record, parking, manual retry, horizon, backlog alert), on both engines;
//! two instances draining one outbox on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{PASSWORD, TestApp, nip_for};
use padan_backend::{
    AppState,
    services::balikan::{self, Sender},
    store::outbox,
};
use padan_protocol::v1::Role;
use serde_json::{Value, json};
use time::Duration;

const HEADER: &str = "NIP;NIK;NAMA;STATUS_KEPEGAWAIAN;KEDUDUKAN_HUKUM;INSTANSI;KANREG;TGL_UPDATE";

/// Active simulated persons (their NIKs are found by Dukcapil).
fn people(skip: usize, n: usize) -> Vec<padan_sim_dukcapil::Person> {
    crate::support::population()
        .persons()
        .iter()
        .filter(|p| p.record_status == padan_sim_dukcapil::RecordStatus::Active)
        .skip(skip)
        .take(n)
        .cloned()
        .collect()
}

fn csv_line(nik: &str, serial: usize, kedudukan: &str) -> String {
    format!(
        "{};\"{nik}\";\"Nama; Contoh\";PNS;{kedudukan};Badan Kepegawaian Negara;KANREG-V;2026-11-01",
        nip_for(nik, serial)
    )
}

async fn upload(app: &TestApp, csv: &str, query: &str) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/v1/admin/registry/imports?file_name=asn.csv{query}")))
        .header("content-type", "text/csv")
        .header("x-csrf-token", app.csrf.clone().unwrap_or_default())
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn registry_count(app: &TestApp) -> i64 {
    padan_backend::store::registry::count(app.state.store().pool()).await.unwrap()
}

async fn ledger(app: &TestApp) -> Value {
    reqwest::get(format!("{}/_sim/balikan/ledger", app.sim.base_url())).await.unwrap().json().await.unwrap()
}

async fn set_balikan_faults(app: &TestApp, faults: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/balikan/faults", app.sim.base_url()))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

both_engines!(registry_import_report_all_or_nothing_and_update_in_place, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Admin).await else { return };
    let ps = people(0, 4);
    // A real export: BOM, `;`, quoted fields with the separator inside, CRLF.
    let mut csv = format!("\u{feff}{HEADER}\r\n");
    for (i, p) in ps.iter().enumerate() {
        csv.push_str(&csv_line(&p.nik, i, "Aktif"));
        csv.push_str("\r\n");
    }
    let (status, body) = upload(&app, &csv, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "applied", "{body}");
    assert_eq!((body["rows_total"].as_u64(), body["inserted"].as_u64()), (Some(4), Some(4)));
    assert_eq!(body["separator"], ";");
    assert_eq!(registry_count(&app).await, 4);

    // Incremental: one changes kedudukan hukum, one is new, the rest are unchanged.
    let extra = people(4, 1).remove(0);
    let mut csv2 = format!("{HEADER}\n");
    csv2.push_str(&format!("{}\n", csv_line(&ps[0].nik, 0, "Tugas Belajar")));
    for (i, p) in ps.iter().enumerate().skip(1) {
        csv2.push_str(&format!("{}\n", csv_line(&p.nik, i, "aktif")));
    }
    csv2.push_str(&format!("{}\n", csv_line(&extra.nik, 9, "01")));
    let (_, body) = upload(&app, &csv2, "").await;
    assert_eq!(body["status"], "applied", "{body}");
    assert_eq!(
        (body["inserted"].as_u64(), body["updated"].as_u64(), body["unchanged"].as_u64()),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(registry_count(&app).await, 5);

    // A bad file: every problem reported by line, nothing changed.
    let mut bad = format!("{HEADER}\n");
    bad.push_str(&format!("{}\n", csv_line(&ps[0].nik, 0, "Pensiun"))); // line 2, valid (a change)
    bad.push_str(&format!("{};3.17101E+15;X;PNS;aktif;BKN;;\n", nip_for(&ps[1].nik, 1))); // 3: Excel-mangled
    let mut wrong_sex = nip_for(&ps[2].nik, 2);
    wrong_sex.replace_range(14..15, "9");
    bad.push_str(&format!("{wrong_sex};{};X;PNS;aktif;BKN;;\n", ps[2].nik)); // 4: NIP sex digit 9
    bad.push_str(&format!("{};{};X;honorer;aktif;BKN;;\n", nip_for(&ps[3].nik, 3), ps[3].nik)); // 5: status
    bad.push_str(&format!("{}\n", csv_line(&ps[0].nik, 0, "aktif"))); // 6: duplicate NIK and NIP
    let mut other_date = nip_for(&ps[1].nik, 7);
    other_date.replace_range(6..8, if &other_date[6..8] == "01" { "02" } else { "01" });
    bad.push_str(&format!("{other_date};{};X;PNS;aktif;BKN;;\n", ps[1].nik)); // 7: birth dates differ
    bad.push_str(&format!("{};{};X;PNS;cuti panjang;BKN;;\n", nip_for(&ps[3].nik, 8), ps[3].nik)); // 8
    let (_, body) = upload(&app, &bad, "").await;
    assert_eq!(body["status"], "rejected", "{body}");
    let kinds: Vec<(u64, String)> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["kind"].as_str().unwrap().to_owned()))
        .collect();
    for expected in [
        (3, "scientific_notation"),
        (4, "malformed_nip"),
        (5, "unknown_status_kepegawaian"),
        (6, "duplicate_nik"),
        (6, "duplicate_nip"),
        (7, "nik_nip_birth_date"),
        (8, "unknown_kedudukan_hukum"),
    ] {
        assert!(kinds.contains(&(expected.0, expected.1.to_owned())), "{expected:?} in {kinds:?}");
    }
    assert_eq!(body["inserted"], 0);
    let text = body.to_string();
    assert!(!text.contains(&ps[0].nik) && !text.contains(&ps[1].nik), "reports carry no values");
    let dashboard = app.get_json("/api/v1/admin/balikan").await.1;
    assert_eq!(dashboard["registry_size"], 5);
    let row0 = padan_backend::store::registry::count(app.state.store().pool()).await.unwrap();
    assert_eq!(row0, 5, "line 2's change was rolled back with the rest");
    let kedudukan: String = sqlx::query_scalar("SELECT kedudukan_hukum FROM asn_registry WHERE nik = $1")
        .bind(ps[0].nik.as_str())
        .fetch_one(app.state.store().pool())
        .await
        .unwrap();
    assert_eq!(kedudukan, "tugas_belajar");

    // A dry run of a valid change reports it and changes nothing.
    let one = format!("{HEADER}\n{}\n", csv_line(&ps[0].nik, 0, "Pensiun"));
    let (_, body) = upload(&app, &one, "&dry_run=true").await;
    assert_eq!((body["status"].as_str(), body["updated"].as_u64()), (Some("checked"), Some(1)), "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, stored) = app.get_json(&format!("/api/v1/admin/registry/imports/{id}")).await;
    assert_eq!((status, &stored["status"]), (200, &json!("checked")));
    let (_, history) = app.get_json("/api/v1/admin/registry/imports").await;
    assert_eq!(history.as_array().unwrap().len(), 4);
    assert_eq!(history[0]["status"], "checked");

    // A NIP already registered to another NIK is refused.
    let (a, b) = (synthetic_niks(1, 0).remove(0), synthetic_niks(1, 4032).remove(0));
    assert_eq!(nip_for(&a, 0), nip_for(&b, 0), "same birth date and sex");
    assert_eq!(upload(&app, &format!("{HEADER}\n{}\n", csv_line(&a, 0, "aktif")), "").await.1["status"], "applied");
    let (_, body) = upload(&app, &format!("{HEADER}\n{}\n", csv_line(&b, 0, "aktif")), "").await;
    assert_eq!((body["status"].as_str(), body["problems"][0]["kind"].as_str()), (Some("rejected"), Some("nip_taken")));

    // A missing column refuses the file.
    let (_, body) = upload(&app, "NIK,NAMA\n1,2\n", "").await;
    assert_eq!(body["problems"][0]["kind"], "missing_column", "{body}");
    assert!(body["problems"][0]["message"].as_str().unwrap().contains("NIP"));
    // Officers may not import.
    let Some(officer) = TestApp::on(engine).start_signed_in(Role::Officer).await else { return };
    assert_eq!(upload(&officer, &one, "").await.0, 403);
});

/// Verifies `p` through the API as the signed-in officer.
async fn verify(app: &TestApp, p: &padan_sim_dukcapil::Person) -> u16 {
    let claims = json!({ "NAMA_LGKP": p.nama_lgkp, "TGL_LHR": p.tgl_lhr.iso() });
    app.verify(&json!({ "nik": p.nik, "purpose": "data_casn_asn", "elements": claims })).await.0
}

both_engines!(accesses_enter_the_outbox_with_their_audit_record_and_are_delivered, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start_signed_in(Role::Admin).await else { return };
    let ps = people(10, 4);
    let csv = format!("{HEADER}\n{}\n{}\n", csv_line(&ps[0].nik, 1, "aktif"), csv_line(&ps[1].nik, 2, "MPP"));
    assert_eq!(upload(&app, &csv, "").await.1["status"], "applied");
    let (status, _) = app.sign_in("petugas", PASSWORD).await;
    assert_eq!(status, 200);
    for p in &ps[..3] {
        assert_eq!(verify(&app, p).await, 200);
    }
    // Another mechanism, the portal look-up, feeds the same outbox.
    let lookup = json!({ "nik": ps[3].nik, "purpose": "data_casn_asn", "reason": "Verifikasi berkas usul mutasi" });
    let (status, body) = app.post_as("/api/v1/lookup/portal", &lookup, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(verify(&app, &ps[0]).await, 200, "a second access of a pending NIK shares its row");
    // Not found: nobody's data was touched, nothing to report.
    let (status, _) = app
        .verify(&json!({ "nik": padan_sim_dukcapil::special::NOT_FOUND, "purpose": "data_casn_asn",
                         "elements": { "NAMA_LGKP": "SIAPA" } }))
        .await;
    assert_eq!(status, 200);
    let state = app.state.clone();
    let pool = state.store().pool();
    let rows = outbox::states(pool).await.unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let states: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(states, ["ready", "ready", "waiting", "waiting"]);
    // Each row points at its access's audit record.
    let linked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM balikan_outbox o JOIN audit_log a ON a.id = o.audit_id \
         WHERE a.nik_token = o.nik_token AND a.outcome = 'ok' AND a.event = 'access'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(linked, 4);

    let sender = Sender::new(&app.state).unwrap().expect("demo points the worker at the simulator");
    let cycle = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!((cycle.claimed, cycle.delivered, cycle.requests), (2, 2, 1), "{cycle:?}");
    let l = ledger(&app).await;
    assert_eq!((l["records"].as_u64(), l["duplicates"].as_u64()), (Some(2), Some(0)), "{l}");
    let entry = l["entries"].as_array().unwrap().iter().find(|e| e["nik"] == ps[1].nik.as_str()).unwrap().clone();
    assert_eq!(entry["nip"], nip_for(&ps[1].nik, 2));
    assert_eq!(entry["kedudukan_hukum"], "masa_persiapan_pensiun");
    assert_eq!(entry["status_kepegawaian"], "PNS");

    // The waiting NIK gets its NIP from the next import and is sent.
    app.sign_in("admin", PASSWORD).await;
    let (_, report) = upload(&app, &format!("{HEADER}\n{}\n", csv_line(&ps[2].nik, 3, "aktif")), "").await;
    assert_eq!(report["outbox_joined"], 1, "{report}");
    let cycle = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!(cycle.delivered, 1);
    // Accessed again after delivery: settled as delivered earlier, not sent twice.
    app.sign_in("petugas", PASSWORD).await;
    assert_eq!(verify(&app, &ps[0]).await, 200);
    balikan::join(&app.state).await.unwrap();
    let rows = outbox::states(pool).await.unwrap();
    assert_eq!(rows.last().unwrap().2.as_deref(), Some("earlier"), "{rows:?}");
    assert_eq!(ledger(&app).await["duplicates"], 0);
    app.sign_in("admin", PASSWORD).await;
    let (_, d) = app.get_json("/api/v1/admin/balikan").await;
    assert_eq!((&d["counts"]["delivered"], &d["counts"]["waiting"]), (&json!(4), &json!(1)), "{d}");
    assert_eq!(d["per_office"][0]["key"], "KANREG-V", "{d}");
    assert_eq!(d["per_day"][0]["key"], "2026-11-22", "{d}");
    assert!(d["oldest_undelivered_minutes"].is_null(), "waiting for a NIP is not undelivered: {d}");
});

/// Puts `niks` straight into the outbox as accesses (the worker tests do
/// not need Dukcapil), with a registry row each.
async fn seed_outbox(state: &AppState, niks: &[String]) {
    import_registry(state, niks).await;
    enqueue_accesses(state, niks).await;
}

/// The registry import as the admin page runs it (without its join).
async fn import_registry(state: &AppState, niks: &[String]) {
    let mut csv = format!("{HEADER}\n");
    for nik in niks {
        let serial: usize = nik[12..].parse::<usize>().unwrap() - 1;
        csv.push_str(&format!("{}\n", csv_line(nik, serial, "aktif")));
    }
    let req = padan_backend::services::registry::ImportRequest {
        file_name: "seed.csv".into(),
        by: "test".into(),
        dry_run: false,
    };
    let r = padan_backend::services::registry::import(state.store(), state.clock().as_ref(), csv.as_bytes(), &req)
        .await
        .unwrap();
    assert_eq!(r.status, padan_protocol::v1::ImportStatus::Applied, "{:?}", &r.problems[..r.problems.len().min(5)]);
}

/// One audited access per NIK, each entering the outbox.
async fn enqueue_accesses(state: &AppState, niks: &[String]) {
    let mut tx = state.store().pool().begin().await.unwrap();
    for (i, nik) in niks.iter().enumerate() {
        let record = padan_backend::store::audit::AuditRecord {
            at: state.clock().now_millis(),
            request_id: format!("seed-{i}"),
            event: "access".into(),
            client: "spa".into(),
            office_code: Some(if i % 2 == 0 { "KANREG-V" } else { "PUSAT" }.into()),
            mechanism: Some("verify_elements".into()),
            nik_token: Some(padan_backend::audit::nik_token(state.nik_key(), nik)),
            outcome: "ok".into(),
            ..Default::default()
        };
        let audit_id = padan_backend::audit::append_in(state, &mut tx, &record).await.unwrap();
        assert!(balikan::enqueue_in(state, &mut tx, &record, audit_id, nik).await.unwrap());
    }
    tx.commit().await.unwrap();
}

fn synthetic_niks(n: usize, offset: usize) -> Vec<String> {
    // Men born in 1990 in Jakarta Pusat (regency 3171), on varying days so
    // that NIPs (one serial range per birth date) stay unique.
    (0..n)
        .map(|i| {
            let j = offset + i;
            format!("317101{:02}{:02}90{:04}", j % 28 + 1, (j / 28) % 12 + 1, j / 336 + 1)
        })
        .collect()
}

async fn outbox_states(state: &AppState) -> padan_protocol::v1::OutboxCounts {
    outbox::counts(state.store().pool()).await.unwrap()
}

both_engines!(join_goes_slice_by_slice_and_misses_no_row, |engine| async move {
    let Some(app) = TestApp::on(engine).start_signed_in(Role::Admin).await else { return };
    // More rows than two slices, accessed before any is in the registry.
    let n = outbox::JOIN_SLICE * 2 + 500;
    let niks = synthetic_niks(n, 5_000);
    enqueue_accesses(&app.state, &niks).await;
    assert_eq!(outbox_states(&app.state).await.waiting, n as i64);
    // Every other NIK enters the registry: each slice has rows of both kinds.
    let registered: Vec<String> = niks.iter().step_by(2).cloned().collect();
    import_registry(&app.state, &registered).await;
    let first = balikan::join(&app.state).await.unwrap();
    assert_eq!(first.joined as usize, registered.len(), "{first:?}");
    let counts = outbox_states(&app.state).await;
    assert_eq!((counts.ready as usize, counts.waiting as usize), (registered.len(), n - registered.len()));
    let again = balikan::join(&app.state).await.unwrap();
    assert_eq!(again, outbox::JoinResult::default(), "a second pass finds nothing left to do");
    // After the horizon, every row still without a NIP is closed, in every slice.
    app.clock.advance(Duration::days(i64::from(app.state.config().balikan.horizon_days) + 1));
    let late = balikan::join(&app.state).await.unwrap();
    assert_eq!(late.closed as usize, n - registered.len(), "{late:?}");
    let counts = outbox_states(&app.state).await;
    assert_eq!(
        (counts.waiting, counts.closed as usize, counts.ready as usize),
        (0, n - registered.len(), registered.len())
    );
});

both_engines!(worker_backs_off_isolates_and_parks_a_poison_record, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start_signed_in(Role::Admin).await else { return };
    let niks = synthetic_niks(10, 0);
    seed_outbox(&app.state, &niks).await;
    let sender = Sender::new(&app.state).unwrap().unwrap();
    let cfg = app.state.config().balikan.clone();

    // The receiver is down: nothing is lost, the batch comes back later.
    set_balikan_faults(&app, json!({ "http_500": true, "times": 1 })).await;
    let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!((c.claimed, c.retried), (10, 10), "{c:?}");
    assert_eq!(balikan::run_cycle(&app.state, &sender).await.unwrap().claimed, 0, "backing off");

    // A poison record makes every batch holding it fail.
    set_balikan_faults(&app, json!({ "poison_niks": [niks[3]], "poison_status": 500 })).await;
    let mut parked = 0;
    for _ in 0..20 {
        app.clock.advance(Duration::seconds(cfg.backoff_max_secs as i64 * 2));
        let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
        parked += c.parked;
        if parked > 0 {
            break;
        }
    }
    assert_eq!(parked, 1);
    app.sign_in("admin", PASSWORD).await;
    let counts = outbox::counts(app.state.store().pool()).await.unwrap();
    assert_eq!((counts.delivered, counts.parked), (9, 1), "{counts:?}");
    let l = ledger(&app).await;
    assert_eq!((l["records"].as_u64(), l["duplicates"].as_u64()), (Some(9), Some(0)), "{l}");

    // The dashboard shows it, masked, with the upstream reason; the backlog alert fires.
    let (_, d) = app.get_json("/api/v1/admin/balikan").await;
    let p = &d["parked"][0];
    assert_eq!(p["nik_masked"], format!("{}********{}", &niks[3][..4], &niks[3][12..]), "{d}");
    assert!(p["reason"].as_str().unwrap().contains("HTTP 500"), "{d}");
    assert!(!d.to_string().contains(&niks[3]));
    app.clock.advance(Duration::hours(i64::from(cfg.alert_after_hours) + 1));
    balikan::check_backlog(&app.state).await.unwrap();
    app.sign_in("admin", PASSWORD).await;
    let (_, alerts) = app.get_json("/api/v1/admin/alerts").await;
    assert!(alerts["alerts"].as_array().unwrap().iter().any(|a| a["kind"] == "balikan_backlog"), "{alerts}");

    // Fixed upstream, an admin retries: delivered.
    set_balikan_faults(&app, json!({})).await;
    let (status, body) = app.post_as("/api/v1/admin/balikan/retry", &json!({}), None).await;
    assert_eq!((status, &body["retried"]), (200, &json!(1)), "{body}");
    let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!(c.delivered, 1);
    assert!(app.audit().await.iter().any(|r| r.event == "balikan_retry"));
});

both_engines!(refusals_split_at_once_garbage_retries_and_horizon_closes, |engine| async move {
    let Some(mut app) = TestApp::on(engine).start_signed_in(Role::Admin).await else { return };
    let niks = synthetic_niks(6, 100);
    seed_outbox(&app.state, &niks).await;
    let sender = Sender::new(&app.state).unwrap().unwrap();
    // A refused record (4xx): the batch is split at once and only it is parked.
    set_balikan_faults(&app, json!({ "poison_niks": [niks[5]], "poison_status": 422 })).await;
    let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!((c.delivered, c.parked, c.requests), (5, 1, 7), "{c:?}");
    // Garbage with HTTP 200 is not a success.
    let more = synthetic_niks(2, 200);
    seed_outbox(&app.state, &more).await;
    set_balikan_faults(&app, json!({ "garbage_body": true, "times": 1 })).await;
    let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
    assert_eq!((c.delivered, c.retried), (0, 2), "{c:?}");
    // A re-sent batch the receiver already has counts as delivered.
    sqlx::query("UPDATE balikan_outbox SET state = 'ready', delivery = NULL, next_attempt_at = 0 WHERE id <= 2")
        .execute(app.state.store().pool())
        .await
        .unwrap();
    app.clock.advance(Duration::hours(1));
    let c = balikan::run_cycle(&app.state, &sender).await.unwrap();
    // The two retried records were new: the mixed batch kept them, but its
    // answer ("already sent") names none, so each is asked alone.
    assert_eq!((c.delivered, c.already_sent), (0, 4), "{c:?}");
    // A NIK never found in the registry is closed after the horizon, with a reason.
    let pool = app.state.store().pool();
    let mut tx = pool.begin().await.unwrap();
    let record = padan_backend::store::audit::AuditRecord {
        at: app.state.clock().now_millis(),
        event: "access".into(),
        client: "siasn".into(),
        mechanism: Some("siasn_lookup".into()),
        outcome: "ok".into(),
        ..Default::default()
    };
    let id = padan_backend::audit::append_in(&app.state, &mut tx, &record).await.unwrap();
    balikan::enqueue_in(&app.state, &mut tx, &record, id, "3171010101909999").await.unwrap();
    tx.commit().await.unwrap();
    app.clock.advance(Duration::days(i64::from(app.state.config().balikan.horizon_days) + 1));
    let joined = balikan::join(&app.state).await.unwrap();
    assert_eq!(joined.closed, 1);
    let reason: String = sqlx::query_scalar("SELECT closed_reason FROM balikan_outbox WHERE state = 'closed'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(reason.contains("registri ASN"), "{reason}");
    app.sign_in("admin", PASSWORD).await;
    let (_, d) = app.get_json("/api/v1/admin/balikan").await;
    assert_eq!(d["per_office"].as_array().unwrap().iter().filter(|g| g["key"] == "SIASN").count(), 1, "{d}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_never_send_a_record_twice() {
    // PostgreSQL only (SQLite is a single-instance engine); in CI
    // TestApp::start panics when PADAN_TEST_POSTGRES_URL is missing.
    let Some(app) = TestApp::postgres().start().await else { return };
    let niks = synthetic_niks(3000, 1000);
    seed_outbox(&app.state, &niks).await;
    let second = AppState::build(app.state.config().clone(), app.clock.clone(), None).await.unwrap();
    set_balikan_faults(&app, json!({ "latency_ms": 15 })).await;
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for state in [app.state.clone(), second.clone(), app.state.clone(), second] {
        tasks.push(tokio::spawn(async move {
            let sender = Sender::new(&state).unwrap().unwrap();
            let mut sent = 0;
            loop {
                let c = balikan::run_cycle(&state, &sender).await.unwrap();
                sent += c.delivered;
                if c.claimed == 0 {
                    return sent;
                }
            }
        }));
    }
    let mut per_worker = Vec::new();
    for t in tasks {
        per_worker.push(t.await.unwrap());
    }
    let l = ledger(&app).await;
    assert_eq!(l["records"], 3000, "{per_worker:?}");
    assert_eq!(l["duplicates"], 0, "no record was sent by two workers: {per_worker:?}");
    assert_eq!(per_worker.iter().sum::<usize>(), 3000);
    assert!(per_worker.iter().filter(|n| **n > 0).count() >= 2, "both instances worked: {per_worker:?}");
    let counts = outbox::counts(app.state.store().pool()).await.unwrap();
    assert_eq!(counts.delivered, 3000);
    eprintln!("4 workers on 2 instances drained 3000 records in {:?}", started.elapsed());
}
