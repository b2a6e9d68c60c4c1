//! The tamper-evident audit trail: each kind of tampering, done with direct
//! SQL as someone with database access would, is caught by `verify` and
//! reported at the right record; clean chains verify; parallel appends keep
//! the chain whole; the real `padan audit` binary agrees; the auditor and
//! supervisor views filter, scope, export and are themselves audited; the
//! misuse signals fire on the injected clock. Both engines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{Engine, TestApp};
use padan_backend::{
    audit::{
        self, AuditRecord,
        chain::{self, Report, Tamper},
    },
    store::audit as rows,
};
use serde_json::{Value, json};
use sqlx::Row;
use time::macros::datetime;

const NIK: &str = "3171015501900001";

async fn start(engine: Engine, extra: Value) -> Option<TestApp> {
    TestApp::on(engine).with_config(extra).start().await
}

fn record(i: usize) -> AuditRecord {
    AuditRecord {
        at: 1_790_000_000_000 + i as i64 * 1000,
        request_id: format!("req-{i}"),
        event: "access".into(),
        officer_id: Some(1 + (i % 3) as i64),
        username: Some(["petugas", "supervisor", "helpdesk"][i % 3].into()),
        office_code: Some(["KANREG-V", "KANREG-V", "PUSAT"][i % 3].into()),
        role: Some("officer".into()),
        client: "spa".into(),
        mechanism: Some("verify_elements".into()),
        purpose: Some("data_casn_asn".into()),
        nik_token: Some(format!("{i:064x}")),
        outcome: "ok".into(),
        verdicts: Some("NIK:S".into()),
        detail: Some(format!("record {i}")),
    }
}

async fn fill(app: &TestApp, n: usize) {
    for i in 0..n {
        audit::append(&app.state, &record(i)).await.expect("append");
    }
}

/// Verifies through the pool and, on SQLite, also through the in-place
/// reader `padan audit verify` uses: both must say the same.
async fn verify_with(app: &TestApp, exported: &[rows::CheckpointRow]) -> Report {
    let trusted = app.state.config().audit.trusted_keys();
    let report =
        chain::verify(app.state.store().pool(), app.state.store().engine(), &trusted, exported).await.expect("verify");
    if let Some(path) = &app.db_path {
        let (path, exported) = (path.clone(), exported.to_vec());
        let trusted = trusted.clone();
        let in_place = tokio::task::spawn_blocking(move || chain::verify_sqlite_file(&path, &trusted, &exported))
            .await
            .unwrap()
            .expect("verify in place");
        assert_eq!(in_place, report, "the two SQLite readers disagree");
    }
    report
}

