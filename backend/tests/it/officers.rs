//! Officer account management by admins: create and list, validation
//! (NIP, password policy, office), role and office changes that end the
//! officer's sessions, deactivation, second-factor reset, and the refusals
//! that keep the service administrable (no self-change, never the last
//! active admin) — all in the audit trail. Real HTTP, both engines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use padan_backend::{auth::Officer, services, store};
use padan_protocol::v1::{ChangeRoleRequest, Role, SessionStage, SetActiveRequest};
use reqwest::Method;
use serde_json::{Value, json};
use time::Duration;

use crate::support::{Engine, PASSWORD, TestApp};

const NEW_PASSWORD: &str = "sawah-hijau-di-lereng-merapi";
const NEW_NIP: &str = "199201012020121001";

async fn officer_id(app: &TestApp, username: &str) -> i64 {
    store::officers::by_username(app.state.store().pool(), username).await.unwrap().unwrap().id
}

/// `record` as the services see a caller whose request was already past
/// the door (its session's own fields do not matter here).
fn stale_session(record: &store::officers::OfficerRecord) -> Officer {
    Officer {
        id: record.id,
        info: record.info.clone(),
        token_hash: String::new(),
        csrf_token: String::new(),
        stage: SessionStage::Complete,
        session_created_at: 0,
    }
}

fn new_officer(username: &str, nip: &str, role: &str, office: &str, password: &str) -> Value {
    json!({ "username": username, "display_name": "Putu Ayu (uji)", "nip": nip, "role": role,
            "office_code": office, "password": password })
}

fn field_message(body: &Value) -> String {
    body["fields"][0]["message"].as_str().unwrap_or_default().to_owned()
}

/// The audit records of `event` with `outcome`, oldest first.
async fn audited(app: &TestApp, event: &str, outcome: &str) -> Vec<padan_backend::audit::AuditRecord> {
    // `recent` is newest first (the manual clock gives many records one time).
    let mut out: Vec<_> = app.audit().await.into_iter().filter(|r| r.event == event && r.outcome == outcome).collect();
    out.reverse();
    out
}