async fn verify(app: &TestApp) -> Report {
    verify_with(app, &[]).await
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(app.state.store().pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn id_at(app: &TestApp, seq: i64) -> i64 {
    sqlx::query("SELECT id FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_one(app.state.store().pool())
        .await
        .expect("id")
        .try_get(0)
        .expect("id")
}

/// The head, with `hash` the last record's (the stored one is refreshed
/// at checkpoints only).
async fn head(app: &TestApp) -> rows::Head {
    let mut h = rows::head(app.state.store().pool()).await.expect("head");
    if let Some(hash) = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(h.seq)
        .fetch_optional(app.state.store().pool())
        .await
        .expect("last hash")
    {
        h.hash = hash.try_get(0).expect("hash");
    }
    h
}

/// What someone with database access and the (public) algorithm would do
/// to hide a change: recompute every hash from `from_seq` on.
async fn recompute_chain(app: &TestApp) {
    let pool = app.state.store().pool();
    let all: Vec<rows::StoredRecord> = sqlx::query(&rows::chain_walk_sql())
        .try_map(|r: sqlx::any::AnyRow| rows::stored(&r))
        .fetch_all(pool)
        .await
        .expect("rows");
    let mut prev = chain::GENESIS.to_owned();
    let mut conn = pool.acquire().await.expect("conn");
    for r in all {
        let seq = r.seq.expect("seq");
        let hash = chain::record_hash_hex(seq, &prev, &r.record);
        rows::set_chain(&mut conn, r.id, seq, &prev, &hash).await.expect("rechain");
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(pool).await.expect("head");
}

both_engines!(clean_chain_reports_ok_with_count_and_head, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 25).await;
    let report = verify(&app).await;
    let h = head(&app).await;
    assert_eq!(report.tamper, None, "{report}");
    assert_eq!(report.records as i64, h.seq);
    assert!(h.seq >= 25);
    assert_eq!(report.head, h.hash);
    assert_eq!(report.to_string(), format!("OK, {} records, head {}", h.seq, h.hash));
});

/// SQLite: once a checkpoint has copied the write-ahead log, the next
/// commit starts it over *from the start of the same file*, which keeps its
/// size (`journal_size_limit = -1`). Cutting it back instead frees its
/// blocks, which on a disk mounted with `discard` waits for the device
/// inside the commit that holds the write lock: one took 821 ms.
#[tokio::test]
async fn sqlite_log_starts_over_without_being_cut_back() {
    let app = start(Engine::Sqlite, json!({})).await.expect("SQLite always runs");
    let mut wal = app.state.store().sqlite_path().expect("a database file").as_os_str().to_owned();
    wal.push("-wal");
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut grown = 0;
    for i in 0..300 {
        audit::append(&app.state, &record(i)).await.expect("append");
        grown = grown.max(size());
    }
    assert!(grown > 256 * 1024, "the log should have grown past 256 KiB, reached {grown} bytes");
    let frames = || async {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(app.state.store().pool())
            .await
            .expect("checkpoint")
            .try_get::<i64, _>(1)
            .expect("log frames")
    };
    // The log starts over once a checkpoint has copied all of it; the
    // background checkpointer may hold the checkpoint lock at that moment,
    // so try a few times. Started over, it holds only the new frames.
    let mut restarted = false;
    for i in 300..320 {
        app.state.store().checkpoint().await.expect("checkpoint");
        audit::append(&app.state, &record(i)).await.expect("append");
        if frames().await < 20 {
            restarted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(restarted, "the log never started over");
    let kept = size();
    assert!(kept >= grown, "the log file was cut back to {kept} bytes (high-water {grown}) when it started over");
}

both_engines!(modified_field_is_caught_at_its_record, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 20).await;
    let id = id_at(&app, 7).await;
    exec(&app, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 7").await;
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Modified { seq: 7, id }));
});

both_engines!(modified_record_with_recomputed_own_hash_is_caught, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 20).await;
    // Change record 9 and fix its own hash (not the ones after it).
    let id = id_at(&app, 9).await;
    let pool = app.state.store().pool();
    let mut conn = pool.acquire().await.unwrap();
    let mut stored = rows::by_id(&mut conn, id).await.unwrap().unwrap();
    stored.record.nik_token = Some("f".repeat(64));
    let prev = stored.prev_hash.clone().unwrap();
    let hash = chain::record_hash_hex(9, &prev, &stored.record);
    sqlx::query("UPDATE audit_log SET nik_token = $1, hash = $2 WHERE id = $3")
        .bind(stored.record.nik_token.as_deref())
        .bind(&hash)
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Modified { seq: 9, id }));
});

both_engines!(deleted_record_is_caught, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 20).await;
    exec(&app, "DELETE FROM audit_log WHERE seq = 5").await;
    let report = verify(&app).await;
    assert_eq!(report.tamper, Some(Tamper::Deleted { seq: 5 }));
    assert_eq!(report.records, 4);
});

both_engines!(inserted_records_are_caught, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 10).await;
    let pool = app.state.store().pool();
    // A row slipped in without a place in the chain.
    let mut conn = pool.acquire().await.unwrap();
    let id = rows::insert(&mut conn, &record(99), None).await.unwrap();
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Inserted { id, seq: None }));
    exec(&app, &format!("DELETE FROM audit_log WHERE id = {id}")).await;
    assert_eq!(verify(&app).await.tamper, None);

    // A well-formed, correctly linked record appended behind Padan's back.
    let h = head(&app).await;
    let r = record(100);
    let hash = chain::record_hash_hex(h.seq + 1, &h.hash, &r);
    let id = rows::insert(&mut conn, &r, Some((h.seq + 1, &h.hash, &hash))).await.unwrap();
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Inserted { id, seq: Some(h.seq + 1) }));
});

both_engines!(reordered_records_are_caught, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 20).await;
    let moved = id_at(&app, 9).await;
    exec(&app, "UPDATE audit_log SET seq = -1 WHERE seq = 8").await;
    exec(&app, "UPDATE audit_log SET seq = 8 WHERE seq = 9").await;
    exec(&app, "UPDATE audit_log SET seq = 9 WHERE seq = -1").await;
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Reordered { seq: 8, id: moved, recorded_seq: 9 }));
});

both_engines!(truncated_tail_after_a_checkpoint_is_caught, |engine| async move {
    let Some(app) = start(engine, json!({ "audit": { "checkpoint_every": 5 } })).await else { return };
    fill(&app, 12).await;
    let checkpoints = rows::checkpoints(app.state.store().pool()).await.unwrap();
    let last_cp = checkpoints.last().unwrap().seq;
    assert!(last_cp >= 10, "{checkpoints:?}");
    // Cut the tail and make the head agree, as a careful intruder would.
    let keep = last_cp - 3;
    exec(&app, &format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
    let hash: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(keep)
        .fetch_one(app.state.store().pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(&hash)
        .execute(app.state.store().pool())
        .await
        .unwrap();
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Truncated { last_seq: keep, expected_seq: last_cp }));
    // Without the head fix-up the head alone gives it away.
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 6).await;
    let total = head(&app).await.seq;
    exec(&app, &format!("DELETE FROM audit_log WHERE seq = {total}")).await;
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Truncated { last_seq: total - 1, expected_seq: total }));
});