both_engines!(admins_create_and_list_officers_with_validation, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;

    // Only admins.
    let petugas = app.signed_in(Role::Officer).await;
    assert_eq!(petugas.get_json("/api/v1/admin/officers").await.0, 403);
    let body = new_officer("putu.ayu", NEW_NIP, "officer", "KANREG-I", NEW_PASSWORD);
    assert_eq!(petugas.post_json("/api/v1/admin/officers", Some(body.clone())).await.0, 403);

    // Refusals, each with a precise Bahasa Indonesia message on its field.
    let cases = [
        (new_officer("putu.ayu", "19920101", "officer", "KANREG-I", NEW_PASSWORD), "nip", "18 digit"),
        (new_officer("putu.ayu", "199213012020121001", "officer", "KANREG-I", NEW_PASSWORD), "nip", "Tanggal lahir"),
        (new_officer("putu.ayu", NEW_NIP, "officer", "KANREG-I", "pendek"), "password", "minimal 12"),
        (
            new_officer("putu.ayu", NEW_NIP, "officer", "KANREG-I", "putu.ayu-di-kantor-regional"),
            "password",
            "nama pengguna",
        ),
        (new_officer("putu.ayu", NEW_NIP, "officer", "KANREG-XX", NEW_PASSWORD), "office_code", "tidak dikenal"),
        (new_officer("Putu Ayu", NEW_NIP, "officer", "KANREG-I", NEW_PASSWORD), "username", "Nama pengguna"),
        (new_officer("petugas", NEW_NIP, "officer", "KANREG-I", NEW_PASSWORD), "username", "sudah dipakai"),
        (new_officer("putu.ayu", "199003152015032001", "officer", "KANREG-I", NEW_PASSWORD), "nip", "sudah terdaftar"),
    ];
    for (body, field, message) in cases {
        let (status, reply) = admin.post_json("/api/v1/admin/officers", Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {reply}");
        assert_eq!(reply["fields"][0]["field"], field, "{body}: {reply}");
        assert!(field_message(&reply).contains(message), "{body}: {reply}");
    }
    assert!(store::officers::by_username(app.state.store().pool(), "putu.ayu").await.unwrap().is_none());

    let (status, created) = admin.post_json("/api/v1/admin/officers", Some(body)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["username"], "putu.ayu");
    assert_eq!(created["role"], "officer");
    assert_eq!(created["office"]["code"], "KANREG-I");
    assert_eq!(created["nip"], NEW_NIP);
    assert_eq!(created["active"], true);
    assert_eq!(created["totp_enrolled"], false);
    assert_eq!(created["last_sign_in"], Value::Null);
    let id = created["id"].as_i64().unwrap();

    // The new officer signs in with the initial password; the list shows it.
    app.clock.advance(Duration::minutes(1));
    let putu = app.sign_in_as("putu.ayu", NEW_PASSWORD).await.unwrap();
    assert_eq!(putu.stage(), "complete");
    let (status, list) = admin.get_json("/api/v1/admin/officers").await;
    assert_eq!(status, 200);
    let rows = list["officers"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "five demo officers and the new one");
    let row = rows.iter().find(|o| o["id"] == id).unwrap();
    assert_eq!(row["display_name"], "Putu Ayu (uji)");
    assert_eq!(row["last_sign_in"], "2026-11-22 10:01 WIB", "{row}");
    assert!(list["offices"].as_array().unwrap().iter().any(|o| o["code"] == "KANREG-XIV"));
    assert_eq!(list["roles"].as_array().unwrap().len(), 5);
    // Never a password hash or a second-factor secret.
    let text = list.to_string();
    assert!(!text.contains("argon2") && !text.contains("password") && !text.contains("secret"), "{text}");

    let created = audited(&app, "officer_created", "ok").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].username.as_deref(), Some("admin"));
    assert_eq!(
        created[0].detail.as_deref(),
        Some(format!("officer {id} (putu.ayu): role officer, office KANREG-I").as_str())
    );
    assert!(app.audit().await.iter().all(|r| !format!("{r:?}").contains("merapi")), "no password in the trail");
});

both_engines!(role_change_ends_the_officers_sessions_and_is_audited, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let petugas = app.signed_in(Role::Officer).await;
    let other_device = app.signed_in(Role::Officer).await;
    let id = officer_id(&app, "petugas").await;
    let path = format!("/api/v1/admin/officers/{id}/role");

    let (status, body) = admin.post_json(&path, Some(json!({ "role": "officer" }))).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some("role")), "no change: {body}");
    let (status, body) = admin.post_json(&path, Some(json!({ "office_code": "KANREG-99" }))).await;
    assert_eq!(status, 422, "{body}");
    assert!(field_message(&body).contains("tidak dikenal"), "{body}");
    assert_eq!(admin.post_json("/api/v1/admin/officers/9999/role", Some(json!({ "role": "auditor" }))).await.0, 404);
    assert_eq!(petugas.get_json("/api/v1/session").await.0, 200, "refusals end nothing");

    let (status, view) = admin.post_json(&path, Some(json!({ "role": "supervisor", "office_code": "PUSAT" }))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["role"], "supervisor");
    assert_eq!(view["office"]["code"], "PUSAT");
    // Both sessions ended: the officer signs in again under the new role.
    assert_eq!(petugas.get_json("/api/v1/session").await.0, 401);
    assert_eq!(other_device.get_json("/api/v1/session").await.0, 401);
    let again = app.signed_in(Role::Officer).await;
    let (_, session) = again.get_json("/api/v1/session").await;
    assert_eq!(session["officer"]["role"], "supervisor");
    assert_eq!(session["officer"]["office"]["code"], "PUSAT");
    // The admin's own session is untouched.
    assert_eq!(admin.get_json("/api/v1/session").await.0, 200);

    let changes = audited(&app, "role_change", "ok").await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].username.as_deref(), Some("admin"));
    assert_eq!(changes[0].role.as_deref(), Some("admin"));
    assert_eq!(
        changes[0].detail.as_deref(),
        Some(format!("officer {id}: officer→supervisor, office KANREG-V→PUSAT; 2 session(s) ended").as_str())
    );

    // Office only.
    let (status, _) = admin.post_json(&path, Some(json!({ "office_code": "KANREG-II" }))).await;
    assert_eq!(status, 200);
    let changes = audited(&app, "role_change", "ok").await;
    assert_eq!(
        changes[1].detail.as_deref(),
        Some(format!("officer {id}: office PUSAT→KANREG-II; 1 session(s) ended").as_str())
    );
});

both_engines!(self_changes_and_the_last_admin_are_refused_and_audited, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let me = officer_id(&app, "admin").await;

    let (status, body) =
        admin.post_json(&format!("/api/v1/admin/officers/{me}/role"), Some(json!({ "role": "auditor" }))).await;
    assert_eq!(status, 422, "{body}");
    assert!(field_message(&body).contains("akun Anda sendiri"), "{body}");
    let (status, body) =
        admin.post_json(&format!("/api/v1/admin/officers/{me}/active"), Some(json!({ "active": false }))).await;
    assert_eq!(status, 422, "{body}");
    assert!(field_message(&body).contains("akun Anda sendiri"), "{body}");
    let (status, _) = admin.post_json(&format!("/api/v1/admin/officers/{me}/reset-second-factor"), None).await;
    assert_eq!(status, 422);
    let record = store::officers::by_id(app.state.store().pool(), me).await.unwrap().unwrap();
    assert_eq!((record.info.role, record.active), (Role::Admin, true));
    let denied = audited(&app, "role_change", "denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].detail.as_deref(), Some(format!("officer {me}: admin→auditor (own account)").as_str()));
    assert_eq!(audited(&app, "officer_deactivated", "denied").await.len(), 1);
    assert_eq!(audited(&app, "second_factor_reset", "denied").await.len(), 1);

    // A second admin, demoted by the first while it still held an admin
    // request in flight: that request must not demote or deactivate the
    // last active admin. (Over HTTP a stale admin is refused at the door;
    // the service re-checks inside its write transaction for the race.)
    let body = new_officer("admin2", NEW_NIP, "admin", "PUSAT", NEW_PASSWORD);
    assert_eq!(admin.post_json("/api/v1/admin/officers", Some(body)).await.0, 200);
    let record = store::officers::by_username(app.state.store().pool(), "admin2").await.unwrap().unwrap();
    let stale = stale_session(&record);
    let (status, view) = admin
        .post_json(&format!("/api/v1/admin/officers/{}/role", record.id), Some(json!({ "role": "officer" })))
        .await;
    assert_eq!(status, 200, "{view}");

    let req = ChangeRoleRequest { role: Some(Role::Officer), office_code: None };
    let err = services::officers::change_role(&app.state, &stale, me, req, "race-1").await.unwrap_err();
    assert!(format!("{err:?}").contains("satu-satunya admin aktif"), "{err:?}");
    let req = SetActiveRequest { active: false };
    let err = services::officers::set_active(&app.state, &stale, me, req, "race-2").await.unwrap_err();
    assert!(format!("{err:?}").contains("satu-satunya admin aktif"), "{err:?}");
    let record = store::officers::by_id(app.state.store().pool(), me).await.unwrap().unwrap();
    assert_eq!((record.info.role, record.active), (Role::Admin, true), "the last admin stays");
    let denied = audited(&app, "role_change", "denied").await;
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[1].request_id, "race-1");
    assert_eq!(denied[1].detail.as_deref(), Some(format!("officer {me}: admin→officer (last active admin)").as_str()));
    let denied = audited(&app, "officer_deactivated", "denied").await;
    assert_eq!(denied.len(), 2);
    assert!(denied[1].detail.as_deref().unwrap().ends_with("(last active admin)"));
    assert_eq!(admin.get_json("/api/v1/session").await.0, 200);
});