both_engines!(recomputed_chain_is_caught_by_signed_checkpoints, |engine| async move {
    let Some(app) = start(engine, json!({ "audit": { "checkpoint_every": 5 } })).await else { return };
    fill(&app, 17).await;
    let exported = rows::checkpoints(app.state.store().pool()).await.unwrap();
    let first_cp = exported.first().unwrap().seq;
    // The first checkpoint at or after the changed record, and the one before.
    let covering = exported.iter().find(|c| c.seq >= 3).unwrap().seq;
    let before = exported.iter().filter(|c| c.seq < 3).map(|c| c.seq).max().unwrap_or(0);
    exec(&app, "UPDATE audit_log SET username = 'someone-else' WHERE seq = 3").await;
    recompute_chain(&app).await;
    // The chain itself is consistent again; the checkpoint is not fooled.
    let rewritten = Some(Tamper::Rewritten { from_seq: before + 1, to_seq: covering });
    assert_eq!(verify(&app).await.tamper, rewritten);

    // Forge the checkpoints too, with a key of one's own: not trusted.
    let pool = app.state.store().pool();
    exec(&app, "DELETE FROM audit_checkpoints").await;
    let forger = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let mut conn = pool.acquire().await.unwrap();
    for c in &exported {
        let hash: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(c.seq)
            .fetch_one(pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        rows::insert_checkpoint(&mut conn, &chain::sign_checkpoint(&forger, c.seq, &hash, c.at)).await.unwrap();
    }
    match verify(&app).await.tamper {
        Some(Tamper::BadCheckpoint { seq, reason }) => {
            assert_eq!(seq, first_cp);
            assert!(reason.contains("not trusted"), "{reason}");
        }
        other => panic!("forged checkpoint not caught: {other:?}"),
    }

    // Keep the genuine key's signature but change the hash: bad signature.
    exec(&app, "DELETE FROM audit_checkpoints").await;
    for c in &exported {
        let mut c = c.clone();
        c.hash = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(c.seq)
            .fetch_one(pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        rows::insert_checkpoint(&mut conn, &c).await.unwrap();
    }
    match verify(&app).await.tamper {
        Some(Tamper::BadCheckpoint { seq, reason }) => {
            assert_eq!(seq, covering);
            assert!(reason.contains("signature"), "{reason}");
        }
        other => panic!("altered checkpoint not caught: {other:?}"),
    }

    // Remove every checkpoint: the exported copy still catches the rewrite.
    exec(&app, "DELETE FROM audit_checkpoints").await;
    assert_eq!(verify(&app).await.tamper, None, "without any checkpoint a full rewrite is invisible");
    assert_eq!(verify_with(&app, &exported).await.tamper, rewritten);
});

both_engines!(records_from_before_the_chain_are_chained_once, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    let pool = app.state.store().pool();
    let mut conn = pool.acquire().await.unwrap();
    let before = head(&app).await.seq;
    if before != 0 {
        return; // start-up already wrote chained records: nothing to migrate
    }
    for i in 0..3 {
        rows::insert(&mut conn, &record(i), None).await.unwrap();
    }
    assert_eq!(chain::chain_legacy(pool).await.unwrap(), 3);
    assert_eq!(verify(&app).await.tamper, None);
    fill(&app, 2).await;
    // Once the chain has begun, a row without a place stays visible.
    let id = rows::insert(&mut conn, &record(9), None).await.unwrap();
    assert_eq!(chain::chain_legacy(pool).await.unwrap(), 0);
    assert_eq!(verify(&app).await.tamper, Some(Tamper::Inserted { id, seq: None }));
});

both_engines!(parallel_appends_keep_one_chain, |engine| async move {
    let Some(app) = start(engine, json!({ "audit": { "checkpoint_every": 10 } })).await else { return };
    let before = head(&app).await.seq;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let state = app.state.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    audit::append(&state, &record(t * 100 + i)).await.expect("append");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let report = verify(&app).await;
    assert_eq!(report.tamper, None, "{report}");
    assert_eq!(report.records as i64, before + 200);
    let checkpoints = rows::checkpoints(app.state.store().pool()).await.unwrap();
    assert!(checkpoints.len() >= 20, "{} checkpoints", checkpoints.len());
});

both_engines!(group_commit_answers_each_caller_with_its_own_record, |engine| async move {
    let Some(app) = start(engine, json!({ "audit": { "checkpoint_every": 50 } })).await else { return };
    let before = head(&app).await.seq;
    // 300 concurrent accesses over 40 NIKs: batches form while earlier ones
    // commit, and each caller must get the id of its own record back.
    let niks: Vec<String> = (0..40).map(|i| format!("31710155019{i:05}")).collect();
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let state = app.state.clone();
            let nik = niks[i % niks.len()].clone();
            tokio::spawn(async move {
                let mut r = record(i);
                r.nik_token = Some(audit::nik_token(state.nik_key(), &nik));
                let pending = padan_backend::services::balikan::pending(&state, &r, &nik);
                let id = audit::append_access(&state, r, pending).await.expect("append");
                (i, id)
            })
        })
        .collect();
    for t in tasks {
        let (i, id) = t.await.unwrap();
        let row = sqlx::query("SELECT request_id FROM audit_log WHERE id = $1")
            .bind(id)
            .fetch_one(app.state.store().pool())
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>(0).unwrap(), format!("req-{i}"), "caller {i} got another's id");
    }
    let report = verify(&app).await;
    assert_eq!(report.tamper, None, "{report}");
    assert_eq!(report.records as i64, before + 300);
    // On SQLite a request commits its own record when the writer is free
    // and queues otherwise: with 300 at once, both paths were taken, and
    // the chain above is whole across them.
    let (by_request, by_queue) = app.state.audit().paths();
    match engine {
        Engine::Sqlite => assert!(by_request > 0 && by_queue > 0, "{by_request} by request, {by_queue} queued"),
        Engine::Postgres => assert_eq!(by_request, 0),
    }
    // One pending outbox row per NIK, each pointing at an access to it.
    let rows = sqlx::query(
        "SELECT o.nik_token, l.nik_token FROM balikan_outbox o JOIN audit_log l ON l.id = o.audit_id \
         WHERE o.state IN ('waiting', 'ready')",
    )
    .fetch_all(app.state.store().pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), niks.len());
    for r in rows {
        assert_eq!(r.try_get::<String, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap());
    }
});