both_engines!(deactivation_ends_sessions_and_reactivation_restores_sign_in, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let petugas = app.signed_in(Role::Officer).await;
    let id = officer_id(&app, "petugas").await;
    let path = format!("/api/v1/admin/officers/{id}/active");

    let (status, view) = admin.post_json(&path, Some(json!({ "active": false }))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["active"], false);
    assert_eq!(petugas.get_json("/api/v1/session").await.0, 401);
    assert_eq!(app.sign_in_as("petugas", PASSWORD).await.err().map(|e| e.0), Some(401));
    let (status, body) = admin.post_json(&path, Some(json!({ "active": false }))).await;
    assert_eq!(status, 422, "already inactive: {body}");

    let (status, view) = admin.post_json(&path, Some(json!({ "active": true }))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["active"], true);
    assert!(app.sign_in_as("petugas", PASSWORD).await.is_ok());

    let off = audited(&app, "officer_deactivated", "ok").await;
    assert_eq!(off.len(), 1);
    assert_eq!(off[0].detail.as_deref(), Some(format!("officer {id} (petugas); 1 session(s) ended").as_str()));
    let on = audited(&app, "officer_reactivated", "ok").await;
    assert_eq!(on.len(), 1);
    assert_eq!(on[0].detail.as_deref(), Some(format!("officer {id} (petugas)").as_str()));
});

/// SQLite keeps the sessions it read in the last second in memory. Writes
/// made by this process clear that cache at once (the test above); one made
/// by another process on the same file (the command line, straight SQL)
/// is seen within the second.
#[tokio::test]
async fn a_session_ended_by_another_process_is_refused_within_a_second() {
    let app = TestApp::sqlite().start().await.expect("SQLite always runs");
    let petugas = app.signed_in(Role::Officer).await;
    assert_eq!(petugas.get_json("/api/v1/session").await.0, 200);
    sqlx::query("DELETE FROM sessions").execute(app.state.store().pool()).await.expect("delete");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(petugas.get_json("/api/v1/session").await.0, 401);
}

both_engines!(second_factor_reset_forces_enrolment, |engine| async move {
    let totp = json!({ "security": { "totp_required_roles": ["admin", "auditor"] } });
    let Some(app) = TestApp::on(engine).with_config(totp).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let auditor = app.signed_in(Role::Auditor).await;
    assert_eq!((admin.stage(), auditor.stage()), ("complete", "complete"));
    let id = officer_id(&app, "auditor").await;
    let (_, list) = admin.get_json("/api/v1/admin/officers").await;
    let row = list["officers"].as_array().unwrap().iter().find(|o| o["id"] == id).unwrap().clone();
    assert_eq!(row["totp_enrolled"], true);

    let path = format!("/api/v1/admin/officers/{id}/reset-second-factor");
    let (status, view) = admin.post_json(&path, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["totp_enrolled"], false);
    assert_eq!(auditor.get_json("/api/v1/session").await.0, 401, "the session ended");
    // At the next sign-in the auditor must enrol again before anything else.
    let again = app.signed_in(Role::Auditor).await;
    assert_eq!(again.stage(), "totp_enrolment_required");
    assert_eq!(again.get_json("/api/v1/audit/records").await.0, 403);

    // Nothing left to reset; an officer without a factor neither.
    let (status, body) = admin.post_json(&path, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(field_message(&body).contains("belum memasang"), "{body}");
    let petugas = officer_id(&app, "petugas").await;
    let (status, _) = admin.post_json(&format!("/api/v1/admin/officers/{petugas}/reset-second-factor"), None).await;
    assert_eq!(status, 422);

    let resets = audited(&app, "second_factor_reset", "ok").await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].detail.as_deref(), Some(format!("officer {id} (auditor); 1 session(s) ended").as_str()));
});

both_engines!(two_admins_demoting_each_other_at_once_leave_one_admin, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let body = new_officer("admin2", NEW_NIP, "admin", "PUSAT", NEW_PASSWORD);
    assert_eq!(admin.post_json("/api/v1/admin/officers", Some(body)).await.0, 200);
    let admin2 = app.sign_in_as("admin2", NEW_PASSWORD).await.unwrap();
    let (one, two) = (officer_id(&app, "admin").await, officer_id(&app, "admin2").await);
    let demote = json!({ "role": "officer" });
    let (path_two, path_one) =
        (format!("/api/v1/admin/officers/{two}/role"), format!("/api/v1/admin/officers/{one}/role"));
    let ((s1, b1), (s2, b2)) = tokio::join!(
        admin.post_json(&path_two, Some(demote.clone())),
        admin2.post_json(&path_one, Some(demote.clone())),
    );
    let mut statuses = [s1, s2];
    statuses.sort_unstable();
    // One wins; the other is refused: as the last admin (422, audited),
    // no longer an admin (403) or with its session already ended (401).
    assert_eq!(statuses[0], 200, "{b1} {b2}");
    assert!(matches!(statuses[1], 401 | 403 | 422), "{b1} {b2}");
    let admins: Vec<_> = store::officers::list_all(app.state.store().pool())
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.record.active && o.record.info.role == Role::Admin)
        .collect();
    assert_eq!(admins.len(), 1, "exactly one active admin remains");
});