both_engines!(one_failing_record_fails_only_its_own_request, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    let pool = app.state.store().pool();
    // A record the database refuses, as a full disk or a broken row would.
    match engine {
        Engine::Sqlite => {
            sqlx::query(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_log WHEN NEW.request_id = 'poison' \
                 BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
            )
            .execute(pool)
            .await
            .unwrap();
        }
        Engine::Postgres => {
            sqlx::raw_sql(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
                   IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'poison refused'; END IF; RETURN NEW; \
                 END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_poison();",
            )
            .execute(pool)
            .await
            .unwrap();
        }
    }
    let before = head(&app).await.seq;
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let state = app.state.clone();
            tokio::spawn(async move {
                let mut r = record(i);
                if i % 20 == 7 {
                    r.request_id = "poison".into();
                }
                audit::append(&state, &r).await
            })
        })
        .collect();
    let mut refused = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.unwrap() {
            Ok(_) => assert_ne!(i % 20, 7, "the poison record was accepted"),
            Err(e) => {
                assert_eq!(i % 20, 7, "record {i} failed with the poison: {e}");
                assert!(e.to_string().contains("poison refused"), "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 3);
    let report = verify(&app).await;
    assert_eq!(report.tamper, None, "{report}");
    assert_eq!(report.records as i64, before + 57, "every other record is in the chain, without gaps");
});

both_engines!(append_in_commits_with_the_callers_transaction, |engine| async move {
    let Some(app) = start(engine, json!({})).await else { return };
    fill(&app, 3).await;
    let before = head(&app).await.seq;
    let mut tx = app.state.store().pool().begin().await.unwrap();
    audit::append_in(&app.state, &mut tx, &record(1)).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(head(&app).await.seq, before, "a rolled-back append leaves no trace and no gap");
    let mut tx = app.state.store().pool().begin().await.unwrap();
    let id = audit::append_in(&app.state, &mut tx, &record(2)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(id_at(&app, before + 1).await, id);
    assert_eq!(verify(&app).await.tamper, None);
});

both_engines!(the_padan_binary_verifies_and_exports, |engine| async move {
    let Some(app) = start(engine, json!({ "audit": { "checkpoint_every": 4 } })).await else { return };
    fill(&app, 10).await;
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("checkpoints.jsonl");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_padan"))
            .args(args)
            .env_clear()
            .current_dir(dir.path())
            .env("PADAN_DEMO__ENABLED", "true")
            .env("PADAN_DATABASE__URL", app.state.config().database.url.expose())
            .env("PADAN_SECURITY__NIK_TOKEN_KEY", "11".repeat(32))
            .env("PADAN_AUDIT__SIGNING_KEY", "22".repeat(32))
            .output()
            .expect("run padan");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let h = head(&app).await;
    let (code, stdout) = run(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(stdout.trim(), format!("OK, {} records, head {}", h.seq, h.hash));
    let (code, _) = run(&["audit", "export-checkpoints", "--out", exported.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    let lines = std::fs::read_to_string(&exported).unwrap();
    assert!(lines.lines().count() >= 2, "{lines}");
    let (code, _) = run(&["audit", "verify", "--checkpoints", exported.to_str().unwrap()]);
    assert_eq!(code, Some(0));

    exec(&app, "UPDATE audit_log SET event = 'x' WHERE seq = 2").await;
    recompute_chain(&app).await;
    exec(&app, "DELETE FROM audit_checkpoints").await;
    let (code, stdout) = run(&["audit", "verify", "--checkpoints", exported.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("TAMPERED: the chain was rewritten"), "{stdout}");
    let (code, _) = run(&["audit", "verify", "--bogus"]);
    assert_eq!(code, Some(2));
});

// ---- the auditor and supervisor views ------------------------------------

async fn seed_views(app: &TestApp) -> String {
    let token = audit::nik_token(app.state.nik_key(), NIK);
    for (i, (user, office, mechanism, outcome)) in [
        ("petugas", "KANREG-V", "verify_elements", "ok"),
        ("petugas", "KANREG-V", "portal_lookup", "denied"),
        ("lain", "KANREG-I", "verify_elements", "ok"),
        ("lain", "KANREG-I", "face_match", "upstream_error"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = record(i);
        r.at = app.state.clock().now_millis() - 3_600_000;
        r.username = Some(user.into());
        r.office_code = Some(office.into());
        r.mechanism = Some(mechanism.into());
        r.outcome = outcome.into();
        r.nik_token = Some(if i == 0 || i == 2 { token.clone() } else { format!("{i:064x}") });
        audit::append(&app.state, &r).await.unwrap();
    }
    token
}

fn officers(body: &Value) -> Vec<(String, String)> {
    body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "access")
        .map(|r| (r["officer"].as_str().unwrap().to_owned(), r["mechanism"].as_str().unwrap().to_owned()))
        .collect()
}

both_engines!(auditor_filters_the_trail_and_reading_is_audited, |engine| async move {
    let Some(mut app) = start(engine, json!({})).await else { return };
    let token = seed_views(&app).await;
    assert_eq!(app.sign_in("auditor", crate::support::PASSWORD).await.0, 200);

    let (status, body) = app.get_json("/api/v1/audit/records?event=access&office=KANREG-I").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(officers(&body).len(), 2);
    let (_, body) = app.get_json("/api/v1/audit/records?mechanism=face_match").await;
    assert_eq!(officers(&body), vec![("lain".to_owned(), "face_match".to_owned())]);
    let (_, body) = app.get_json("/api/v1/audit/records?outcome=denied&officer=petugas").await;
    assert_eq!(officers(&body), vec![("petugas".to_owned(), "portal_lookup".to_owned())]);
    let (_, body) = app.get_json("/api/v1/audit/records?event=access&from=2026-11-22&to=2026-11-22").await;
    assert_eq!(officers(&body).len(), 4);
    let (_, body) = app.get_json("/api/v1/audit/records?event=access&from=2026-11-23").await;
    assert_eq!(officers(&body).len(), 0);

    // By NIK: the server computes the token; the NIK never comes back.
    let r = app.get(&format!("/api/v1/audit/records?event=access&nik={NIK}")).await;
    let text = r.text().await.unwrap();
    assert!(!text.contains(NIK), "the NIK was echoed");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(officers(&body).len(), 2);
    assert!(body["records"].as_array().unwrap().iter().all(|r| r["nik_token"] == token.as_str()));
    let (status, body) = app.get_json("/api/v1/audit/records?nik=12345").await;
    assert_eq!(status, 400, "{body}");

    // Paging.
    let (_, page1) = app.get_json("/api/v1/audit/records?event=access&limit=3").await;
    assert_eq!(page1["records"].as_array().unwrap().len(), 3);
    let next = page1["next_before_id"].as_i64().expect("a next page");
    let (_, page2) = app.get_json(&format!("/api/v1/audit/records?event=access&limit=3&before_id={next}")).await;
    assert_eq!(page2["records"].as_array().unwrap().len(), 1);
    assert!(page2["next_before_id"].is_null());

    // Every read above is in the trail, the NIK search with its token only.
    let trail = app.audit().await;
    let reads: Vec<_> = trail.iter().filter(|r| r.event == "audit_read").collect();
    assert_eq!(reads.len(), 8);
    assert!(reads.iter().all(|r| r.username.as_deref() == Some("auditor")));
    let nik_read = reads.iter().find(|r| r.nik_token.is_some()).expect("the NIK search is audited");
    assert_eq!(nik_read.nik_token.as_deref(), Some(token.as_str()));
    assert!(trail.iter().all(|r| !format!("{r:?}").contains(NIK)), "a NIK reached the trail");

    // CSV: same filters, audited as an export.
    let r = app.get("/api/v1/audit/records.csv?event=access&office=KANREG-V").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<_> = csv.lines().collect();
    assert!(lines[0].starts_with("id,seq,waktu,peristiwa,petugas,kantor"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1..].iter().all(|l| l.contains(",petugas,KANREG-V,")));
    assert!(app.audit().await.iter().any(|r| r.event == "audit_export"));
    assert_eq!(verify(&app).await.tamper, None);
});

both_engines!(supervisors_see_their_office_only_and_officers_nothing, |engine| async move {
    let Some(mut app) = start(engine, json!({})).await else { return };
    seed_views(&app).await;
    assert_eq!(app.sign_in("supervisor", crate::support::PASSWORD).await.0, 200);
    let (status, body) = app.get_json("/api/v1/audit/records?event=access&office=KANREG-I").await;
    assert_eq!(status, 200);
    assert_eq!(body["office_scope"], "KANREG-V");
    let records = body["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["office"] == "KANREG-V"));
    let csv = app.get("/api/v1/audit/records.csv").await.text().await.unwrap();
    assert!(!csv.contains("KANREG-I"), "{csv}");

    assert_eq!(app.sign_in("petugas", crate::support::PASSWORD).await.0, 200);
    assert_eq!(app.get_json("/api/v1/audit/records").await.0, 403);
    assert_eq!(app.get("/api/v1/audit/records.csv").await.status().as_u16(), 403);
    assert_eq!(app.get_json("/api/v1/audit/signals").await.0, 403);
    // Each refusal is a security event in the trail, with who and where.
    let denied: Vec<_> = app.audit().await.into_iter().filter(|r| r.event == "denied").collect();
    assert_eq!(denied.len(), 3, "{denied:?}");
    assert!(denied.iter().all(|r| r.username.as_deref() == Some("petugas") && r.outcome == "denied"));
    assert!(denied.iter().any(|r| r.detail.as_deref() == Some("GET /api/v1/audit/records (Forbidden)")), "{denied:?}");
    assert_eq!(verify(&app).await.tamper, None);
});

// ---- misuse signals -------------------------------------------------------

both_engines!(misuse_signals_fire_on_the_injected_clock, |engine| async move {
    let extra = json!({ "audit": { "signals": { "volume_min": 20, "no_follow_up_min": 2 } } });
    let Some(mut app) = start(engine, extra).await else { return };
    // Monday 24 November 2026, 15:00 WIB.
    app.clock.set(datetime!(2026-11-24 08:00 UTC));
    let now = app.state.clock().now_millis();
    let hour = 3_600_000;
    let mut ids = std::collections::HashMap::<&str, Vec<i64>>::new();
    let mut add = async |kind: &'static str, user: &str, office: &str, mechanism: &str, at: i64, nik: String| {
        let r = AuditRecord {
            at,
            request_id: format!("sig-{kind}-{at}"),
            event: "access".into(),
            username: Some(user.into()),
            office_code: Some(office.into()),
            role: Some("officer".into()),
            client: "spa".into(),
            mechanism: Some(mechanism.into()),
            purpose: Some("data_casn_asn".into()),
            nik_token: Some(audit::nik_token(app.state.nik_key(), &nik)),
            outcome: "ok".into(),
            ..AuditRecord::default()
        };
        let id = audit::append(&app.state, &r).await.unwrap();
        ids.entry(kind).or_default().push(id);
    };
    // A steady colleague, and a baseline for "petugas" of ~1 a day.
    for i in 0..5 {
        add("colleague", "rekan", "KANREG-V", "verify_elements", now - (i + 1) * hour, format!("31710155019{i:05}"))
            .await;
    }
    for d in 2..12 {
        add("baseline", "petugas", "KANREG-V", "verify_elements", now - d * 24 * hour, format!("31710155018{d:05}"))
            .await;
    }
    // Today: 25 distinct verifications in the window: a volume spike.
    for i in 0..25 {
        add(
            "volume",
            "petugas",
            "KANREG-V",
            "verify_elements",
            now - 2 * hour + i * 60_000,
            format!("31710155017{i:05}"),
        )
        .await;
    }
    // The same NIK three times.
    for i in 0..3 {
        add("repeat", "helpdesk", "PUSAT", "verify_elements", now - 3 * hour + i * 60_000, NIK.to_owned()).await;
    }
    // A portal look-up at 21:00 WIB yesterday (outside 07–18).
    add("night", "malam", "KANREG-I", "portal_lookup", now - 18 * hour, "3171015501960001".into()).await;
    // Two look-ups 30 h ago never verified; one that was.
    add("unfollowed", "pencari", "KANREG-I", "ikd_lookup", now - 30 * hour, "3171015501970001".into()).await;
    add("unfollowed", "pencari", "KANREG-I", "ikd_lookup", now - 30 * hour + 1, "3171015501970002".into()).await;
    add("followed", "pencari", "KANREG-I", "ikd_lookup", now - 30 * hour + 2, "3171015501970003".into()).await;
    add("follow-up", "pencari", "KANREG-I", "verify_elements", now - 29 * hour, "3171015501970003".into()).await;

    assert_eq!(app.sign_in("admin", crate::support::PASSWORD).await.0, 200);
    let (status, body) = app.get_json("/api/v1/audit/signals").await;
    assert_eq!(status, 200, "{body}");
    let signals = body["signals"].as_array().unwrap();
    let find = |kind: &str, officer: &str| {
        signals
            .iter()
            .find(|s| s["kind"] == kind && s["officer"] == officer)
            .unwrap_or_else(|| panic!("no {kind} signal for {officer}: {body}"))
    };
    let ids_of = |s: &Value| -> Vec<i64> {
        let mut v: Vec<i64> = s["record_ids"].as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect();
        v.sort();
        v
    };
    assert_eq!(ids_of(find("volume", "petugas")), ids["volume"]);
    assert_eq!(ids_of(find("repeated_nik", "helpdesk")), ids["repeat"]);
    assert_eq!(ids_of(find("outside_hours", "malam")), ids["night"]);
    assert_eq!(ids_of(find("no_follow_up", "pencari")), ids["unfollowed"]);
    assert!(!signals.iter().any(|s| s["officer"] == "rekan"), "the steady colleague is not signalled: {body}");
    assert_eq!(signals.len(), 4, "{body}");

    // Raised to admins as alerts, and the records behind one can be opened.
    let (_, alerts) = app.get_json("/api/v1/admin/alerts").await;
    assert!(alerts["alerts"].as_array().unwrap().iter().filter(|a| a["kind"] == "misuse").count() >= 4, "{alerts}");
    let list = ids["repeat"].iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (_, records) = app.get_json(&format!("/api/v1/audit/records?ids={list}")).await;
    assert_eq!(records["records"].as_array().unwrap().len(), 3);

    // A supervisor of KANREG-V sees only the KANREG-V signal.
    assert_eq!(app.sign_in("supervisor", crate::support::PASSWORD).await.0, 200);
    let (_, body) = app.get_json("/api/v1/audit/signals").await;
    let kinds: Vec<_> = body["signals"].as_array().unwrap().iter().map(|s| s["officer"].clone()).collect();
    assert_eq!(kinds, vec![json!("petugas")], "{body}");

    // Two days later the window has moved on.
    app.clock.advance(time::Duration::days(3));
    assert_eq!(app.sign_in("supervisor", crate::support::PASSWORD).await.0, 200);
    let (_, body) = app.get_json("/api/v1/audit/signals").await;
    assert_eq!(body["signals"].as_array().unwrap().len(), 0, "{body}");
});

// ---- nothing for benchmarks in the production binary (issue 15) ----------

/// Runs `binary args` in `dir`, demo mode, on the SQLite file `db`, with no
/// setting of the caller's: (exit code, stdout, stdout + stderr).
fn run_in(binary: &str, dir: &std::path::Path, db: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(binary)
        .args(args)
        .env_clear()
        .current_dir(dir)
        .env("PADAN_DEMO__ENABLED", "true")
        .env("PADAN_DATABASE__URL", format!("sqlite://{}", db.display()))
        .env("PADAN_SECURITY__NIK_TOKEN_KEY", "11".repeat(32))
        .env("PADAN_AUDIT__SIGNING_KEY", "22".repeat(32))
        .output()
        .expect("run the binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), stdout, text)
}

/// The synthetic-data commands that `padan` once hid (`audit
/// generate-test-trail`, `registry bench-outbox`) live in `padan-bench-data`,
/// behind the `bench-tools` feature. Whatever features this build has, the
/// `padan` operators run neither lists nor runs them, even in demo mode on a
/// fresh database: each is refused with the usage, before the database is
/// opened.
#[test]
fn the_padan_binary_offers_no_benchmark_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("padan.db");
    let padan = |args: &[&str]| run_in(env!("CARGO_BIN_EXE_padan"), dir.path(), &db, args);
    for (args, offered) in [
        (&["--help"][..], "serve"),
        (&["audit", "--help"], "verify"),
        (&["audit"], "export-checkpoints"),
        (&["registry", "--help"], "import"),
        (&["registry"], "import"),
    ] {
        let (_, _, usage) = padan(args);
        assert!(usage.contains(offered), "padan {args:?} does not show its usage: {usage}");
        for hidden in ["generate-test-trail", "bench-outbox", "bench-data", "synthetic"] {
            assert!(!usage.contains(hidden), "padan {args:?} offers {hidden}: {usage}");
        }
    }
    for args in [
        &["audit", "generate-test-trail", "--records", "5"][..],
        &["audit", "generate-test-trail"],
        &["registry", "bench-outbox", "5"],
    ] {
        let (code, _, text) = padan(args);
        assert_eq!(code, Some(2), "padan {args:?} was not refused: {text}");
        assert!(text.to_lowercase().contains("usage"), "padan {args:?} was refused without the usage: {text}");
        assert!(!db.exists(), "padan {args:?} opened the database");
    }
}

/// `padan-bench-data` (only in builds with `bench-tools`, as `cargo xtask
/// bench` makes them: `cargo test -p padan-backend --features bench-tools
/// --test it audit::the_bench_data_binary`) fills a trail that `padan audit verify` accepts
/// and an outbox, and refuses outside demo mode and on a used trail.
#[test]
#[cfg_attr(not(feature = "bench-tools"), ignore = "needs the bench-tools feature, as release builds lack it")]
fn the_bench_data_binary_fills_a_verifiable_trail_and_an_outbox() {
    // Cargo names the binary even when the feature is off (then it is not
    // built, or stale): the feature, not the variable, says it is current.
    let Some(bench_data) = option_env!("CARGO_BIN_EXE_padan-bench-data") else {
        panic!("cargo did not name padan-bench-data");
    };
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("trail.db");
    let (code, _, text) = run_in(bench_data, dir.path(), &trail, &["audit-trail", "--records", "2500"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, stdout, text) = run_in(env!("CARGO_BIN_EXE_padan"), dir.path(), &trail, &["audit", "verify"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(stdout.starts_with("OK, 2500 records"), "{stdout}");
    let (code, _, text) = run_in(bench_data, dir.path(), &trail, &["audit-trail", "--records", "1"]);
    assert_eq!(code, Some(2), "a used trail is refused: {text}");
    assert!(text.contains("only fills an empty audit trail"), "{text}");

    let outbox = dir.path().join("outbox.db");
    let (code, stdout, text) = run_in(bench_data, dir.path(), &outbox, &["outbox", "--records", "30"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(stdout.trim(), "30 synthetic records in the registry and the outbox");

    let (code, _, text) = run_in(bench_data, dir.path(), &outbox, &["outbox"]);
    assert_eq!(code, Some(2));
    assert!(text.starts_with("usage: padan-bench-data"), "{text}");
    // A valid production configuration (as in `padan check-config`'s test).
    let out = std::process::Command::new(bench_data)
        .args(["outbox", "--records", "1"])
        .env_clear()
        .current_dir(dir.path())
        .env("PADAN_DATABASE__URL", format!("sqlite://{}", dir.path().join("prod.db").display()))
        .env("PADAN_DUKCAPIL__USER_ID", "bkn")
        .env("PADAN_DUKCAPIL__PASSWORD", "not-a-demo-password")
        .env("PADAN_SECURITY__NIK_TOKEN_KEY", "11".repeat(32))
        .env("PADAN_AUDIT__SIGNING_KEY", "22".repeat(32))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("demo mode only"), "{text}");
    assert!(!dir.path().join("prod.db").exists());
}

/// The real `padan` binary's command line (clap): `--help` lists every
/// subcommand and `--config` on standard output and exits 0; an unknown
/// flag, anywhere, exits 2 with the usage on standard error, before any
/// configuration or database is touched.
#[test]
fn the_padan_binary_lists_its_commands_and_refuses_unknown_flags_with_the_usage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("padan.db");
    let padan = |args: &[&str]| run_in(env!("CARGO_BIN_EXE_padan"), dir.path(), &db, args);
    let (code, stdout, text) = padan(&["--help"]);
    assert_eq!(code, Some(0), "{text}");
    for word in ["serve", "check-config", "openapi", "audit", "registry", "--config"] {
        assert!(stdout.contains(word), "padan --help lacks {word}: {stdout}");
    }
    for args in
        [&["--bogus"][..], &["serve", "--bogus"], &["audit", "verify", "--bogus"], &["registry", "import", "--bogus"]]
    {
        let (code, stdout, text) = padan(args);
        assert_eq!(code, Some(2), "padan {args:?}: {text}");
        assert!(stdout.is_empty(), "padan {args:?} wrote to stdout: {stdout}");
        assert!(text.contains("unexpected argument '--bogus'") && text.contains("Usage: padan"), "{args:?}: {text}");
        assert!(!db.exists(), "padan {args:?} opened the database");
    }
}