both_engines!(the_last_admin_check_waits_for_a_concurrent_demotion, |engine| async move {
    // The interleaving of the race above, made deterministic: a writing
    // transaction demotes admin2 and holds its locks; meanwhile admin2 (a
    // request already past the door) tries to demote admin. The check must
    // wait for the first transaction and then see admin as the last one.
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    let body = new_officer("admin2", NEW_NIP, "admin", "PUSAT", NEW_PASSWORD);
    assert_eq!(admin.post_json("/api/v1/admin/officers", Some(body)).await.0, 200);
    let pool = app.state.store().pool();
    let record = store::officers::by_username(pool, "admin2").await.unwrap().unwrap();
    let me = officer_id(&app, "admin").await;
    let stale = stale_session(&record);

    let mut tx = app.state.store().begin_write().await.unwrap();
    let admins = store::officers::active_admins_for_update(&mut tx, app.state.store().engine()).await.unwrap();
    assert_eq!(admins, vec![me, record.id]);
    assert!(store::officers::set_role_office(&mut tx, record.id, Role::Officer, "PUSAT").await.unwrap());
    let state = app.state.clone();
    let racing = tokio::spawn(async move {
        let req = ChangeRoleRequest { role: Some(Role::Officer), office_code: None };
        services::officers::change_role(&state, &stale, me, req, "race").await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!racing.is_finished(), "the check did not wait for the demotion in flight");
    tx.commit().await.unwrap();
    let err = racing.await.unwrap().unwrap_err();
    assert!(format!("{err:?}").contains("satu-satunya admin aktif"), "{err:?}");
    let record = store::officers::by_id(pool, me).await.unwrap().unwrap();
    assert_eq!((record.info.role, record.active), (Role::Admin, true), "the last admin stays");
});

// Issue 14, finding 5: the review's display name, and every other free-text
// field an admin or auditor types, refuses control and invisible format
// characters with a field error; compatibility forms are normalised (NFKC).
both_engines!(free_text_refuses_control_and_format_characters, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let admin = app.signed_in(Role::Admin).await;
    for (name, code_point, kind) in [
        ("a\u{0}b\r\nc\u{1b}[31m", "U+0000", "karakter kendali"),
        ("Putu\u{1b}[31m Ayu", "U+001B", "karakter kendali"),
        ("Putu\tAyu", "U+0009", "karakter kendali"),
        ("Putu Ayu \u{202E}iju", "U+202E", "format tak terlihat"),
        ("Putu\u{200B}Ayu", "U+200B", "format tak terlihat"),
        ("\u{FEFF}Putu Ayu", "U+FEFF", "format tak terlihat"),
    ] {
        let mut body = new_officer("putu.ayu", NEW_NIP, "officer", "KANREG-I", NEW_PASSWORD);
        body["display_name"] = json!(name);
        let (status, reply) = admin.post_json("/api/v1/admin/officers", Some(body)).await;
        assert_eq!(status, 422, "{name:?}: {reply}");
        assert_eq!(reply["fields"][0]["field"], "display_name", "{reply}");
        assert!(field_message(&reply).contains(kind) && field_message(&reply).contains(code_point), "{reply}");
        assert!(reply["fields"][0]["message_en"].as_str().unwrap().contains(code_point), "{reply}");
    }
    assert!(store::officers::by_username(app.state.store().pool(), "putu.ayu").await.unwrap().is_none());

    // Fullwidth forms are the same name: stored NFKC, usernames compared NFKC.
    let mut body = new_officer("ｐｕｔｕ.ａｙｕ", NEW_NIP, "officer", "KANREG-I", NEW_PASSWORD);
    body["display_name"] = json!("ＰＵＴＵ　ＡＹＵ");
    let (status, created) = admin.post_json("/api/v1/admin/officers", Some(body)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!((created["username"].as_str(), created["display_name"].as_str()), (Some("putu.ayu"), Some("PUTU AYU")));
    let taken = new_officer("ｐｅｔｕｇａｓ", "199201012020121002", "officer", "KANREG-I", NEW_PASSWORD);
    let (status, reply) = admin.post_json("/api/v1/admin/officers", Some(taken)).await;
    assert_eq!((status, reply["fields"][0]["field"].as_str()), (422, Some("username")), "{reply}");
    assert!(field_message(&reply).contains("sudah dipakai"), "{reply}");
    app.clock.advance(Duration::minutes(1));
    assert!(
        app.sign_in_as("ｐｕｔｕ.ａｙｕ", NEW_PASSWORD).await.is_ok(),
        "the fullwidth username is the same account"
    );

    // Agreement texts.
    let texts = [("title", "PKS \u{202E}4202"), ("numbers", "B/1\u{0}/2026"), ("clause", "Pasal\u{1b}[8m 2")];
    for (field, value) in texts {
        let mut grant = json!({ "mechanism": "verify_elements", "client": "officer", "clause": "Pasal 2",
                                "elements": ["NAMA_LGKP"] });
        let mut body = json!({ "code": "pks-uji", "title": "PKS uji", "numbers": "B/1/2026",
                               "signed_on": "2026-11-01", "valid_until": "2027-11-01" });
        if field == "clause" {
            grant["clause"] = json!(value);
        } else {
            body[field] = json!(value);
        }
        body["grants"] = json!([grant]);
        let (status, reply) = admin.post_json("/api/v1/admin/agreements", Some(body)).await;
        let expected = if field == "clause" { "grants" } else { field };
        assert_eq!((status, reply["fields"][0]["field"].as_str()), (422, Some(expected)), "{field}: {reply}");
        assert!(field_message(&reply).contains("tidak diizinkan"), "{reply}");
    }
    assert!(store::agreements::all(app.state.store().pool()).await.unwrap().iter().all(|a| a.code != "pks-uji"));

    // The registry import's file name (a query parameter).
    let r = admin
        .writing(Method::POST, "/api/v1/admin/registry/imports?file_name=asn%1B%5B2J.csv&dry_run=true")
        .header("content-type", "text/csv")
        .body("nik,nip\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let reply: Value = r.json().await.unwrap();
    assert!(reply["message"].as_str().unwrap().contains("file_name: karakter kendali"), "{reply}");

    // Audit filters.
    let auditor = app.signed_in(Role::Auditor).await;
    let (status, reply) = auditor.get_json("/api/v1/audit/records?officer=petugas%00%1B").await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["message"].as_str().unwrap().contains("officer: karakter kendali"), "{reply}");
});

// Text stored before the check (or by an older version) is shown with its
// control and format characters escaped: on the watermark, the officers
// list, the audit screen and the CSV export.
both_engines!(text_stored_before_the_check_is_shown_escaped, |engine| async move {
    let Some(app) = TestApp::on(engine).start().await else { return };
    let pool = app.state.store().pool();
    sqlx::query("UPDATE officers SET display_name = $1 WHERE username = 'petugas'")
        .bind("Rina\u{1b}[31m \u{202E}atsuK")
        .execute(pool)
        .await
        .unwrap();
    let shown = "Rina\\u{001B}[31m \\u{202E}atsuK";
    let petugas = app.signed_in(Role::Officer).await;
    let (_, session) = petugas.get_json("/api/v1/session").await;
    assert_eq!(session["officer"]["display_name"], shown, "{session}");
    let lookup = json!({ "nik": padan_sim_dukcapil::special::ACTIVE, "purpose": "data_casn_asn",
                         "reason": "Verifikasi berkas usul kenaikan pangkat" });
    let (status, body) = petugas.post_json("/api/v1/lookup/portal", Some(lookup)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["watermark"]["officer"], shown, "{body}");

    let admin = app.signed_in(Role::Admin).await;
    let (_, list) = admin.get_json("/api/v1/admin/officers").await;
    let row = list["officers"].as_array().unwrap().iter().find(|o| o["username"] == "petugas").unwrap().clone();
    assert_eq!(row["display_name"], shown, "{row}");

    let mut record = padan_backend::audit::AuditRecord {
        at: app.state.clock().now_millis(),
        request_id: "legacy-1".into(),
        event: "legacy_note".into(),
        officer_id: None,
        username: Some("petugas\u{7}".into()),
        office_code: None,
        role: None,
        client: "spa".into(),
        mechanism: None,
        purpose: None,
        nik_token: None,
        outcome: "ok".into(),
        verdicts: None,
        detail: None,
    };
    // PostgreSQL's text cannot hold NUL at all (it refuses the row): there
    // the oldest rows can hold SOH at worst.
    let (nul, nul_shown) = if engine == Engine::Postgres { ('\u{1}', "\\u{0001}") } else { ('\u{0}', "\\u{0000}") };
    record.detail = Some(format!("reason: cek{nul} \u{1b}[2J\u{202E}lapin\r\n=1+1"));
    padan_backend::audit::append(&app.state, &record).await.unwrap();
    let auditor = app.signed_in(Role::Auditor).await;
    let (status, page) = auditor.get_json("/api/v1/audit/records?event=legacy_note").await;
    assert_eq!(status, 200, "{page}");
    let entry = &page["records"][0];
    let detail_shown = format!("reason: cek{nul_shown} \\u{{001B}}[2J\\u{{202E}}lapin\\u{{000D}}\\u{{000A}}=1+1");
    assert_eq!(entry["detail"], detail_shown.as_str(), "{entry}");
    assert_eq!(entry["officer"], "petugas\\u{0007}", "{entry}");
    let csv = auditor.get("/api/v1/audit/records.csv?event=legacy_note").await.text().await.unwrap();
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(rows.len(), 3, "header, one row, end: {csv:?}");
    assert!(rows[1].contains(&detail_shown), "{csv:?}");
    let raw = |c: char| padan_protocol::validate::is_control(c) || padan_protocol::validate::is_format(c);
    assert!(!csv.chars().any(|c| raw(c) && c != '\r' && c != '\n'), "only the row ends are raw: {csv:?}");
    assert!(!rows[1].contains(['\r', '\n']), "{csv:?}");
});
